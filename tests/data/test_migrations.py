"""The migrations build exactly the schema the ORM models describe, on every backend."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text

from data.models import Base
from tests.data import filled

INITIAL_TABLES = 20  # tables the first migration creates


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


# --- upgrades keep every row; downgrades that would lose data refuse ------------------------------------


def _revisions() -> list[str]:
    """Every revision, oldest first."""
    from alembic.script import ScriptDirectory

    from data.db import alembic_config

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [step.revision for step in reversed(list(script.walk_revisions()))]


def test_a_filled_database_of_the_first_migration_upgrades_to_head_keeping_every_row(
    blank_engine: Engine,
) -> None:
    from data.db import current_revision, head_revision, migrate

    revisions = _revisions()
    migrate(blank_engine, revisions[0])
    with blank_engine.begin() as connection:
        assert len(filled.fill(connection)) == INITIAL_TABLES  # every table of the first schema
    for revision in revisions[1:]:
        with blank_engine.connect() as connection:
            columns = filled.table_columns(connection)
            del columns["alembic_version"]
            before = filled.table_rows(connection, columns)
        migrate(blank_engine, revision)
        with blank_engine.connect() as connection:
            after = filled.table_rows(connection, columns)
        for table, rows in before.items():
            assert after[table] == rows, f"upgrading to {revision} changed the rows of {table}"
        with blank_engine.begin() as connection:
            filled.fill(connection)  # the tables this step added, so that the next steps carry them too
    migrate(blank_engine)  # the head's triggers
    assert current_revision(blank_engine) == head_revision()
    with blank_engine.connect() as connection:
        empty = [name for name, rows in filled.table_rows(connection).items() if not rows]
    assert empty == [], f"add rows for {empty} to tests/data/filled.py::ROWS, so that upgrades carry them"


def test_a_downgrade_that_would_delete_data_refuses_and_changes_nothing(fresh_engine: Engine) -> None:
    from data.db import current_revision, downgrade, head_revision
    from data.migrations.guard import DowngradeRefused

    with fresh_engine.begin() as connection:
        filled.fill(connection)
        before = filled.table_rows(connection)
    with pytest.raises(DowngradeRefused) as refused:
        downgrade(fresh_engine, "base")
    message = str(refused.value)
    assert "refusing to downgrade below revision 2026_12_02_audit" in message  # the newest refuses first
    assert "2 rows of audit_log" in message
    assert "upskill db backup" in message
    assert "Nothing was changed" in message
    assert current_revision(fresh_engine) == head_revision()
    with fresh_engine.connect() as connection:
        assert filled.table_rows(connection) == before  # reference_version (dropped first) is back too


#: A downgrade target, the rows that its steps would drop, and what the refusal names.
GUARDED = [
    ("2026_12_02_access", {"organisations": 1, "api_keys": 2, "audit_log": 1}, "1 rows of audit_log"),
    ("2026_12_01_reference_version", {"organisations": 1, "api_keys": 2}, "2 rows of api_keys"),
    (
        "2026_12_01_reference_version",
        {"occupations": 1, "organisations": 1, "workers": 1},
        "1 target occupations of workers",
    ),
    (
        "2026_12_01_cohorts",
        {"courses": 1, "skills": 1, "course_skills": 0},
        "1 course skills that are catalogue",
    ),
    ("2026_12_01_titles", {"organisations": 1, "cohorts": 1}, "1 rows of cohorts"),
    ("2026_12_01_region", {"occupations": 1, "occupation_labels": 1}, "1 rows of occupation_labels"),
    ("0001", {"region_portfolios": 1}, "1 rows of region_portfolios"),
    ("base", {"organisations": 1}, "1 rows of organisations"),
]


def test_each_downgrade_refuses_while_what_it_drops_holds_rows(fresh_engine: Engine) -> None:
    from sqlalchemy import MetaData, Table, delete

    from data.db import downgrade
    from data.migrations.guard import DowngradeRefused

    for target, tables, lost in GUARDED:
        with fresh_engine.begin() as connection:
            for name, count in tables.items():
                hint = {"course_id": "edx:hv-1", "skill_uri": filled.SKILL, "source": "hint"}
                filled.insert(connection, name, filled.ROWS[name][:count] or [hint])
        with pytest.raises(DowngradeRefused, match=lost):
            downgrade(fresh_engine, target)
        with fresh_engine.begin() as connection:  # nothing else blocks the next case
            for name in reversed(tables):
                connection.execute(delete(Table(name, MetaData(), autoload_with=connection)))


def test_an_empty_database_downgrades_to_nothing_and_upgrades_again(fresh_engine: Engine) -> None:
    from sqlalchemy import inspect

    from data.db import current_revision, downgrade, head_revision, migrate

    downgrade(fresh_engine, "base")
    assert current_revision(fresh_engine) is None
    with fresh_engine.connect() as connection:
        assert inspect(connection).get_table_names() == ["alembic_version"]
    migrate(fresh_engine)
    assert current_revision(fresh_engine) == head_revision()
