from __future__ import annotations

import numpy as np
import pytest

from recommender.adjacent import (
    FACET_WEIGHTS,
    FACETS,
    activity_affinity,
    adjacent_roles,
    combine,
    isco_affinity,
    jaccard_scores,
    label_tfidf,
    role_matrices,
    score_parts,
    text_affinity,
)
from recommender.errors import UnknownOccupation, UpskillError
from recommender.gap import Profile, holdings, skill_gap
from recommender.graph import CompetenceGraph, Concept, GraphData
from recommender.sectors import AUTOMOTIVE_MOBILITY_OCCUPATIONS, automotive_mobility, sector_uris
from tests.recommender.conftest import AUTOMOTIVE_BATTERY_TECHNICIAN, VEHICLE_TECHNICIAN, required_skills


def test_score_is_the_weighted_mean_of_the_facets(tiny_graph: CompetenceGraph) -> None:
    roles = adjacent_roles(tiny_graph, occupation="occ:welder", k=10)
    assert "occ:welder" not in {r.uri for r in roles}
    assert len(roles) == len(tiny_graph.occupation_uris) - 1
    assert set(FACET_WEIGHTS) == set(FACETS)
    for role in roles:
        assert role.skills == pytest.approx(np.sqrt(role.coverage * role.reuse) * role.training, abs=1e-5)
        parts = role.to_dict()["parts"]
        expected = sum(FACET_WEIGHTS[f] * parts[f] for f in FACETS) / sum(FACET_WEIGHTS.values())
        assert role.score == pytest.approx(expected, abs=1e-5)
        gap = skill_gap(tiny_graph, role.uri, occupations=["occ:welder"])
        assert role.coverage == pytest.approx(gap.coverage / 100, abs=1e-4)
        assert role.n_missing_essential == sum(
            1 for i in gap.items if i.relation == "essential" and i.status != "held"
        )
    scores = [r.score for r in roles]
    assert scores == sorted(scores, reverse=True)
    as_json = roles[0].to_dict()
    assert {"uri", "label", "score", "parts", "weights"} <= set(as_json)
    assert set(FACETS) | {"coverage", "reuse", "training"} == set(as_json["parts"])


def test_combine_drops_a_facet_for_ablations() -> None:
    parts = {"skills": np.array([1.0, 0.0]), "text": np.array([0.0, 1.0]), "isco": np.array([1.0, 1.0])}
    assert combine(parts, {"skills": 1.0, "text": 1.0}).tolist() == [0.5, 0.5]
    assert combine(parts, {"skills": 3.0, "isco": 1.0}).tolist() == [1.0, 0.25]
    with pytest.raises(ValueError, match="more than 0"):
        combine(parts, {"skills": 0.0})


def test_closest_role_wins_on_the_tiny_graph(tiny_graph: CompetenceGraph) -> None:
    # the pipe welder needs weld (held) and metalworking (credited through weld), in the same ISCO group
    roles = adjacent_roles(tiny_graph, occupation="occ:welder", k=2)
    assert roles[0].uri == "occ:welder2"
    assert roles[0].isco == 1.0
    # nothing in common with the battery technician but an optional skill
    battery = next(
        r for r in adjacent_roles(tiny_graph, occupation="occ:welder", k=10) if r.uri == "occ:battery"
    )
    assert battery.coverage < roles[0].coverage


def test_filters(tiny_graph: CompetenceGraph) -> None:
    no_same_group = adjacent_roles(tiny_graph, occupation="occ:welder", k=10, exclude_same_isco=True)
    assert all(r.isco_code != "7212" for r in no_same_group)
    only = adjacent_roles(tiny_graph, occupation="occ:welder", k=10, sector={"occ:painter", "occ:battery"})
    assert {r.uri for r in only} == {"occ:painter", "occ:battery"}
    floor = adjacent_roles(tiny_graph, occupation="occ:welder", k=10, min_score=0.2)
    assert floor and all(r.score >= 0.2 for r in floor)
    assert adjacent_roles(tiny_graph, occupation="occ:welder", k=10, min_score=2.0) == []
    assert len(adjacent_roles(tiny_graph, occupation="occ:welder", k=1)) == 1


