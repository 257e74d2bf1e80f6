"""Adjacent roles: the occupations a worker could move to, and their evaluation against a reference."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from recommender.adjacent import AdjacentRole, adjacent_roles
from recommender.errors import UpskillError
from recommender.gap import Profile
from recommender.graph import CompetenceGraph
from recommender.sectors import sector_uris

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

PROXIES = ("hierarchy", "descriptions", "minor-groups")


def adjacent(
    *,
    graph: CompetenceGraph,
    occupations: Sequence[str],
    skills: Mapping[str, int] | None = None,
    k: int = 10,
    sector: str | None = None,
    exclude_same_isco: bool = False,
    min_score: float = 0.0,
) -> list[AdjacentRole]:
    """Rank the occupations a worker could move to by how much of their skills transfer."""
    members = sector_uris(sector) if sector is not None else None
    return adjacent_roles(
        graph,
        profile=Profile(occupations=tuple(occupations), skills=dict(skills or {})),
        k=k,
        sector=members,
        exclude_same_isco=exclude_same_isco,
        min_score=min_score,
    )


def evaluate(
    *,
    db_session: Session | None,
    graph: CompetenceGraph,
    reference: Path | None = None,
    proxy: str | None = None,
    k: int = 10,
    weights: str | None = None,
) -> dict[str, Any]:
    """Measure recall@k and MRR of adjacent roles against a reference file or a proxy derived from ESCO.

    ``db_session`` is needed only for the ``descriptions`` proxy (occupation descriptions).
    """
    from evaluation.roles import (
        description_reference,
        evaluate_roles,
        hierarchy_reference,
        minor_group_reference,
        parse_weights,
    )

    if (reference is None) == (proxy is None):
        raise UpskillError(f"give exactly one of --reference PAIRS.csv or --proxy {'|'.join(PROXIES)}")
    if proxy is not None and proxy not in PROXIES:
        raise UpskillError(f"unknown proxy {proxy!r}; use one of {', '.join(PROXIES)}")
    chosen = parse_weights(weights) if weights is not None else None
    from data.formats import role_reference

    pairs = role_reference.read(reference) if reference is not None else None
    if proxy == "hierarchy":
        pairs = hierarchy_reference(graph)
    elif proxy == "descriptions":
        from data.graph_loader import occupation_descriptions

        if db_session is None:
            raise UpskillError("the descriptions proxy reads the database; pass a session")
        pairs = description_reference(occupation_descriptions(db_session=db_session))
    elif proxy == "minor-groups":
        pairs = minor_group_reference(graph)
    assert pairs is not None
    return evaluate_roles(graph, pairs, k=k, exclude_same_isco=proxy == "minor-groups", weights=chosen)
