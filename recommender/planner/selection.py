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
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
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


def value(problem: CoverProblem, chosen: Collection[int]) -> Value:
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
    # a kept course covering a skill no other kept course covers stays kept: the counts only fall
    needed: set[int] = set()
    providers = _Providers(edges)
    restart = True  # as in prune: only a dropped course with requirements may free its providers
    while restart:
        restart = False
        for c in sorted(kept, key=lambda i: (-problem.cost[i], i)):
            if c in needed:
                continue
            if not all(counts[s] > 1 for s in problem.covers[c]):
                needed.add(c)
                continue
            moved = _moved_in_order(edges, c, providers)
            if moved is False:
                continue
            rest = [i for i in kept if i != c]
            if moved is True:  # some course it provides has no other provider before it: order them again
                reordered = ordered_edges(problem, rest)
                if reordered is None:
                    continue
                edges = reordered
            else:  # the order of the others holds, with other providers taken before
                del edges[c]
                edges.update(moved)
            providers = _Providers(edges)
            kept = rest
            counts.subtract(problem.covers[c])
            if problem.requirements[c]:
                restart = True
                break
    return Selection(tuple(kept), edges)


class _Providers:
    """Of ordered ``edges`` (:func:`ordered_edges`): each course's position in the order, and per provider
    the courses whose requirements it provides, in that order."""

    def __init__(self, edges: Mapping[int, tuple[tuple[int, Requirement], ...]]):
        self.position = {d: k for k, d in enumerate(edges)}
        self.dependants: dict[int, list[int]] = {}
        for d, providers in edges.items():
            for o, _ in providers:
                if o != d:
                    found = self.dependants.setdefault(o, [])
                    if not found or found[-1] != d:
                        found.append(d)


def _moved_in_order(
    edges: Mapping[int, tuple[tuple[int, Requirement], ...]], c: int, providers: _Providers
) -> dict[int, tuple[tuple[int, Requirement], ...]] | bool:
    """The edges of the courses ``c`` provides, each moved to another option taken before the course in the
    order of ``edges`` (its keys; ``providers`` indexes them); else whether another order may still do (True:
    every such requirement has another option among the others; False: one has none, so ``c`` must stay)."""
    position = providers.position
    moved = {}
    in_order = True
    for d in providers.dependants.get(c, ()):
        new = []
        for o, req in edges[d]:
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
            for options in (req.options, req.in_loop):
                for o in members.intersection(options):  # (the order is the heap's: by rank)
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


def repaired(
    problem: CoverProblem, chosen: Sequence[int], out_of_time: Callable[[], bool] | None = None
) -> list[int] | None:
    """``chosen`` made orderable (:func:`ordered_edges`) at little cost, or None: options are added while
    some of its courses cannot be taken (:func:`_orderable`), then courses are exchanged for cheaper ones
    and dropped while that lowers the cost at no less coverage (:func:`_exchanged`; no more exchanges once
    ``out_of_time()``). When that breaks the money or hours limit, the options added and the exchanges are
    chosen for least of the limit's column first. None when an option is missing or the courses still break
    a limit. A selection of the MILP's relaxation whose loop cannot be ordered
    (:class:`recommender.planner.cover._Program`) becomes a valid one of at least its coverage."""
    out_of_time = out_of_time or (lambda: False)
    closure = _orderable(problem, set(chosen))
    if closure is not None and not _within_limits(problem, closure.members):
        # over a money or hours limit: made orderable, and exchanged, for least of it instead
        for limit, column in ((problem.budget, problem.price), (problem.max_hours, problem.hours)):
            by_limit = replace(problem, cost=column)
            within = None if limit is None else _orderable(by_limit, set(chosen))
            if within is not None:
                kept = _exchanged(by_limit, within, out_of_time)
                if _within_limits(problem, kept):
                    closure = _Closure(problem, kept)
                    break
    if closure is None:
        return None
    members = _exchanged(problem, closure, out_of_time)
    if not _within_limits(problem, members):
        return None
    return sorted(members, key=lambda i: (problem.rank[i], i))


def _within_limits(problem: CoverProblem, members: Collection[int]) -> bool:
    """Whether ``members`` keep to the money and hours limits."""
    for limit, column in ((problem.budget, problem.price), (problem.max_hours, problem.hours)):
        if limit is not None and float(column[list(members)].sum()) > limit * (1 + TOLERANCE):
            return False
    return True


def _met(taken: Collection[int], req: Requirement) -> bool:
    """Whether a course of ``taken`` meets ``req``."""
    return any(o in taken for o in req.options) or any(o in taken for o in req.in_loop)


