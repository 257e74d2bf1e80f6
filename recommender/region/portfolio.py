"""The portfolio MILP: how many workers follow each pathway, solved by HiGHS through ``scipy.optimize.milp``.

Variables: ``x_j`` (integer) workers on pathway ``j``; with ``min_seats > 1`` also ``f_p`` (binary): programme
``p`` is funded. Seats of a programme are the workers on the pathways through it.

=====================  ==============================================================================
maximise               sum_j weight(target of j) * x_j            (demand-weighted workers made ready)
supply, per origin     sum of x_j over its pathways  <=  workers of the origin occupation
demand, per target     sum of x_j over its pathways  <=  headcount demanded
seats, per programme   min_seats * f_p  <=  seats_p  <=  seats available * f_p
budget                 (1 - cofinancing) * sum_j cost_j * x_j  <=  budget
=====================  ==============================================================================

Then, keeping the weighted made-ready figure, a second MILP spends as little as possible (the region should
not pay more for the same result). The certificate is the first stage's: ``optimal`` when HiGHS proved it,
otherwise ``gap`` with the bound.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, milp

from recommender.region.model import Certificate, Problem, Solution, Status

SOLVER = "HiGHS (scipy.optimize.milp)"
#: Relative slack on the made-ready floor of the cost stage (HiGHS feasibility tolerance is 1e-6).
FLOOR_SLACK = 1e-7


def _pathway_caps(problem: Problem) -> NDArray[np.float64]:
    """The most workers each pathway can take: its origin's and target's counts, its programmes' seats."""
    cap = np.full(len(problem.pathways), np.inf)
    for j, path in enumerate(problem.pathways):
        pair = problem.pairs[path.pair]
        bound = min(problem.origins[pair.origin].count, problem.targets[pair.target].count)
        cap[j] = min([bound] + [problem.programmes[p].seats for p in path.programmes])
    return cap


