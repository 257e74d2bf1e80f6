"""Hypothesis properties of the planner on random prerequisite DAGs and catalogues.

Every check here is computed independently of the planner's own bookkeeping: prerequisites and level order
are re-derived from the inputs, coverability by a separate fixed point.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recommender.errors import PrerequisiteCycle
from recommender.planner import (
    ADVANCED_LEVEL,
    Constraints,
    CourseOption,
    GapItem,
    Plan,
    Prerequisite,
    plan_paths,
)
from tests.recommender.planner.builders import START

SETTINGS = settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
SKILLS = [f"http://data.europa.eu/esco/skill/s{k}" for k in range(6)]


@st.composite
def gaps(draw: st.DrawFn) -> list[GapItem]:
    uris = draw(st.lists(st.sampled_from(SKILLS), min_size=1, max_size=len(SKILLS), unique=True))
    items = []
    for uri in uris:
        needed = draw(st.integers(1, 4))
        items.append(
            GapItem(
                uri,
                uri.rsplit("/", 1)[-1],
                draw(st.sampled_from(["essential", "optional"])),
                needed,
                draw(st.integers(0, needed)),
                draw(st.sampled_from([0.5, 1.0, 2.0])),
            )
        )
    return items


@st.composite
def catalogues(draw: st.DrawFn) -> list[CourseOption]:
    """Courses whose catalogue prerequisites form a DAG (a course only requires courses drawn before it);
    ids are shuffled so id order and DAG order differ."""
    n = draw(st.integers(0, 9))
    names = draw(st.permutations([f"c{k}" for k in range(n)]))
    courses = []
    for k in range(n):
        skills = draw(
            st.dictionaries(st.sampled_from([*SKILLS, "other"]), st.integers(1, 4), min_size=0, max_size=3)
        )
        before = names[:k]
        requires = draw(st.lists(st.sampled_from(before), max_size=2, unique=True)) if before else []
        courses.append(
            CourseOption(
                names[k],
                f"title {names[k]}",
                float(draw(st.integers(1, 30))),
                float(draw(st.sampled_from([0, 20, 50, 120, 300]))),
                skills=skills,
                prerequisites=tuple(Prerequisite(p) for p in requires),
            )
        )
    return courses


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[GapItem], list[CourseOption], Constraints]:
    gap, courses = draw(gaps()), draw(catalogues())
    completed = draw(st.sets(st.sampled_from([c.id for c in courses]), max_size=2)) if courses else set()
    constraints = Constraints(
        budget=draw(st.none() | st.sampled_from([0.0, 50.0, 200.0, 600.0])),
        max_hours=draw(st.none() | st.sampled_from([10.0, 40.0])),
        hours_per_week=float(draw(st.integers(1, 12))),
        start=START,
        completed=frozenset(completed),
        objective=draw(st.sampled_from(["hours", "cost"])),
    )
    return gap, courses, constraints


def held_levels(gap: list[GapItem], courses: list[CourseOption], constraints: Constraints) -> dict[str, int]:
    held = {g.skill_uri: g.held_level for g in gap}
    for c in courses:
        if c.id in constraints.completed:
            for uri, level in c.skills.items():
                if uri in held:
                    held[uri] = max(held[uri], level)
    return held


def level_needs(course: CourseOption, held: dict[str, int]) -> list[tuple[str, int]]:
    """(skill, level) the course needs first by level order, given what the worker holds."""
    return [
        (uri, level - 1)
        for uri, level in course.skills.items()
        if uri in held and level >= ADVANCED_LEVEL and held[uri] < level - 1
    ]


def level_steps(
    course: CourseOption, targets: set[str], held: dict[str, int], needed: dict[str, int]
) -> set[tuple[str, int]]:
    """The level steps (skill, level) of the gap the course covers: held < level <= min(taught, needed)."""
    return {
        (u, lv) for u in targets for lv in range(held[u] + 1, min(course.skills.get(u, 0), needed[u]) + 1)
    }


def reached_levels(
    plan: Plan, gap: list[GapItem], courses: list[CourseOption], c: Constraints
) -> dict[str, int]:
    """Level of each gap skill after the plan: the held one, raised by what the steps teach (capped)."""
    by_id = {x.id: x for x in courses}
    held = held_levels(gap, courses, c)
    out = {}
    for g in gap:
        taught = [by_id[s.course_id].skills.get(g.skill_uri, 0) for s in plan.steps]
        out[g.skill_uri] = max(held[g.skill_uri], min(g.needed_level, max(taught, default=0)))
    return out


def check_plan_invariants(
    plan: Plan, gap: list[GapItem], courses: list[CourseOption], c: Constraints
) -> None:
    by_id = {x.id: x for x in courses}
    held = held_levels(gap, courses, c)
    check_prerequisites_come_first(plan, by_id, held, c)
    needed = {g.skill_uri: g.needed_level for g in gap}
    targets = {u for u, lv in needed.items() if held[u] < lv}
    check_no_course_adds_nothing(plan, by_id, held, needed, targets)
    check_limits_and_schedule(plan, c)
    check_nothing_dropped_silently(plan, gap, courses, c, targets)
    assert plan.explanation
    if plan.certificate.ratio is not None:
        assert 0 < plan.certificate.ratio <= 1 + 1e-6


def check_prerequisites_come_first(
    plan: Plan, by_id: dict[str, CourseOption], held: dict[str, int], c: Constraints
) -> None:
    """Every step's prerequisites come earlier (finished before it starts) or are already held."""
    position = {s.course_id: k for k, s in enumerate(plan.steps)}
    steps = {s.course_id: s for s in plan.steps}
    assert len(position) == len(plan.steps), "a course appears twice"
    for step in plan.steps:
        course = by_id[step.course_id]
        assert course.id not in c.completed and course.id not in c.excluded
        for pre in course.prerequisites:
            if pre.course_id in c.completed:
                continue
            assert pre.course_id in steps, f"{course.id} needs {pre.course_id}, which is not in the plan"
            assert steps[pre.course_id].end_week < step.start_week
            assert position[pre.course_id] < position[course.id]
        for uri, level in level_needs(course, held):
            providers = [
                s
                for s in plan.steps
                if by_id[s.course_id].skills.get(uri, 0) >= level and s.end_week < step.start_week
            ]
            assert providers, f"{course.id} needs {uri} at level {level} first"


