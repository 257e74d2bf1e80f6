"""The reduced problem the planner solves: courses beaten by another go, skills become classes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from recommender.planner import Constraints, plan_paths
from recommender.planner import plan as plan_module
from recommender.planner.cover import CoverProblem, Requirement, solve, value
from recommender.planner.reduced import reduction
from tests.recommender.planner.builders import course, gap_item
from tests.recommender.planner.test_cover import brute_force, feasible, random_problem


def _problem(
    covers: list[set[int]],
    *,
    price: Sequence[float],
    hours: Sequence[float],
    requirements: dict[int, tuple[int, ...]] | None = None,
    essential: list[bool] | None = None,
    weight: list[float] | None = None,
) -> CoverProblem:
    n = len(covers)
    m = 1 + max(s for c in covers for s in c)
    needs = requirements or {}
    return CoverProblem(
        ids=tuple(f"c{i}" for i in range(n)),
        cost=np.asarray(hours, dtype=np.float64),
        price=np.asarray(price, dtype=np.float64),
        hours=np.asarray(hours, dtype=np.float64),
        covers=tuple(frozenset(c) for c in covers),
        weight=np.asarray(weight or [1.0] * m, dtype=np.float64),
        essential=np.asarray(essential or [True] * m),
        requirements=tuple(
            (Requirement(needs[i], "catalogue", f"one of {needs[i]}"),) if i in needs else ()
            for i in range(n)
        ),
        rank=tuple(1 if i in needs else 0 for i in range(n)),
    )


def test_a_course_another_beats_on_every_count_goes_and_twins_keep_the_first() -> None:
    problem = _problem(
        [{0}, {0, 1}, {0, 1}, {0, 1}, {1}, {2}],
        price=[50, 40, 40, 40, 10, 5],
        hours=[10, 10, 10, 10, 1, 1],
        requirements={5: (4,)},  # course 4 is an option of course 5's requirement: kept
    )
    found = reduction(problem, [problem.cost])
    # 0 is beaten by 1 (covers less, costs more); 2 and 3 are 1's twins; 4 is cheaper than 1 but needed
    assert found.kept == (1, 4, 5)


def test_a_course_is_beaten_only_under_every_objective_cost() -> None:
    problem = _problem([{0}, {0}], price=[10, 20], hours=[5, 5])
    assert reduction(problem, [problem.cost]).kept == (0,)
    # under a second cost where course 1 is cheaper, neither beats the other
    assert reduction(problem, [problem.cost, np.array([2.0, 1.0])]).kept == (0, 1)


def test_of_courses_alike_the_one_lowest_under_the_ties_stays() -> None:
    problem = _problem([{0}, {0}, {0}], price=[10, 10, 10], hours=[5, 5, 5])
    assert reduction(problem, [problem.cost]).kept == (0,)  # no ties given: the first
    # the second array decides only where the first is level
    ties = [np.array([2.0, 1.0, 1.0]), np.array([0.0, 3.0, 2.0])]
    assert reduction(problem, [problem.cost], ties=ties).kept == (2,)
    # a course beaten on a count is dropped whatever the ties say
    cheaper = _problem([{0}, {0}], price=[10, 9], hours=[5, 5])
    assert reduction(cheaper, [cheaper.cost], ties=[np.array([0.0, 1.0])]).kept == (1,)


def test_a_reduction_of_the_reduced_problem_is_one_of_the_problem() -> None:
    problem = _problem(
        [{0, 1}, {0, 1}, {2}, {2, 3}, {3}],
        price=[10, 20, 5, 5, 1],
        hours=[5, 5, 2, 1, 1],
        weight=[1.0, 2.0, 3.0, 4.0],
    )
    outer = reduction(problem, [problem.cost, np.array([5.0, 1.0, 1.0, 1.0, 1.0])])
    assert outer.kept == (0, 1, 3, 4)  # course 1 is dearer but lower under the second cost
    inner = reduction(outer.problem(problem), [outer.problem(problem).cost])
    both = outer.then(inner)
    assert both.kept == (0, 3, 4)
    twice, once = inner.problem(outer.problem(problem)), both.problem(problem)
    assert (twice.ids, twice.covers, twice.weight.tolist()) == (once.ids, once.covers, once.weight.tolist())
    assert both.indices((3, 0)) == (1, 0)
    chosen = solve(once, time_limit=10.0).selection
    assert both.selection(problem, chosen).chosen == tuple(both.kept[i] for i in chosen.chosen)
    assert value(problem, both.selection(problem, chosen).chosen) == brute_force(problem)


def test_a_course_needing_something_beats_only_a_course_needing_the_same() -> None:
    covers, price, hours = [{0}, {1}, {1, 2}], [5, 1, 1], [1, 1, 1]
    # 2 covers more than 1 at no more price or hours, but 2 needs 0 and 1 needs nothing: both stay
    needing = _problem(covers, price=price, hours=hours, requirements={2: (0,)})
    assert reduction(needing, [np.ones(3)]).kept == (0, 1, 2)
    assert reduction(_problem(covers, price=price, hours=hours), [np.ones(3)]).kept == (0, 2)


def test_skills_covered_by_the_same_courses_and_of_one_kind_are_one_class() -> None:
    problem = _problem(
        [{0, 1, 2, 3}, {3}],
        price=[1, 0.5],  # course 1 is cheaper: not beaten
        hours=[1, 1],
        essential=[True, True, False, True, True],
        weight=[1.0, 2.0, 0.5, 4.0, 8.0],
    )
    found = reduction(problem, [problem.cost])
    assert found.kept == (0, 1)
    reduced = found.problem(problem)
    # skills 0 and 1 (essential, course 0 only) are one class; 2 is optional; 3 is covered by both
    # courses; 4 by none: dropped
    assert sorted(zip(reduced.weight.tolist(), reduced.essential.tolist(), strict=True)) == [
        (0.5, False),
        (3.0, True),
        (4.0, True),
    ]
    assert found.skill_class[4] == -1
    assert value(reduced, [0]) == value(problem, [0])
    assert value(reduced, [1]) == value(problem, [1])


@pytest.mark.parametrize("limited", [False, True])
def test_the_reduced_problems_optimum_is_the_problems_under_each_objective_cost(limited: bool) -> None:
    rng = np.random.default_rng(20261205 + limited)
    reduced_some = 0
    for _ in range(25):
        n, m = int(rng.integers(5, 11)), int(rng.integers(3, 6))  # few skills: many courses beaten
        problem = random_problem(rng, n=n, m=m, limited=limited)
        costs = [problem.cost, np.round(rng.uniform(1, 20, n), 1), problem.hours + 0.01 * problem.price]
        found = reduction(problem, costs)
        reduced_some += len(found.kept) < n
        for cost in costs:
            original = CoverProblem(**{**problem.__dict__, "cost": cost})
            solution = solve(found.problem(original), time_limit=10.0)
            selection = found.selection(original, solution.selection)
            chosen = set(selection.chosen)
            assert feasible(original, chosen)
            for i in chosen:  # each requirement met by a chosen option, named as the problem names it
                assert len(selection.edges[i]) == len(original.requirements[i])
                for (provider, req), own in zip(selection.edges[i], original.requirements[i], strict=True):
                    assert req is own and provider in chosen and provider in req.options
            best, got = brute_force(original), value(original, selection.chosen)
            assert not best.better_than(got) and not got.better_than(best), (best, got)
    assert reduced_some >= 10  # the instances do exercise the reduction


@pytest.mark.parametrize("limited", [False, True])
def test_a_reduction_again_under_one_cost_keeps_that_costs_optimum(limited: bool) -> None:
    """What the planner does per plan (plan._own_reduced): the all-costs reduction reduced again under one
    cost, with the other costs breaking ties and a selection kept, still reaches that cost's optimum."""
    rng = np.random.default_rng(20261206 + limited)
    smaller = 0
    for _ in range(25):
        n, m = int(rng.integers(5, 11)), int(rng.integers(3, 6))
        problem = random_problem(rng, n=n, m=m, limited=limited)
        costs = [problem.cost, np.round(rng.uniform(1, 20, n), 1), problem.hours + 0.01 * problem.price]
        outer = reduction(problem, costs)
        for k, cost in enumerate(costs):
            original = CoverProblem(**{**problem.__dict__, "cost": cost})
            on_outer = outer.problem(original)
            keep = tuple(int(i) for i in rng.choice(on_outer.n, size=min(2, on_outer.n), replace=False))
            ties = [c[list(outer.kept)] for j, c in enumerate(costs) if j != k]
            inner = reduction(on_outer, [on_outer.cost], ties=ties, keep=keep)
            assert set(keep) <= set(inner.kept)
            both = outer.then(inner)
            smaller += len(both.kept) < len(outer.kept)
            solution = solve(both.problem(original), time_limit=10.0)
            chosen = both.selection(original, solution.selection).chosen
            assert feasible(original, set(chosen))
            best, got = brute_force(original), value(original, chosen)
            assert not best.better_than(got) and not got.better_than(best), (best, got)
    assert smaller >= 10  # one cost alone does drop more courses


