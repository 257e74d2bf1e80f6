"""``api.audit_host``: the audit entries of a server's worker processes committed by one host, each caller
answered once its own entries are committed (or told why not), and committed in the worker itself when the
host is out of reach."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine, create_engine

from api import audit_host
from api.audit_host import AuditHost, AuditHostRefused, HostWriter
from api.runtime import Runtime
from api.services import audit, keys
from api.settings import Settings
from data.db import driver_transaction, transaction

WAIT = 20.0
T = TypeVar("T")


class Here(audit.Writer):
    """The worker's own writer (the fallback): what it was given, committed to ``engine``."""

    def __init__(self, engine: Engine):
        self.given: list[list[dict[str, Any]]] = []
        self._writer = audit.GroupWriter(audit.committer(lambda: driver_transaction(engine, writes=True)))

    def submit(self, made: list[dict[str, Any]], committed: audit.Committed) -> None:
        self.given.append(made)
        self._writer.submit(made, committed)


@pytest.fixture
def key(fresh_engine: Engine) -> keys.Principal:
    with transaction(fresh_engine) as session:
        _, plaintext = keys.create_key(session, role="admin")
        principal = keys.authenticate(session, plaintext=plaintext)
    assert principal is not None
    return principal


@pytest.fixture
def host(fresh_engine: Engine, tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "host.sock"
    running = AuditHost(audit.committer(lambda: driver_transaction(fresh_engine, writes=True)), path)
    yield path
    running.close()


def _made(principal: keys.Principal, route: str, count: int = 1) -> list[dict[str, Any]]:
    return audit.entries(principal=principal, action="read", route=route, worker_ids=[None] * count)


def _routes(engine: Engine) -> list[str]:
    with transaction(engine) as session:
        found, _ = audit.list_entries(db_session=session, limit=1000)
    return sorted(entry["route"] for entry in found)


def test_the_workers_entries_are_committed_by_the_host_before_each_caller_returns(
    fresh_engine: Engine, host: Path, key: keys.Principal
) -> None:
    """Two worker processes' writers (here two connections), several callers each: every write returns once
    its entries are in the database, as written through a session; the workers commit nothing themselves."""
    workers = [Here(fresh_engine), Here(fresh_engine)]
    writers = [HostWriter(str(host), fallback=here) for here in workers]
    read_back: dict[str, bool] = {}

    def call(number: int) -> None:
        route = f"GET /{number}"
        writers[number % 2].write(_made(key, route, count=2))
        read_back[route] = _routes(fresh_engine).count(route) == 2  # committed when write returned

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(call, range(40)))
    assert read_back == {f"GET /{n}": True for n in range(40)}
    assert _routes(fresh_engine) == sorted(f"GET /{n}" for n in range(40) for _ in range(2))
    assert [here.given for here in workers] == [[], []]
    made = _made(key, "GET /time")
    writers[0].write(made)
    with transaction(fresh_engine) as session:
        found, _ = audit.list_entries(db_session=session, limit=1)
    assert found[0]["occurred_at"] == made[0]["occurred_at"]
    assert (found[0]["key_id"], found[0]["role"], found[0]["worker_id"]) == (key.key_id, "admin", None)


def test_entries_the_host_cannot_commit_fail_only_their_own_caller(
    fresh_engine: Engine, host: Path, key: keys.Principal
) -> None:
    """An entry of a key that does not exist (a foreign key the database refuses) is refused to its caller,
    with what the commit raised; the entries given beside it are committed."""
    writer = HostWriter(str(host), fallback=Here(fresh_engine))
    bad = _made(key, "GET /bad")
    bad[0]["api_key_id"] = key.key_id + 1000
    outcomes: dict[str, Exception | None] = {}
    done = threading.Event()

    def committed(route: str) -> audit.Committed:
        def call(error: Exception | None) -> None:
            outcomes[route] = error
            if len(outcomes) == 3:
                done.set()

        return call

    writer.submit(_made(key, "GET /a"), committed("a"))
    writer.submit(bad, committed("bad"))
    writer.submit(_made(key, "GET /b"), committed("b"))
    assert done.wait(WAIT)
    assert outcomes["a"] is None and outcomes["b"] is None
    assert isinstance(outcomes["bad"], AuditHostRefused) and "foreign key" in str(outcomes["bad"]).lower()
    assert _routes(fresh_engine) == ["GET /a", "GET /b"]


