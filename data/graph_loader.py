"""Build the in-memory competence graph (:mod:`recommender.graph`) from the database.

Reads plain columns (no ORM objects: the full ESCO release is ~190,000 rows), turns them into
:class:`recommender.graph.GraphData` and hands that to the pure core. Courses and badges are added when
their tables have rows; empty tables give a graph of ESCO alone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data import models
from data.defaults import PLANNING_MIN_CONFIDENCE
from recommender.graph import CompetenceGraph, Concept, GraphData


def _alts(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in (value or ()) if str(v).strip())


def load_graph_data(*, db_session: Session, min_confidence: float = PLANNING_MIN_CONFIDENCE) -> GraphData:
    """Read every table the competence graph needs into plain rows; course-skill links under
    ``min_confidence`` (``UPSKILL_PLANNING_MIN_CONFIDENCE``) are left out."""
    s = db_session
    data = GraphData()
    data.skills = [
        Concept(uri, label, _alts(alts), {"skill_type": skill_type, "reuse_level": reuse_level})
        for uri, label, alts, skill_type, reuse_level in s.execute(
            select(
                models.Skill.uri,
                models.Skill.preferred_label,
                models.Skill.alt_labels,
                models.Skill.skill_type,
                models.Skill.reuse_level,
            ).order_by(models.Skill.uri)
        )
    ]
    data.skill_groups = [
        Concept(uri, label, _alts(alts), {"code": code})
        for uri, label, alts, code in s.execute(
            select(
                models.SkillGroup.uri,
                models.SkillGroup.preferred_label,
                models.SkillGroup.alt_labels,
                models.SkillGroup.code,
            ).order_by(models.SkillGroup.uri)
        )
    ]
    data.occupations = [
        Concept(uri, label, _alts(alts), {"isco_code": isco, "code": code})
        for uri, label, alts, isco, code in s.execute(
            select(
                models.Occupation.uri,
                models.Occupation.preferred_label,
                models.Occupation.alt_labels,
                models.Occupation.isco_code,
                models.Occupation.code,
            ).order_by(models.Occupation.uri)
        )
    ]
    data.courses = [
        Concept(
            course_id,
            title,
            (),
            {"provider": provider, "hours": hours, "level": level, "language": language, "price": price},
        )
        for course_id, title, provider, hours, level, language, price in s.execute(
            select(
                models.Course.id,
                models.Course.title,
                models.Course.provider,
                models.Course.hours,
                models.Course.level,
                models.Course.language,
                models.Course.price,
            ).order_by(models.Course.id)
        )
    ]
    data.badges = [
        Concept(badge_id, name, (), {"earned_by": earned_by, "k": k, "issuer": issuer})
        for badge_id, name, earned_by, k, issuer in s.execute(
            select(
                models.Badge.id,
                models.Badge.name,
                models.Badge.earned_by,
                models.Badge.k,
                models.Badge.issuer,
            ).order_by(models.Badge.id)
        )
    ]

    def rows(*columns: Any) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in s.execute(select(*columns).order_by(*columns[:2]))]

    data.skill_broader = [
        (a, b) for a, b in rows(models.SkillBroader.narrower_uri, models.SkillBroader.broader_uri)
    ]
    data.skill_relations = [
        (a, b, t)
        for a, b, t in rows(
            models.SkillRelation.skill_uri,
            models.SkillRelation.related_uri,
            models.SkillRelation.relation_type,
        )
    ]
    data.occupation_broader = [
        (a, b)
        for a, b in s.execute(
            select(models.OccupationBroader.narrower_uri, models.OccupationBroader.broader_uri)
            .where(models.OccupationBroader.narrower_type == "Occupation")
            .where(models.OccupationBroader.broader_type == "Occupation")
            .order_by(models.OccupationBroader.narrower_uri, models.OccupationBroader.broader_uri)
        )
    ]
    data.occupation_skills = [
        (a, b, t)
        for a, b, t in rows(
            models.OccupationSkill.occupation_uri,
            models.OccupationSkill.skill_uri,
            models.OccupationSkill.relation_type,
        )
    ]
    # Links under the planning confidence are not evidence that a course teaches a skill.
    data.course_skills = [
        (a, b, int(level), float(confidence))
        for a, b, level, confidence in rows(
            models.CourseSkill.course_id,
            models.CourseSkill.skill_uri,
            models.CourseSkill.level,
            models.CourseSkill.confidence,
        )
        if confidence >= min_confidence
    ]
    data.course_prerequisites = [
        (a, b)
        for a, b in rows(models.CoursePrerequisite.course_id, models.CoursePrerequisite.prerequisite_id)
    ]
    data.badge_skills = [
        (a, b, int(level))
        for a, b, level in rows(
            models.BadgeSkill.badge_id, models.BadgeSkill.skill_uri, models.BadgeSkill.level
        )
    ]
    data.badge_courses = [(a, b) for a, b in rows(models.BadgeCourse.badge_id, models.BadgeCourse.course_id)]
    data.badge_prerequisites = [
        (a, b) for a, b in rows(models.BadgePrerequisite.badge_id, models.BadgePrerequisite.required_badge_id)
    ]
    return data


def load_graph(*, db_session: Session, min_confidence: float = PLANNING_MIN_CONFIDENCE) -> CompetenceGraph:
    """Build the competence graph from the database (ESCO, plus courses and badges when present)."""
    return CompetenceGraph.from_data(load_graph_data(db_session=db_session, min_confidence=min_confidence))


def occupation_descriptions(*, db_session: Session) -> dict[str, str]:
    """Occupation URI -> description (for the description proxy of ``evaluation.roles``)."""
    rows = db_session.execute(select(models.Occupation.uri, models.Occupation.description))
    return {uri: description or "" for uri, description in rows}
