"""Database fixtures: every database test runs on SQLite and on PostgreSQL, in a transaction rolled back at
its end. Test databases are built with the Alembic migrations, never ``create_all``.

PostgreSQL is used when ``UPSKILL_TEST_POSTGRES_URL`` is set (``.ci/run`` sets it); each test session works in
a schema of its own, dropped at the end, so parallel runs never meet.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from data.db import make_engine, migrate

# derived data (the graph snapshot cache) goes to a temporary folder, never into the working tree
os.environ.setdefault("UPSKILL_CACHE_DIR", tempfile.mkdtemp(prefix="upskill-test-cache-"))
# a test that does not name its database or model gets an empty folder's, never the checkout's own: after
# `make run` the project root holds upskill.db and artefacts/, which would change what such a test sees
_NOWHERE = Path(tempfile.mkdtemp(prefix="upskill-test-default-"))
os.environ["UPSKILL_DATABASE_URL"] = f"sqlite:///{_NOWHERE / 'upskill.db'}"
os.environ["UPSKILL_ARTEFACT_DIR"] = str(_NOWHERE / "artefacts")

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
POSTGRES_URL = os.environ.get("UPSKILL_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data, or skip the test with the reason when it is not there."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data not available: {path} is missing (it ships in ../shared/data)")
    return path


def counted_calls(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[int]:
    """A list that grows by one each time ``owner.name`` is called (the call goes through unchanged): how
    often a cache built its object, say."""
    calls: list[int] = []
    original = getattr(owner, name)

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counting)
    return calls


def _postgres_engine(schema: str | None = None, *, migrated: bool = True) -> Iterator[Engine]:
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL variant skipped: UPSKILL_TEST_POSTGRES_URL is not set (.ci/run sets it)")
    schema = schema or f"upskill_test_{os.getpid()}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        if migrated:
            migrate(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A migrated, empty database per backend, shared by the session's tests (each rolls back)."""
    if request.param == "postgresql":
        yield from _postgres_engine()
        return
    path = tmp_path_factory.mktemp("db") / "test.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def fresh_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database of this test's own (SQLite and PostgreSQL), for tests that must commit.

    Slower than ``db_session`` (a migration per test); use it only where separate transactions matter.
    """
    if request.param == "postgresql":
        yield from _postgres_engine(f"upskill_fresh_{os.getpid()}")
        return
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def blank_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database without any table (SQLite and PostgreSQL), for tests of the migrations themselves."""
    if request.param == "postgresql":
        yield from _postgres_engine(f"upskill_blank_{os.getpid()}", migrated=False)
        return
    engine = make_engine(f"sqlite:///{tmp_path / 'blank.db'}")
    yield engine
    engine.dispose()


@contextmanager
def rolled_back_session(engine: Engine) -> Iterator[Session]:
    """A session whose every write, commits included, is rolled back when the block ends."""
    with engine.connect() as connection:
        outer = connection.begin()
        session = Session(bind=connection, join_transaction_mode="create_savepoint")
        try:
            yield session
        finally:
            session.close()
            outer.rollback()


@pytest.fixture
def db_session(engine: Engine) -> Iterator[Session]:
    """A session on an empty migrated database (SQLite and PostgreSQL), rolled back at the end of the test."""
    with rolled_back_session(engine) as session:
        yield session


@pytest.fixture
def esco_session(esco_engine: Engine) -> Iterator[Session]:
    """A session on the full ESCO release (SQLite), rolled back at the end of the test."""
    with rolled_back_session(esco_engine) as session:
        yield session


@pytest.fixture(scope="session")
def esco_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A SQLite database holding the full bundled ESCO v1.1.1 release, imported once per test session.

    Read-only for tests: write through ``db_session`` instead, which rolls back.
    """
    from data.db import transaction
    from data.esco_import import import_esco

    path = tmp_path_factory.mktemp("esco") / "esco.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with transaction(engine) as session:
        import_esco(db_session=session)
    yield engine
    engine.dispose()
