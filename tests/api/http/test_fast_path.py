"""The fast path of ``GET /v1/workers/{id}/recommendations`` (``api.http.fast``) on the real app (no
``dependency_overrides``): the route's answer with its audit entry committed, and every request it does not
take, or whose work raises, answered by the route as before (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import datetime as dt
import http.client
import os
import threading
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from api.http import fast
from api.http.routers import workers as workers_router
from api.services import keys
from data.db import make_engine, transaction
from data.models import AuditEntry, Interaction, Worker, WorkerSkill
from tests.api.conftest import bearer
from tests.api.http.conftest import tiny_served_database, who_answers

URL = "/v1/workers/11/recommendations"
ROUTE = "GET /v1/workers/{worker_id}/recommendations"
WAIT = 20.0


@pytest.fixture
def app_of(served: tuple[TestClient, Engine, str]) -> tuple[TestClient, Engine, str]:
    """The served app, its worker 11 in the tiny graph's terms (no occupation, no skills, a target)."""
    client, engine, key = served
    with transaction(engine) as session:
        session.query(WorkerSkill).filter_by(worker_id=11).delete()
        worker = session.get(Worker, 11)
        assert worker is not None
        worker.current_occupation_uri, worker.target_occupation_uri = None, "occ:battery"
    return client, engine, key


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Who answered each request of the path: "fast" (the fast path) or "route" (passed on)."""
    return who_answers(monkeypatch, fast.RecommendationsFastPath)


def _audited(engine: Engine) -> int:
    with transaction(engine) as session:
        return session.scalar(select(func.count()).where(AuditEntry.route == ROUTE)) or 0


def test_a_plain_request_gets_the_routes_answer_and_audit_entry(
    app_of: tuple[TestClient, Engine, str], taken: list[str]
) -> None:
    client, engine, key = app_of
    fast_answer = client.get(URL, headers=bearer(key))
    again = client.get(URL + "?limit=10&target=occ:battery", headers=bearer(key))
    by_route = client.get(URL + "?limit=010", headers=bearer(key))  # the same question, not plain
    assert taken == ["fast", "fast", "route"]
    for response in (fast_answer, again, by_route):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
    assert fast_answer.content == again.content == by_route.content
    assert fast_answer.json()["worker_id"] == 11 and fast_answer.json()["target_uri"] == "occ:battery"
    assert _audited(engine) == 3  # each committed before its answer: seen from another transaction


@pytest.mark.parametrize(
    ("query", "headers", "status"),
    [
        ("?limt=1", None, 422),  # a query parameter the route does not take
        ("?limit=0", None, 422),
        ("?limit=101", None, 422),
        ("?limit=1&limit=2", None, 200),  # the route's reading of a repeated parameter
        ("?target=", None, 422),
        ("?target=astronaut", None, 404),  # the work raises: the route answers
        ("", {"Authorization": "Basic abc"}, 401),
        ("", {}, 401),
        ("", {"Authorization": "Bearer upsk_unknown"}, 401),
        # no access: the key's 401 before any word on the parameters
        ("?limt=1", {}, 401),
        ("?limit=0", {"Authorization": "Bearer upsk_unknown"}, 401),
        ("?target=", {"Authorization": "Basic abc"}, 401),
    ],
)
def test_what_the_fast_path_does_not_answer_the_route_does(
    app_of: tuple[TestClient, Engine, str],
    taken: list[str],
    query: str,
    headers: dict[str, str] | None,
    status: int,
) -> None:
    client, engine, key = app_of
    response = client.get(URL + query, headers=bearer(key) if headers is None else headers)
    assert response.status_code == status, response.text
    assert taken == ["route"]
    if status != 200:
        assert response.headers["content-type"] == "application/problem+json"
        assert _audited(engine) == 0  # a refused read records nothing


def test_a_worker_the_key_may_not_see_is_404_and_a_revoked_key_401(
    app_of: tuple[TestClient, Engine, str], taken: list[str]
) -> None:
    client, engine, key = app_of
    with transaction(engine) as session:
        _, colleague = keys.create_key(session, role="worker", worker_id=12)
    assert client.get(URL, headers=bearer(colleague)).status_code == 404
    assert client.get("/v1/workers/999/recommendations", headers=bearer(key)).status_code == 404
    assert client.get(URL, headers=bearer(key)).status_code == 200
    with transaction(engine) as session:  # revoked by another process: refused at the next request
        principal = keys.authenticate(session, plaintext=key)
        assert principal is not None
        keys.revoke_key(session, key_id=principal.key_id)
    assert client.get(URL, headers=bearer(key)).status_code == 401
    assert client.get(URL + "?limit=0", headers=bearer(key)).status_code == 401  # not 422
    assert client.get(URL + "?limt=1", headers=bearer(key)).status_code == 401
    changed = client.patch(URL.removesuffix("/recommendations"), content=b"{not json", headers=bearer(key))
    assert changed.status_code == 401, changed.text
    assert taken == ["route", "route", "fast", "route", "route", "route"]
    assert _audited(engine) == 1


def test_a_kept_answer_is_read_and_audited_on_the_driver(
    app_of: tuple[TestClient, Engine, str], taken: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second request of a question is answered from the kept answer without the route's session
    (``workers.kept_recommendations_json``), with its own audit entry committed before it is sent."""
    client, engine, key = app_of
    first = client.get(URL, headers=bearer(key))
    assert first.status_code == 200, first.text

    def no_session(**_: Any) -> bytes:
        raise AssertionError("the kept answer was not answered on the driver")

    monkeypatch.setattr(workers_router, "recommendations_json", no_session)
    again = client.get(URL, headers=bearer(key))
    assert again.status_code == 200, again.text
    assert again.content == first.content and taken == ["fast", "fast"]
    assert _audited(engine) == 2


