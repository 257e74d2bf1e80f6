"""Weekly schedule: courses share the worker's hours per week, prerequisites finish before dependents start.

Week 1 starts on the plan's start date; week ``w`` covers days ``7(w-1) .. 7w-1`` after it. Each week the
hours go, in plan order, to the courses under way or ready (prerequisites finished in an earlier week, first
session begun): plan order puts essential work first, so an optional course started while an essential one
waited for its prerequisite pauses when that one becomes ready (courses are treated as self-paced). A course
that ends mid-week leaves its spare hours to the next one, so courses run in parallel within the weekly hours
and the plan takes ``ceil(total hours / hours per week)`` weeks unless prerequisites or session dates force
a wait.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

_EPS = 1e-9


@dataclass(frozen=True)
class Slot:
    """When a course runs: first and last week (1-based, inclusive)."""

    start_week: int
    end_week: int


def schedule(
    order: Sequence[str],
    hours: Mapping[str, float],
    requires: Mapping[str, Iterable[str]],
    hours_per_week: float,
    earliest_week: Mapping[str, int] | None = None,
) -> dict[str, Slot]:
    """Place each course of ``order`` in weeks.

    Parameters
    ----------
    order : sequence of str
        Courses in a prerequisite-respecting order.
    hours : mapping of str to float
        Hours each course takes (positive).
    requires : mapping of str to iterable of str
        Courses each one needs finished first (others than members of ``order`` are ignored).
    hours_per_week : float
        The worker's weekly hours (positive).
    earliest_week : mapping of str to int, optional
        First week a course can start (its first session); 1 when absent.

    Returns
    -------
    dict of str to Slot
        Start and end week per course.
    """
    slots = _simulate(order, hours, requires, hours_per_week, earliest_week)
    assert slots is not None  # no horizon: every course ends
    return slots


def _simulate(  # noqa: C901 - one week at a time, the active courses recomputed only when they can change
    order: Sequence[str],
    hours: Mapping[str, float],
    requires: Mapping[str, Iterable[str]],
    hours_per_week: float,
    earliest_week: Mapping[str, int] | None = None,
    horizon: int | None = None,
) -> dict[str, Slot] | None:
    """:func:`schedule`, or None as soon as some course cannot end by week ``horizon``.

    The courses under way or ready in a week are those not ended whose prerequisites ended in an earlier
    week and whose first session has begun (a course under way was ready when it started, and stays so).
    That set changes only in the week after a course ends or when a waiting course's first week comes, so it
    is recomputed then and kept otherwise; the hours each week are handed out as before, course by course.
    """
    members = set(order)
    deps = {c: set(requires.get(c, ())) & members for c in order}
    earliest = {c: max(1, (earliest_week or {}).get(c, 1)) for c in order}
    remaining = {c: float(hours[c]) for c in order}
    started: dict[str, int] = {}
    ended: dict[str, int] = {}
    week = 0
    active: list[str] = []
    stale = True  # the active courses must be recomputed this week
    due = math.inf  # the first week a course waiting only for its first session becomes ready
    while len(ended) < len(order):
        week += 1
        if horizon is not None and week > horizon:
            return None
        capacity = float(hours_per_week)
        if stale or week >= due:
            active, due = [], math.inf
            for c in order:
                if c in ended:
                    continue
                if c in started:
                    active.append(c)
                elif all(d in ended and ended[d] < week for d in deps[c]):
                    if earliest[c] <= week:
                        active.append(c)
                    else:
                        due = min(due, earliest[c])
            stale = False
        if not active:
            # idle until something can start: jump instead of looping over empty weeks
            waits = [earliest[c] for c in order if c not in started and all(d in ended for d in deps[c])]
            week = max(week, min(waits) - 1) if waits else week
            stale = True
            continue
        for c in active:
            if capacity <= _EPS:
                break
            if c in ended:
                continue
            take = min(capacity, remaining[c])
            started.setdefault(c, week)
            remaining[c] -= take
            capacity -= take
            if remaining[c] <= _EPS:
                ended[c] = week
                stale = True
    return {c: Slot(started[c], ended[c]) for c in order}


def week_start(start: date, week: int) -> date:
    """First day of ``week`` (1-based)."""
    return start + timedelta(days=7 * (week - 1))


def week_end(start: date, week: int) -> date:
    """Last day of ``week`` (1-based)."""
    return start + timedelta(days=7 * week - 1)


def week_of(start: date, day: date) -> int:
    """The 1-based week that contains ``day`` (1 for days on or before the start)."""
    return max(1, (day - start).days // 7 + 1)


def weeks_until(start: date, deadline: date) -> int:
    """Whole weeks that end on or before ``deadline``."""
    return ((deadline - start).days + 1) // 7


def hours_until(start: date, deadline: date, hours_per_week: float) -> float:
    """The study hours the whole weeks from ``start`` to ``deadline`` hold: the most course hours a plan can
    take and still end in time (as a limit, it plans for the deadline)."""
    return hours_per_week * weeks_until(start, deadline)


def fits_in(
    order: Sequence[str],
    hours: Mapping[str, float],
    requires: Mapping[str, Iterable[str]],
    hours_per_week: float,
    weeks: int,
    earliest_week: Mapping[str, int] | None = None,
) -> bool:
    """Whether every course of ``order`` ends by week ``weeks`` at ``hours_per_week``."""
    return _simulate(order, hours, requires, hours_per_week, earliest_week, horizon=weeks) is not None


def hours_per_week_needed(
    order: Sequence[str],
    hours: Mapping[str, float],
    requires: Mapping[str, Iterable[str]],
    weeks: int,
    earliest_week: Mapping[str, int] | None = None,
) -> float | None:
    """The smallest weekly hours (to 0.5 h) that finish ``order`` within ``weeks``, or None if none can."""
    if weeks < 1 or not order:
        return None if weeks < 1 else 0.0
    if any(max(1, (earliest_week or {}).get(c, 1)) > weeks for c in order):
        return None
    total = sum(hours[c] for c in order)

    # ``weeks`` weeks hand out at most ``weeks * hpw`` hours (a course ends with at most _EPS left): fewer
    # than the plan's hours cannot fit, whatever the order (the slack covers float rounding many times over)
    slack = 1e-6 * (total + len(order))

    def fits(hpw: float) -> bool:  # every course ends by week ``weeks`` (the schedule stops past it)
        if hpw * weeks < total - slack:
            return False
        return fits_in(order, hours, requires, hpw, weeks, earliest_week)

    high = max(total, 0.5)
    if not fits(high):
        return None  # prerequisite chains or session dates need more weeks, whatever the hours
    low = 0.0
    while high - low > 0.5:
        mid = (low + high) / 2
        if fits(mid):
            high = mid
        else:
            low = mid
    return math.ceil(high * 2) / 2
