"""Engine, sessions and migrations. The CLI command or the request dependency owns each transaction."""

from __future__ import annotations

import ast
import re
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import Dialect, Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError, ProgrammingError

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.orm import Session, sessionmaker
    from sqlalchemy.pool import PoolProxiedConnection

MIGRATIONS = Path(__file__).parent / "migrations"
#: Execution option naming the statement that begins a SQLite transaction (default ``BEGIN``).
SQLITE_BEGIN = "upskill_sqlite_begin"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; on SQLite turn on foreign keys and let SQLAlchemy own BEGIN (savepoints work)."""
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)  # the user data folder, first run
        _sqlite_hooks(engine)
    return engine


def _sqlite_hooks(engine: Engine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; the documented fix is to disable it and
    # emit BEGIN ourselves (SQLAlchemy docs, "Serializable isolation / Savepoints / Transactional DDL").
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql(conn.get_execution_options().get(SQLITE_BEGIN, "BEGIN"))


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the database behind ``engine`` to the newest schema (``alembic upgrade head``), in one
    transaction.

    At the head, also installs the reference-version and people-version triggers that are missing
    (:mod:`data.reference_version`, :mod:`data.people_version`). ``revision`` stops at an older schema (tests
    of the migrations).
    """
    from alembic import command

    from data import people_version
    from data.reference_version import install_triggers

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
        if revision == "head":
            install_triggers(connection)
            people_version.install_triggers(connection)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to ``revision`` (``alembic downgrade``), in one transaction.

    Raises :class:`data.migrations.guard.DowngradeRefused`, changing nothing, when a step would delete data.
    """
    from alembic import command
    from alembic.util.exc import CommandError

    from recommender.errors import UpskillError

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        try:
            command.downgrade(cfg, revision)
        except CommandError as error:  # an unknown or newer revision
            raise UpskillError(f"cannot downgrade to {revision!r}: {error}") from error


def current_revision(engine: Engine) -> str | None:
    """The schema revision of the database behind ``engine`` (None: not migrated)."""
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, ProgrammingError):
        return None  # no alembic_version table: an empty database


_REVISION = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*(.+)$", re.MULTILINE)


def head_revision() -> str:
    """The newest migration's revision id, read from the migration files (without importing alembic).

    The history is linear (one head); ``tests/data/test_migrations.py`` checks this against alembic's own.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for name, value in _REVISION.findall(path.read_text(encoding="utf-8")):
            parsed = ast.literal_eval(value.strip())
            if name == "revision":
                revisions.add(parsed)
            elif parsed is not None:
                parents.update([parsed] if isinstance(parsed, str) else parsed)
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads ({sorted(heads)}); merge them into one")
    return heads.pop()


def ensure_schema(engine: Engine) -> None:
    """Migrate the database unless it is already at the newest schema (one query when it is)."""
    if current_revision(engine) != head_revision():
        migrate(engine)


class ReadOnlyTransaction(RuntimeError):
    """A transaction opened to read tried to write (a bug: on SQLite it fails under concurrent writes)."""


#: ``Session.info`` key: the transaction only reads (:func:`transaction` with ``read_only=True``).
READ_ONLY = "upskill_read_only"
_factories: weakref.WeakKeyDictionary[Engine, sessionmaker[Session]] = weakref.WeakKeyDictionary()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """The engine's session maker (one per engine, made on first use)."""
    factory = _factories.get(engine)
    if factory is None:
        from sqlalchemy.orm import sessionmaker  # the ORM loads only when a session is made

        factory = sessionmaker(bind=engine, expire_on_commit=False)
        event.listen(factory, "before_flush", _refuse_writes_when_read_only)
        _factories[engine] = factory
    return factory


def _refuse_writes_when_read_only(session: Session, *_: Any) -> None:
    if session.info.get(READ_ONLY):
        changed = [type(row).__name__ for row in [*session.new, *session.dirty, *session.deleted]]
        raise ReadOnlyTransaction(
            f"a read-only transaction tried to write {sorted(set(changed))}: open it with writes=True"
        )


