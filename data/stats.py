"""Row counts per table."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import Base, Provenance


def table_counts(*, db_session: Session) -> dict[str, int]:
    """Count the rows of every table, in schema order."""
    return {
        name: int(db_session.execute(select(func.count()).select_from(table)).scalar_one())
        for name, table in Base.metadata.tables.items()
    }


def has_source(*, db_session: Session, source: str) -> bool:
    """Whether a release of ``source`` (esco, courses, badges, ...) has been imported."""
    return db_session.scalar(select(Provenance.id).where(Provenance.source == source).limit(1)) is not None
