"""Course catalogue import and listing: a catalogue file (documented CSV/JSON or the edX snapshot, read by
:mod:`data.formats`) checked against the database, its courses' skills resolved (explicit, else a given
mapping, else inferred from the text; then the curated overrides), and written with the prerequisite edges
(catalogue, level order, curated skill rules).

Every file is read and checked completely before anything is written, so a bad file writes nothing and gives
one error naming file, line and field. Importing the same file twice leaves the database as after the first
time. Functions only flush; the caller owns the transaction.

``python -m data.catalogue EDX_CSV`` rebuilds the vendored default catalogue in ``data/default/`` (structured
fields, title and summary, and the skill mapping inferred from the full edX texts).
"""

from __future__ import annotations

import csv
import hashlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from data import skill_texts
from data.formats import courses as course_format
from data.formats import curation, edx, skill_mapping
from data.formats.courses import CourseRecord, SkillClaim, skill_level_of
from data.formats.curation import CuratedSkill
from data.models import Course, CoursePrerequisite, CourseSkill, Provenance, Skill
from data.queries import chunks, known
from recommender import prerequisites as prereq
from recommender.errors import ImportFormatError, UpskillError
from recommender.settings import get_settings
from recommender.tagging import SkillTagger

DEFAULT = Path(__file__).parent / "default"
DEFAULT_CATALOGUE = DEFAULT / "edx_catalogue.csv"
DEFAULT_SKILLS = DEFAULT / "edx_skills.csv"
CURATED_SKILLS = DEFAULT / "curated_skills.csv"
SKILL_PREREQUISITES = DEFAULT / "skill_prerequisites.csv"
DEFAULT_CATALOGUE_NAME = "edx-2021"

SkillSource = tuple[SkillClaim, str]  # a claim and where it came from: explicit, inferred or curated


@dataclass
class Catalogue:
    """A checked catalogue file: its records, the text to tag each course with, and its name."""

    file: str
    name: str
    records: list[CourseRecord]
    texts: dict[str, str]
    notes: list[str] = field(default_factory=list)

    @property
    def ids(self) -> set[str]:
        return {record.id for record in self.records}


@dataclass
class ImportReport:
    """What an import did."""

    file: str
    catalogue: str
    courses: int = 0
    created: int = 0
    updated: int = 0
    skills: dict[str, int] = field(default_factory=dict)
    prerequisites: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    skipped: bool = False
    # Courses left without any skill, with why: never silently empty (a curator adds their skills).
    untagged: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "catalogue": self.catalogue,
            "courses": self.courses,
            "created": self.created,
            "updated": self.updated,
            "skills": self.skills,
            "prerequisites": self.prerequisites,
            "notes": self.notes,
            "skipped": self.skipped,
            "untagged": self.untagged,
        }


# The language of the ESCO labels the tagger reads (the bundled release is English).
TAGGER_LANGUAGES = frozenset({"en"})


def make_tagger() -> SkillTagger:
    """The tagger with the settings measured by ``upskill evaluate tagging``."""
    return SkillTagger()


def untagged_reason(record: CourseRecord, unreadable: str | None) -> str:
    """Why a course has no skill: its language, its text, or nothing found."""
    fix = "give its skills in the catalogue or in curated_skills.csv"
    if record.language not in TAGGER_LANGUAGES:
        languages = ", ".join(sorted(TAGGER_LANGUAGES))
        return f"language {record.language!r}: the ESCO labels loaded are in {languages}; {fix}"
    if unreadable:
        return f"{unreadable}; {fix}"
    return f"no ESCO skill label found in its text; {fix}"


def readable(tagger: SkillTagger, records: Sequence[CourseRecord], texts: Sequence[str]) -> list[str | None]:
    """For each course, why the tagger's English labels cannot read it (None when they can)."""
    return [
        untagged_reason(record, reason) if record.language not in TAGGER_LANGUAGES or reason else None
        for record, reason in zip(records, tagger.unreadable(texts), strict=True)
    ]


