"""build_problem's ranks: every option of a requirement ranks below the course needing it, unless both are on
the same loop, on random instances with loops (the deep family of evaluation/bench_planner.py); and the
topological order of components is right whichever way scipy numbers them."""

from __future__ import annotations

import numpy as np

from evaluation.bench_planner import problem_of, random_instance
from recommender.planner.build import _topological_position


def test_options_rank_below_their_course_off_a_loop() -> None:
    rng = np.random.default_rng(3)
    loops = 0
    for k in range(6):
        problem = problem_of(
            *random_instance(rng, n_courses=300, n_skills=40, budget_fraction=None, family="deep")
        )
        loop = problem.loop or (-1,) * problem.n
        loops += any(x >= 0 for x in loop)
        for i, reqs in enumerate(problem.requirements):
            for req in reqs:
                assert req.options, (k, i)
                for o in req.options:
                    assert problem.rank[o] < problem.rank[i]
                for o in req.in_loop:  # the options of its loop it may use when taken first
                    assert loop[o] == loop[i] >= 0 and problem.rank[o] >= problem.rank[i] and o != i
    assert loops  # the instances do have loops, so both kinds of option were checked


def test_topological_position_whatever_the_labels() -> None:
    # components 0..3, edges 0 -> 2, 2 -> 1, 3 -> 1 (and one inside component 3): not sinks first
    tail, head = np.array([0, 2, 3, 3]), np.array([2, 1, 1, 3])
    position = _topological_position(4, tail, head)
    assert sorted(position.tolist()) == [0, 1, 2, 3]
    for t, h in zip(tail.tolist(), head.tolist(), strict=True):
        assert t == h or position[t] < position[h]
    # numbered sinks first (as scipy does): the reverse of the labels
    assert _topological_position(3, np.array([2, 1]), np.array([1, 0])).tolist() == [2, 1, 0]