def test_kept_answers_asked_together_are_read_in_one_transaction_with_an_entry_each(
    app_of: tuple[TestClient, Engine, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``workers.kept_recommendations_json``: the batch's keys and workers in one driver read transaction, an
    audit entry for each kept answer (and none for any other question), written by no one yet: the fast path
    hands them to the audit writer and sends the answers once they are committed."""
    client, engine, key = app_of
    first = client.get(URL, headers=bearer(key))
    assert first.status_code == 200, first.text
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    opened: list[bool] = []
    driver_transaction = runtime.driver_transaction

    def counted(*, writes: bool = False, **options: Any) -> Any:
        opened.append(writes)
        return driver_transaction(writes=writes, **options)

    monkeypatch.setattr(runtime, "driver_transaction", counted)
    served = runtime.served()
    kept = workers_router.KeptQuestion(
        key=key, worker_id=11, target=None, limit=10, graph=served.graph, options=served.options, model=None
    )
    questions = [
        kept,
        kept,  # the same question twice: two answers, two entries
        replace(kept, limit=9),  # not kept: the route computes it
        replace(kept, worker_id=999),  # no such worker
        replace(kept, key="upsk_unknown"),
    ]
    before = _audited(engine)
    found = workers_router.kept_recommendations_json(runtime=runtime, questions=questions)
    assert found.answers == [first.content, first.content, None, None, None]
    assert opened == [False]  # one read transaction, nothing written
    assert [(e["worker_id"], e["route"], e["action"]) for e in found.entries] == [(11, ROUTE, "read")] * 2
    assert _audited(engine) == before
    runtime.audit_writer.write(found.entries)
    assert _audited(engine) == before + 2


def test_an_answer_given_again_under_the_same_people_version_reads_no_key_and_any_write_is_seen_at_once(
    app_of: tuple[TestClient, Engine, str], taken: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite a question answered from a kept answer before, with no key, worker, skill, event or
    organisation written since (``data.people_version``), is answered without its key and worker read again
    (still audited); a write by another process (here: another engine's connections) is seen by the next
    request: a revoked key 401, a deleted worker 404. On PostgreSQL every question reads them."""
    client, engine, key = app_of
    asked: list[int] = []
    askers = workers_router._askers

    def counted(connection: Any, questions: Any) -> Any:
        asked.append(len(questions))
        return askers(connection, questions)

    monkeypatch.setattr(workers_router, "_askers", counted)
    sqlite = engine.dialect.name == "sqlite"
    first = client.get(URL, headers=bearer(key))  # computed by the route
    answers = [client.get(URL, headers=bearer(key)) for _ in range(3)]  # kept: read once, then given again
    assert all(a.status_code == 200 and a.content == first.content for a in answers)
    assert asked == ([1, 1, 0, 0] if sqlite else [1, 1, 1, 1])
    assert _audited(engine) == 4

    with transaction(engine) as session:  # any write to the worker's data: read again
        session.add(
            Interaction(
                worker_id=11, course_id="edx:hv-1", kind="viewed", occurred_at=dt.datetime.now(dt.UTC)
            )
        )
    asked.clear()
    for _ in range(3):  # read again (a new event: computed by the route), kept, then given again
        assert client.get(URL, headers=bearer(key)).status_code == 200
    assert asked == ([1, 1, 0] if sqlite else [1, 1, 1])
    with transaction(engine) as session:
        principal = keys.authenticate(session, plaintext=key)
        assert principal is not None
        keys.revoke_key(session, key_id=principal.key_id)
    assert client.get(URL, headers=bearer(key)).status_code == 401  # at once

    with transaction(engine) as session:
        _, other = keys.create_key(session, role="hr", organisation_id=7)
    for _ in range(2):
        assert client.get(URL, headers=bearer(other)).status_code == 200
    with transaction(engine) as session:
        worker = session.get(Worker, 11)
        assert worker is not None
        session.delete(worker)
    assert client.get(URL, headers=bearer(other)).status_code == 404
    assert taken.count("fast") >= 7


def test_a_key_revoked_or_a_worker_deleted_is_seen_at_once_by_every_served_process(tmp_path: Path) -> None:
    """``upskill serve --workers 2`` on a SQLite file, each process giving kept answers again without reading
    the key and worker (the people version): a key revoked elsewhere (here: this process, as ``upskill keys
    revoke`` would) is refused on every keep-alive connection's next request, whichever process holds it,
    and a deleted worker is 404 on every one."""
    from evaluation.bench_load import started_server

    database = tmp_path / "tiny.db"
    engine = tiny_served_database(database, "Serve GmbH")
    with transaction(engine) as session:
        _, hr = keys.create_key(session, role="hr", organisation_id=1)
        _, admin = keys.create_key(session, role="admin")
    env = {
        **os.environ,
        "UPSKILL_DATABASE_URL": f"sqlite:///{database}",
        "UPSKILL_ARTEFACT_DIR": str(tmp_path / "none"),
        "UPSKILL_CACHE_DIR": str(tmp_path / "cache"),
    }
    with started_server(env, 2, "/health", wait=300) as (_, port):
        connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT) for _ in range(8)]

        def statuses(key: str) -> list[int]:
            found = []
            for connection in connections:  # keep-alive: each stays with the process that accepted it
                connection.request("GET", "/v1/workers/1/recommendations", headers=bearer(key))
                response = connection.getresponse()
                response.read()
                found.append(response.status)
            return found

        for key in (hr, admin):
            for _ in range(3):  # computed, kept, then given again in each process
                assert statuses(key) == [200] * 8
        with transaction(engine) as session:
            principal = keys.authenticate(session, plaintext=hr)
            assert principal is not None
            keys.revoke_key(session, key_id=principal.key_id)
        assert statuses(hr) == [401] * 8
        assert statuses(admin) == [200] * 8
        with transaction(engine) as session:
            worker = session.get(Worker, 1)
            assert worker is not None
            session.delete(worker)
        assert statuses(admin) == [404] * 8
        for connection in connections:
            connection.close()
    engine.dispose()


