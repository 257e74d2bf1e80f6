"""What a plan that misses its deadline drops: the part that ends in time and reaches most, found exactly."""

from __future__ import annotations

import itertools
import random
from datetime import date
from typing import Any

import numpy as np
import pytest

from recommender.planner import Constraints, CourseOption, GapItem, Prerequisite, plan_paths
from recommender.planner.deadline import kept_by_deadline
from recommender.planner.model import Relation
from recommender.planner.schedule import fits_in

START = date(2027, 1, 4)


def _value(
    kept: set[str],
    covers: dict[str, frozenset[int]],
    weight: np.ndarray,
    essential: np.ndarray,
    hours: dict[str, float],
) -> tuple[float, float, float]:
    reached = set().union(*(covers[c] for c in kept)) if kept else set()
    return (
        round(sum(weight[u] for u in reached if essential[u]), 9),
        round(sum(weight[u] for u in reached if not essential[u]), 9),
        -sum(hours[c] for c in kept),
    )


def _brute_force(args: tuple[Any, ...]) -> tuple[float, float, float] | None:
    """The best value over every set of courses closed under ``requires`` that ends in time (``args``:
    those of ``kept_by_deadline``)."""
    order, hours, requires, earliest, hpw, weeks, covers, weight, essential = args
    best = None
    for size in range(len(order) + 1):
        for subset in itertools.combinations(order, size):
            kept = set(subset)
            if any(p not in kept for c in kept for p in requires.get(c, ())):
                continue
            if not fits_in([c for c in order if c in kept], hours, requires, hpw, weeks, earliest):
                continue
            found = _value(kept, covers, weight, essential, hours)
            best = found if best is None or found > best else best
    return best


@pytest.mark.parametrize("seed", range(60))
def test_the_kept_courses_are_the_best_part_that_ends_in_time(seed: int) -> None:
    rng = random.Random(seed)
    n, m = rng.randint(1, 7), rng.randint(1, 8)
    order = [f"c{k}" for k in range(n)]
    hours = {c: float(rng.choice([2, 4, 5, 7.5, 10, 12, 18, 30])) for c in order}
    # prerequisites point back in the order (the plan's order respects them)
    requires = {c: sorted(rng.sample(order[:k], rng.randint(0, min(2, k)))) for k, c in enumerate(order)}
    earliest = {c: rng.randint(1, 6) for c in order if rng.random() < 0.2}
    covers = {c: frozenset(rng.sample(range(m), rng.randint(1, min(3, m)))) for c in order}
    weight = np.array([rng.choice([0.5, 1.0, 2.0, 3.0]) for _ in range(m)])
    essential = np.array([rng.random() < 0.5 for _ in range(m)])
    hpw, weeks = rng.choice([3.0, 5.0, 6.0]), rng.randint(1, 8)
    args: tuple[Any, ...] = (order, hours, requires, earliest, hpw, weeks, covers, weight, essential)
    kept = kept_by_deadline(*args)
    assert kept is not None
    assert list(kept) == [c for c in order if c in kept]  # in the plan's order
    assert all(p in kept for c in kept for p in requires[c])
    assert fits_in(kept, hours, requires, hpw, weeks, earliest)
    best = _brute_force(args)
    assert _value(set(kept), covers, weight, essential, hours) == best


def test_a_set_whose_schedule_overruns_is_cut_off() -> None:
    # 'b' needs 'a': b starts only the week after a ends, so a (3 h) + b (3 h) take 2 weeks at 4 h a week
    # although their 6 h fit in 8; 'c' (7 h) alone ends in week 2 and reaches less
    order, hours = ["a", "b", "c"], {"a": 3.0, "b": 3.0, "c": 7.0}
    covers = {"a": frozenset({0}), "b": frozenset({1}), "c": frozenset({2})}
    weight, essential = np.array([2.0, 2.0, 3.0]), np.array([True, True, True])
    requires = {"b": ["a"]}
    assert kept_by_deadline(order, hours, requires, {}, 4.0, 2, covers, weight, essential) == ("a", "b")
    # a + b cannot end in week 1
    assert kept_by_deadline(order, hours, requires, {}, 4.0, 1, covers, weight, essential) == ("a",)
    assert not fits_in(["a", "b"], hours, {"b": ["a"]}, 4.0, 1)