def test_isco_affinity_counts_shared_code_digits(tiny_graph: CompetenceGraph) -> None:
    affinity = dict(zip(tiny_graph.occupation_uris, isco_affinity(tiny_graph, ["occ:welder"]), strict=True))
    assert affinity == {
        "occ:welder": 1.0,
        "occ:welder2": 1.0,
        "occ:fabricator": 0.75,
        "occ:battery": 0.25,
        "occ:painter": 0.25,
    }
    held = holdings(tiny_graph, Profile(skills={"skill:weld": 3}))
    parts = score_parts(tiny_graph, held)  # no occupation: the ISCO and text facets are 0 for everyone
    assert np.all(parts["isco"] == 0.0) and np.all(parts["text"] == 0.0)


def facet_graph() -> GraphData:
    """Four skills under a two-level group hierarchy and four occupations with hand-picked labels.

    Groups: ``g:tools`` and ``g:care`` under the root ``g:root``. Skills: ``drill`` and ``saw`` in
    ``g:tools``; ``nurse`` in ``g:care``; ``bandage`` is narrower than ``nurse`` (in ``g:care`` through it).
    """
    return GraphData(
        skills=[Concept(f"s:{name}", name) for name in ("drill", "saw", "nurse", "bandage")],
        skill_groups=[Concept(f"g:{name}", name) for name in ("root", "tools", "care")],
        occupations=[
            Concept("o:mech", "car mechanic", (), {"isco_code": "7231", "code": "7231.1"}),
            Concept("o:paint", "car painter", (), {"isco_code": "7132", "code": "7132.1"}),
            Concept("o:body", "car body painter", (), {"isco_code": "7132", "code": "7132.2"}),
            Concept("o:nurse", "nurse", ("carer",), {"isco_code": "2221", "code": "2221.1"}),
        ],
        skill_broader=[
            ("s:drill", "g:tools"),
            ("s:saw", "g:tools"),
            ("s:nurse", "g:care"),
            ("s:bandage", "s:nurse"),
            ("g:tools", "g:root"),
            ("g:care", "g:root"),
        ],
        occupation_skills=[
            ("o:mech", "s:drill", "essential"),
            ("o:paint", "s:saw", "essential"),
            ("o:body", "s:saw", "essential"),
            ("o:body", "s:bandage", "essential"),
            ("o:nurse", "s:nurse", "essential"),
        ],
    )


def test_skill_groups_reach_through_broader_skills_and_groups() -> None:
    graph = CompetenceGraph.from_data(facet_graph())
    groups = {
        graph.skill_uris[s]: {graph.group_uris[g] for g in graph.skill_groups[s].indices.tolist()}
        for s in range(len(graph.skill_uris))
    }
    assert groups == {
        "s:drill": {"g:tools", "g:root"},
        "s:saw": {"g:tools", "g:root"},
        "s:nurse": {"g:care", "g:root"},
        "s:bandage": {"g:care", "g:root"},
    }


def test_activity_facet_by_hand() -> None:
    graph = CompetenceGraph.from_data(facet_graph())
    m = role_matrices(graph)
    n = len(graph.occupation_uris)
    # group idf over the 4 occupations: root is reached by all 4, tools by 3, care by 2
    idf = {g: np.log((1 + n) / (1 + df)) + 1 for g, df in (("root", 4), ("tools", 3), ("care", 2))}
    spec = graph.specificity / m.mean_specificity
    saw, bandage = spec[graph.skill_index["s:saw"]], spec[graph.skill_index["s:bandage"]]
    # the car mechanic holds drill only: its activity profile is (root, tools) in proportion 1:1 before idf
    own = np.zeros(len(graph.skill_uris))
    own[graph.skill_index["s:drill"]] = 1.0
    affinity = dict(zip(graph.occupation_uris, activity_affinity(graph, own), strict=True))
    query = np.array([idf["root"], idf["tools"], 0.0])
    body = np.array([(saw + bandage) * idf["root"], saw * idf["tools"], bandage * idf["care"]])

    def cosine(a: np.ndarray, b: np.ndarray) -> float:
        return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))

    assert affinity["o:paint"] == pytest.approx(1.0)  # saw: the same groups as drill, no shared skill
    assert affinity["o:body"] == pytest.approx(cosine(query, body))
    assert affinity["o:nurse"] == pytest.approx(cosine(query, np.array([idf["root"], 0.0, idf["care"]])))
    assert affinity["o:paint"] > affinity["o:body"] > affinity["o:nurse"] > 0
    assert np.all(activity_affinity(graph, np.zeros(len(graph.skill_uris))) == 0.0)


