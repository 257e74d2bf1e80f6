"""``course_id,skill_uri,level,confidence,source``: skills of courses, one row each (the vendored
``data/default/edx_skills.csv``, inferred from the full edX texts)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import ConfigDict, Field

from data.formats.courses import CourseRecord, SkillClaim
from data.formats.fields import FileModel, Level, SkillUri, validated
from data.formats.reading import csv_rows, write_csv

COLUMNS = ("course_id", "skill_uri", "level", "confidence", "source")


class MappingRow(FileModel):
    model_config = ConfigDict(extra="ignore")  # ``source`` says where the mapping came from; not needed

    course_id: str
    skill_uri: SkillUri
    level: Level
    confidence: float = Field(ge=0, le=1)


def read(path: Path) -> dict[str, list[SkillClaim]]:
    """The skills of each course id, in file order."""
    mapping: dict[str, list[SkillClaim]] = {}
    for line, raw in csv_rows(path, COLUMNS[:4]):
        row = validated(MappingRow, raw, file=str(path), line=line)
        mapping.setdefault(row.course_id, []).append(SkillClaim(row.skill_uri, row.level, row.confidence))
    return mapping


def write(records: Sequence[CourseRecord], path: Path, *, source: str) -> None:
    """One row per skill of each record, confidence to four decimals."""
    write_csv(
        path,
        COLUMNS,
        (
            [record.id, claim.uri, claim.level, f"{claim.confidence:.4f}", source]
            for record in records
            for claim in record.skills
        ),
    )
