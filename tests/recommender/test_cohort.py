"""Cohort planner: shared gaps equal the gap module's, the MILP equals brute force, the outputs add up."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

import numpy as np
import pytest

from recommender.cohort import (
    CohortInputs,
    CohortSettings,
    Fit,
    Option,
    PlanTask,
    ProfileCredits,
    TargetSkills,
    TaskPlan,
    add_months,
    assign,
    language_to_add,
    language_what_if,
    prepare,
    summarise,
    what_if,
)
from recommender.errors import InvalidPlanInput
from recommender.gap import DEFAULT_LEVELS, Profile, RequiredLevels, holdings, skill_gap, strengths
from recommender.graph import CompetenceGraph
from recommender.planner import BadgeOption, CourseOption, Plan, Prerequisite
from recommender.planner.from_gap import gap_items
from recommender.planner.model import Certificate as PlanCertificate
from recommender.planner.schedule import weeks_until
from recommender.workforce import Person, Target
from tests.recommender.conftest import AUTOMOTIVE_BATTERY_TECHNICIAN, VEHICLE_TECHNICIAN

START = date(2027, 1, 4)
FIT = Fit(0.0, 1.0, 0, ())


#: An organisation's table: every essential skill at 1, optional at 3, one skill at 4.
LEVELS = RequiredLevels(essential=1, optional=3, skills={"skill:comm": 4}, source="a table")


def _shared_items(
    graph: CompetenceGraph,
    target: str,
    occupations: tuple[str, ...],
    skills: dict[str, int],
    required: RequiredLevels = DEFAULT_LEVELS,
):
    """The gap items the cohort plans with, every skill counted as taught, from cached profile parts."""
    skills_of = TargetSkills.of(
        graph, Target(target, graph.label(target), 1), set(graph.skill_uris), required
    )
    credits = ProfileCredits(graph, [skills_of])
    strength = credits.of(Person("x", occupations, skills))
    return skills_of.gap_items(skills_of.planned(skills_of.held(strength)))


@pytest.mark.parametrize(
    ("occupations", "skills"),
    [
        ((), {}),
        (("occ:welder",), {}),
        (("occ:welder2",), {"skill:battery": 2}),
        (("occ:painter", "occ:fabricator"), {"skill:ev": 1, "skill:weld": 4}),
    ],
)
@pytest.mark.parametrize("target", ["occ:battery", "occ:fabricator", "occ:welder"])
@pytest.mark.parametrize("required", [DEFAULT_LEVELS, LEVELS])
def test_shared_gap_items_equal_the_gap_modules(
    tiny_graph: CompetenceGraph,
    occupations: tuple[str, ...],
    skills: dict[str, int],
    target: str,
    required: RequiredLevels,
) -> None:
    gap = skill_gap(tiny_graph, target, occupations=occupations, skills=skills, required=required)
    assert _shared_items(tiny_graph, target, occupations, skills, required) == gap_items(gap)


def test_shared_gap_items_equal_the_gap_modules_on_esco(esco_graph: CompetenceGraph) -> None:
    declared = {"operate soldering equipment": 3, "electricity": 2, "circuit diagrams": 1}
    skills = {esco_graph.resolve_skill(k): v for k, v in declared.items()}
    for occupations in [(VEHICLE_TECHNICIAN,), (), (VEHICLE_TECHNICIAN, AUTOMOTIVE_BATTERY_TECHNICIAN)]:
        for target in (AUTOMOTIVE_BATTERY_TECHNICIAN, VEHICLE_TECHNICIAN):
            expected = gap_items(skill_gap(esco_graph, target, occupations=occupations, skills=skills))
            assert _shared_items(esco_graph, target, occupations, skills) == expected


def test_profile_strengths_from_parts_equal_the_gap_modules(esco_graph: CompetenceGraph) -> None:
    rng = np.random.default_rng(3)
    occupations = [VEHICLE_TECHNICIAN, AUTOMOTIVE_BATTERY_TECHNICIAN]
    targets = [Target(uri, esco_graph.label(uri), 1) for uri in occupations]
    skills_of = [TargetSkills.of(esco_graph, t, set()) for t in targets]
    credits = ProfileCredits(esco_graph, skills_of)
    pool = sorted({u for s in skills_of for u in s.uris})
    for _ in range(20):
        held = tuple(occupations[: int(rng.integers(0, 3))])
        declared = {pool[int(i)]: int(rng.integers(0, 5)) for i in rng.choice(len(pool), 4, replace=False)}
        strength = strengths(esco_graph, holdings(esco_graph, Profile(held, declared)))
        np.testing.assert_array_equal(credits.of(Person("x", held, declared)), strength[credits.union])


# --- the assignment against brute force ---------------------------------------------------------------


def _plan(hours: float, price: float) -> Plan:
    return Plan(
        kind="fastest",
        objective="hours",
        solver="greedy",
        currency="EUR",
        steps=(),
        total_hours=hours,
        total_price=price,
        weeks=0,
        finish_date=None,
        covered_skills=(),
        uncovered_skills=(),
        already_held=(),
        badges_earned=(),
        badge_sequence=(),
        badges_one_course_away=(),
        certificate=PlanCertificate("none", None, "not certified"),
        deadline=None,
        explanation="",
    )


def random_inputs(
    rng: np.random.Generator, n_people: int, n_targets: int, budget: float | None
) -> CohortInputs:
    """Random options; some people share their whole row of options (a group of identical profiles)."""
    targets = tuple(
        Target(f"occ:{t}", f"role {t}", int(rng.integers(0, 4)), priority=int(rng.integers(1, 3)))
        for t in range(n_targets)
    )
    settings = CohortSettings(start=START, months=12, hours_per_week=8, budget=budget, on_the_job_hours=0)
    rows: list[tuple[Option, ...]] = []
    for p in range(n_people):
        if p and rng.random() < 0.3:  # same profile as the previous person: same tasks, same options
            rows.append(tuple(replace(o, person=p) for o in rows[-1]))
            continue
        row = []
        for t in range(n_targets):
            task = PlanTask(t, bytes([p]), 8.0, START, START, (), None)
            hours, price = float(rng.integers(0, 60)), float(rng.integers(0, 500))
            pair = TaskPlan(task, _plan(hours, price), hours, price, START, True, ())
            eligible = bool(rng.random() < 0.7)
            row.append(Option(p, t, pair, FIT, eligible, hours, 0.0, "" if eligible else "does not fit"))
        rows.append(tuple(row))
    people = tuple(Person(f"p{p}", ("occ:x",)) for p in range(n_people))
    return CohortInputs(people, targets, (), settings, tuple(rows), {})


def brute_force(inputs: CohortInputs, objective: str) -> tuple[float, ...]:
    """The lexicographic optimum (shortfall per priority level, then the objective) by enumeration."""
    budget = inputs.settings.budget
    heads = [t.headcount for t in inputs.targets]
    levels = sorted({t.priority for t in inputs.targets})
    choices = [[None] + [o.target for o in row if o.eligible] for row in inputs.options]
    best: tuple[float, ...] | None = None
    for combo in itertools.product(*choices):
        filled = [0] * len(heads)
        value = cost = 0.0
        for p, t in enumerate(combo):
            if t is None:
                continue
            option = inputs.options[p][t]
            filled[t] += 1
            cost += option.pair.cost
            value += (
                option.hours + 1e-4 * option.pair.cost
                if objective == "hours"
                else option.pair.cost + 1e-3 * option.hours
            )
        if any(f > h for f, h in zip(filled, heads, strict=True)) or (
            budget is not None and cost > budget + 1e-9
        ):
            continue
        short = tuple(
            float(
                sum(h - f for f, h, t in zip(filled, heads, inputs.targets, strict=True) if t.priority == lv)
            )
            for lv in levels
        )
        key = (*short, round(value, 6))
        if best is None or key < best:
            best = key
    assert best is not None
    return best


def _key(inputs: CohortInputs, target_of: tuple[int | None, ...], objective: str) -> tuple[float, ...]:
    heads = [t.headcount for t in inputs.targets]
    filled = [0] * len(heads)
    value = 0.0
    for p, t in enumerate(target_of):
        if t is not None:
            option = inputs.options[p][t]
            assert option.eligible
            filled[t] += 1
            value += (
                option.hours + 1e-4 * option.pair.cost
                if objective == "hours"
                else option.pair.cost + 1e-3 * option.hours
            )
    levels = sorted({t.priority for t in inputs.targets})
    short = tuple(
        float(sum(h - f for f, h, t in zip(filled, heads, inputs.targets, strict=True) if t.priority == lv))
        for lv in levels
    )
    return (*short, round(value, 6))


@pytest.mark.parametrize("seed", range(40))
def test_assignment_equals_the_brute_force_optimum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    budget = None if seed % 3 == 0 else float(rng.integers(100, 1500))
    inputs = random_inputs(rng, n_people=6, n_targets=3, budget=budget)
    objective = "hours" if seed % 2 == 0 else "cost"
    result = assign(inputs, objective=objective)  # type: ignore[arg-type]
    assert result.certificate.status == "optimal"
    key = _key(inputs, result.target_of, objective)
    expected = brute_force(inputs, objective)
    assert key[:-1] == expected[:-1]
    assert key[-1] == pytest.approx(expected[-1], abs=1e-6)
    # every headcount and the budget hold
    for t, target in enumerate(inputs.targets):
        assert sum(1 for x in result.target_of if x == t) <= target.headcount
    if budget is not None:
        spent = sum(inputs.options[p][t].pair.cost for p, t in enumerate(result.target_of) if t is not None)
        assert spent <= budget + 1e-9


def test_the_brute_force_cases_prove_optimality_both_ways() -> None:
    """The cases above reach both proofs: an integral LP relaxation, and the MILP where a budget cuts it."""
    proofs: Counter[str] = Counter()
    for seed in range(40):
        rng = np.random.default_rng(seed)
        budget = None if seed % 3 == 0 else float(rng.integers(100, 1500))
        inputs = random_inputs(rng, n_people=6, n_targets=3, budget=budget)
        stages = assign(inputs, objective="hours" if seed % 2 == 0 else "cost").certificate.stages  # type: ignore[arg-type]
        proofs.update("LP" if "integral LP relaxation" in stage else "MILP" for stage in stages)
    assert proofs["LP"] > 0 and proofs["MILP"] > 0, proofs


# --- end to end on the tiny graph ---------------------------------------------------------------------


def _catalogue() -> list[CourseOption]:
    return [
        CourseOption("c-battery", "Battery chemistry basics", 20, 100, skills={"skill:battery": 3}),
        CourseOption("c-ev", "Electric vehicles", 30, 300, skills={"skill:ev": 3}),
        CourseOption("c-ev-short", "EV in a day", 8, 50, skills={"skill:ev": 2}),
        CourseOption("c-weld", "Welding", 40, 200, skills={"skill:weld": 3, "skill:join": 3}),
        CourseOption("c-talk", "Customer talk", 6, 0, skills={"skill:comm": 3}),
    ]


def _people() -> list[Person]:
    return [
        Person("a", ("occ:welder",)),
        Person("b", ("occ:welder",)),
        Person("c", ("occ:painter",), {"skill:battery": 2}),
        Person("d", ("occ:fabricator",), hours_per_week=2),
        Person("e", ("occ:battery",)),
        Person("f", ("occ:welder",), earliest_start=date(2027, 6, 1)),
    ]


def _targets(battery: int = 2, fabricator: int = 2) -> list[Target]:
    return [
        Target("occ:battery", "battery technician", battery),
        Target("occ:fabricator", "metal fabricator", fabricator),
    ]


def test_cohort_end_to_end_respects_headcounts_budget_and_shares_plans(tiny_graph: CompetenceGraph) -> None:
    settings = CohortSettings(start=START, months=6, hours_per_week=4, budget=1000, min_readiness=0.0)
    inputs = prepare(tiny_graph, _people(), _targets(), _catalogue(), settings)
    # a, b and f share their profile; f starts later, so only a and b share their plans
    assert inputs.stats["distinct_profiles"] == 4
    assert inputs.stats["distinct_plans"] == 2 * 5
    result = summarise(inputs)
    data = result.to_dict()
    assert data["certificate"]["status"] == "optimal"
    filled = {t["target_uri"]: t["filled"] for t in data["targets"]}
    assert filled["occ:battery"] <= 2 and filled["occ:fabricator"] <= 2
    assert data["totals"]["cost"] <= 1000
    assert data["totals"]["cost"] == pytest.approx(sum(a["cost"] for a in data["assignments"]))
    assigned = {a["person_id"] for a in data["assignments"]}
    assert assigned.isdisjoint(u["person_id"] for u in data["unassigned"])
    assert len(assigned) + len(data["unassigned"]) == 6
    # e holds the battery technician occupation: ready at once, no courses
    e = next(a for a in data["assignments"] if a["person_id"] == "e")
    assert (
        e["target_uri"] == "occ:battery" and e["course_hours"] == 0 and e["finish_date"] == START.isoformat()
    )
    # seats add up to the steps of the assigned people's plans
    steps = sum(len(inputs.plans[o.pair.task].plan.steps) for o in result.assigned())
    assert sum(s["seats"] for s in data["seats"]) == steps
    # readiness never falls, ends at the number assigned, and is per month of the horizon
    for target in data["targets"]:
        rows = [r for r in data["timeline"] if r["target_uri"] == target["target_uri"]]
        assert len(rows) == 6
        ready = [r["ready"] for r in rows]
        assert ready == sorted(ready) and ready[-1] <= target["filled"]
    # a person with fewer hours a week finishes later than the same courses at 4 h
    for plan in inputs.plans.values():
        assert plan.finish >= plan.task.start


def test_what_if_reuses_plans_and_changes_the_answer(tiny_graph: CompetenceGraph) -> None:
    settings = CohortSettings(start=START, months=6, hours_per_week=4, budget=1000, min_readiness=0.0)
    inputs = prepare(tiny_graph, _people(), _targets(), _catalogue(), settings)
    base = summarise(inputs)
    tight = what_if(inputs, tiny_graph, _catalogue(), budget=0.0)
    assert tight.inputs is inputs  # budget only: the MILP re-runs on the same plans
    assert tight.totals()["cost"] == 0
    assert tight.totals()["filled"] <= base.totals()["filled"]
    more = what_if(inputs, tiny_graph, _catalogue(), headcounts={"occ:battery": 5})
    assert more.filled()[0] >= base.filled()[0]
    faster = what_if(inputs, tiny_graph, _catalogue(), hours_per_week=10)
    computed = faster.inputs.stats["plans_computed"]
    # only the tasks whose hours per week change are planned again (d keeps her own 2 h a week)
    stats = faster.inputs.stats
    assert 0 < computed < stats["distinct_plans"] + stats["free_variants"]
    assert faster.totals()["last_finish"] <= base.totals()["last_finish"]


def test_people_who_fit_nowhere_are_listed_with_their_best_option(tiny_graph: CompetenceGraph) -> None:
    settings = CohortSettings(start=START, months=1, hours_per_week=1, min_readiness=0.9)
    result = summarise(prepare(tiny_graph, _people(), _targets(), _catalogue(), settings))
    stay = {u["person_id"]: u for u in result.unassigned()}
    assert not stay["a"]["fits_a_target"]
    assert "fits no target well" in stay["a"]["why"]
    assert stay["a"]["best_option"]["target_uri"] in {"occ:battery", "occ:fabricator"}
    unfilled = {u["target_uri"]: u for u in result.unfilled()}
    assert unfilled["occ:fabricator"]["shortfall"] == 2 - result.filled()[1]


def test_settings_and_inputs_are_checked(tiny_graph: CompetenceGraph) -> None:
    with pytest.raises(InvalidPlanInput, match="months"):
        CohortSettings(start=START, months=0, hours_per_week=8)
    with pytest.raises(InvalidPlanInput, match="hours_per_week"):
        CohortSettings(start=START, months=6, hours_per_week=0)
    with pytest.raises(InvalidPlanInput, match="must be a date from 2000-01-01 to 2100-12-31"):
        CohortSettings(start=date(9999, 6, 1), months=18, hours_per_week=8)  # was year 10000's ValueError
    settings = CohortSettings(start=START, months=6, hours_per_week=8)
    with pytest.raises(InvalidPlanInput, match="targets"):
        prepare(tiny_graph, _people(), [], _catalogue(), settings)
    with pytest.raises(InvalidPlanInput, match="unique"):
        prepare(tiny_graph, [*_people(), Person("a", ("occ:welder",))], _targets(), _catalogue(), settings)
    inputs = prepare(tiny_graph, _people(), _targets(), _catalogue(), settings)
    with pytest.raises(InvalidPlanInput, match="not one of the targets"):
        summarise(inputs, headcounts={"occ:nope": 3})


def test_add_months_clamps_to_the_month_end() -> None:
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2027, 11, 4), 18) == date(2029, 5, 4)
    assert CohortSettings(start=START, months=18, hours_per_week=8).horizon_end == date(2028, 7, 3)


def test_shared_plans_equal_single_plans_on_the_whole_catalogue(tiny_graph: CompetenceGraph) -> None:
    """Planning only taught skills on the target's courses changes nothing in the courses, hours and cost,
    and the relevance rule reads the links' confidences as a single plan does (a cohort's courses lost them
    on their way to the planning workers, and its plans took a quick course on a weak link)."""
    from recommender.planner import Constraints, plan_paths

    catalogue = [
        *_catalogue(),
        CourseOption("c-paint", "Painting", 12, 80, skills={"skill:paint": 3}),
        CourseOption(
            "c-weak",
            "Batteries in passing",
            2,
            0,
            skills={"skill:battery": 3},
            confidence={"skill:battery": 0.2},
        ),
    ]
    settings = CohortSettings(start=START, months=6, hours_per_week=4, currency="EUR")
    inputs = prepare(tiny_graph, _people(), _targets(), catalogue, settings)
    for person, row in zip(inputs.people, inputs.options, strict=True):
        for option in row:
            target = inputs.targets[option.target]
            gap = skill_gap(
                tiny_graph, target.uri, occupations=person.occupations, skills=dict(person.skills)
            )
            start = max(START, person.earliest_start or START)
            deadline = max(settings.horizon_end, person.earliest_start or START)
            hours_per_week = person.hours_per_week or 4
            constraints = Constraints(
                currency="EUR",
                hours_per_week=hours_per_week,
                start=start,
                deadline=deadline,
                max_hours=hours_per_week * weeks_until(start, deadline) or None,
                include_optional=False,
            )
            alone = plan_paths(gap_items(gap), catalogue, constraints, alternatives=False).best
            shared = option.pair.plan
            assert [s.course_id for s in shared.steps] == [s.course_id for s in alone.steps]
            assert "c-weak" not in {s.course_id for s in shared.steps}
            assert (shared.total_hours, shared.total_price, shared.finish_date) == (
                alone.total_hours,
                alone.total_price,
                alone.finish_date,
            )


def test_people_shut_out_of_every_course_are_flagged(tiny_graph: CompetenceGraph) -> None:
    settings = CohortSettings(start=START, months=6, hours_per_week=4, min_readiness=0.0)
    people = [
        Person("a", ("occ:welder",), languages=("it",)),
        Person("b", ("occ:welder",), languages=("en",)),
    ]
    result = summarise(prepare(tiny_graph, people, _targets(battery=2, fabricator=0), _catalogue(), settings))
    assert {a.pair.plan.steps == () for a in result.assigned()} == {True, False}
    (warning,) = result.warnings()
    assert (
        warning.startswith("1 of the people moving get no course at all")
        and "1 take courses only in Italian ('it')" in warning
    )


def test_a_plan_gets_no_more_course_hours_than_the_weeks_to_the_deadline_hold(
    tiny_graph: CompetenceGraph,
) -> None:
    """A plan of everything the courses teach (50 h) would end after a 4-week horizon at 4 h a week: the
    person would not be on time with any course. Planned within the 16 hours the weeks hold, they are."""
    from recommender.planner import Constraints, plan_paths

    settings = CohortSettings(start=START, months=1, hours_per_week=4, min_readiness=0.0)
    person = Person("a", ("occ:welder",))
    gap = gap_items(skill_gap(tiny_graph, "occ:battery", occupations=person.occupations))
    everything = plan_paths(
        gap, _catalogue(), Constraints(hours_per_week=4, start=START, deadline=settings.horizon_end)
    ).best
    assert everything.finish_date is not None and everything.finish_date > settings.horizon_end
    result = summarise(
        prepare(tiny_graph, [person], _targets(battery=1, fabricator=0), _catalogue(), settings)
    )
    (moved,) = result.assigned()
    plan = moved.pair.plan
    assert plan.steps and moved.pair.on_time and moved.eligible
    assert plan.total_hours <= 4 * weeks_until(START, settings.horizon_end)


def test_under_a_tight_budget_people_move_on_free_courses_rather_than_leave_a_seat_empty(
    tiny_graph: CompetenceGraph,
) -> None:
    """a's plan for battery technician has fees. With no money for them, a still moves, on the free
    course and on-the-job training (a seat left empty before); with enough money, on the plan with fees; with
    no budget limit, no free variant is planned at all."""
    catalogue = [
        *_catalogue(),
        CourseOption("c-free", "Free battery intro", 10, 0, skills={"skill:battery": 2}),
    ]
    settings = CohortSettings(start=START, months=6, hours_per_week=4, budget=0.0, min_readiness=0.0)
    people, targets = [Person("a", ("occ:welder",))], _targets(battery=1, fabricator=0)
    tight = summarise(prepare(tiny_graph, people, targets, catalogue, settings))
    (moved,) = tight.assigned()
    assert tight.filled() == [1, 0] and moved.pair.task.free and moved.pair.cost == 0
    assert [s.course_id for s in moved.pair.plan.steps] == ["c-free"]
    assert tight.totals()["on_free_courses"] == 1
    assert "free courses only: 1 people (optimal" in " ".join(tight.assignment.certificate.stages)
    ample = summarise(prepare(tiny_graph, people, targets, catalogue, replace(settings, budget=10_000.0)))
    (moved,) = ample.assigned()
    assert not moved.pair.task.free and moved.pair.cost > 0 and ample.totals()["on_free_courses"] == 0
    unlimited = prepare(tiny_graph, people, targets, catalogue, replace(settings, budget=None))
    assert unlimited.free_options == () and unlimited.stats["free_variants"] == 0
    # a budget in a what-if where the plan had none plans the free variants then
    assert what_if(unlimited, tiny_graph, catalogue, budget=0.0).filled() == [1, 0]


def test_a_free_variant_stands_in_for_fees_only_not_for_a_plan_that_ends_too_late(
    tiny_graph: CompetenceGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    """a's plan with fees ends after the horizon (its paid course starts late): a is not on time, and the
    free variant, which would be, is not offered in its place (it would say the budget was short). The plan
    is kept late (not planned again with fewer hours, which drops the late course:
    ``test_a_plan_within_the_hours_that_still_ends_late_is_planned_again_with_fewer``) to see the
    assignment's rule alone."""
    import recommender.cohort

    monkeypatch.setattr(recommender.cohort, "LATE_REPLANS", 0)
    late = CourseOption(
        "c-late", "Late battery", 20, 100, start_dates=(date(2027, 3, 29),), skills={"skill:battery": 2}
    )
    catalogue = [late, CourseOption("c-free", "Free EV", 8, 0, skills={"skill:ev": 2})]
    settings = CohortSettings(start=START, months=3, hours_per_week=4, budget=1000.0, min_readiness=0.0)
    targets = [Target("occ:battery", "battery technician", 1)]
    inputs = prepare(tiny_graph, [Person("a", ("occ:welder",))], targets, catalogue, settings)
    ((paid,),), ((free,),) = inputs.options, inputs.free_options
    assert not paid.eligible and "finish 2027-05-02, after 2027-04-03" in paid.reason
    assert free is not None and free.eligible
    result = summarise(inputs)
    assert result.filled() == [0] and result.totals()["on_free_courses"] == 0