def test_text_facet_by_hand() -> None:
    graph = CompetenceGraph.from_data(facet_graph())
    affinity = dict(zip(graph.occupation_uris, text_affinity(graph, ["o:mech"]), strict=True))
    # terms in >= 2 texts: "car" (3 texts) and "painter" (2); smoothed idf ln((1 + 4) / (1 + df)) + 1
    car, painter = np.log(5 / 4) + 1, np.log(5 / 3) + 1
    assert affinity["o:mech"] == pytest.approx(1.0)
    assert affinity["o:paint"] == pytest.approx(car / np.hypot(car, painter))
    assert affinity["o:body"] == pytest.approx(car / np.hypot(car, painter))
    assert affinity["o:nurse"] == 0.0  # "carer" is not "car"
    both = dict(zip(graph.occupation_uris, text_affinity(graph, ["o:mech", "o:paint"]), strict=True))
    assert both["o:body"] == pytest.approx(1.0)  # the best match over the profile's occupations
    assert label_tfidf(["a b", "c d"]).shape == (2, 0)  # nothing occurs twice: no terms, no error


def test_declared_skills_only_profile(tiny_graph: CompetenceGraph) -> None:
    roles = adjacent_roles(tiny_graph, profile=Profile(skills={"skill:battery": 3, "skill:ev": 3}), k=1)
    assert roles[0].uri == "occ:battery"


def test_jaccard_matches_brute_force(esco_graph: CompetenceGraph) -> None:
    scores = jaccard_scores(esco_graph, VEHICLE_TECHNICIAN)
    source = set(required_skills(esco_graph, VEHICLE_TECHNICIAN))
    for uri in (AUTOMOTIVE_BATTERY_TECHNICIAN, esco_graph.occupation_uris[0], esco_graph.occupation_uris[-1]):
        other = set(required_skills(esco_graph, uri))
        expected = len(source & other) / len(source | other)
        assert scores[esco_graph.occupation_index[uri]] == pytest.approx(expected)


def test_unknown_occupation(esco_graph: CompetenceGraph) -> None:
    with pytest.raises(UnknownOccupation, match="vehicle technician"):
        adjacent_roles(esco_graph, occupation="vehicle tecnician")


def test_automotive_sector_is_in_esco(esco_graph: CompetenceGraph) -> None:
    members = automotive_mobility()
    assert len(members) == len(AUTOMOTIVE_MOBILITY_OCCUPATIONS)
    for uid, isco, label in AUTOMOTIVE_MOBILITY_OCCUPATIONS:
        uri = "http://data.europa.eu/esco/occupation/" + uid
        assert esco_graph.label(uri) == label
        assert esco_graph.isco_codes[esco_graph.occupation_index[uri]] == isco
    with pytest.raises(UpskillError, match="automotive-mobility"):
        sector_uris("aviation")


def test_sector_ranking_on_esco(esco_graph: CompetenceGraph) -> None:
    members = automotive_mobility()
    roles = adjacent_roles(esco_graph, occupation=VEHICLE_TECHNICIAN, k=10, sector=members)
    assert len(roles) == 10 and all(r.uri in members for r in roles)
    assert VEHICLE_TECHNICIAN not in {r.uri for r in roles}
    again = adjacent_roles(esco_graph, occupation=VEHICLE_TECHNICIAN, k=10, sector=members)
    assert roles == again
    # the unfiltered ranking over all 3,007 occupations puts the same roles in the same order
    everything = adjacent_roles(esco_graph, occupation=VEHICLE_TECHNICIAN, k=len(esco_graph.occupation_uris))
    in_sector = [r.uri for r in everything if r.uri in members][:10]
    assert in_sector == [r.uri for r in roles]
