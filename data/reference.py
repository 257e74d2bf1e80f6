"""Read queries behind the reference-data endpoints: one occupation, skill or course, and course lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, String, cast, func, select
from sqlalchemy.orm import Session

from data.formats.courses import PRICE_UNKNOWN
from data.models import Course, CourseSkill, Occupation, Skill


def occupation_row(*, db_session: Session, uri: str) -> dict[str, Any] | None:
    """The stored fields of one occupation, or None."""
    row = db_session.get(Occupation, uri)
    if row is None:
        return None
    return {
        "uri": row.uri,
        "label": row.preferred_label,
        "alt_labels": list(row.alt_labels or []),
        "description": row.description or "",
        "code": row.code,
        "isco_code": row.isco_code,
    }


def skill_row(*, db_session: Session, uri: str) -> dict[str, Any] | None:
    """The stored fields of one skill, or None."""
    row = db_session.get(Skill, uri)
    if row is None:
        return None
    return {
        "uri": row.uri,
        "label": row.preferred_label,
        "alt_labels": list(row.alt_labels or []),
        "description": row.description or "",
        "skill_type": row.skill_type,
        "reuse_level": row.reuse_level,
    }


@dataclass(frozen=True)
class CourseFilter:
    """Which courses a list shows; None (or empty) means any."""

    language: str | None = None
    level: str | None = None
    delivery_mode: str | None = None
    max_price: float | None = None
    max_hours: float | None = None
    skill: str | None = None  # an ESCO skill URI the course teaches


def _filtered(query: Select[Any], where: CourseFilter) -> Select[Any]:
    if where.language:
        query = query.where(Course.language == where.language)
    if where.level:
        query = query.where(Course.level == where.level)
    if where.delivery_mode:
        query = query.where(Course.delivery_mode == where.delivery_mode)
    if where.max_price is not None:  # a price not stated is unknown, not 0: such a course never matches
        unstated = cast(Course.flags, String).contains(f'"{PRICE_UNKNOWN}"')
        query = query.where(Course.price <= where.max_price, ~unstated)
    if where.max_hours is not None:
        query = query.where(Course.hours <= where.max_hours)
    if where.skill:
        taught = select(CourseSkill.course_id).where(CourseSkill.skill_uri == where.skill)
        query = query.where(Course.id.in_(taught))
    return query


def course_page(
    *, db_session: Session, where: CourseFilter, limit: int, offset: int
) -> tuple[list[str], int]:
    """The ids of one page of the matching courses (ordered by id) and how many match in all."""
    total = db_session.scalar(_filtered(select(func.count()).select_from(Course), where)) or 0
    ids = db_session.scalars(
        _filtered(select(Course.id), where).order_by(Course.id).limit(limit).offset(offset)
    ).all()
    return list(ids), int(total)


def broader_skills(*, db_session: Session, uri: str) -> list[str]:
    """The direct broader skills or skill groups of a skill, by URI."""
    from data.models import SkillBroader

    query = select(SkillBroader.broader_uri).where(SkillBroader.narrower_uri == uri)
    return list(db_session.scalars(query.order_by(SkillBroader.broader_uri)))