class _Closure:
    """The courses of a selection (``members``) that some order can take, in such an order (``order``: each
    with the provider of each of its requirements), kept as courses are added. Which courses can be taken
    does not depend on the order they are taken in, so each is taken as soon as its requirements are met."""

    def __init__(self, problem: CoverProblem, members: Collection[int]):
        self.requirements = problem.requirements
        self.members: set[int] = set()
        self.order: dict[int, tuple[tuple[int, Requirement], ...]] = {}
        self._unmet: dict[int, int] = {}
        self._provider: dict[tuple[int, int], int] = {}  # (course, requirement position) -> provider
        self._waiting: dict[int, list[tuple[int, int]]] = {}  # option -> (course, requirement position)
        for c in members:
            self.add(c)

    @property
    def complete(self) -> bool:
        """Whether every member can be taken."""
        return len(self.order) == len(self.members)

    def add(self, c: int) -> None:
        """Add course ``c``, and take it (and what it unlocks) when its requirements are met."""
        self.members.add(c)
        unmet = 0
        for k, req in enumerate(self.requirements[c]):
            provider = next((o for o in (*req.options, *req.in_loop) if o in self.order), None)
            if provider is not None:
                self._provider[(c, k)] = provider
                continue
            unmet += 1
            for o in (*req.options, *req.in_loop):
                self._waiting.setdefault(o, []).append((c, k))
        self._unmet[c] = unmet
        if unmet == 0:
            self._take(c)

    def _take(self, c: int) -> None:
        ready = [c]
        while ready:
            d = ready.pop()
            self.order[d] = tuple((self._provider[(d, k)], req) for k, req in enumerate(self.requirements[d]))
            for e, k in self._waiting.get(d, ()):
                if e not in self.order and (e, k) not in self._provider:
                    self._provider[(e, k)] = d
                    self._unmet[e] -= 1
                    if self._unmet[e] == 0:
                        ready.append(e)


def _orderable(problem: CoverProblem, members: set[int]) -> _Closure | None:
    """``members`` with options added until every course can be taken (None when none can be added). Each
    round adds, of the options of the requirements that no course taken so far meets, one that can be taken
    at once and meets most such requirements for its cost (``problem.cost``: the objective's, or a limit's
    column in a copy of the problem); when none can, the first option (outside the loop, of lower rank) of
    the first course no order can take (by rank)."""
    cost, requirements = problem.cost, problem.requirements
    closure = _Closure(problem, members)
    taken = closure.order
    while not closure.complete:
        stuck = sorted(closure.members - taken.keys(), key=lambda i: (problem.rank[i], i))
        meets: Counter[int] = Counter()
        for c in stuck:
            for req in requirements[c]:
                if not _met(taken, req):
                    meets.update({o for o in (*req.options, *req.in_loop) if o not in closure.members})
        ready = [o for o in meets if all(_met(taken, req) for req in requirements[o])]
        if ready:
            closure.add(min(ready, key=lambda o: (cost[o] / meets[o], problem.rank[o], o)))
            continue
        unmet = next(req for req in requirements[stuck[0]] if not _met(taken, req))
        added = next((o for o in unmet.options if o not in closure.members), None)
        if added is None:
            return None
        closure.add(added)
    return closure


#: In :func:`_exchanged`: the cheaper courses each course is tried against (cheapest first), and how many
#: exchanges in all may be tried that leave some course unorderable (each costs an :func:`_orderable` and a
#: :func:`_dropped`). Development seeds 7, 8, 11 and 12, the 28 repairs their plans made at 50-200 courses,
#: against the cheapest orderable selection covering the same skills (HiGHS, 10 s): cost ratio mean / min
#: 0.922 / 0.581 (11 below 0.95) adding options only; 0.982 / 0.764 (2) without such exchanges, 0.994 /
#: 0.934 (1) with 2, 0.996 / 0.974 (0) with 4 (p50 2.0, max 8.4 ms), 0.997 / 0.974 with 12 (max 20 ms).
EXCHANGES = 2
REORDERED_EXCHANGES = 4


def _exchanged(problem: CoverProblem, closure: _Closure, out_of_time: Callable[[], bool]) -> set[int]:
    """The orderable selection of ``closure`` made cheaper at no less coverage: the courses the others
    make redundant dropped (:func:`_dropped`), then, costliest first, a course exchanged for a cheaper one
    (:func:`_exchange`) and the redundant ones dropped again, until a pass changes nothing or
    ``out_of_time()``."""
    covering = _covering(problem)
    members, best = _dropped(problem, closure, value(problem, closure.members))
    reordered = [REORDERED_EXCHANGES]
    changed = True
    while changed:
        changed = False
        counts = Counter(s for c in members for s in problem.covers[c])
        for c in sorted(members, key=lambda i: (-problem.cost[i], i)):
            if out_of_time():
                return members
            if c not in members:
                continue
            moved = _exchange(problem, (members, counts, best), c, covering, reordered)
            if moved is not None:
                members, best = _dropped(problem, _Closure(problem, moved[0]), moved[1])
                counts = Counter(s for c in members for s in problem.covers[c])
                changed = True
    return members


