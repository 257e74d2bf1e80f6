"""The Coursera catalogue snapshot (``../shared/data/courses/coursera_courses.csv``, 1,000 courses,
specializations, professional certificates and guided projects) read as catalogue records.

What the snapshot states, and what the import assumes where it does not (each assumption is a flag on the
course, see ``data/default/FORMATS.md``):

* ``id`` is ``coursera-`` + the last part of the URL (as the tagging gold set names them); where two offerings
  of the file share that slug (8 do: ``python`` is a course and a specialization), the one that is not a
  course (``/learn/``) gets its kind appended: ``coursera-python-spec`` (``spec``, ``cert``, ``project``);
* ``level`` from ``course_difficulty`` (Beginner, Intermediate, Advanced; Mixed gives none, so its skills are
  taught at ``UNSTATED_LEVEL``, introductory's);
* ``hours`` (flag ``hours-estimated``): the snapshot gives only a duration band ("1 - 4 Weeks", "1 - 3
  Months", "3 - 6 Months", "Less Than 2 Hours"); we take the middle of the band in weeks times
  :data:`WEEKLY_HOURS`, the median weekly effort of the edX snapshot of the same kind of online courses
  (2021, 975 courses: median 4 hours per week), or 2 hours for "Less Than 2 Hours";
* ``price`` (flag ``price-assumed``): not in the snapshot. Coursera sells certificates by subscription
  (USD 49 a month for the catalogue, Class Central, "Coursera's new subscription model", 2017); we assume
  :data:`MONTHLY_PRICE` USD for each month of the band's upper end (1 month up to 4 weeks): a conservative
  figure for a budget. Auditing is not modelled: the snapshot does not say which courses allow it;
* ``language`` (flag ``language-detected``): not in the snapshot (some titles are Spanish, French, German,
  Japanese...); detected from title and description by :mod:`data.formats.language`;
* ``tags``: Coursera's own skill tags, kept as they are (duplicates dropped); the import maps them to ESCO as
  hints (source ``hint``), not as truth;
* ``summary``: the "what you will learn" bullets, shortened to :data:`SUMMARY_CHARS` characters; the long
  description is used only to infer skills (the snapshot's licence is not stated).
"""

from __future__ import annotations

import ast
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, ConfigDict

from data.formats import language
from data.formats.courses import CourseRecord
from data.formats.fields import FileModel, validated
from data.formats.reading import csv_rows
from recommender.codes import UNDETERMINED_LANGUAGE

