"""An organisation's workforce and target roles (``data/default/FORMATS.md``), CSV or JSON, read into the
core's :class:`recommender.workforce.PersonRecord` and :class:`recommender.workforce.TargetRecord`.

In CSV, lists are separated by ``;`` and skills are ``skill@level``; in JSON lists are arrays and skills
``{"skill": level}``, ``["skill@level"]`` or ``[{"skill": ..., "level": ...}]``. Occupations, skills and job
titles are resolved on the competence graph afterwards (``recommender.workforce``), which also locates its
errors by file and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, ValidationInfo, field_validator

from data.formats.fields import MAX_LEVEL, Date, FileModel, Languages, Texts, validated
from data.formats.reading import csv_rows, item_lines, read_json
from data.nuts import NUTS_CODE
from recommender.errors import ImportFormatError
from recommender.planner.model import HOURS_PER_WEEK_RANGE
from recommender.workforce import PersonRecord, TargetRecord

MAX_HOURS_PER_WEEK = 60.0
MAX_HEADCOUNT = 1_000_000
_PERSON_ID = re.compile(r"^[A-Za-z0-9._:/-]{1,64}$")


def _person_id(value: str) -> str:
    if not _PERSON_ID.match(value):
        raise ValueError(f"must be 1-64 letters, digits, '.', '_', ':', '/' or '-', got {value!r}")
    return value


def _region(value: str) -> str:
    if not NUTS_CODE.match(value.upper()):
        raise ValueError(f"expected a NUTS code like 'ITC4', got {value!r}")
    return value.upper()


def _skill_levels(value: Any) -> dict[str, int]:
    """``a@2;b@1``, ``["a@2"]``, ``[{"skill": "a", "level": 2}]`` or ``{"a": 2}`` as ``{"a": 2}``; the higher
    level of a skill named twice."""
    if isinstance(value, dict):
        pairs = [(str(skill), level) for skill, level in value.items()]
    else:
        items = [part for part in value.split(";") if part.strip()] if isinstance(value, str) else value
        if not isinstance(items, list):
            raise ValueError(f"expected skill@level items separated by ';', got {value!r}")
        pairs = []
        for item in items:
            if isinstance(item, dict):
                pairs.append((str(item.get("skill", "")), item.get("level")))
            else:
                skill, at, level = str(item).rpartition("@")
                pairs.append((skill, level) if at else (str(item), None))
    levels: dict[str, int] = {}
    for skill, level in pairs:
        if not skill.strip():
            raise ValueError(f"a skill is empty in {value!r}; write skill@level, separated by ';'")
        text = str(level).strip() if level is not None else ""
        if not text.isdigit() or int(text) > MAX_LEVEL:
            raise ValueError(
                f"skill {skill.strip()!r} needs a level from 0 (none) to {MAX_LEVEL} (expert) "
                f"as skill@level, got {level!r}"
            )
        levels[skill.strip()] = max(int(text), levels.get(skill.strip(), 0))
    return levels


def _whole(low: int, high: int) -> Any:
    def check(value: Any) -> int:
        text = str(value).strip()
        if isinstance(value, bool) or not re.fullmatch(r"-?\d+", text):
            raise ValueError(f"expected a whole number, got {value!r}")
        if not low <= int(text) <= high:
            raise ValueError(f"must be from {low} to {high}, got {value!r}")
        return int(text)

    return BeforeValidator(check)


class PersonRow(FileModel):
    """One person of a workforce file; the occupation is checked before the job title needs it."""

    person_id: Annotated[str, AfterValidator(_person_id)]
    occupation: str = ""
    job_title: str = Field("", validate_default=True)
    past_occupations: Texts = ()
    skills: Annotated[dict[str, int], BeforeValidator(_skill_levels)] = Field(default_factory=dict)
    hours_per_week: float | None = Field(None, ge=HOURS_PER_WEEK_RANGE[0], le=MAX_HOURS_PER_WEEK)
    languages: Languages = ()
    region: Annotated[str, AfterValidator(_region)] | None = None
    earliest_start: Date | None = None

    @field_validator("job_title")
    @classmethod
    def _title_or_occupation(cls, title: str, info: ValidationInfo) -> str:
        if not title and not info.data.get("occupation"):
            raise ValueError("give a job_title or an occupation (ESCO URI or label), or both")
        return title

    def record(self, file: str, line: int | None) -> PersonRecord:
        return PersonRecord(
            file=file,
            line=line,
            person_id=self.person_id,
            job_title=self.job_title,
            occupation=self.occupation,
            past_occupations=self.past_occupations,
            skills=self.skills,
            hours_per_week=self.hours_per_week,
            languages=self.languages,
            region=self.region,
            earliest_start=self.earliest_start,
        )


class TargetRow(FileModel):
    """One target role: an ESCO occupation (URI or label), how many people, by when, priority (1 first)."""

    occupation: str
    headcount: Annotated[int, _whole(0, MAX_HEADCOUNT)]
    deadline: Date | None = None
    priority: Annotated[int, _whole(1, 9)] = 1

    def record(self, file: str, line: int | None) -> TargetRecord:
        return TargetRecord(
            file=file,
            line=line,
            occupation=self.occupation,
            headcount=self.headcount,
            deadline=self.deadline,
            priority=self.priority,
        )


PERSON_FIELDS = tuple(PersonRow.model_fields)
TARGET_FIELDS = tuple(TargetRow.model_fields)


def _rows(
    path: Path, model: type[BaseModel], *, key: str, required: tuple[str, ...], id_field: str
) -> Iterator[tuple[Any, int | None]]:
    """(validated row, line) for each record of a CSV or ``.json`` file; a file without any raises."""
    file = str(path)
    if not path.is_file():
        raise ImportFormatError(f"file not found; pass a CSV or JSON file with {key}", file=file)
    found = False
    if path.suffix.lower() == ".json":
        document, text = read_json(path)
        if isinstance(document, dict):
            document = document.get(key)
        if not isinstance(document, list):
            raise ImportFormatError(f'expected a list of objects or {{"{key}": [...]}}', file=file, line=1)
        lines = item_lines(text, document, id_field)
        for index, (item, line) in enumerate(zip(document, lines, strict=True)):
            if not isinstance(item, dict):
                raise ImportFormatError(f"{key} #{index + 1} is not an object", file=file, line=line)
            found = True
            yield validated(model, item, file=file, line=line), line
    else:
        optional = tuple(name for name in model.model_fields if name not in required)
        for line, raw in csv_rows(path, required, optional=optional):
            found = True
            yield validated(model, raw, file=file, line=line), line
    if not found:
        raise ImportFormatError(f"no {key} in the file", file=file)


def read_workforce(path: Path) -> list[PersonRecord]:
    """Read and check a workforce file (CSV or ``.json``); person ids must be unique."""
    rows = _rows(path, PersonRow, key="people", required=("person_id",), id_field="person_id")
    records = [row.record(str(path), line) for row, line in rows]
    seen: dict[str, int | None] = {}
    for record in records:
        if record.person_id in seen:
            raise ImportFormatError(
                f"person_id {record.person_id!r} already appears on line {seen[record.person_id]}",
                file=record.file,
                line=record.line,
                column="person_id",
            )
        seen[record.person_id] = record.line
    return records


def read_targets(path: Path) -> list[TargetRecord]:
    """Read and check a target-roles file (CSV or ``.json``)."""
    rows = _rows(path, TargetRow, key="targets", required=("occupation", "headcount"), id_field="occupation")
    return [row.record(str(path), line) for row, line in rows]
