"""Microbadge import (a file read by :mod:`data.formats.badges`), the default badge set, and reading badges
back for listing and the Open Badges 3.0 export.

A file is read and checked completely (fields, earning rules, known skills, courses and badges, no
requirement cycles) before anything is written, so a bad file writes nothing and gives one error naming
file, line and field. Importing the same file twice leaves the database as after the first time.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from data.formats import badges as badge_format
from data.locks import lock_reference_data
from data.models import Badge, BadgeCourse, BadgePrerequisite, BadgeSkill, Course, Provenance, Skill
from data.queries import known, upsert
from data.skill_texts import require_esco
from recommender import badges as core
from recommender.errors import ImportFormatError, UnknownBadge

DEFAULT_BADGES = Path(__file__).parent / "default" / "badges.json"
DEFAULT_RELEASE = "default-badges"


@dataclass
class BadgeImportReport:
    file: str
    badges: int = 0
    created: int = 0
    updated: int = 0
    skipped: bool = False
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "badges": self.badges,
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "notes": self.notes,
        }


BadgeAtLine = tuple[core.Badge, int | None]


def import_badges(*, db_session: Session, path: Path) -> BadgeImportReport:
    """Import a badge file: upsert its badges and replace their skills, courses and required badges."""
    lock_reference_data(db_session)
    require_esco(db_session=db_session)
    badges = badge_format.read(path)
    check_references(db_session, badges, file=str(path))
    report = write_badges(db_session, badges, file=str(path))
    _record_provenance(db_session, path, badges)
    db_session.flush()
    return report


def check_references(db_session: Session, badges: Sequence[BadgeAtLine], *, file: str) -> None:
    """Check the skills, courses and badges each badge names, and that no badges require each other."""
    ids = {badge.id for badge, _line in badges}
    known_skills = known(db_session, Skill.uri, {s.uri for badge, _line in badges for s in badge.skills})
    known_courses = known(db_session, Course.id, {c for badge, _line in badges for c in badge.courses})
    known_badges = ids | known(
        db_session, Badge.id, {r for badge, _line in badges for r in badge.requires} - ids
    )
    for badge, line in badges:
        unknown = (
            [
                (f"unknown ESCO skill {s.uri} (is it in the imported ESCO release?)", "skills")
                for s in badge.skills
                if s.uri not in known_skills
            ]
            + [
                (f"unknown course {c!r}: import its catalogue first", "courses")
                for c in badge.courses
                if c not in known_courses
            ]
            + [(f"unknown badge {r!r}", "requires") for r in badge.requires if r not in known_badges]
        )
        if unknown:
            problem, column = unknown[0]
            raise ImportFormatError(problem, file=file, line=line, column=column)
    _check_stacking(db_session, badges, ids, file=file)


def _check_stacking(db_session: Session, badges: Sequence[BadgeAtLine], ids: set[str], *, file: str) -> None:
    """No badges require each other, counting the stored badges this file does not replace."""
    requires: dict[str, list[str]] = {}
    for badge_id, needed in db_session.execute(
        select(BadgePrerequisite.badge_id, BadgePrerequisite.required_badge_id)
    ):
        if badge_id not in ids:
            requires.setdefault(badge_id, []).append(needed)
    for badge, _line in badges:
        requires[badge.id] = list(badge.requires)
    cycles = core.stacking_cycles(requires)
    if cycles:
        raise ImportFormatError(str(core.BadgeCycle(cycles)), file=file, column="requires")


def write_badges(db_session: Session, badges: Sequence[BadgeAtLine], *, file: str) -> BadgeImportReport:
    """Upsert the badges and replace their skills, courses and required badges."""
    report = BadgeImportReport(file=file, badges=len(badges))
    ordered = sorted(badge.id for badge, _line in badges)
    values = {
        badge.id: {
            "name": badge.name,
            "description": badge.description,
            "criteria": badge.criteria,
            "earned_by": badge.earned_by,
            "k": badge.k,
            "issuer": badge.issuer,
        }
        for badge, _line in badges
    }
    report.created, report.updated = upsert(db_session, Badge, values)
    for model in (BadgeSkill, BadgeCourse, BadgePrerequisite):
        db_session.execute(delete(model).where(model.badge_id.in_(ordered)))
    skills = [{"badge_id": b.id, "skill_uri": s.uri, "level": s.level} for b, _l in badges for s in b.skills]
    courses = [{"badge_id": b.id, "course_id": c} for b, _l in badges for c in b.courses]
    needs = [{"badge_id": b.id, "required_badge_id": r} for b, _l in badges for r in b.requires]
    for model, rows in ((BadgeSkill, skills), (BadgeCourse, courses), (BadgePrerequisite, needs)):
        if rows:
            db_session.execute(insert(model), rows)
    return report


def _record_provenance(db_session: Session, path: Path, badges: Sequence[BadgeAtLine]) -> None:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    release = DEFAULT_RELEASE if path.resolve() == DEFAULT_BADGES.resolve() else path.name
    db_session.execute(delete(Provenance).where(Provenance.source == "badges", Provenance.release == release))
    db_session.add(
        Provenance(
            source="badges",
            release=release,
            location=str(path),
            sha256=digest,
            files={path.name: digest},
            counts={
                "badges": len(badges),
                "badge_skills": sum(len(badge.skills) for badge, _line in badges),
                "badge_courses": sum(len(badge.courses) for badge, _line in badges),
            },
        )
    )


def import_default_badges(*, db_session: Session) -> BadgeImportReport:
    """Import the committed default badge set unless this very file is already imported."""
    digest = hashlib.sha256(DEFAULT_BADGES.read_bytes()).hexdigest()
    done = db_session.scalar(
        select(Provenance.sha256).where(Provenance.source == "badges", Provenance.release == DEFAULT_RELEASE)
    )
    if done == digest:
        count = db_session.scalar(select(func.count()).select_from(Badge)) or 0
        return BadgeImportReport(file=str(DEFAULT_BADGES), badges=count, skipped=True)
    return import_badges(db_session=db_session, path=DEFAULT_BADGES)


def load_badge(*, db_session: Session, badge_id: str) -> core.Badge:
    """One badge as the core's :class:`recommender.badges.Badge`; :class:`UnknownBadge` with suggestions."""
    row = db_session.get(Badge, badge_id)
    if row is None:
        known = list(db_session.scalars(select(Badge.id).order_by(Badge.id)))
        raise UnknownBadge(badge_id, difflib.get_close_matches(badge_id, known, n=3, cutoff=0.4))
    skills = db_session.execute(
        select(BadgeSkill.skill_uri, BadgeSkill.level)
        .where(BadgeSkill.badge_id == badge_id)
        .order_by(BadgeSkill.skill_uri)
    ).all()
    courses = db_session.scalars(
        select(BadgeCourse.course_id).where(BadgeCourse.badge_id == badge_id).order_by(BadgeCourse.course_id)
    ).all()
    requires = db_session.scalars(
        select(BadgePrerequisite.required_badge_id)
        .where(BadgePrerequisite.badge_id == badge_id)
        .order_by(BadgePrerequisite.required_badge_id)
    ).all()
    return core.Badge(
        id=row.id,
        name=row.name,
        description=row.description,
        criteria=row.criteria,
        earned_by=row.earned_by,
        skills=tuple(core.BadgeSkill(uri, level) for uri, level in skills),
        courses=tuple(courses),
        k=row.k,
        requires=tuple(requires),
        issuer=row.issuer,
    )


