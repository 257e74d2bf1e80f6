"""Lazy greedy selection (Minoux's accelerated greedy), the fallback of :mod:`recommender.planner.cover`.

Without a money or hours limit: the classic greedy for weighted set cover (objective cost per skill newly
covered). With one: budgeted maximum coverage (Khuller, Moss and Naor, "The budgeted maximum coverage
problem", IPL 70(1), 1999) phase by phase, essential skills first, by gain per objective cost and by gain per
share of the limits, with the best-single-course guard. A course is added together with the requirements it
lacks (a *bundle*: for each, the cheapest option it can take first, an option on the course's own loop
included, so a bundle may enter a loop of the requirement graph); redundant courses are pruned at the end.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from recommender.planner.selection import TOLERANCE, CoverProblem, Requirement, Selection, prune

#: How deep in a bundle the options of a loop (``Requirement.in_loop``) are considered: a course's own
#: requirements (1), or those of its options too (2, ...). Below, only options of lower rank.
LOOP_DEPTH = 1


def greedy(problem: CoverProblem) -> Selection:
    """Lazy greedy selection: set cover without a limit, budgeted maximum coverage with one; pruned.

    With a money or hours limit, each phase (essential skills, then optional ones) keeps the best of three
    candidates: the greedy by gain per objective cost, the greedy by gain per share of the limits, and the
    best single course with its requirements (the guard of Khuller, Moss and Naor).
    """
    lists = _Lists(problem)
    coverable = {s for s in range(problem.m) if lists.coverers[s]}
    state = _State(problem, lists)
    if problem.budget is None and problem.max_hours is None:
        # every coverable skill ends up covered: only the cost is at stake, so the classic greedy for
        # weighted set cover (cost per skill newly covered, essential and optional alike)
        lists.weight = [1.0] * problem.m
        state = _greedy_phase(state, coverable, lists.cost)
    else:
        for phase in (True, False):
            skills = {s for s in coverable if bool(problem.essential[s]) == phase}
            if skills:
                candidates = [_greedy_phase(state.copy(), skills, unit) for unit in (lists.cost, lists.usage)]
                single = _best_single(state, skills)
                state = min(
                    [*candidates, *([single] if single else [])],
                    key=lambda c: (-round(c.weight_of(skills), 9), c.cost()),
                )
    return prune(problem, Selection(tuple(state.chosen), dict(state.edges)))


class _Lists:
    """Plain Python copies of the problem's arrays (the greedy reads single elements: lists are faster)."""

    def __init__(self, problem: CoverProblem):
        self.cost: list[float] = problem.cost.tolist()
        self.price: list[float] = problem.price.tolist()
        self.hours: list[float] = problem.hours.tolist()
        self.weight: list[float] = problem.weight.tolist()
        self.coverers: list[list[int]] = [[] for _ in range(problem.m)]
        for i, skills in enumerate(problem.covers):
            for s in skills:
                self.coverers[s].append(i)
        # the options tuples each course is in (``options`` and ``in_loop``), and the courses needing each
        # (courses share options tuples: level order), so that each tuple is handled once
        self.option_in: list[list[tuple[int, ...]]] = [[] for _ in range(problem.n)]
        self.option_set: dict[tuple[int, ...], frozenset[int]] = {}
        self.needing: dict[tuple[int, ...], list[int]] = {}
        # per course, per requirement: its options tuples and the options a bundle may take for it, cheapest
        # first (an option of its loop only when the bundle takes it first: :func:`_visit`)
        self.requirements: list[list[_Needs]] = []
        # each Requirement read once (by identity: courses share them, level order), with the lists of
        # ``needing`` its course joins
        read: dict[int, tuple[_Needs, list[list[int]]]] = {}
        for i, reqs in enumerate(problem.requirements):
            needs: list[_Needs] = []
            for req in reqs:
                found = read.get(id(req))
                if found is None:
                    found = read[id(req)] = self._read(req)
                for courses in found[1]:
                    courses.append(i)
                needs.append(found[0])
            self.requirements.append(needs)
        # share of the limits a course uses; a tiny share of its objective cost keeps free courses from
        # dividing by zero and breaks ties toward the cheaper
        mean_cost = sum(self.cost) / max(1, len(self.cost)) or 1.0
        self.usage: list[float] = [
            (self.price[i] / problem.budget if problem.budget else 0.0)
            + (self.hours[i] / problem.max_hours if problem.max_hours else 0.0)
            + 1e-6 * self.cost[i] / mean_cost
            for i in range(problem.n)
        ]

    def _read(self, req: Requirement) -> tuple[_Needs, list[list[int]]]:
        """``req`` as the greedy reads it, and the lists of the courses needing each of its options tuples
        (each tuple registered when first seen)."""
        needing = []
        for options in (req.options, req.in_loop) if req.in_loop else (req.options,):
            if options not in self.option_set:
                self.option_set[options] = frozenset(options)
                self.needing[options] = []
                for o in options:
                    self.option_in[o].append(options)
            needing.append(self.needing[options])
        both = (*req.options, *req.in_loop)
        choices = tuple(sorted(both, key=lambda o: self.cost[o])) if req.in_loop else both
        return _Needs(req.options, req.in_loop, choices), needing