def read_catalogue(path: Path) -> Catalogue:
    """Read and check a catalogue file: documented CSV or JSON, or the edX snapshot (told by its header)."""
    file = str(path)
    if not path.is_file():
        raise ImportFormatError("no such file", file=file)
    name: str | None = None
    notes: list[str] = []
    if path.suffix.lower() == ".json":
        records, name = course_format.read_json(path)
        texts = {record.id: record.text() for record in records}
    elif edx.is_edx_header(_header(path)):
        edx_courses, notes = edx.read(path)
        records = [course.record for course in edx_courses]
        texts = {course.record.id: course.text for course in edx_courses}
        name = DEFAULT_CATALOGUE_NAME
    else:
        records = course_format.read_csv(path)
        texts = {record.id: record.text() for record in records}
    if not records:
        raise ImportFormatError("no courses in the file", file=file)
    seen: dict[str, int | None] = {}
    for record in records:
        if record.id in seen:
            raise ImportFormatError(
                f"duplicate id {record.id!r} (first at line {seen[record.id]})",
                file=file,
                line=record.line,
                column="id",
            )
        seen[record.id] = record.line
    return Catalogue(file, name or path.stem, records, texts, notes)


def _header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        return next(csv.reader(handle), [])


# --- importing --------------------------------------------------------------------------------------------


def import_catalogue(
    *,
    db_session: Session,
    path: Path,
    mapping: dict[str, list[SkillClaim]] | None = None,
    curated: Path | None = CURATED_SKILLS,
    skill_rules: Path | None = SKILL_PREREQUISITES,
    tagger_factory: Callable[[], SkillTagger] = make_tagger,
    name: str | None = None,
) -> ImportReport:
    """Import a catalogue file; courses without explicit skills get inferred ones (or ``mapping``'s)."""
    skill_texts.require_esco(db_session=db_session)
    catalogue = read_catalogue(path)
    if name is not None:
        catalogue.name = name
    curated_rows = curation.read_curated_skills(curated) if curated is not None and curated.is_file() else []
    edges = check_references(db_session, catalogue, mapping, curated_rows, curated_file=str(curated))
    skills, unreadable = resolve_skills(db_session, catalogue, mapping, curated_rows, tagger_factory)
    report = write_courses(db_session, catalogue, skills, edges)
    report.untagged = [
        {
            "course_id": record.id,
            "line": record.line,
            "language": record.language,
            "reason": unreadable.get(record.id) or untagged_reason(record, None),
        }
        for record in catalogue.records
        if not skills[record.id]
    ]
    report.prerequisites = rebuild_prerequisites(db_session=db_session, skill_rules=skill_rules)
    _record_provenance(db_session, catalogue.name, path, [p for p in (curated, skill_rules) if p is not None])
    db_session.flush()
    return report


def check_references(
    db_session: Session,
    catalogue: Catalogue,
    mapping: dict[str, list[SkillClaim]] | None,
    curated_rows: Sequence[CuratedSkill],
    *,
    curated_file: str,
) -> list[prereq.Edge]:
    """Check every skill and course the files name against the database, before anything is written.

    Returns the catalogue's prerequisite edges (they close no cycle with the edges already stored).
    """
    file, ids = catalogue.file, catalogue.ids
    skill_uris = {claim.uri for record in catalogue.records for claim in record.skills}
    unknown_skills = skill_uris - known(db_session, Skill.uri, skill_uris)
    for record in catalogue.records:
        for claim in record.skills:
            if claim.uri in unknown_skills:
                raise ImportFormatError(
                    f"unknown ESCO skill {claim.uri} (is it in the imported ESCO release?)",
                    file=file,
                    line=record.line,
                    column="skills",
                )
    named = {required for record in catalogue.records for required in record.prerequisites}
    existing_courses = known(db_session, Course.id, named - ids)
    for record in catalogue.records:
        for required in record.prerequisites:
            if required == record.id:
                problem = "a course cannot require itself"
            elif required not in ids and required not in existing_courses:
                problem = f"unknown prerequisite course {required!r}"
            else:
                continue
            raise ImportFormatError(problem, file=file, line=record.line, column="prerequisites")
    edges = [
        prereq.Edge(record.id, required, "catalogue")
        for record in catalogue.records
        for required in record.prerequisites
    ]
    stored = [
        prereq.Edge(course_id, required, "catalogue")
        for course_id, required in _catalogue_edges(db_session)
        if course_id not in ids
    ]
    cycles = prereq.find_cycles(edges + stored)
    if cycles:
        raise ImportFormatError(str(prereq.PrerequisiteCycle(cycles)), file=file, column="prerequisites")
    if mapping is not None:
        mapped = {claim.uri for claims in mapping.values() for claim in claims}
        missing = mapped - known(db_session, Skill.uri, mapped)
        if missing:
            raise UpskillError(
                f"the skill mapping names {len(missing)} skill(s) missing from the database, "
                f"e.g. {sorted(missing)[0]}; import the ESCO release it was built on"
            )
    # Only additions to courses of this file need their skill in the database; removals are harmless.
    additions = [row for row in curated_rows if row.action == "add" and row.course_id in ids]
    known_added = known(db_session, Skill.uri, {row.skill_uri for row in additions})
    for row in additions:
        if row.skill_uri not in known_added:
            raise ImportFormatError(
                f"unknown ESCO skill {row.skill_uri}", file=curated_file, line=row.line, column="skill_uri"
            )
    return edges


