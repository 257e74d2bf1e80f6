"""Microbadge import (the JSON format of ``data/default/FORMATS.md``), the default badge set, and reading
badges back for the Open Badges 3.0 export.

A file is read and checked completely (fields, earning rules, known skills, courses and badges, no
requirement cycles) before anything is written, so a bad file writes nothing and gives one error naming
file, line and field. Importing the same file twice leaves the database as after the first time.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from data.models import Badge, BadgeCourse, BadgePrerequisite, BadgeSkill, Course, Provenance, Skill
from data.skill_texts import EscoNotImported
from recommender import badges as core
from recommender.errors import ImportFormatError, UnknownBadge

DEFAULT_BADGES = Path(__file__).parent / "default" / "badges.json"
DEFAULT_RELEASE = "default-badges"
FIELDS = (
    "id",
    "name",
    "description",
    "criteria",
    "issuer",
    "earned_by",
    "k",
    "skills",
    "courses",
    "requires",
)
REQUIRED = ("id", "name", "description", "earned_by", "skills")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,119}$")


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


def _line(raw_text: str, badge_id: Any) -> int | None:
    if isinstance(badge_id, str):
        found = re.search(r'"id"\s*:\s*' + re.escape(json.dumps(badge_id)), raw_text)
        if found:
            return raw_text.count("\n", 0, found.start()) + 1
    return None


def _badge(item: Any, *, index: int, default_issuer: str, file: str, line: int | None) -> core.Badge:
    if not isinstance(item, dict):
        raise ImportFormatError(f"badge #{index + 1} is not an object", file=file, line=line)
    unknown = sorted(set(item) - set(FIELDS))
    if unknown:
        raise ImportFormatError(
            f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(FIELDS)}",
            file=file,
            line=line,
            column=unknown[0],
        )
    for name in REQUIRED:
        if item.get(name) in (None, "", []):
            raise ImportFormatError("required value is missing", file=file, line=line, column=name)
    for name in ("id", "name", "description", "criteria", "issuer", "earned_by"):
        if name in item and not isinstance(item[name], str):
            raise ImportFormatError("must be a string", file=file, line=line, column=name)
    if not _ID.match(item["id"]):
        raise ImportFormatError(
            f"id must be 1-120 letters, digits, '.', '_', ':' or '-', got {item['id']!r}",
            file=file,
            line=line,
            column="id",
        )
    skills = []
    if not isinstance(item["skills"], list):
        raise ImportFormatError("must be a list of {uri, level}", file=file, line=line, column="skills")
    for skill in item["skills"]:
        if not isinstance(skill, dict) or not isinstance(skill.get("uri"), str):
            raise ImportFormatError(
                f"each skill must be {{'uri': ..., 'level': 0..4}}, got {skill!r}",
                file=file,
                line=line,
                column="skills",
            )
        level = skill.get("level", 2)
        if not isinstance(level, int) or isinstance(level, bool) or not 0 <= level <= 4:
            raise ImportFormatError(
                f"skill level must be an integer 0..4, got {level!r}", file=file, line=line, column="skills"
            )
        skills.append(core.BadgeSkill(skill["uri"], level))
    if len({s.uri for s in skills}) != len(skills):
        raise ImportFormatError("a skill is listed twice", file=file, line=line, column="skills")
    lists = {}
    for name in ("courses", "requires"):
        value = item.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ImportFormatError("must be a list of ids", file=file, line=line, column=name)
        if len(set(value)) != len(value):
            raise ImportFormatError("an id is listed twice", file=file, line=line, column=name)
        lists[name] = tuple(value)
    k = item.get("k")
    if k is not None and (not isinstance(k, int) or isinstance(k, bool)):
        raise ImportFormatError(f"k must be an integer, got {k!r}", file=file, line=line, column="k")
    badge = core.Badge(
        id=item["id"],
        name=item["name"].strip(),
        description=item["description"].strip(),
        criteria=item.get("criteria", "").strip(),
        earned_by=item["earned_by"],
        skills=tuple(skills),
        courses=lists["courses"],
        k=k,
        requires=lists["requires"],
        issuer=item.get("issuer", default_issuer).strip(),
    )
    try:
        badge.check()
    except core.BadgeRuleError as error:
        raise ImportFormatError(str(error), file=file, line=line, column=error.field) from None
    return badge


def read_badges(path: Path) -> list[tuple[core.Badge, int | None]]:
    """Read and check a badge file on its own (references are checked by :func:`import_badges`)."""
    file = str(path)
    if not path.is_file():
        raise ImportFormatError("no such file", file=file)
    raw_text = path.read_text(encoding="utf-8")
    try:
        document = json.loads(raw_text)
    except json.JSONDecodeError as error:
        raise ImportFormatError(f"not valid JSON: {error.msg}", file=file, line=error.lineno) from None
    if not isinstance(document, dict) or not isinstance(document.get("badges"), list):
        raise ImportFormatError('expected {"issuer": ..., "badges": [...]}', file=file, line=1)
    issuer = document.get("issuer", "")
    if not isinstance(issuer, str):
        raise ImportFormatError("must be a string", file=file, line=1, column="issuer")
    result = []
    seen: dict[str, int | None] = {}
    for index, item in enumerate(document["badges"]):
        line = _line(raw_text, item.get("id") if isinstance(item, dict) else None)
        badge = _badge(item, index=index, default_issuer=issuer, file=file, line=line)
        if badge.id in seen:
            raise ImportFormatError(
                f"duplicate id {badge.id!r} (first at line {seen[badge.id]})",
                file=file,
                line=line,
                column="id",
            )
        seen[badge.id] = line
        result.append((badge, line))
    if not result:
        raise ImportFormatError("no badges in the file", file=file)
    return result


def _known(db_session: Session, column: Any, values: set[str]) -> set[str]:
    wanted = sorted(values)
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        found.update(db_session.scalars(select(column).where(column.in_(wanted[start : start + 500]))))
    return found


def import_badges(*, db_session: Session, path: Path) -> BadgeImportReport:
    """Import a badge file: upsert its badges and replace their skills, courses and required badges."""
    if db_session.scalar(select(Skill.uri).limit(1)) is None:
        raise EscoNotImported()
    file = str(path)
    badges = read_badges(path)
    ids = {badge.id for badge, _line in badges}
    skill_uris = {s.uri for badge, _line in badges for s in badge.skills}
    course_ids = {c for badge, _line in badges for c in badge.courses}
    required = {r for badge, _line in badges for r in badge.requires} - ids
    known_skills = _known(db_session, Skill.uri, skill_uris)
    known_courses = _known(db_session, Course.id, course_ids)
    known_badges = _known(db_session, Badge.id, required)
    for badge, line in badges:
        for skill in badge.skills:
            if skill.uri not in known_skills:
                raise ImportFormatError(
                    f"unknown ESCO skill {skill.uri} (is it in the imported ESCO release?)",
                    file=file,
                    line=line,
                    column="skills",
                )
        for course in badge.courses:
            if course not in known_courses:
                raise ImportFormatError(
                    f"unknown course {course!r}: import its catalogue first",
                    file=file,
                    line=line,
                    column="courses",
                )
        for needed in badge.requires:
            if needed not in ids and needed not in known_badges:
                raise ImportFormatError(f"unknown badge {needed!r}", file=file, line=line, column="requires")
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

    report = BadgeImportReport(file=file, badges=len(badges))
    existing = {b.id: b for b in db_session.scalars(select(Badge).where(Badge.id.in_(sorted(ids))))}
    for badge, _line in badges:
        values = {
            "name": badge.name,
            "description": badge.description,
            "criteria": badge.criteria,
            "earned_by": badge.earned_by,
            "k": badge.k,
            "issuer": badge.issuer,
        }
        row = existing.get(badge.id)
        if row is None:
            db_session.add(Badge(id=badge.id, **values))
            report.created += 1
        else:
            for key, value in values.items():
                setattr(row, key, value)
            report.updated += 1
    db_session.flush()
    ordered = sorted(ids)
    for model in (BadgeSkill, BadgeCourse, BadgePrerequisite):
        db_session.execute(delete(model).where(model.badge_id.in_(ordered)))
    skill_rows = [
        {"badge_id": b.id, "skill_uri": s.uri, "level": s.level} for b, _l in badges for s in b.skills
    ]
    course_rows = [{"badge_id": b.id, "course_id": c} for b, _l in badges for c in b.courses]
    need_rows = [{"badge_id": b.id, "required_badge_id": r} for b, _l in badges for r in b.requires]
    for model, rows in ((BadgeSkill, skill_rows), (BadgeCourse, course_rows), (BadgePrerequisite, need_rows)):
        if rows:
            db_session.execute(insert(model), rows)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    release = DEFAULT_RELEASE if path.resolve() == DEFAULT_BADGES.resolve() else path.name
    db_session.execute(delete(Provenance).where(Provenance.source == "badges", Provenance.release == release))
    db_session.add(
        Provenance(
            source="badges",
            release=release,
            location=file,
            sha256=digest,
            files={path.name: digest},
            counts={
                "badges": len(badges),
                "badge_skills": len(skill_rows),
                "badge_courses": len(course_rows),
            },
        )
    )
    db_session.flush()
    return report


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
        import difflib

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


def list_badges(*, db_session: Session) -> list[dict[str, Any]]:
    """Every badge with its rule, skills, courses and required badges, ordered by id."""
    result = []
    for badge_id in db_session.scalars(select(Badge.id).order_by(Badge.id)):
        badge = load_badge(db_session=db_session, badge_id=badge_id)
        result.append(
            {
                "id": badge.id,
                "name": badge.name,
                "earned_by": badge.earned_by,
                "k": badge.k,
                "courses": list(badge.courses),
                "requires": list(badge.requires),
                "skills": [{"uri": s.uri, "level": s.level} for s in badge.skills],
            }
        )
    return result
