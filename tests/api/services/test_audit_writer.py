"""``api.services.audit.GroupWriter``: the audit entries of requests finishing together go in one
transaction; each caller returns once its own entries are committed, or raises its own failure."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest

from api.services import audit

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
    writer = audit.GroupWriter(recorder.open)  # type: ignore[arg-type]

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
