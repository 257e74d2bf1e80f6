"""Read an organisation's workforce and target-role files (CSV or JSON, see ``data/default/FORMATS.md``).

Every row is checked before anything is used: a bad value raises :class:`ImportFormatError` naming the file,
the line and the field. Occupations, skills and job titles are resolved on the competence graph afterwards
(``recommender.workforce``), which also locates its errors by file and line.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from data.formats.reading import csv_rows, read_json
from recommender.errors import ImportFormatError
from recommender.workforce import PersonRecord, TargetRecord

WORKFORCE_FIELDS = (
    "person_id",
    "job_title",
    "occupation",
    "past_occupations",
    "skills",
    "hours_per_week",
    "languages",
    "region",
    "earliest_start",
)
TARGET_FIELDS = ("occupation", "headcount", "deadline", "priority")
MAX_LEVEL = 4
MAX_HOURS_PER_WEEK = 60.0
_PERSON_ID = re.compile(r"^[A-Za-z0-9._:/-]{1,64}$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_NUTS = re.compile(r"^[A-Z]{2}[A-Z0-9]{0,3}$")


class _Row:
    """One record's raw values, with the error constructor for its location."""

    def __init__(self, raw: dict[str, Any], *, file: str, line: int | None, fields: tuple[str, ...]):
        self.raw, self.file, self.line = raw, file, line
        unknown = sorted(set(raw) - set(fields))
        if unknown:
            raise self.bad(unknown[0], f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(fields)}")

    def bad(self, column: str, message: str) -> ImportFormatError:
        return ImportFormatError(message, file=self.file, line=self.line, column=column)

    def text(self, column: str) -> str:
        value = self.raw.get(column)
        return "" if value is None else str(value).strip()

    def items(self, column: str) -> list[str]:
        value = self.raw.get(column)
        if value is None:
            return []
        if isinstance(value, list):
            return [str(v).strip() for v in value if str(v).strip()]
        return [part.strip() for part in str(value).split(";") if part.strip()]

    def number(self, column: str, *, low: float, high: float) -> float | None:
        text = self.text(column)
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            raise self.bad(column, f"expected a number, got {text!r}") from None
        if not low < value <= high:
            raise self.bad(column, f"must be more than {low:g} and at most {high:g}, got {text!r}")
        return value

    def integer(self, column: str, *, low: int, high: int, default: int | None = None) -> int:
        text = self.text(column)
        if not text and default is not None:
            return default
        if not re.fullmatch(r"-?\d+", text):
            raise self.bad(column, f"expected a whole number, got {text!r}")
        if not low <= int(text) <= high:
            raise self.bad(column, f"must be from {low} to {high}, got {text!r}")
        return int(text)

    def date(self, column: str) -> dt.date | None:
        text = self.text(column)
        if not text:
            return None
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise self.bad(column, f"expected a date YYYY-MM-DD, got {text!r}") from None


def _skills(row: _Row) -> dict[str, int]:
    value = row.raw.get("skills")
    pairs: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        pairs = [(str(k), v) for k, v in value.items()]
    else:
        for item in row.items("skills") if not isinstance(value, list) else value:
            if isinstance(item, dict):
                pairs.append((str(item.get("skill", "")), item.get("level")))
            else:
                ref, at, level = str(item).rpartition("@")
                pairs.append((ref, level) if at else (str(item), None))
    skills: dict[str, int] = {}
    for ref, level in pairs:
        ref = ref.strip()
        if not ref:
            raise row.bad("skills", f"a skill is empty in {value!r}; write skill@level, separated by ';'")
        text = str(level).strip() if level is not None else ""
        if not text.isdigit() or int(text) > MAX_LEVEL:
            raise row.bad(
                "skills",
                f"skill {ref!r} needs a level from 0 (none) to {MAX_LEVEL} (expert) as skill@level, "
                f"got {level!r}",
            )
        skills[ref] = max(int(text), skills.get(ref, 0))
    return skills


