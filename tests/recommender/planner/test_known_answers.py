"""Known-answer tests for the planner on small instances worked out by hand."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest

from recommender.errors import InvalidPlanInput, PrerequisiteCycle
from recommender.planner import (
    BadgeOption,
    Constraints,
    find_cycle,
    plan_paths,
    topological_order,
)
from recommender.planner.cover import certify, exact, greedy
from recommender.planner.schedule import Slot, hours_per_week_needed, schedule
from tests.recommender.planner.builders import START, course, gap_item


def ids(plan) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.course_id for s in plan.steps]


def test_cheapest_cover_prefers_two_small_courses_over_one_broad_one() -> None:
    gap = [gap_item("s1"), gap_item("s2"), gap_item("s3")]
    courses = [
        course("broad", {"s1": 2, "s2": 2}, price=10),
        course("only-s3", {"s3": 2}, price=5),
        course("small-1", {"s1": 2}, price=2),
        course("small-2", {"s2": 2}, price=2),
    ]
    plan = plan_paths(gap, courses, Constraints(objective="cost")).best
    assert plan.kind == "cheapest"
    assert sorted(ids(plan)) == ["only-s3", "small-1", "small-2"]
    assert plan.total_price == 9
    assert plan.uncovered_skills == ()
    assert plan.certificate.method == "milp" and plan.certificate.ratio == pytest.approx(1.0)


def test_fastest_and_cheapest_alternatives_differ_and_come_in_objective_order() -> None:
    gap = [gap_item("s1")]
    courses = [
        course("quick-dear", {"s1": 2}, hours=5, price=500),
        course("slow-free", {"s1": 2}, hours=50, price=0),
    ]
    result = plan_paths(gap, courses, Constraints(objective="hours"))
    kinds = [(p.kind, ids(p)) for p in result.plans]
    assert kinds[0] == ("fastest", ["quick-dear"])
    assert ("cheapest", ["slow-free"]) in kinds
    assert len(result.plans) == 2  # best-ranked equals one of them: only plans that differ are listed


def test_best_ranked_plan_follows_the_given_scores() -> None:
    gap = [gap_item("s1")]
    courses = [course("a", {"s1": 2}, hours=5, price=10), course("b", {"s1": 2}, hours=50, price=100)]
    result = plan_paths(gap, courses, Constraints(), scores={"a": 0.1, "b": 0.9})
    ranked = [p for p in result.plans if "best for you" in p.labels]
    assert len(ranked) == 1 and ids(ranked[0]) == ["b"]


def test_catalogue_prerequisite_is_pulled_in_and_comes_first() -> None:
    gap = [gap_item("s1")]
    courses = [course("adv", {"s1": 2}, requires=("intro",)), course("intro", {"other": 1}, hours=4, price=0)]
    plan = plan_paths(gap, courses, Constraints(start=START, hours_per_week=5)).best
    assert ids(plan) == ["intro", "adv"]
    intro, adv = plan.steps
    assert intro.end_week < adv.start_week
    assert adv.prerequisites == ("intro",) and intro.required_by == ("adv",)
    assert "Needed first by Course adv (catalogue prerequisite)." in intro.reason  # the step is the course
    assert "Closes essential skill label of s1" in adv.reason


def test_completed_prerequisite_is_not_taken_again() -> None:
    gap = [gap_item("s1")]
    courses = [course("adv", {"s1": 2}, requires=("intro",)), course("intro", {"other": 1})]
    plan = plan_paths(gap, courses, Constraints(completed=frozenset({"intro"}))).best
    assert ids(plan) == ["adv"]


def test_level_order_pulls_the_level_below_unless_the_worker_holds_it() -> None:
    gap = [gap_item("s1", needed=3, held=1)]
    courses = [course("s1-advanced", {"s1": 3}, price=50), course("s1-intermediate", {"s1": 2}, price=30)]
    plan = plan_paths(gap, courses, Constraints()).best
    assert ids(plan) == ["s1-intermediate", "s1-advanced"]
    assert "level order: label of s1 at level 2" in plan.steps[0].reason

    held_two = [gap_item("s1", needed=3, held=2)]
    assert ids(plan_paths(held_two, courses, Constraints()).best) == ["s1-advanced"]


def test_level_order_without_any_provider_leaves_the_skill_uncovered_with_the_reason() -> None:
    gap = [gap_item("s1", needed=4, held=0)]
    courses = [course("expert", {"s1": 4})]
    result = plan_paths(gap, courses, Constraints())
    plan = result.best
    assert plan.steps == () and not plan.feasible
    (missing,) = plan.uncovered_skills
    assert "needs level 3 first" in missing.reason
    # the course itself teaches s1 at 4, so "no course teaches it at 3 or above" would be false
    assert "no other available course teaches it at level 3 or above" in missing.reason
    assert [e.course_id for e in result.excluded] == ["expert"]


def test_prerequisite_cycle_is_rejected_naming_its_members() -> None:
    courses = [
        course("a", {"s1": 2}, requires=("b",)),
        course("b", {"s1": 1}, requires=("c",)),
        course("c", {}, requires=("a",)),
        course("d", {}),
    ]
    with pytest.raises(PrerequisiteCycle) as caught:
        plan_paths([gap_item("s1")], courses, Constraints())
    assert caught.value.members == ["a", "b", "c"]
    assert "a -> b -> c -> a" in str(caught.value)


def test_find_cycle_and_topological_order_are_deterministic() -> None:
    assert find_cycle({"x": ["y"], "y": []}) is None
    assert find_cycle({"b": ["a"], "a": ["b"]}) == ["a", "b"]
    # starts at the smallest member, follows "requires", ignores edges to unknown nodes
    assert find_cycle({"c": ["a", "zz"], "b": ["c"], "a": ["b"], "d": ["a"]}) == ["a", "b", "c"]
    order = topological_order(["d", "c", "b", "a"], {"d": ["a"], "c": ["a"]})
    assert order == ["a", "b", "c", "d"]
    order = topological_order(["d", "c", "b", "a"], {"d": ["a"]}, key=lambda n: (n != "d" and n != "a", n))
    assert order == ["a", "d", "b", "c"]
    with pytest.raises(PrerequisiteCycle):
        topological_order(["a", "b"], {"a": ["b"], "b": ["a"]})


def test_constraints_that_rule_everything_out_are_explained() -> None:
    gap = [gap_item("s1"), gap_item("s2", "optional")]
    courses = [course("de-1", {"s1": 2}, language="de"), course("de-2", {"s2": 3}, language="de")]
    result = plan_paths(gap, courses, Constraints(languages=("en",)))
    plan = result.best
    assert plan.steps == () and not plan.feasible
    assert plan.explanation.startswith(
        "No course can be planned: none of the 2 gap skills can be covered under these constraints (2 are "
        "taught only by courses these limits rule out); each is listed"
    )
    assert {u.skill_uri for u in plan.uncovered_skills} == {"s1", "s2"}
    assert all("taught in German ('de')" in u.reason for u in plan.uncovered_skills)
    # the course is named by its title for the person reading the reason
    s1 = next(u for u in plan.uncovered_skills if u.skill_uri == "s1")
    assert "every course teaching it is ruled out: 'Course de-1' (taught in German ('de')" in s1.reason
    assert {e.course_id: e.reason for e in result.excluded}["de-1"].startswith("taught in German ('de')")


def test_courses_ruled_out_for_one_reason_are_named_together() -> None:
    gap = [gap_item("s1")]
    courses = [
        course("de-1", {"s1": 2}, language="de"),
        course("de-2", {"s1": 3}, language="de"),
        course("fr-1", {"s1": 2}, language="fr"),
        *(course(f"it-{k}", {"s1": 2}, language="it") for k in range(5)),
        course("es-1", {"s1": 2}, language="es"),
        course("pt-1", {"s1": 2}, language="pt"),
    ]
    reason = plan_paths(gap, courses, Constraints(languages=("en",))).best.uncovered_skills[0].reason
    # the reason most courses share first; two courses of one reason named once with it
    assert reason == (
        "every course teaching it is ruled out: 'Course it-0', 'Course it-1', 'Course it-2' and 2 more "
        "(taught in Italian ('it'); the worker takes courses in English ('en')); "
        "'Course de-1', 'Course de-2' (taught in German ('de'); the worker takes courses in English ('en')); "
        "'Course es-1' (taught in Spanish ('es'); the worker takes courses in English ('en')); "
        "and 2 more for other reasons"
    )


def test_a_paid_course_under_a_zero_budget_is_left_out_as_not_free() -> None:
    gap = [gap_item("s1")]
    result = plan_paths(gap, [course("paid", {"s1": 2}, price=49)], Constraints(budget=0, currency="EUR"))
    (left_out,) = result.excluded
    assert left_out.reason == "costs 49.00 EUR and the budget is 0 (free courses only)"


def test_a_course_whose_price_is_not_stated_is_said_so_not_priced_at_zero() -> None:
    # planned at 0 only because no budget was given (data.plan_inputs.price_courses): its step must not say
    # it costs 0.00 EUR, as the plan's price column says 'not stated'
    gap = [gap_item("s1"), gap_item("s2")]
    courses = [
        course("udemy", {"s1": 2}, hours=2.5, price=0, price_stated=False),
        course("priced", {"s2": 2}, hours=4, price=30),
    ]
    steps = {s.course_id: s for s in plan_paths(gap, courses, Constraints(currency="EUR")).best.steps}
    assert steps["udemy"].reason.endswith("costs 2.5 h; price not stated by its catalogue.")
    assert "0.00 EUR" not in steps["udemy"].reason
    assert steps["priced"].reason.endswith("costs 4 h and 30.00 EUR.")


def test_skill_no_course_teaches_and_skill_taught_too_low_are_reported() -> None:
    gap = [gap_item("s1"), gap_item("s2", needed=3, held=2), gap_item("s3")]
    courses = [course("c", {"s1": 2, "s2": 2})]
    plan = plan_paths(gap, courses, Constraints()).best
    reasons = {u.skill_uri: u.reason for u in plan.uncovered_skills}
    assert reasons == {
        "s2": "the catalogue teaches it up to intermediate (level 2); the target needs advanced (level 3)",
        "s3": "no course in the catalogue teaches it",
    }
    assert plan.covered_skills == ("s1",)
    levels = {u.skill_uri: u.catalogue_level for u in plan.uncovered_skills}
    assert levels == {"s2": 2, "s3": 0}
    kinds = {u.skill_uri: u.alternative.kind for u in plan.uncovered_skills if u.alternative}
    assert kinds == {"s2": "on-the-job", "s3": "on-the-job"}  # s3's type is unknown: not "knowledge"


def test_already_held_skills_need_no_course() -> None:
    gap = [gap_item("s1", needed=2, held=2)]
    plan = plan_paths(gap, [course("c", {"s1": 2})], Constraints()).best
    assert plan.steps == () and plan.already_held == ("s1",) and plan.feasible
    assert "nothing to learn" in plan.explanation


def test_currency_without_rate_is_excluded_and_with_rate_converted() -> None:
    gap = [gap_item("s1")]
    courses = [course("usd", {"s1": 2}, price=100, currency="USD")]
    result = plan_paths(gap, courses, Constraints(currency="EUR"))
    assert result.best.steps == ()
    assert result.excluded[0].reason == "priced in USD and no USD->EUR exchange rate was given"
    converted = plan_paths(gap, courses, Constraints(currency="EUR", exchange_rates={"USD": 0.9})).best
    assert converted.total_price == pytest.approx(90.0) and converted.steps[0].currency == "EUR"
    free = plan_paths(gap, [course("free-usd", {"s1": 2}, price=0, currency="USD")], Constraints()).best
    assert ids(free) == ["free-usd"]


def test_budget_guard_takes_the_best_single_course_when_the_ratio_greedy_would_waste_the_budget() -> None:
    # By gain per cost the small course wins (1/1 > 9/10), after which the broad one no longer fits;
    # the guard of Khuller, Moss and Naor compares with the best single course and keeps the broad one.
    gap = [gap_item(f"s{k}") for k in range(10)]
    courses = [
        course("small", {"s0": 2}, price=1),
        course("broad", {f"s{k}": 2 for k in range(1, 10)}, price=10),
    ]
    plan = plan_paths(gap, courses, Constraints(budget=10, objective="cost")).best
    assert ids(plan) == ["broad"]
    assert [u.skill_uri for u in plan.uncovered_skills] == ["s0"]
    assert "do not fit the remaining budget 10.00 EUR" in plan.uncovered_skills[0].reason


def test_essential_skills_come_before_optional_ones_under_a_budget() -> None:
    gap = [gap_item("ess", "essential", weight=1), gap_item("opt", "optional", weight=5)]
    courses = [course("for-ess", {"ess": 2}, price=60), course("for-opt", {"opt": 2}, price=50)]
    plan = plan_paths(gap, courses, Constraints(budget=100, objective="cost")).best
    assert ids(plan) == ["for-ess"]
    assert [u.relation for u in plan.uncovered_skills] == ["optional"]


def test_limits_and_filters() -> None:
    gap = [gap_item("s1")]
    courses = [
        course("long", {"s1": 2}, hours=300),
        course("far", {"s1": 2}, delivery_mode="in-person", region="FR1"),
        course("advanced-level", {"s1": 2}, level="advanced"),
        course("excluded", {"s1": 2}),
        course("old-session", {"s1": 2}, start_dates=(date(2026, 1, 1),)),
        course("ok", {"s1": 2}, delivery_mode="in-person", region="DE1", hours=20),
    ]
    constraints = Constraints(
        max_hours=200, region="DE11", levels=("introductory",), excluded=frozenset({"excluded"}), start=START
    )
    result = plan_paths(gap, courses, constraints)
    assert ids(result.best) == ["ok"]
    reasons = {e.course_id: e.reason for e in result.excluded}
    assert reasons == {
        "long": "takes 300 h, more than the maximum of 200 h",
        "far": "in-person in region FR1; the worker is in DE11",
        "advanced-level": "level 'advanced'; the worker prefers introductory",
        "excluded": "excluded by the worker",
        "old-session": "no session starts on or after 2027-01-04",
    }


def test_schedule_runs_courses_in_parallel_within_the_weekly_hours() -> None:
    slots = schedule(["a", "b"], {"a": 4, "b": 4}, {}, 6)
    assert slots == {"a": Slot(1, 1), "b": Slot(1, 2)}
    slots = schedule(["a", "b"], {"a": 4, "b": 4}, {"b": ["a"]}, 6)
    assert slots == {"a": Slot(1, 1), "b": Slot(2, 2)}
    slots = schedule(["a"], {"a": 3}, {}, 6, earliest_week={"a": 5})
    assert slots == {"a": Slot(5, 5)}
    assert hours_per_week_needed(["a", "b"], {"a": 10, "b": 10}, {}, 2) == 10.0
    assert hours_per_week_needed(["a", "b"], {"a": 1, "b": 1}, {"b": ["a"]}, 1) is None


def test_plan_dates_and_a_met_deadline() -> None:
    gap = [gap_item("s1")]
    constraints = Constraints(start=START, deadline=date(2027, 3, 1), hours_per_week=5)
    plan = plan_paths(gap, [course("c", {"s1": 2}, hours=12)], constraints).best
    (step,) = plan.steps
    assert (step.start_week, step.end_week) == (1, 3)
    assert step.start_date == START and step.end_date == date(2027, 1, 24)
    assert plan.finish_date == date(2027, 1, 24) and plan.weeks == 3
    assert plan.deadline is not None and plan.deadline.met and plan.feasible


def test_missed_deadline_reports_earliest_finish_what_to_drop_and_hours_needed() -> None:
    gap = [gap_item("ess"), gap_item("opt", "optional")]
    courses = [course("for-ess", {"ess": 2}, hours=10), course("for-opt", {"opt": 2}, hours=20)]
    constraints = Constraints(start=START, deadline=date(2027, 1, 31), hours_per_week=5)  # 4 weeks
    plan = plan_paths(gap, courses, constraints).best
    assert plan.weeks == 6 and not plan.feasible
    check = plan.deadline
    assert check is not None and not check.met
    assert check.earliest_finish == date(2027, 2, 14)
    assert check.drop == ("for-opt",) and check.instead == ()  # no other choice reaches more in time
    assert check.hours_per_week_needed == 7.5
    assert "after the deadline 2027-01-31" in plan.explanation


def test_missed_deadline_offers_a_plan_chosen_for_it_when_dropping_reaches_less() -> None:
    """The plan takes the 40-hour course (level 2); 4 weeks at 5 h hold 20 hours, where none of the plan's
    courses ends, while the 10-hour course (level 1) does: the plan chosen for the deadline takes it."""
    gap = [gap_item("ess")]
    courses = [course("deep", {"ess": 2}, hours=40), course("basics", {"ess": 1}, hours=10)]
    constraints = Constraints(start=START, deadline=date(2027, 1, 31), hours_per_week=5)  # 4 weeks
    plan = plan_paths(gap, courses, constraints).best
    assert ids(plan) == ["deep"]
    check = plan.deadline
    assert check is not None and not check.met
    assert check.drop == () and check.instead == ("basics",)
    assert "a plan chosen for the deadline reaches more than dropping courses: 'Course basics' (10 h" in (
        check.explanation
    )
    assert plan.to_dict()["deadline"]["instead"] == ["basics"]
    # a cohort asks only whether a plan is on time: no plan is chosen for the deadline
    check = plan_paths(
        gap,
        [course("deep", {"ess": 2}, hours=40), course("basics", {"ess": 1}, hours=10)],
        constraints,
        what_to_drop=False,
    ).best.deadline
    assert check is not None and check.instead == () and "chosen for the deadline" not in check.explanation


def test_badges_earned_along_the_plan_in_sequence_and_one_course_away() -> None:
    gap = [gap_item("s1"), gap_item("s2")]
    courses = [
        course("c1", {"s1": 2}, price=10),
        course("c2", {"s2": 2}, price=10, requires=("c1",)),
        course("c3", {"x": 2}, price=10),
    ]
    badges = [
        BadgeOption("b-all", "Both", {"s1": 2, "s2": 2}, "all", ("c1", "c2")),
        BadgeOption("b-one", "First", {"s1": 2}, "k_of_n", ("c1", "c3"), k=1),
        BadgeOption("b-stack", "Stacked", {"s1": 2}, "assessment", required_badges=("b-one",)),
        BadgeOption("b-near", "Near", {"s2": 1, "x": 2}, "all", ("c1", "c3")),
        BadgeOption("b-off-target", "Near but off target", {"x": 2}, "all", ("c1", "c3")),
        BadgeOption("b-held", "Held", {}, "all", ("zz",)),
    ]
    constraints = Constraints(start=START, hours_per_week=10, held_badges=frozenset({"b-held"}))
    plan = plan_paths(gap, courses, constraints, badges=badges).best
    events = [(e.badge_id, e.week, e.course_id, e.by_assessment) for e in plan.badges_earned]
    assert events == [
        ("b-held", 0, None, False),
        ("b-one", 1, "c1", False),
        ("b-stack", 1, "c1", True),
        ("b-all", 2, "c2", False),
    ]
    assert plan.badge_sequence == ("b-one", "b-stack", "b-all")
    # b-off-target is one course away too, but recognises no skill of the target: not suggested
    near = [(b.badge_id, b.course_id, b.course_title) for b in plan.badges_one_course_away]
    assert near == [("b-near", "c3", courses[2].title)]


def test_exact_solver_and_certificate_agree_with_the_greedy_on_a_small_instance() -> None:
    gap = [gap_item(f"s{k}") for k in range(4)]
    courses = [
        course("a", {"s0": 2, "s1": 2}, price=3),
        course("b", {"s2": 2, "s3": 2}, price=3),
        course("c", {"s0": 2, "s1": 2, "s2": 2}, price=4),
        course("d", {"s3": 2}, price=1),
    ]
    greedy_plan = plan_paths(gap, courses, Constraints(objective="cost"), solver="greedy").best
    exact_plan = plan_paths(gap, courses, Constraints(objective="cost"), solver="exact").best
    assert (greedy_plan.solver, exact_plan.solver) == ("greedy", "exact")
    assert sorted(ids(exact_plan)) == ["c", "d"]
    assert exact_plan.total_price == 5
    assert sorted(ids(greedy_plan)) == ["c", "d"]
    assert greedy_plan.certificate.ratio == pytest.approx(1.0)
    assert greedy_plan.certificate.compared == "cost"


def test_certificate_reports_a_suboptimal_selection_against_the_milp_and_the_lp_bound() -> None:
    from recommender.planner.build import build_problem, held_levels
    from recommender.planner.cover import Selection
    from recommender.planner.filters import filter_courses

    gap = [gap_item(f"s{k}") for k in range(4)]
    courses = [
        course("a", {"s0": 2, "s1": 2}, price=3),
        course("b", {"s2": 2, "s3": 2}, price=3),
        course("c", {"s0": 2, "s1": 2, "s2": 2, "s3": 2}, price=4),
    ]
    available, excluded = filter_courses(courses, Constraints())
    problem = build_problem(
        gap,
        available,
        excluded=excluded,
        held=held_levels(gap, []),
        completed=frozenset(),
        cost_of=lambda a: a.price,
        budget=None,
        max_hours=None,
    ).problem
    two = Selection((0, 1), {0: (), 1: ()})  # a + b = 6, the optimum is c = 4
    exact_cert = certify(problem, two)
    assert (exact_cert.method, exact_cert.compared) == ("milp", "cost")
    assert exact_cert.ratio is not None and exact_cert.ratio == pytest.approx(4 / 6)
    lp_cert = certify(problem, two, exact_limit=0)
    assert lp_cert.method == "lp" and lp_cert.ratio is not None and lp_cert.ratio <= exact_cert.ratio + 1e-9
    assert [problem.ids[i] for i in greedy(problem).chosen] == ["c"]
    assert [problem.ids[i] for i in exact(problem).chosen] == ["c"]


def test_invalid_inputs_name_the_field() -> None:
    with pytest.raises(InvalidPlanInput, match="budget"):
        Constraints(budget=-1)
    with pytest.raises(InvalidPlanInput, match="deadline"):
        Constraints(start=START, deadline=date(2026, 1, 1))
    for hours in (0, 0.0001, 169, float("nan")):
        with pytest.raises(InvalidPlanInput, match="hours_per_week"):
            Constraints(hours_per_week=hours)
    with pytest.raises(InvalidPlanInput, match=r"course\[x\].hours"):
        course("x", {}, hours=0)
    with pytest.raises(InvalidPlanInput, match="needed_level"):
        gap_item("s", needed=7)
    with pytest.raises(InvalidPlanInput, match="courses"):
        plan_paths([gap_item("s")], [course("x", {}), course("x", {})], Constraints())
    with pytest.raises(InvalidPlanInput, match="solver"):
        plan_paths([gap_item("s")], [course("x", {"s": 2})], Constraints(), solver="exact", exact_limit=0)


def test_plan_serialises_to_the_documented_json_shape() -> None:
    gap = [gap_item("s1")]
    result = plan_paths(gap, [course("c", {"s1": 2})], Constraints(start=START))
    data = json.loads(json.dumps(result.to_dict()))
    (plan,) = data["plans"]
    (step,) = plan["steps"]
    assert set(step) >= {
        "course_id",
        "hours",
        "price",
        "currency",
        "start_week",
        "end_week",
        "skills_covered",
        "reason",
    }
    assert step["skills_covered"] == ["s1"]
    assert set(plan) >= {"steps", "badges", "uncovered_skills", "totals", "certificate"}
    assert plan["certificate"]["ratio"] == 1.0


def test_a_solver_failure_leaves_the_plan_uncertified_and_the_exact_solver_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from types import SimpleNamespace

    from recommender.errors import UpskillError
    from recommender.planner import cover

    stopped = SimpleNamespace(x=None, message="time limit reached")
    monkeypatch.setattr(cover, "run_highs", lambda *a, **k: stopped)
    gap = [gap_item("s1"), gap_item("s2")]
    courses = [course("a", {"s1": 2}), course("b", {"s2": 2}), course("ab", {"s1": 2, "s2": 2}, price=150)]
    plan = plan_paths(gap, courses, Constraints(objective="cost")).best
    assert ids(plan) == ["ab"]
    assert plan.certificate.method == "none" and plan.certificate.ratio is None
    assert "time limit reached" in plan.certificate.compared
    with pytest.raises(UpskillError, match="use the greedy solver"):
        plan_paths(gap, courses, Constraints(), solver="exact")


def test_partial_progress_is_credited_by_level_steps_and_reported() -> None:
    # s1 needs level 3 and no course teaches it above 2: the plan still raises it to 2 and says so
    gap = [gap_item("s1", needed=3), gap_item("s2", needed=2, held=1)]
    courses = [
        course("s1-intro", {"s1": 1}, hours=2, price=0),
        course("s1-intermediate", {"s1": 2}, hours=10, price=0),
        course("s2-basic", {"s2": 1}, hours=1, price=0),
    ]
    plan = plan_paths(gap, courses, Constraints(objective="hours")).best
    assert ids(plan) == ["s1-intermediate"]  # s1-intro is dominated; s2-basic teaches below what is held
    (step,) = plan.steps
    assert step.skills_covered == ("s1",) and step.levels == (("s1", 2),)
    assert "Raises essential skill label of s1 (to level 2 of 3)" in step.reason
    assert plan.covered_skills == ()
    s1, s2 = sorted(plan.uncovered_skills, key=lambda u: u.skill_uri)
    assert (s1.held_level, s1.reached_level, s1.needed_level) == (0, 2, 3)
    assert s1.reason == (
        "raised to intermediate (level 2), the highest level the catalogue teaches; "
        "the target needs advanced (level 3)"
    )
    assert s1.catalogue_level == 2 and s1.alternative is not None and s1.alternative.kind == "on-the-job"
    assert (s2.reached_level, s2.needed_level) == (1, 2)
    assert (
        s2.reason == "the catalogue teaches it up to basic (level 1); the target needs intermediate (level 2)"
    )
    assert "raises 1 essential" in plan.explanation
    step_json = plan.to_dict()["steps"][0]
    assert step_json["levels"] == {"s1": 2}


def test_a_plan_using_little_of_its_budget_says_what_the_catalogue_cannot_teach() -> None:
    # s1 is taught up to level 2 (needed 3), s2 by no course: EUR 20 of EUR 1,500 is all the catalogue can use
    gap = [gap_item("s1", needed=3), gap_item("s2", needed=3), gap_item("s3", "optional", needed=2)]
    courses = [course("s1-intermediate", {"s1": 2}, hours=10, price=20)]
    plan = plan_paths(gap, courses, Constraints(budget=1500)).best
    assert ids(plan) == ["s1-intermediate"]
    assert "Only 20.00 EUR of the 1,500.00 EUR budget is used: of the 2 essential skills left open" in (
        plan.explanation
    )
    assert "1 taught by the catalogue only up to intermediate (level 2) (label of s1)" in plan.explanation
    assert "1 taught by no course (label of s2)" in plan.explanation
    # spending most of the budget, or having no budget, needs no such note
    assert "budget is used" not in plan_paths(gap, courses, Constraints(budget=30)).best.explanation
    assert "budget is used" not in plan_paths(gap, courses, Constraints()).best.explanation


def test_two_courses_close_a_skill_step_by_step_when_one_brings_it_further() -> None:
    # level steps: a level-2 course covers steps 1-2, the level-3 course needs level 2 first (level order)
    gap = [gap_item("s1", needed=3), gap_item("s2", needed=2)]
    courses = [
        course("s1-adv", {"s1": 3}, hours=10, price=0),
        course("s1-mid-s2", {"s1": 2, "s2": 2}, hours=10, price=0),
    ]
    plan = plan_paths(gap, courses, Constraints(start=START, hours_per_week=10)).best
    assert ids(plan) == ["s1-mid-s2", "s1-adv"]
    first, second = plan.steps
    assert first.levels == (("s1", 2), ("s2", 2)) and second.levels == (("s1", 3),)
    assert set(plan.covered_skills) == {"s1", "s2"} and plan.uncovered_skills == ()


def test_the_default_solver_picks_the_requirement_option_that_also_teaches_an_optional_skill() -> None:
    # d needs p1 or p2 (p1 listed first); both teach essential skill 1, only p2 also teaches optional skill 2.
    # The MILP meets the requirement with p2, fits the budget and adds the optional skill. So does the greedy:
    # its set cover (cost per skill, essential and optional alike) takes p2 for its two skills and stays
    # within the budget; its phases (essential skills first) took d with p1 and could then not afford p2.
    from recommender.planner.cover import CoverProblem, Requirement, solve

    price = np.array([100.0, 300.0, 310.0])
    problem = CoverProblem(
        ids=("d", "p1", "p2"),
        cost=price,
        price=price,
        hours=np.full(3, 10.0),
        covers=(frozenset({0}), frozenset({1}), frozenset({1, 2})),
        weight=np.ones(3),
        essential=np.array([True, True, False]),
        requirements=((Requirement((1, 2), "catalogue", "p1 or p2"),), (), ()),
        rank=(1, 0, 0),
        budget=420.0,
    )
    solution = solve(problem, time_limit=10.0)  # the default's solver, without its latency limit
    assert sorted(problem.ids[i] for i in solution.selection.chosen) == ["d", "p2"]
    assert solution.solver == "exact" and solution.certificate.ratio == 1.0
    assert dict(solution.selection.edges)[0][0][0] == 2  # d's requirement is met by p2
    assert sorted(problem.ids[i] for i in greedy(problem).chosen) == ["d", "p2"]


def test_a_level_provider_with_its_own_prerequisite_feeds_a_course_that_became_takeable_earlier() -> None:
    # "adv" (s1 at 3) needs s1 at level 2 first. "mid" provides it, after its own prerequisite "intro": the
    # order intro, mid, adv is valid and costs 30. "dear-mid" also provides it with no prerequisite, so "adv"
    # is takeable as early as "mid": ranking options by that round alone made "adv" need "dear-mid" (530).
    gap = [gap_item("s1", needed=3), gap_item("s2")]
    courses = [
        course("intro", {}, price=10),
        course("mid", {"s1": 2, "s2": 2}, price=10, requires=("intro",)),
        course("adv", {"s1": 3}, price=10),
        course("dear-mid", {"s1": 2}, price=90),
    ]
    for budget in (None, 100.0):  # within 100, "dear-mid" left s1 at level 2
        plan = plan_paths(gap, courses, Constraints(objective="cost", budget=budget)).best
        assert ids(plan) == ["intro", "mid", "adv"]
        assert plan.total_price == 30 and plan.uncovered_skills == ()


def test_a_course_teaching_a_level_above_is_not_an_option_for_the_level_below() -> None:
    # "mid" (s1 at 3, after "intro") needs s1 at level 2; "adv" teaches s1 at 3 and needs s0 at level 2,
    # which "mid" gives. "adv" never has to give "mid" s1 at 2 (it needs that level first itself), but as an
    # option it made the two a loop of the requirement graph, ranked by round: broad, adv (36 h), not 30 h.
    gap = [gap_item("s0", needed=3, held=1), gap_item("s1", needed=3)]
    courses = [
        course("intro", {"s1": 2}, hours=19),
        course("mid", {"s0": 2, "s1": 3}, hours=3, requires=("intro",)),
        course("adv", {"s0": 3, "s1": 3}, hours=8),
        course("broad", {"s0": 2, "s1": 2}, hours=28),
    ]
    plan = plan_paths(gap, courses, Constraints(objective="hours")).best
    assert ids(plan) == ["intro", "mid", "adv"] and plan.total_hours == 30


def test_two_courses_giving_each_other_a_level_are_used_in_the_order_that_pays() -> None:
    # "a" needs s0 at level 2 and gives s1 at level 2; "b" needs s1 at level 2 and gives s0 at level 2: a loop
    # of the requirement graph. Both became takeable in the same round (through "p" and "q"); when options
    # went by round neither could use the other and the plan took p, q, a, b (45 h). The MILP orders the loop.
    gap = [gap_item("s0", needed=3, held=1), gap_item("s1", needed=3, held=1)]
    courses = [
        course("a", {"s0": 3, "s1": 2}, hours=4),
        course("b", {"s0": 2, "s1": 3}, hours=15),
        course("p", {"s0": 2}, hours=11),
        course("q", {"s1": 2}, hours=15),
    ]
    plan = plan_paths(gap, courses, Constraints(objective="hours")).best
    assert ids(plan) == ["p", "a", "b"] and plan.total_hours == 30
    assert plan.steps[1].prerequisites == ("p",) and plan.steps[2].prerequisites == ("a",)


def test_a_course_teaching_a_skill_at_a_lower_level_comes_before_one_teaching_it_higher() -> None:
    gap = [gap_item("s1"), gap_item("s2", needed=1)]
    courses = [course("a-advanced", {"s1": 2}, price=10), course("b-intro", {"s1": 1, "s2": 1}, price=10)]
    plan = plan_paths(gap, courses, Constraints(start=START, hours_per_week=10)).best
    assert ids(plan) == ["b-intro", "a-advanced"]  # by id alone the advanced course would come first
    assert plan.steps[1].prerequisites == ()  # an order for learning, not a requirement
    # a requirement the other way round wins
    courses = [
        course("a-advanced", {"s1": 2}, price=10),
        course("b-intro", {"s1": 1, "s2": 1}, price=10, requires=("a-advanced",)),
    ]
    plan = plan_paths(gap, courses, Constraints(start=START, hours_per_week=10)).best
    assert ids(plan) == ["a-advanced", "b-intro"]


def test_the_quickest_badges_courses_come_first_to_earn_a_badge_early() -> None:
    # "intro" and "cars" earn the badge; "tech" teaches s1 lower than "cars", which alone would put it first
    gap = [gap_item("s1"), gap_item("s2"), gap_item("s3"), gap_item("s4")]
    courses = [
        course("intro", {"s1": 1, "s4": 2}, price=10, hours=18),
        course("cars", {"s1": 2}, price=10, hours=18),
        course("tech", {"s1": 1, "s2": 2}, price=10, hours=78),
        course("a-other", {"s3": 2}, price=10, hours=10),
    ]
    badges = [BadgeOption("basics", "Batteries: the basics", {"s1": 1}, "all", ("intro", "cars"))]
    constraints = Constraints(start=START, hours_per_week=6)
    plan = plan_paths(gap, courses, constraints, badges=badges).best
    assert ids(plan) == ["intro", "cars", "a-other", "tech"]  # without the badge: a-other, intro, tech, cars
    assert [(e.badge_id, e.week) for e in plan.badges_earned] == [("basics", 6)]
    plain = plan_paths(gap, courses, constraints).best
    assert ids(plain) == ["a-other", "intro", "tech", "cars"]
    # a badge that recognises no skill of the gap does not reorder the plan
    elsewhere = [BadgeOption("other", "Elsewhere", {"x": 1}, "all", ("intro", "cars"))]
    assert ids(plan_paths(gap, courses, constraints, badges=elsewhere).best) == ids(plain)
