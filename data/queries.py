"""Small queries the importers share."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import select
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
