"""The audit log of personal data: record each use of a worker's data by an API key, and query it.

Every API route that reads or changes one worker's data (their profile, plan, recommendations, events,
export, deletion; their entries in a kept cohort) records an entry. A change records it with :func:`record`,
in its own transaction: the entry and what it describes are committed together or not at all. A read takes
no write lock: its entries (:func:`entries`) are written by :func:`add` in a short transaction of their own
once the answer is made, and committed before it is sent (``api.http.deps.get_session``); if they cannot be
written, the answer is not sent either. ``GET /v1/admin/audit`` and ``upskill audit list`` read the log
through :func:`list_entries`; a worker's GDPR export lists who used their data through :func:`accesses_of`.
Entries name the key by its id, never the key.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from data.db import KeptConnection
from recommender.errors import UpskillError

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine
    from sqlalchemy.orm import Session

    from api.services.keys import Principal
    from data.db import DriverConnection, DriverQuery
    from data.models import AuditEntry

ACTIONS = ("read", "change", "delete", "export")
#: The most entries one query answers.
MAX_LIMIT = 1000

log = logging.getLogger("upskill.audit")


class InvalidAuditQuery(UpskillError, ValueError):
    """A query of the audit log that cannot be answered (an empty period, a bad page), naming the field.

    A ``ValueError`` too, so that a request model's validator turns it into a located 422.
    """

    def __init__(self, message: str, *, field: str):
        self.field = field
        super().__init__(f"{field}: {message}")


def utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` in UTC; a naive time (SQLite gives its stored times back without a zone) is UTC.

    Times are bound with their zone: PostgreSQL compares them as instants whatever the session's time zone,
    SQLite stores and compares the UTC digits.
    """
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def check_period(since: dt.datetime | None, until: dt.datetime | None) -> None:
    """Refuse a period that ends before it starts."""
    if since is not None and until is not None and utc(since) > utc(until):
        raise InvalidAuditQuery(
            f"the period ends ({until.isoformat()}) before it starts ({since.isoformat()}); "
            "give until at or after since",
            field="until",
        )


def entries(
    *, principal: Principal, action: str, route: str, worker_ids: Iterable[int | None]
) -> list[dict[str, Any]]:
    """The entries of one use (one per worker; None: a worker deleted, named nowhere), timed now."""
    if action not in ACTIONS:
        raise ValueError(f"audit action {action!r} is not one of {ACTIONS}")
    now = dt.datetime.now(dt.UTC)
    return [
        {
            "occurred_at": now,
            "api_key_id": principal.key_id,
            "role": principal.role,
            "action": action,
            "route": route,
            "worker_id": worker_id,
        }
        for worker_id in worker_ids
    ]


def add(*, db_session: Session | Connection | DriverConnection, entries: Iterable[dict[str, Any]]) -> None:
    """Write ``entries`` (of :func:`entries`) in the caller's transaction: a session's or a Core
    connection's, as one Core INSERT of plain rows (no ORM object per entry, nor the ORM's bulk insert: a
    keyed read writes one, and either cost it more than the insert); a driver connection's
    (``data.db.driver_transaction``, the :class:`GroupWriter`'s) on the driver itself."""
    from sqlalchemy import Table, insert

    from data.db import DriverConnection
    from data.models import AuditEntry

    rows = list(entries)
    if not rows:
        return
    if isinstance(db_session, DriverConnection):
        _driver_insert().insert(db_session, rows)
    else:
        db_session.execute(insert(cast(Table, AuditEntry.__table__)), rows)


@cache
def _driver_insert() -> DriverQuery:
    from sqlalchemy import Table, insert

    from data.db import DriverQuery
    from data.models import AuditEntry

    return DriverQuery(insert(cast(Table, AuditEntry.__table__)), columns=ENTRY_COLUMNS)


#: The columns of an entry of :func:`entries`.
ENTRY_COLUMNS = ("occurred_at", "api_key_id", "role", "action", "route", "worker_id")


#: Seconds the writer thread of a :class:`GroupWriter` waits for entries before it ends (the next entries
#: start another).
WRITER_IDLE_SECONDS = 1.0
#: What a :class:`GroupWriter` calls once a caller's entries are committed: with None, or with what the write
#: raised.
Committed = Callable[[Exception | None], None]
#: What commits a list of entries (of :func:`entries`) in a transaction of its own, or raises.
Commit = Callable[[list[dict[str, Any]]], None]
OpenTransaction = Callable[[], AbstractContextManager["Session | Connection | DriverConnection"]]