class _Model:
    """The constraint matrix of a problem, built once and solved at any budget."""

    def __init__(self, problem: Problem):
        self.problem = problem
        s = problem.settings
        paths = problem.pathways
        n = len(paths)
        used = sorted({p for path in paths for p in path.programmes})
        self.used = used
        position = {p: i for i, p in enumerate(used)}
        self.binaries = s.min_seats > 1
        nb = len(used) if self.binaries else 0
        self.n, self.nb = n, nb
        self.weight = np.array(
            [problem.targets[problem.pairs[path.pair].target].weight for path in paths], dtype=np.float64
        )
        self.cost = np.array([path.cost for path in paths], dtype=np.float64)

        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        lower: list[float] = []
        upper: list[float] = []
        r = 0
        origin_row = {o: i for i, o in enumerate(sorted({problem.pairs[p.pair].origin for p in paths}))}
        target_row = {t: i for i, t in enumerate(sorted({problem.pairs[p.pair].target for p in paths}))}
        for j, path in enumerate(paths):
            pair = problem.pairs[path.pair]
            rows += [r + origin_row[pair.origin], r + len(origin_row) + target_row[pair.target]]
            cols += [j, j]
            vals += [1.0, 1.0]
        for o in origin_row:
            lower.append(-np.inf)
            upper.append(problem.origins[o].count)
        for t in target_row:
            lower.append(-np.inf)
            upper.append(problem.targets[t].count)
        r += len(origin_row) + len(target_row)
        for j, path in enumerate(paths):
            for p in path.programmes:
                rows.append(r + position[p])
                cols.append(j)
                vals.append(1.0)
        seats = np.array([problem.programmes[p].seats for p in used], dtype=np.float64)
        if self.binaries:
            # seats_p - seats available * f_p <= 0  and  seats_p - min_seats * f_p >= 0
            for i in range(nb):
                rows += [r + i, r + nb + i]
                cols += [n + i, n + i]
                vals += [-float(seats[i]), -float(s.min_seats)]
            for j, path in enumerate(paths):
                for p in path.programmes:
                    rows.append(r + nb + position[p])
                    cols.append(j)
                    vals.append(1.0)
            lower += [-np.inf] * nb + [0.0] * nb
            upper += [0.0] * nb + [np.inf] * nb
            r += 2 * nb
        else:
            lower += [-np.inf] * len(used)
            upper += seats.tolist()
            r += len(used)
        self.matrix = sp.csr_matrix((vals, (rows, cols)), shape=(r, n + nb))
        self.lower = np.array(lower, dtype=np.float64)
        self.upper = np.array(upper, dtype=np.float64)
        self.cap = _pathway_caps(problem)
        self.spend_row = np.concatenate([self.cost, np.zeros(nb)])
        self.weight_row = np.concatenate([self.weight, np.zeros(nb)])

    def solve(self, spend: float, *, time_limit: float, minimise_cost: bool) -> Solution:
        """Workers per pathway at a spending limit (budget plus co-financing)."""
        started = time.perf_counter()
        complete = all(pair.pathways_complete for pair in self.problem.pairs)
        if self.n == 0:
            certificate = Certificate("optimal", 0.0, 0.0, 0.0, SOLVER, 0.0, complete, "no pathway to fund")
            return Solution((), certificate)
        bounds = Bounds(np.zeros(self.n + self.nb), np.concatenate([self.cap, np.ones(self.nb)]))
        integrality = np.ones(self.n + self.nb)
        constraints = [
            LinearConstraint(self.matrix, self.lower, self.upper),
            LinearConstraint(self.spend_row[np.newaxis, :], -np.inf, spend),
        ]
        first = milp(
            -self.weight_row,
            integrality=integrality,
            bounds=bounds,
            constraints=constraints,
            options={"time_limit": time_limit, "mip_rel_gap": 1e-9},
        )
        if first.x is None:
            seconds = time.perf_counter() - started
            certificate = Certificate(
                "infeasible", 0.0, float("nan"), float("nan"), SOLVER, seconds, complete, first.message
            )
            return Solution(tuple(0 for _ in range(self.n)), certificate)
        x = _integral(first.x)
        objective = float(self.weight_row @ x)
        bound = objective if first.status == 0 else float(-first.mip_dual_bound)
        bound = max(bound, objective)
        message = first.message
        if minimise_cost:
            left = time_limit - (time.perf_counter() - started)
            if left > 0.05:
                floor = objective - FLOOR_SLACK * max(1.0, abs(objective))
                second = milp(
                    self.spend_row,
                    integrality=integrality,
                    bounds=bounds,
                    constraints=[
                        *constraints,
                        LinearConstraint(self.weight_row[np.newaxis, :], floor, np.inf),
                    ],
                    options={"time_limit": left, "mip_rel_gap": 1e-9},
                )
                if second.x is not None:
                    candidate = _integral(second.x)
                    if self.spend_row @ candidate <= self.spend_row @ x + 1e-9:
                        x = candidate
                message += "; cost stage: " + ("optimal" if second.status == 0 else second.message)
        status: Status = "optimal" if first.status == 0 else "gap"
        certificate = Certificate(
            status=status,
            objective=objective,
            bound=bound,
            gap=(bound - objective) / max(1.0, abs(bound)),
            solver=SOLVER,
            seconds=time.perf_counter() - started,
            pathways_complete=complete,
            message=message,
        )
        return Solution(tuple(int(v) for v in x[: self.n]), certificate)


def _integral(x: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.round(x).astype(np.float64)


def solve(problem: Problem, *, budget: float | None = None, minimise_cost: bool = True) -> Solution:
    """The portfolio that makes the most demand-weighted workers ready, at ``budget`` (default the settings').

    Parameters
    ----------
    problem : Problem
        From :func:`recommender.region.pathways.build_problem`.
    budget : float, optional
        Another budget than ``problem.settings.budget`` (the sensitivity curve).
    minimise_cost : bool
        Then spend as little as possible for that result (a second MILP).

    Returns
    -------
    Solution
        Workers per pathway, in the order of ``problem.pathways``, and the certificate.
    """
    settings = problem.settings if budget is None else replace(problem.settings, budget=budget)
    model = _Model(problem)
    return model.solve(settings.total_spend, time_limit=settings.time_limit, minimise_cost=minimise_cost)


def solve_many(problem: Problem, budgets: list[float]) -> list[Solution]:
    """:func:`solve` (made-ready stage only) at each budget, sharing one constraint matrix; in order."""
    model = _Model(problem)
    s = problem.settings
    return [
        model.solve(replace(s, budget=b).total_spend, time_limit=s.time_limit, minimise_cost=False)
        for b in budgets
    ]
