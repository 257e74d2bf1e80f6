"""The curation files applied at every catalogue import (``data/default/FORMATS.md``); lines starting with
``#`` are comments.

* curated skill overrides ``course_id,skill_uri,action,level,note``: add (or re-level), confirm or remove
  one skill of one course; course ``*`` removes an inferred skill from every course;
* curated skill prerequisites ``skill_uri,requires_uri,note``: a course teaching the first skill needs a
  course teaching the second first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, ValidationInfo, field_validator

from data.formats.fields import FileModel, Level, SkillUri, validated
from data.formats.reading import csv_rows
from recommender.prerequisites import SkillPrerequisite


@dataclass(frozen=True)
class CuratedSkill:
    """A curator's correction: add (or re-level), confirm or remove one skill of one course."""

    course_id: str
    skill_uri: str
    action: str
    level: int | None
    line: int


ACTIONS = ("add", "confirm", "remove")


def _action(value: str) -> str:
    if value not in ACTIONS:
        raise ValueError(f"action must be one of {', '.join(ACTIONS)}, got {value!r}")
    return value


class CuratedSkillRow(FileModel):
    course_id: str
    skill_uri: SkillUri
    action: Annotated[str, AfterValidator(_action)]
    level: Level | None = None
    note: str = ""

    @field_validator("action")
    @classmethod
    def _every_course_only_removes(cls, action: str, info: ValidationInfo) -> str:
        if info.data.get("course_id") == "*" and action != "remove":
            raise ValueError("course_id '*' (every course) only works with remove")
        return action


class SkillRuleRow(FileModel):
    skill_uri: SkillUri
    requires_uri: SkillUri
    note: str = ""


def read_curated_skills(path: Path) -> list[CuratedSkill]:
    """The overrides in file order; ``action`` is in ``ACTIONS``, ``level`` None for the default."""
    result = []
    for line, raw in csv_rows(path, ("course_id", "skill_uri", "action"), comments=True):
        row = validated(CuratedSkillRow, raw, file=str(path), line=line)
        result.append(CuratedSkill(row.course_id, row.skill_uri, row.action, row.level, line))
    return result


def read_skill_rules(path: Path) -> list[SkillPrerequisite]:
    """The curated skill prerequisites in file order."""
    result = []
    for line, raw in csv_rows(path, ("skill_uri", "requires_uri"), comments=True):
        row = validated(SkillRuleRow, raw, file=str(path), line=line)
        result.append(SkillPrerequisite(row.skill_uri, row.requires_uri, line))
    return result
