from __future__ import annotations

import pytest

from recommender.errors import UnknownOccupation, UnknownSkill
from recommender.graph import CompetenceGraph
from recommender.labels import LabelIndex, normalise
from tests.recommender.conftest import AUTOMOTIVE_BATTERY_TECHNICIAN, VEHICLE_TECHNICIAN


def test_normalise_folds_case_accents_and_punctuation() -> None:
    assert normalise("  Électricien—AUTO (EV) ") == "electricien auto ev"
    assert normalise("...") == ""


def test_exact_label_and_preferred_wins_over_alternative() -> None:
    index = LabelIndex(
        [
            ("a", "welder", ["metal worker"], "occupation"),
            ("b", "metal worker", [], "occupation"),
            ("s", "welder", [], "skill"),
        ]
    )
    assert index.exact("Metal Worker") == "b"  # b's preferred label beats a's alternative one
    assert index.exact("welder", kind="skill") == "s"
    assert index.exact("nothing like it") is None


def test_search_ranks_exact_first_then_by_score(tiny_graph: CompetenceGraph) -> None:
    hits = tiny_graph.labels.search("welder", kind="occupation")
    assert hits[0].uri == "occ:welder" and hits[0].score == 1.0
    assert hits[1].uri == "occ:welder2"  # "pipe welder": every query word, plus one more
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_search_finds_alternative_labels_and_filters_kind(tiny_graph: CompetenceGraph) -> None:
    hits = tiny_graph.labels.search("talk to clients")
    assert hits[0].uri == "skill:comm" and hits[0].matched_label == "talk to clients"
    assert all(h.kind == "skill" for h in tiny_graph.labels.search("metal", kind="skill"))
    assert tiny_graph.labels.search("   ") == []
    assert tiny_graph.labels.search("welder", kind="badge") == []


@pytest.mark.parametrize(
    ("query", "kind", "expected"),
    [
        ("vehicle technician", "occupation", VEHICLE_TECHNICIAN),
        ("car mechanic", "occupation", VEHICLE_TECHNICIAN),  # an alternative label
        ("vehicle tecnician", "occupation", VEHICLE_TECHNICIAN),  # a letter dropped
        ("automotive batery technican", "occupation", AUTOMOTIVE_BATTERY_TECHNICIAN),  # two typos
        ("automotive battery tech", "occupation", AUTOMOTIVE_BATTERY_TECHNICIAN),  # typing, unfinished word
    ],
)
def test_typo_tolerant_search_on_esco(
    esco_graph: CompetenceGraph, query: str, kind: str, expected: str
) -> None:
    hits = esco_graph.labels.search(query, kind=kind, limit=5)
    assert hits[0].uri == expected


def test_skill_typo_on_esco(esco_graph: CompetenceGraph) -> None:
    hits = esco_graph.labels.search("comunicate with custmers", kind="skill", limit=5)
    assert hits[0].label == "communicate with customers"


def test_unknown_ids_raise_with_closest_matches(esco_graph: CompetenceGraph) -> None:
    with pytest.raises(UnknownOccupation) as caught:
        esco_graph.resolve_occupation("automotive batery technican")
    assert "automotive battery technician" in caught.value.suggestions
    assert "closest matches" in str(caught.value)
    with pytest.raises(UnknownSkill) as skill_error:
        esco_graph.resolve_skill("battery chemestry")
    assert "battery chemistry" in skill_error.value.suggestions
    assert esco_graph.resolve_occupation("Car Mechanic") == VEHICLE_TECHNICIAN
    assert esco_graph.resolve_occupation(VEHICLE_TECHNICIAN) == VEHICLE_TECHNICIAN


def _same_state(built: LabelIndex, restored: LabelIndex) -> None:
    """Every attribute of the built index is restored, equal (arrays and sparse matrices included)."""
    import numpy as np
    import scipy.sparse as sp

    assert vars(built).keys() == vars(restored).keys()
    for name, value in vars(built).items():
        other = getattr(restored, name)
        if sp.issparse(value):
            assert value.shape == other.shape and (value != other).nnz == 0, name
        elif isinstance(value, np.ndarray):
            assert value.dtype == other.dtype and np.array_equal(value, other), name
        else:
            assert value == other, name


def test_saved_index_is_restored_whole_and_searches_the_same(tiny_graph: CompetenceGraph) -> None:
    built = tiny_graph.labels
    restored = LabelIndex.from_state(*built.to_state())
    _same_state(built, restored)
    for query in ("welder", "metal wrker", "EV", "communicate with cust", ""):
        assert restored.search(query) == built.search(query)
    assert restored.exact("metal welder", kind="occupation") == built.exact("metal welder", kind="occupation")


def test_saved_esco_index_is_restored_whole(esco_graph: CompetenceGraph) -> None:
    built = esco_graph.labels
    restored = LabelIndex.from_state(*built.to_state())
    _same_state(built, restored)
    assert (
        restored.search("automotive batery technican", kind="occupation")[0].uri
        == AUTOMOTIVE_BATTERY_TECHNICIAN
    )


def test_an_index_with_a_nul_in_a_label_is_not_saved() -> None:
    index = LabelIndex([("a", "bad\0label", [], "skill")])
    with pytest.raises(ValueError, match="NUL"):
        index.to_state()