def resolve_skills(
    db_session: Session,
    catalogue: Catalogue,
    mapping: dict[str, list[SkillClaim]] | None,
    curated_rows: Sequence[CuratedSkill],
    tagger_factory: Callable[[], SkillTagger],
) -> tuple[dict[str, list[SkillSource]], dict[str, str]]:
    """The skills of each course: explicit, else ``mapping``'s, else inferred from its text; then curated.

    Also returns, for each course the tagger could not read (its language or text), why.
    """
    skills: dict[str, list[SkillSource]] = {}
    unreadable: dict[str, str] = {}
    to_tag = []
    for record in catalogue.records:
        if record.skills:
            skills[record.id] = [(claim, "explicit") for claim in record.skills]
        elif mapping is not None:
            skills[record.id] = [(claim, "inferred") for claim in mapping.get(record.id, [])]
        else:
            to_tag.append(record)
    if to_tag:
        tagger = tagger_factory().fit(skill_texts.from_database(db_session=db_session))
        reasons = readable(tagger, to_tag, [catalogue.texts[r.id] for r in to_tag])
        unreadable = {record.id: reason for record, reason in zip(to_tag, reasons, strict=True) if reason}
        for record in to_tag:
            skills[record.id] = []
        legible = [record for record in to_tag if record.id not in unreadable]
        for record, found in zip(legible, tagger.tag([catalogue.texts[r.id] for r in legible]), strict=True):
            level = skill_level_of(record.level)
            skills[record.id] = [(SkillClaim(tag.uri, level, tag.confidence), "inferred") for tag in found]
    apply_curation(skills, curated_rows, {record.id: record.level for record in catalogue.records})
    return skills, unreadable


def apply_curation(
    skills: dict[str, list[SkillSource]], rows: Sequence[CuratedSkill], course_levels: dict[str, str | None]
) -> None:
    """Apply curated overrides in file order to ``skills`` (by course id), in place.

    ``add`` sets the skill at the row's level (else the course level's), ``confirm`` keeps the link's level
    unless the row gives one (and adds the link when absent); both make it ``curated`` with confidence 1.
    ``remove`` drops it; course ``*`` drops an inferred skill from every course. Rows for courses not in
    ``skills`` are ignored.
    """
    for row in rows:
        if row.course_id == "*":
            for course_id, claims in skills.items():
                skills[course_id] = [
                    (c, src) for c, src in claims if not (c.uri == row.skill_uri and src == "inferred")
                ]
            continue
        if row.course_id not in skills:
            continue
        current = {claim.uri: claim for claim, _src in skills[row.course_id]}
        kept = [(claim, src) for claim, src in skills[row.course_id] if claim.uri != row.skill_uri]
        if row.action in ("add", "confirm"):
            level = row.level
            if level is None and row.action == "confirm" and row.skill_uri in current:
                level = current[row.skill_uri].level
            if level is None:
                level = skill_level_of(course_levels.get(row.course_id))
            kept.append((SkillClaim(row.skill_uri, level, 1.0), "curated"))
        skills[row.course_id] = kept


@dataclass
class CurationReport:
    """What applying a curation file to the database did."""

    file: str
    rows: int
    courses_changed: int = 0
    added: int = 0
    confirmed: int = 0
    removed: int = 0
    prerequisites: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "rows": self.rows,
            "courses_changed": self.courses_changed,
            "added": self.added,
            "confirmed": self.confirmed,
            "removed": self.removed,
            "prerequisites": self.prerequisites,
        }


