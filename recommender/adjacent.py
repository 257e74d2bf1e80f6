"""Adjacent roles: rank occupations by how well a worker's skills transfer to them.

The score of a candidate occupation ``o`` for a worker with holdings ``h`` (see :mod:`recommender.gap`)
multiplies three parts, each in [0, 1]:

``coverage``
    the share of what ``o`` requires that the worker already has, exactly as the skill gap computes it:
    each required skill weighs ``RELATION_WEIGHT[relation] * specificity`` (essential over optional, rare
    technical skills over ``communicate with customers``) and counts with its credit (held, below level,
    through a narrower skill, through a related skill).
``reuse``
    the share of the worker's own skills (each weighted by specificity and level) that ``o`` requires: a
    role that uses little of what the worker knows is a change of career, not an adjacent role.
``training``
    ``1 / (1 + gap_score / scale)``: the discount for the training the gap would take, where ``gap_score``
    is the weighted amount still missing and ``scale`` is ``TRAINING_OCCUPATIONS`` times the median total
    requirement weight of an occupation (learning two typical occupations from scratch halves the score).
    It is a cost, not a similarity: measured on the ESCO-derived proxy references, every discount lowers
    agreement with "related occupation" judgements a little, so it is kept gentle.

``isco``
    ``(1 + ISCO_WEIGHT * affinity) / (1 + ISCO_WEIGHT)`` where ``affinity`` is the length of the ISCO code
    prefix shared with the closest occupation of the profile, over 4 (same unit group 1, same minor group
    0.75, ..., nothing in common 0). ISCO groups occupations by skill level and specialisation, which the
    ESCO skill lists only partly carry. A profile without occupations gets 1 for every candidate.

``score = sqrt(coverage * reuse) * training * isco``. The geometric mean keeps both directions: coverage
alone favours small generic roles, reuse alone big umbrella roles.

The weights were fixed from these reasons, not fitted; ``evaluation.roles`` measures each part against a
reference (see the report of issue 3 for the proxy figures and what they can and cannot show).

Everything is one sparse matrix-vector product per part over the occupation x skill matrix, then
``argpartition``; no request walks the graph.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from recommender.gap import RELATION_WEIGHT, Holding, Profile, credit_vectors, holdings
from recommender.graph import ESSENTIAL, CompetenceGraph

ISCO_WEIGHT = 0.5
TRAINING_OCCUPATIONS = 2.0


@dataclass(frozen=True)
class AdjacentRole:
    """One ranked occupation and its score broken into parts."""

    uri: str
    label: str
    isco_code: str
    score: float
    coverage: float
    reuse: float
    training: float
    isco: float
    gap_score: float
    n_missing_essential: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "uri": self.uri,
            "label": self.label,
            "isco_code": self.isco_code,
            "score": self.score,
            "parts": {
                "coverage": self.coverage,
                "reuse": self.reuse,
                "training": self.training,
                "isco": self.isco,
            },
            "gap_score": self.gap_score,
            "n_missing_essential": self.n_missing_essential,
        }


@dataclass(frozen=True)
class RoleMatrices:
    """Per-graph matrices for adjacent-role scoring (built once, cached on the graph)."""

    essential_weight: sp.csr_matrix  # (n_occupations, n_skills) RELATION_WEIGHT * specificity, essential only
    optional_weight: sp.csr_matrix  # same, optional only
    essential_binary: sp.csr_matrix  # 1 where essential
    required_binary: sp.csr_matrix  # 1 where required at all
    total_weight: NDArray[np.float64]  # (n_occupations,)
    training_scale: float
    mean_specificity: float
    isco_prefixes: tuple[NDArray[np.str_], ...]  # ISCO code prefixes of length 1..4 per occupation


def role_matrices(graph: CompetenceGraph) -> RoleMatrices:
    """The scoring matrices of ``graph`` (computed on first use, then reused)."""
    cached = graph.cache.get("role_matrices")
    if isinstance(cached, RoleMatrices):
        return cached
    req = graph.requirements
    mean_spec = float(graph.specificity.mean()) if graph.specificity.size else 1.0
    spec = graph.specificity / mean_spec
    essential_mask = req.copy()
    essential_mask.data = (req.data == ESSENTIAL).astype(np.float64)
    essential_mask.eliminate_zeros()
    optional_mask = req.copy()
    optional_mask.data = (req.data != ESSENTIAL).astype(np.float64)
    optional_mask.eliminate_zeros()
    diag = sp.diags(spec)
    essential_weight = (essential_mask @ diag * RELATION_WEIGHT["essential"]).tocsr()
    optional_weight = (optional_mask @ diag * RELATION_WEIGHT["optional"]).tocsr()
    total = np.asarray(essential_weight.sum(axis=1)).ravel() + np.asarray(optional_weight.sum(axis=1)).ravel()
    required = req.copy().astype(np.float64)
    required.data[:] = 1.0
    matrices = RoleMatrices(
        essential_weight=essential_weight,
        optional_weight=optional_weight,
        essential_binary=essential_mask.tocsr(),
        required_binary=required.tocsr(),
        total_weight=total,
        training_scale=TRAINING_OCCUPATIONS * float(np.median(total[total > 0]))
        if np.any(total > 0)
        else 1.0,
        mean_specificity=mean_spec,
        isco_prefixes=tuple(
            np.asarray([code[:length] for code in graph.isco_codes], dtype=str) for length in range(1, 5)
        ),
    )
    graph.cache["role_matrices"] = matrices
    return matrices


def isco_affinity(graph: CompetenceGraph, occupations: Collection[str]) -> NDArray[np.float64]:
    """Per occupation: the longest ISCO code prefix shared with any of ``occupations``, over 4.

    Returns
    -------
    ndarray, shape (n_occupations,), dtype float64
        Values in {0, 0.25, 0.5, 0.75, 1}; all 0 when ``occupations`` is empty.
    """
    m = role_matrices(graph)
    best = np.zeros(len(graph.occupation_uris), dtype=np.float64)
    for uri in occupations:
        code = graph.isco_codes[graph.occupation_index[uri]]
        shared = np.zeros_like(best)
        for length in range(1, min(4, len(code)) + 1):
            shared += (m.isco_prefixes[length - 1] == code[:length]).astype(np.float64)
        best = np.maximum(best, shared / 4.0)
    return best


def score_parts(
    graph: CompetenceGraph, held: Mapping[int, Holding], occupations: Collection[str] = ()
) -> dict[str, NDArray[np.float64]]:
    """Every part of the transferability score for every occupation.

    Parameters
    ----------
    graph : CompetenceGraph
    held : mapping of skill index to Holding
        From :func:`recommender.gap.holdings`.
    occupations : collection of str
        The profile's occupation URIs (for the ISCO part).

    Returns
    -------
    dict of str to ndarray, each shape (n_occupations,), dtype float64
        ``coverage``, ``reuse``, ``training``, ``isco``, ``gap_score``, ``missing_essential``, ``skills``
        (the score without the ISCO part) and ``score``.
    """
    m = role_matrices(graph)
    essential_credit, optional_credit = credit_vectors(graph, held)
    covered = m.essential_weight @ essential_credit + m.optional_weight @ optional_credit
    total = m.total_weight
    with np.errstate(invalid="ignore", divide="ignore"):
        coverage = np.where(total > 0, covered / total, 0.0)
    gap_score = total - covered

    own = np.zeros(len(graph.skill_uris), dtype=np.float64)
    for s, holding in held.items():
        own[s] = graph.specificity[s] / m.mean_specificity * min(1.0, holding.level / 3.0)
    own_total = float(own.sum())
    reuse = m.required_binary @ own / own_total if own_total > 0 else np.zeros_like(coverage)

    training = 1.0 / (1.0 + gap_score / m.training_scale)
    missing_essential = m.essential_binary @ (essential_credit < 1.0).astype(np.float64)
    skills = np.sqrt(np.clip(coverage, 0.0, 1.0) * np.clip(reuse, 0.0, 1.0)) * training
    if occupations:
        isco = (1.0 + ISCO_WEIGHT * isco_affinity(graph, occupations)) / (1.0 + ISCO_WEIGHT)
    else:
        isco = np.ones_like(skills)
    return {
        "coverage": coverage,
        "reuse": reuse,
        "training": training,
        "isco": isco,
        "skills": skills,
        "score": skills * isco,
        "gap_score": gap_score,
        "missing_essential": missing_essential,
    }


def adjacent_roles(
    graph: CompetenceGraph,
    *,
    occupation: str | None = None,
    profile: Profile | None = None,
    k: int = 10,
    sector: Collection[str] | None = None,
    exclude_same_isco: bool = False,
    min_score: float = 0.0,
) -> list[AdjacentRole]:
    """The ``k`` occupations a worker could move to most easily, best first.

    Parameters
    ----------
    graph : CompetenceGraph
    occupation : str, optional
        The worker's current occupation (URI or exact label); added to ``profile`` when both are given.
    profile : Profile, optional
        Occupations held and declared skills (0..4).
    k : int
        How many to return.
    sector : collection of str, optional
        Only occupations whose URIs are in it (e.g. :func:`recommender.sectors.automotive_mobility`).
    exclude_same_isco : bool
        Leave out occupations in the ISCO unit group of any occupation in the profile.
    min_score : float
        Leave out occupations scoring below it.

    Returns
    -------
    list of AdjacentRole
        Never the profile's own occupations; ties broken by URI.
    """
    occupations = list(profile.occupations) if profile else []
    if occupation is not None:
        occupations.insert(0, occupation)
    resolved = [graph.resolve_occupation(o) for o in occupations]
    full = Profile(tuple(resolved), dict(profile.skills) if profile else {})
    parts = score_parts(graph, holdings(graph, full), resolved)
    return top_roles(
        graph, parts, resolved, k=k, sector=sector, exclude_same_isco=exclude_same_isco, min_score=min_score
    )


def top_roles(
    graph: CompetenceGraph,
    parts: Mapping[str, NDArray[np.float64]],
    own: Collection[str],
    *,
    k: int,
    sector: Collection[str] | None = None,
    exclude_same_isco: bool = False,
    min_score: float = 0.0,
    score_key: str = "score",
) -> list[AdjacentRole]:
    """Filter and rank precomputed parts (see :func:`score_parts`); the profile's occupations never count."""
    scores = np.array(parts[score_key], dtype=np.float64, copy=True)
    allowed = np.ones(scores.shape[0], dtype=bool)
    for uri in own:
        allowed[graph.occupation_index[uri]] = False
    if sector is not None:
        in_sector = np.zeros_like(allowed)
        for uri in sector:
            i = graph.occupation_index.get(uri)
            if i is not None:
                in_sector[i] = True
        allowed &= in_sector
    if exclude_same_isco:
        groups = {graph.isco_codes[graph.occupation_index[uri]] for uri in own}
        allowed &= ~np.isin(np.asarray(graph.isco_codes), list(groups))
    allowed &= scores >= min_score
    candidates = np.flatnonzero(allowed)
    if candidates.size == 0 or k <= 0:
        return []
    if candidates.size > k:
        # ties at the cut are broken by URI below, so take every candidate scoring at least the k-th
        kth = np.partition(scores[candidates], candidates.size - k)[candidates.size - k]
        candidates = candidates[scores[candidates] >= kth]
    order = sorted(candidates.tolist(), key=lambda i: (-scores[i], graph.occupation_uris[i]))[:k]
    return [
        AdjacentRole(
            uri=graph.occupation_uris[i],
            label=graph.occupation_labels[i],
            isco_code=graph.isco_codes[i],
            score=round(float(scores[i]), 6),
            coverage=round(float(parts["coverage"][i]), 6),
            reuse=round(float(parts["reuse"][i]), 6),
            training=round(float(parts["training"][i]), 6),
            isco=round(float(parts["isco"][i]), 6),
            gap_score=round(float(parts["gap_score"][i]), 4),
            n_missing_essential=int(parts["missing_essential"][i]),
        )
        for i in order
    ]


def jaccard_scores(graph: CompetenceGraph, occupation_uri: str) -> NDArray[np.float64]:
    """Plain Jaccard similarity of required-skill sets (essential and optional alike) to every occupation.

    The baseline of ``upskill evaluate roles``.

    Returns
    -------
    ndarray, shape (n_occupations,), dtype float64
    """
    m = role_matrices(graph)
    row = graph.occupation_index[occupation_uri]
    x = m.required_binary[row]
    inter = np.asarray((m.required_binary @ x.T).todense()).ravel()
    sizes = np.asarray(m.required_binary.sum(axis=1)).ravel()
    union = sizes + sizes[row] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / union, 0.0)
