"""Pathways: minimal covers against brute force, and readiness checked with the gap computation itself."""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest

from recommender.gap import Profile, RequiredLevels, gap_from_holdings, holdings, strengths
from recommender.graph import CompetenceGraph
from recommender.region.model import Occupation, Problem, Programme, Settings
from recommender.region.pathways import build_problem, essential_gap, minimal_covers
from tests.recommender.region.builders import ready_by_gap, taught


def _brute_covers(closers: list[list[int]], n: int, k: int) -> set[tuple[int, ...]]:
    covers = set()
    for size in range(1, k + 1):
        for combo in itertools.combinations(range(n), size):
            chosen = set(combo)
            if all(chosen & set(c) for c in closers) and all(
                not all((chosen - {p}) & set(c) for c in closers) for p in combo
            ):
                covers.add(combo)
    return covers


@pytest.mark.parametrize("seed", range(60))
def test_minimal_covers_are_every_minimal_cover_once(seed: int) -> None:
    rng = random.Random(seed)
    n, m, k = rng.randint(2, 7), rng.randint(1, 6), rng.randint(1, 4)
    closers = [sorted(rng.sample(range(n), rng.randint(1, n))) for _ in range(m)]
    found, complete = minimal_covers(closers, max_size=k)
    assert complete
    assert len(found) == len(set(found))
    assert set(found) == _brute_covers(closers, n, k)


def test_enumeration_limit_is_reported() -> None:
    closers = [list(range(6)) for _ in range(2)]  # any one of six programmes closes both
    found, complete = minimal_covers(closers, max_size=2, limit=3)
    assert len(found) == 3 and not complete


def _programme(pid: str, skills: dict[str, int], cost: float, **kw: Any) -> Programme:
    return Programme(
        id=pid,
        title=pid,
        provider="provider",
        skills=skills,
        cost_per_seat=cost,
        seats=50,
        hours=20,
        weeks=4,
        **kw,
    )


PROGRAMMES = [
    _programme("battery", {"skill:battery": 3}, 300),
    _programme("ev", {"skill:ev": 3}, 200),
    _programme("bundle", {"skill:battery": 3, "skill:ev": 4}, 450),
    _programme("join", {"skill:join": 3}, 100),
    _programme("talk", {"skill:comm": 2}, 50),  # below the level an essential skill needs
    _programme("far", {"skill:battery": 3, "skill:ev": 3}, 10, regions=("SK02",), delivery_mode="in-person"),
    _programme("german", {"skill:battery": 3, "skill:ev": 3}, 10, language="de"),
]


def _problem(graph: CompetenceGraph, **settings: Any) -> Problem:
    workforce = [Occupation("occ:welder", "welder", 20), Occupation("occ:painter", "vehicle painter", 0)]
    demand = [
        Occupation("occ:battery", "battery technician", 10, 2028),
        Occupation("occ:fabricator", "f", 5, 2028),
    ]
    return build_problem(
        graph,
        workforce,
        demand,
        PROGRAMMES,
        Settings(budget=1000, region="CZ08", languages=("en",), **settings),
    )


def test_pathways_close_the_essential_gap(tiny_graph: CompetenceGraph) -> None:
    problem = _problem(tiny_graph)
    assert set(problem.excluded_programmes) == {"far", "german"}
    assert len(problem.pairs) == 2  # the painter has no workers
    battery = problem.pairs[0]
    assert {s.uri for s in battery.gap} == {"skill:battery", "skill:ev"}
    ids = {tuple(problem.programmes[i].id for i in p.programmes) for p in problem.pathways if p.pair == 0}
    assert ids == {("battery", "ev"), ("bundle",)}
    assert [p.cost for p in problem.pathways if p.pair == 0] == [450.0, 500.0]  # cheapest first


def test_unteachable_skill_gives_partial_readiness(tiny_graph: CompetenceGraph) -> None:
    problem = _problem(tiny_graph)
    fabricator = problem.pairs[1]
    assert fabricator.unteachable == ("skill:comm",)
    assert not [p for p in problem.pathways if p.pair == 1]
    weights = {s.uri: s.weight for s in fabricator.gap}
    assert fabricator.closable_share == pytest.approx(weights["skill:join"] / sum(weights.values()))


def test_max_programmes_limits_pathways(tiny_graph: CompetenceGraph) -> None:
    problem = _problem(tiny_graph, max_programmes=1)
    ids = {tuple(problem.programmes[i].id for i in p.programmes) for p in problem.pathways}
    assert ids == {("bundle",)}


def test_every_pathway_makes_ready_by_the_gap_computation(tiny_graph: CompetenceGraph) -> None:
    problem = _problem(tiny_graph)
    for pathway in problem.pathways:
        pair = problem.pairs[pathway.pair]
        origin, target = problem.origins[pair.origin].uri, problem.targets[pair.target].uri
        assert ready_by_gap(tiny_graph, origin, target, taught(problem, pathway.programmes))
        for drop in pathway.programmes:  # minimal: without any one programme the worker is not ready
            rest = taught(problem, (i for i in pathway.programmes if i != drop))
            assert not ready_by_gap(tiny_graph, origin, target, rest)


def test_essential_gap_is_the_gap_computation(tiny_graph: CompetenceGraph) -> None:
    """The vectorised essential gap (credits once per origin) equals gap_from_holdings item by item."""
    lowered = RequiredLevels(essential=1, optional=1, skills={"skill:weld": 2}, source="a table")
    for origin in ("occ:welder", "occ:painter", "occ:fabricator", "occ:welder2"):
        held = holdings(tiny_graph, Profile((origin,)))
        strength = strengths(tiny_graph, held)
        for target in ("occ:battery", "occ:fabricator", "occ:welder", "occ:painter"):
            for required in (RequiredLevels(), lowered):
                expected = [
                    (i.uri, i.required_level, pytest.approx(i.credit), pytest.approx(i.weight))
                    for i in gap_from_holdings(tiny_graph, target, held, required).items
                    if i.relation == "essential" and i.status != "held"
                ]
                got = [
                    (s.uri, s.needed_level, s.credit, s.weight)
                    for s in essential_gap(tiny_graph, target, strength, required)
                ]
                assert sorted(got, key=lambda x: x[0]) == sorted(expected, key=lambda x: x[0])


def test_search_effort_limit_is_reported() -> None:
    closers = [list(range(8)) for _ in range(4)]
    found, complete = minimal_covers(closers, max_size=2, max_nodes=3)
    assert not complete and len(found) <= 3


def test_move_needing_more_programmes_says_how_many(tiny_graph: CompetenceGraph) -> None:
    programmes = [p for p in PROGRAMMES if p.id in ("battery", "ev")]  # no bundle: two programmes needed
    workforce = [Occupation("occ:welder", "welder", 20)]
    demand = [Occupation("occ:battery", "battery technician", 10, 2028)]
    settings = Settings(budget=1000, max_programmes=1)
    problem = build_problem(tiny_graph, workforce, demand, programmes, settings)
    assert not problem.pathways
    assert problem.pairs[0].programmes_to_close == 2