def test_without_the_host_the_worker_commits_its_entries_itself(
    fresh_engine: Engine, tmp_path: Path, key: keys.Principal
) -> None:
    """No host at the path (never started, or gone): the entries are committed by the worker's own writer;
    once a host listens there, the next entries go to it."""
    path = tmp_path / "host.sock"
    here = Here(fresh_engine)
    writer = HostWriter(str(path), fallback=here)
    writer.write(_made(key, "GET /here"))
    assert len(here.given) == 1 and _routes(fresh_engine) == ["GET /here"]
    running = AuditHost(audit.committer(lambda: driver_transaction(fresh_engine, writes=True)), path)
    try:
        writer.write(_made(key, "GET /host"))
    finally:
        running.close()
    assert len(here.given) == 1 and _routes(fresh_engine) == ["GET /here", "GET /host"]


def _dying_host(path: Path) -> threading.Thread:
    """A host listening on ``path`` that takes the first message and closes the connection without
    answering, then stops listening (it died): the thread that does it, started."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen()

    def take_and_close() -> None:
        connection, _ = listener.accept()
        connection.recv(1 << 16)
        connection.close()
        listener.close()

    dying = threading.Thread(target=take_and_close)
    dying.start()
    return dying


def test_entries_a_lost_host_left_unanswered_are_committed_by_the_worker(
    fresh_engine: Engine, tmp_path: Path, key: keys.Principal
) -> None:
    """A host that takes the entries and closes the connection without answering (it died): they are
    committed by the worker's own writer, and their caller returns then."""
    path = tmp_path / "host.sock"
    dying = _dying_host(path)
    here = Here(fresh_engine)
    HostWriter(str(path), fallback=here).write(_made(key, "GET /lost"))
    dying.join(WAIT)
    assert len(here.given) == 1 and _routes(fresh_engine) == ["GET /lost"]


