"""Load the planner's inputs (courses and badges as frozen dataclasses) from the database.

Prerequisite edges of origin ``catalogue`` and ``curated`` are passed on; edges of origin ``level`` are not:
the catalogue derives them for every skill without knowing the worker, while the planner applies level
order itself, knowing what the worker already holds (see ``recommender.planner.build``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import (
    Badge,
    BadgeCourse,
    BadgePrerequisite,
    BadgeSkill,
    Course,
    CoursePrerequisite,
    CourseSkill,
)
from recommender.errors import ImportFormatError
from recommender.planner import BadgeOption, CourseOption, Prerequisite
from recommender.settings import get_settings

PLANNER_ORIGINS = ("catalogue", "curated")


def _dates(course_id: str, values: Sequence[str]) -> tuple[dt.date, ...]:
    try:
        return tuple(dt.date.fromisoformat(v) for v in values)
    except ValueError as error:
        raise ImportFormatError(
            f"course {course_id!r} has a start date that is not an ISO date: {error}",
            file="database table courses",
            column="start_dates",
        ) from None


def load_course_options(
    *, db_session: Session, origins: Sequence[str] = PLANNER_ORIGINS, min_confidence: float | None = None
) -> list[CourseOption]:
    """Every course with its skills and its prerequisites of the given origins, sorted by id.

    Skill links under ``min_confidence`` (default: the ``planning_min_confidence`` setting) are left out.
    """
    if min_confidence is None:
        min_confidence = get_settings().planning_min_confidence
    skills: dict[str, dict[str, int]] = defaultdict(dict)
    for course_id, uri, level in db_session.execute(
        select(CourseSkill.course_id, CourseSkill.skill_uri, CourseSkill.level).where(
            CourseSkill.confidence >= min_confidence
        )
    ):
        skills[course_id][uri] = level
    prerequisites: dict[str, list[Prerequisite]] = defaultdict(list)
    for course_id, required, origin in db_session.execute(
        select(CoursePrerequisite.course_id, CoursePrerequisite.prerequisite_id, CoursePrerequisite.origin)
        .where(CoursePrerequisite.origin.in_(list(origins)))
        .order_by(CoursePrerequisite.course_id, CoursePrerequisite.prerequisite_id)
    ):
        prerequisites[course_id].append(Prerequisite(required, origin))
    return [
        CourseOption(
            id=course.id,
            title=course.title,
            hours=course.hours,
            price=course.price,
            currency=course.currency,
            language=course.language,
            delivery_mode=course.delivery_mode,
            region=course.region,
            level=course.level,
            start_dates=_dates(course.id, course.start_dates or []),
            skills=skills.get(course.id, {}),
            prerequisites=tuple(prerequisites.get(course.id, [])),
        )
        for course in db_session.scalars(select(Course).order_by(Course.id))
    ]


def load_badge_options(*, db_session: Session) -> list[BadgeOption]:
    """Every microbadge with its skills, courses and required badges, sorted by id."""
    skills: dict[str, dict[str, int]] = defaultdict(dict)
    for badge_id, uri, level in db_session.execute(
        select(BadgeSkill.badge_id, BadgeSkill.skill_uri, BadgeSkill.level)
    ):
        skills[badge_id][uri] = level
    courses: dict[str, list[str]] = defaultdict(list)
    for badge_id, course_id in db_session.execute(
        select(BadgeCourse.badge_id, BadgeCourse.course_id).order_by(
            BadgeCourse.badge_id, BadgeCourse.course_id
        )
    ):
        courses[badge_id].append(course_id)
    required: dict[str, list[str]] = defaultdict(list)
    for badge_id, required_id in db_session.execute(
        select(BadgePrerequisite.badge_id, BadgePrerequisite.required_badge_id).order_by(
            BadgePrerequisite.badge_id, BadgePrerequisite.required_badge_id
        )
    ):
        required[badge_id].append(required_id)
    return [
        BadgeOption(
            id=badge.id,
            name=badge.name,
            skills=skills.get(badge.id, {}),
            earned_by=badge.earned_by,  # type: ignore[arg-type]
            courses=tuple(courses.get(badge.id, [])),
            k=badge.k,
            required_badges=tuple(required.get(badge.id, [])),
        )
        for badge in db_session.scalars(select(Badge).order_by(Badge.id))
    ]
