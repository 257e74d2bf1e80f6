"""The planner's optimum against exhaustive search over every orderable subset of small catalogues.

The reference knows nothing of the planner's problem: a subset of courses is *orderable* when its courses can
be taken one after another with every catalogue prerequisite earlier (or completed) and, by level order, every
gap skill taught at level L >= 3 held at L-1 or taught at L-1 or above by an earlier course. Its value is the
planner's lexicographic one (weighted essential level steps, weighted optional level steps, then the
objective cost), computed from the courses' levels. The instances are built to have loops: two skills
needed at level 3, courses teaching them at levels 2 and 3, so that a course may need what another gives
and give what that one needs.
"""

from __future__ import annotations

import itertools
import random

from recommender.planner import ADVANCED_LEVEL, Constraints, CourseOption, GapItem, Plan, plan_paths
from tests.recommender.planner.builders import course, gap_item

#: Seeded instances checked (each planned and searched exhaustively: about 3 ms apiece).
INSTANCES = 600
Score = tuple[float, float, float]


def instance(seed: int) -> tuple[list[GapItem], list[CourseOption], Constraints]:
    """4-7 courses teaching s0 and s1 (needed at 3, held at 0-1) and s2 (optional, needed at 2) at levels 2-3,
    some with a catalogue prerequisite on a course drawn before them; a limit on hours in a third."""
    rng = random.Random(seed)
    gap = [
        gap_item("s0", needed=3, held=rng.randint(0, 1)),
        gap_item("s1", needed=3, held=rng.randint(0, 1)),
        gap_item("s2", "optional", needed=2),
    ]
    courses: list[CourseOption] = []
    for k in range(rng.randint(4, 7)):
        skills = {s: rng.choice((2, 3)) for s in rng.sample(("s0", "s1", "s2"), rng.randint(1, 2))}
        requires = (rng.choice(courses).id,) if courses and rng.random() < 0.2 else ()
        courses.append(
            course(f"c{k}", skills, hours=rng.randint(1, 30), price=rng.randint(0, 50), requires=requires)
        )
    constraints = Constraints(objective="hours", max_hours=rng.choice((None, None, 30.0)))
    return gap, courses, constraints


def _level_needs(c: CourseOption, held: dict[str, int]) -> list[tuple[str, int]]:
    return [
        (u, lv - 1) for u, lv in c.skills.items() if u in held and lv >= ADVANCED_LEVEL and held[u] < lv - 1
    ]


def orderable(chosen: list[CourseOption], held: dict[str, int]) -> list[CourseOption] | None:
    """``chosen`` in an order meeting every requirement (taking whatever is takeable), or None."""
    done: list[CourseOption] = []
    left = list(chosen)
    while left:
        ready = [
            c
            for c in left
            if all(p.course_id in {d.id for d in done} for p in c.prerequisites)
            and all(
                held[u] >= lv or any(d.skills.get(u, 0) >= lv for d in done)
                for u, lv in _level_needs(c, held)
            )
        ]
        if not ready:
            return None
        done.extend(ready)
        left = [c for c in left if c not in ready]
    return done


def score(chosen: list[CourseOption], gap: list[GapItem]) -> Score:
    """Weighted essential and optional level steps covered, and hours (the objective here)."""
    essential = optional = 0.0
    for item in gap:
        if item.held_level >= item.needed_level:
            continue
        reached = max(
            [item.held_level] + [min(item.needed_level, c.skills.get(item.skill_uri, 0)) for c in chosen]
        )
        share = item.weight * (reached - item.held_level) / (item.needed_level - item.held_level)
        if item.essential:
            essential += share
        else:
            optional += share
    return essential, optional, sum(c.hours for c in chosen)


def better(a: Score, b: Score) -> bool:
    """``a`` lexicographically better than ``b``: more essential, then optional weight, then fewer hours."""
    for mine, theirs in zip(a[:2], b[:2], strict=True):
        if abs(mine - theirs) > 1e-7:
            return mine > theirs
    return a[2] < b[2] - 1e-7


def best_orderable(gap: list[GapItem], courses: list[CourseOption], constraints: Constraints) -> Score:
    held = {item.skill_uri: item.held_level for item in gap}
    best: Score = (0.0, 0.0, 0.0)
    for size in range(1, len(courses) + 1):
        for chosen in itertools.combinations(courses, size):
            if constraints.max_hours is not None and sum(c.hours for c in chosen) > constraints.max_hours:
                continue
            got = score(list(chosen), gap)
            if better(got, best) and orderable(list(chosen), held) is not None:
                best = got
    return best


def check_order(plan: Plan, gap: list[GapItem], courses: list[CourseOption]) -> None:
    """Every step's requirements are met by the profile or by steps finished before it starts."""
    held = {item.skill_uri: item.held_level for item in gap}
    by_id = {c.id: c for c in courses}
    for k, step in enumerate(plan.steps):
        before = [by_id[s.course_id] for s in plan.steps[:k] if s.end_week < step.start_week]
        assert orderable([*before, by_id[step.course_id]], held) is not None, (step.course_id, before)
        assert all(p.course_id in {b.id for b in before} for p in by_id[step.course_id].prerequisites)
        for u, lv in _level_needs(by_id[step.course_id], held):
            assert held[u] >= lv or any(b.skills.get(u, 0) >= lv for b in before), (step.course_id, u, lv)


def test_the_planner_finds_the_best_orderable_subset_of_small_catalogues_with_loops() -> None:
    worse = []
    for seed in range(INSTANCES):
        gap, courses, constraints = instance(seed)
        plan = plan_paths(
            gap, courses, constraints, alternatives=False, certify_plans=False, solver="exact"
        ).best
        check_order(plan, gap, courses)
        by_id = {c.id: c for c in courses}
        got = score([by_id[s.course_id] for s in plan.steps], gap)
        best = best_orderable(gap, courses, constraints)
        assert not better(got, best), (seed, got, best)  # a valid plan is one of the subsets searched
        if better(best, got):
            worse.append((seed, [s.course_id for s in plan.steps], got, best))
    assert worse == [], f"{len(worse)} of {INSTANCES} plans worse than the best orderable subset: {worse[:5]}"