class HeldWriter:
    """An audit writer whose commits wait until released, then succeed or fail (``fails``)."""

    def __init__(self, *, fails: bool = False) -> None:
        self.fails = fails
        self.release = threading.Event()
        self.submitted: list[list[dict[str, Any]]] = []

    def submit(self, made: list[dict[str, Any]], committed: Any) -> None:
        self.submitted.append(made)

        def commit() -> None:
            assert self.release.wait(WAIT)
            committed(RuntimeError("the disk is full") if self.fails else None)

        threading.Thread(target=commit).start()


class HeldRuntime:
    """A runtime of ``dialect``'s database (only its name) whose audit writer is ``writer``."""

    def __init__(self, writer: HeldWriter, dialect: str = "postgresql") -> None:
        self.audit_writer = writer
        self.engine = SimpleNamespace(dialect=SimpleNamespace(name=dialect))


def _kept_lookup(
    monkeypatch: pytest.MonkeyPatch,
    looked_up: list[list[str]],
    release: threading.Event,
    read_where: list[tuple[bool, bool]] | None = None,
) -> None:
    """``workers.kept_recommendations_json`` answering every question but "unknown", each with an entry; the
    first :data:`fast.BATCHES_AT_ONCE` batches wait for ``release``. ``read_where``: for each batch, whether
    it was read on the event loop's thread, and whether on the loop's own connection (``reads``)."""
    read_where = [] if read_where is None else read_where

    def lookup(*, runtime: object, questions: list[str], reads: object = None) -> workers_router.KeptAnswers:
        looked_up.append(list(questions))
        read_where.append((threading.current_thread() is threading.main_thread(), reads is not None))
        if len(looked_up) <= fast.BATCHES_AT_ONCE:
            assert release.wait(WAIT)
        answers: list[bytes | None] = [
            None if question == "unknown" else f"answer to {question}".encode() for question in questions
        ]
        entries = [
            {"question": q} for q, answer in zip(questions, answers, strict=True) if answer is not None
        ]
        return workers_router.KeptAnswers(answers, entries)

    monkeypatch.setattr(workers_router, "kept_recommendations_json", lookup)


