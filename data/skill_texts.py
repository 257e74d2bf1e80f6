"""Feed the skill tagger: ESCO skills as :class:`recommender.tagging.SkillText`, from the database or zip."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import Skill
from recommender.errors import UpskillError
from recommender.tagging import SkillText

BUNDLED_ESCO = Path(__file__).parent / "esco" / "esco_v1.1.1_classification_en_csv.zip"


class EscoNotImported(UpskillError):
    """Courses and badges point at ESCO skills, so ESCO must be in the database first."""

    def __init__(self) -> None:
        super().__init__("the skills table is empty: import ESCO first with `upskill import esco`")


def require_esco(*, db_session: Session) -> None:
    """Raise :class:`EscoNotImported` unless the database holds ESCO skills."""
    if db_session.scalar(select(Skill.uri).limit(1)) is None:
        raise EscoNotImported()


def from_database(*, db_session: Session) -> list[SkillText]:
    """Every skill in the database, ordered by URI; raise :class:`EscoNotImported` when there is none."""
    rows = db_session.execute(
        select(
            Skill.uri,
            Skill.preferred_label,
            Skill.alt_labels,
            Skill.description,
            Skill.skill_type,
            Skill.reuse_level,
        ).order_by(Skill.uri)
    ).all()
    if not rows:
        raise EscoNotImported()
    return [
        SkillText(uri, label, tuple(alts or ()), description or "", skill_type, reuse_level)
        for uri, label, alts, description, skill_type, reuse_level in rows
    ]


def from_release(path: Path = BUNDLED_ESCO) -> list[SkillText]:
    """Every skill of an ESCO classification zip (``skills_en.csv``), ordered by URI."""
    with zipfile.ZipFile(path) as archive, archive.open("skills_en.csv") as raw:
        rows = list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8")))
    skills = [
        SkillText(
            row["conceptUri"],
            row["preferredLabel"],
            tuple(label for label in row["altLabels"].split("\n") if label.strip()),
            row["description"],
            row["skillType"] or None,
            row["reuseLevel"] or None,
        )
        for row in rows
    ]
    return sorted(skills, key=lambda skill: skill.uri)