def curate_courses(*, db_session: Session, path: Path) -> CurationReport:
    """Apply a curated-skills file to the courses in the database: confirm, remove or add course skills.

    The file is read and checked completely first (unknown course or skill: an error naming file, line and
    column), then the changed courses' skills are rewritten and the derived prerequisites recomputed.
    """
    rows = curation.read_curated_skills(path)
    file = str(path)
    named = {row.course_id for row in rows if row.course_id != "*"}
    courses = known(db_session, Course.id, named)
    wanted = {row.skill_uri for row in rows if row.action != "remove"}
    skills_known = known(db_session, Skill.uri, wanted)
    for row in rows:
        if row.course_id != "*" and row.course_id not in courses:
            raise ImportFormatError(
                f"unknown course {row.course_id!r}: import its catalogue first",
                file=file,
                line=row.line,
                column="course_id",
            )
        if row.action != "remove" and row.skill_uri not in skills_known:
            raise ImportFormatError(
                f"unknown ESCO skill {row.skill_uri}", file=file, line=row.line, column="skill_uri"
            )
    query = select(
        CourseSkill.course_id,
        CourseSkill.skill_uri,
        CourseSkill.level,
        CourseSkill.confidence,
        CourseSkill.source,
    )
    if not any(row.course_id == "*" for row in rows):
        query = query.where(CourseSkill.course_id.in_(sorted(named)))
    before: dict[str, list[SkillSource]] = {course_id: [] for course_id in named}
    for course_id, uri, level, confidence, source in db_session.execute(query):
        before.setdefault(course_id, []).append((SkillClaim(uri, level, confidence), source))
    levels = {
        course_id: level
        for chunk in chunks(sorted(before))
        for course_id, level in db_session.execute(
            select(Course.id, Course.level).where(Course.id.in_(chunk))
        )
    }
    after = {course_id: list(claims) for course_id, claims in before.items()}
    apply_curation(after, rows, levels)
    report = CurationReport(file=file, rows=len(rows))
    changed = []
    for course_id in sorted(after):
        old = {claim.uri: (claim, src) for claim, src in before[course_id]}
        new = {claim.uri: (claim, src) for claim, src in after[course_id]}
        if old == new:
            continue
        changed.append(course_id)
        report.added += len(new.keys() - old.keys())
        report.removed += len(old.keys() - new.keys())
        report.confirmed += sum(old[uri] != new[uri] for uri in new.keys() & old.keys())
    report.courses_changed = len(changed)
    for chunk in chunks(changed):
        db_session.execute(delete(CourseSkill).where(CourseSkill.course_id.in_(chunk)))
    _insert_skills(db_session, changed, after)
    db_session.flush()
    report.prerequisites = rebuild_prerequisites(db_session=db_session)
    return report


def _insert_skills(
    db_session: Session, course_ids: Sequence[str], skills: dict[str, list[SkillSource]]
) -> None:
    """Insert the skill links of ``course_ids`` (their old links already deleted)."""
    rows = [
        {
            "course_id": course_id,
            "skill_uri": claim.uri,
            "level": claim.level,
            "confidence": claim.confidence,
            "source": source,
        }
        for course_id in course_ids
        for claim, source in skills[course_id]
    ]
    if rows:
        db_session.execute(insert(CourseSkill), rows)


def write_courses(
    db_session: Session,
    catalogue: Catalogue,
    skills: dict[str, list[SkillSource]],
    edges: Sequence[prereq.Edge],
) -> ImportReport:
    """Upsert the courses (never delete them: interactions and badges point at them), replace their skills
    and catalogue prerequisites."""
    report = ImportReport(
        file=catalogue.file, catalogue=catalogue.name, courses=len(catalogue.records), notes=catalogue.notes
    )
    ordered = sorted(catalogue.ids)
    existing = {
        course.id: course
        for chunk in chunks(ordered)
        for course in db_session.scalars(select(Course).where(Course.id.in_(chunk)))
    }
    for record in catalogue.records:
        values = _course_values(record, catalogue.name)
        course = existing.get(record.id)
        if course is None:
            db_session.add(Course(id=record.id, **values))
            report.created += 1
        else:
            for key, value in values.items():
                setattr(course, key, value)
            report.updated += 1
    db_session.flush()
    for chunk in chunks(ordered):
        db_session.execute(delete(CourseSkill).where(CourseSkill.course_id.in_(chunk)))
        db_session.execute(
            delete(CoursePrerequisite).where(
                CoursePrerequisite.course_id.in_(chunk), CoursePrerequisite.origin == "catalogue"
            )
        )
    _insert_skills(db_session, ordered, skills)
    if edges:
        db_session.execute(
            insert(CoursePrerequisite),
            [
                {"course_id": e.course_id, "prerequisite_id": e.prerequisite_id, "origin": e.origin}
                for e in edges
            ],
        )
    for source in ("explicit", "inferred", "curated"):
        report.skills[source] = sum(
            src == source for course_id in ordered for _claim, src in skills[course_id]
        )
    report.skills["courses_without_skills"] = sum(1 for course_id in ordered if not skills[course_id])
    db_session.expire_all()
    return report


