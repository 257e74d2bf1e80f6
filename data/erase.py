"""Delete a row and every row that depends on it, table by table, and count what went.

The tables that depend on a row are found from the foreign keys of :data:`data.models.Base.metadata`, so a
table added later (with its foreign key to ``workers`` or ``organisations``) is erased with no change here.
Dependent rows are deleted first, deepest first, then the row itself: the counts are exact whether or not
the database would cascade (SQLite only does with ``PRAGMA foreign_keys=ON``).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, select
from sqlalchemy.orm import Session

from data.models import Base


def _dependents(table: Table) -> list[tuple[Table, Any, Any]]:
    """Every (child table, its column, the column of ``table`` it refers to), in a stable order."""
    found = []
    for child in Base.metadata.sorted_tables:
        for fk in sorted(child.foreign_keys, key=lambda fk: fk.parent.name):
            if fk.column.table is table and child is not table:
                found.append((child, fk.parent, fk.column))
    return found


def _erase(session: Session, table: Table, condition: ColumnElement[bool], counts: Counter[str]) -> None:
    for child, column, referred in _dependents(table):
        _erase(session, child, column.in_(select(referred).where(condition)), counts)
    result = session.execute(delete(table).where(condition))
    counts[table.name] += int(result.rowcount or 0)  # type: ignore[attr-defined]


def erase(*, db_session: Session, table: str, key: int) -> dict[str, int]:
    """Delete the row of ``table`` with primary key ``key`` and everything that depends on it.

    Returns the rows removed per table (tables with none left out), the row itself included.
    """
    target = Base.metadata.tables[table]
    (primary,) = target.primary_key.columns
    counts: Counter[str] = Counter()
    _erase(db_session, target, primary == key, counts)
    db_session.expire_all()  # objects loaded before may be among the deleted rows
    return {name: n for name, n in sorted(counts.items()) if n}


def dependent_columns(table: str) -> list[tuple[str, str]]:
    """(table, column) of every column that refers to ``table``'s rows, directly."""
    return [(child.name, column.name) for child, column, _ in _dependents(Base.metadata.tables[table])]
