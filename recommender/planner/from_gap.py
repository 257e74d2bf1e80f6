"""Planner inputs from the skill gap of :mod:`recommender.gap` (both pure; no database)."""

from __future__ import annotations

import math
from collections.abc import Mapping

from recommender.gap import SkillGap
from recommender.planner.model import GapItem

#: Smallest weight passed on: a gap item of weight 0 (a skill every occupation needs) still counts a bit.
MIN_WEIGHT = 1e-6


def gap_items(gap: SkillGap, skill_types: Mapping[str, str] | None = None) -> list[GapItem]:
    """One planner :class:`GapItem` per required skill of ``gap``, in the gap's order (essential first).

    The needed level is the gap's required level; the held level is ``floor(credit * required level)``, so a
    skill declared at level 2 of 3 (credit 2/3) is held at 2, and a skill credited in part through the
    hierarchy or a related skill counts at the whole level that credit amounts to. The weight is the gap's
    (relation weight times specificity). ``skill_types``: ESCO's type of each skill (``knowledge`` or
    ``skill/competence``), which decides the alternative offered where no course exists.
    """
    types = skill_types or {}
    return [
        GapItem(
            skill_uri=item.uri,
            label=item.label,
            relation=item.relation,
            needed_level=item.required_level,
            held_level=min(item.required_level, math.floor(item.credit * item.required_level + 1e-9)),
            weight=max(item.weight, MIN_WEIGHT),
            skill_type=types.get(item.uri, ""),
        )
        for item in gap.items
    ]
