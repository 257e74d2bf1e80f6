"""The course catalogue and microbadges: imports, listings and the Open Badges 3.0 export."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from api.services.taxonomy import ESCO_SKILL
from data import badges as badge_store
from data import catalogue as catalogue_store
from data.defaults import PLANNING_MIN_CONFIDENCE
from recommender.errors import UnknownCourse, UnknownSkill

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def import_courses(
    *,
    db_session: Session,
    path: Path,
    min_confidence: float = PLANNING_MIN_CONFIDENCE,
    cache_dir: Path | None = None,
) -> catalogue_store.ImportReport:
    """Import a course catalogue; courses without skills get ESCO skills inferred from their text (the
    tagger's ESCO label vectors kept in ``cache_dir``)."""
    return catalogue_store.import_catalogue(
        db_session=db_session,
        path=path,
        min_confidence=min_confidence,
        tagger_factory=partial(catalogue_store.make_tagger, cache_dir),
    )


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


def evaluate_tagging(*, gold: Path | None = None, cache_dir: Path | None = None) -> dict[str, Any]:
    """Measure the skill tagger and the label-match baseline against the hand-labelled gold set."""
    from evaluation import tagging

    return tagging.run(gold, cache_dir=cache_dir) if gold is not None else tagging.run(cache_dir=cache_dir)


def curate_courses(
    *, db_session: Session, path: Path, min_confidence: float = PLANNING_MIN_CONFIDENCE
) -> catalogue_store.CurationReport:
    """Confirm, remove or add course skills from a curation file (course_id,skill_uri,action,level,note)."""
    return catalogue_store.curate_courses(db_session=db_session, path=path, min_confidence=min_confidence)


def find_courses(  # noqa: PLR0913 - keyword-only: the filters of GET /v1/courses, each optional
    *,
    db_session: Session,
    language: str | None = None,
    level: str | None = None,
    delivery_mode: str | None = None,
    max_price: float | None = None,
    max_hours: float | None = None,
    skill: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """Find one page of the courses matching every filter given (by id), and how many match in all.

    A language that is not an ISO 639-1 code (or ``und``) and a skill that is not in the database raise,
    rather than match no course.
    """
    from data.reference import CourseFilter, course_page, skill_row
    from recommender.codes import language_code

    if language:
        language = language_code(language, field="language", allow_undetermined=True)
    uri = skill
    if skill:
        uri = skill if ":" in skill else ESCO_SKILL + skill  # no scheme: the UUID tail of an ESCO skill URI
        if skill_row(db_session=db_session, uri=uri) is None:
            raise UnknownSkill(skill)
    where = CourseFilter(language, level, delivery_mode, max_price, max_hours, uri)
    ids, total = course_page(db_session=db_session, where=where, limit=limit, offset=offset)
    return (catalogue_store.list_courses(db_session=db_session, ids=ids) if ids else []), total


def course(*, db_session: Session, course_id: str) -> dict[str, Any]:
    """Read one course with its skills and prerequisites; an unknown id raises with the closest ids."""
    found = catalogue_store.list_courses(db_session=db_session, ids=[course_id])
    if not found:
        raise UnknownCourse(
            course_id, catalogue_store.similar_course_ids(db_session=db_session, course_id=course_id)
        )
    return found[0]


def find_badges(*, db_session: Session, limit: int = 20, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Find one page of the microbadges (by id), and how many there are."""
    every = badge_store.list_badges(db_session=db_session)
    return every[offset : offset + limit], len(every)


def badge(*, db_session: Session, badge_id: str) -> dict[str, Any]:
    """Read one microbadge; an unknown id raises with the closest ids."""
    return badge_store.badge_summary(db_session=db_session, badge_id=badge_id)
