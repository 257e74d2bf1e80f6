from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evaluation.roles import (
    description_reference,
    evaluate_roles,
    hierarchy_reference,
    rank_figures,
    read_reference,
)
from recommender.errors import ImportFormatError
from recommender.graph import CompetenceGraph
from tests.recommender import conftest as graph_fixtures

tiny_graph = graph_fixtures.tiny_graph  # the session fixture of tests/recommender, shared here


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


def test_evaluate_roles_reports_ours_and_baseline_side_by_side(tiny_graph: CompetenceGraph) -> None:
    result = evaluate_roles(tiny_graph, hierarchy_reference(tiny_graph), k=1)
    assert result["recall_at_k"] == 1.0 and result["mrr"] == 1.0 and result["n_sources"] == 2
    assert result["baseline"]["name"] == "jaccard" and result["baseline"]["n_sources"] == 2
    assert set(result["skills_only"]) == {"recall_at_k", "mrr", "n_sources"}


def test_read_reference(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("source_uri,related_uri\na,b\na,c\nb,a\na,a\n", encoding="utf-8")
    assert read_reference(good) == {"a": {"b", "c"}, "b": {"a"}}
    bad = tmp_path / "bad.csv"
    bad.write_text("source_uri,related_uri\na,b\n,c\n", encoding="utf-8")
    with pytest.raises(ImportFormatError, match="bad.csv, line 3, column 'source_uri'"):
        read_reference(bad)
    with pytest.raises(ImportFormatError, match="file not found"):
        read_reference(tmp_path / "missing.csv")


def test_description_reference_links_similar_descriptions() -> None:
    descriptions = {
        "a": "repair and maintain car engines and brakes in a garage",
        "b": "maintain and repair car brakes and engines for customers",
        "c": "bake bread and pastries in an industrial bakery",
        "d": "bake pastries and bread for a bakery shop",
    }
    reference = description_reference(descriptions, neighbours=1, min_similarity=0.1)
    assert reference == {"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c"}}