def test_what_if_everyone_followed_one_more_language(tiny_graph: CompetenceGraph) -> None:
    """a follows only Italian; the courses are in English but one in German: a gets no course; English,
    the language of most courses teaching a's gap, is the one to add, and with it a gets one. b (English)
    and c (any language) keep their plans."""
    settings = CohortSettings(start=START, months=6, hours_per_week=4, min_readiness=0.0)
    people = [
        Person("a", ("occ:welder",), languages=("it",)),
        Person("b", ("occ:welder",), languages=("en",)),
        Person("c", ("occ:painter",)),
    ]
    catalogue = [
        *_catalogue(),
        CourseOption("c-de", "Batterien", 10, 0, language="de", skills={"skill:battery": 1}),
    ]
    inputs = prepare(tiny_graph, people, _targets(battery=3, fabricator=0), catalogue, settings)
    base = summarise(inputs)
    assert [inputs.people[o.person].person_id for o in base.shut_out()] == ["a"]
    assert language_to_add(base, catalogue) == "en"
    changed = what_if(inputs, tiny_graph, catalogue, language="en")
    assert changed.shut_out() == []
    assert [p.languages for p in changed.inputs.people] == [("it", "en"), ("en",), ()]
    assert changed.inputs.stats["plans_computed"] == 2  # a's plans only, one per target
    assert language_what_if(base, changed, "en").startswith(
        "If everyone also took courses in English ('en'), the plan re-solved would leave 0 of the people "
        "moving without a course (now 1), fill 3 seats (now 3)"
    )
    # no one is shut out for their languages: nothing to suggest
    assert language_to_add(changed, catalogue) is None
    late = summarise(
        prepare(
            tiny_graph,
            [Person("d", ("occ:welder",), earliest_start=date(2027, 8, 1))],
            _targets(battery=1, fabricator=0),
            catalogue,
            replace(settings, min_readiness=0.0),
        )
    )
    assert language_to_add(late, catalogue) is None


