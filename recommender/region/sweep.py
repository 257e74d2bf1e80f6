"""The budget sensitivity curve: the portfolio MILP at 10 % .. 200 % of the budget, solved in parallel.

Each budget is an independent MILP on the same problem. The budgets are dealt into as many chunks as there
are workers, and each chunk is one task that builds the constraint matrix once and solves its budgets one
after the other (:func:`recommender.region.portfolio.solve_many`). With a Dask scheduler address the tasks go
to its workers (``distributed.Client``; the problem is scattered once); otherwise ``processes`` local
processes take them (``1``: everything in this process).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

from recommender.region.model import Problem, Solution
from recommender.region.outcome import SensitivityPoint
from recommender.region.portfolio import solve_many

#: 10 %, 20 %, ..., 200 % of the plan's budget: 20 budgets.
SHARES: tuple[float, ...] = tuple(round(0.1 * i, 1) for i in range(1, 21))


def _point(problem: Problem, share: float, solution: Solution) -> SensitivityPoint:
    return SensitivityPoint(
        budget=problem.settings.budget * share,
        share=share,
        workers_made_ready=int(sum(solution.workers)),
        weighted=solution.weighted(problem),
        cost=solution.cost(problem),
        status=solution.certificate.status,
        gap=solution.certificate.gap,
    )


def _chunks(budgets: Sequence[float], parts: int) -> list[list[float]]:
    """``budgets`` dealt round-robin into at most ``parts`` chunks (cheap and dear budgets mixed)."""
    parts = max(1, min(parts, len(budgets)))
    return [list(budgets[i::parts]) for i in range(parts)]


def _unchunk(chunks: list[list[Solution]], parts: int, n: int) -> list[Solution]:
    ordered: list[Solution | None] = [None] * n
    for i, chunk in enumerate(chunks):
        for k, solution in enumerate(chunk):
            ordered[i + k * parts] = solution
    return [s for s in ordered if s is not None]


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
            parts = sum(client.nthreads().values()) or 1
            chunks = _chunks(budgets, parts)
            shared = client.scatter(problem, broadcast=True)
            futures = client.map(solve_many, [shared] * len(chunks), chunks, pure=False)
            solutions = _unchunk(client.gather(futures), len(chunks), len(budgets))
    elif processes > 1 and len(budgets) > 1:
        chunks = _chunks(budgets, processes)
        with ProcessPoolExecutor(max_workers=len(chunks)) as pool:
            solved = list(pool.map(solve_many, [problem] * len(chunks), chunks))
        solutions = _unchunk(solved, len(chunks), len(budgets))
    else:
        solutions = solve_many(problem, budgets)
    return [_point(problem, share, solution) for share, solution in zip(shares, solutions, strict=True)]
