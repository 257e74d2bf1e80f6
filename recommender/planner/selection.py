"""The selection problem on indices, a selection and its value, and the prune every solver ends with.

A :class:`CoverProblem` works on indices: candidate courses ``0..n-1`` (sorted by id) and gap skills
``0..m-1``. A course *covers* a skill when it teaches it at the needed level or above. A course may have
*requirements*, each satisfied by any one of its ``options`` (a catalogue prerequisite has one option; a
level requirement "skill S at level L-1" has every course teaching S at exactly L-1: one teaching it higher
needs L-1 first itself). Options always have a strictly lower *rank* than the course requiring them (rank: the
strongly connected components of the requirement graph in topological order, then within one the round of the
fixed point in which a course became takeable), so following them can never loop. Inside a *loop* (a component
of two courses or more: a gives what b needs, b what a needs) a course may also use the loop's other options
(``in_loop``), when the selection takes them first: a selection using one is valid when some order of its
courses meets every requirement (:func:`ordered_edges`); the MILP orders the loop's courses, the greedy takes
an option of a course's own loop only into the same bundle, before the course (or when already chosen).

Selections compare lexicographically (:class:`Value`): first the weighted essential skills covered, then the
weighted optional skills, then the objective cost (hours or money) of the courses; a valid selection meets
every requirement of its courses within the money budget and the maximum hours. The solvers are in
:mod:`recommender.planner.cover` (MILP, certificate) and :mod:`recommender.planner.greedy`.
"""

from __future__ import annotations

import heapq
import itertools
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

#: Weighted essential and optional coverage.
Coverage = tuple[float, float]
#: Relative tolerance when comparing weighted coverage and costs of two selections.
TOLERANCE = 1e-7


@dataclass(frozen=True)
class Requirement:
    """Something a course needs first, met by any one of ``options`` (candidate indices of lower rank,
    preferred first), or of ``in_loop`` (the other options of the course's loop, preferred first) taken
    before it."""

    options: tuple[int, ...]
    origin: str  # catalogue | curated | level
    label: str  # for explanations, e.g. "course C12" or "battery chemistry at level 2"
    in_loop: tuple[int, ...] = ()


@dataclass(frozen=True)
class CoverProblem:
    """A selection instance on indices; see the module docstring.

    Attributes
    ----------
    ids : tuple of str, shape (n,)
        Candidate course ids; index ``i`` is course ``ids[i]``.
    cost : ndarray of float64, shape (n,)
        Objective cost of each course (positive).
    price, hours : ndarray of float64, shape (n,)
        Money (plan currency) and hours, for the budget and maximum-hours constraints.
    covers : tuple of frozenset of int, length n
        Skill indices each course covers.
    weight : ndarray of float64, shape (m,)
        Weight of each gap skill.
    essential : ndarray of bool, shape (m,)
        Whether each skill is essential (covered in the first phase).
    requirements : tuple of tuple of Requirement, length n
        What each course needs first.
    rank : tuple of int, length n
        Order of the courses' requirement-graph components, then fixed-point round (options have lower rank).
    loop : tuple of int, length n, or empty
        The loop of the requirement graph each course is on (-1: none); empty when no course is on one.
    """

    ids: tuple[str, ...]
    cost: NDArray[np.float64]
    price: NDArray[np.float64]
    hours: NDArray[np.float64]
    covers: tuple[frozenset[int], ...]
    weight: NDArray[np.float64]
    essential: NDArray[np.bool_]
    requirements: tuple[tuple[Requirement, ...], ...]
    rank: tuple[int, ...]
    budget: float | None = None
    max_hours: float | None = None
    loop: tuple[int, ...] = ()

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def m(self) -> int:
        return len(self.weight)

    @cached_property
    def coverage(self) -> sp.csr_array:
        """``covers`` as a sparse 0/1 matrix of shape (n, m)."""
        sizes, indices = flattened(self.covers)
        indptr = np.concatenate([[0], np.cumsum(sizes)])
        return sp.csr_array((np.ones(len(indices)), indices, indptr), shape=(self.n, self.m))


