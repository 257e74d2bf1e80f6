"""What to drop from a plan that misses its deadline: the part of it that finishes in time and reaches most.

A plan's courses, kept or dropped, make a small selection problem of their own: keep a set of them that is
closed under the plan's prerequisites (a kept course keeps the courses it needs), whose schedule ends by the
deadline, and that reaches the most of the gap: the most weight of essential level steps first, then of
optional ones, then the fewest hours (one objective whose weights rank them so). :func:`kept_by_deadline`
solves it exactly with a MILP over the plan's own courses, a few dozen at most, with HiGHS as the selection
calls it (:func:`~recommender.planner.cover.run_highs`): the hours the weeks allow bound the kept courses'
hours, and a set whose schedule still overruns (a course starts only the week after its prerequisites end,
or waits for its first session) is cut off and the MILP solved again.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import highspy
import numpy as np
from numpy.typing import NDArray

from recommender.planner.cover import Rows, run_highs
from recommender.planner.schedule import fits_in

#: Sets whose schedule overruns are cut off at most this many times before the search gives up.
MAX_CUTS = 30
#: HiGHS's time limit per solve, in seconds of CPU (the problems have a few dozen variables: ~1-2 ms).
TIME_LIMIT = 1.0


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
    # one objective, minimised: an essential step outweighs every optional step and all the hours together,
    # an optional step all the hours (each weighted below the smallest step over their sum)
    optional_total = float(steps[~is_essential].sum())
    essential_scale = (optional_total + 1.0) / (
        float(steps[is_essential].min()) if is_essential.any() else 1.0
    )
    per_hour = 1e-3 * (float(steps.min()) if units else 1.0) / max(1.0, float(hour.sum()))
    # the steps reached by the same courses are reached together: one column for each such set of courses
    reaching: dict[int, list[int]] = {}
    for k, c in enumerate(order):
        for u in covers[c]:
            reaching.setdefault(u, []).append(k)
    groups: dict[tuple[int, ...], float] = {}
    for u, step, counts_first in zip(units, steps, is_essential, strict=True):
        key = tuple(reaching[u])
        groups[key] = groups.get(key, 0.0) - (essential_scale if counts_first else 1.0) * step
    late = [k for k, c in enumerate(order) if max(1, earliest.get(c, 1)) > weeks]  # first session too late
    rows = _rows(order, hours, requires, list(groups), hours_per_week * weeks, late)
    objective = np.concatenate([per_hour * hour, list(groups.values())])
    columns = n + len(groups)
    integrality = [highspy.HighsVarType.kInteger] * n + [highspy.HighsVarType.kContinuous] * len(groups)
    for _ in range(MAX_CUTS):
        found = run_highs(
            objective,
            rows=rows,
            col_lower=np.zeros(columns),
            integrality=integrality,
            time_limit=TIME_LIMIT,
            start=None,
        )
        if found.x is None or found.status != 0:
            return None
        chosen = found.x[:n] > 0.5
        kept = tuple(c for c, keep in zip(order, chosen, strict=True) if keep)
        if fits_in(kept, hours, requires, hours_per_week, weeks, earliest):
            return kept
        # the schedule overruns: not this set again (at most len(kept) - 1 of it, or one course more)
        cut = np.concatenate([np.where(chosen, 1.0, -1.0), np.zeros(len(groups))])
        rows = rows.with_row(cut, -np.inf, len(kept) - 1.0)
    return None


def _rows(
    order: Sequence[str],
    hours: Mapping[str, float],
    requires: Mapping[str, Collection[str]],
    groups: Sequence[tuple[int, ...]],
    most_hours: float,
    late: Collection[int],
) -> Rows:
    """The MILP's rows: a course is column ``k`` of ``order``, a group of level steps (those the courses at
    its positions reach) column ``len(order) + j`` of ``groups`` (1 when reached); the courses at ``late``
    are not kept."""
    index = {c: k for k, c in enumerate(order)}
    rows: list[tuple[dict[int, float], float]] = []  # coefficients by column, upper bound (no lower)
    for j, reached_by in enumerate(groups):  # a group counts only when a kept course reaches it
        rows.append(({len(order) + j: 1.0, **dict.fromkeys(reached_by, -1.0)}, 0.0))
    for c in order:  # a kept course keeps what it needs
        rows.extend(({index[c]: 1.0, index[p]: -1.0}, 0.0) for p in requires.get(c, ()) if p in index)
    rows.append(({index[c]: float(hours[c]) for c in order}, most_hours))
    rows.extend(({k: 1.0}, 0.0) for k in late)
    starts = np.cumsum([0, *(len(row) for row, _ in rows)])
    return Rows(
        starts,
        np.array([j for row, _ in rows for j in sorted(row)], dtype=np.int64),
        np.array([row[j] for row, _ in rows for j in sorted(row)], dtype=float),
        np.full(len(rows), -np.inf),
        np.array([upper for _, upper in rows]),
        len(order) + len(groups),
    )
