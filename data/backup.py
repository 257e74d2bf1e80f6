"""Backups of the whole database, and restoring one: whole or not at all.

SQLite: SQLite's online backup API copies the live database page by page while others keep reading and
writing (each copy is one consistent snapshot); restoring copies the backup back the same way, in one write
transaction of the live database, so a reader sees the old database or the restored one, never a mix, and a
restore killed half-way is rolled back by SQLite's journal.

PostgreSQL: ``pg_dump --format=custom`` of the schema the application uses; restoring turns the dump into
SQL with ``pg_restore`` first (a damaged dump fails there, before anything is touched), then runs it with
``psql --single-transaction`` after dropping and recreating the schema: one transaction, committed only if
every statement succeeded. The client tools must be installed (Debian: ``apt-get install postgresql-client``).

A backup file is written under a temporary name and renamed when complete (:func:`data.files.atomic_path`),
so a half-written backup never has the name asked for.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text

from data.files import atomic_path
from recommender.errors import UpskillError

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(UpskillError):
    """A backup or restore that cannot be done, saying why and what to do; the database is unchanged."""


@dataclass(frozen=True)
class BackupInfo:
    """What a backup or restore did: the file, its size, the backend and the schema revision it holds."""

    path: Path
    backend: str
    revision: str | None
    bytes: int


def backup(engine: Engine, path: Path) -> BackupInfo:
    """Write a consistent copy of the database behind ``engine`` to ``path`` (a new file)."""
    path = Path(path)
    if path.exists():
        raise BackupError(f"{path} exists; choose a new file name (a backup never overwrites a file)")
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent} is not a folder; create it first or choose another path")
    if engine.dialect.name == "sqlite":
        live = _sqlite_file(engine)
        with atomic_path(path) as temporary:
            _sqlite_copy(live, temporary, source_uri=True)
            _check_sqlite_backup(temporary)
    else:
        tool = _tool("pg_dump")
        schema = _schema(engine)
        with atomic_path(path) as temporary:
            _run(
                [tool, "--format=custom", "--no-owner", "--no-privileges", f"--schema={schema}"]
                + [f"--file={temporary}", f"--dbname={_libpq_url(engine)}"],
                "pg_dump",
                engine=engine,
            )
    return BackupInfo(path, engine.dialect.name, _revision(engine), path.stat().st_size)


def restore(engine: Engine, path: Path) -> BackupInfo:
    """Replace the database behind ``engine`` by the backup at ``path``, whole or not at all."""
    from data.db import head_revision

    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such backup file")
    with path.open("rb") as handle:
        magic = handle.read(len(SQLITE_MAGIC))
    kind = "sqlite" if magic == SQLITE_MAGIC else "postgresql" if magic.startswith(PG_DUMP_MAGIC) else None
    if kind is None:
        raise BackupError(
            f"{path} is not an upskill backup (neither a SQLite database nor a pg_dump custom-format file)"
        )
    if kind != engine.dialect.name:
        raise BackupError(
            f"{path} is a {_NAMES[kind]} backup but the database is {_NAMES[engine.dialect.name]} "
            f"({engine.url.render_as_string(hide_password=True)}); restore it into a {_NAMES[kind]} database "
            "(UPSKILL_DATABASE_URL)"
        )
    revision = _check_sqlite_backup(path) if kind == "sqlite" else _pg_dump_revision(path)
    if revision is not None and revision not in _known_revisions():
        raise BackupError(
            f"{path} holds schema revision {revision}, which this version of upskill does not know "
            f"(newest known: {head_revision()}); restore it with the upskill that made it"
        )
    if kind == "sqlite":
        engine.dispose()  # pooled connections reopen on the restored file
        _sqlite_copy(path, _sqlite_file(engine), source_uri=False)
    else:
        _pg_restore(engine, path)
    engine.dispose()
    return BackupInfo(path, kind, revision, path.stat().st_size)


_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


# --- SQLite -------------------------------------------------------------------------------------------


def _sqlite_file(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"{engine.url} is not a SQLite database file; only files can be backed up")
    path = Path(database)
    if not path.is_file():
        raise BackupError(f"{path}: no such database file")
    return path


def _sqlite_copy(source: Path, target: Path, *, source_uri: bool) -> None:
    """Copy ``source`` into ``target`` with the online backup API (all pages in one step: one transaction)."""
    source_connection = (
        sqlite3.connect(f"file:{source}?mode=ro", uri=True) if source_uri else sqlite3.connect(source)
    )
    try:
        target_connection = sqlite3.connect(target, timeout=60)
        try:
            source_connection.backup(target_connection)
            if source_uri:  # a backup file stands alone: no write-ahead log beside it
                target_connection.execute("PRAGMA journal_mode=DELETE")
        finally:
            target_connection.close()
    except sqlite3.Error as error:
        raise BackupError(f"copying {source} to {target} failed: {error}") from error
    finally:
        source_connection.close()


def _check_sqlite_backup(path: Path) -> str | None:
    """The schema revision of a SQLite backup, after checking it is whole (``PRAGMA integrity_check``)."""
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            (check,) = connection.execute("PRAGMA integrity_check").fetchone()
            if check != "ok":
                raise BackupError(f"{path} is damaged (SQLite integrity check: {check}); use another backup")
            names = {
                row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            if "alembic_version" not in names:
                raise BackupError(f"{path} is a SQLite database but not an upskill one (no alembic_version)")
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is damaged or not a database ({error}); use another backup") from error
    return row[0] if row else None


# --- PostgreSQL -----------------------------------------------------------------------------------------


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed; install PostgreSQL's client tools (Debian: apt-get install "
            "postgresql-client) in the version of the server or newer"
        )
    return found


def _schema(engine: Engine) -> str:
    with engine.connect() as connection:
        return str(connection.execute(text("SELECT current_schema()")).scalar_one())


def _libpq_url(engine: Engine) -> str:
    """The database as a libpq URL, without the password (that goes in the environment)."""
    return engine.url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _run(command: list[str], what: str, *, engine: Engine | None = None) -> str:
    """Run a client tool (the password of ``engine`` in its environment); its output, or a BackupError."""
    environment = dict(os.environ)
    if engine is not None and engine.url.password:
        environment["PGPASSWORD"] = str(engine.url.password)
    done = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise BackupError(f"{what} failed (exit {done.returncode}): {' / '.join(message)}")
    return done.stdout


_TABLE_ENTRY = re.compile(r"^\d+; \d+ \d+ TABLE (?!DATA )(\S+) (\S+)", re.MULTILINE)
_SCHEMA_ENTRY = re.compile(r"^\d+; \d+ \d+ SCHEMA - ")


def _pg_dump_revision(path: Path) -> str | None:
    toc = _run([_tool("pg_restore"), "--list", str(path)], f"reading {path} (damaged or incomplete?)")
    if "alembic_version" not in toc:
        raise BackupError(f"{path} is a PostgreSQL dump but not of an upskill database (no alembic_version)")
    data = _run(
        [_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(path)],
        f"reading {path} (damaged or incomplete?)",
    )
    match = re.search(r"^COPY \S*alembic_version .*? FROM stdin;\n(\S+)\n", data, re.MULTILINE)
    return match.group(1) if match else None


def _pg_restore(engine: Engine, path: Path) -> None:
    schema = _schema(engine)
    toc = _run([_tool("pg_restore"), "--list", str(path)], f"reading {path}")
    schemas = {found for found, _table in _TABLE_ENTRY.findall(toc)}
    if schemas != {schema}:
        raise BackupError(
            f"{path} holds schema {', '.join(sorted(schemas)) or '(none)'} but the database uses schema "
            f"{schema}; restore it into a database whose search_path is {', '.join(sorted(schemas))}"
        )
    with tempfile.TemporaryDirectory(prefix="upskill-restore-") as folder:
        listing = Path(folder) / "toc.list"
        # the schema itself is dropped and created below, in the same transaction as the rest
        listing.write_text("\n".join(line for line in toc.splitlines() if not _SCHEMA_ENTRY.match(line)))
        script = Path(folder) / "restore.sql"
        _run(
            [_tool("pg_restore"), "--no-owner", "--no-privileges", f"--use-list={listing}"]
            + [f"--file={script}", str(path)],
            f"reading {path} (damaged or incomplete?)",
        )
        _run(
            [_tool("psql"), "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1"]
            + [f"--command=DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};"]
            + [f"--file={script}", f"--dbname={_libpq_url(engine)}"],
            "restoring (nothing was changed)",
            engine=engine,
        )


def _revision(engine: Engine) -> str | None:
    from data.db import current_revision

    return current_revision(engine)


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    from data.db import alembic_config

    return {
        step.revision for step in ScriptDirectory.from_config(alembic_config("sqlite://")).walk_revisions()
    }
