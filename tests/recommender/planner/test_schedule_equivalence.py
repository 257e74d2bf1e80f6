"""The schedule recomputes the courses under way only when they can change, and the deadline's hours-per-week
search stops a schedule past the deadline: both give exactly what the week-by-week reference gives (the
schedule as it was, kept here), on random plans with prerequisites, first sessions and fractional hours."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence

import pytest

from recommender.planner.schedule import Slot, hours_per_week_needed, schedule

_EPS = 1e-9


def reference_schedule(
    order: Sequence[str],
    hours: Mapping[str, float],
    requires: Mapping[str, Iterable[str]],
    hours_per_week: float,
    earliest_week: Mapping[str, int] | None = None,
) -> dict[str, Slot]:
    members = set(order)
    deps = {c: set(requires.get(c, ())) & members for c in order}
    earliest = {c: max(1, (earliest_week or {}).get(c, 1)) for c in order}
    remaining = {c: float(hours[c]) for c in order}
    started: dict[str, int] = {}
    ended: dict[str, int] = {}
    week = 0
    while len(ended) < len(order):
        week += 1
        capacity = float(hours_per_week)
        active = [
            c
            for c in order
            if c not in ended
            and (
                c in started or (earliest[c] <= week and all(d in ended and ended[d] < week for d in deps[c]))
            )
        ]
        if not active:
            waits = [earliest[c] for c in order if c not in started and all(d in ended for d in deps[c])]
            week = max(week, min(waits) - 1) if waits else week
            continue
        for c in active:
            if capacity <= _EPS:
                break
            take = min(capacity, remaining[c])
            started.setdefault(c, week)
            remaining[c] -= take
            capacity -= take
            if remaining[c] <= _EPS:
                ended[c] = week
    return {c: Slot(started[c], ended[c]) for c in order}


def reference_hours_per_week_needed(
    order: Sequence[str],
    hours: Mapping[str, float],
    requires: Mapping[str, Iterable[str]],
    weeks: int,
    earliest_week: Mapping[str, int] | None = None,
) -> float | None:
    if weeks < 1 or not order:
        return None if weeks < 1 else 0.0
    if any(max(1, (earliest_week or {}).get(c, 1)) > weeks for c in order):
        return None
    total = sum(hours[c] for c in order)

    def fits(hpw: float) -> bool:
        slots = reference_schedule(order, hours, requires, hpw, earliest_week)
        return max(s.end_week for s in slots.values()) <= weeks

    high = max(total, 0.5)
    if not fits(high):
        return None
    low = 0.0
    while high - low > 0.5:
        mid = (low + high) / 2
        if fits(mid):
            high = mid
        else:
            low = mid
    return math.ceil(high * 2) / 2


def random_plan(
    rng: random.Random,
) -> tuple[list[str], dict[str, float], dict[str, list[str]], dict[str, int]]:
    n = rng.randint(1, 9)
    order = [f"c{k}" for k in range(n)]  # a prerequisite-respecting order: requirements point backwards
    hours = {c: rng.choice([1.0, 2.5, 4.0, 7.3, 12.0, 36.0, 0.1 * rng.randint(1, 400)]) for c in order}
    requires = {c: rng.sample(order[:k], rng.randint(0, min(2, k))) for k, c in enumerate(order)}
    earliest = {c: rng.randint(1, 30) for c in order if rng.random() < 0.3}
    return order, hours, requires, earliest


@pytest.mark.parametrize("seed", range(20))
def test_schedule_equals_the_week_by_week_reference(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(40):
        order, hours, requires, earliest = random_plan(rng)
        for hpw in (0.7, 2.0, 3.3, 6.0, 8.0, 40.0):
            assert schedule(order, hours, requires, hpw, earliest) == reference_schedule(
                order, hours, requires, hpw, earliest
            )


@pytest.mark.parametrize("seed", range(10))
def test_hours_per_week_needed_equals_the_reference(seed: int) -> None:
    rng = random.Random(1000 + seed)
    for _ in range(30):
        order, hours, requires, earliest = random_plan(rng)
        for weeks in (0, 1, 3, 8, 20, 45):
            assert hours_per_week_needed(order, hours, requires, weeks, earliest) == (
                reference_hours_per_week_needed(order, hours, requires, weeks, earliest)
            )