COLUMNS = ("course_title", "course_organization", "course_time", "course_difficulty", "course_url")
#: Median weekly effort (hours) of the edX 2021 snapshot: the middle of each course's "a-b hours per week".
WEEKLY_HOURS = 4.0
#: Assumed price of a month of Coursera (USD); see the module docstring.
MONTHLY_PRICE = 49.0
SUMMARY_CHARS = 300
WEEKS_PER_MONTH = 52 / 12
LEVELS = {"beginner": "introductory", "intermediate": "intermediate", "advanced": "advanced", "mixed": None}
KINDS = {
    "learn": "course",
    "specializations": "spec",
    "professional-certificates": "cert",
    "professional-certificate": "cert",
    "projects": "project",
}
_BAND = re.compile(r"^\s*(\d+)\s*-\s*(\d+)\s+(Weeks|Months)\s*$", re.IGNORECASE)
_HOURS_BAND = re.compile(r"^\s*Less Than\s+(\d+)\s+Hours?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Duration:
    """A duration band as hours of study and the months of subscription it takes at most."""

    hours: float
    months: int


def parse_duration(band: str) -> Duration:
    """Hours and months of a duration band: "1 - 4 Weeks" -> 2.5 weeks x 4 h = 10 h, 1 month."""
    found = _BAND.match(band)
    if found is not None:
        low, high, unit = int(found.group(1)), int(found.group(2)), found.group(3).lower()
        weeks_per_unit = 1.0 if unit == "weeks" else WEEKS_PER_MONTH
        middle_weeks = (low + high) / 2 * weeks_per_unit
        months = math.ceil(high * weeks_per_unit / WEEKS_PER_MONTH - 1e-9)
        return Duration(round(middle_weeks * WEEKLY_HOURS, 1), max(1, months))
    found = _HOURS_BAND.match(band)
    if found is not None:
        return Duration(float(found.group(1)), 1)
    raise ValueError(
        f"expected a duration like '1 - 4 Weeks', '3 - 6 Months' or 'Less Than 2 Hours', got {band!r}"
    )


def parse_list(value: str) -> list[str]:
    """A Python-list string of the snapshot ("['Circuit Design', 'Firmware']") as its strings, in order."""
    text = value.strip()
    if not text:
        return []
    try:
        items = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise ValueError(f"expected a list like ['a', 'b'], got {text[:60]!r}") from None
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise ValueError(f"expected a list of texts, got {text[:60]!r}")
    return list(dict.fromkeys(item.strip() for item in items if item.strip()))


def kind_and_slug(url: str) -> tuple[str, str]:
    """The kind of offering and the slug of a course URL: ``.../specializations/python`` -> (spec, python)."""
    parts = [part for part in url.split("?")[0].rstrip("/").split("/") if part]
    if len(parts) < 2 or parts[-2] not in KINDS:
        raise ValueError(f"expected a Coursera URL like https://www.coursera.org/learn/NAME, got {url!r}")
    return KINDS[parts[-2]], parts[-1]


def course_id(url: str, *, shared_slug: bool = False) -> str:
    """``coursera-<slug>``; with ``shared_slug`` (another offering has the slug) and not a course,
    ``coursera-<slug>-<kind>``."""
    kind, slug = kind_and_slug(url)
    return f"coursera-{slug}-{kind}" if shared_slug and kind != "course" else f"coursera-{slug}"


def _coursera_url(url: str) -> str:
    kind_and_slug(url)
    return url


def _level(value: str) -> str | None:
    if value.lower() not in LEVELS:
        raise ValueError(f"unknown difficulty {value!r}; known: Beginner, Intermediate, Advanced, Mixed")
    return LEVELS[value.lower()]


def shorten(text: str, limit: int = SUMMARY_CHARS) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


class CourseraRow(FileModel):
    """One row of the snapshot: the columns used, converted; the others (ratings, enrolments) are ignored."""

    model_config = ConfigDict(extra="ignore")

    course_title: str
    course_organization: str = ""
    course_certificate_type: str = ""
    course_time: Annotated[Duration, BeforeValidator(parse_duration)]
    course_difficulty: Annotated[str | None, AfterValidator(_level)]
    course_url: Annotated[str, AfterValidator(_coursera_url)]
    course_skills: Annotated[list[str], BeforeValidator(parse_list)] = []
    course_summary: Annotated[list[str], BeforeValidator(parse_list)] = []
    course_description: str = ""


@dataclass(frozen=True)
class CourseraCourse:
    """One Coursera offering: the catalogue record and the full text used for tagging."""

    record: CourseRecord
    text: str


def is_coursera_header(header: list[str]) -> bool:
    """Whether a CSV header is the Coursera snapshot's."""
    return {"course_organization", "course_time", "course_skills"} <= {name.strip() for name in header}


def read(path: Path, *, catalogue: str = "coursera") -> tuple[list[CourseraCourse], list[str]]:
    """Read the Coursera snapshot; return its courses and notes on rows skipped (repeated URLs)."""
    file = str(path)
    courses: list[CourseraCourse] = []
    notes: list[str] = []
    seen: dict[str, int] = {}
    rows = [
        (line, validated(CourseraRow, raw, file=file, line=line)) for line, raw in csv_rows(path, COLUMNS)
    ]
    slugs = Counter(kind_and_slug(row.course_url) for _line, row in rows)
    by_slug = Counter(slug for _kind, slug in slugs)
    for line, row in rows:
        record_id = course_id(row.course_url, shared_slug=by_slug[kind_and_slug(row.course_url)[1]] > 1)
        if record_id in seen:
            notes.append(f"line {line}: skipped {record_id}, the same offering as line {seen[record_id]}")
            continue
        seen[record_id] = line
        text = "\n".join(
            part for part in (row.course_title, *row.course_summary, row.course_description) if part
        )
        detected = language.detect(f"{row.course_title}. {row.course_description}")
        record = CourseRecord(
            id=record_id,
            title=row.course_title,
            provider=row.course_organization,
            summary=shorten(" ".join(row.course_summary)),
            url=row.course_url,
            language=detected,
            level=row.course_difficulty,
            hours=row.course_time.hours,
            price=MONTHLY_PRICE * row.course_time.months,
            currency="USD",
            delivery_mode="online",
            catalogue=catalogue,
            tags=tuple(row.course_skills),
            flags=(
                "hours-estimated",
                "price-assumed",
                "language-unknown" if detected == UNDETERMINED_LANGUAGE else "language-detected",
            ),
            line=line,
        )
        courses.append(CourseraCourse(record, text))
    return courses, notes
