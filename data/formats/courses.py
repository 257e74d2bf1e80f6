"""The documented course catalogue format (``data/default/FORMATS.md``): CSV or JSON, read into checked
:class:`CourseRecord` s and written back (the vendored default catalogue).

In CSV, list fields are separated by ``;`` and a skill is ``URI``, ``URI@level`` or
``URI@level@confidence@source``; in JSON lists are arrays and a skill is ``{"uri": ..., "level": ...,
"confidence": ..., "source": ...}``. References (ESCO skills, prerequisite courses) are checked
against the database by the import (:mod:`data.catalogue`), not here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, field_validator

from data.formats import reading
from data.formats.fields import Dates, FileModel, Level, RecordId, SkillUri, Texts, semicolons, validated
from recommender.codes import UnknownCode, currency_code, language_code
from recommender.errors import ImportFormatError

COURSE_LEVELS = ("introductory", "intermediate", "advanced")
DELIVERY_MODES = ("online", "in-person", "blended")
# Proficiency taught (0..4, the worker profile scale) by a course of each level, for skills without a level.
LEVEL_OF = {"introductory": 1, "intermediate": 2, "advanced": 3}
#: The proficiency taught by a course whose catalogue states no level (Udemy; Coursera's "Mixed"):
#: introductory's, the level of most courses whose catalogue states one (1,300 of the 1,892 edX and Coursera
#: courses, 69 %, and 83 % of those whose title says basics, beginners or introduction; intermediate 25 %,
#: advanced 6 %: ``python -m evaluation.course_levels``). Claiming more would let a course of unknown level
#: stand for an intermediate one.
UNSTATED_LEVEL = LEVEL_OF["introductory"]
REQUIRED = ("id", "title", "language", "hours")
#: Where a course's skill link comes from: the catalogue's ESCO skills (``explicit``), the catalogue's own
#: skill tags mapped to ESCO (``hint``), the tagger reading the text (``inferred``), or a curator.
SKILL_SOURCES = ("explicit", "hint", "inferred", "curated")
#: The flag of a course whose catalogue states no price: never planned within a budget or as free, and its
#: price read as unknown (null), not as 0.
PRICE_UNKNOWN = "price-unknown"
#: The flag of a course whose catalogue states only its title (and a category): its inferred links are
#: given the probabilities of links read from titles alone (``data.catalogue.tag_records``).
TITLE_ONLY = "title-only"
#: What a catalogue did not state and the import assumed or estimated (see FORMATS.md).
FLAGS = {
    PRICE_UNKNOWN: "price not stated by the catalogue",
    "price-assumed": "price assumed from the provider's published pricing model, not stated per course",
    "language-unknown": "language not stated by the catalogue",
    "language-detected": "language detected from the course text, not stated by the catalogue",
    "hours-estimated": "hours estimated from a duration band, not stated by the catalogue",
    "no-skills-found": "the tagger found no ESCO skill in the course's full text (so none is inferred again)",
    TITLE_ONLY: "the catalogue states only a title (and a category): the links inferred from it have the "
    "probabilities of links read from titles alone",
}


def skill_level_of(course_level: str | None) -> int:
    """The level a course teaches a skill at when the catalogue does not say: 1, 2, 3 by course level;
    :data:`UNSTATED_LEVEL` when the course's level is not stated either."""
    return LEVEL_OF.get(course_level or "", UNSTATED_LEVEL)


@dataclass(frozen=True)
class SkillClaim:
    """A course teaches ``uri`` at ``level`` (0..4) with ``confidence`` (1 for explicit skills), by ``source``
    (one of :data:`SKILL_SOURCES`)."""

    uri: str
    level: int = 2
    confidence: float = 1.0
    source: str = "explicit"


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
    certificate_price: float | None = None
    catalogue: str | None = None
    tags: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    line: int | None = None

    @property
    def price_known(self) -> bool:
        return "price-unknown" not in self.flags

    def with_skills(self, skills: Iterable[SkillClaim]) -> CourseRecord:
        return replace(self, skills=tuple(skills))

    def text(self) -> str:
        """What the tagger reads."""
        return "\n".join(part for part in (self.title, self.summary, self.description) if part)


# --- the file's fields ------------------------------------------------------------------------------------


def _language(value: str) -> str:
    try:
        return language_code(value, allow_undetermined=True)
    except UnknownCode as error:
        raise ValueError(f"{error.message}, or 'und' when the catalogue does not say") from None


def _currency(value: str) -> str:
    try:
        return currency_code(value)
    except UnknownCode as error:
        raise ValueError(error.message) from None


def _flag(value: str) -> str:
    if value not in FLAGS:
        raise ValueError(f"unknown flag {value!r}; known: {', '.join(FLAGS)}")
    return value


def _course_level(value: str) -> str:
    if value.lower() not in COURSE_LEVELS:
        raise ValueError(f"level must be one of {', '.join(COURSE_LEVELS)} or empty, got {value!r}")
    return value.lower()


def _delivery_mode(value: str) -> str:
    if value.lower() not in DELIVERY_MODES:
        raise ValueError(f"delivery_mode must be one of {', '.join(DELIVERY_MODES)}, got {value!r}")
    return value.lower()


def _skill_source(value: str) -> str:
    if value not in SKILL_SOURCES:
        raise ValueError(f"skill source must be one of {', '.join(SKILL_SOURCES)}, got {value!r}")
    return value


class SkillEntry(FileModel):
    """A skill a course teaches; without a level, the course level's (:func:`skill_level_of`); without a
    confidence, 1; without a source, ``explicit``."""

    uri: SkillUri
    level: Level | None = None
    confidence: float = Field(1.0, ge=0, le=1)
    source: Annotated[str, AfterValidator(_skill_source)] = "explicit"


