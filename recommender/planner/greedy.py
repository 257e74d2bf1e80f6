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
from collections.abc import Sequence
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
                # the single courses first: the bundles found for them are the passes' while they last
                single = _best_single(state, skills)
                candidates = [_greedy_phase(state.copy(), skills, unit) for unit in (lists.cost, lists.usage)]
                state = min(
                    [*candidates, *([single] if single else [])],
                    key=lambda c: (-round(c.weight_of(skills), 9), c.cost()),
                )
    return prune(problem, Selection(tuple(state.chosen), dict(state.edges)))


class _Lists:
    """Plain Python copies of the problem's arrays (the greedy reads single elements: lists are faster), and
    its requirements on numbered *groups*: each options tuple (a requirement's ``options`` or ``in_loop``;
    courses share them: level order) gets a number, so that a selection's met groups are a flag per number
    (no tuple hashed per look-up)."""

    def __init__(self, problem: CoverProblem):
        self.cost: list[float] = problem.cost.tolist()
        self.price: list[float] = problem.price.tolist()
        self.hours: list[float] = problem.hours.tolist()
        self.weight: list[float] = problem.weight.tolist()
        # the money and hours a selection may spend (None: no limit)
        self.money = None if problem.budget is None else problem.budget * (1 + TOLERANCE)
        self.time = None if problem.max_hours is None else problem.max_hours * (1 + TOLERANCE)
        self.coverers: list[list[int]] = [[] for _ in range(problem.m)]
        for i, skills in enumerate(problem.covers):
            for s in skills:
                self.coverers[s].append(i)
        self.number: dict[int, int] = {}  # id of an options tuple -> its group
        self.members: list[frozenset[int]] = []  # per group, its courses
        self.needing: list[list[int]] = []  # per group, the courses needing it
        self.groups_of: list[list[int]] = [[] for _ in range(problem.n)]  # per course, the groups it is in
        # per course, per requirement: its groups and the options a bundle may take for it, cheapest first
        # (an option of its loop only when the bundle takes it first: :func:`_visit`)
        self.requirements: list[list[_Needs]] = []
        # each Requirement read once (by identity: courses share them, level order), with the groups whose
        # ``needing`` its course joins
        read: dict[int, tuple[_Needs, tuple[int, ...]]] = {}
        for i, reqs in enumerate(problem.requirements):
            needs: list[_Needs] = []
            for req in reqs:
                found = read.get(id(req))
                if found is None:
                    found = read[id(req)] = self._read(req)
                for g in found[1]:
                    self.needing[g].append(i)
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

    def group(self, options: tuple[int, ...]) -> int:
        """The number of ``options`` (by identity: a tuple equal to another but not the same object gets
        its own number, met by the same courses)."""
        g = self.number.get(id(options))
        if g is None:
            g = self.number[id(options)] = len(self.members)
            self.members.append(frozenset(options))
            self.needing.append([])
            for o in options:
                self.groups_of[o].append(g)
        return g

    def _read(self, req: Requirement) -> tuple[_Needs, tuple[int, ...]]:
        """``req`` as the greedy reads it, and its groups."""
        options = self.group(req.options)
        if not req.in_loop:
            return _Needs(options, -1, req.options, req.options), (options,)
        in_loop = self.group(req.in_loop)
        choices = tuple(sorted((*req.options, *req.in_loop), key=self.cost.__getitem__))
        return _Needs(options, in_loop, choices, req.options), (options, in_loop)


class _Needs(NamedTuple):
    """A requirement as the greedy reads it: met by a chosen member of group ``options`` or ``in_loop`` (-1:
    none); a bundle takes the first of ``choices`` that it can take first (of ``lower``, the options of
    lower rank, below :data:`LOOP_DEPTH`)."""

    options: int
    in_loop: int
    choices: tuple[int, ...]
    lower: tuple[int, ...]