class _Needs(NamedTuple):
    """A requirement as the greedy reads it: met by a chosen member of ``options`` or ``in_loop``; a bundle
    takes the first of ``choices`` that it can take first."""

    options: tuple[int, ...]
    in_loop: tuple[int, ...]
    choices: tuple[int, ...]


class _State:
    """A growing selection during the greedy."""

    def __init__(self, problem: CoverProblem, lists: _Lists):
        self.problem = problem
        self.lists = lists
        self.chosen: list[int] = []
        self.chosen_set: set[int] = set()
        self.met: set[tuple[int, ...]] = set()  # options tuples with a chosen member
        self.edges: dict[int, tuple[tuple[int, Requirement], ...]] = {}
        self.covered: set[int] = set()
        self.price = 0.0
        self.hours = 0.0

    def copy(self) -> _State:
        other = _State(self.problem, self.lists)
        other.chosen, other.chosen_set, other.met = list(self.chosen), set(self.chosen_set), set(self.met)
        other.edges, other.covered = dict(self.edges), set(self.covered)
        other.price, other.hours = self.price, self.hours
        return other

    def bundle(self, i: int) -> list[int] | None:
        """Course ``i`` with every requirement the selection lacks (the cheapest options it can take first),
        prerequisites first; None when there is none (never, unless a loop is all it has)."""
        lists = self.lists
        if not lists.requirements[i]:
            return [i]
        order: list[int] = []
        if _visit(i, lists.requirements, self.met, lists.option_set, order, set(), set(), set()):
            return order
        return None

    def fits(self, bundle: Sequence[int]) -> bool:
        p, lists = self.problem, self.lists
        if p.budget is not None and self.price + sum(lists.price[j] for j in bundle) > p.budget * (
            1 + TOLERANCE
        ):
            return False
        return p.max_hours is None or self.hours + sum(lists.hours[j] for j in bundle) <= p.max_hours * (
            1 + TOLERANCE
        )

    def fits_alone(self, i: int) -> bool:
        """Whether course ``i`` alone fits: when not, no bundle of it does (it costs at least as much: the
        sums of non-negative prices and hours, rounded, are never below one of their terms), so the greedy
        need not search one."""
        return self.fits((i,))

    def done(self, skills: set[int]) -> bool:
        """Whether every skill of ``skills`` is covered: then no bundle gains anything."""
        return skills <= self.covered

    def gain(self, bundle: Sequence[int], open_weight: Sequence[float]) -> float:
        """The weight ``bundle`` would newly cover: ``open_weight`` (:meth:`open_weight`) of its skills."""
        covers = self.problem.covers
        new = covers[bundle[0]] if len(bundle) == 1 else set().union(*(covers[j] for j in bundle))
        return sum(map(open_weight.__getitem__, new))

    def open_weight(self, skills: set[int]) -> list[float]:
        """Per skill, its weight when of ``skills`` and not covered, else 0 (summed with the others in the
        same order, the zeros change no sum)."""
        weight, covered = self.lists.weight, self.covered
        return [weight[s] if s in skills and s not in covered else 0.0 for s in range(self.problem.m)]

    def add(self, bundle: Sequence[int]) -> None:
        for j in bundle:  # prerequisites first: each requirement's provider is chosen before (a loop's too)
            self.edges[j] = tuple(
                (next(o for o in (*req.options, *req.in_loop) if o in self.chosen_set), req)
                for req in self.problem.requirements[j]
            )
            self.chosen.append(j)
            self.chosen_set.add(j)
            self.met.update(self.lists.option_in[j])
            self.covered |= self.problem.covers[j]
            self.price += self.lists.price[j]
            self.hours += self.lists.hours[j]

    def weight_of(self, skills: set[int]) -> float:
        return sum(self.lists.weight[s] for s in self.covered & skills)

    def cost(self) -> float:
        return sum(self.lists.cost[j] for j in self.chosen)


