"""selection.repaired: a selection stuck on its loop made orderable, then cheaper by exchanges and drops."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from recommender.planner.cover import CoverProblem, Requirement, value
from recommender.planner.selection import _orderable, ordered_edges, repaired


def _swap_problem(budget: float | None = None) -> CoverProblem:
    """a (0) and b (1) are a loop: a needs x (2), y (3) or b, b needs a. c (4) covers s2 and s3 for 8, y
    covers s2 for 6, x covers s2 for 10 (a's preferred option), d (5) covers s3 for 1. Each skill weighs 1."""
    a_needs = Requirement((2, 3), "level", "s0 at level 1", (1,))
    b_needs = Requirement((), "level", "s1 at level 1", (0,))
    return CoverProblem(
        ids=("a", "b", "x", "y", "c", "d"),
        cost=np.array([1.0, 1.0, 10.0, 6.0, 8.0, 1.0]),
        price=np.array([1.0, 1.0, 10.0, 6.0, 8.0, 1.0]),
        hours=np.ones(6),
        covers=(
            frozenset({0}),
            frozenset({1}),
            frozenset({2}),
            frozenset({2}),
            frozenset({2, 3}),
            frozenset({3}),
        ),
        weight=np.ones(4),
        essential=np.ones(4, dtype=bool),
        requirements=((a_needs,), (b_needs,), (), (), (), ()),
        rank=(1, 1, 0, 0, 0, 0),
        budget=budget,
        loop=(0, 0, -1, -1, -1, -1),
    )


def test_a_stuck_selection_gets_its_cheapest_option_and_a_course_exchanged_for_a_cheaper_one() -> None:
    """{a, b, c} (10) cannot be ordered. Adding a's first option, x, gave 20; y is cheaper and can be taken
    at once (16), after which c covers alone only s3, which d covers for 1: a, b, y, d (9), the cheapest
    orderable selection covering the four skills."""
    problem = _swap_problem()
    assert ordered_edges(problem, [0, 1, 4]) is None
    closure = _orderable(problem, {0, 1, 4})
    assert closure is not None and closure.members == {0, 1, 3, 4}
    fixed = repaired(problem, [0, 1, 4])
    assert fixed == [3, 5, 0, 1] and value(problem, fixed).cost == 9.0
    assert ordered_edges(problem, fixed) is not None
    assert repaired(problem, [3, 5, 0, 1]) == [3, 5, 0, 1]  # nothing cheaper at that coverage
    assert repaired(_swap_problem(budget=8.0), [0, 1, 4]) is None  # 9 does not fit 8


def test_over_a_budget_the_options_and_exchanges_that_take_least_of_it_are_tried() -> None:
    """With y priced 20 and x 2, the cheapest repair, a, b, y, d (price 23), breaks a budget of 14: made
    orderable and exchanged for price instead, a, b, x, d (price 5, cost 13) fits, and y in x's place,
    cheaper, would not."""
    problem = replace(_swap_problem(budget=14.0), price=np.array([1.0, 1.0, 2.0, 20.0, 8.0, 1.0]))
    assert repaired(problem, [0, 1, 4]) == [2, 5, 0, 1]
    assert repaired(replace(problem, budget=None), [0, 1, 4]) == [3, 5, 0, 1]


def test_repaired_selections_are_orderable_cover_what_they_were_given_and_cost_no_more() -> None:
    """On seeded bench_planner instances (the level order makes loops), random halves of a loop's courses
    with a few others, repaired: orderable, within the limits, covering every skill the selection covered,
    and never costlier than the options added alone made them."""
    from evaluation.bench_planner import problem_of, random_instance

    rng = np.random.default_rng(5)
    tried = 0
    for k in range(8):
        problem = problem_of(
            *random_instance(
                rng,
                n_courses=(60, 100)[k % 2],
                n_skills=20,
                budget_fraction=None if k % 4 else 0.8,
                family=("typical", "deep")[k // 2 % 2],
            )
        )
        for loop in sorted({c for c in problem.loop if c >= 0})[:2] if problem.loop else ():
            on_loop = [i for i in range(problem.n) if problem.loop[i] == loop]
            for _ in range(4):
                half = rng.choice(on_loop, size=max(2, len(on_loop) // 2), replace=False).tolist()
                chosen = sorted({*half, *rng.choice(problem.n, size=3, replace=False).tolist()})
                fixed = repaired(problem, chosen)
                closure = _orderable(problem, set(chosen))
                if fixed is None:
                    continue
                tried += 1
                assert closure is not None and ordered_edges(problem, fixed) is not None
                covered = set().union(*(problem.covers[i] for i in fixed))
                assert covered >= set().union(*(problem.covers[i] for i in chosen))
                assert value(problem, fixed).cost <= value(problem, list(closure.members)).cost + 1e-9
                if problem.budget is not None:
                    assert float(problem.price[fixed].sum()) <= problem.budget * (1 + 1e-7)
    assert tried >= 10, tried
