"""Feed the skill tagger: ESCO skills as :class:`recommender.tagging.SkillText`, from the database or zip."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.esco_import import split_labels
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


def canonical(skills: Iterable[SkillText]) -> list[SkillText]:
    """``skills`` in the one order both loaders give: by URI as Python compares strings (code points), each
    skill's broader URIs sorted the same way. A database's ``ORDER BY`` is not used for it: PostgreSQL sorts
    text by its collation (``en_US``: ``s-b`` after ``sa``, ``S3`` after ``s2``), SQLite by bytes."""
    return sorted((replace(skill, broader=tuple(sorted(skill.broader))) for skill in skills), key=_by_uri)


def _by_uri(skill: SkillText) -> str:
    return skill.uri


def from_database(*, db_session: Session) -> list[SkillText]:
    """Every skill in the database, in the :func:`canonical` order; raise :class:`EscoNotImported` when there
    is none."""
    rows = db_session.execute(
        select(
            Skill.uri,
            Skill.preferred_label,
            Skill.alt_labels,
            Skill.description,
            Skill.skill_type,
            Skill.reuse_level,
        )
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
    for narrower, above in db_session.execute(select(SkillBroader.narrower_uri, SkillBroader.broader_uri)):
        broader.setdefault(narrower, []).append(above)
    return canonical(
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
    )


def _rows(path: Path, member: str) -> list[dict[str, str]]:
    """The records of ``member`` of the zip ``path``, every field stripped as the importer stores it."""
    with zipfile.ZipFile(path) as archive, archive.open(member) as raw:
        return [
            {name: (value or "").strip() for name, value in row.items()}
            for row in csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8"))
        ]


def from_release(path: Path = BUNDLED_ESCO, relations: Path = BUNDLED_RELATIONS) -> list[SkillText]:
    """Every skill of an ESCO classification zip (``skills_en.csv``), in the :func:`canonical` order.

    The same objects :func:`from_database` gives once the release is imported (``upskill import esco``):
    fields stripped and alternative labels split as the importer does (:func:`data.esco_import.split_labels`);
    ``occupations`` counts the occupations of ``occupations_en.csv`` relating the skill in the relations zip;
    ``broader`` comes from the relations zip's ``broaderRelationsSkillPillar.csv``.
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
    return canonical(
        SkillText(
            row["conceptUri"],
            row["preferredLabel"],
            tuple(split_labels(row["altLabels"])),
            row["description"],
            row["skillType"] or None,
            row["reuseLevel"] or None,
            needed[row["conceptUri"]],
            tuple(broader.get(row["conceptUri"], ())),
        )
        for row in rows
    )
