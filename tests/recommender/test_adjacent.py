from __future__ import annotations

import numpy as np
import pytest

from recommender.adjacent import (
    ISCO_WEIGHT,
    adjacent_roles,
    isco_affinity,
    jaccard_scores,
    score_parts,
)
from recommender.errors import UnknownOccupation, UpskillError
from recommender.gap import Profile, holdings, skill_gap
from recommender.graph import CompetenceGraph
from recommender.sectors import AUTOMOTIVE_MOBILITY_OCCUPATIONS, automotive_mobility, sector_uris
from tests.recommender.conftest import AUTOMOTIVE_BATTERY_TECHNICIAN, VEHICLE_TECHNICIAN


def test_parts_multiply_to_the_score_and_coverage_is_the_gap_coverage(tiny_graph: CompetenceGraph) -> None:
    roles = adjacent_roles(tiny_graph, occupation="occ:welder", k=10)
    assert "occ:welder" not in {r.uri for r in roles}
    assert len(roles) == len(tiny_graph.occupation_uris) - 1
    for role in roles:
        expected = np.sqrt(role.coverage * role.reuse) * role.training * role.isco
        assert role.score == pytest.approx(expected, abs=1e-5)
        gap = skill_gap(tiny_graph, role.uri, occupations=["occ:welder"])
        assert role.coverage == pytest.approx(gap.coverage / 100, abs=1e-4)
        assert role.n_missing_essential == sum(
            1 for i in gap.items if i.relation == "essential" and i.status != "held"
        )
    scores = [r.score for r in roles]
    assert scores == sorted(scores, reverse=True)


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
    parts = score_parts(tiny_graph, held)  # no occupation: the ISCO part is neutral
    assert np.all(parts["isco"] == 1.0)
    assert ISCO_WEIGHT > 0


def test_declared_skills_only_profile(tiny_graph: CompetenceGraph) -> None:
    roles = adjacent_roles(tiny_graph, profile=Profile(skills={"skill:battery": 3, "skill:ev": 3}), k=1)
    assert roles[0].uri == "occ:battery"


def test_jaccard_matches_brute_force(esco_graph: CompetenceGraph) -> None:
    scores = jaccard_scores(esco_graph, VEHICLE_TECHNICIAN)
    source = set(esco_graph.required_skills(VEHICLE_TECHNICIAN))
    for uri in (AUTOMOTIVE_BATTERY_TECHNICIAN, esco_graph.occupation_uris[0], esco_graph.occupation_uris[-1]):
        other = set(esco_graph.required_skills(uri))
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
