from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pytest
from numpy.typing import NDArray

from evaluation.roles import (
    RankingFigures,
    description_reference,
    evaluate_roles,
    hierarchy_reference,
    minor_group_reference,
    parse_weights,
    rank_many,
)
from recommender.errors import UpskillError
from recommender.graph import CompetenceGraph
from tests.recommender import conftest as graph_fixtures

tiny_graph = graph_fixtures.tiny_graph  # the session fixtures of tests/recommender, shared here
esco_graph = graph_fixtures.esco_graph


def rank_figures(
    graph: CompetenceGraph,
    reference: Mapping[str, set[str]],
    scorer: Callable[[str], NDArray[np.float64]],
    *,
    k: int,
) -> RankingFigures:
    """Recall@k and MRR of one scorer (source URI -> scores over all occupations), through rank_many."""
    figures = rank_many(graph, reference, lambda s: {"scores": scorer(s)}, k=k)
    return figures.get("scores", RankingFigures(0.0, 0.0, 0))


def test_recall_and_mrr_by_hand(tiny_graph: CompetenceGraph) -> None:
    def scores(by_uri: dict[str, float]) -> np.ndarray:
        return np.array([by_uri.get(u, 0.0) for u in tiny_graph.occupation_uris])

    fixed = {
        # ranking: battery, painter, welder2, fabricator
        "occ:welder": scores(
            {"occ:battery": 0.9, "occ:fabricator": 0.1, "occ:painter": 0.5, "occ:welder2": 0.2}
        ),
        # all tied at 0: battery, fabricator, welder, welder2 (by URI)
        "occ:painter": scores({"occ:painter": 1.0}),
    }
    reference = {"occ:welder": {"occ:welder2", "occ:fabricator"}, "occ:painter": {"occ:battery"}}
    at_two = rank_figures(tiny_graph, reference, lambda s: fixed[s], k=2)
    # welder: top 2 = battery, painter -> 0 of min(2, 2); first related at rank 3 -> 1/3
    # painter: top 2 = battery, fabricator (ties by URI) -> 1 of min(2, 1); rank 1 -> 1
    assert at_two.recall_at_k == pytest.approx((0 + 1) / 2)
    assert at_two.mrr == pytest.approx(round((1 / 3 + 1) / 2, 4))
    assert at_two.n_sources == 2
    at_three = rank_figures(tiny_graph, reference, lambda s: fixed[s], k=3)
    assert at_three.recall_at_k == pytest.approx((1 / 2 + 1) / 2)


def test_unknown_sources_and_self_pairs_are_left_out(tiny_graph: CompetenceGraph) -> None:
    reference = {"occ:nowhere": {"occ:welder"}, "occ:welder": {"occ:welder"}, "occ:painter": {"occ:x"}}
    figures = rank_figures(tiny_graph, reference, lambda s: np.zeros(5), k=10)
    assert figures.n_sources == 0 and figures.recall_at_k == 0.0


def test_hierarchy_reference_links_parent_child_and_siblings(tiny_graph: CompetenceGraph) -> None:
    assert hierarchy_reference(tiny_graph) == {"occ:welder2": {"occ:welder"}, "occ:welder": {"occ:welder2"}}


def test_minor_group_reference_and_same_unit_group_left_out(tiny_graph: CompetenceGraph) -> None:
    # ISCO 7212 welder and pipe welder, 7214 fabricator: minor group 721; 7412 and 7132 alone in theirs
    reference = minor_group_reference(tiny_graph)
    assert reference == {
        "occ:welder": {"occ:fabricator"},
        "occ:welder2": {"occ:fabricator"},
        "occ:fabricator": {"occ:welder", "occ:welder2"},
    }
    # the pipe welder scores highest for the welder but is in its unit group: left out, fabricator first
    by_uri = {"occ:welder2": 1.0, "occ:fabricator": 0.5, "occ:battery": 0.7}
    scores = np.array([by_uri.get(u, 0.0) for u in tiny_graph.occupation_uris])
    figures = rank_many(
        tiny_graph, {"occ:welder": {"occ:fabricator"}}, lambda s: {"a": scores}, k=1, exclude_same_isco=True
    )
    assert figures["a"].mrr == pytest.approx(0.5)  # battery (0.7) first, fabricator second
    kept = rank_many(tiny_graph, {"occ:welder": {"occ:fabricator"}}, lambda s: {"a": scores}, k=1)
    assert kept["a"].mrr == pytest.approx(round(1 / 3, 4))  # with the pipe welder in the ranking


