"""Scenario 4 (Moravian-Silesian region, EUR 5 million) on the real ESCO graph and the shipped demo files."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from scipy.optimize import linprog

from data.demo import scenario4 as demo
from data.formats.region import read_demand, read_programmes, read_workforce
from recommender.graph import CompetenceGraph
from recommender.region.model import Problem, Settings
from recommender.region.outcome import outcome
from recommender.region.pathways import build_problem
from recommender.region.portfolio import solve
from recommender.region.publish import publish
from tests.recommender.region.builders import default_catalogue_courses, feasible, ready_by_gap, taught


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
        origin, target = scenario4.origins[pair.origin].uri, scenario4.targets[pair.target].uri
        assert ready_by_gap(esco_graph, origin, target, taught(scenario4, pathway.programmes))
    # no provider teaches CAE software: the engineering technician role is out of reach, and said so
    commission = {row["skill"]: row for row in result.supply_gap}
    assert commission["CAE software"]["demand_out_of_reach"] == 300
    assert any(row["target"] == "automotive engineering technician" for row in result.partial)


Cells = list[tuple[str, str | None]]  # (origin, target or None: not trained)


def _attack(plan: dict[str, Any], origin: str, target: str | None) -> tuple[float, float]:
    """Range of one cell (target None: the origin's "not trained" cell) given only the published JSON."""
    index, a_eq, b_eq = _published_equations(plan)
    objective = np.zeros(len(index))
    objective[index[(origin, target)]] = 1.0
    low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    return float(low.fun), float("inf") if high.status == 3 else float(-high.fun)


def _published_equations(
    plan: dict[str, Any],
) -> tuple[dict[tuple[str, str | None], int], np.ndarray, np.ndarray]:
    """Every linear equation the published figures give over the (origin, target or None) cells."""
    origins = [row["origin"] for row in plan["supply"]]
    targets = [row["target"] for row in plan["unmet_demand"]]
    columns = [*targets, None]
    index = {(o, t): i for i, (o, t) in enumerate((o, t) for o in origins for t in columns)}
    published: list[tuple[Cells, float | None]] = []  # (cells, their sum), None when suppressed
    for row in plan["made_ready"]:
        published.append(([(row["origin"], row["target"])], row["workers"]))
    for row in plan["supply"]:
        published.append(([(row["origin"], t) for t in columns], row["workforce"]))
        published.append(([(row["origin"], None)], row["not_trained"]))
    for row in plan["unmet_demand"]:
        column: Cells = [(o, row["target"]) for o in origins]
        published.append((column, row["workers_made_ready"]))
        unmet = row["unmet_demand"]  # demand is known: unmet gives the column total too
        published.append((column, None if unmet is None else row["demand"] - unmet))
    published.append(([(o, t) for o in origins for t in targets], plan["totals"]["workers_made_ready"]))
    equations: list[tuple[np.ndarray, float]] = []
    for cells, value in published:
        if value is not None:
            row_vector = np.zeros(len(index))
            row_vector[[index[cell] for cell in cells]] = 1.0
            equations.append((row_vector, value))
    return index, np.array([e[0] for e in equations]), np.array([e[1] for e in equations])


@pytest.mark.slow
def test_scenario4_published_plan_hides_small_groups(scenario4: Problem) -> None:
    result = outcome(scenario4, solve(scenario4))
    plan = publish(scenario4, result)
    json.dumps(plan)  # plain JSON
    (small,) = [row for row in plan["supply"] if row["origin"] == "mechatronics assembler"]
    assert small["suppressed"] and small["workforce"] is None and small["not_trained"] is None
    # the 3 mechatronics assemblers cannot be recovered from everything published
    low, high = _attack(plan, "mechatronics assembler", None)
    assert low <= 0 and high >= 5
    assert plan["totals"]["workers_made_ready"] == result.totals["workers_made_ready"]
    assert all(row["seats"] >= 5 for row in plan["portfolio"])