def flattened(sets: Sequence[Collection[int]]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The size of each collection and all their members, one after the other."""
    sizes = np.fromiter(map(len, sets), dtype=np.int64, count=len(sets))
    members = np.fromiter(itertools.chain.from_iterable(sets), dtype=np.int64, count=int(sizes.sum()))
    return sizes, members


_Edges = Mapping[int, tuple[tuple[int, Requirement], ...]]


@dataclass(frozen=True)
class Selection:
    """Chosen courses (in no particular order) and the provider chosen for each requirement."""

    chosen: tuple[int, ...]
    edges: _Edges


@dataclass(frozen=True)
class Value:
    """The lexicographic value of a selection: weighted essential and optional coverage, then cost."""

    essential: float
    optional: float
    cost: float

    def better_than(self, other: Value) -> bool:
        """Lexicographically better: more essential weight, then more optional weight, then less cost."""
        for mine, theirs in ((self.essential, other.essential), (self.optional, other.optional)):
            if abs(mine - theirs) > TOLERANCE * max(1.0, theirs):
                return mine > theirs
        return self.cost < other.cost * (1 - TOLERANCE)


def value(problem: CoverProblem, chosen: Sequence[int]) -> Value:
    """Weighted essential coverage, weighted optional coverage and total cost of ``chosen``."""
    covered: set[int] = set()
    for i in chosen:
        covered |= problem.covers[i]
    ess = float(sum(problem.weight[s] for s in covered if problem.essential[s]))
    opt = float(sum(problem.weight[s] for s in covered if not problem.essential[s]))
    return Value(ess, opt, float(sum(problem.cost[i] for i in chosen)))


def prune(problem: CoverProblem, selection: Selection) -> Selection:
    """Drop courses that cover nothing the others miss, costliest first.

    A course that provides another's requirement can go when another chosen course also meets that
    requirement; the edge is moved to it (options have lower rank, so no cycle can appear). A selection on a
    loop (:func:`in_loop`) keeps a course unless the others remain orderable (:func:`ordered_edges`).
    """
    if in_loop(problem, selection.chosen):
        return _prune_ordered(problem, selection.chosen)
    chosen = list(selection.chosen)
    edges = {c: list(selection.edges[c]) for c in chosen}
    counts = Counter(s for c in chosen for s in problem.covers[c])
    # Dropping a course only lowers the counts and the providers' alternatives, so a course kept earlier in
    # the scan stays kept, unless the dropped course had requirements (its providers may now be free to go):
    # only then does the scan start again from the costliest.
    restart = True
    while restart:
        restart = False
        for c in sorted(chosen, key=lambda i: (-problem.cost[i], i)):
            if not all(counts[s] > 1 for s in problem.covers[c]):
                continue
            moves = _moved_edges(edges, c)
            if moves is None:
                continue
            for d, k, alt in moves:
                edges[d][k] = (alt, edges[d][k][1])
            chosen.remove(c)
            counts.subtract(problem.covers[c])
            if edges.pop(c):
                restart = True
                break
    return Selection(tuple(chosen), {c: tuple(e) for c, e in edges.items()})


def _moved_edges(
    edges: Mapping[int, list[tuple[int, Requirement]]], c: int
) -> list[tuple[int, int, int]] | None:
    """For each requirement course ``c`` provides, another chosen option to move it to (None if one has
    none): (dependent course, requirement position, new provider)."""
    moves = []
    for d, providers in edges.items():
        for k, (provider, req) in enumerate(providers):
            if provider == c and d != c:
                alt = next((o for o in req.options if o in edges and o != c), None)
                if alt is None:
                    return None
                moves.append((d, k, alt))
    return moves


def _prune_ordered(problem: CoverProblem, chosen: Sequence[int]) -> Selection:
    """:func:`prune` of a selection on a loop: drop, costliest first, a course that covers nothing the others
    miss and either provides no requirement in the current order or leaves the others orderable."""
    kept = list(chosen)
    edges = ordered_edges(problem, kept)
    if edges is None:
        raise RuntimeError("the selection cannot be ordered: a bug in the solver that chose it")
    counts = Counter(s for c in kept for s in problem.covers[c])
    restart = True  # as in prune: only a dropped course with requirements may free its providers
    while restart:
        restart = False
        for c in sorted(kept, key=lambda i: (-problem.cost[i], i)):
            if not all(counts[s] > 1 for s in problem.covers[c]):
                continue
            rest = [i for i in kept if i != c]
            moved = _moved_in_order(edges, c)
            if moved is False:
                continue
            if moved is True:  # some course it provides has no other provider before it: order them again
                reordered = ordered_edges(problem, rest)
                if reordered is None:
                    continue
                edges = reordered
            else:  # the order of the others holds, with other providers taken before
                del edges[c]
                edges.update(moved)
            kept = rest
            counts.subtract(problem.covers[c])
            if problem.requirements[c]:
                restart = True
                break
    return Selection(tuple(kept), edges)


def _moved_in_order(
    edges: Mapping[int, tuple[tuple[int, Requirement], ...]], c: int
) -> dict[int, tuple[tuple[int, Requirement], ...]] | bool:
    """The edges of the courses ``c`` provides, each moved to another option taken before the course in the
    order of ``edges`` (its keys); else whether another order may still do (True: every such requirement
    has another option among the others; False: one has none, so ``c`` must stay)."""
    position = {d: k for k, d in enumerate(edges)}
    moved = {}
    in_order = True
    for d, providers in edges.items():
        if d == c or all(o != c for o, _ in providers):
            continue
        new = []
        for o, req in providers:
            if o != c:
                new.append((o, req))
                continue
            others = [a for a in (*req.options, *req.in_loop) if a != c and a in position]
            if not others:
                return False
            before = [a for a in others if position[a] < position[d]]
            in_order = in_order and bool(before)
            new.append((before[0] if before else o, req))
        moved[d] = tuple(new)
    return moved if in_order else True


def in_loop(problem: CoverProblem, chosen: Collection[int]) -> bool:
    """Whether a course of ``chosen`` has a requirement with options in its loop (``Requirement.in_loop``)."""
    return bool(problem.loop) and any(req.in_loop for c in chosen for req in problem.requirements[c])


def ordered_edges(
    problem: CoverProblem, chosen: Collection[int]
) -> dict[int, tuple[tuple[int, Requirement], ...]] | None:
    """The provider of each requirement of the ``chosen`` courses in an order that meets them all (keys in
    that order), or None when there is none: the courses are taken one at a time, the takeable one of lowest
    rank (then index) first, each requirement met by its first option taken before (``options``, then
    ``in_loop``)."""
    edges = _taken_in_order(problem, chosen)
    return edges if len(edges) == len(set(chosen)) else None


def unordered_loops(problem: CoverProblem, chosen: Collection[int]) -> set[int]:
    """The loops (``CoverProblem.loop``) of the ``chosen`` courses that no order can take (none when
    :func:`ordered_edges` orders them all)."""
    if not problem.loop:
        return set()
    taken = _taken_in_order(problem, chosen)
    return {problem.loop[c] for c in chosen if c not in taken and problem.loop[c] >= 0}


def _taken_in_order(
    problem: CoverProblem, chosen: Collection[int]
) -> dict[int, tuple[tuple[int, Requirement], ...]]:
    """:func:`ordered_edges` of the ``chosen`` courses it can take, in that order."""
    members = set(chosen)
    requirements = problem.requirements
    unmet = {c: len(requirements[c]) for c in members}
    met: dict[tuple[int, int], bool] = {}
    waiting: dict[int, list[tuple[int, int]]] = {}  # member -> (course, requirement position) it would meet
    for c in members:
        for k, req in enumerate(requirements[c]):
            for o in (*req.options, *req.in_loop):
                if o in members:
                    waiting.setdefault(o, []).append((c, k))
    ready = [(problem.rank[c], c) for c in members if unmet[c] == 0]
    heapq.heapify(ready)
    taken: set[int] = set()
    edges: dict[int, tuple[tuple[int, Requirement], ...]] = {}
    while ready:
        _, c = heapq.heappop(ready)
        edges[c] = tuple(
            (next(o for o in (*req.options, *req.in_loop) if o in taken), req) for req in requirements[c]
        )
        taken.add(c)
        for d, k in waiting.get(c, ()):
            if d not in taken and not met.get((d, k)):
                met[(d, k)] = True
                unmet[d] -= 1
                if unmet[d] == 0:
                    heapq.heappush(ready, (problem.rank[d], d))
    return edges


def repaired(problem: CoverProblem, chosen: Sequence[int]) -> list[int] | None:
    """``chosen`` made orderable (:func:`ordered_edges`), or None: while some of its courses cannot be taken,
    the first of them (by rank) gets the first option (the preferred: options outside its loop, of lower
    rank) of a requirement that no course taken before it meets. None when an option is missing or the
    courses break the money or hours limit. A selection of the MILP's relaxation whose loop cannot be ordered
    (:class:`recommender.planner.cover._Program`) becomes a valid one of at least its coverage."""
    members = set(chosen)
    for _ in range(problem.n):
        taken = _taken_in_order(problem, members)
        if len(taken) == len(members):
            for limit, column in ((problem.budget, problem.price), (problem.max_hours, problem.hours)):
                if limit is not None and float(column[list(members)].sum()) > limit * (1 + TOLERANCE):
                    return None
            return sorted(members, key=lambda i: (problem.rank[i], i))
        course = min(members - taken.keys(), key=lambda i: (problem.rank[i], i))
        added = None
        for req in problem.requirements[course]:
            if any(o in taken for o in (*req.options, *req.in_loop)):
                continue
            added = next((o for o in req.options if o not in members), None)
            break
        if added is None:
            return None
        members.add(added)
    return None


def edges_within(
    problem: CoverProblem, chosen: Sequence[int]
) -> dict[int, tuple[tuple[int, Requirement], ...]]:
    """The provider of each requirement of the ``chosen`` courses: its first option chosen (the MILP meets
    every requirement of what it chooses); on a loop, in the order :func:`ordered_edges` finds."""
    if in_loop(problem, chosen):
        edges = ordered_edges(problem, chosen)
        if edges is None:
            raise RuntimeError("the selection cannot be ordered: a bug in the program that chose it")
        return edges
    members = set(chosen)
    return {
        d: tuple((next(o for o in req.options if o in members), req) for req in problem.requirements[d])
        for d in chosen
    }