def committer(open_transaction: OpenTransaction) -> Commit:
    """What commits entries in a transaction of ``open_transaction`` (committed when its block ends)."""

    def commit(made: list[dict[str, Any]]) -> None:
        with open_transaction() as db_session:
            add(db_session=db_session, entries=made)

    return commit


class OneConnection(KeptConnection):
    """Commits entries (of :func:`entries`), each list in a transaction of its own, on one SQLite DB-API
    connection of ``engine``'s kept for the committer's life: for one thread that commits and nothing else
    (the server's one committer of every worker's entries, ``api.audit_host``). A commit of
    :func:`committer` takes a pooled connection and gives it back (the pool's checkout and the rollback that
    resets it on return): 45-70 us of ~160-290 us of CPU a commit of 1-4 entries, measured in process on a
    copy of the served database (``time.thread_time``, 300 commits, alternated three times, load 3).

    The transaction is ours (the engine's connections are in the driver's autocommit mode:
    ``data.db.make_engine``): BEGIN IMMEDIATE, the INSERT, COMMIT; rolled back when the INSERT or the commit
    raises (:class:`data.db.KeptConnection`)."""

    def __init__(self, engine: Engine):
        if engine.dialect.name != "sqlite":
            raise ValueError(f"OneConnection commits on SQLite only, not {engine.dialect.name}")
        super().__init__(engine)

    def __call__(self, made: list[dict[str, Any]]) -> None:
        with self.transaction("BEGIN IMMEDIATE") as connection:
            add(db_session=connection, entries=made)


class Writer:
    """Commits audit entries: :meth:`submit` hands them over and says when they are committed, :meth:`write`
    waits for that."""

    def submit(self, made: list[dict[str, Any]], committed: Committed) -> None:
        """Hand ``made`` over; ``committed`` is called (in another thread) once they are committed (with None)
        or could not be (with the error). Returns at once."""
        raise NotImplementedError

    def write(self, made: list[dict[str, Any]]) -> None:
        """Commit ``made`` (entries of :func:`entries`), with whatever other callers give meanwhile."""
        done = threading.Event()
        outcome: list[Exception | None] = []

        def committed(error: Exception | None) -> None:
            outcome.append(error)
            done.set()

        self.submit(made, committed)
        done.wait()
        if outcome[0] is not None:
            raise outcome[0]


class GroupWriter(Writer):
    """Writes the entries of requests that arrive together in one transaction (a group commit).

    A commit waits for the disk (SQLite in WAL mode with ``synchronous=FULL``: one fsync, ~1-25 ms on a busy
    machine) and, on SQLite, for the one write lock: one transaction per keyed read made reads queue behind
    each other's commits; and each commit costs 0.2-0.35 ms of CPU (its BEGIN IMMEDIATE, INSERT and COMMIT,
    measured with ``time.thread_time`` in the served process and alone). Here one writer thread commits with
    ``commit`` (one short transaction: :func:`committer`; or, in a server's worker process, the server's one
    committer of every worker's entries, ``api.audit_host``) everything given to it while its previous commit
    waited: :meth:`submit` hands entries over and returns at once, its callback saying when they are
    committed (the HTTP fast path, ``api.http.fast``, answers its requests then, with no thread waiting for
    each); :meth:`write` returns once they are committed, or raises what the write raised. When a shared
    write fails, each caller's entries are tried alone, so that one bad entry (its worker deleted in
    between) fails only its own request. The thread ends after :data:`WRITER_IDLE_SECONDS` with nothing to
    write; the next entries start another.
    """

    def __init__(self, commit: Commit):
        self._commit_entries = commit
        self._lock = threading.Lock()
        self._given = threading.Condition(self._lock)
        self._waiting: list[Given] = []
        self._writer: threading.Thread | None = None

    def submit(self, made: list[dict[str, Any]], committed: Committed) -> None:
        """Hand ``made`` to the writer thread; ``committed`` is called in that thread once they are committed
        (with None) or could not be (with the error). Returns at once."""
        with self._lock:
            self._waiting.append(Given(made, committed))
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_all, name="audit-writer", daemon=True)
                self._writer.start()
            else:
                self._given.notify()

    def _write_all(self) -> None:
        """The writer thread: commit what is waiting, in groups, until nothing comes for a while."""
        while True:
            with self._lock:
                if not self._waiting:
                    self._given.wait(WRITER_IDLE_SECONDS)
                if not self._waiting:
                    self._writer = None
                    return
                group, self._waiting = self._waiting, []
            commit_group(self._commit_entries, group)