@contextmanager
def transaction(  # noqa: PLR0913 - keyword-only options of one unit of work
    engine: Engine,
    *,
    snapshot: bool = False,
    statement_timeout: float | None = None,
    writes: bool = False,
    read_only: bool = False,
) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on any error.

    ``snapshot``: every query sees the database as of the first one (:func:`data.locks.read_snapshot`), for
    readers that combine several queries while an import may commit. ``statement_timeout`` (seconds,
    PostgreSQL): a statement running longer is cancelled (an error), so that nothing waits forever.
    ``writes``: the transaction reads, then writes (a change made through the API); on SQLite it takes the
    write lock when it begins (``BEGIN IMMEDIATE``), waiting for another writer up to the busy timeout
    (pysqlite's ``timeout``, 5 s), because a read transaction cannot write once someone else has committed
    after its first read ("database is locked" at once, whatever the busy timeout). Keep such transactions
    short: on SQLite they run one at a time (readers go on beside them: the database is in WAL mode).
    ``read_only``: the transaction only reads and takes no lock (SQLite's ``BEGIN`` is deferred); a flush
    that would write raises :class:`ReadOnlyTransaction` instead of writing.
    """
    if writes and read_only:
        raise ValueError("a transaction either writes or is read-only")
    with session_factory(engine)() as session, session.begin():
        if read_only:
            session.info[READ_ONLY] = True
        if writes and engine.dialect.name == "sqlite":
            session.connection(execution_options={SQLITE_BEGIN: "BEGIN IMMEDIATE"})
        if snapshot:
            from data.locks import read_snapshot

            read_snapshot(session)
        if statement_timeout is not None and engine.dialect.name == "postgresql":
            session.execute(text(f"SET LOCAL statement_timeout = {int(statement_timeout * 1000)}"))
        yield session


class DriverConnection(NamedTuple):
    """A DB-API connection in a transaction of :func:`driver_transaction`, with its engine's dialect: what a
    :class:`DriverQuery` runs on, as on a SQLAlchemy ``Connection``."""

    dialect: Dialect
    dbapi_connection: Any


class KeptConnection:
    """One DB-API connection of ``engine``'s pool kept for the transactions of one thread, which takes it at
    its first transaction: no pool checkout and no reset on return per transaction (what a kept answer's
    read and an audit commit, each a few statements, spend most of their CPU on: ``api.http.fast.LoopReads``,
    ``api.services.audit.OneConnection``). ``setup``: a statement run once on each connection taken. A
    connection whose rollback (or setup) raises may be broken (the database went away): it is invalidated,
    and the next transaction takes a new one. Not for threads sharing it (no lock)."""

    def __init__(self, engine: Engine, *, setup: str | None = None) -> None:
        self._engine = engine
        self._setup = setup
        self._pooled: PoolProxiedConnection | None = None

    def _connection(self) -> Any:
        if self._pooled is None or self._pooled.dbapi_connection is None:
            pooled = self._engine.raw_connection()
            if self._setup is not None:
                try:
                    pooled.dbapi_connection.execute(self._setup)  # type: ignore[union-attr]
                except BaseException:
                    pooled.invalidate()
                    raise
            self._pooled = pooled
        return self._pooled.dbapi_connection

    @contextmanager
    def transaction(self, begin: str = "BEGIN") -> Iterator[DriverConnection]:
        """A transaction opened with ``begin``, committed when the block ends, rolled back when it raises."""
        connection = self._connection()
        try:
            connection.execute(begin)
            yield DriverConnection(self._engine.dialect, connection)
            connection.execute("COMMIT")
        except BaseException:
            try:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
            except Exception:  # noqa: BLE001 - the caller gets the first error; this connection is dropped
                pooled, self._pooled = self._pooled, None
                if pooled is not None:
                    pooled.invalidate()
            raise

    def close(self) -> None:
        """Give the connection back to the engine's pool; one with a ``setup`` is closed instead (what the
        setup changed would outlive it in the pool)."""
        pooled, self._pooled = self._pooled, None
        if pooled is not None and pooled.dbapi_connection is not None:
            if self._setup is not None:
                pooled.invalidate()
            else:
                pooled.close()


@contextmanager
def driver_transaction(
    engine: Engine,
    *,
    writes: bool = False,
    snapshot: bool = False,
    statement_timeout: float | None = None,
) -> Iterator[DriverConnection]:
    """:func:`transaction` on the driver: a pooled DB-API connection in one transaction, committed when the
    block ends, rolled back when it raises; ``writes``, ``snapshot`` and ``statement_timeout`` as there.

    For the hottest keyed read (a kept recommendation answer: its key, worker and audit entry) and the
    audit entries of reads, run with :class:`DriverQuery`: a session's begin and commit cost ~0.2 ms of CPU
    and a Core connection's ~0.1 ms (its events, transaction objects and the pool's bookkeeping) for
    statements that take the driver ~15 us each. A connection whose driver raised is not pooled again (it
    may be broken: the database went away). Reads made where no one may wait (the event loop) use a
    :class:`KeptConnection` that never waits for a lock instead (``api.http.fast.LoopReads``).
    """
    pooled = engine.raw_connection()
    dbapi_connection: Any = pooled.dbapi_connection
    sqlite = engine.dialect.name == "sqlite"
    try:
        cursor = dbapi_connection.cursor()
        try:
            if sqlite:  # autocommit driver (``_sqlite_hooks``): the transaction is ours to begin
                cursor.execute("BEGIN IMMEDIATE" if writes else "BEGIN")
            else:  # psycopg begins one at the first statement
                if snapshot:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                if statement_timeout is not None:
                    cursor.execute(f"SET LOCAL statement_timeout = {int(statement_timeout * 1000)}")
        finally:
            cursor.close()
        yield DriverConnection(engine.dialect, dbapi_connection)
        if sqlite:
            dbapi_connection.execute("COMMIT")
        else:
            dbapi_connection.commit()
    except engine.dialect.loaded_dbapi.Error:
        pooled.invalidate()  # it may be broken (the database went away): closed, never pooled again
        raise
    finally:
        pooled.close()  # back to the pool, which rolls back what is left open; or closed when invalidated


class DriverQuery:
    """A statement compiled once per dialect and run on the DB-API cursor of a connection already in a
    transaction (a SQLAlchemy ``Connection`` or a :class:`DriverConnection`): a SELECT's rows as the driver
    gives them (no result object, no result processing), or an INSERT of plain rows.

    For the few statements a hot route runs on every request: SQLAlchemy's execution (cache key, execution
    context, result processing) costs ~100 us a statement on this machine where the driver takes ~15
    (measured: key, worker, skills and history read 488 us through Core, 72 us through the driver). The
    values come raw: SQLite gives JSON and times as text. Parameters are named with ``bindparam(name)`` (an
    INSERT's by its ``columns``) and go through their types' bind processors, as SQLAlchemy sends them (a
    time to SQLite as its text).
    """

    def __init__(self, statement: Any, *, columns: tuple[str, ...] | None = None):
        self._statement = statement
        self._columns = columns
        self._compiled: dict[str, tuple[str, tuple[str, ...] | None, dict[str, Any]]] = {}

    def _for(self, dialect: Dialect) -> tuple[str, tuple[str, ...] | None, dict[str, Any]]:
        """The statement's SQL for ``dialect``, its parameters' order (None: named) and their processors."""
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            made = self._statement.compile(dialect=dialect, column_keys=self._columns)
            order = tuple(made.positiontup) if made.positional and made.positiontup is not None else None
            processors = {}
            for name, bind in made.binds.items():
                process = bind.type.dialect_impl(dialect).bind_processor(dialect)
                if process is not None:
                    processors[name] = process
            compiled = self._compiled[dialect.name] = (str(made), order, processors)
        return compiled

    def _parameters(self, dialect: Dialect, values: Mapping[str, Any]) -> Any:
        _, order, processors = self._for(dialect)
        if processors:
            values = {
                name: (processors[name](value) if name in processors else value)
                for name, value in values.items()
            }
        return tuple(values[name] for name in order) if order is not None else values

    def rows(self, connection: Any, **values: Any) -> list[tuple[Any, ...]]:
        """The rows of the statement with ``values`` on ``connection``."""
        dialect, dbapi_connection = _driver(connection)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(self._for(dialect)[0], self._parameters(dialect, values))
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def insert(self, connection: Any, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run the statement (an INSERT) once per row of ``rows`` on ``connection``, in one call."""
        dialect, dbapi_connection = _driver(connection)
        cursor = dbapi_connection.cursor()
        try:
            cursor.executemany(self._for(dialect)[0], [self._parameters(dialect, row) for row in rows])
        finally:
            cursor.close()


def _driver(connection: Any) -> tuple[Dialect, Any]:
    """The dialect and DB-API connection of a SQLAlchemy ``Connection`` or a :class:`DriverConnection`."""
    if isinstance(connection, DriverConnection):
        return connection.dialect, connection.dbapi_connection
    return connection.dialect, connection.connection.dbapi_connection
