"""``data.db.transaction(writes=True)`` on SQLite: a transaction that reads, then writes, waits for another
writer instead of failing (what keyed requests do: read the key, then write their audit entry)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from data.db import make_engine, migrate, transaction
from data.models import Organisation


def _read_then_write_while_another_commits(path: Path, *, writes: bool) -> int:
    """T1 reads; T2 writes and commits meanwhile (or waits for T1); T1 writes. Organisations at the end."""
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    read = threading.Event()
    other: list[BaseException] = []

    def second_writer() -> None:
        read.wait(10)
        try:
            with transaction(engine, writes=True) as session:
                session.add(Organisation(name="T2"))
        except BaseException as error:  # noqa: BLE001 - reported to the test
            other.append(error)

    thread = threading.Thread(target=second_writer)
    thread.start()
    try:
        with transaction(engine, writes=writes) as session:
            session.scalar(select(func.count()).select_from(Organisation))
            read.set()
            thread.join(0.5 if writes else 10)  # with the write lock held, T2 waits for this one
            session.add(Organisation(name="T1"))
            session.flush()
    finally:
        read.set()
        thread.join(10)
    assert not other, other
    with transaction(engine) as session:
        return int(session.scalar(select(func.count()).select_from(Organisation)) or 0)


def test_without_the_write_lock_a_read_transaction_cannot_write_after_another_commit(tmp_path: Path) -> None:
    with pytest.raises(OperationalError, match="database is locked"):
        _read_then_write_while_another_commits(tmp_path / "deferred.db", writes=False)


def test_with_the_write_lock_both_writers_commit_one_after_the_other(tmp_path: Path) -> None:
    assert _read_then_write_while_another_commits(tmp_path / "immediate.db", writes=True) == 2


def test_a_kept_connection_that_may_not_wait_fails_at_once_and_is_not_pooled_again(tmp_path: Path) -> None:
    """``data.db.KeptConnection(setup="PRAGMA busy_timeout = 0")`` (the event loop's reads,
    ``api.http.fast.LoopReads``): "database is locked" at once while another connection holds the lock it
    needs (not after the connection's 5 s); closed, it is not pooled again with that setting."""
    import sqlite3
    import time

    from data.db import KeptConnection, driver_transaction

    engine = make_engine(f"sqlite:///{tmp_path / 'locks.db'}", pool_size=1, max_overflow=1)
    migrate(engine)
    kept = KeptConnection(engine, setup="PRAGMA busy_timeout = 0")
    with kept.transaction() as reader:
        assert reader.dbapi_connection.execute("PRAGMA busy_timeout").fetchone()[0] == 0
    with driver_transaction(engine, writes=True):
        began = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="locked"), kept.transaction("BEGIN IMMEDIATE"):
            pass
        assert time.monotonic() - began < 1
    kept.close()
    with driver_transaction(engine) as reader:  # a pooled connection with its own wait
        assert reader.dbapi_connection.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
