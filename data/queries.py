"""Small queries the importers share."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

BATCH = 500  # values per IN (...) clause: well inside SQLite's and PostgreSQL's parameter limits


def chunks(values: Sequence[str], size: int = BATCH) -> Iterator[Sequence[str]]:
    """``values`` in consecutive slices of at most ``size``."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def known(db_session: Session, column: Any, values: Iterable[str]) -> set[str]:
    """Which of ``values`` the database holds in ``column`` (a mapped column such as ``Skill.uri``)."""
    found: set[str] = set()
    for chunk in chunks(sorted(set(values))):
        found.update(db_session.scalars(select(column).where(column.in_(chunk))))
    return found


def upsert(db_session: Session, model: Any, rows: Mapping[str, Mapping[str, Any]]) -> tuple[int, int]:
    """Add or update the ``model`` rows keyed by id (``{id: column values}``); (created, updated) counts.

    Rows are updated in place, never deleted and re-added: other tables point at them.
    """
    ordered = sorted(rows)
    existing = {
        row.id: row
        for chunk in chunks(ordered)
        for row in db_session.scalars(select(model).where(model.id.in_(chunk)))
    }
    for key in ordered:
        row = existing.get(key)
        if row is None:
            db_session.add(model(id=key, **rows[key]))
        else:
            for column, value in rows[key].items():
                setattr(row, column, value)
    db_session.flush()
    return len(ordered) - len(existing), len(existing)


def page(
    db_session: Session, query: Select[Any], *, order_by: Any, limit: int, offset: int
) -> tuple[list[Any], int]:
    """One page of the rows ``query`` selects, in ``order_by`` order, and how many it selects in all."""
    total = db_session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db_session.scalars(query.order_by(order_by).limit(limit).offset(offset)).all()
    return list(rows), int(total)
