"""Evaluate adjacent-role rankings against a reference of related occupations, side by side with Jaccard.

A reference is a set of pairs ``source_uri,related_uri`` (ESCO occupation URIs). For each source we rank
every other occupation (no sector filter) and measure

* recall@k = |top k & related| / min(k, |related|), averaged over sources;
* MRR = mean over sources of 1 / rank of the first related occupation (Voorhees, TREC-8 QA track, 1999).

The same figures are computed for the baseline, plain Jaccard similarity of the required-skill sets
(essential and optional alike), for each facet of our score alone and for our score without each facet
(``ablations``), so that the contribution of each signal is visible and the facet a proxy shares
information with can be left out.

Three proxy references can be derived from ESCO itself, each independent of the skill lists and each
sharing information with one facet of the score (so compare the ablation without that facet there):

* ``hierarchy_reference``: two occupations are related when one is the broader ESCO occupation of the
  other or they share a broader occupation. Every such pair is in the same ISCO unit group, so the ``isco``
  facet is circular on it; siblings are often near-copies of each other's skill lists and labels ("welder",
  "pipe welder"), which flatters skill overlap and, a little, the ``text`` facet.
* ``description_reference``: the nearest neighbours (cosine over TF-IDF of the free-text ESCO
  descriptions, at least ``DESCRIPTION_MIN_SIMILARITY``) of each occupation. Descriptions repeat the
  occupation's own title, so the ``text`` facet (labels) is partly circular on it. It measures what the
  descriptions say, with their wording habits, not what a career adviser would call a feasible move.
* ``minor_group_reference``: the occupations of the same ISCO minor group (3 digits) in another unit group,
  ranked with the source's unit group left out: the same field and skill level, another job. The ``isco``
  facet is circular on it.

None is an expert reference; they can show that a signal is not noise, not how large its gain will be
on a real reference.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from recommender.adjacent import FACET_WEIGHTS, FACETS, combine, jaccard_scores, score_parts
from recommender.errors import UpskillError
from recommender.gap import Profile, holdings
from recommender.graph import CompetenceGraph

DESCRIPTION_NEIGHBOURS = 10
DESCRIPTION_MIN_SIMILARITY = 0.3


@dataclass(frozen=True)
class RankingFigures:
    recall_at_k: float
    mrr: float
    n_sources: int

    def to_dict(self) -> dict[str, float | int]:
        return {"recall_at_k": self.recall_at_k, "mrr": self.mrr, "n_sources": self.n_sources}


def parse_weights(text: str) -> dict[str, float]:
    """Facet weights from ``"skills=1,activities=0.5,text=1,isco=0.2"`` (facets left out weigh 0).

    Raises
    ------
    UpskillError
        A malformed item, an unknown facet or a negative weight.
    """
    weights: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, value = item.partition("=")
        name = name.strip()
        if name not in FACETS:
            raise UpskillError(f"--weights: unknown facet {name!r}; the facets are {', '.join(FACETS)}")
        try:
            weights[name] = float(value)
        except ValueError:
            raise UpskillError(f"--weights: {item!r} is not facet=number") from None
        if weights[name] < 0:
            raise UpskillError(f"--weights: {item!r} is negative")
    return weights


def hierarchy_reference(graph: CompetenceGraph) -> dict[str, set[str]]:
    """Proxy reference from the ESCO occupation hierarchy: parent, children and siblings of each one."""
    children: dict[str, set[str]] = {}
    for child, parents in graph.occupation_parent.items():
        for parent in parents:
            children.setdefault(parent, set()).add(child)
    related: dict[str, set[str]] = {}
    for child, parents in graph.occupation_parent.items():
        for parent in parents:
            related.setdefault(child, set()).add(parent)
            related.setdefault(parent, set()).add(child)
            related[child] |= children[parent] - {child}
    return related


def description_reference(
    descriptions: Mapping[str, str],
    *,
    neighbours: int = DESCRIPTION_NEIGHBOURS,
    min_similarity: float = DESCRIPTION_MIN_SIMILARITY,
) -> dict[str, set[str]]:
    """Proxy reference: each occupation's nearest neighbours by TF-IDF cosine of their descriptions.

    Parameters
    ----------
    descriptions : mapping of str to str
        Occupation URI -> free-text description.
    neighbours : int
        At most this many related occupations per source.
    min_similarity : float
        Cosine below which a neighbour does not count.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    uris = sorted(descriptions)
    matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=2).fit_transform(
        [descriptions[u] for u in uris]
    )
    similarity = (matrix @ matrix.T).toarray()
    np.fill_diagonal(similarity, -1.0)
    reference: dict[str, set[str]] = {}
    for i, uri in enumerate(uris):
        top = np.argsort(-similarity[i], kind="stable")[:neighbours]
        related = {uris[j] for j in top if similarity[i, j] >= min_similarity}
        if related:
            reference[uri] = related
    return reference


