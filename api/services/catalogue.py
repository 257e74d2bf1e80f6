"""The course catalogue and microbadges: imports, listings and the Open Badges 3.0 export."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from data import badges as badge_store
from data import catalogue as catalogue_store

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def import_courses(*, db_session: Session, path: Path) -> catalogue_store.ImportReport:
    """Import a course catalogue; courses without skills get ESCO skills inferred from their text."""
    return catalogue_store.import_catalogue(db_session=db_session, path=path)


def import_badges(*, db_session: Session, path: Path) -> badge_store.BadgeImportReport:
    """Import microbadges (their skills, courses and required badges)."""
    return badge_store.import_badges(db_session=db_session, path=path)


def list_courses(*, db_session: Session) -> list[dict[str, Any]]:
    """List every course with hours, price, level, language and its ESCO skills."""
    return catalogue_store.list_courses(db_session=db_session)


def list_badges(*, db_session: Session) -> list[dict[str, Any]]:
    """List every microbadge with how it is earned."""
    return badge_store.list_badges(db_session=db_session)


def export_badge(*, db_session: Session, badge_id: str) -> dict[str, Any]:
    """Export one badge as an Open Badges 3.0 Achievement (JSON-LD) aligned to its ESCO skills."""
    return badge_store.export_achievement(db_session=db_session, badge_id=badge_id)


def evaluate_tagging(*, gold: Path | None = None) -> dict[str, Any]:
    """Measure the skill tagger and the label-match baseline against the hand-labelled gold set."""
    from evaluation import tagging

    return tagging.run(gold) if gold is not None else tagging.run()


def curate_courses(*, db_session: Session, path: Path) -> catalogue_store.CurationReport:
    """Confirm, remove or add course skills from a curation file (course_id,skill_uri,action,level,note)."""
    return catalogue_store.curate_courses(db_session=db_session, path=path)
