"""The budget sensitivity curve: the portfolio MILP at 10 % .. 200 % of the budget, solved in parallel.

Each budget is an independent MILP on the same problem. With a Dask scheduler address the budgets go to its
workers (``distributed.Client``; the problem is scattered once); otherwise a pool of ``processes`` local
processes solves them (``1``: one after the other in this process, sharing one constraint matrix).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

from recommender.region.model import Problem, Solution
from recommender.region.outcome import SensitivityPoint
from recommender.region.portfolio import solve, solve_many

#: 10 %, 20 %, ..., 200 % of the plan's budget: 20 budgets.
SHARES: tuple[float, ...] = tuple(round(0.1 * i, 1) for i in range(1, 21))


def _point(problem: Problem, share: float, solution: Solution) -> SensitivityPoint:
    workers = sum(solution.workers)
    return SensitivityPoint(
        budget=problem.settings.budget * share,
        share=share,
        workers_made_ready=int(workers),
        weighted=solution.weighted(problem),
        cost=solution.cost(problem),
        status=solution.certificate.status,
        gap=solution.certificate.gap,
    )


def solve_at(problem: Problem, budget: float) -> Solution:
    """The made-ready stage of :func:`recommender.region.portfolio.solve` at ``budget`` (a task)."""
    return solve(problem, budget=budget, minimise_cost=False)


def sensitivity(
    problem: Problem,
    shares: Sequence[float] = SHARES,
    *,
    scheduler: str | None = None,
    processes: int = 1,
) -> list[SensitivityPoint]:
    """Workers made ready at each share of the budget, in the order of ``shares``.

    Parameters
    ----------
    problem : Problem
    shares : sequence of float
        Budgets as shares of ``problem.settings.budget``.
    scheduler : str, optional
        Address of a Dask distributed scheduler (``tcp://host:8786``) to solve on.
    processes : int
        Without a scheduler, local worker processes (1: in this process).
    """
    budgets = [problem.settings.budget * share for share in shares]
    if scheduler is not None:
        from distributed import Client

        with Client(scheduler) as client:
            shared = client.scatter(problem, broadcast=True)
            solutions = client.gather(client.map(solve_at, [shared] * len(budgets), budgets, pure=False))
    elif processes > 1 and len(budgets) > 1:
        with ProcessPoolExecutor(max_workers=min(processes, len(budgets))) as pool:
            solutions = list(pool.map(solve_at, [problem] * len(budgets), budgets))
    else:
        solutions = solve_many(problem, budgets)
    return [_point(problem, share, solution) for share, solution in zip(shares, solutions, strict=True)]


def with_budget(problem: Problem, budget: float) -> Problem:
    """The same problem at another budget."""
    return replace(problem, settings=replace(problem.settings, budget=budget))