def check_no_course_adds_nothing(
    plan: Plan,
    by_id: dict[str, CourseOption],
    held: dict[str, int],
    needed: dict[str, int],
    targets: set[str],
) -> None:
    """Each selected course covers a level step (skill, level) no other step covers, or another needs it."""
    for step in plan.steps:
        course = by_id[step.course_id]
        mine = level_steps(course, targets, held, needed)
        others = {
            u
            for s in plan.steps
            if s is not step
            for u in level_steps(by_id[s.course_id], targets, held, needed)
        }
        genuinely_needed = any(
            step.course_id in {p.course_id for p in by_id[d].prerequisites}
            or any(course.skills.get(u, 0) >= lv for u, lv in level_needs(by_id[d], held))
            for d in step.required_by
        )
        assert mine - others or genuinely_needed, f"{step.course_id} adds nothing"


def check_limits_and_schedule(plan: Plan, c: Constraints) -> None:
    """The limits hold; the schedule is consistent with the weekly hours."""
    if c.budget is not None:
        assert plan.total_price <= c.budget + 1e-6
    if c.max_hours is not None:
        assert plan.total_hours <= c.max_hours + 1e-6
    for step in plan.steps:
        assert 1 <= step.start_week <= step.end_week
        assert step.hours <= (step.end_week - step.start_week + 1) * c.hours_per_week + 1e-9
    assert plan.weeks >= math.ceil(plan.total_hours / c.hours_per_week - 1e-9)


