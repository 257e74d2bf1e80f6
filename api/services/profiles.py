"""A worker's profile (occupations held, declared skills) resolved on the competence graph, and its gap."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from recommender.gap import (
    DEFAULT_LEVELS,
    Holding,
    Profile,
    RequiredLevels,
    SkillGap,
    gap_from_holdings,
    holdings,
)
from recommender.graph import CompetenceGraph


@dataclass(frozen=True)
class ProfileGap:
    """A profile resolved on the competence graph and its gap to the target occupation."""

    graph: CompetenceGraph
    occupations: tuple[str, ...]  # URIs
    skills: dict[str, int]  # as declared: URI or label -> level 0..4
    gap: SkillGap
    required: RequiredLevels = DEFAULT_LEVELS  # the levels the gap was measured against
    # the skills held directly (``recommender.gap.holdings``; None: not kept), which the model's features
    # read too (``api.services.plans.serving_features``)
    held: Mapping[int, Holding] | None = None


def read_as(graph: CompetenceGraph, refs: Sequence[str], uris: Sequence[str]) -> list[tuple[str, str]]:
    """(what the user typed, ESCO's preferred label) for each occupation named other than by its preferred
    label (an alternative label, a URI): "car mechanic" is read as "vehicle technician"."""
    said = []
    for ref, uri in zip(refs, uris, strict=True):
        label = graph.label(uri)
        if " ".join(ref.split()).casefold() != label.casefold():
            said.append((ref, label))
    return said


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
    # recommender.gap.skill_gap's steps, the holdings kept
    target_uri = graph.resolve_occupation(target)
    held = holdings(graph, Profile(tuple(occupations), dict(declared)))
    gap = gap_from_holdings(graph, target_uri, held, required)
    resolved = tuple(graph.resolve_occupation(o) for o in occupations)
    return ProfileGap(graph, resolved, declared, gap, required, held)