def test_on_the_job_hours_default_to_the_plans_median_course_hours_per_level(
    tiny_graph: CompetenceGraph,
) -> None:
    derived = prepare(tiny_graph, _people(), _targets(), _catalogue(), CohortSettings(START, 6, 4))
    assert derived.on_the_job_source.startswith("the median course hours per essential level step")
    assert 0 < derived.on_the_job_rate <= 20  # the catalogue's courses take 6-40 h for 1-6 level steps
    given = prepare(
        tiny_graph, _people(), _targets(), _catalogue(), CohortSettings(START, 6, 4, on_the_job_hours=0)
    )
    assert given.on_the_job_source == "given"
    assert all(
        o.on_the_job_hours == 0 and o.hours == o.pair.course_hours for row in given.options for o in row
    )
    assert any(o.on_the_job_hours > 0 for row in derived.options for o in row)


def test_open_skills_say_what_to_do_instead(tiny_graph: CompetenceGraph) -> None:
    """A skill no course teaches (not planned on) gets the single-worker plan's alternative: a badge earned by
    assessment where one recognises it, else on the job; a skill the courses teach but a person's limits rule
    out keeps their plan's ("funding"). Each is worded for HR, not for the worker."""
    catalogue = [c for c in _catalogue() if c.id != "c-talk"]  # nothing teaches communicating with customers
    settings = CohortSettings(start=START, months=6, hours_per_week=4, min_readiness=0.0)
    people = [Person("a", ("occ:welder",)), Person("b", ("occ:welder",))]
    targets = _targets(battery=0, fabricator=2)

    def instead(badges: Sequence[BadgeOption] = ()) -> list[dict[str, Any]]:
        result = summarise(prepare(tiny_graph, people, targets, catalogue, settings, badges=badges))
        (block,) = result.on_the_job()
        skills = {k["skill"]: k for k in block["skills"]}
        assert skills["communicate with customers"]["people"] == 2
        return skills["communicate with customers"]["instead"]

    rpl = BadgeOption("rpl-comm", "Customer communication", {"skill:comm": 3}, earned_by="assessment")
    (way,) = instead([rpl])
    assert way["kind"] == "assessment" and way["badge_id"] == "rpl-comm" and way["people"] == 2
    assert way["text"] == (
        "have them assessed for the badge 'Customer communication' (recognition of prior learning, no course "
        "needed): it recognises it at advanced (level 3)"
    )
    (way,) = instead()
    assert way == {
        "kind": "on-the-job",
        "text": "no course in the catalogue teaches it: train them on the job, with a mentor on the line",
        "badge_id": None,
        "people": 2,
    }
    # a course naming it on too little evidence is named, as in the worker's plan
    catalogue.append(
        CourseOption("c-chat", "Chat", 6, 0, skills={"skill:comm": 3}, confidence={"skill:comm": 0.2})
    )
    (way,) = instead()
    assert way["text"] == (
        "no course in the catalogue teaches it on enough evidence ('Chat' names it in passing): train them "
        "on the job, with a mentor on the line"
    )

    # courses teach battery chemistry, in English, at advanced only (level 2 first): each person's plan says
    # what to do, the Italian speaker ask for funding, the English speaker practise it on the job first
    people = [Person("a", ("occ:welder",), languages=("it",)), Person("b", ("occ:welder",))]
    result = summarise(prepare(tiny_graph, people, _targets(battery=2, fabricator=0), catalogue, settings))
    (block,) = result.on_the_job()
    battery = {k["skill"]: k for k in block["skills"]}["battery chemistry"]
    assert [(w["kind"], w["people"]) for w in battery["instead"]] == [("funding", 1), ("on-the-job", 1)]
    assert battery["instead"][0]["text"].startswith("courses teach it further, but not within these people's")
    assert battery["instead"][1]["text"] == (
        "the courses that teach it to advanced (level 3) need more of it first than the planned courses "
        "bring: train it on the job first, then enrol them"
    )
    # the plans themselves still say it to the worker
    plans = {
        u.alternative.text for a in result.assigned() for u in a.pair.plan.uncovered_skills if u.alternative
    }
    assert any("your limits rule them out: ask your employer" in text for text in plans)