_SKILL_PARTS = ("uri", "level", "confidence", "source")


def _skill_entries(value: Any) -> Any:
    """CSV ``URI@level@confidence@source;URI`` (trailing parts optional) as entries; JSON objects pass."""
    items = [part for part in value.split(";") if part.strip()] if isinstance(value, str) else value
    if not isinstance(items, list):
        return items
    entries = []
    for item in items:
        if isinstance(item, str):
            parts = item.split("@")
            if len(parts) > len(_SKILL_PARTS):
                raise ValueError(f"expected URI@level@confidence@source, got {item!r}")
            entries.append({k: v for k, v in zip(_SKILL_PARTS, parts, strict=False) if v.strip()})
        else:
            entries.append(item)
    return entries


class CourseRow(FileModel):
    """One course as a catalogue file writes it (a CSV row, a JSON object), fields in the documented order."""

    id: RecordId
    title: str
    provider: str = ""
    summary: str = ""
    description: str = ""
    url: str = ""
    language: Annotated[str, AfterValidator(_language)]
    level: Annotated[str, AfterValidator(_course_level)] | None = None
    hours: float = Field(gt=0)
    price: float = Field(0.0, ge=0)
    currency: Annotated[str, AfterValidator(_currency)] = "EUR"
    delivery_mode: Annotated[str, AfterValidator(_delivery_mode)] = "online"
    region: str | None = Field(None, validate_default=True)
    start_dates: Dates = ()
    funding_schemes: Texts = ()
    skills: Annotated[tuple[SkillEntry, ...], BeforeValidator(_skill_entries)] = ()
    prerequisites: Texts = ()
    certificate_price: float | None = Field(None, ge=0)
    catalogue: str | None = None
    tags: Texts = ()
    flags: Annotated[tuple[Annotated[str, AfterValidator(_flag)], ...], BeforeValidator(semicolons)] = ()

    @field_validator("region")
    @classmethod
    def _region_where_taught(cls, region: str | None, info: ValidationInfo) -> str | None:
        mode = info.data.get("delivery_mode", "online")
        if mode != "online" and region is None:
            raise ValueError(f"a {mode} course needs a region (NUTS code, e.g. 'DE11')")
        return region

    def record(self, line: int | None) -> CourseRecord:
        default = skill_level_of(self.level)
        claims = {
            s.uri: SkillClaim(s.uri, default if s.level is None else s.level, s.confidence, s.source)
            for s in self.skills
        }
        return CourseRecord(
            id=self.id,
            title=self.title,
            language=self.language,
            hours=self.hours,
            provider=self.provider,
            summary=self.summary,
            description=self.description,
            url=self.url,
            level=self.level,
            price=self.price,
            currency=self.currency,
            delivery_mode=self.delivery_mode,
            region=self.region,
            start_dates=tuple(sorted(date.isoformat() for date in self.start_dates)),
            funding_schemes=self.funding_schemes,
            skills=tuple(claims.values()),
            prerequisites=tuple(dict.fromkeys(self.prerequisites)),
            certificate_price=self.certificate_price,
            catalogue=self.catalogue,
            tags=self.tags,
            flags=tuple(dict.fromkeys(self.flags)),
            line=line,
        )


COLUMNS = tuple(CourseRow.model_fields)
OPTIONAL = tuple(column for column in COLUMNS if column not in REQUIRED)


def _course(raw: dict[str, Any], *, file: str, line: int | None) -> CourseRecord:
    return validated(CourseRow, raw, file=file, line=line).record(line)


# --- reading and writing ----------------------------------------------------------------------------------


def read_csv(path: Path) -> list[CourseRecord]:
    """Read and check a catalogue CSV (header required, columns in any order, unknown columns refused)."""
    file = str(path)
    return [
        _course(row, file=file, line=line)
        for line, row in reading.csv_rows(path, REQUIRED, optional=OPTIONAL)
    ]


def read_json(path: Path) -> tuple[list[CourseRecord], str | None]:
    """Read and check a catalogue JSON: a list of courses or ``{"catalogue": name, "courses": [...]}``."""
    file = str(path)
    document, text = reading.read_json(path)
    name = None
    if isinstance(document, dict):
        name = document.get("catalogue")
        document = document.get("courses")
    if not isinstance(document, list):
        raise ImportFormatError(
            'expected a list of courses or {"catalogue": ..., "courses": [...]}', file=file, line=1
        )
    records = []
    for index, (item, line) in enumerate(zip(document, reading.item_lines(text, document), strict=True)):
        if not isinstance(item, dict):
            raise ImportFormatError(f"course #{index + 1} is not an object", file=file, line=line)
        records.append(_course(item, file=file, line=line))
    return records, name.strip() if isinstance(name, str) and name.strip() else None


def write(records: Sequence[CourseRecord], path: Path, *, with_skills: bool = True) -> None:
    """Write records in the documented CSV format (skills as ``URI@level``)."""
    columns = [c for c in COLUMNS if with_skills or c != "skills"]
    rows = []
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
            "skills": ";".join(_skill_cell(claim) for claim in record.skills),
            "prerequisites": ";".join(record.prerequisites),
            "certificate_price": "" if record.certificate_price is None else f"{record.certificate_price:g}",
            "catalogue": record.catalogue or "",
            "tags": ";".join(record.tags),
            "flags": ";".join(record.flags),
        }
        rows.append([row[column] for column in columns])
    reading.write_csv(path, columns, rows)


def _skill_cell(claim: SkillClaim) -> str:
    if claim.source == "explicit" and claim.confidence == 1.0:
        return f"{claim.uri}@{claim.level}"
    return f"{claim.uri}@{claim.level}@{claim.confidence:.4f}@{claim.source}"