class _State:
    """A growing selection during the greedy, with the bundles found for it (:meth:`bundle`)."""

    def __init__(self, problem: CoverProblem, lists: _Lists):
        self.problem = problem
        self.lists = lists
        self.chosen: list[int] = []
        self.chosen_set: set[int] = set()
        self.met = bytearray(len(lists.members))  # per group, whether a member is chosen
        self.edges: dict[int, tuple[tuple[int, Requirement], ...]] = {}
        self.covered: set[int] = set()
        self.price = 0.0
        self.hours = 0.0
        # per course, its bundle when last searched and the groups the search found unmet: the same bundle
        # while none of them is met (a search reads the selection only through those flags)
        self.bundles: dict[int, tuple[tuple[int, ...] | None, tuple[int, ...]]] = {}

    def copy(self) -> _State:
        other = _State.__new__(_State)
        other.problem, other.lists = self.problem, self.lists
        other.chosen, other.chosen_set = list(self.chosen), set(self.chosen_set)
        other.met, other.edges, other.covered = bytearray(self.met), dict(self.edges), set(self.covered)
        other.price, other.hours = self.price, self.hours
        other.bundles = dict(self.bundles)
        return other

    def bundle(self, i: int) -> Sequence[int] | None:
        """Course ``i`` with every requirement the selection lacks (the cheapest options it can take first),
        prerequisites first; None when there is none (never, unless a loop is all it has). Searched again
        only when a group the last search found unmet has been met since."""
        lists = self.lists
        if not lists.requirements[i]:
            return (i,)
        found = self.bundles.get(i)
        if found is not None and not any(map(self.met.__getitem__, found[1])):
            return found[0]
        order: list[int] = []
        unmet: list[int] = []
        ok = _visit(i, lists.requirements, self.met, lists.members, order, set(), set(), set(), unmet)
        bundle = tuple(order) if ok else None
        self.bundles[i] = (bundle, tuple(unmet))
        return bundle

    def fits(self, bundle: Sequence[int]) -> bool:
        lists = self.lists
        if lists.money is not None and self.price + sum(map(lists.price.__getitem__, bundle)) > lists.money:
            return False
        return lists.time is None or self.hours + sum(map(lists.hours.__getitem__, bundle)) <= lists.time

    def fits_alone(self, i: int) -> bool:
        """Whether course ``i`` alone fits: when not, no bundle of it does (it costs at least as much: the
        sums of non-negative prices and hours, rounded, are never below one of their terms), so the greedy
        need not search one."""
        lists = self.lists
        return (lists.money is None or self.price + lists.price[i] <= lists.money) and (
            lists.time is None or self.hours + lists.hours[i] <= lists.time
        )

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
            for g in self.lists.groups_of[j]:
                self.met[g] = 1
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
    met: bytearray,
    members: Sequence[frozenset[int]],
    order: list[int],
    inside: set[int],
    visiting: set[int],
    failed: set[int],
    unmet: list[int],
    loops: int = LOOP_DEPTH,
) -> bool:
    """Append ``j`` to ``order`` after, for each of its requirements neither ``met`` (by the selection) nor
    by a course already ``inside`` the bundle, the cheapest option it can take first (recursively); False
    when some requirement has none. An option of the course's loop (``Requirement.in_loop``) may need,
    through its own requirements, a course being ``visiting``: then the next option is tried (the options
    of lower rank always can be taken), and the option is ``failed`` for the rest of the bundle. Each group
    looked up and found unmet goes to ``unmet``: the search reads the selection through nothing else. A
    module function, not a closure: a recursive closure is a reference cycle, and thousands of them per
    selection kept the cyclic garbage collector busy."""
    visiting.add(j)
    for options, in_loop, choices, lower in requirements[j]:
        if met[options]:
            continue
        unmet.append(options)
        if not members[options].isdisjoint(inside):
            continue
        if in_loop >= 0:
            if met[in_loop]:
                continue
            unmet.append(in_loop)
            if not members[in_loop].isdisjoint(inside):
                continue
        for o in choices if loops > 0 else lower:
            if o in visiting or o in failed:
                continue
            mark = len(order)
            if _visit(o, requirements, met, members, order, inside, visiting, failed, unmet, loops - 1):
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
    gain over its own unit cost (without limits, that ratio as it is now: :meth:`_fallen`). After one, the
    ratio found, which stays an upper bound while its bundle stays the same (gains only shrink). A bundle
    changes only when a course is chosen that is a member or meets a member's requirement, and then only
    shrinks: the course's key becomes the bundle's gain found over its own unit cost (entries carry a
    version, stale ones are skipped)."""

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
        # without money or hours limits, the courses still keyed by their own gain over their own unit cost
        # at the start, not by their bundle's: :meth:`best` keys them by that ratio again before searching
        # their bundles (with a limit, where a bundle that does not fit is dropped for good, the order of the
        # searches changed selections both ways: not done there)
        self.own = set(candidates) if state.lists.money is None and state.lists.time is None else set()
        self.gains: dict[int, float] = {}  # the gain of a course's bundle when last evaluated
        self.watchers: dict[int, list[tuple[int, int]]] = {}  # bundle member -> (course, version) keyed on it
        self.evaluated: list[tuple[float, int, int]] = []

    def best(self) -> Sequence[int] | None:
        """The bundle of most gain per unit cost (ties: the lowest index) that fits, if any."""
        state, heap = self.state, self.heap
        best: tuple[float, int, Sequence[int]] | None = None
        self.evaluated = []
        if state.done(self.skills):
            return None  # every bundle would gain nothing: the loop below would only empty the heap
        while heap and (best is None or (-heap[0][0], -heap[0][1]) > (best[0], -best[1])):
            key, i, v = heapq.heappop(heap)
            if i in state.chosen_set or v != self.version[i] or (i in self.own and self._fallen(i, -key, v)):
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

    def _fallen(self, i: int, key: float, v: int) -> bool:
        """Whether course ``i``, keyed by its own ratio ``key`` at the start, has a lower own ratio now
        (skills it covers were covered since): then it is keyed by that (none when 0) and its bundle is not
        searched yet; else it is searched now."""
        ratio = sum(map(self.open.__getitem__, self.state.problem.covers[i])) / self.unit[i]
        if ratio < key * (1 - 1e-12):
            if ratio > 0:
                heapq.heappush(self.heap, (-ratio, i, v))
            return True
        self.own.discard(i)
        return False

    def chosen(self, bundle: Sequence[int]) -> None:
        """Put back the courses evaluated but not chosen; re-key those whose bundle ``bundle`` changed."""
        covers = self.state.problem.covers
        for j in bundle:
            for s in covers[j]:
                self.open[s] = 0.0
        for entry in self.evaluated:
            if entry[1] != bundle[-1]:
                heapq.heappush(self.heap, entry)
        lists = self.state.lists
        dependants = (i for x in bundle for g in lists.groups_of[x] for i in lists.needing[g])
        for j in set(bundle).union(dependants):
            for i, v in self.watchers.pop(j, ()):
                if self.version[i] == v and i not in self.state.chosen_set:
                    self.version[i] = v + 1
                    heapq.heappush(self.heap, (-self.gains[i] / self.unit[i], i, v + 1))


def _best_single(state: _State, skills: set[int]) -> _State | None:
    """``state`` plus the best one course (with its requirements): most gain, then least cost, then index."""
    best: tuple[float, float, int] | None = None
    best_bundle: Sequence[int] = ()
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
