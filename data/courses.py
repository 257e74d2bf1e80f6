"""Course catalogue import: the documented CSV/JSON format (``data/default/FORMATS.md``), the edX snapshot
through :mod:`data.edx`, inferred skills for courses without explicit ones, curated overrides, and the
prerequisite edges (catalogue, level order, curated skill rules).

Every file is read and checked completely before anything is written, so a bad file writes nothing and gives
one error naming file, line and field. Importing the same file twice leaves the database as after the first
time. Services only flush; the caller owns the transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from data import skill_texts
from data.models import (
    COURSE_LEVELS,
    DELIVERY_MODES,
    Course,
    CoursePrerequisite,
    CourseSkill,
    Provenance,
    Skill,
)
from recommender import prerequisites as prereq
from recommender.errors import ImportFormatError, UpskillError
from recommender.tagging import SkillTagger

DEFAULT = Path(__file__).parent / "default"
DEFAULT_CATALOGUE = DEFAULT / "edx_catalogue.csv"
DEFAULT_SKILLS = DEFAULT / "edx_skills.csv"
CURATED_SKILLS = DEFAULT / "curated_skills.csv"
SKILL_PREREQUISITES = DEFAULT / "skill_prerequisites.csv"
DEFAULT_CATALOGUE_NAME = "edx-2021"

# Proficiency taught (0..4, see the worker profile scale) for inferred skills, from the course level.
LEVEL_OF = {"introductory": 1, "intermediate": 2, "advanced": 3}
COLUMNS = (
    "id",
    "title",
    "provider",
    "summary",
    "description",
    "url",
    "language",
    "level",
    "hours",
    "price",
    "currency",
    "delivery_mode",
    "region",
    "start_dates",
    "funding_schemes",
    "skills",
    "prerequisites",
)
REQUIRED = ("id", "title", "language", "hours")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,119}$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_SKILL_URI = re.compile(r"^https?://\S+$")


@dataclass(frozen=True)
class SkillClaim:
    """A course teaches ``uri`` at ``level`` (0..4) with ``confidence`` (1 for explicit skills)."""

    uri: str
    level: int = 2
    confidence: float = 1.0


@dataclass(frozen=True)
class CourseRecord:
    """One course as read from a catalogue file, checked; ``line`` is where it starts in its file."""

    id: str
    title: str
    language: str
    hours: float
    provider: str = ""
    summary: str = ""
    description: str = ""
    url: str = ""
    level: str | None = None
    price: float = 0.0
    currency: str = "EUR"
    delivery_mode: str = "online"
    region: str | None = None
    start_dates: tuple[str, ...] = ()
    funding_schemes: tuple[str, ...] = ()
    skills: tuple[SkillClaim, ...] = ()
    prerequisites: tuple[str, ...] = ()
    line: int | None = None

    def with_skills(self, skills: Iterable[SkillClaim]) -> CourseRecord:
        return replace(self, skills=tuple(skills))

    def text(self) -> str:
        """What the tagger reads."""
        return "\n".join(part for part in (self.title, self.summary, self.description) if part)


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
        }


def make_tagger() -> SkillTagger:
    """The tagger with the settings measured by ``upskill evaluate tagging``."""
    return SkillTagger()


# --- reading ----------------------------------------------------------------------------------------------


def _split(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(item).strip() for item in value if str(item).strip()]
    return [part.strip() for part in str(value).split(";") if part.strip()]


def _number(value: Any, *, column: str, file: str, line: int | None, minimum: float, strict: bool) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ImportFormatError(
            f"expected a number, got {value!r}", file=file, line=line, column=column
        ) from None
    if number != number or (strict and number <= minimum) or (not strict and number < minimum):
        bound = f"greater than {minimum:g}" if strict else f"at least {minimum:g}"
        raise ImportFormatError(f"must be {bound}, got {value!r}", file=file, line=line, column=column)
    return number


def _skill_claims(value: Any, *, file: str, line: int | None, default_level: int) -> tuple[SkillClaim, ...]:
    claims: dict[str, SkillClaim] = {}
    items: list[Any] = value if isinstance(value, list) else _split(value)
    for item in items:
        if isinstance(item, dict):
            uri, level = str(item.get("uri", "")).strip(), item.get("level", default_level)
        else:
            uri, _, level_text = str(item).partition("@")
            uri, level = uri.strip(), (level_text.strip() or default_level)
        if not _SKILL_URI.match(uri):
            raise ImportFormatError(
                f"expected an ESCO skill URI (optionally '@level'), got {item!r}",
                file=file,
                line=line,
                column="skills",
            )
        try:
            level_int = int(level)
        except (TypeError, ValueError):
            level_int = -1
        if not 0 <= level_int <= 4:
            raise ImportFormatError(
                f"skill level must be an integer 0..4, got {level!r} for {uri}",
                file=file,
                line=line,
                column="skills",
            )
        claims[uri] = SkillClaim(uri, level_int, 1.0)
    return tuple(claims.values())


def _record(raw: dict[str, Any], *, file: str, line: int | None) -> CourseRecord:
    def bad(column: str, message: str) -> ImportFormatError:
        return ImportFormatError(message, file=file, line=line, column=column)

    unknown = sorted(set(raw) - set(COLUMNS))
    if unknown:
        raise bad(unknown[0], f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(COLUMNS)}")

    def text(column: str) -> str:
        value = raw.get(column)
        return "" if value is None else str(value).strip()

    for column in REQUIRED:
        if not text(column):
            raise bad(column, "required value is missing")
    course_id = text("id")
    if not _ID.match(course_id):
        raise bad("id", f"id must be 1-120 letters, digits, '.', '_', ':' or '-', got {course_id!r}")
    language = text("language").lower()
    if not _LANGUAGE.match(language):
        raise bad("language", f"language must be an ISO 639-1 code like 'en', got {raw.get('language')!r}")
    level = text("level").lower() or None
    if level is not None and level not in COURSE_LEVELS:
        raise bad(
            "level", f"level must be one of {', '.join(COURSE_LEVELS)} or empty, got {raw.get('level')!r}"
        )
    mode = text("delivery_mode").lower() or "online"
    if mode not in DELIVERY_MODES:
        raise bad(
            "delivery_mode",
            f"delivery_mode must be one of {', '.join(DELIVERY_MODES)}, got {raw.get('delivery_mode')!r}",
        )
    currency = text("currency").upper() or "EUR"
    if not _CURRENCY.match(currency):
        raise bad("currency", f"currency must be an ISO 4217 code like 'EUR', got {raw.get('currency')!r}")
    region = text("region") or None
    if mode != "online" and region is None:
        raise bad("region", f"a {mode} course needs a region (NUTS code, e.g. 'DE11')")
    start_dates = _split(raw.get("start_dates"))
    for start in start_dates:
        try:
            dt.date.fromisoformat(start)
        except ValueError:
            raise bad(
                "start_dates", f"start dates must be ISO dates like 2026-09-01, got {start!r}"
            ) from None
    price_value = raw.get("price")
    price = (
        0.0
        if price_value in (None, "")
        else _number(price_value, column="price", file=file, line=line, minimum=0, strict=False)
    )
    return CourseRecord(
        id=course_id,
        title=text("title"),
        language=language,
        hours=_number(raw.get("hours"), column="hours", file=file, line=line, minimum=0, strict=True),
        provider=text("provider"),
        summary=text("summary"),
        description=text("description"),
        url=text("url"),
        level=level,
        price=price,
        currency=currency,
        delivery_mode=mode,
        region=region,
        start_dates=tuple(sorted(start_dates)),
        funding_schemes=tuple(_split(raw.get("funding_schemes"))),
        skills=_skill_claims(
            raw.get("skills"), file=file, line=line, default_level=LEVEL_OF.get(level or "", 2)
        ),
        prerequisites=tuple(dict.fromkeys(_split(raw.get("prerequisites")))),
        line=line,
    )


def _read_csv(path: Path) -> list[CourseRecord]:
    file = str(path)
    records = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [column for column in REQUIRED if column not in header]
        if missing:
            raise ImportFormatError(f"missing required column(s): {', '.join(missing)}", file=file, line=1)
        start = reader.line_num + 1
        for row in reader:
            line, start = start, reader.line_num + 1
            if None in row:
                raise ImportFormatError("more values than columns in the header", file=file, line=line)
            if not any((value or "").strip() for value in row.values()):
                continue
            records.append(_record(dict(row), file=file, line=line))
    return records


def _json_line(raw_text: str, course_id: Any, index: int) -> int | None:
    """Line of the course whose id is ``course_id`` (the JSON parser keeps no positions)."""
    if isinstance(course_id, str):
        found = re.search(r'"id"\s*:\s*' + re.escape(json.dumps(course_id)), raw_text)
        if found:
            return raw_text.count("\n", 0, found.start()) + 1
    return None


def _read_json(path: Path) -> tuple[list[CourseRecord], str | None]:
    file = str(path)
    raw_text = path.read_text(encoding="utf-8")
    try:
        document = json.loads(raw_text)
    except json.JSONDecodeError as error:
        raise ImportFormatError(f"not valid JSON: {error.msg}", file=file, line=error.lineno) from None
    name = None
    if isinstance(document, dict):
        name = document.get("catalogue")
        document = document.get("courses")
    if not isinstance(document, list):
        raise ImportFormatError(
            'expected a list of courses or {"catalogue": ..., "courses": [...]}', file=file, line=1
        )
    records = []
    for index, item in enumerate(document):
        line = _json_line(raw_text, item.get("id") if isinstance(item, dict) else None, index)
        if not isinstance(item, dict):
            raise ImportFormatError(f"course #{index + 1} is not an object", file=file, line=line)
        records.append(_record(item, file=file, line=line))
    return records, name if isinstance(name, str) and name.strip() else None


@dataclass
class Catalogue:
    """A checked catalogue file: its records, the text to tag each course with, and its name."""

    file: str
    name: str
    records: list[CourseRecord]
    texts: dict[str, str]
    notes: list[str] = field(default_factory=list)


def read_catalogue(path: Path) -> Catalogue:
    """Read and check a catalogue file: documented CSV or JSON, or the edX snapshot (by its header)."""
    from data import edx

    file = str(path)
    if not path.is_file():
        raise ImportFormatError("no such file", file=file)
    name: str | None = None
    notes: list[str] = []
    if path.suffix.lower() == ".json":
        records, name = _read_json(path)
        texts = {record.id: record.text() for record in records}
    else:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), [])
        if edx.is_edx_file(header):
            edx_courses, notes = edx.read_edx(path)
            records = [course.record for course in edx_courses]
            texts = {course.record.id: course.text for course in edx_courses}
            name = DEFAULT_CATALOGUE_NAME
        else:
            records = _read_csv(path)
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


def read_skill_mapping(path: Path) -> dict[str, list[SkillClaim]]:
    """``course_id,skill_uri,level,confidence`` rows (the vendored inferred mapping)."""
    file = str(path)
    mapping: dict[str, list[SkillClaim]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        start = reader.line_num + 1
        for row in reader:
            line, start = start, reader.line_num + 1
            level = int(
                _number(row.get("level"), column="level", file=file, line=line, minimum=0, strict=False)
            )
            confidence = _number(
                row.get("confidence"), column="confidence", file=file, line=line, minimum=0, strict=False
            )
            if level > 4 or confidence > 1:
                raise ImportFormatError("level must be 0..4 and confidence 0..1", file=file, line=line)
            mapping.setdefault(row["course_id"], []).append(SkillClaim(row["skill_uri"], level, confidence))
    return mapping


@dataclass(frozen=True)
class CuratedSkill:
    """A curator's correction: add (or re-level) or remove one skill of one course."""

    course_id: str
    skill_uri: str
    action: str
    level: int | None
    line: int