def export_achievement(*, db_session: Session, badge_id: str) -> dict[str, Any]:
    """The badge as an Open Badges 3.0 Achievement with ESCO alignments."""
    badge = load_badge(db_session=db_session, badge_id=badge_id)
    labels = {
        uri: label
        for uri, label in db_session.execute(
            select(Skill.uri, Skill.preferred_label).where(Skill.uri.in_([s.uri for s in badge.skills]))
        )
    }
    titles = {
        course_id: title
        for course_id, title in db_session.execute(
            select(Course.id, Course.title).where(Course.id.in_(list(badge.courses)))
        )
    }
    names = {
        badge_id: name
        for badge_id, name in db_session.execute(
            select(Badge.id, Badge.name).where(Badge.id.in_(list(badge.requires)))
        )
    }
    return core.achievement(badge, skill_labels=labels, course_titles=titles, badge_names=names)


def badge_summary(*, db_session: Session, badge_id: str) -> dict[str, Any]:
    """One badge with its rule, skills, courses and required badges (:class:`UnknownBadge` if unknown)."""
    badge = load_badge(db_session=db_session, badge_id=badge_id)
    return {
        "id": badge.id,
        "name": badge.name,
        "earned_by": badge.earned_by,
        "k": badge.k,
        "courses": list(badge.courses),
        "requires": list(badge.requires),
        "skills": [{"uri": s.uri, "level": s.level} for s in badge.skills],
    }


def list_badges(*, db_session: Session) -> list[dict[str, Any]]:
    """Every badge with its rule, skills, courses and required badges, ordered by id."""
    return [
        badge_summary(db_session=db_session, badge_id=badge_id)
        for badge_id in db_session.scalars(select(Badge.id).order_by(Badge.id))
    ]
