"""Lazy greedy selection (Minoux's accelerated greedy), the fallback of :mod:`recommender.planner.cover`.

First the classic greedy for weighted set cover (objective cost per skill newly covered): without a money
or hours limit it is the answer, and with one too while it stays within them (it then covers all there is,
and it is the greedy that minds the cost). Otherwise budgeted maximum coverage (Khuller, Moss and Naor, "The
budgeted maximum coverage problem", IPL 70(1), 1999) phase by phase, essential skills first, by gain per
objective cost and by gain per share of the limits, with the best-single-course guard. A course is added
together with the requirements it lacks (a *bundle*: for each, the cheapest option it can take first, an
option on the course's own loop included, so a bundle may enter a loop of the requirement graph); redundant
courses are pruned at the end.
"""

from __future__ import annotations

import copy
import heapq
import itertools
from collections import defaultdict
from collections.abc import Collection, Sequence
from typing import NamedTuple

from recommender.planner.selection import TOLERANCE, CoverProblem, Requirement, Selection, prune

#: How deep in a bundle the options of a loop (``Requirement.in_loop``) are considered: a course's own
#: requirements (1), or those of its options too (2, ...). Below, only options of lower rank.
LOOP_DEPTH = 1


def greedy(problem: CoverProblem) -> Selection:
    """Lazy greedy selection: set cover, unless it spends more than a limit allows, then budgeted maximum
    coverage; pruned.

    When the set cover spends more money or hours than allowed, each phase (essential skills, then optional
    ones) keeps the best of three candidates: the greedy by gain per objective cost, the greedy by gain per
    share of the limits, and the best single course with its requirements (the guard of Khuller, Moss and
    Naor).
    """
    lists = _Lists(problem)
    coverable = {s for s in range(problem.m) if lists.coverers[s]}
    state = _State(problem, lists)
    covering = _cover_all(state, coverable)
    if covering is not None:
        state = covering
    else:
        usage = lists.usage(problem)
        for phase in (True, False):
            skills = {s for s in coverable if bool(problem.essential[s]) == phase}
            if skills:
                # the single courses first: the bundles found for them are the passes' while they last
                start = _Start(state, skills)
                single = _best_single(state, skills, start.candidates)
                # the second pass reads the first's findings while it chooses the same courses (often: the
                # two units are near proportional when the limit is the budget and the objective money)
                first, second = state.copy(), state.copy()
                first.trail = _Trail(first.chosen)
                _greedy_phase(first, skills, lists.cost, start)
                second.leader = first.trail
                _greedy_phase(second, skills, usage, start)
                first.trail = second.leader = None
                state = min(
                    [first, second, *([single] if single else [])],
                    key=lambda c: (-round(c.weight_of(skills), 9), c.cost()),
                )
    return prune(problem, Selection(tuple(state.chosen), dict(state.edges)))


class _Lists:
    """Plain Python copies of the problem's arrays (the greedy reads single elements: lists are faster), and
    its requirements on numbered *groups*: each Requirement (courses share them: level order) gets a number,
    met when one of its options or of its loop's is chosen, so that a selection's met groups are a flag per
    number (no tuple hashed per look-up)."""

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
        # per course, its last bundle evaluated and the skills that bundle covers (:meth:`_State.gain`)
        self.skills_of: dict[int, tuple[Sequence[int], set[int]]] = {}
        self.members: list[frozenset[int]] = []  # per group, its courses
        self.needing: list[list[int]] = []  # per group, the courses needing it
        self.groups_of: list[list[int]] = [[] for _ in range(problem.n)]  # per course, the groups it is in
        # per course, per requirement: its group and the options a bundle may take for it, cheapest first
        # (an option of its loop only when the bundle takes it first: :func:`_visit`)
        self.requirements: list[Sequence[_Needs]] = []
        members, needing, groups_of, cost = self.members, self.needing, self.groups_of, self.cost.__getitem__
        read: dict[int, _Needs] = {}  # each Requirement read once (by identity: courses share them)
        for i, reqs in enumerate(problem.requirements):
            if not reqs:
                self.requirements.append(())
                continue
            needs: list[_Needs] = []
            for req in reqs:
                found = read.get(id(req))
                if found is None:
                    # a group of its own: met by a chosen option, of lower rank or of the course's loop
                    group = len(members)
                    members.append(frozenset((*req.options, *req.in_loop)))
                    needing.append([])
                    for o in members[group]:
                        groups_of[o].append(group)
                    choices = (
                        tuple(sorted((*req.options, *req.in_loop), key=cost)) if req.in_loop else req.options
                    )
                    found = read[id(req)] = _Needs(group, choices, req.options)
                needing[found.group].append(i)
                needs.append(found)
            self.requirements.append(needs)

    def usage(self, problem: CoverProblem) -> list[float]:
        """The share of the limits each course uses; a tiny share of its objective cost keeps free courses
        from dividing by zero and breaks ties toward the cheaper."""
        budget, max_hours = problem.budget, problem.max_hours
        mean_cost = sum(self.cost) / max(1, len(self.cost)) or 1.0
        return [
            (price / budget if budget else 0.0)
            + (hours / max_hours if max_hours else 0.0)
            + 1e-6 * cost / mean_cost
            for price, hours, cost in zip(self.price, self.hours, self.cost, strict=True)
        ]