def test_twin_courses_give_one_plan_with_the_better_ranked_twin() -> None:
    """Two courses alike in skills, hours and price: every plan takes the better-ranked one, so the plans
    coincide (before, the fastest plan could take the other twin and stand as a plan of its own)."""
    gap = [gap_item("s", needed=2)]
    courses = [course("a-twin", {"s": 2}), course("b-twin", {"s": 2})]
    for better in ("a-twin", "b-twin"):
        scores = {c.id: 0.9 if c.id == better else 0.1 for c in courses}
        result = plan_paths(gap, courses, Constraints(), scores=scores)
        assert [(p.labels, [s.course_id for s in p.steps]) for p in result.plans] == [
            (("fastest", "cheapest", "best for you"), [better])
        ]


def test_each_plan_is_solved_without_the_courses_its_own_cost_beats(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Course "b" is slower than "a" but better ranked: the best-ranked plan needs it, the fastest and the
    cheapest do not, and their problems go without it (the cheapest then has only the fastest's course
    left: not solved)."""
    gap = [gap_item("s", needed=2)]
    courses = [course("a", {"s": 2}, hours=5, price=10), course("b", {"s": 2}, hours=8, price=10)]
    solved: list[tuple[str, ...]] = []
    solve_ = plan_module.solve

    def recording(problem: CoverProblem, **kwargs: object) -> object:
        solved.append(problem.ids)
        return solve_(problem, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(plan_module, "solve", recording)
    result = plan_paths(gap, courses, Constraints(), scores={"a": 0.1, "b": 0.9})
    assert solved == [("a",), ("a", "b")]  # fastest, best for you
    assert [(p.labels, [s.course_id for s in p.steps]) for p in result.plans] == [
        (("fastest", "cheapest"), ["a"]),
        (("best for you",), ["b"]),
    ]


def test_a_later_plans_problem_keeps_the_first_selection_it_starts_from() -> None:
    problem = _problem([{0}, {0}], price=[10, 10], hours=[5, 5])
    assert reduction(problem, [problem.cost]).kept == (0,)
    assert reduction(problem, [problem.cost], keep=(1,)).kept == (0, 1)  # 1 beaten by its twin 0, kept


def test_when_the_first_plan_takes_every_candidate_the_other_kinds_are_not_solved(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No other selection reaches its coverage: the other kinds' plans are the same, without a solve."""
    gap = [gap_item("s1", needed=2), gap_item("s2", needed=2), gap_item("s3", "optional", needed=2)]
    courses = [
        course("a", {"s1": 2}, hours=12, price=30),
        course("b", {"s2": 2, "s3": 2}, hours=5, price=80, requires=("a",)),
        course("c", {"s4": 2}, hours=1, price=1),  # teaches no gap skill: no candidate
    ]
    constraints = Constraints(budget=500.0)
    solves: list[int] = []
    solve_ = plan_module.solve

    def counting(problem: CoverProblem, **kwargs: object) -> object:
        solves.append(problem.n)
        return solve_(problem, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(plan_module, "solve", counting)
    shortcut = plan_paths(gap, courses, constraints, scores={"a": 0.3, "b": 0.6})
    assert solves == [2]
    monkeypatch.setattr(plan_module, "_only_choice", lambda problem, solution: False)
    solved = plan_paths(gap, courses, constraints, scores={"a": 0.3, "b": 0.6})
    assert solves == [2, 2, 2, 2]  # each kind solved
    assert shortcut == solved
    assert [p.labels for p in shortcut.plans] == [("fastest", "cheapest", "best for you")]