def _visit(  # noqa: PLR0913 - the state's parts, passed for speed
    j: int,
    requirements: Sequence[Sequence[_Needs]],
    met: set[tuple[int, ...]],
    option_set: Mapping[tuple[int, ...], frozenset[int]],
    order: list[int],
    inside: set[int],
    visiting: set[int],
    failed: set[int],
    loops: int = LOOP_DEPTH,
) -> bool:
    """Append ``j`` to ``order`` after, for each of its requirements neither ``met`` (by the selection) nor
    by a course already ``inside`` the bundle, the cheapest option it can take first (recursively); False
    when some requirement has none. An option of the course's loop (``Requirement.in_loop``) may need,
    through its own requirements, a course being ``visiting``: then the next option is tried (the options
    of lower rank always can be taken), and the option is ``failed`` for the rest of the bundle. A module
    function, not a closure: a recursive closure is a reference cycle, and thousands of them per selection
    kept the cyclic garbage collector busy."""
    visiting.add(j)
    for options, in_loop, choices in requirements[j]:
        if options in met or not option_set[options].isdisjoint(inside):
            continue
        if in_loop and (in_loop in met or not option_set[in_loop].isdisjoint(inside)):
            continue
        for o in choices if loops > 0 else options:
            if o in visiting or o in failed:
                continue
            mark = len(order)
            if _visit(o, requirements, met, option_set, order, inside, visiting, failed, loops - 1):
                break
            failed.add(o)
            inside.difference_update(order[mark:])
            del order[mark:]
        else:
            visiting.discard(j)
            return False
    visiting.discard(j)
    order.append(j)
    inside.add(j)
    return True


def _greedy_phase(state: _State, skills: set[int], unit: Sequence[float]) -> _State:
    """Add bundles (a course with the requirements it lacks) by most new weight of ``skills`` per ``unit``
    cost, while one fits and gains something (lazily: :class:`_Keys`)."""
    keys = _Keys(state, skills, unit)
    while (best := keys.best()) is not None:
        state.add(best)
        keys.chosen(best)
    return state


