"""Backups round-trip a filled database exactly; a restore is whole or nothing; errors say what to do."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from data.backup import BackupError, backup, restore
from tests.data import filled


def _filled(engine: Engine) -> dict[str, list[tuple]]:
    with engine.begin() as connection:
        filled.fill(connection)
    return _rows(engine)


def _rows(engine: Engine) -> dict[str, list[tuple]]:
    with engine.connect() as connection:
        return filled.table_rows(connection)


def _change_everything(engine: Engine) -> None:
    """Rows deleted, changed and added after the backup (each must be undone by the restore)."""
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM interactions WHERE id = 21"))
        connection.execute(text("UPDATE workers SET region = 'FR10' WHERE id = 11"))
        connection.execute(text("DELETE FROM cohorts"))
        connection.execute(text("INSERT INTO organisations (id, name) VALUES (99, 'after the backup')"))


def test_a_backup_round_trips_every_table_exactly(fresh_engine: Engine, tmp_path: Path) -> None:
    before = _filled(fresh_engine)
    assert all(before.values()), "every table holds rows"
    (tmp_path / "backups").mkdir()
    info = backup(fresh_engine, tmp_path / "backups" / "upskill.backup")
    assert info.path.is_file() and info.bytes > 0 and info.backend == fresh_engine.dialect.name
    assert [p.name for p in info.path.parent.iterdir()] == ["upskill.backup"]  # no temporary file left
    _change_everything(fresh_engine)
    assert _rows(fresh_engine) != before
    restored = restore(fresh_engine, info.path)
    assert restored.revision == info.revision
    assert _rows(fresh_engine) == before
    with fresh_engine.begin() as connection:  # the restored database works: triggers, keys, sequences
        token = connection.execute(text("SELECT token FROM reference_version")).scalar_one()
        connection.execute(
            text("UPDATE skills SET description = 'changed' WHERE uri = :uri"), {"uri": filled.SKILL}
        )
        assert connection.execute(text("SELECT token FROM reference_version")).scalar_one() != token
        connection.execute(text("INSERT INTO organisations (name) VALUES ('new after restore')"))


def test_a_damaged_backup_is_refused_and_the_database_is_unchanged(
    fresh_engine: Engine, tmp_path: Path
) -> None:
    before = _filled(fresh_engine)
    whole = backup(fresh_engine, tmp_path / "whole.backup").path
    data = whole.read_bytes()
    truncated = tmp_path / "truncated.backup"
    truncated.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(BackupError, match="truncated.backup"):
        restore(fresh_engine, truncated)
    assert _rows(fresh_engine) == before
    garbage = tmp_path / "notes.txt"
    garbage.write_text("not a backup")
    with pytest.raises(BackupError, match="not an upskill backup"):
        restore(fresh_engine, garbage)
    assert _rows(fresh_engine) == before


def test_clear_errors_for_bad_paths(fresh_engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="no such backup file"):
        restore(fresh_engine, tmp_path / "missing.backup")
    with pytest.raises(BackupError, match="is not a folder"):
        backup(fresh_engine, tmp_path / "no" / "such" / "folder.backup")
    existing = tmp_path / "existing.backup"
    existing.write_text("keep me")
    with pytest.raises(BackupError, match="exists; choose a new file name"):
        backup(fresh_engine, existing)
    assert existing.read_text() == "keep me"


def test_a_backup_of_the_other_backend_is_refused(fresh_engine: Engine, tmp_path: Path) -> None:
    other = tmp_path / "other.backup"
    if fresh_engine.dialect.name == "sqlite":
        other.write_bytes(b"PGDMP\x01\x0e\x00" + bytes(64))
        expected = "is a PostgreSQL backup but the database is SQLite"
    else:
        other.write_bytes(b"SQLite format 3\x00" + bytes(84))
        expected = "is a SQLite backup but the database is PostgreSQL"
    with pytest.raises(BackupError, match=expected):
        restore(fresh_engine, other)


def test_a_sqlite_backup_of_another_application_is_refused(tmp_path: Path) -> None:
    import sqlite3

    from data.db import make_engine, migrate

    engine = make_engine(f"sqlite:///{tmp_path / 'live.db'}")
    migrate(engine)
    stranger = tmp_path / "stranger.db"
    with sqlite3.connect(stranger) as connection:
        connection.execute("CREATE TABLE t (x)")
    with pytest.raises(BackupError, match="not an upskill one"):
        restore(engine, stranger)
    engine.dispose()
