"""Feed the job-title matcher (:mod:`recommender.text.titles`): occupations with their labels in every
imported language, descriptions, ISCO group and broader occupations, and essential skills, from the database.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from data import models
from recommender.errors import UpskillError
from recommender.text.titles import OccupationText, TitleMatcher


def load_occupation_texts(*, db_session: Session) -> list[OccupationText]:
    """Every occupation as the title matcher reads it, ordered by URI (English labels first)."""
    s = db_session
    rows = s.execute(
        select(
            models.Occupation.uri,
            models.Occupation.preferred_label,
            models.Occupation.alt_labels,
            models.Occupation.description,
            models.Occupation.isco_code,
        ).order_by(models.Occupation.uri)
    ).all()
    preferred = {uri: label for uri, label, *_ in rows}
    isco_labels = dict(s.execute(select(models.IscoGroup.code, models.IscoGroup.preferred_label)).all())
    isco_by_uri = dict(s.execute(select(models.IscoGroup.uri, models.IscoGroup.preferred_label)).all())
    other_languages: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for uri, language, label, alts in s.execute(
        select(
            models.OccupationLabel.occupation_uri,
            models.OccupationLabel.language,
            models.OccupationLabel.preferred_label,
            models.OccupationLabel.alt_labels,
        ).order_by(models.OccupationLabel.occupation_uri, models.OccupationLabel.language)
    ):
        other_languages[uri].extend((text, language) for text in [label, *(alts or [])])
    groups: dict[str, list[str]] = defaultdict(list)
    for child, parent, parent_type in s.execute(
        select(
            models.OccupationBroader.narrower_uri,
            models.OccupationBroader.broader_uri,
            models.OccupationBroader.broader_type,
        )
        .where(models.OccupationBroader.narrower_type == "Occupation")
        .order_by(models.OccupationBroader.narrower_uri, models.OccupationBroader.broader_uri)
    ):
        group_label = preferred.get(parent) if parent_type == "Occupation" else isco_by_uri.get(parent)
        if group_label:
            groups[child].append(group_label)
    skills = dict(s.execute(select(models.Skill.uri, models.Skill.preferred_label)).all())
    essential: dict[str, list[str]] = defaultdict(list)
    for occupation, skill in s.execute(
        select(models.OccupationSkill.occupation_uri, models.OccupationSkill.skill_uri)
        .where(models.OccupationSkill.relation_type == "essential")
        .order_by(models.OccupationSkill.occupation_uri, models.OccupationSkill.skill_uri)
    ):
        if skill in skills:
            essential[occupation].append(skills[skill])
    result = []
    for uri, label, alts, description, isco_code in rows:
        group_labels = list(groups[uri])
        unit_group = isco_labels.get(isco_code)
        if unit_group and unit_group not in group_labels:
            group_labels.append(unit_group)
        labels = [(label, "en"), *((alt, "en") for alt in alts or []), *other_languages[uri]]
        result.append(
            OccupationText(
                uri=uri,
                preferred_label=label,
                labels=tuple(labels),
                description=description or "",
                group_labels=tuple(group_labels),
                skill_labels=tuple(essential[uri]),
            )
        )
    return result


def load_title_matcher(*, db_session: Session) -> TitleMatcher:
    """The title matcher over the database's occupations (build it once per process and share it).

    Raises :class:`UpskillError` when the database holds no occupation.
    """
    occupations = load_occupation_texts(db_session=db_session)
    if not occupations:
        raise UpskillError("the database holds no ESCO occupations: run `upskill import esco` first")
    return TitleMatcher(occupations)