#: A search's bundle (None: none) and the groups it found unmet (:meth:`_State.bundle`).
_Found = tuple[Sequence[int] | None, Sequence[int]]


class _Trail:
    """What a pass found, kept for the other pass of the phase. Both start from the same state, and while the
    other has chosen the same courses as this one in the same order, its state is this one's after as many
    courses: the same groups met, skills covered, and price and hours (summed in the same order). Then each
    evaluation this pass made from that state is the other's (:meth:`_State.evaluate`: the same bundle, the
    same weight of the same open skills, the same fit), and each search it made from that state or before is
    the other's while no group it found unmet is met (as the state's own, :meth:`_State.bundle`)."""

    def __init__(self, chosen: list[int]):
        self.chosen = chosen  # the pass's courses in the order chosen (its state's list: complete when read)
        # per course, its searches: the number of courses chosen then, and what was found
        self.searches: dict[int, list[tuple[int, _Found]]] = {}
        # per number of courses chosen and course, the evaluation then
        self.outcomes: dict[tuple[int, int], tuple[Sequence[int], float] | None] = {}

    def found(self, i: int, chosen: int) -> _Found | None:
        """The last search for course ``i`` made with at most ``chosen`` courses chosen: the one a state
        with those courses would keep (the ones before stopped holding when a search followed)."""
        for when, found in reversed(self.searches.get(i, ())):
            if when <= chosen:
                return found
        return None


