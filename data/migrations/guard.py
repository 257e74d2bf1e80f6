"""Downgrades that would delete data refuse, saying what they would delete and what to do instead.

A migration's ``downgrade`` calls :func:`refuse_data_loss` before it drops a table or a column, with the rows
that would go. Nothing has changed when it refuses: the whole migration runs in one transaction
(``data.db.migrate`` / ``data.db.downgrade``), rolled back on the error.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from recommender.errors import UpskillError


class DowngradeRefused(UpskillError):
    """A downgrade would delete rows (the table or column it drops holds data)."""

    def __init__(self, revision: str, losses: dict[str, int]):
        self.revision = revision
        self.losses = losses
        lost = ", ".join(f"{count:,} {what}" for what, count in losses.items())
        super().__init__(
            f"refusing to downgrade below revision {revision}: it would delete {lost}. Nothing was changed. "
            "Back up the database first (`upskill db backup PATH`), delete that data yourself if you mean "
            "to lose it, then downgrade again"
        )


def count_rows(table: str, where: str | None = None) -> int:
    """Rows of ``table`` (matching the SQL condition ``where``) on the migration's connection."""
    sql = f"SELECT count(*) FROM {table}" + (f" WHERE {where}" if where else "")
    return int(op.get_bind().execute(sa.text(sql)).scalar_one())


def count_non_empty_json(table: str, column: str) -> int:
    """Rows of ``table`` whose JSON ``column`` holds something (not null, ``[]`` or ``{}``)."""
    values = op.get_bind().execute(sa.text(f"SELECT {column} FROM {table}")).scalars()
    return sum(1 for value in values if _loaded(value) not in (None, [], {}))


def _loaded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def refuse_data_loss(revision: str, losses: dict[str, int]) -> None:
    """Raise :class:`DowngradeRefused` when any count in ``losses`` (what -> rows) is above zero."""
    lost = {what: count for what, count in losses.items() if count}
    if lost:
        raise DowngradeRefused(revision, lost)


def refuse_if_rows(revision: str, *tables: str) -> None:
    """Refuse to drop ``tables`` while any of them holds rows."""
    refuse_data_loss(revision, {f"rows of {table}": count_rows(table) for table in tables})
