"""The regional planner's input files (``data/default/FORMATS.md``, "Regional planning"): workforce, demand
and programmes, CSV or JSON, read into the core's :mod:`recommender.region.model` objects.

Rows are validated by Pydantic models (:mod:`data.formats.fields`); references are then resolved against the
competence graph (occupations, skills) and the course catalogue (courses a programme bundles), an unknown one
reported at its line too. Nothing is written: the files are read and checked whole, then given to the
planner.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BeforeValidator, Field

from data.formats.fields import FileModel, RecordId, Texts, validated
from data.formats.reading import csv_rows, object_lines, read_json
from data.nuts import NUTS_CODE
from recommender.errors import ImportFormatError, NotFoundError
from recommender.graph import CompetenceGraph
from recommender.planner import CourseOption
from recommender.region.model import Occupation, Programme

#: Seats each catalogue course offers when the catalogue's courses serve as programmes (no programmes file).
DEFAULT_CATALOGUE_SEATS = 100


def _nuts(values: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        if not NUTS_CODE.match(value.upper()):
            raise ValueError(f"regions must be NUTS codes like 'CZ08', got {value!r}")
    return tuple(value.upper() for value in values)


def _language(value: str) -> str:
    if not re.match(r"^[a-z]{2}$", value.lower()):
        raise ValueError(f"language must be an ISO 639-1 code like 'cs', got {value!r}")
    return value.lower()


def _currency(value: str) -> str:
    if not re.match(r"^[A-Z]{3}$", value.upper()):
        raise ValueError(f"currency must be an ISO 4217 code like 'EUR', got {value!r}")
    return value.upper()


def _lowered(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _semicolons(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return value


class WorkforceRow(FileModel):
    """``occupation,workers``: workers in the region per ESCO occupation (URI or exact label)."""

    occupation: str = Field(min_length=1)
    workers: int = Field(ge=0)


class DemandRow(FileModel):
    """``occupation,headcount,year[,weight]``: workers needed per target occupation by the end of ``year``."""

    occupation: str = Field(min_length=1)
    headcount: int = Field(ge=0)
    year: int = Field(ge=2000, le=2100)
    weight: float = Field(default=1.0, gt=0)


class SkillEntry(FileModel):
    skill: str = Field(min_length=1)
    level: int = Field(ge=0, le=4)


def _skill_entries(value: Any) -> Any:
    """CSV ``ref@level;ref@level`` as entries (JSON objects ``{"skill": ..., "level": ...}`` pass)."""
    items = _semicolons(value) if isinstance(value, str) else value
    if not isinstance(items, list):
        return items
    entries: list[Any] = []
    for item in items:
        if isinstance(item, str):
            ref, at, level = item.rpartition("@")
            if not at:
                raise ValueError(f"a skill must be written skill@level (level 0..4), got {item!r}")
            entries.append({"skill": ref, "level": level})
        else:
            entries.append(item)
    return entries


Skills = Annotated[tuple[SkillEntry, ...], BeforeValidator(_skill_entries)]


class ProgrammeRow(FileModel):
    """One training programme; ``skills`` are ``URI-or-label@level`` (CSV) or objects (JSON)."""

    id: RecordId
    title: str = Field(min_length=1)
    provider: str = Field(min_length=1)
    courses: Texts = ()
    skills: Skills = ()
    cost_per_seat: float = Field(ge=0)
    currency: Annotated[str, AfterValidator(_currency)] = "EUR"
    seats: int = Field(ge=0)
    hours: float = Field(gt=0)
    weeks: float = Field(gt=0)
    language: Annotated[str, AfterValidator(_language)]
    delivery_mode: Annotated[Literal["online", "in-person", "blended"], BeforeValidator(_lowered)] = (
        "in-person"
    )
    regions: Annotated[Texts, AfterValidator(_nuts)] = ()


Row = TypeVar("Row", bound=FileModel)

WORKFORCE_COLUMNS = ("occupation", "workers")
DEMAND_COLUMNS = ("occupation", "headcount", "year")
PROGRAMME_COLUMNS = ("id", "title", "provider", "cost_per_seat", "seats", "hours", "weeks", "language")


def _json_items(path: Path, key: str) -> Iterator[tuple[int | None, dict[str, Any]]]:
    document, text = read_json(path)
    if isinstance(document, dict):
        document = document.get(key)
    if not isinstance(document, list):
        raise ImportFormatError(f'expected a list of objects or {{"{key}": [...]}}', file=str(path), line=1)
    starts = object_lines(text)
    for index, item in enumerate(document):
        line = starts[index] if index < len(starts) else None
        if not isinstance(item, dict):
            raise ImportFormatError(f"item #{index + 1} is not an object", file=str(path), line=line)
        yield line, item


def _rows(path: Path, model: type[Row], required: Sequence[str], key: str) -> list[tuple[int | None, Row]]:
    """Every row of a CSV or JSON file (by its suffix), validated, with the line it starts on."""
    raw: Iterator[tuple[int | None, Any]]
    raw = _json_items(path, key) if path.suffix.lower() == ".json" else iter(csv_rows(path, required))
    rows = [(line, validated(model, item, file=str(path), line=line)) for line, item in raw]
    if not rows:
        raise ImportFormatError(f"no rows: give at least one {key} row", file=str(path))
    return rows


def _occupations(
    path: Path, graph: CompetenceGraph, model: type[WorkforceRow] | type[DemandRow], key: str
) -> list[Occupation]:
    file = str(path)
    result: list[Occupation] = []
    seen: dict[str, int | None] = {}
    columns = WORKFORCE_COLUMNS if model is WorkforceRow else DEMAND_COLUMNS
    for line, row in _rows(path, model, columns, key):
        try:
            uri = graph.resolve_occupation(row.occupation)
        except NotFoundError as error:
            raise ImportFormatError(str(error), file=file, line=line, column="occupation") from None
        if uri in seen:
            raise ImportFormatError(
                f"{graph.label(uri)!r} is listed twice (first at line {seen[uri]}); give one row per "
                "occupation",
                file=file,
                line=line,
                column="occupation",
            )
        seen[uri] = line
        if isinstance(row, WorkforceRow):
            result.append(Occupation(uri, graph.label(uri), row.workers))
        else:
            result.append(Occupation(uri, graph.label(uri), row.headcount, row.year, row.weight))
    return result


def read_workforce(path: Path, graph: CompetenceGraph) -> list[Occupation]:
    """Workers per occupation: CSV ``occupation,workers`` or JSON ``{"workforce": [...]}``."""
    return _occupations(path, graph, WorkforceRow, "workforce")


def read_demand(path: Path, graph: CompetenceGraph) -> list[Occupation]:
    """Demand per target occupation: CSV ``occupation,headcount,year[,weight]``, or JSON."""
    return _occupations(path, graph, DemandRow, "demand")


def read_programmes(
    path: Path,
    graph: CompetenceGraph,
    courses: Sequence[CourseOption],
    *,
    rates: Mapping[str, float] | None = None,
    currency: str = "EUR",
) -> list[Programme]:
    """Programmes, CSV or JSON ``{"programmes": [...]}``, each teaching its skills and its courses' skills.

    A programme's skill levels are the best of its listed skills and the skills of the catalogue courses it
    bundles. Costs in another currency are converted with ``rates`` (plan-currency units per unit).
    """
    file = str(path)
    by_id = {course.id: course for course in courses}
    result: list[Programme] = []
    seen: dict[str, int | None] = {}
    for line, row in _rows(path, ProgrammeRow, PROGRAMME_COLUMNS, "programmes"):
        if row.id in seen:
            raise ImportFormatError(
                f"duplicate id {row.id!r} (first at line {seen[row.id]})", file=file, line=line, column="id"
            )
        seen[row.id] = line
        skills: dict[str, int] = {}
        for course_id in row.courses:
            course = by_id.get(course_id)
            if course is None:
                raise ImportFormatError(
                    f"unknown catalogue course {course_id!r}; import the catalogue first or fix the id",
                    file=file,
                    line=line,
                    column="courses",
                )
            for uri, level in course.skills.items():
                skills[uri] = max(skills.get(uri, 0), level)
        for entry in row.skills:
            try:
                uri = graph.resolve_skill(entry.skill)
            except NotFoundError as error:
                raise ImportFormatError(str(error), file=file, line=line, column="skills") from None
            skills[uri] = max(skills.get(uri, 0), entry.level)
        if not skills:
            raise ImportFormatError(
                "teaches nothing: give skills (skill@level) or catalogue courses",
                file=file,
                line=line,
                column="skills",
            )
        if row.delivery_mode != "online" and not row.regions:
            raise ImportFormatError(
                f"a {row.delivery_mode} programme needs the regions where it runs (NUTS codes, e.g. 'CZ08')",
                file=file,
                line=line,
                column="regions",
            )
        cost, programme_currency = _converted(row.cost_per_seat, row.currency, currency, rates or {})
        result.append(
            Programme(
                id=row.id,
                title=row.title,
                provider=row.provider,
                skills=skills,
                cost_per_seat=cost,
                seats=row.seats,
                hours=row.hours,
                weeks=row.weeks,
                language=row.language,
                delivery_mode=row.delivery_mode,
                regions=row.regions,
                courses=row.courses,
                currency=programme_currency,
            )
        )
    return result


def _converted(amount: float, currency: str, target: str, rates: Mapping[str, float]) -> tuple[float, str]:
    if currency == target or currency not in rates:
        return amount, currency
    return round(amount * rates[currency], 2), target


def catalogue_programmes(
    courses: Sequence[CourseOption],
    *,
    seats: int = DEFAULT_CATALOGUE_SEATS,
    rates: Mapping[str, float] | None = None,
    currency: str = "EUR",
) -> list[Programme]:
    """The catalogue's courses as programmes: cost per seat = price, ``seats`` each (the report states it)."""
    result = []
    for course in courses:
        if not course.skills:
            continue
        cost, programme_currency = _converted(course.price, course.currency, currency, rates or {})
        result.append(
            Programme(
                id=course.id,
                title=course.title,
                provider="catalogue",
                skills=dict(course.skills),
                cost_per_seat=cost,
                seats=seats,
                hours=course.hours,
                weeks=max(1.0, round(course.hours / 6.0, 1)),
                language=course.language,
                delivery_mode=course.delivery_mode,
                regions=(course.region,) if course.region else (),
                courses=(course.id,),
                currency=programme_currency,
            )
        )
    return result