def _exchange(
    problem: CoverProblem,
    selection: tuple[set[int], Counter[int], Value],
    c: int,
    covering: Sequence[Sequence[int]],
    reordered: list[int],
) -> tuple[set[int], Value] | None:
    """The ``selection`` (its courses, how many cover each skill, its value) with course ``c`` exchanged for
    a cheaper course covering what only ``c`` covers (when ``c`` covers nothing alone: for another option
    of what it provides), and its value; None when no such exchange keeps the selection orderable, within
    the limits and as good. An exchange after which some course cannot be taken gets the options
    :func:`_orderable` adds and the redundant courses dropped, and is kept when that is cheaper at no less
    coverage;
    ``reordered`` counts down how many such exchanges may still be tried."""
    members, counts, best = selection
    cost, covers, requirements = problem.cost, problem.covers, problem.requirements
    rest = members - {c}
    only = [s for s in covers[c] if counts[s] == 1]
    providing = [req for d in rest for req in requirements[d] if c in req.options or c in req.in_loop]
    if only:
        pool: Collection[int] = covering[min(only, key=lambda s: len(covering[s]))]
        candidates = {d for d in pool if d not in members and covers[d].issuperset(only)}
    else:
        candidates = {o for req in providing for o in (*req.options, *req.in_loop) if o not in members}
    for d in sorted((d for d in candidates if cost[d] < cost[c]), key=lambda d: (cost[d], d))[:EXCHANGES]:
        trial = rest | {d}
        if not providing and all(_met(rest, req) for req in requirements[d]):
            # d can come after the others, in their order, covering all c covered alone: as good, cheaper
            if _within_limits(problem, trial):
                return trial, Value(best.essential, best.optional, best.cost - float(cost[c] - cost[d]))
            continue
        if reordered[0] <= 0:
            continue
        reordered[0] -= 1
        closure = _orderable(problem, trial)
        if closure is None:
            continue
        kept, got = _dropped(problem, closure, value(problem, closure.members))
        if _cheaper(got, best) and _within_limits(problem, kept):
            return kept, got
    return None


def _cheaper(got: Value, than: Value) -> bool:
    """Whether ``got`` costs less than ``than`` and covers no less weight of each kind."""
    return (
        got.essential >= than.essential * (1 - TOLERANCE)
        and got.optional >= than.optional * (1 - TOLERANCE)
        and got.cost < than.cost * (1 - TOLERANCE)
    )


def _covering(problem: CoverProblem) -> list[list[int]]:
    """The courses covering each skill."""
    covering: list[list[int]] = [[] for _ in range(problem.m)]
    for i, skills in enumerate(problem.covers):
        for s in skills:
            covering[s].append(i)
    return covering


def _dropped(problem: CoverProblem, closure: _Closure, got: Value) -> tuple[set[int], Value]:
    """The courses of a complete ``closure`` but those, costliest first, whose skills the others cover and
    without which the others can still be ordered; and their value (``got``: that of ``closure``'s)."""
    members = set(closure.members)
    counts = Counter(s for c in members for s in problem.covers[c])
    order = _Order(closure.order)
    for c in sorted(members, key=lambda i: (-problem.cost[i], i)):
        if problem.cost[c] <= 0 or not all(counts[s] > 1 for s in problem.covers[c]):
            continue
        dropped = order.drop(c)
        if dropped is None:
            continue
        if not dropped:  # another order may still take the others
            other = _Closure(problem, members - {c})
            if not other.complete:
                continue
            order = _Order(other.order)
        members.discard(c)
        counts.subtract(problem.covers[c])
        got = Value(got.essential, got.optional, got.cost - float(problem.cost[c]))
    return members, got


class _Order:
    """An order of a selection's courses meeting their requirements (each course with the provider of each
    of its requirements, in order), from which courses can be dropped."""

    def __init__(self, order: Mapping[int, tuple[tuple[int, Requirement], ...]]):
        self.position = {d: k for k, d in enumerate(order)}
        self.providers = {d: list(providers) for d, providers in order.items()}
        self.dependents: dict[int, set[int]] = {}
        for d, providers in order.items():
            for o, _ in providers:
                self.dependents.setdefault(o, set()).add(d)

    def drop(self, c: int) -> bool | None:
        """Drop course ``c`` when each requirement it provides has another option before the course needing
        it (True); else keep it and say whether each has another option at all (False: another order may
        do; None: ``c`` must stay)."""
        position = self.position
        moves = []
        for d in self.dependents.get(c, ()):
            for k, (o, req) in enumerate(self.providers[d]):
                if o != c:
                    continue
                others = [a for a in (*req.options, *req.in_loop) if a != c and a in position]
                if not others:
                    return None
                moves.append((d, k, min(others, key=position.__getitem__)))
        if any(position[alt] > position[d] for d, _, alt in moves):
            return False
        for d, k, alt in moves:
            self.providers[d][k] = (alt, self.providers[d][k][1])
            self.dependents.setdefault(alt, set()).add(d)
        for o, _ in self.providers.pop(c):
            self.dependents[o].discard(c)
        self.dependents.pop(c, None)
        del position[c]
        return True


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
