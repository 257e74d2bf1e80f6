"""What to drop from a plan that misses its deadline: the part of it that finishes in time and reaches most.

A plan's courses, kept or dropped, make a small selection problem of their own: keep a set of them that is
closed under the plan's prerequisites (a kept course keeps the courses it needs), whose schedule ends by the
deadline, and that reaches the most of the gap: the most weight of essential level steps first, then of
optional ones, then the fewest hours. :func:`kept_by_deadline` solves it exactly with a MILP (HiGHS through
``scipy.optimize.milp``) over the plan's own courses, a few dozen at most: the hours the weeks allow bound
the kept courses' hours, and a set whose schedule still overruns (a course starts only the week after its
prerequisites end, or waits for its first session) is cut off and the MILP solved again.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, OptimizeResult, milp

from recommender.planner.schedule import fits_in

#: Sets whose schedule overruns are cut off at most this many times before the search gives up.
MAX_CUTS = 30
#: HiGHS's time limit per solve, in seconds (the problems have a few dozen variables).
TIME_LIMIT = 1.0


Row = tuple[dict[int, float], float, float]  # coefficients by column, lower and upper bound


def kept_by_deadline(  # noqa: PLR0913 - the plan's schedule inputs and its coverage, as the planner holds them
    order: Sequence[str],
    hours: Mapping[str, float],
    requires: Mapping[str, Collection[str]],
    earliest: Mapping[str, int],
    hours_per_week: float,
    weeks: int,
    covers: Mapping[str, Collection[int]],
    weight: NDArray[np.float64],
    essential: NDArray[np.bool_],
) -> tuple[str, ...] | None:
    """The courses of ``order`` (in that order) to keep so that the plan ends within ``weeks``.

    ``covers`` holds the level steps (indices into ``weight`` and ``essential``) each course reaches, as the
    selection counts them. Returns the empty tuple when no course can end in time, None when HiGHS found no
    answer within its limits (or every candidate set was cut off).
    """
    n = len(order)
    units = sorted({u for c in order for u in covers[c]})
    steps = np.array([weight[u] for u in units], dtype=float)
    is_essential = np.array([bool(essential[u]) for u in units], dtype=bool)
    hour = np.array([float(hours[c]) for c in order])
    rows = _rows(order, hours, requires, covers, units, hours_per_week * weeks)
    upper = np.ones(n + len(units))
    for k, c in enumerate(order):
        if max(1, earliest.get(c, 1)) > weeks:  # its first session comes after the deadline
            upper[k] = 0.0
    integrality = np.concatenate([np.ones(n), np.zeros(len(units))])
    most_essential = np.concatenate([np.zeros(n), np.where(is_essential, -steps, 0.0)])
    # then optional steps, then fewer hours: all the hours are worth less than the smallest step
    per_hour = 1e-3 * (float(steps.min()) if units else 1.0) / max(1.0, float(hour.sum()))
    then_optional = np.concatenate([per_hour * hour, np.where(is_essential, 0.0, -steps)])
    essential_row = {n + k: float(steps[k]) for k in range(len(units)) if is_essential[k]}
    for _ in range(MAX_CUTS):
        first = _solve(most_essential, rows, upper, integrality)
        if first is None:
            return None
        at_least = (essential_row, -float(first.fun) * (1 - 1e-9), np.inf)  # the most essential weight
        second = _solve(then_optional, [*rows, at_least], upper, integrality)
        if second is None:
            return None
        chosen = [bool(x > 0.5) for x in second.x[:n]]
        kept = tuple(c for c, keep in zip(order, chosen, strict=True) if keep)
        if fits_in(kept, hours, requires, hours_per_week, weeks, earliest):
            return kept
        # the schedule overruns: not this set again (at most len(kept) - 1 of it, or one course more)
        rows.append(({k: 1.0 if keep else -1.0 for k, keep in enumerate(chosen)}, -np.inf, len(kept) - 1.0))
    return None


def _rows(  # noqa: PLR0913 - the selection's parts
    order: Sequence[str],
    hours: Mapping[str, float],
    requires: Mapping[str, Collection[str]],
    covers: Mapping[str, Collection[int]],
    units: Sequence[int],
    most_hours: float,
) -> list[Row]:
    """The MILP's rows: a course is column ``k`` of ``order``, a level step column ``len(order) + j`` of
    ``units`` (1 when reached)."""
    index = {c: k for k, c in enumerate(order)}
    rows: list[Row] = []
    for j, u in enumerate(units):  # a step counts only when a kept course reaches it
        row = {len(order) + j: 1.0}
        row.update({index[c]: -1.0 for c in order if u in covers[c]})
        rows.append((row, -np.inf, 0.0))
    for c in order:  # a kept course keeps what it needs
        rows.extend(
            ({index[c]: 1.0, index[p]: -1.0}, -np.inf, 0.0) for p in requires.get(c, ()) if p in index
        )
    rows.append(({index[c]: float(hours[c]) for c in order}, -np.inf, most_hours))
    return rows


def _solve(
    objective: NDArray[np.float64],
    rows: Sequence[Row],
    upper: NDArray[np.float64],
    integrality: NDArray[np.float64],
) -> OptimizeResult | None:
    """HiGHS's optimum of ``objective`` (minimised) over the rows, or None when it has none in time."""
    matrix = np.zeros((len(rows), objective.size))
    for r, (row, _, _) in enumerate(rows):
        for j, coefficient in row.items():
            matrix[r, j] = coefficient
    lower_bounds = np.array([low for _, low, _ in rows])
    upper_bounds = np.array([high for _, _, high in rows])
    result = milp(
        objective,
        integrality=integrality,
        bounds=Bounds(np.zeros(objective.size), upper),
        constraints=LinearConstraint(matrix, lower_bounds, upper_bounds),
        options={"time_limit": TIME_LIMIT, "mip_rel_gap": 0.0},
    )
    return result if result.status == 0 and result.x is not None else None
