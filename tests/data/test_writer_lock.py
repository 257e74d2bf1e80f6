"""``data.writer_lock``: a SQLite write transaction (``writes=True``) waits for the writer lock, held by
another process or thread, is let in once it is given back, and gives up with SQLite's own "database is
locked" (writing nothing) when it is held past the timeout."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError

from data import writer_lock
from data.db import driver_transaction, make_engine, migrate, transaction
from data.models import Organisation

#: A process that holds the writer lock of the database named on its command line until told to stop.
HOLDER = """
import sys
from data.writer_lock import WriterLock
lock = WriterLock(sys.argv[1])
with lock.held():
    print("held", flush=True)
    sys.stdin.readline()
print("released", flush=True)
"""


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    made = make_engine(f"sqlite:///{tmp_path / 'locked.db'}")
    migrate(made)
    return made


def _organisations(engine: Engine) -> list[str]:
    with transaction(engine) as session:
        return sorted(session.scalars(select(Organisation.name)))


def _holder(engine: Engine) -> subprocess.Popen[str]:
    """Another process holding ``engine``'s writer lock (until a line is written to its stdin)."""
    database = str(Path(str(engine.url.database)).resolve())
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, database], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    return holder


def _release(holder: subprocess.Popen[str]) -> None:
    assert holder.stdin is not None and holder.stdout is not None
    holder.stdin.write("go\n")
    holder.stdin.flush()
    assert holder.stdout.readline() == "released\n"
    assert holder.wait(10) == 0


def test_a_writer_waits_for_another_process_holding_the_lock_and_goes_on_once_released(
    engine: Engine,
) -> None:
    holder = _holder(engine)
    done: list[str] = []

    def write() -> None:
        with transaction(engine, writes=True) as session:
            session.add(Organisation(name="after the other process"))
        with driver_transaction(engine, writes=True) as connection:
            connection.dbapi_connection.execute("INSERT INTO organisations (name) VALUES ('on the driver')")
        done.append("written")

    writer = threading.Thread(target=write)
    try:
        writer.start()
        writer.join(0.5)
        assert writer.is_alive() and not done  # SQLite's own lock is free: only the writer lock holds it back
        assert _organisations(engine) == []
    finally:
        _release(holder)
    writer.join(10)
    assert done == ["written"]
    assert _organisations(engine) == ["after the other process", "on the driver"]


def test_a_writer_gives_up_with_database_is_locked_when_the_lock_is_held_too_long(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer_lock, "TIMEOUT", 0.3)
    holder = _holder(engine)
    try:
        with (
            pytest.raises(OperationalError, match="database is locked"),
            transaction(engine, writes=True) as session,
        ):
            session.add(Organisation(name="never"))
        with (
            pytest.raises(OperationalError, match="database is locked"),
            driver_transaction(engine, writes=True) as connection,
        ):
            connection.dbapi_connection.execute("INSERT INTO organisations (name) VALUES ('never')")
    finally:
        _release(holder)
    # the abandoned waits gave the lock back once they got it: the next writer goes in at once
    with transaction(engine, writes=True) as session:
        session.add(Organisation(name="later"))
    assert _organisations(engine) == ["later"]


def test_the_threads_of_a_process_write_one_at_a_time_and_wait_at_most_the_timeout(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer_lock, "TIMEOUT", 0.3)
    inside = threading.Event()
    leave = threading.Event()

    def first() -> None:
        with transaction(engine, writes=True) as session:
            session.add(Organisation(name="first"))
            session.flush()
            inside.set()
            leave.wait(10)

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert inside.wait(10)
        with (
            pytest.raises(OperationalError, match="database is locked"),
            transaction(engine, writes=True) as session,
        ):
            session.add(Organisation(name="second"))
    finally:
        leave.set()
        thread.join(10)
    with transaction(engine, writes=True) as session:
        session.add(Organisation(name="third"))
    assert _organisations(engine) == ["first", "third"]


def test_only_sqlite_files_have_a_writer_lock(tmp_path: Path) -> None:
    file = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    same_file = make_engine(f"sqlite:///{tmp_path / '.' / 'a.db'}")
    lock = writer_lock.writer_lock(file)
    assert lock is not None and lock is writer_lock.writer_lock(same_file)  # one per file in a process
    assert lock.path == str((tmp_path / "a.db").resolve()) + writer_lock.SUFFIX
    assert writer_lock.writer_lock(make_engine("sqlite://")) is None  # in memory: one connection
