"""Feed the skill tagger: ESCO skills as :class:`recommender.tagging.SkillText`, from the database or zip."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import Occupation, OccupationSkill, Skill, SkillBroader
from recommender.errors import UpskillError
from recommender.text.skills import SkillText

BUNDLED_ESCO = Path(__file__).parent / "esco" / "esco_v1.1.1_classification_en_csv.zip"
BUNDLED_RELATIONS = Path(__file__).parent / "esco" / "esco_v1.1.1_relations_csv.zip"


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
    needed = dict(
        db_session.execute(
            select(OccupationSkill.skill_uri, func.count())
            .join(Occupation, Occupation.uri == OccupationSkill.occupation_uri)
            .group_by(OccupationSkill.skill_uri)
        ).all()
    )
    broader: dict[str, list[str]] = {}
    for narrower, above in db_session.execute(
        select(SkillBroader.narrower_uri, SkillBroader.broader_uri).order_by(
            SkillBroader.narrower_uri, SkillBroader.broader_uri
        )
    ):
        broader.setdefault(narrower, []).append(above)
    return [
        SkillText(
            uri,
            label,
            tuple(alts or ()),
            description or "",
            skill_type,
            reuse_level,
            int(needed.get(uri, 0)),
            tuple(broader.get(uri, ())),
        )
        for uri, label, alts, description, skill_type, reuse_level in rows
    ]


def _rows(path: Path, member: str) -> list[dict[str, str]]:
    with zipfile.ZipFile(path) as archive, archive.open(member) as raw:
        return list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8")))


def from_release(path: Path = BUNDLED_ESCO, relations: Path = BUNDLED_RELATIONS) -> list[SkillText]:
    """Every skill of an ESCO classification zip (``skills_en.csv``), ordered by URI.

    ``occupations`` counts the occupations of ``occupations_en.csv`` relating the skill in the relations
    zip, as :func:`from_database` does on an imported release; ``broader`` comes from the relations zip's
    ``broaderRelationsSkillPillar.csv``.
    """
    rows = _rows(path, "skills_en.csv")
    occupations = {row["conceptUri"] for row in _rows(path, "occupations_en.csv")}
    needed = Counter(
        row["skillUri"]
        for row in _rows(relations, "occupationSkillRelations.csv")
        if row["occupationUri"] in occupations
    )
    broader: dict[str, list[str]] = {}
    for row in _rows(relations, "broaderRelationsSkillPillar.csv"):
        broader.setdefault(row["conceptUri"], []).append(row["broaderUri"])
    skills = [
        SkillText(
            row["conceptUri"],
            row["preferredLabel"],
            tuple(label for label in row["altLabels"].split("\n") if label.strip()),
            row["description"],
            row["skillType"] or None,
            row["reuseLevel"] or None,
            needed[row["conceptUri"]],
            tuple(sorted(broader.get(row["conceptUri"], ()))),
        )
        for row in rows
    ]
    return sorted(skills, key=lambda skill: skill.uri)