@pytest.mark.parametrize("fails", [False, True])
def test_a_kept_answer_waits_for_its_audit_entrys_commit(
    monkeypatch: pytest.MonkeyPatch, fails: bool
) -> None:
    """``fast.KeptBatches``: a kept answer is given back only once the audit writer says its entry is
    committed, and not at all (None: the route answers, or 503) when the commit fails; a question with no
    kept answer is given back at once, waiting for no commit."""
    released = threading.Event()
    released.set()
    _kept_lookup(monkeypatch, [], released)
    writer = HeldWriter(fails=fails)

    async def main() -> tuple[bool, bool, list[bytes | None]]:
        batches = fast.KeptBatches(runtime=HeldRuntime(writer))  # type: ignore[arg-type]
        kept = asyncio.ensure_future(batches.ask("q0"))  # type: ignore[arg-type]
        unknown = asyncio.ensure_future(batches.ask("unknown"))  # type: ignore[arg-type]
        await asyncio.sleep(0.3)
        waiting, unknown_answered = not kept.done(), unknown.done()
        writer.release.set()
        return waiting, unknown_answered, [await kept, await unknown]

    waiting, unknown_answered, answers = asyncio.run(main())
    assert waiting and unknown_answered
    assert writer.submitted == [[{"question": "q0"}]]
    assert answers == [None if fails else b"answer to q0", None]


