"""The edX catalogue snapshot (``../shared/data/courses/edx_courses.csv``, 975 courses, 2021) read as
catalogue records:

* ``id`` is ``edx-`` + the last part of the course URL;
* ``hours`` = the middle of the weekly effort ("2–3 hours per week" -> 2.5) x the length ("6 Weeks");
* the audit track: "FREE-Add a Verified Certificate for $49 USD" means the course is free to take (``price``
  0) and its verified certificate is optional at ``certificate_price`` 49 (``currency`` USD);
* ``level`` is the edX level in lower case, ``language`` the ISO 639-1 code of the edX language name.

The long description and syllabus are used only to infer skills; they are not vendored (the snapshot's
licence is not stated). An exact duplicate URL is skipped and reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, ConfigDict

from data.formats.courses import CourseRecord
from data.formats.fields import FileModel, validated
from data.formats.reading import csv_rows

COLUMNS = ("title", "summary", "institution", "Level", "language", "course_effort", "course_length", "price")
LANGUAGES = {
    "English": "en",
    "Español": "es",
    "Français": "fr",
    "Italiano": "it",
    "中文": "zh",
    "Português": "pt",
    "日本語": "ja",
    "اللغة العربية": "ar",
    "Deutsch": "de",
}
_EFFORT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[–-]\s*(\d+(?:\.\d+)?)\s+hours? per week\s*$")
_LENGTH = re.compile(r"^\s*(\d+)\s+Weeks?\s*$")
_PRICE = re.compile(r"\$(\d+(?:\.\d+)?)\s*USD")


@dataclass(frozen=True)
class EdxCourse:
    """One edX course: the catalogue record and the full text used for tagging."""

    record: CourseRecord
    text: str


def is_edx_header(header: list[str]) -> bool:
    """Whether a CSV header is the edX snapshot's."""
    return {"course_url", "course_effort", "course_length"} <= {name.strip() for name in header}


def parse_weekly_hours(effort: str) -> float:
    """The middle of a weekly effort: "2–3 hours per week" -> 2.5."""
    found = _EFFORT.match(effort)
    if found is None:
        raise ValueError(f"expected an effort like '2–3 hours per week', got {effort!r}")
    return (float(found.group(1)) + float(found.group(2))) / 2


def parse_weeks(length: str) -> int:
    """The weeks of a length: "6 Weeks" -> 6."""
    found = _LENGTH.match(length)
    if found is None:
        raise ValueError(f"expected a length like '6 Weeks', got {length!r}")
    return int(found.group(1))


def parse_price(text: str) -> tuple[float | None, str]:
    """(certificate price, currency) from "FREE-Add a Verified Certificate for $49 USD" (the course itself is
    free to audit); plain "FREE" is (None, USD): free, without a certificate to buy."""
    found = _PRICE.search(text)
    if found is not None:
        return float(found.group(1)), "USD"
    if text.strip().upper() == "FREE":
        return None, "USD"
    raise ValueError(f"expected a price like 'FREE-Add a Verified Certificate for $49 USD', got {text!r}")


def _language(name: str) -> str:
    if name not in LANGUAGES:
        raise ValueError(f"unknown language {name!r}; known: {', '.join(LANGUAGES)}")
    return LANGUAGES[name]


def _level(level: str) -> str:
    if level.lower() not in ("introductory", "intermediate", "advanced"):
        raise ValueError(f"unknown level {level!r}")
    return level.lower()


def slug(url: str) -> str:
    """The last part of a course URL: the course's id after ``edx-``."""
    return url.rstrip("/").rsplit("/", 1)[-1]


def _url_with_slug(url: str) -> str:
    if not slug(url):
        raise ValueError(f"expected a course URL ending in the course's name, got {url!r}")
    return url


def _not_available(value: Any) -> Any:
    return "" if isinstance(value, str) and value.strip() == "NA" else value


Text = Annotated[str, BeforeValidator(_not_available)]


class EdxRow(FileModel):
    """One row of the snapshot: the columns used, converted; the others are ignored."""

    model_config = ConfigDict(extra="ignore")

    title: str
    institution: str = ""
    Level: Annotated[str, AfterValidator(_level)]
    language: Annotated[str, AfterValidator(_language)]
    course_effort: Annotated[float, BeforeValidator(parse_weekly_hours)]
    course_length: Annotated[int, BeforeValidator(parse_weeks)]
    price: Annotated[tuple[float | None, str], BeforeValidator(parse_price)]
    course_url: Annotated[str, AfterValidator(_url_with_slug)]
    summary: Text = ""
    course_description: Text = ""
    course_syllabus: Text = ""


def read(path: Path, *, catalogue: str = "edx-2021") -> tuple[list[EdxCourse], list[str]]:
    """Read the edX snapshot; return its courses and notes on rows skipped (exact duplicate URLs)."""
    file = str(path)
    courses: list[EdxCourse] = []
    notes: list[str] = []
    seen: set[str] = set()
    for line, raw in csv_rows(path, (*COLUMNS, "course_url")):
        row = validated(EdxRow, raw, file=file, line=line)
        course_id = f"edx-{slug(row.course_url)}"
        if course_id in seen:
            notes.append(f"line {line}: skipped {course_id}, a duplicate of an earlier row")
            continue
        seen.add(course_id)
        certificate, currency = row.price
        record = CourseRecord(
            id=course_id,
            title=row.title,
            provider=row.institution,
            summary=row.summary,
            url=row.course_url,
            language=row.language,
            level=row.Level,
            hours=row.course_effort * row.course_length,
            price=0.0,
            certificate_price=certificate,
            currency=currency,
            delivery_mode="online",
            catalogue=catalogue,
            line=line,
        )
        text = "\n".join(
            part for part in (row.title, row.summary, row.course_description, row.course_syllabus) if part
        )
        courses.append(EdxCourse(record, text))
    return courses, notes
