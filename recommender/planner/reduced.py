"""A cover problem without what cannot change its optimum: what the planner gives the solvers.

Two reductions (:func:`reduction`), each keeping the optimum's value (essential coverage, optional coverage,
cost) under every objective cost the planner will solve the problem with:

* *dominated courses* go: course a when no course needs it (it is no requirement's option) and another
  course b covers every skill a covers, costs no more money, hours nor objective cost under each of the
  objective costs, and needs nothing (or exactly what a needs); of identical courses the one lowest under
  the caller's tie-breaking costs stays, then the one of lowest index. Any selection with a can swap it for
  b (or drop it, when b is chosen too) and lose nothing, so a selection of the courses kept reaches the
  optimum.
* *skills in classes*: the skills covered by the same courses (those kept), of the same kind (essential or
  optional), become one skill of their summed weight; skills no course covers go.

On the bundled data's plans (bench_http's 101 bodies) a 62-candidate, 677-step problem becomes 39 candidates
and ~50 skills, which HiGHS solves in ~60 % of the time, with the same selections.
The solvers work on :meth:`Reduction.problem` and :meth:`Reduction.selection` puts their selection back on
the problem's own indices. A reduced problem reduced again under fewer costs (the planner's first plan:
under its own cost alone) is one reduction of the problem (:meth:`Reduction.then`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from recommender.planner.selection import CoverProblem, Requirement, Selection, flattened


@dataclass(frozen=True)
class Reduction:
    """Which candidates stay (``kept``: their index in the problem, ascending) and the skill classes: the
    class of each skill (``skill_class``, -1 for a skill no kept course covers), each class's weight and
    kind."""

    kept: tuple[int, ...]
    skill_class: NDArray[np.int64]
    weight: NDArray[np.float64]
    essential: NDArray[np.bool_]

    def problem(self, problem: CoverProblem) -> CoverProblem:
        """``problem`` (the one reduced, or the same one under another objective cost: ``build.recost``) on
        the kept candidates and the skill classes."""
        kept = list(self.kept)
        new = {i: k for k, i in enumerate(kept)}
        classes = self.skill_class.tolist()
        renumbered: dict[int, Requirement] = {}  # by identity: courses share requirements (level order)

        def requirement(req: Requirement) -> Requirement:
            if id(req) not in renumbered:  # a dropped course is no option: every option is kept
                renumbered[id(req)] = replace(
                    req,
                    options=tuple(new[o] for o in req.options),
                    in_loop=tuple(new[o] for o in req.in_loop),
                )
            return renumbered[id(req)]

        return CoverProblem(
            ids=tuple(problem.ids[i] for i in kept),
            cost=problem.cost[kept],
            price=problem.price[kept],
            hours=problem.hours[kept],
            covers=tuple(frozenset(classes[s] for s in problem.covers[i]) for i in kept),
            weight=self.weight,
            essential=self.essential,
            requirements=tuple(tuple(map(requirement, problem.requirements[i])) for i in kept),
            rank=tuple(problem.rank[i] for i in kept),
            budget=problem.budget,
            max_hours=problem.max_hours,
            loop=tuple(problem.loop[i] for i in kept) if problem.loop else (),
        )

    def then(self, inner: Reduction) -> Reduction:
        """This reduction followed by ``inner`` (a reduction of :meth:`problem`'s), as one."""
        covered = self.skill_class >= 0
        skill_class = np.full(len(self.skill_class), -1, dtype=np.int64)
        skill_class[covered] = inner.skill_class[self.skill_class[covered]]
        return Reduction(tuple(self.kept[i] for i in inner.kept), skill_class, inner.weight, inner.essential)

    def indices(self, chosen: Sequence[int]) -> tuple[int, ...]:
        """``chosen`` (candidates of the problem reduced, each kept) as candidates of :meth:`problem`."""
        position = {i: k for k, i in enumerate(self.kept)}
        return tuple(position[i] for i in chosen)

    def selection(self, problem: CoverProblem, selection: Selection) -> Selection:
        """A selection of :meth:`problem` as a selection of ``problem``: the same courses, each requirement
        met by the same course."""
        kept = self.kept
        edges: dict[int, tuple[tuple[int, Requirement], ...]] = {}
        for d, providers in selection.edges.items():
            own = problem.requirements[kept[d]]  # in the reduced course's order
            edges[kept[d]] = tuple((kept[o], own[k]) for k, (o, _) in enumerate(providers))
        return Selection(tuple(kept[i] for i in selection.chosen), edges)


def reduction(
    problem: CoverProblem,
    costs: Sequence[NDArray[np.float64]],
    *,
    ties: Sequence[NDArray[np.float64]] = (),
    keep: Sequence[int] = (),
) -> Reduction:
    """The courses of ``problem`` to keep and its skill classes, for solving it under each objective cost
    of ``costs`` (one array of the n candidates' costs each; see the module docstring). Of courses alike in
    all that, the one lowest under ``ties`` (arrays like ``costs``, the first deciding) is kept, then the
    one of lowest index; the candidates of ``keep`` are kept whatever beats them."""
    n = problem.n
    dominated = _dominated(problem, costs, ties) if n > 1 else np.zeros(n, dtype=bool)
    dominated[list(keep)] = False
    kept = np.flatnonzero(~dominated)
    # classes: the skills with the same kept courses covering them and of the same kind
    sizes, skills = flattened([problem.covers[i] for i in kept])
    courses = np.repeat(np.arange(len(kept)), sizes)
    by_skill: list[list[int]] = [[] for _ in range(problem.m)]
    for s, c in zip(skills.tolist(), courses.tolist(), strict=True):
        by_skill[s].append(c)
    classes: dict[tuple[bool, tuple[int, ...]], int] = {}
    skill_class = np.full(problem.m, -1, dtype=np.int64)
    for s, covering in enumerate(by_skill):
        if covering:
            skill_class[s] = classes.setdefault((bool(problem.essential[s]), tuple(covering)), len(classes))
    covered = skill_class >= 0
    weight = np.bincount(skill_class[covered], weights=problem.weight[covered], minlength=len(classes))
    essential = np.zeros(len(classes), dtype=bool)
    essential[skill_class[covered]] = problem.essential[covered]
    return Reduction(tuple(kept.tolist()), skill_class, weight.astype(np.float64), essential)


def _dominated(
    problem: CoverProblem, costs: Sequence[NDArray[np.float64]], ties: Sequence[NDArray[np.float64]]
) -> NDArray[np.bool_]:
    """Whether each candidate is dominated by another (see the module docstring). Only a course no course
    needs can be: the matrices below have a row for each of those (``free``) and a column for every course
    (most synthetic candidates are some requirement's option: at 400 courses, a quarter of the time)."""
    n = problem.n
    needed = np.zeros(n, dtype=bool)
    options = {o for reqs in problem.requirements for req in reqs for o in (req.options, req.in_loop)}
    needed[np.fromiter(itertools.chain.from_iterable(options), dtype=np.int64)] = True
    free = np.flatnonzero(~needed)
    # at_most[a, b]: every quantity of b (price, hours, each objective cost) at most a's; below: one below it
    quantities = np.stack([problem.price, problem.hours, *costs])
    at_most = (quantities[:, None, :] <= quantities[:, free, None]).all(axis=0)
    below = (quantities[:, None, :] < quantities[:, free, None]).any(axis=0)
    sizes, skills = flattened(problem.covers)
    cover = np.zeros((n, problem.m), dtype=np.float32)
    cover[np.repeat(np.arange(n), sizes), skills] = 1.0
    subset = cover[free] @ (1.0 - cover).T == 0  # [a, b]: no skill a covers and b does not
    more = (cover @ (1.0 - cover[free]).T).T > 0  # [a, b]: b covers a skill a does not
    needs: dict[tuple[Requirement, ...], int] = {(): 0}  # each course's requirements, numbered
    need = np.array([needs.setdefault(reqs, len(needs)) for reqs in problem.requirements])
    same_needs = (need[None, :] == 0) | (need[None, :] == need[free, None])  # [a, b]: b needs nothing or a's
    place = np.empty(n, dtype=np.int64)  # each course's place by ties, then index
    place[np.lexsort((np.arange(n), *reversed(ties)))] = np.arange(n)
    earlier = place[None, :] < place[free, None]  # [a, b]: b comes first
    dominates = at_most & subset & same_needs & (below | more | earlier)
    dominates[np.arange(len(free)), free] = False  # not by itself
    dominated = np.zeros(n, dtype=bool)
    dominated[free] = dominates.any(axis=1)
    return dominated
