"""The database as a whole: back it up, restore a backup, take its schema back to an older revision."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from data.backup import BackupInfo


def backup_database(*, engine: Engine, path: Path) -> BackupInfo:
    """Write a consistent copy of the whole database to the new file ``path``."""
    from data import backup

    return backup.backup(engine, path)


def restore_database(*, engine: Engine, path: Path) -> BackupInfo:
    """Replace the whole database by the backup at ``path``, whole or not at all."""
    from data import backup

    return backup.restore(engine, path)


def downgrade_schema(*, engine: Engine, revision: str) -> tuple[str | None, str | None]:
    """Take the schema back to ``revision``, refusing when that would delete data; (before, after)."""
    from data.db import current_revision, downgrade

    before = current_revision(engine)
    downgrade(engine, revision)
    return before, current_revision(engine)