def minor_group_reference(graph: CompetenceGraph) -> dict[str, set[str]]:
    """Proxy reference: the occupations of the same ISCO minor group (3 digits) in another unit group.

    Meant to be evaluated with the source's own unit group left out of the candidates
    (``evaluate_roles(..., exclude_same_isco=True)``): the question is then "among occupations of other
    unit groups, are those of the same field and skill level ranked first?", the kind of move an
    O*NET-style "related occupations" list holds.
    """
    by_minor: dict[str, set[str]] = {}
    for uri, code in zip(graph.occupation_uris, graph.isco_codes, strict=True):
        if len(code) >= 3:
            by_minor.setdefault(code[:3], set()).add(uri)
    reference: dict[str, set[str]] = {}
    for uri, code in zip(graph.occupation_uris, graph.isco_codes, strict=True):
        related = {
            other
            for other in by_minor.get(code[:3], set())
            if graph.isco_codes[graph.occupation_index[other]] != code
        }
        if related:
            reference[uri] = related
    return reference


def rank_many(
    graph: CompetenceGraph,
    reference: Mapping[str, set[str]],
    scorer: Callable[[str], Mapping[str, NDArray[np.float64]]],
    *,
    k: int,
    exclude_same_isco: bool = False,
) -> dict[str, RankingFigures]:
    """Recall@k and MRR of several rankings at once (source URI -> named scores over all occupations).

    Ties are broken by URI so that results are deterministic; the source itself is never ranked, nor, with
    ``exclude_same_isco``, any occupation of its ISCO unit group.
    """
    uris = np.asarray(graph.occupation_uris)
    uri_rank = np.argsort(np.argsort(uris, kind="stable"), kind="stable")  # tie-break position per index
    codes = np.asarray(graph.isco_codes)
    recalls: dict[str, list[float]] = {}
    reciprocal: dict[str, list[float]] = {}
    for source in sorted(reference):
        related = {graph.occupation_index[u] for u in reference[source] if u in graph.occupation_index}
        related.discard(graph.occupation_index.get(source, -1))
        if source not in graph.occupation_index or not related:
            continue
        row = graph.occupation_index[source]
        excluded = codes == codes[row] if exclude_same_isco else np.zeros(len(uris), dtype=bool)
        excluded[row] = True
        related -= set(np.flatnonzero(excluded).tolist())
        if not related:
            continue
        related_list = list(related)
        for name, raw in scorer(source).items():
            scores = np.asarray(raw, dtype=np.float64).copy()
            order = np.lexsort((uri_rank, -scores))
            order = order[~excluded[order]]
            recalls.setdefault(name, []).append(len(set(order[:k].tolist()) & related) / min(k, len(related)))
            hits = np.flatnonzero(np.isin(order, related_list))
            reciprocal.setdefault(name, []).append(1.0 / (hits[0] + 1) if hits.size else 0.0)
    return {
        name: RankingFigures(
            recall_at_k=round(float(np.mean(values)), 4),
            mrr=round(float(np.mean(reciprocal[name])), 4),
            n_sources=len(values),
        )
        for name, values in recalls.items()
    }


def evaluate_roles(
    graph: CompetenceGraph,
    reference: Mapping[str, set[str]],
    *,
    k: int = 10,
    exclude_same_isco: bool = False,
    weights: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """Our adjacent-role score, its ablations, each facet alone and plain Jaccard on one reference.

    ``ablations[f]`` is the score without facet ``f`` (the other weights unchanged), ``facets[f]`` the
    ranking by facet ``f`` alone; with them a reader sees what each facet adds and can leave out the facet
    that a proxy reference shares information with. ``weights`` (default ``FACET_WEIGHTS``) replaces the
    facet weights, for sensitivity checks; facets it does not name weigh 0.
    """
    chosen = dict(FACET_WEIGHTS if weights is None else weights)
    unknown = sorted(set(chosen) - set(FACETS))
    if unknown:
        raise UpskillError(f"unknown facet(s) {', '.join(unknown)}; the facets are {', '.join(FACETS)}")
    if sum(chosen.values()) <= 0 or any(w < 0 for w in chosen.values()):
        raise UpskillError("facet weights must be >= 0 and add up to more than 0")

    def rankings(source: str) -> dict[str, NDArray[np.float64]]:
        parts = score_parts(graph, holdings(graph, Profile((source,))), [source])
        out = {"score": combine(parts, chosen), "baseline": jaccard_scores(graph, source)}
        for facet in FACETS:
            rest = {f: w for f, w in chosen.items() if f != facet}
            if sum(rest.values()) > 0:
                out[f"without_{facet}"] = combine(parts, rest)
            out[f"only_{facet}"] = parts[facet]
        return out

    figures = rank_many(graph, reference, rankings, k=k, exclude_same_isco=exclude_same_isco)
    empty = RankingFigures(0.0, 0.0, 0)
    ours, baseline = figures.get("score", empty), figures.get("baseline", empty)
    known = [s for s in reference if s in graph.occupation_index]

    def gain(figure: RankingFigures) -> float | None:
        if baseline.recall_at_k <= 0:
            return None
        return round(figure.recall_at_k / baseline.recall_at_k - 1.0, 4)

    def with_gain(name: str) -> dict[str, Any]:
        figure = figures.get(name, empty)
        return {**figure.to_dict(), "relative_recall_gain": gain(figure)}

    return {
        "k": k,
        **ours.to_dict(),
        "baseline": {"name": "jaccard", **baseline.to_dict()},
        "relative_recall_gain": gain(ours),
        "weights": chosen,
        "ablations": {facet: with_gain(f"without_{facet}") for facet in FACETS},
        "facets": {facet: with_gain(f"only_{facet}") for facet in FACETS},
        "exclude_same_isco": exclude_same_isco,
        "unknown_sources": len(reference) - len(known),
    }