class _Needs(NamedTuple):
    """A requirement as the greedy reads it: met by a chosen member of its ``group`` (its options and those
    of its loop); a bundle takes the first of ``choices`` that it can take first (of ``lower``, the options
    of lower rank, below :data:`LOOP_DEPTH`)."""

    group: int
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
        self.bundles: dict[int, _Found] = {}
        self.trail: _Trail | None = None  # where to keep the searches and evaluations made (:class:`_Trail`)
        self.leader: _Trail | None = None  # another pass's, while this one has chosen the same courses

    def copy(self) -> _State:
        other = _State.__new__(_State)
        other.problem, other.lists = self.problem, self.lists
        other.chosen, other.chosen_set = list(self.chosen), set(self.chosen_set)
        other.met, other.edges, other.covered = bytearray(self.met), dict(self.edges), set(self.covered)
        other.price, other.hours = self.price, self.hours
        other.bundles = dict(self.bundles)
        other.trail = other.leader = None
        return other

    def bundle(self, i: int, open_weight: Sequence[float] | None = None) -> Sequence[int] | None:
        """Course ``i`` with every requirement the selection lacks (the cheapest options it can take first),
        prerequisites first; None when there is none (never, unless a loop is all it has). Searched again
        only when a group the last search found unmet has been met since. With ``open_weight``, None too
        when the bundle is known to cover none of its skills without a search (:meth:`_covers_nothing`)."""
        lists = self.lists
        if not lists.requirements[i]:
            return (i,)
        found = self.bundles.get(i)
        if found is not None:
            if not any(map(self.met.__getitem__, found[1])):
                return found[0]
            if open_weight is not None and self._covers_nothing(found, open_weight):
                return None
        if self.leader is not None:
            led = self.leader.found(i, len(self.chosen))
            if led is not None and not any(map(self.met.__getitem__, led[1])):
                self.bundles[i] = led
                return led[0]
        order: list[int] = []
        unmet: list[int] = []
        ok = _visit(i, lists.requirements, self.met, lists.members, order, set(), set(), set(), unmet)
        self.bundles[i] = found = (order if ok else None, unmet)
        if self.trail is not None:
            self.trail.searches.setdefault(i, []).append((len(self.chosen), found))
        return found[0]

    def _covers_nothing(self, found: _Found, open_weight: Sequence[float]) -> bool:
        """Whether a search now would find a bundle covering no skill of positive ``open_weight``, known from
        ``found``, an earlier search's, whose groups found unmet are not all unmet now: when no skill of its
        bundle has any, and it took an option for each group it found unmet (none met by a course of the
        bundle itself, no option failing). Then a search with more groups met takes the same options but
        for the groups met since (each group it looks up is met by no course taken before: those are of the
        earlier bundle; the options it takes do not fail: they did not), the same subtrees less theirs: a part
        of the same bundle. A search finds one group unmet per course it adds, its own aside, exactly when it
        takes an option for each."""
        old, unmet = found
        return (
            old is not None
            and len(unmet) == len(old) - 1
            and not any(map(open_weight.__getitem__, self._skills(old)))
        )

    def evaluate(self, i: int, open_weight: Sequence[float]) -> tuple[Sequence[int], float] | None:
        """Course ``i``'s bundle (:meth:`bundle`) and the weight of ``open_weight`` it would newly cover,
        when it fits and covers some; None when not (nor later: limits only tighten, coverage only grows)."""
        if self.leader is None and self.trail is None:
            return self._outcome(i, open_weight)
        key = (len(self.chosen), i)
        if self.leader is not None and key in self.leader.outcomes:
            return self.leader.outcomes[key]
        outcome = self._outcome(i, open_weight)
        if self.trail is not None:
            self.trail.outcomes[key] = outcome
        return outcome

    def _outcome(self, i: int, open_weight: Sequence[float]) -> tuple[Sequence[int], float] | None:
        """:meth:`evaluate`'s answer, found."""
        if not self.fits_alone(i):
            return None  # nor would its bundle (no search needed)
        bundle = self.bundle(i, open_weight)
        if bundle is None:
            return None
        gain = self.gain(bundle, open_weight)
        return (bundle, gain) if gain > 0 and self.fits(bundle) else None

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
        if len(bundle) == 1:
            return sum(map(open_weight.__getitem__, self.problem.covers[bundle[0]]))
        known = self.lists.skills_of.get(bundle[-1])  # as :meth:`_skills` reads it, without the call
        if known is not None and known[0] is bundle:
            return sum(map(open_weight.__getitem__, known[1]))
        return sum(map(open_weight.__getitem__, self._skills(bundle)))

    def _skills(self, bundle: Sequence[int]) -> Collection[int]:
        """The skills ``bundle`` covers. A bundle found once is evaluated again and again (by the
        single-course scan, by both passes, each time its course comes back to the top of the heap): its
        skills are kept with it (the same set, so summed in the same order)."""
        covers = self.problem.covers
        if len(bundle) == 1:
            return covers[bundle[0]]
        known = self.lists.skills_of.get(bundle[-1])
        if known is not None and known[0] is bundle:
            return known[1]
        new = set().union(*map(covers.__getitem__, bundle))
        self.lists.skills_of[bundle[-1]] = (bundle, new)
        return new

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
            k = len(self.chosen)
            if self.leader is not None and self.leader.chosen[k : k + 1] != [j]:
                self.leader = None  # not the course the leader chose next: its findings are not this state's
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
    for group, choices, lower in requirements[j]:
        if met[group]:
            continue
        unmet.append(group)
        if not members[group].isdisjoint(inside):
            continue
        for o in choices if loops > 0 else lower:
            if o in visiting or o in failed:
                continue
            if not requirements[o]:  # taken as a call would take it, without the call
                order.append(o)
                inside.add(o)
                break
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


