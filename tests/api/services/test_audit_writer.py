"""``api.services.audit.GroupWriter``: the audit entries of requests finishing together go in one
transaction; each caller returns once its own entries are committed, or raises its own failure."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine

from api.services import audit, keys
from data.db import driver_transaction, transaction

WAIT = 20.0


class Recorder:
    """Transactions as lists of entries; the first one waits until ``release`` is set."""

    def __init__(self) -> None:
        self.committed: list[list[dict[str, Any]]] = []
        self.first_open = threading.Event()
        self.release = threading.Event()
        self.bad: set[int] = set()  # entries with these ids make their transaction fail

    @contextmanager
    def open(self) -> Iterator[list[dict[str, Any]]]:
        written: list[dict[str, Any]] = []
        if not self.first_open.is_set():
            self.first_open.set()
            assert self.release.wait(WAIT)
        yield written
        if any(entry["id"] in self.bad for entry in written):
            raise RuntimeError("this transaction failed")
        self.committed.append(written)


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    monkeypatch.setattr(audit, "add", lambda *, db_session, entries: db_session.extend(entries))
    return recorder


def _write_while_the_first_commit_waits(recorder: Recorder, callers: int) -> list[BaseException | None]:
    writer = audit.GroupWriter(audit.committer(recorder.open))  # type: ignore[arg-type]

    def call(number: int) -> BaseException | None:
        try:
            writer.write([{"id": number}])
        except RuntimeError as error:
            return error
        return None

    with ThreadPoolExecutor(callers) as pool:
        first = pool.submit(call, 0)
        assert recorder.first_open.wait(WAIT)
        others = [pool.submit(call, n) for n in range(1, callers)]
        while len(writer._waiting) < callers - 1:  # every other caller is queued behind the first commit
            threading.Event().wait(0.01)
        recorder.release.set()
        return [first.result(WAIT), *(other.result(WAIT) for other in others)]


def test_callers_arriving_during_a_commit_share_the_next_one(recorder: Recorder) -> None:
    assert _write_while_the_first_commit_waits(recorder, 6) == [None] * 6
    assert [sorted(e["id"] for e in t) for t in recorder.committed] == [[0], [1, 2, 3, 4, 5]]


def test_a_failing_entry_fails_only_its_own_caller(recorder: Recorder) -> None:
    recorder.bad = {3}
    outcome = _write_while_the_first_commit_waits(recorder, 5)
    assert [error is not None for error in outcome] == [False, False, False, True, False]
    assert sorted(e["id"] for t in recorder.committed for e in t) == [0, 1, 2, 4]


def test_submit_returns_at_once_and_says_when_the_entries_are_committed(recorder: Recorder) -> None:
    """:meth:`GroupWriter.submit` hands the entries to the writer thread and returns; its callback is called
    once they are committed (with None), or could not be (with the error), each caller with its own."""
    recorder.bad = {2}
    writer = audit.GroupWriter(audit.committer(recorder.open))  # type: ignore[arg-type]
    outcomes: dict[int, Exception | None] = {}
    done = threading.Event()

    def committed(number: int) -> audit.Committed:
        def call(error: Exception | None) -> None:
            outcomes[number] = error
            if len(outcomes) == 3:
                done.set()

        return call

    writer.submit([{"id": 0}], committed(0))
    assert recorder.first_open.wait(WAIT)  # the writer thread holds the first commit open
    writer.submit([{"id": 1}], committed(1))
    writer.submit([{"id": 2}], committed(2))
    assert outcomes == {}
    recorder.release.set()
    assert done.wait(WAIT)
    assert outcomes[0] is None and outcomes[1] is None and isinstance(outcomes[2], RuntimeError)
    assert [sorted(e["id"] for e in t) for t in recorder.committed] == [[0], [1]]


def test_the_writer_thread_ends_when_idle_and_the_next_entries_start_another(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process keeps no thread for the audit log while nothing is written."""
    monkeypatch.setattr(audit, "WRITER_IDLE_SECONDS", 0.05)
    recorder.release.set()
    writer = audit.GroupWriter(audit.committer(recorder.open))  # type: ignore[arg-type]
    writer.write([{"id": 0}])
    for _ in range(int(WAIT / 0.01)):
        if writer._writer is None:
            break
        threading.Event().wait(0.01)
    assert writer._writer is None  # the thread ended
    writer.write([{"id": 1}])  # and another one wrote these
    assert recorder.committed == [[{"id": 0}], [{"id": 1}]]


def test_entries_written_on_the_driver_read_back_as_the_orm_writes_them(fresh_engine: Engine) -> None:
    """The group writer's transactions are on the driver (``data.db.driver_transaction``): its entries,
    their time included, read back as those written through a session, and a block that raises leaves
    none."""
    with transaction(fresh_engine) as session:
        _, key = keys.create_key(session, role="admin")
        principal = keys.authenticate(session, plaintext=key)
        assert principal is not None
    made = audit.entries(principal=principal, action="read", route="GET /x", worker_ids=[None, None])
    with transaction(fresh_engine) as session:
        audit.add(db_session=session, entries=made[:1])
    audit.GroupWriter(audit.committer(lambda: driver_transaction(fresh_engine, writes=True))).write(made[1:])
    with pytest.raises(RuntimeError, match="after the insert"), driver_transaction(fresh_engine) as driver:
        audit.add(db_session=driver, entries=made)
        raise RuntimeError("after the insert")
    with transaction(fresh_engine) as session:
        found, total = audit.list_entries(db_session=session)
    expected = {
        "key_id": principal.key_id,
        "role": "admin",
        "action": "read",
        "route": "GET /x",
        "worker_id": None,
        "occurred_at": made[0]["occurred_at"],
    }
    assert total == 2
    assert [{k: v for k, v in entry.items() if k != "id"} for entry in found] == [expected, expected]
