"""Scenario 4 (Moravian-Silesian region, EUR 5 million) on the real ESCO graph and the shipped demo files."""

from __future__ import annotations

import pytest

from data.demo import scenario4 as demo
from data.formats.region import read_demand, read_programmes, read_workforce
from recommender.graph import CompetenceGraph
from recommender.region.model import Problem, Settings
from recommender.region.outcome import outcome
from recommender.region.pathways import build_problem
from recommender.region.portfolio import solve
from tests.recommender.region.builders import default_catalogue_courses, feasible, ready_by_gap


@pytest.fixture(scope="module")
def scenario4(esco_graph: CompetenceGraph) -> Problem:
    return build_problem(
        esco_graph,
        read_workforce(demo.DEMO / "scenario4_workforce.csv", esco_graph),
        read_demand(demo.DEMO / "scenario4_demand.csv", esco_graph),
        read_programmes(demo.DEMO / "scenario4_programmes.csv", esco_graph, default_catalogue_courses()),
        Settings(budget=5_000_000, currency="EUR", region="CZ08"),
    )


@pytest.mark.slow
def test_scenario4_portfolio(scenario4: Problem, esco_graph: CompetenceGraph) -> None:
    solution = solve(scenario4)
    assert solution.certificate.status == "optimal"
    assert solution.certificate.pathways_complete
    assert feasible(scenario4, solution.workers)
    result = outcome(scenario4, solution)
    assert 0 < result.totals["cost"] <= 5_000_000
    assert result.totals["workers_made_ready"] == sum(row["workers"] for row in result.made_ready) > 1000
    # every funded pathway makes its workers ready by the gap computation itself
    for pathway, n in zip(scenario4.pathways, solution.workers, strict=True):
        if n == 0:
            continue
        pair = scenario4.pairs[pathway.pair]
        taught: dict[str, int] = {}
        for i in pathway.programmes:
            for uri, level in scenario4.programmes[i].skills.items():
                taught[uri] = max(taught.get(uri, 0), level)
        origin, target = scenario4.origins[pair.origin].uri, scenario4.targets[pair.target].uri
        assert ready_by_gap(esco_graph, origin, target, taught)
    # no provider teaches CAE software: the engineering technician role is out of reach, and said so
    commission = {row["skill"]: row for row in result.supply_gap}
    assert commission["CAE software"]["demand_out_of_reach"] == 300
    assert any(row["target"] == "automotive engineering technician" for row in result.partial)