def commit_group(commit: Commit, group: list[Given]) -> None:
    """Commit the entries of ``group`` (callers' entries arriving together) with ``commit``, in one
    transaction; when that fails, each caller's alone. Then call each caller's callback, in order, with
    None or its own error."""
    try:
        commit([entry for given in group for entry in given.entries])
    except Exception as error:  # noqa: BLE001 - given to each caller (or each tried alone below)
        if len(group) == 1:
            group[0].error = error
        else:
            for given in group:
                try:
                    commit(given.entries)
                except Exception as error:  # noqa: BLE001 - the caller's own failure, given to its callback
                    given.error = error
    for given in group:
        tell(given.committed, given.error)


def tell(committed: Committed, error: Exception | None) -> None:
    """Call a caller's ``committed`` with ``error`` (None: committed); what it raises is logged, so that one
    caller's callback never stops the thread that serves the others (a writer's, a host's, a reader's)."""
    try:
        committed(error)
    except Exception:  # noqa: BLE001 - a caller's callback must not stop the thread
        log.exception("an audit writer callback failed")


class Given:
    """One caller's entries, what to call once they are written, and the write's error."""

    def __init__(self, entries: list[dict[str, Any]], committed: Committed):
        self.entries = entries
        self.committed = committed
        self.error: Exception | None = None


def record(
    *,
    db_session: Session,
    principal: Principal,
    action: str,
    route: str,
    worker_ids: Iterable[int | None],
) -> None:
    """Add one entry per worker (None: a worker deleted, named nowhere) to the caller's transaction."""
    add(
        db_session=db_session,
        entries=entries(principal=principal, action=action, route=route, worker_ids=worker_ids),
    )


def cohort_workers(
    *, db_session: Session, cohort_id: int, person_ids: Iterable[str] | None = None
) -> list[int]:
    """The workers among a kept cohort's people (``person_ids``; None: all): whose use to record."""
    from data.cohorts import linked_workers

    return list(linked_workers(db_session=db_session, cohort_id=cohort_id, person_ids=person_ids))


def describe(entry: AuditEntry) -> dict[str, Any]:
    """An entry as the API and the command line show it (the time in UTC, with its zone)."""
    return {
        "id": entry.id,
        "occurred_at": utc(entry.occurred_at),
        "key_id": entry.api_key_id,
        "role": entry.role,
        "action": entry.action,
        "route": entry.route,
        "worker_id": entry.worker_id,
    }


def list_entries(  # noqa: PLR0913 - keyword-only: the filters of the query and the page
    *,
    db_session: Session,
    worker_id: int | None = None,
    key_id: int | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """A page of entries, newest first, about ``worker_id`` / by ``key_id`` from ``since`` to ``until``
    (both included; naive times are UTC), and how many match."""
    from sqlalchemy import select

    from data.models import AuditEntry
    from data.queries import page

    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidAuditQuery(f"{limit} is not between 1 and {MAX_LIMIT}", field="limit")
    if offset < 0:
        raise InvalidAuditQuery(f"{offset} is negative", field="offset")
    check_period(since, until)
    query = select(AuditEntry)
    if worker_id is not None:
        query = query.where(AuditEntry.worker_id == worker_id)
    if key_id is not None:
        query = query.where(AuditEntry.api_key_id == key_id)
    if since is not None:
        query = query.where(AuditEntry.occurred_at >= utc(since))
    if until is not None:
        query = query.where(AuditEntry.occurred_at <= utc(until))
    query = query.order_by(AuditEntry.occurred_at.desc())  # newest first, then the later entry first
    found, total = page(db_session, query, order_by=AuditEntry.id.desc(), limit=limit, offset=offset)
    return [describe(entry) for entry in found], total


def accesses_of(*, db_session: Session, worker_id: int) -> list[dict[str, Any]]:
    """Every use of the worker's data, oldest first: key id, role, action, route, when (for their export)."""
    from sqlalchemy import select

    from data.models import AuditEntry

    entries = db_session.scalars(
        select(AuditEntry)
        .where(AuditEntry.worker_id == worker_id)
        .order_by(AuditEntry.occurred_at, AuditEntry.id)
    )
    return [{k: v for k, v in describe(e).items() if k != "worker_id"} for e in entries]