def test_a_cohort_plans_no_course_far_from_the_target_subject(tiny_graph: CompetenceGraph) -> None:
    """The subject rule of a single plan (``recommender.planner.subject``) holds in a cohort's plans, what-ifs
    included: a course whose subject is far from the target's is not planned on for it."""
    import numpy as np

    from recommender.planner.subject import SubjectVectors

    ids = tuple(c.id for c in _catalogue())
    far = "c-ev-short"
    subjects = SubjectVectors(
        course_ids=ids,
        courses=np.array([[0.0, 1.0] if c == far else [1.0, 0.0] for c in ids], dtype=np.float16),
        occupation_uris=("occ:battery", "occ:fabricator"),
        occupations=np.array([[1.0, 0.0], [1.0, 0.0]], dtype=np.float16),
    )
    settings = CohortSettings(start=START, months=6, hours_per_week=4, min_readiness=0.0)

    def courses_planned(inputs: CohortInputs) -> set[str]:
        return {s.course_id for plan in inputs.plans.values() for s in plan.plan.steps}

    plain = prepare(tiny_graph, _people(), _targets(), _catalogue(), settings)
    assert far in courses_planned(plain)
    judged = prepare(tiny_graph, _people(), _targets(), _catalogue(), settings, subjects=subjects)
    assert far not in courses_planned(judged) and courses_planned(judged)
    changed = what_if(judged, tiny_graph, _catalogue(), hours_per_week=2)
    assert far not in courses_planned(changed.inputs)


def test_a_plan_within_the_hours_that_still_ends_late_is_planned_again_with_fewer(
    tiny_graph: CompetenceGraph,
) -> None:
    """16 hours fit a 4-week horizon at 4 h a week, but a 10-hour course that needs a 6-hour one starts
    only the week after it ends (week 3) and ends in week 5: late, and no option for the role. Planned again
    with a week's hours fewer, the person takes the first course alone and moves on time."""
    catalogue = [
        CourseOption("c-basics", "Battery basics", 6, 0, skills={"skill:battery": 2}),
        CourseOption(
            "c-advanced",
            "Battery chemistry",
            10,
            0,
            skills={"skill:battery": 3},
            prerequisites=(Prerequisite("c-basics"),),
        ),
    ]
    settings = CohortSettings(start=START, months=1, hours_per_week=4, min_readiness=0.0)
    assert weeks_until(START, settings.horizon_end) == 4
    result = summarise(
        prepare(
            tiny_graph, [Person("a", ("occ:welder",))], _targets(battery=1, fabricator=0), catalogue, settings
        )
    )
    (moved,) = result.assigned()
    assert moved.pair.on_time and moved.eligible
    assert [s.course_id for s in moved.pair.plan.steps] == ["c-basics"]
