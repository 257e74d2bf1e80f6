"""build_problem's ranks: every option of a requirement ranks below the course needing it, unless both are on
the same loop, on random instances with loops (the deep family of evaluation/bench_planner.py); and the
topological order of components is right whichever way scipy numbers them."""

from __future__ import annotations

import numpy as np

from evaluation.bench_planner import problem_of, random_instance
from recommender.planner.build import (
    _acyclic_rank,
    _component_rank,
    _edgeless_rank,
    _RawRequirement,
    _rounds,
    _topological_position,
)


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


def _rounds_by_passes(raw: dict[str, list[_RawRequirement]]) -> tuple[dict[str, int], list[str]]:
    """The least fixed point round by round, every pending course checked each round (build's rule as it
    was written before ``_rounds``)."""
    rank: dict[str, int] = {}
    met: set[_RawRequirement] = set()
    pending = sorted(raw)
    round_ = 0
    while pending:
        now = [c for c in pending if all(r in met for r in raw[c])]
        if not now:
            break
        for c in now:
            rank[c] = round_
        pending = [c for c in pending if c not in rank]
        waiting = {r for c in pending for r in raw[c]} - met
        met.update(r for r in waiting if any(o in rank for o in r.options))
        round_ += 1
    return rank, pending


def test_rounds_are_the_fixed_point_found_by_passes() -> None:
    rng = np.random.default_rng(11)
    never = deepest = 0
    for _ in range(200):
        courses = [f"c{k}" for k in range(int(rng.integers(1, 30)))]
        shared = [  # requirements several courses share (level order), some options outside the courses
            _RawRequirement(tuple(str(o) for o in rng.choice([*courses, "gone"], size=3)), "level", "r")
            for _ in range(int(rng.integers(0, 6)))
        ]
        raw: dict[str, list[_RawRequirement]] = {}
        for c in courses:
            reqs = [r for r in shared if rng.random() < 0.3]
            if rng.random() < 0.3:
                reqs.append(_RawRequirement((str(rng.choice(courses)),), "catalogue", "p"))
            raw[c] = reqs
        rank, pending = _rounds(raw)
        assert (rank, pending) == _rounds_by_passes(raw)
        never += bool(pending)
        deepest = max(deepest, *rank.values(), 0)
    assert never and deepest >= 2  # some courses never takeable, some takeable from the third round


def test_courses_without_requirements_rank_as_their_components_say() -> None:
    """The shortcut for courses of which none has a requirement (no graph built) gives the ranks the graph's
    components give (scipy numbers an edgeless graph's components in node order)."""
    rng = np.random.default_rng(5)
    for n in [0, 1, 2, 3, *rng.integers(4, 300, size=40).tolist()]:
        courses = sorted(f"c{k:03d}" for k in range(n))
        rounds = {c: int(rng.integers(0, 3)) for c in courses}
        raw: dict[str, list[_RawRequirement]] = {c: [] for c in courses}
        assert _acyclic_rank(rounds, raw) == (_edgeless_rank(courses, rounds), {})
        assert _edgeless_rank(courses, rounds) == _component_rank(courses, rounds, raw)[0]
        assert _component_rank(courses, rounds, raw)[1] == {}
