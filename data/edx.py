"""Adapter for the edX catalogue snapshot (``../shared/data/courses/edx_courses.csv``, 975 courses, 2021).

It turns each edX row into a catalogue record of :mod:`data.courses`:

* ``id`` is ``edx-`` + the last part of the course URL;
* ``hours`` = the middle of the weekly effort ("2–3 hours per week" -> 2.5) x the length ("6 Weeks");
* ``price`` and ``currency`` come from "FREE-Add a Verified Certificate for $49 USD": auditing is free, the
  price is that of the verified certificate (49, USD);
* ``level`` is the edX level in lower case, ``language`` the ISO 639-1 code of the edX language name.

The long description and syllabus are used only to infer skills; they are not vendored (the snapshot's
licence is not stated). ``python -m data.edx EDX_CSV`` rebuilds the vendored default catalogue in
``data/default/`` (structured fields, title, summary and the inferred skill mapping).
"""

from __future__ import annotations

import csv
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from data.courses import CourseRecord, SkillClaim
from recommender.errors import ImportFormatError

EDX_COLUMNS = (
    "title",
    "summary",
    "institution",
    "Level",
    "language",
    "course_effort",
    "course_length",
    "price",
)
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
DEFAULT = Path(__file__).parent / "default"


@dataclass(frozen=True)
class EdxCourse:
    """One edX course: the catalogue record and the full text used for tagging."""

    record: CourseRecord
    text: str


def is_edx_file(header: list[str]) -> bool:
    """Whether a CSV header is the edX snapshot's."""
    return {"course_url", "course_effort", "course_length"} <= set(header)


def parse_hours(effort: str, length: str, *, file: str, line: int) -> float:
    """Total hours from "2–3 hours per week" and "6 Weeks" (middle of the range times the weeks)."""
    per_week = _EFFORT.match(effort)
    if per_week is None:
        raise ImportFormatError(
            f"expected an effort like '2–3 hours per week', got {effort!r}",
            file=file,
            line=line,
            column="course_effort",
        )
    weeks = _LENGTH.match(length)
    if weeks is None:
        raise ImportFormatError(
            f"expected a length like '6 Weeks', got {length!r}", file=file, line=line, column="course_length"
        )
    low, high = float(per_week.group(1)), float(per_week.group(2))
    return (low + high) / 2 * int(weeks.group(1))


def parse_price(price: str, *, file: str, line: int) -> tuple[float, str]:
    """(price, currency) from "FREE-Add a Verified Certificate for $49 USD"; plain "FREE" is (0, USD)."""
    found = _PRICE.search(price)
    if found is not None:
        return float(found.group(1)), "USD"
    if price.strip().upper() == "FREE":
        return 0.0, "USD"
    raise ImportFormatError(
        f"expected a price like 'FREE-Add a Verified Certificate for $49 USD', got {price!r}",
        file=file,
        line=line,
        column="price",
    )


def read_edx(path: Path) -> tuple[list[EdxCourse], list[str]]:
    """Read the edX snapshot; return its courses and notes on rows skipped (exact duplicate URLs)."""
    file = str(path)
    courses: list[EdxCourse] = []
    notes: list[str] = []
    seen: set[str] = set()
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [
            column for column in (*EDX_COLUMNS, "course_url") if column not in (reader.fieldnames or [])
        ]
        if missing:
            raise ImportFormatError(f"missing edX columns: {', '.join(missing)}", file=file, line=1)
        start = reader.line_num + 1
        for row in reader:
            line, start = start, reader.line_num + 1
            slug = row["course_url"].rstrip("/").rsplit("/", 1)[-1]
            if not slug:
                raise ImportFormatError("empty course URL", file=file, line=line, column="course_url")
            course_id = f"edx-{slug}"
            if course_id in seen:
                notes.append(f"line {line}: skipped {course_id}, a duplicate of an earlier row")
                continue
            seen.add(course_id)
            language = LANGUAGES.get(row["language"].strip())
            if language is None:
                raise ImportFormatError(
                    f"unknown language {row['language']!r}; known: {', '.join(LANGUAGES)}",
                    file=file,
                    line=line,
                    column="language",
                )
            level = row["Level"].strip().lower()
            if level not in ("introductory", "intermediate", "advanced"):
                raise ImportFormatError(
                    f"unknown level {row['Level']!r}", file=file, line=line, column="Level"
                )
            price, currency = parse_price(row["price"], file=file, line=line)
            summary = "" if row["summary"].strip() == "NA" else row["summary"].strip()
            record = CourseRecord(
                id=course_id,
                title=row["title"].strip(),
                provider=row["institution"].strip(),
                summary=summary,
                url=row["course_url"].strip(),
                language=language,
                level=level,
                hours=parse_hours(row["course_effort"], row["course_length"], file=file, line=line),
                price=price,
                currency=currency,
                delivery_mode="online",
                line=line,
            )
            text = "\n".join(
                part
                for part in (
                    record.title,
                    summary,
                    row.get("course_description", ""),
                    row.get("course_syllabus", ""),
                )
                if part and part.strip() != "NA"
            )
            courses.append(EdxCourse(record, text))
    return courses, notes


def build_default(edx_csv: Path, out_dir: Path = DEFAULT) -> dict[str, int]:
    """Tag the edX courses against the bundled ESCO release and write the vendored default catalogue."""
    from data import courses as catalogue
    from data import skill_texts

    courses, _notes = read_edx(edx_csv)
    tagger = catalogue.make_tagger().fit(skill_texts.from_release())
    tags = tagger.tag([course.text for course in courses])
    records = [
        course.record.with_skills(
            [
                SkillClaim(tag.uri, catalogue.LEVEL_OF[course.record.level or "introductory"], tag.confidence)
                for tag in found
            ]
        )
        for course, found in zip(courses, tags, strict=True)
    ]
    catalogue.write_csv(records, out_dir / "edx_catalogue.csv", with_skills=False)
    catalogue.write_skill_mapping(records, out_dir / "edx_skills.csv", source="inferred")
    return {"courses": len(records), "skills": sum(len(record.skills) for record in records)}


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    print(build_default(Path(sys.argv[1])))
