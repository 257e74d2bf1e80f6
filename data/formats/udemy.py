"""The Udemy listing (``../shared/data/courses/udemy_courses.csv``, 2,064 rows scraped from category pages)
read as catalogue records.

The listing states a title, an instructor, a category and the total video hours; nothing else. What the
product may assume, and what it does not (each a flag on the course, see ``data/default/FORMATS.md``):

* ``id`` is ``udemy-`` + the last part of the URL; a repeated URL is skipped and reported;
* ``hours`` is the stated total ("61.5 total hours", "41 total mins"); rows that state no learning time
  (practice tests: "30 questions") are skipped and reported;
* ``price`` is **not stated** (flag ``price-unknown``): Udemy prices change daily with promotions, so no
  figure can be assumed honestly. Such a course is never used in a plan with a budget or "free courses only"
  (it could cost anything, or nothing), and is listed with that reason;
* ``language`` is **not stated** (``und``, flag ``language-unknown``): titles of a few words are too short to
  detect a language reliably (langid is at least 90 % sure for 30 of 2,064). A plan that asks for languages
  leaves such a course out, with that reason;
* the title (and the category) is all the text there is (flag ``title-only``): the links the tagger reads
  from it get the probabilities of links read from titles alone, which mean less than a description's;
* ``level`` is not stated (none: its skills are taught at ``UNSTATED_LEVEL``, introductory's); the category
  (``Subtype``, e.g. ``web-development``) is not a skill tag (mapped to ESCO, "engineering" became "reverse
  engineering"): with the title, it is only text the tagger reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from data.formats.courses import PRICE_UNKNOWN, TITLE_ONLY, CourseRecord
from data.formats.reading import csv_rows
from recommender.codes import UNDETERMINED_LANGUAGE
from recommender.errors import ImportFormatError

COLUMNS = ("Title", "URL", "Duration")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s+total\s+(hours?|mins?)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class UdemyCourse:
    """One Udemy course: the catalogue record and the text used for tagging."""

    record: CourseRecord
    text: str


def is_udemy_header(header: list[str]) -> bool:
    """Whether a CSV header is the Udemy listing's."""
    return {"Title", "URL", "Duration", "Instructor", "MainType"} <= {name.strip() for name in header}


def parse_hours(duration: str) -> float | None:
    """Hours of "61.5 total hours" / "1 total hour" / "41 total mins"; None when no time is stated."""
    found = _DURATION.match(duration)
    if found is None:
        return None
    amount = float(found.group(1))
    return amount if found.group(2).lower().startswith("hour") else round(amount / 60, 2)


def slug(url: str) -> str:
    """The last part of a course URL."""
    return url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]


def read(path: Path, *, catalogue: str = "udemy") -> tuple[list[UdemyCourse], list[str]]:
    """Read the Udemy listing; return its courses and notes on rows skipped (repeated URLs, no hours)."""
    file = str(path)
    courses: list[UdemyCourse] = []
    notes: list[str] = []
    seen: dict[str, int] = {}
    for line, raw in csv_rows(
        path, COLUMNS, optional=("Rating", "Reviews", "Instructor", "MainType", "Subtype")
    ):
        title, url = raw["Title"].strip(), raw["URL"].strip()
        if not title:
            raise ImportFormatError("required value is missing", file=file, line=line, column="Title")
        name = slug(url)
        if not url.startswith("http") or not name:
            raise ImportFormatError(
                f"expected a course URL like https://www.udemy.com/course/NAME/, got {url!r}",
                file=file,
                line=line,
                column="URL",
            )
        record_id = "udemy-" + re.sub(r"[^A-Za-z0-9._-]+", "-", name)[:114]
        if record_id in seen:
            notes.append(f"line {line}: skipped {record_id}, the same course as line {seen[record_id]}")
            continue
        hours = parse_hours(raw["Duration"])
        if hours is None or hours <= 0:
            notes.append(
                f"line {line}: skipped {record_id}, no learning time stated ({raw['Duration'].strip()!r})"
            )
            continue
        seen[record_id] = line
        category = raw.get("Subtype", "").strip()
        record = CourseRecord(
            id=record_id,
            title=title,
            provider=raw.get("Instructor", "").strip(),
            url=url,
            language=UNDETERMINED_LANGUAGE,
            hours=hours,
            currency="USD",
            delivery_mode="online",
            catalogue=catalogue,
            flags=(PRICE_UNKNOWN, "language-unknown", TITLE_ONLY),
            line=line,
        )
        courses.append(UdemyCourse(record, "\n".join([title, category.replace("-", " ")])))
    return courses, notes