class _Keys:
    """The lazy greedy's heap. Keys are upper bounds of a course's ratio. Before its first evaluation, its own
    gain over its own unit cost. After one, the ratio found, which stays an upper bound while its bundle stays
    the same (gains only shrink). A bundle changes only when a course is chosen that is a member or meets a
    member's requirement, and then only shrinks: the course's key becomes the bundle's gain found over its
    own unit cost (entries carry a version, stale ones are skipped)."""

    def __init__(self, state: _State, skills: set[int], unit: Sequence[float]):
        self.state, self.skills, self.unit = state, skills, unit
        self.open = state.open_weight(skills)  # kept so as the state covers skills (:meth:`chosen`)
        covers = state.problem.covers
        candidates = sorted(
            {i for s in skills - state.covered for i in state.lists.coverers[s]} - state.chosen_set
        )
        self.version = dict.fromkeys(candidates, 0)
        open_weight = self.open.__getitem__
        self.heap = [(-sum(map(open_weight, covers[i] & skills)) / unit[i], i, 0) for i in candidates]
        heapq.heapify(self.heap)
        self.gains: dict[int, float] = {}  # the gain of a course's bundle when last evaluated
        self.watchers: dict[int, list[tuple[int, int]]] = {}  # bundle member -> (course, version) keyed on it
        self.evaluated: list[tuple[float, int, int]] = []

    def best(self) -> list[int] | None:
        """The bundle of most gain per unit cost (ties: the lowest index) that fits, if any."""
        state, heap = self.state, self.heap
        best: tuple[float, int, list[int]] | None = None
        self.evaluated = []
        if state.done(self.skills):
            return None  # every bundle would gain nothing: the loop below would only empty the heap
        while heap and (best is None or (-heap[0][0], -heap[0][1]) > (best[0], -best[1])):
            _, i, v = heapq.heappop(heap)
            if i in state.chosen_set or v != self.version[i]:
                continue
            if not state.fits_alone(i):
                continue  # nor would its bundle (no search needed)
            bundle = state.bundle(i)
            if bundle is None:
                continue  # what it needs only a loop through it gives: it will not come back
            gain = state.gain(bundle, self.open)
            if gain <= 0 or not state.fits(bundle):
                continue  # limits only tighten and coverage only grows: it will not come back
            ratio = gain / (self.unit[i] if len(bundle) == 1 else sum(self.unit[j] for j in bundle))
            self.evaluated.append((-ratio, i, v))
            if len(bundle) > 1:
                self.gains[i] = gain
                for j in bundle:
                    self.watchers.setdefault(j, []).append((i, v))
            if best is None or (ratio, -i) > (best[0], -best[1]):
                best = (ratio, i, bundle)
        return None if best is None else best[2]

    def chosen(self, bundle: list[int]) -> None:
        """Put back the courses evaluated but not chosen; re-key those whose bundle ``bundle`` changed."""
        covers = self.state.problem.covers
        for j in bundle:
            for s in covers[j]:
                self.open[s] = 0.0
        for entry in self.evaluated:
            if entry[1] != bundle[-1]:
                heapq.heappush(self.heap, entry)
        lists = self.state.lists
        dependants = (i for x in bundle for options in lists.option_in[x] for i in lists.needing[options])
        for j in set(bundle).union(dependants):
            for i, v in self.watchers.pop(j, ()):
                if self.version[i] == v and i not in self.state.chosen_set:
                    self.version[i] = v + 1
                    heapq.heappush(self.heap, (-self.gains[i] / self.unit[i], i, v + 1))


def _best_single(state: _State, skills: set[int]) -> _State | None:
    """``state`` plus the best one course (with its requirements): most gain, then least cost, then index."""
    best: tuple[float, float, int] | None = None
    best_bundle: list[int] = []
    open_weight = state.open_weight(skills)
    for i in sorted({i for s in skills - state.covered for i in state.lists.coverers[s]} - state.chosen_set):
        if not state.fits_alone(i):
            continue  # nor would its bundle
        bundle = state.bundle(i)
        if bundle is not None and state.fits(bundle):
            key = (-state.gain(bundle, open_weight), sum(state.lists.cost[j] for j in bundle), i)
            if best is None or key < best:
                best, best_bundle = key, bundle
    if best is None:
        return None
    single = state.copy()
    single.add(best_bundle)
    return single