def _course_values(record: CourseRecord, catalogue: str) -> dict[str, Any]:
    return {
        "title": record.title,
        "provider": record.provider,
        "summary": record.summary,
        "description": record.description,
        "url": record.url,
        "language": record.language,
        "level": record.level,
        "hours": record.hours,
        "price": record.price,
        "currency": record.currency,
        "delivery_mode": record.delivery_mode,
        "region": record.region,
        "start_dates": list(record.start_dates),
        "funding_schemes": list(record.funding_schemes),
        "catalogue": catalogue,
    }


def rebuild_prerequisites(
    *, db_session: Session, skill_rules: Path | None = SKILL_PREREQUISITES
) -> dict[str, int]:
    """Recompute the level-order and curated edges of the whole catalogue; return counts by origin."""
    rules = []
    if skill_rules is not None and skill_rules.is_file():
        rules = curation.read_skill_rules(skill_rules)
    # Only the links planning uses: a course does not require what it is not trusted to teach.
    floor = get_settings().planning_min_confidence
    taught = [
        prereq.TaughtSkill(course_id, uri, level, confidence)
        for course_id, uri, level, confidence in db_session.execute(
            select(
                CourseSkill.course_id, CourseSkill.skill_uri, CourseSkill.level, CourseSkill.confidence
            ).where(CourseSkill.confidence >= floor)
        )
    ]
    catalogue_edges = [
        prereq.Edge(course_id, required, "catalogue") for course_id, required in _catalogue_edges(db_session)
    ]
    hours = {course_id: h for course_id, h in db_session.execute(select(Course.id, Course.hours))}
    graph = prereq.build_graph(taught=taught, catalogue_edges=catalogue_edges, skill_rules=rules, hours=hours)
    db_session.execute(delete(CoursePrerequisite).where(CoursePrerequisite.origin != "catalogue"))
    derived = [
        {"course_id": e.course_id, "prerequisite_id": e.prerequisite_id, "origin": e.origin}
        for e in graph.edges
        if e.origin != "catalogue"
    ]
    if derived:
        db_session.execute(insert(CoursePrerequisite), derived)
    return graph.counts()


def _catalogue_edges(db_session: Session) -> list[tuple[str, str]]:
    return [
        (course_id, required)
        for course_id, required in db_session.execute(
            select(CoursePrerequisite.course_id, CoursePrerequisite.prerequisite_id).where(
                CoursePrerequisite.origin == "catalogue"
            )
        )
    ]


def _sha256(*paths: Path) -> tuple[str, dict[str, str]]:
    files = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in paths if path.is_file()}
    combined = hashlib.sha256(
        "".join(f"{name}:{digest}\n" for name, digest in sorted(files.items())).encode()
    )
    return combined.hexdigest(), files


def _record_provenance(db_session: Session, name: str, path: Path, extra: Sequence[Path]) -> None:
    digest, files = _sha256(path, *extra)
    counts = {
        "courses": db_session.scalar(select(func.count()).select_from(Course).where(Course.catalogue == name))
        or 0,
        "course_skills": db_session.scalar(select(func.count()).select_from(CourseSkill)) or 0,
        "course_prerequisites": db_session.scalar(select(func.count()).select_from(CoursePrerequisite)) or 0,
    }
    db_session.execute(delete(Provenance).where(Provenance.source == "courses", Provenance.release == name))
    db_session.add(
        Provenance(
            source="courses", release=name, location=str(path), sha256=digest, files=files, counts=counts
        )
    )


# --- the vendored default ---------------------------------------------------------------------------------