def test_evaluate_roles_reports_ours_ablations_and_baseline(tiny_graph: CompetenceGraph) -> None:
    result = evaluate_roles(tiny_graph, hierarchy_reference(tiny_graph), k=1)
    assert result["recall_at_k"] == 1.0 and result["mrr"] == 1.0 and result["n_sources"] == 2
    assert result["baseline"]["name"] == "jaccard" and result["baseline"]["n_sources"] == 2
    assert set(result["ablations"]) == set(result["facets"]) == {"skills", "activities", "text", "isco"}
    for figures in (*result["ablations"].values(), *result["facets"].values()):
        assert set(figures) == {"recall_at_k", "mrr", "n_sources", "relative_recall_gain"}
    assert result["facets"]["isco"]["recall_at_k"] == 1.0  # the pipe welder shares the welder's unit group


def test_our_score_beats_jaccard_on_esco_proxies(esco_graph: CompetenceGraph) -> None:
    # a slice of two ESCO-derived proxies; the weights were chosen on an external expert reference
    # (evaluation/ONET_REFERENCE.md), the full proxy figures are in recommender/adjacent.py
    hierarchy = hierarchy_reference(esco_graph)
    sample = {s: hierarchy[s] for s in sorted(hierarchy)[:300]}
    result = evaluate_roles(esco_graph, sample, k=10)
    assert result["n_sources"] == 300
    assert result["recall_at_k"] > result["baseline"]["recall_at_k"]
    # even without the isco facet, which is circular with the occupation hierarchy
    assert result["ablations"]["isco"]["recall_at_k"] > result["baseline"]["recall_at_k"]
    minor = minor_group_reference(esco_graph)
    sample = {s: minor[s] for s in sorted(minor)[:300]}
    result = evaluate_roles(esco_graph, sample, k=10, exclude_same_isco=True)
    assert result["recall_at_k"] > result["baseline"]["recall_at_k"]


def test_description_reference_links_similar_descriptions() -> None:
    descriptions = {
        "a": "repair and maintain car engines and brakes in a garage",
        "b": "maintain and repair car brakes and engines for customers",
        "c": "bake bread and pastries in an industrial bakery",
        "d": "bake pastries and bread for a bakery shop",
    }
    reference = description_reference(descriptions, neighbours=1, min_similarity=0.1)
    assert reference == {"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c"}}


def test_weights_can_be_replaced_for_sensitivity_checks(tiny_graph: CompetenceGraph) -> None:
    assert parse_weights("skills=1, isco=0.5") == {"skills": 1.0, "isco": 0.5}
    for bad, message in (
        ("colour=1", "unknown facet 'colour'"),
        ("text=x", "not facet=number"),
        ("isco=-1", "negative"),
    ):
        with pytest.raises(UpskillError, match=message):
            parse_weights(bad)
    reference = hierarchy_reference(tiny_graph)
    only_isco = evaluate_roles(tiny_graph, reference, k=1, weights={"isco": 1.0})
    assert only_isco["weights"] == {"isco": 1.0}
    assert only_isco["recall_at_k"] == only_isco["facets"]["isco"]["recall_at_k"]
    assert only_isco["ablations"]["isco"]["n_sources"] == 0  # nothing left to rank by
    with pytest.raises(UpskillError, match="add up to more than 0"):
        evaluate_roles(tiny_graph, reference, k=1, weights={"skills": 0.0})
