"""The migrations build exactly the schema the ORM models describe, on every backend."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text

from data.models import Base


def test_migrated_schema_matches_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models and migrations differ; add an Alembic migration: {diff}"


def test_head_revision_read_from_the_files_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    from data.db import alembic_config, head_revision

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert script.get_heads() == [head_revision()]


def test_ensure_schema_migrates_an_empty_database_once(tmp_path: Path) -> None:
    from data.db import ensure_schema, head_revision, make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    ensure_schema(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
    ensure_schema(engine)  # already current: nothing to do, and no error
    engine.dispose()