def test_requests_arriving_while_the_batches_are_looked_up_go_together_in_the_next(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``fast.KeptBatches``: up to ``BATCHES_AT_ONCE`` batches in the thread pool at once; the questions
    arriving meanwhile wait on the event loop and go in one batch when one of them is done; each gets its
    own answer, once the batch's audit entries are committed (one submission to the writer a batch)."""
    looked_up: list[list[str]] = []
    release = threading.Event()
    _kept_lookup(monkeypatch, looked_up, release)
    writer = HeldWriter()
    writer.release.set()

    async def main() -> list[bytes | None]:
        batches = fast.KeptBatches(runtime=HeldRuntime(writer))  # type: ignore[arg-type]
        asked = []
        for number in range(at_once + 3):
            asked.append(asyncio.ensure_future(batches.ask(f"q{number}")))  # type: ignore[arg-type]
            await asyncio.sleep(0.05)
        release.set()
        return list(await asyncio.gather(*asked))

    at_once = fast.BATCHES_AT_ONCE
    answers = asyncio.run(main())
    assert answers == [f"answer to q{number}".encode() for number in range(at_once + 3)]
    alone = [[f"q{number}"] for number in range(at_once)]  # each its own batch while a slot was free
    together = [f"q{number}" for number in range(at_once, at_once + 3)]
    assert looked_up == [*alone, together]
    assert writer.submitted == [[{"question": q} for q in batch] for batch in [*alone, together]]


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_sqlite_batches_are_read_on_the_event_loop_without_waiting_for_a_lock(
    monkeypatch: pytest.MonkeyPatch, dialect: str
) -> None:
    """On SQLite a batch is read on the event loop (cheaper than the thread pool's round trip), on the loop's
    own connection, which never waits for a lock (:class:`fast.LoopReads`); on PostgreSQL, whose every
    statement is a round trip to the server, in the thread pool."""
    released = threading.Event()
    released.set()
    read_where: list[tuple[bool, bool]] = []
    _kept_lookup(monkeypatch, [], released, read_where)
    writer = HeldWriter()
    writer.release.set()

    async def main() -> bytes | None:
        batches = fast.KeptBatches(runtime=HeldRuntime(writer, dialect))  # type: ignore[arg-type]
        return await batches.ask("q0")  # type: ignore[arg-type]

    assert asyncio.run(main()) == b"answer to q0"
    assert read_where == [(True, True)] if dialect == "sqlite" else [(False, False)]


def test_the_loops_reads_never_wait_for_a_lock_and_survive_a_failed_block(tmp_path: Path) -> None:
    """:class:`fast.LoopReads`: each block a read transaction on one kept connection, seeing what was
    committed before it; it never waits for a lock (busy timeout 0), a block that raises is rolled back and
    the connection reads on, and a connection that broke is replaced by the next block."""
    engine = make_engine(f"sqlite:///{tmp_path / 'reads.db'}")
    with engine.begin() as writing:
        writing.exec_driver_sql("CREATE TABLE t (n INTEGER)")
        writing.exec_driver_sql("INSERT INTO t VALUES (1)")
    reads = fast.LoopReads(engine)

    def read() -> list[int]:
        with reads.transaction() as connection:
            assert connection.dbapi_connection.execute("PRAGMA busy_timeout").fetchone()[0] == 0
            return [n for (n,) in connection.dbapi_connection.execute("SELECT n FROM t ORDER BY n")]

    assert read() == [1]
    with pytest.raises(RuntimeError), reads.transaction() as reading:
        reading.dbapi_connection.execute("SELECT n FROM t").fetchall()
        raise RuntimeError("the block failed")
    kept = reads._pooled
    assert kept is not None and not kept.dbapi_connection.in_transaction  # type: ignore[union-attr]
    with engine.begin() as writing:
        writing.exec_driver_sql("INSERT INTO t VALUES (2)")
    assert read() == [1, 2] and reads._pooled is kept
    kept.dbapi_connection.close()  # type: ignore[union-attr]  # broken under it
    with pytest.raises(Exception, match="(?i)closed"), reads.transaction():
        pass
    assert read() == [1, 2] and reads._pooled is not kept
    engine.dispose()


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_a_question_asked_as_soon_as_the_last_batch_ends_is_read(
    monkeypatch: pytest.MonkeyPatch, dialect: str
) -> None:
    """A question asked when the batch before it has just ended (its requests answered, the batch's task
    not yet done: the request's task ran next) starts a batch of its own instead of waiting for the next
    question (with two processes and four connections each, bench_http saw all of a process's requests
    wait so, until the client's 60 s timeout)."""
    released = threading.Event()
    released.set()
    looked_up: list[list[str]] = []
    _kept_lookup(monkeypatch, looked_up, released)
    writer = HeldWriter()
    writer.release.set()

    async def main() -> list[bytes | None]:
        batches = fast.KeptBatches(runtime=HeldRuntime(writer, dialect))  # type: ignore[arg-type]
        first = asyncio.ensure_future(batches.ask("unknown"))  # type: ignore[arg-type]
        await asyncio.sleep(0)  # the first request's task starts the batch's task
        second = asyncio.ensure_future(batches.ask("q1"))  # type: ignore[arg-type]  # runs after the batch
        return [await first, await asyncio.wait_for(second, WAIT)]

    assert asyncio.run(main()) == [None, b"answer to q1"]
    assert looked_up == [["unknown"], ["q1"]]