def test_essential_steps_come_before_optional_ones_and_fewer_hours_break_ties() -> None:
    order, hours = ["ess", "opt", "ess-long"], {"ess": 10.0, "opt": 5.0, "ess-long": 12.0}
    covers = {"ess": frozenset({0}), "opt": frozenset({1, 2}), "ess-long": frozenset({0})}
    weight, essential = np.array([1.0, 5.0, 5.0]), np.array([True, False, False])
    # 12 h in two weeks: one course; the essential step outweighs ten optional ones, and 'ess' is shorter
    assert kept_by_deadline(order, hours, {}, {}, 6.0, 2, covers, weight, essential) == ("ess",)
    assert kept_by_deadline(order, hours, {}, {}, 6.0, 0, covers, weight, essential) == ()
    # a course whose first session comes after the deadline is not kept
    assert kept_by_deadline(order, hours, {}, {"ess": 3}, 6.0, 2, covers, weight, essential) == ("ess-long",)


def _gap(uri: str, relation: Relation = "essential") -> GapItem:
    return GapItem(uri, uri, relation, needed_level=2, held_level=0)


def test_a_plan_that_misses_its_deadline_says_which_courses_to_drop_and_what_stays_lower() -> None:
    gap = [_gap("basics"), _gap("cells"), _gap("safety", "optional")]
    courses = [
        CourseOption("intro", "Intro", 10, 0, skills={"basics": 2}),
        CourseOption("cells", "Cells", 40, 0, skills={"cells": 2}, prerequisites=(Prerequisite("intro"),)),
        CourseOption("safety", "Safety", 6, 0, skills={"safety": 2}),
    ]
    # four weeks at 5 h: 20 h; the whole plan takes 56
    plan = plan_paths(
        gap, courses, Constraints(start=START, deadline=date(2027, 1, 31), hours_per_week=5)
    ).best
    check = plan.deadline
    assert check is not None and not check.met
    # an essential course that needs its prerequisite first does not fit; intro and safety do (16 h)
    assert set(check.drop) == {"cells"}
    assert (
        "dropping 'Cells' would finish by the deadline with the other 2 courses (16 h, done 2027-01-31)"
        in check.explanation
    )
    assert "leaving cells (essential) lower" in check.explanation
    assert check.explanation.startswith(
        "the plan needs 12 weeks at 5 h per week and finishes 2027-03-28 at the"
    )
    assert check.hours_per_week_needed == 14.0


def test_no_weekly_hours_beyond_a_week_are_proposed() -> None:
    gap = [_gap("cells")]
    courses = [CourseOption("cells", "Cells", 200, 0, skills={"cells": 2})]
    # one week: 200 hours would be needed, more than a week has
    plan = plan_paths(
        gap, courses, Constraints(start=START, deadline=date(2027, 1, 10), hours_per_week=6)
    ).best
    check = plan.deadline
    assert check is not None and not check.met and check.hours_per_week_needed is None
    assert "no course of the plan ends by the deadline at 6 h per week" in check.explanation
    assert check.explanation.endswith("no number of hours a week finishes the whole plan in time")


def test_many_optional_skills_left_lower_are_counted_not_listed() -> None:
    """Every essential skill dropping leaves lower is named; optional ones only while they are few."""
    many = [_gap(f"opt{k}", "optional") for k in range(6)]
    courses = [
        CourseOption("core", "Core", 10, 0, skills={"core": 2}),
        CourseOption("broad", "Broad", 40, 0, skills={g.skill_uri: 2 for g in many}),
    ]
    plan = plan_paths(
        [_gap("core"), *many], courses, Constraints(start=START, deadline=date(2027, 1, 31), hours_per_week=5)
    ).best
    check = plan.deadline
    assert check is not None and check.drop == ("broad",)
    assert "leaving 6 optional skills lower" in check.explanation and "opt0" not in check.explanation
    few = plan_paths(
        [_gap("core"), *many[:5]],
        courses,
        Constraints(start=START, deadline=date(2027, 1, 31), hours_per_week=5),
    ).best.deadline
    assert few is not None and "leaving opt0, opt1, opt2, opt3 and opt4 (optional) lower" in few.explanation