def check_nothing_dropped_silently(
    plan: Plan, gap: list[GapItem], courses: list[CourseOption], c: Constraints, targets: set[str]
) -> None:
    """Every gap skill is held, covered or listed with a reason; the levels the steps report are those their
    courses teach, and a skill is covered when the steps reach its level."""
    by_id = {x.id: x for x in courses}
    held = held_levels(gap, courses, c)
    needed = {g.skill_uri: g.needed_level for g in gap}
    reached = reached_levels(plan, gap, courses, c)
    advanced = {u for s in plan.steps for u in s.skills_covered}
    assert {u for u, lv in reached.items() if lv > held[u]} == advanced
    assert set(plan.covered_skills) == {u for u in targets if reached[u] >= needed[u]}
    for step in plan.steps:
        assert set(step.skills_covered) == {u for u, _ in step.levels}
        for u, lv in step.levels:
            assert lv == min(needed[u], by_id[step.course_id].skills[u])
    for open_skill in plan.uncovered_skills:
        if open_skill.skill_uri in targets:
            assert open_skill.reached_level == reached[open_skill.skill_uri]
            assert open_skill.reason.startswith("raised to ") == (
                open_skill.reached_level > held[open_skill.skill_uri]
            )
    uncovered = {u.skill_uri: u.reason for u in plan.uncovered_skills}
    for item in gap:
        uri = item.skill_uri
        assert (uri in plan.already_held) + (uri in plan.covered_skills) + (uri in uncovered) == 1, uri
        if uri in uncovered:
            assert uncovered[uri]


def reachable(gap: list[GapItem], courses: list[CourseOption], c: Constraints) -> dict[str, int]:
    """Highest level (capped at the needed one) each gap skill can reach with no budget or hours limit: the
    held level, or the most a takeable course teaches (fixed point)."""
    held = held_levels(gap, courses, c)
    usable = {x.id: x for x in courses if x.id not in c.completed and x.id not in c.excluded}
    takeable: set[str] = set()
    changed = True
    while changed:
        changed = False
        for x in usable.values():
            if x.id in takeable:
                continue
            prereqs_ok = all(p.course_id in c.completed or p.course_id in takeable for p in x.prerequisites)
            levels_ok = all(
                any(usable[t].skills.get(u, 0) >= lv for t in takeable) for u, lv in level_needs(x, held)
            )
            if prereqs_ok and levels_ok:
                takeable.add(x.id)
                changed = True
    return {
        g.skill_uri: max(
            held[g.skill_uri],
            min(g.needed_level, max((usable[t].skills.get(g.skill_uri, 0) for t in takeable), default=0)),
        )
        for g in gap
    }


@SETTINGS
@given(instances())
def test_every_plan_respects_prerequisites_limits_and_explains_itself(instance) -> None:  # type: ignore[no-untyped-def]
    gap, courses, constraints = instance
    result = plan_paths(gap, courses, constraints)
    assert 1 <= len(result.plans) <= 3
    assert len({frozenset(s.course_id for s in p.steps) for p in result.plans}) == len(result.plans)
    for plan in result.plans:
        check_plan_invariants(plan, gap, courses, constraints)


@SETTINGS
@given(instances())
def test_every_coverable_level_step_is_covered_when_the_budget_allows(instance) -> None:  # type: ignore[no-untyped-def]
    gap, courses, constraints = instance
    unlimited = replace(constraints, budget=None, max_hours=None)
    best = reachable(gap, courses, unlimited)
    held = held_levels(gap, courses, unlimited)
    expected = {g.skill_uri for g in gap if held[g.skill_uri] < g.needed_level <= best[g.skill_uri]}
    for plan in plan_paths(gap, courses, unlimited).plans:
        assert reached_levels(plan, gap, courses, unlimited) == best
        assert set(plan.covered_skills) == expected
        essential = {g.skill_uri for g in gap if g.relation == "essential"}
        assert {u.skill_uri for u in plan.uncovered_skills if u.relation == "essential"} == (
            essential - expected - set(plan.already_held)
        )