def import_default_catalogue(*, db_session: Session) -> ImportReport:
    """Import the vendored edX catalogue with its committed skill mapping, unless it is already there."""
    digest, files = _sha256(DEFAULT_CATALOGUE, DEFAULT_SKILLS, CURATED_SKILLS, SKILL_PREREQUISITES)
    done = db_session.scalar(
        select(Provenance.sha256).where(
            Provenance.source == "courses", Provenance.release == DEFAULT_CATALOGUE_NAME
        )
    )
    if done == digest:
        count = db_session.scalar(
            select(func.count()).select_from(Course).where(Course.catalogue == DEFAULT_CATALOGUE_NAME)
        )
        return ImportReport(
            file=str(DEFAULT_CATALOGUE), catalogue=DEFAULT_CATALOGUE_NAME, courses=count or 0, skipped=True
        )
    report = import_catalogue(
        db_session=db_session,
        path=DEFAULT_CATALOGUE,
        mapping=skill_mapping.read(DEFAULT_SKILLS),
        name=DEFAULT_CATALOGUE_NAME,
    )
    # The provenance of the default covers the mapping too, so a changed mapping is imported again.
    db_session.execute(
        delete(Provenance).where(Provenance.source == "courses", Provenance.release == DEFAULT_CATALOGUE_NAME)
    )
    counts = {"courses": report.courses, **{f"skills_{k}": v for k, v in report.skills.items()}}
    db_session.add(
        Provenance(
            source="courses",
            release=DEFAULT_CATALOGUE_NAME,
            location=str(DEFAULT),
            sha256=digest,
            files=files,
            counts=counts,
        )
    )
    db_session.flush()
    return report


def build_default(edx_csv: Path, out_dir: Path = DEFAULT) -> dict[str, int]:
    """Tag the edX courses against the bundled ESCO release and write the vendored default catalogue."""
    courses, _notes = edx.read(edx_csv)
    tagger = make_tagger().fit(skill_texts.from_release())
    texts = [course.text for course in courses]
    # Courses the English labels cannot read get no inferred skill; the import lists them with the reason.
    reasons = readable(tagger, [course.record for course in courses], texts)
    found = iter(tagger.tag([text for text, reason in zip(texts, reasons, strict=True) if reason is None]))
    tags = [next(found) if reason is None else [] for reason in reasons]
    records = [
        course.record.with_skills(
            SkillClaim(tag.uri, skill_level_of(course.record.level), tag.confidence) for tag in found
        )
        for course, found in zip(courses, tags, strict=True)
    ]
    course_format.write(records, out_dir / "edx_catalogue.csv", with_skills=False)
    skill_mapping.write(records, out_dir / "edx_skills.csv", source="inferred")
    return {"courses": len(records), "skills": sum(len(record.skills) for record in records)}


# --- reading back -----------------------------------------------------------------------------------------


def list_courses(*, db_session: Session) -> list[dict[str, Any]]:
    """Every course with its skills (URI, level, confidence, source), ordered by id."""
    skills: dict[str, list[dict[str, Any]]] = {}
    for course_id, uri, level, confidence, source in db_session.execute(
        select(
            CourseSkill.course_id,
            CourseSkill.skill_uri,
            CourseSkill.level,
            CourseSkill.confidence,
            CourseSkill.source,
        ).order_by(CourseSkill.course_id, CourseSkill.confidence.desc(), CourseSkill.skill_uri)
    ):
        skills.setdefault(course_id, []).append(
            {"uri": uri, "level": level, "confidence": round(confidence, 4), "source": source}
        )
    prerequisites: dict[str, list[dict[str, str]]] = {}
    for course_id, required, origin in db_session.execute(
        select(
            CoursePrerequisite.course_id, CoursePrerequisite.prerequisite_id, CoursePrerequisite.origin
        ).order_by(CoursePrerequisite.course_id, CoursePrerequisite.prerequisite_id)
    ):
        prerequisites.setdefault(course_id, []).append({"id": required, "origin": origin})
    return [
        {
            "id": course.id,
            "title": course.title,
            "provider": course.provider,
            "hours": course.hours,
            "price": course.price,
            "currency": course.currency,
            "level": course.level,
            "language": course.language,
            "delivery_mode": course.delivery_mode,
            "catalogue": course.catalogue,
            "skills": skills.get(course.id, []),
            "prerequisites": prerequisites.get(course.id, []),
        }
        for course in db_session.scalars(select(Course).order_by(Course.id))
    ]


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    print(build_default(Path(sys.argv[1])))
