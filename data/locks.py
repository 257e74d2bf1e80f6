"""One writer of the reference data at a time, and readers that see it as one snapshot.

Imports of the taxonomy, catalogues and badges take :func:`lock_reference_data` first: a second import
waits for the first to commit (up to ``wait_seconds``), then runs on what the first wrote, or fails with
:class:`ImportBusy` saying so; it never interleaves its writes with the first's. On PostgreSQL the lock is a
transaction-level advisory lock keyed by the schema; on SQLite it is the database's write lock, taken at once.

Readers that combine several queries (the planner's courses, skills, prerequisites and badges; a page of
courses and its total) use :func:`read_snapshot`, so that an import committing between two of their
queries cannot give them half the old catalogue and half the new one: PostgreSQL's REPEATABLE READ sees
the database as it was at the transaction's first query; a SQLite transaction does so already (WAL).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from recommender.errors import UpskillError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

#: The advisory lock key of reference-data imports (any constant shared by every upskill process; a 32-bit
#: integer, paired with the schema's hash).
REFERENCE_LOCK_KEY = 0x75_70_73_6B  # "upsk"
#: How long an import waits for another one to finish before it gives up (an ESCO import takes ~1 minute).
WAIT_SECONDS = 120.0


class ImportBusy(UpskillError):
    """Another import of reference data holds the lock for longer than this one would wait."""

    def __init__(self, waited: float):
        self.waited = waited
        super().__init__(
            f"another import of reference data (ESCO, a catalogue, badges) is running and did not finish "
            f"within {waited:g} s; nothing was written: run this import again when that one has finished"
        )


def lock_reference_data(db_session: Session, *, wait_seconds: float | None = None) -> None:
    """Hold the reference-data import lock until this transaction ends (wait up to ``wait_seconds``, default
    :data:`WAIT_SECONDS`).

    Call it first in the transaction, before any read: the import then works on what earlier imports
    committed.
    """
    connection = db_session.connection()
    wait_seconds = WAIT_SECONDS if wait_seconds is None else wait_seconds
    milliseconds = max(1, int(wait_seconds * 1000))
    try:
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"SET LOCAL lock_timeout = {milliseconds}"))
            # advisory locks are per database: the schema is part of the key (schemas are separate upskills)
            lock = "SELECT pg_advisory_xact_lock(:key, hashtext(current_schema()))"
            connection.execute(text(lock), {"key": REFERENCE_LOCK_KEY})
            connection.execute(text("SET LOCAL lock_timeout = 0"))
        else:
            raw = connection.connection.driver_connection
            previous = raw.execute("PRAGMA busy_timeout").fetchone()[0]  # type: ignore[union-attr]
            raw.execute(f"PRAGMA busy_timeout = {milliseconds}")  # type: ignore[union-attr]
            try:  # any write takes SQLite's one write lock, held to the end of the transaction
                connection.execute(text("UPDATE reference_version SET token = token WHERE id = 1"))
            finally:
                raw.execute(f"PRAGMA busy_timeout = {previous}")  # type: ignore[union-attr]
    except OperationalError as error:
        if _is_lock_timeout(error):
            raise ImportBusy(wait_seconds) from error
        raise


def _is_lock_timeout(error: OperationalError) -> bool:
    code = getattr(error.orig, "sqlstate", None)
    return code == "55P03" or "database is locked" in str(error.orig)  # lock_not_available / SQLITE_BUSY


def read_snapshot(db_session: Session) -> None:
    """Make this transaction read one snapshot of the database (call before its first query)."""
    bind = db_session.get_bind()
    # a session bound to a connection is inside its caller's transaction (tests): that one decides
    if isinstance(bind, Engine) and bind.dialect.name == "postgresql":
        db_session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
