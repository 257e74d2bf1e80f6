"""A worker's declared skills, CSV ``skill,level``: an ESCO skill URI or exact label, and the level held,
0 (none) to 4 (expert). A skill listed twice counts at its higher level."""

from __future__ import annotations

from pathlib import Path

from data.formats.fields import FileModel, Level, validated
from data.formats.reading import csv_rows

COLUMNS = ("skill", "level")


class DeclaredSkill(FileModel):
    skill: str
    level: Level


def read(path: Path) -> dict[str, int]:
    """Declared skill (URI or label, as written) -> level 0..4."""
    skills: dict[str, int] = {}
    for line, raw in csv_rows(path, COLUMNS):
        row = validated(DeclaredSkill, raw, file=str(path), line=line)
        skills[row.skill] = max(row.level, skills.get(row.skill, 0))
    return skills