def test_serving_names_the_host_to_the_workers_it_starts(
    fresh_engine: Engine, key: keys.Principal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Within :func:`audit_host.serving` the environment names the host's socket: a runtime made there (as in
    uvicorn's worker processes, which inherit it) writes its audit entries through the host, which commits
    them to its own database. After it, the variable and the socket's folder are gone."""
    monkeypatch.delenv(audit_host.AUDIT_HOST_ENV, raising=False)
    worker_database = Settings(database_url=f"sqlite:///{tmp_path / 'worker.db'}")
    with audit_host.serving(audit.committer(lambda: driver_transaction(fresh_engine, writes=True))) as path:
        assert os.environ[audit_host.AUDIT_HOST_ENV] == str(path)
        Runtime(worker_database).audit_writer.write(_made(key, "GET /served"))
    assert audit_host.AUDIT_HOST_ENV not in os.environ
    assert not path.parent.exists()
    assert _routes(fresh_engine) == ["GET /served"]
    assert not (tmp_path / "worker.db").exists()  # the worker committed nothing itself


def test_one_host_on_a_sqlite_file_served_by_more_than_one_process(tmp_path: Path) -> None:
    """PostgreSQL commits transactions side by side, and one process needs no host."""
    sqlite = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    assert audit_host.wanted(sqlite, 2)
    assert not audit_host.wanted(sqlite, 1)
    assert not audit_host.wanted(create_engine("sqlite://"), 2)
    assert not audit_host.wanted(create_engine("postgresql+psycopg://u@localhost/db"), 2)


def test_answers_are_taken_while_a_send_waits_for_the_host(
    fresh_engine: Engine, tmp_path: Path, key: keys.Principal
) -> None:
    """A send that waits for the host to read (its socket full: the host is busy, e.g. sending answers) does
    not keep the answers it has sent from being taken: else the host, waiting for this worker to read its
    answers, and the worker, waiting for the host to read, would wait for each other."""
    path = tmp_path / "host.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen()
    read_on = threading.Event()

    def host() -> None:  # answers the first message only once the big one waits, then reads on
        connection, _ = listener.accept()
        with connection:
            length = int.from_bytes(_exactly(connection, 4), "big")
            _exactly(connection, length)
            connection.recv(1, socket.MSG_PEEK)  # the big message is being sent
            threading.Event().wait(0.3)  # and its send blocked by now: the socket holds far less
            connection.sendall(b"\x00\x00\x00\x04null")
            assert read_on.wait(WAIT)
            while True:
                length = int.from_bytes(_exactly(connection, 4), "big")
                _exactly(connection, length)
                connection.sendall(b"\x00\x00\x00\x04null")

    threading.Thread(target=host, daemon=True).start()
    writer = HostWriter(str(path), fallback=Here(fresh_engine))
    first = threading.Event()
    writer.submit(_made(key, "GET /first"), lambda error: first.set())
    big = threading.Thread(target=writer.write, args=(_made(key, "GET /big", count=50_000),), daemon=True)
    big.start()
    try:
        assert first.wait(WAIT)  # taken while the big send still waits
        assert big.is_alive()
    finally:
        read_on.set()
    big.join(WAIT)
    assert not big.is_alive()
    listener.close()


def test_a_submit_never_waits_for_a_host_slow_to_read(
    fresh_engine: Engine, tmp_path: Path, key: keys.Principal
) -> None:
    """A host that stops reading (a commit waiting for the disk for seconds, many requests in flight) fills
    the socket: the submits return at once all the same (the HTTP fast path submits on the event loop,
    which must never wait), what the socket does not take is sent by a sender thread, and once the host
    reads again every message is answered, in order."""
    path = tmp_path / "host.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen()
    reading = threading.Event()

    def host() -> None:
        connection, _ = listener.accept()
        with connection:
            assert reading.wait(WAIT)
            while True:
                try:
                    length = int.from_bytes(_exactly(connection, 4), "big")
                    _exactly(connection, length)
                except (ConnectionResetError, OSError):
                    return
                connection.sendall(b"\x00\x00\x00\x04null")

    threading.Thread(target=host, daemon=True).start()
    writer = HostWriter(str(path), fallback=Here(fresh_engine))
    answered: list[tuple[int, Exception | None]] = []
    done = threading.Event()
    count = 2000  # ~5 entries of ~150 bytes each: ~1.5 MB, far more than the socket holds

    def committed(number: int) -> audit.Committed:
        def call(error: Exception | None) -> None:
            answered.append((number, error))
            if len(answered) == count:
                done.set()

        return call

    slowest = 0.0
    for number in range(count):
        began = time.perf_counter()
        writer.submit(_made(key, f"GET /{number}", count=5), committed(number))
        slowest = max(slowest, time.perf_counter() - began)
    try:
        assert slowest < 0.5, f"a submit waited {slowest:.2f} s for the host"
        assert any(t.name == "audit-host-sender" for t in threading.enumerate()), "the socket never filled"
        assert answered == []
    finally:
        reading.set()
    assert done.wait(WAIT)
    assert answered == [(number, None) for number in range(count)]
    listener.close()


def _on_a_loop_of_its_own(main: Coroutine[Any, Any, T]) -> T:
    """``main`` run to its end on a new event loop in a thread of its own (the test's thread may hold a
    running loop that an earlier test left: the browser tests' Playwright)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, main).result(WAIT * 2)


def _exactly(connection: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise ConnectionResetError
        data += chunk
    return data


def test_answers_are_read_on_the_loop_they_are_given_to(
    fresh_engine: Engine, host: Path, key: keys.Principal
) -> None:
    """A writer told to read the host's answers on an event loop (a served worker process's) starts no reader
    thread: every caller is told on that loop, whether it submitted there or from another thread (a route in
    the thread pool, the connection's first), and its entries are committed by then."""
    writer = HostWriter(str(host), fallback=Here(fresh_engine))
    told: list[tuple[str, Exception | None, bool, bool]] = []
    readers = {t for t in threading.enumerate() if t.name == "audit-host-answers"}  # earlier tests' writers

    async def served() -> None:
        loop = asyncio.get_running_loop()
        writer.read_answers_on(loop)
        here = threading.get_ident()
        all_told = loop.create_future()

        def committed(route: str) -> audit.Committed:
            def call(error: Exception | None) -> None:
                told.append((route, error, threading.get_ident() == here, route in _routes(fresh_engine)))
                if len(told) == 4:
                    all_told.set_result(None)

            return call

        await asyncio.to_thread(writer.submit, _made(key, "GET /pool"), committed("GET /pool"))
        for route in ("GET /a", "GET /b", "GET /c"):
            writer.submit(_made(key, route), committed(route))
        await asyncio.wait_for(all_told, WAIT)

    _on_a_loop_of_its_own(served())
    routes = ("GET /a", "GET /b", "GET /c", "GET /pool")
    assert sorted(told) == [(route, None, True, True) for route in routes]
    assert {t for t in threading.enumerate() if t.name == "audit-host-answers"} <= readers


def test_entries_a_lost_host_left_unanswered_on_the_loop_are_committed_by_the_worker(
    fresh_engine: Engine, tmp_path: Path, key: keys.Principal
) -> None:
    """The host closes the connection without answering (it died): the loop's reader hands the unanswered
    entries to the worker's own writer and closes the socket; the next entries reach a new host."""
    path = tmp_path / "host.sock"
    dying = _dying_host(path)
    here = Here(fresh_engine)
    writer = HostWriter(str(path), fallback=here)
    outcomes: list[Exception | None] = []

    async def served() -> socket.socket:
        loop = asyncio.get_running_loop()
        writer.read_answers_on(loop)
        answered = loop.create_future()

        def committed(error: Exception | None) -> None:  # the fallback's writer thread
            loop.call_soon_threadsafe(answered.set_result, error)

        writer.submit(_made(key, "GET /lost"), committed)
        lost = writer._connection
        outcomes.append(await asyncio.wait_for(answered, WAIT))
        assert lost is not None
        return lost

    lost = _on_a_loop_of_its_own(served())
    dying.join(WAIT)
    path.unlink()
    assert outcomes == [None] and len(here.given) == 1 and _routes(fresh_engine) == ["GET /lost"]
    assert lost.fileno() == -1  # closed by the loop's reader
    running = AuditHost(audit.committer(lambda: driver_transaction(fresh_engine, writes=True)), path)
    try:
        writer.write(_made(key, "GET /host"))  # the loop is closed: a reader thread now
    finally:
        running.close()
    assert len(here.given) == 1 and _routes(fresh_engine) == ["GET /host", "GET /lost"]


def test_one_connection_commits_each_list_in_a_transaction_of_its_own(
    fresh_engine: Engine, key: keys.Principal
) -> None:
    """The host's committer on one kept connection: each list committed (read back through a session); a
    list the database refuses (a key that does not exist) raises and is rolled back, and the connection
    commits the next list; a connection that broke is replaced. On SQLite only (the host's database)."""
    if fresh_engine.dialect.name != "sqlite":
        with pytest.raises(ValueError, match="SQLite only"):
            audit.OneConnection(fresh_engine)
        return
    commit = audit.OneConnection(fresh_engine)
    try:
        commit(_made(key, "GET /one", count=2))
        bad = _made(key, "GET /bad")
        bad[0]["api_key_id"] = key.key_id + 1000
        with pytest.raises(Exception, match="(?i)foreign key"):
            commit(bad)
        commit(_made(key, "GET /two"))
        assert _routes(fresh_engine) == ["GET /one", "GET /one", "GET /two"]
        kept = commit._pooled
        assert kept is not None and kept.dbapi_connection is not None
        kept.dbapi_connection.close()  # broken under it: its next statements raise
        with pytest.raises(Exception, match="(?i)closed"):
            commit(_made(key, "GET /broken"))
        commit(_made(key, "GET /three"))
    finally:
        commit.close()
    assert _routes(fresh_engine) == ["GET /one", "GET /one", "GET /three", "GET /two"]