class _Start:
    """What a phase's passes start from, the same for both: the courses not chosen that cover a skill of
    ``skills`` not covered (in index order), and each one's own gain, negated."""

    def __init__(self, state: _State, skills: set[int]):
        self.candidates = sorted(
            {i for s in skills - state.covered for i in state.lists.coverers[s]} - state.chosen_set
        )
        covers, open_weight = state.problem.covers, state.open_weight(skills).__getitem__
        self.own = [-sum(map(open_weight, covers[i] & skills)) for i in self.candidates]


def _cover_all(state: _State, coverable: set[int]) -> _State | None:
    """The classic greedy for weighted set cover (objective cost per skill newly covered, essential and
    optional alike) from ``state``, which covers every coverable skill: only the cost is then at stake. With
    a money or hours limit, None as soon as it spends more than one allows (the phases of :func:`greedy`
    answer then): when it stays within, its coverage is the most there is, and it is the greedy that minds
    the cost. Development seeds 7, 8, 11 and 12 (bench_planner instances, 20 a size): at 2,000 courses it
    stayed within the limits on 24 of 40 limited instances, and against the phases alone 18 of 80 selections
    were cheaper (6 by 10 % to 250x: seed 8, instance 7, 253.42 -> 1.01), 6 dearer by at most 0.02 %, the
    greedy's CPU 1,806 -> 1,417 ms in all; at 400 and 800 courses it stayed within on 0 and 2 of 40, a
    selection at 800 cheaper (1.07x) and one dearer (0.92), and its runs until it overspent cost 11 % more
    CPU."""
    lists = state.lists
    unlimited = copy.copy(lists)  # the same lists and caches, but the set cover's weights and no limit:
    unlimited.money = unlimited.time = None  # its choices are made as without one (:class:`_Keys`)
    unlimited.weight = [1.0] * state.problem.m
    covering = state.copy()
    covering.lists = unlimited
    found = _greedy_phase(
        covering, coverable, lists.cost, _Start(covering, coverable), (lists.money, lists.time)
    )
    if found is not None:
        found.lists = lists
    return found


def _greedy_phase(
    state: _State,
    skills: set[int],
    unit: Sequence[float],
    start: _Start,
    stop_over: tuple[float | None, float | None] = (None, None),
) -> _State | None:
    """Add bundles (a course with the requirements it lacks) by most new weight of ``skills`` per ``unit``
    cost, while one fits and gains something (lazily: :class:`_Keys`), from ``start`` (``state``'s). None
    as soon as the selection spends more money or hours than ``stop_over`` allows."""
    money, time = stop_over
    keys = _Keys(state, skills, unit, start)
    while (best := keys.best()) is not None:
        state.add(best)
        if (money is not None and state.price > money) or (time is not None and state.hours > time):
            return None
        keys.chosen(best)
    return state


