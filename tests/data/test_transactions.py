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


def test_a_driver_transaction_that_may_not_wait_fails_at_once_then_waits_again(tmp_path: Path) -> None:
    """``data.db.driver_transaction(lock_wait=0)``: "database is locked" at once while another connection
    holds the lock it needs (not after the connection's 5 s), and the connection waits as before after it."""
    import sqlite3
    import time

    from data.db import driver_transaction

    engine = make_engine(f"sqlite:///{tmp_path / 'locks.db'}", pool_size=1, max_overflow=1)
    migrate(engine)
    for _ in range(2):  # the second time with the connection's own wait as read the first time
        with driver_transaction(engine, lock_wait=0) as reader:
            assert reader.dbapi_connection.execute("PRAGMA busy_timeout").fetchone()[0] == 0
        with driver_transaction(engine) as reader:  # the same pooled connection, its own wait given back
            assert reader.dbapi_connection.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    with driver_transaction(engine, writes=True):
        began = time.monotonic()
        with (
            pytest.raises(sqlite3.OperationalError, match="locked"),
            driver_transaction(engine, writes=True, lock_wait=0),
        ):
            pass
        assert time.monotonic() - began < 1