def _commented_csv(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV file whose lines starting with ``#`` are comments, each with its physical line."""
    numbered = [
        (number, text)
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if text.strip() and not text.lstrip().startswith("#")
    ]
    if not numbered:
        return []
    rows = list(csv.reader(text for _number, text in numbered))
    header = [column.strip() for column in rows[0]]
    return [
        (number, dict(zip(header, row, strict=False)))
        for (number, _text), row in zip(numbered[1:], rows[1:], strict=True)
    ]


def read_curated_skills(path: Path) -> list[CuratedSkill]:
    """``course_id,skill_uri,action,level,note`` rows; action ``add`` or ``remove``; ``*``: every course."""
    file = str(path)
    result = []
    for line, row in _commented_csv(path):
        course_id = (row.get("course_id") or "").strip()
        uri = (row.get("skill_uri") or "").strip()
        action = (row.get("action") or "").strip()
        if not course_id:
            raise ImportFormatError("required value is missing", file=file, line=line, column="course_id")
        if not _SKILL_URI.match(uri):
            raise ImportFormatError(
                f"expected an ESCO skill URI, got {uri!r}", file=file, line=line, column="skill_uri"
            )
        if action not in ("add", "remove"):
            raise ImportFormatError(
                f"action must be add or remove, got {action!r}", file=file, line=line, column="action"
            )
        if course_id == "*" and action != "remove":
            raise ImportFormatError(
                "course_id '*' (every course) only works with remove", file=file, line=line, column="action"
            )
        level_text = (row.get("level") or "").strip()
        level = None
        if level_text:
            level = int(_number(level_text, column="level", file=file, line=line, minimum=0, strict=False))
            if level > 4:
                raise ImportFormatError("level must be 0..4", file=file, line=line, column="level")
        result.append(CuratedSkill(course_id, uri, action, level, line))
    return result


def read_skill_rules(path: Path) -> list[prereq.SkillPrerequisite]:
    """``skill_uri,requires_uri,note`` rows: the curated skill prerequisites."""
    file = str(path)
    rules = []
    for line, row in _commented_csv(path):
        for column in ("skill_uri", "requires_uri"):
            if not _SKILL_URI.match((row.get(column) or "").strip()):
                raise ImportFormatError(
                    f"expected an ESCO skill URI, got {row.get(column)!r}",
                    file=file,
                    line=line,
                    column=column,
                )
        rules.append(prereq.SkillPrerequisite(row["skill_uri"].strip(), row["requires_uri"].strip()))
    return rules


# --- writing files (the vendored default) -----------------------------------------------------------------


def write_csv(records: Sequence[CourseRecord], path: Path, *, with_skills: bool = True) -> None:
    """Write records in the documented CSV format."""
    columns = [c for c in COLUMNS if with_skills or c != "skills"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for record in records:
            row = {
                "id": record.id,
                "title": record.title,
                "provider": record.provider,
                "summary": record.summary,
                "description": record.description,
                "url": record.url,
                "language": record.language,
                "level": record.level or "",
                "hours": f"{record.hours:g}",
                "price": f"{record.price:g}",
                "currency": record.currency,
                "delivery_mode": record.delivery_mode,
                "region": record.region or "",
                "start_dates": ";".join(record.start_dates),
                "funding_schemes": ";".join(record.funding_schemes),
                "prerequisites": ";".join(record.prerequisites),
            }
            if with_skills:
                row["skills"] = ";".join(f"{claim.uri}@{claim.level}" for claim in record.skills)
            writer.writerow(row)


def write_skill_mapping(records: Sequence[CourseRecord], path: Path, *, source: str) -> None:
    """Write ``course_id,skill_uri,level,confidence,source`` rows, one per skill of each course."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["course_id", "skill_uri", "level", "confidence", "source"])
        for record in records:
            for claim in record.skills:
                writer.writerow([record.id, claim.uri, claim.level, f"{claim.confidence:.4f}", source])


# --- importing --------------------------------------------------------------------------------------------


def _sha256(*paths: Path) -> tuple[str, dict[str, str]]:
    files = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in paths if path.is_file()}
    combined = hashlib.sha256(
        "".join(f"{name}:{digest}\n" for name, digest in sorted(files.items())).encode()
    )
    return combined.hexdigest(), files


def _known(db_session: Session, model: Any, column: Any, values: Iterable[str]) -> set[str]:
    wanted = sorted(set(values))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        found.update(db_session.scalars(select(column).where(column.in_(wanted[start : start + 500]))))
    return found


def _require_esco(db_session: Session) -> None:
    if db_session.scalar(select(Skill.uri).limit(1)) is None:
        raise skill_texts.EscoNotImported()


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
    _require_esco(db_session)
    catalogue = read_catalogue(path)
    if name is not None:
        catalogue.name = name
    file = catalogue.file
    ids = {record.id for record in catalogue.records}

    # Check every reference before writing anything.
    skill_uris = {claim.uri for record in catalogue.records for claim in record.skills}
    unknown_skills = skill_uris - _known(db_session, Skill, Skill.uri, skill_uris)
    for record in catalogue.records:
        for claim in record.skills:
            if claim.uri in unknown_skills:
                raise ImportFormatError(
                    f"unknown ESCO skill {claim.uri} (is it in the imported ESCO release?)",
                    file=file,
                    line=record.line,
                    column="skills",
                )
    wanted_prereqs = {p for record in catalogue.records for p in record.prerequisites} - ids
    existing_prereqs = _known(db_session, Course, Course.id, wanted_prereqs)
    for record in catalogue.records:
        for required in record.prerequisites:
            if required == record.id:
                raise ImportFormatError(
                    "a course cannot require itself", file=file, line=record.line, column="prerequisites"
                )
            if required not in ids and required not in existing_prereqs:
                raise ImportFormatError(
                    f"unknown prerequisite course {required!r}",
                    file=file,
                    line=record.line,
                    column="prerequisites",
                )
    new_edges = [
        prereq.Edge(record.id, required, "catalogue")
        for record in catalogue.records
        for required in record.prerequisites
    ]
    kept_edges = [
        prereq.Edge(course_id, required, "catalogue")
        for course_id, required in db_session.execute(
            select(CoursePrerequisite.course_id, CoursePrerequisite.prerequisite_id).where(
                CoursePrerequisite.origin == "catalogue"
            )
        )
        if course_id not in ids
    ]
    cycles = prereq.find_cycles(new_edges + kept_edges)
    if cycles:
        raise ImportFormatError(str(prereq.PrerequisiteCycle(cycles)), file=file, column="prerequisites")
    if mapping is not None:
        mapped = {uri for claims in mapping.values() for claim in claims for uri in [claim.uri]}
        missing = mapped - _known(db_session, Skill, Skill.uri, mapped)
        if missing:
            raise UpskillError(
                f"the skill mapping names {len(missing)} skill(s) missing from the database, "
                f"e.g. {sorted(missing)[0]}; "
                "import the ESCO release it was built on"
            )
    curated_rows = read_curated_skills(curated) if curated is not None and curated.is_file() else []
    # Only additions to courses of this file need their skill in the database; removals are harmless.
    additions = [row for row in curated_rows if row.action == "add" and row.course_id in ids]
    known_added = _known(db_session, Skill, Skill.uri, {row.skill_uri for row in additions})
    for row in additions:
        if row.skill_uri not in known_added:
            raise ImportFormatError(
                f"unknown ESCO skill {row.skill_uri}", file=str(curated), line=row.line, column="skill_uri"
            )

    # Skills of each course: explicit, else the given mapping, else inferred from the text.
    skills: dict[str, list[tuple[SkillClaim, str]]] = {}
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
        for record, found in zip(to_tag, tagger.tag([catalogue.texts[r.id] for r in to_tag]), strict=True):
            level = LEVEL_OF.get(record.level or "", 2)
            skills[record.id] = [(SkillClaim(tag.uri, level, tag.confidence), "inferred") for tag in found]
    for row in curated_rows:
        if row.course_id == "*":
            for course_id, claims in skills.items():
                skills[course_id] = [
                    (c, src) for c, src in claims if not (c.uri == row.skill_uri and src == "inferred")
                ]
            continue
        if row.course_id not in skills:
            continue
        others = [(claim, source) for claim, source in skills[row.course_id] if claim.uri != row.skill_uri]
        if row.action == "add":
            record_level = next(r.level for r in catalogue.records if r.id == row.course_id)
            level = row.level if row.level is not None else LEVEL_OF.get(record_level or "", 2)
            others.append((SkillClaim(row.skill_uri, level, 1.0), "curated"))
        skills[row.course_id] = others

    # Write: upsert courses (never delete them: interactions and badges point at them), replace their skills.
    report = ImportReport(
        file=file, catalogue=catalogue.name, courses=len(catalogue.records), notes=catalogue.notes
    )
    existing = {
        course.id: course
        for start in range(0, len(ids), 500)
        for course in db_session.scalars(
            select(Course).where(Course.id.in_(sorted(ids)[start : start + 500]))
        )
    }
    for record in catalogue.records:
        values = {
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
            "catalogue": catalogue.name,
        }
        course = existing.get(record.id)
        if course is None:
            db_session.add(Course(id=record.id, **values))
            report.created += 1
        else:
            for key, value in values.items():
                setattr(course, key, value)
            report.updated += 1
    db_session.flush()
    ordered = sorted(ids)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        db_session.execute(delete(CourseSkill).where(CourseSkill.course_id.in_(chunk)))
        db_session.execute(
            delete(CoursePrerequisite).where(
                CoursePrerequisite.course_id.in_(chunk), CoursePrerequisite.origin == "catalogue"
            )
        )
    rows = [
        {
            "course_id": course_id,
            "skill_uri": claim.uri,
            "level": claim.level,
            "confidence": claim.confidence,
            "source": source,
        }
        for course_id in ordered
        for claim, source in skills[course_id]
    ]
    if rows:
        db_session.execute(insert(CourseSkill), rows)
    if new_edges:
        db_session.execute(
            insert(CoursePrerequisite),
            [
                {"course_id": e.course_id, "prerequisite_id": e.prerequisite_id, "origin": e.origin}
                for e in new_edges
            ],
        )
    for source in ("explicit", "inferred", "curated"):
        report.skills[source] = sum(1 for row in rows if row["source"] == source)
    report.skills["courses_without_skills"] = sum(1 for course_id in ordered if not skills[course_id])
    db_session.expire_all()
    report.prerequisites = rebuild_prerequisites(db_session=db_session, skill_rules=skill_rules)
    _record_provenance(db_session, catalogue.name, path, [p for p in (curated, skill_rules) if p is not None])
    db_session.flush()
    return report


def rebuild_prerequisites(
    *, db_session: Session, skill_rules: Path | None = SKILL_PREREQUISITES
) -> dict[str, int]:
    """Recompute the level-order and curated edges of the whole catalogue; return counts by origin."""
    rules = read_skill_rules(skill_rules) if skill_rules is not None and skill_rules.is_file() else []
    taught = [
        prereq.TaughtSkill(course_id, uri, level, confidence)
        for course_id, uri, level, confidence in db_session.execute(
            select(CourseSkill.course_id, CourseSkill.skill_uri, CourseSkill.level, CourseSkill.confidence)
        )
    ]
    catalogue_edges = [
        prereq.Edge(course_id, required, "catalogue")
        for course_id, required in db_session.execute(
            select(CoursePrerequisite.course_id, CoursePrerequisite.prerequisite_id).where(
                CoursePrerequisite.origin == "catalogue"
            )
        )
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


def import_default_catalogue(*, db_session: Session) -> ImportReport:
    """Import the vendored edX catalogue with its committed skill mapping, unless it is already there."""
    digest, _files = _sha256(DEFAULT_CATALOGUE, DEFAULT_SKILLS, CURATED_SKILLS, SKILL_PREREQUISITES)
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
        mapping=read_skill_mapping(DEFAULT_SKILLS),
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
            files=_files,
            counts=counts,
        )
    )
    db_session.flush()
    return report


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
