"""The portfolio MILP against an independent brute force on small instances, and its certificate."""

from __future__ import annotations

from dataclasses import replace

import pytest

from recommender.region.portfolio import solve, solve_many
from tests.recommender.region.builders import brute_force, feasible, random_problem


@pytest.mark.parametrize("min_seats", [1, 3])
@pytest.mark.parametrize("seed", range(40))
def test_portfolio_is_the_brute_force_optimum(seed: int, min_seats: int) -> None:
    problem = random_problem(seed, min_seats=min_seats)
    solution = solve(problem)
    assert feasible(problem, solution.workers)
    best_weighted, best_cost = brute_force(problem)
    assert solution.weighted(problem) == pytest.approx(best_weighted)
    assert solution.cost(problem) == pytest.approx(best_cost)
    assert solution.certificate.status == "optimal"
    assert solution.certificate.bound == pytest.approx(best_weighted)


def test_instances_are_not_trivial() -> None:
    """The brute-force check means something: budgets, seats and counts bind, and optima differ from zero."""
    optima = [brute_force(random_problem(seed))[0] for seed in range(40)]
    assert sum(value > 0 for value in optima) >= 25
    assert len(set(optima)) >= 5


def test_more_budget_never_makes_fewer_ready() -> None:
    problem = random_problem(7)
    budgets = [0.0, 200.0, 500.0, 1000.0, 5000.0]
    values = [s.weighted(problem) for s in solve_many(problem, budgets)]
    assert values == sorted(values)
    assert values[0] == 0.0


def test_cofinancing_stretches_the_budget() -> None:
    problem = random_problem(3)
    alone = solve(replace(problem, settings=replace(problem.settings, cofinancing=0.0)))
    shared = solve(replace(problem, settings=replace(problem.settings, cofinancing=0.5)))
    assert shared.weighted(problem) >= alone.weighted(problem)
    assert shared.cost(problem) * 0.5 <= problem.settings.budget + 1e-9