class _Keys:
    """The lazy greedy's heap. Keys are upper bounds of a course's ratio. Before its first evaluation, its own
    gain over its own unit cost (without limits, that ratio as it is now: :meth:`_fallen`). After one, the
    ratio found, which stays an upper bound while its bundle stays the same (gains only shrink). A bundle
    changes only when a course is chosen that is a member or meets a member's requirement, and then only
    shrinks: the course's key becomes the bundle's gain found over its own unit cost (entries carry a
    version, stale ones are skipped)."""

    def __init__(self, state: _State, skills: set[int], unit: Sequence[float], start: _Start):
        self.state, self.skills, self.unit, self.covers = state, skills, unit, state.problem.covers
        self.open = state.open_weight(skills)  # kept so as the state covers skills (:meth:`chosen`)
        candidates = start.candidates
        self.version = dict.fromkeys(candidates, 0)
        self.heap = [(own / unit[i], i, 0) for i, own in zip(candidates, start.own, strict=True)]
        heapq.heapify(self.heap)
        # without money or hours limits, the courses still keyed by their own gain over their own unit cost
        # at the start, not by their bundle's: :meth:`best` keys them by that ratio again before searching
        # their bundles (with a limit, where a bundle that does not fit is dropped for good, the order of the
        # searches changed selections both ways: not done there)
        self.own = set(candidates) if state.lists.money is None and state.lists.time is None else set()
        self.gains: dict[int, float] = {}  # the gain of a course's bundle when last evaluated
        # bundle member -> (course, version) keyed on it
        self.watchers: defaultdict[int, list[tuple[int, int]]] = defaultdict(list)
        self.evaluated: list[tuple[float, int, int]] = []

    def best(self) -> Sequence[int] | None:
        """The bundle of most gain per unit cost (ties: the lowest index) that fits, if any."""
        state, heap, unit, open_weight = self.state, self.heap, self.unit, self.open
        chosen, version, own, watchers = state.chosen_set, self.version, self.own, self.watchers
        best: Sequence[int] | None = None
        best_ratio, best_i = 0.0, 0  # of ``best``: a key leads when above, or equal with a lower index
        self.evaluated = evaluated = []
        if state.done(self.skills):
            return None  # every bundle would gain nothing: the loop below would only empty the heap
        while heap:
            if best is not None and (
                -heap[0][0] < best_ratio or (-heap[0][0] == best_ratio and heap[0][1] > best_i)
            ):
                break
            key, i, v = heapq.heappop(heap)
            if i in chosen or v != version[i] or (i in own and self._fallen(i, -key, v)):
                continue
            outcome = state.evaluate(i, open_weight)
            if outcome is None:
                continue  # it will not come back
            bundle, gain = outcome
            ratio = gain / (unit[i] if len(bundle) == 1 else sum(map(unit.__getitem__, bundle)))
            evaluated.append((-ratio, i, v))
            if len(bundle) > 1:
                self.gains[i] = gain
                watcher = (i, v)
                for j in bundle:
                    watchers[j].append(watcher)
            if best is None or ratio > best_ratio or (ratio == best_ratio and i < best_i):
                best, best_ratio, best_i = bundle, ratio, i
        return best

    def _fallen(self, i: int, key: float, v: int) -> bool:
        """Whether course ``i``, keyed by its own ratio ``key`` at the start, has a lower own ratio now
        (skills it covers were covered since): then it is keyed by that (none when 0) and its bundle is not
        searched yet; else it is searched now."""
        ratio = sum(map(self.open.__getitem__, self.covers[i])) / self.unit[i]
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
        lists, watchers = self.state.lists, self.watchers
        # the courses keyed on a course of ``bundle`` or on one needing a group such a course is in, each once
        # (popped); in whatever order: the heap's entries all differ, so it yields them in one order
        for j in itertools.chain(
            bundle, (i for x in bundle for g in lists.groups_of[x] for i in lists.needing[g])
        ):
            if j in watchers:
                for i, v in watchers.pop(j):
                    if self.version[i] == v and i not in self.state.chosen_set:
                        self.version[i] = v + 1
                        heapq.heappush(self.heap, (-self.gains[i] / self.unit[i], i, v + 1))


def _best_single(state: _State, skills: set[int], candidates: Sequence[int]) -> _State | None:
    """``state`` plus the best one of ``candidates`` (in index order) with its requirements: most gain,
    then least cost, then index."""
    best: tuple[float, float, int] | None = None
    best_bundle: Sequence[int] = ()
    open_weight = state.open_weight(skills)
    for i in candidates:
        if not state.fits_alone(i):
            continue  # nor would its bundle
        bundle = state.bundle(i)
        if bundle is None or not state.fits(bundle):
            continue
        gain = -state.gain(bundle, open_weight)
        if best is None or gain <= best[0]:  # else less gain than the best: its cost would not matter
            key = (gain, sum(map(state.lists.cost.__getitem__, bundle)), i)
            if best is None or key < best:
                best, best_bundle = key, bundle
    if best is None:
        return None
    single = state.copy()
    single.add(best_bundle)
    return single