def _person(row: _Row) -> PersonRecord:
    person_id = row.text("person_id")
    if not _PERSON_ID.match(person_id):
        raise row.bad(
            "person_id", f"must be 1-64 letters, digits, '.', '_', ':', '/' or '-', got {person_id!r}"
        )
    title, occupation = row.text("job_title"), row.text("occupation")
    if not title and not occupation:
        raise row.bad("job_title", "give a job_title or an occupation (ESCO URI or label), or both")
    languages = tuple(code.lower() for code in row.items("languages"))
    for code in languages:
        if not _LANGUAGE.match(code):
            raise row.bad("languages", f"expected ISO 639-1 codes like 'it;en', got {code!r}")
    region = row.text("region").upper() or None
    if region is not None and not _NUTS.match(region):
        raise row.bad("region", f"expected a NUTS code like 'ITC4', got {row.text('region')!r}")
    return PersonRecord(
        file=row.file,
        line=row.line,
        person_id=person_id,
        job_title=title,
        occupation=occupation,
        past_occupations=tuple(row.items("past_occupations")),
        skills=_skills(row),
        hours_per_week=row.number("hours_per_week", low=0.0, high=MAX_HOURS_PER_WEEK),
        languages=languages,
        region=region,
        earliest_start=row.date("earliest_start"),
    )


def _target(row: _Row) -> TargetRecord:
    occupation = row.text("occupation")
    if not occupation:
        raise row.bad("occupation", "required: an ESCO occupation URI or label")
    return TargetRecord(
        file=row.file,
        line=row.line,
        occupation=occupation,
        headcount=row.integer("headcount", low=0, high=1_000_000),
        deadline=row.date("deadline"),
        priority=row.integer("priority", low=1, high=9, default=1),
    )


def _csv_records(path: Path, fields: tuple[str, ...], required: tuple[str, ...]) -> Iterator[_Row]:
    optional = tuple(name for name in fields if name not in required)
    for line, raw in csv_rows(path, required, optional=optional):
        yield _Row(raw, file=str(path), line=line, fields=fields)


def _json_records(path: Path, key: str, fields: tuple[str, ...], id_field: str) -> Iterator[_Row]:
    file = str(path)
    document, raw_text = read_json(path)
    if isinstance(document, dict):
        document = document.get(key)
    if not isinstance(document, list):
        raise ImportFormatError(f'expected a list of objects or {{"{key}": [...]}}', file=file, line=1)
    for index, item in enumerate(document):
        line = None
        if isinstance(item, dict) and isinstance(item.get(id_field), str):
            found = re.search(rf'"{id_field}"\s*:\s*' + re.escape(json.dumps(item[id_field])), raw_text)
            line = raw_text.count("\n", 0, found.start()) + 1 if found else None
        if not isinstance(item, dict):
            raise ImportFormatError(f"{key} #{index + 1} is not an object", file=file, line=line)
        yield _Row(item, file=file, line=line, fields=fields)


def _read(
    path: Path,
    *,
    key: str,
    fields: tuple[str, ...],
    required: tuple[str, ...],
    id_field: str,
    build: Callable[[_Row], Any],
) -> list[Any]:
    if not path.is_file():
        raise ImportFormatError(f"file not found; pass a CSV or JSON file with {key}", file=str(path))
    rows = (
        _json_records(path, key, fields, id_field)
        if path.suffix.lower() == ".json"
        else _csv_records(path, fields, required)
    )
    records = [build(row) for row in rows]
    if not records:
        raise ImportFormatError(f"no {key} in the file", file=str(path))
    return records


def read_workforce(path: Path) -> list[PersonRecord]:
    """Read and check a workforce file (CSV or ``.json``); person ids must be unique."""
    records: list[PersonRecord] = _read(
        path,
        key="people",
        fields=WORKFORCE_FIELDS,
        required=("person_id",),
        id_field="person_id",
        build=_person,
    )
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
    records: list[TargetRecord] = _read(
        path,
        key="targets",
        fields=TARGET_FIELDS,
        required=("occupation", "headcount"),
        id_field="occupation",
        build=_target,
    )
    return records