@SETTINGS
@given(instances(), st.randoms(use_true_random=False))
def test_same_input_gives_same_output_whatever_the_catalogue_order(instance, rnd: random.Random) -> None:  # type: ignore[no-untyped-def]
    gap, courses, constraints = instance
    first = plan_paths(gap, courses, constraints)
    assert plan_paths(gap, courses, constraints) == first
    shuffled = list(courses)
    rnd.shuffle(shuffled)
    assert plan_paths(gap, shuffled, constraints) == first


@SETTINGS
@given(instances())
def test_exact_solver_is_never_worse_than_the_greedy(instance) -> None:  # type: ignore[no-untyped-def]
    gap, courses, constraints = instance
    greedy_plan = plan_paths(gap, courses, constraints, alternatives=False).best
    exact_plan = plan_paths(gap, courses, constraints, alternatives=False, solver="exact").best
    check_plan_invariants(exact_plan, gap, courses, constraints)
    held = held_levels(gap, courses, constraints)

    def score(plan: Plan) -> tuple[float, float]:
        """Weighted level steps covered (the planner's objective), essential then optional."""
        reached = reached_levels(plan, gap, courses, constraints)
        totals = {"essential": 0.0, "optional": 0.0}
        for g in gap:
            if held[g.skill_uri] < g.needed_level:
                share = (reached[g.skill_uri] - held[g.skill_uri]) / (g.needed_level - held[g.skill_uri])
                totals[g.relation] += g.weight * share
        return round(totals["essential"], 6), round(totals["optional"], 6)

    assert score(exact_plan) >= score(greedy_plan)
    if score(exact_plan) == score(greedy_plan):
        metric = "total_price" if constraints.objective == "cost" else "total_hours"
        assert getattr(exact_plan, metric) <= getattr(greedy_plan, metric) + 1e-6


@SETTINGS
@given(instances(), st.data())
def test_a_prerequisite_cycle_is_rejected_naming_it(instance, data: st.DataObject) -> None:  # type: ignore[no-untyped-def]
    gap, courses, constraints = instance
    if len(courses) < 2:
        courses = [*courses, CourseOption("x1", "x1", 1.0), CourseOption("x2", "x2", 1.0)]
    ring = data.draw(st.lists(st.sampled_from([c.id for c in courses]), min_size=2, max_size=4, unique=True))
    closing = {ring[k]: ring[(k + 1) % len(ring)] for k in range(len(ring))}
    cyclic = [
        replace(c, prerequisites=(*c.prerequisites, Prerequisite(closing[c.id]))) if c.id in closing else c
        for c in courses
    ]
    with pytest.raises(PrerequisiteCycle) as caught:
        plan_paths(gap, cyclic, constraints)
    members = caught.value.members
    requires = {c.id: {p.course_id for p in c.prerequisites} for c in cyclic}
    assert len(members) >= 2 and len(set(members)) == len(members)
    for k, member in enumerate(members):  # the named members really form a cycle, in order
        assert members[(k + 1) % len(members)] in requires[member]
    assert all(m in str(caught.value) for m in members)


@SETTINGS
@given(instances())
def test_infeasible_constraints_give_an_explanation_not_an_empty_plan(instance) -> None:  # type: ignore[no-untyped-def]
    gap, courses, constraints = instance
    nowhere = replace(constraints, languages=("xx",))
    result = plan_paths(gap, courses, nowhere)
    plan = result.best
    assert plan.steps == ()
    assert plan.explanation
    for item in gap:
        if item.skill_uri not in plan.already_held:
            (entry,) = [u for u in plan.uncovered_skills if u.skill_uri == item.skill_uri]
            assert entry.reason
    targets = [g for g in gap if g.skill_uri not in plan.already_held]
    if targets:
        assert "No course can be planned" in plan.explanation
        assert not plan.feasible or all(g.relation == "optional" for g in targets)
        # the explanation's counts of why (limits, no course, other) add up to the skills left open
        counts = re.findall(r"(\d+) (?:is |are )?(?:taught|open for)", plan.explanation)
        assert sum(map(int, counts)) == len(plan.uncovered_skills)
