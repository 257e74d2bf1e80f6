"""A worker's profile (occupations held, declared skills) resolved on the competence graph, and its gap."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from recommender.gap import DEFAULT_LEVELS, RequiredLevels, SkillGap, skill_gap
from recommender.graph import CompetenceGraph


@dataclass(frozen=True)
class ProfileGap:
    """A profile resolved on the competence graph and its gap to the target occupation."""

    graph: CompetenceGraph
    occupations: tuple[str, ...]  # URIs
    skills: dict[str, int]  # as declared: URI or label -> level 0..4
    gap: SkillGap
    required: RequiredLevels = DEFAULT_LEVELS  # the levels the gap was measured against


def profile_gap(
    *,
    graph: CompetenceGraph,
    target: str,
    occupations: Sequence[str] = (),
    skills: Mapping[str, int] | None = None,
    required: RequiredLevels = DEFAULT_LEVELS,
) -> ProfileGap:
    """Compute the gap from current occupations and/or declared skills to a target occupation."""
    declared = dict(skills or {})
    gap = skill_gap(graph, target, occupations=list(occupations), skills=declared, required=required)
    resolved = tuple(graph.resolve_occupation(o) for o in occupations)
    return ProfileGap(graph, resolved, declared, gap, required)
