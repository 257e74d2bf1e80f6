"""From gap, catalogue and constraints to a :class:`~recommender.planner.cover.CoverProblem` on indices.

The problem's "skills" are *level steps* (units): a gap skill S held at level h and needed at level n becomes
the units (S, l) for l in h+1..n, each worth weight_S / (n - h), essential skills' units first. A course
teaching S at level t covers the units (S, l) with l <= t, so a course that brings S only part of the way is
credited for the steps it does bring (courses mostly teach at introductory or intermediate level, while the
gap asks for level 3 for essential skills). S is closed when all its units are covered.

Requirements come from the catalogue (a prerequisite course, unless completed) and from level order: a course
that teaches a gap skill S at level L >= 3 needs S at level L-1 first (the one level-order rule, see
:mod:`recommender.prerequisites`), provided by the worker's profile (the gap's held level, raised by completed
courses) or by an available course teaching S at exactly L-1 (in any valid order the first course teaching S
at L-1 or above teaches it at L-1, so the others are never needed). A course may use the options of lower
rank (:func:`_acyclic_rank`) whatever else is chosen; inside a loop of the requirement graph (a gives what b
needs, b what a needs) also the loop's other options, when the plan takes them first (the MILP orders the
loop's courses: :class:`~recommender.planner.cover.CoverProblem`). Level order is applied to the gap's skills
only: those are the skills whose held level the planner knows, and the ones the plan is about; prerequisites
the catalogue derived for other skills arrive as catalogue prerequisites with origin "level".
"""

from __future__ import annotations

import graphlib
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components

from recommender.planner.cover import CoverProblem, Requirement
from recommender.planner.filters import Available
from recommender.planner.model import CourseOption, GapItem
from recommender.prerequisites import level_needed_first


@dataclass(frozen=True, eq=False)  # hashed by identity: options tuples are long, and shared (level order)
class _RawRequirement:
    options: tuple[str, ...]
    origin: str
    label: str


class _Taught(NamedTuple):
    """What teaching a gap skill at a level brings (the problem's ``units``) and needs first (a level
    ``requirement``, None when the worker holds the level below, with the courses teaching that level or
    above when there are fewer than two: ``lone``, else None)."""

    units: range
    requirement: _RawRequirement | None
    lone: tuple[str, ...] | None


@dataclass(frozen=True)
class Built:
    """A cover problem plus what the planner needs to explain it."""

    problem: CoverProblem
    targets: tuple[GapItem, ...]  # gap skills still to cover
    units: tuple[tuple[int, int], ...]  # per problem skill index: (index in targets, level it reaches)
    held: Mapping[str, int]  # gap skill -> level held before the plan (profile and completed courses)
    not_takeable: Mapping[str, str]  # available course id -> why its requirements cannot be met


def held_levels(gap: Sequence[GapItem], completed: Sequence[CourseOption]) -> dict[str, int]:
    """Level held per gap skill: the gap's own figure, raised by what completed courses taught."""
    held = {item.skill_uri: item.held_level for item in gap}
    for course in completed:
        for uri, level in course.skills.items():
            if uri in held:
                held[uri] = max(held[uri], level)
    return held


def build_problem(  # noqa: C901, PLR0913 - one pass over gap, courses, badges (planner rewrite: issue 11)
    gap: Sequence[GapItem],
    available: Mapping[str, Available],
    *,
    excluded: Mapping[str, str],
    held: Mapping[str, int],
    completed: frozenset[str],
    cost_of: Callable[[Available], float],
    budget: float | None,
    max_hours: float | None,
    include_optional: bool = True,
    teachers: Mapping[str, Sequence[tuple[str, int]]] | None = None,
) -> Built:
    """Index the candidates that matter for this gap and resolve their requirements.

    ``teachers`` (per gap skill, the available courses teaching it and at what level, in id order:
    ``TargetView.available_teachers``) spares the pass over every available course."""
    label = {item.skill_uri: item.label for item in gap}
    seen: set[str] = set()
    targets: list[GapItem] = []
    for item in gap:
        if item.skill_uri in seen or held.get(item.skill_uri, 0) >= item.needed_level:
            continue
        if item.relation == "optional" and not include_optional:
            continue
        seen.add(item.skill_uri)
        targets.append(item)
    needed = {item.skill_uri: item.needed_level for item in targets}

    if teachers is None:
        found: dict[str, list[tuple[str, int]]] = {uri: [] for uri in held}
        for cid in sorted(available):
            skills = available[cid].course.skills
            if skills.keys().isdisjoint(found.keys()):  # most of a catalogue: one set operation each
                continue
            for uri, level in skills.items():
                if uri in found:
                    found[uri].append((cid, level))
        teachers = found

    # the problem's skills: a target's units, one per level step from its held level + 1 to the needed one
    units: list[tuple[int, int]] = []
    unit_weight: list[float] = []
    first_unit: dict[str, int] = {}
    for phase in (True, False):
        for t, item in enumerate(targets):
            if item.essential != phase:
                continue
            start = held[item.skill_uri]
            first_unit[item.skill_uri] = len(units)
            for level in range(start + 1, item.needed_level + 1):
                units.append((t, level))
                unit_weight.append(item.weight / (item.needed_level - start))

    by_level: dict[str, dict[int, list[str]]] = {}  # per gap skill, per level: its teachers, in their order

    def teaching(uri: str) -> dict[int, list[str]]:
        if uri not in by_level:
            levels: defaultdict[int, list[str]] = defaultdict(list)
            for o, lv in teachers[uri]:
                levels[lv].append(o)
            by_level[uri] = levels
        return by_level[uri]

    taught_cache: dict[tuple[str, int], _Taught] = {}

    def taught(uri: str, level: int) -> _Taught:
        # what teaching gap skill ``uri`` at ``level`` brings and needs (the same for every course teaching
        # it so: one lookup per skill of a course)
        key = (uri, level)
        if key not in taught_cache:
            units = range(0)
            if uri in needed:  # a gap skill's units are consecutive, one per level from the held level + 1
                first = first_unit[uri]
                units = range(first, first + max(0, min(level, needed[uri]) - held[uri]))
            below = level_needed_first(level)
            if below is None or held[uri] >= below:
                taught_cache[key] = _Taught(units, None, None)
            else:
                # the courses teaching it at ``below`` or above, when at most one (a course may be its own:
                # its own rank is never below itself, so the rank filter drops it later)
                providers = [o for lv, found in teaching(uri).items() if lv >= below for o in found[:2]]
                lone = tuple(providers) if len(providers) < 2 else None
                taught_cache[key] = _Taught(units, level_requirement(uri, below), lone)
        return taught_cache[key]

    level_cache: dict[tuple[str, int], _RawRequirement] = {}

    def level_requirement(uri: str, below: int) -> _RawRequirement:
        # one per (skill, level): courses teaching the same skill at the same level share it. Its options
        # teach S at exactly ``below``: in any valid order the first course teaching S at ``below`` or above
        # teaches it at ``below`` (one above would need it first), so the others are never needed, and
        # leaving them out keeps level-3 courses from being each other's options (a loop ranked by round).
        key = (uri, below)
        if key not in level_cache:
            level_cache[key] = _RawRequirement(
                tuple(teaching(uri).get(below, ())), "level", f"{label[uri]} at level {below}"
            )
        return level_cache[key]

    # What each course's gap skills bring and need, gap skill by gap skill (a course's skills are in URI
    # order, so each course's units and level requirements come in its own order): the courses teaching a
    # skill above the held level (the others bring nothing and need nothing for it), and the first level
    # requirement no other course can meet, which blocks the course
    covered: defaultdict[str, list[int]] = defaultdict(list)
    needs: defaultdict[str, list[_RawRequirement]] = defaultdict(list)
    lacking: dict[str, str] = {}
    covering: set[str] = set()  # the courses covering a unit (raising a target skill)
    for uri in sorted(held):
        for cid, level in teachers.get(uri, ()):
            if level <= held[uri]:
                continue
            if uri in needed:
                covering.add(cid)
            brings, requirement, lone = taught_cache.get((uri, level)) or taught(uri, level)
            covered[cid].extend(brings)
            if requirement is None:
                continue
            if lone in ((), (cid,)):  # no provider but the course itself (ids are distinct)
                if cid not in lacking:
                    below = level_needed_first(level)
                    lacking[cid] = (
                        f"teaches {label[uri]} at level {level}, which needs level {below} first; the "
                        f"worker holds level {held[uri]} and no other available course teaches it at level "
                        f"{below} or above"
                    )
                continue
            needs[cid].append(requirement)

    def raw_requirements(cid: str) -> tuple[list[_RawRequirement], str | None]:
        reqs: list[_RawRequirement] = []
        for pre in available[cid].course.prerequisites:
            if pre.course_id in completed:
                continue
            if pre.course_id not in available:
                why = excluded.get(pre.course_id, "not in the catalogue")
                return reqs, f"needs course {pre.course_id} first, which is unavailable: {why}"
            reqs.append(_RawRequirement((pre.course_id,), pre.origin, f"course {pre.course_id}"))
        if cid in lacking:
            return reqs, lacking[cid]
        reqs.extend(needs.get(cid, ()))
        return reqs, None

    # Relevant: courses covering a unit, plus what their requirements may pull in.
    covering_ids = sorted(covering)
    queue = list(covering_ids)
    raw: dict[str, list[_RawRequirement]] = {}
    blocked: dict[str, str] = {}
    queued: set[_RawRequirement] = set()
    while queue:
        cid = queue.pop()
        if cid in raw or cid in blocked:
            continue
        reqs, why = raw_requirements(cid)
        if why is not None:
            blocked[cid] = why
            continue
        raw[cid] = reqs
        for r in reqs:  # many courses share a requirement (level order): queue its options once
            if r not in queued:
                queued.add(r)
                queue.extend(r.options)

    rank, pending = _rounds(raw)
    not_takeable = dict(blocked)
    for c in pending:
        missing = [r.label for r in raw[c] if not any(o in rank for o in r.options)]
        not_takeable[c] = f"needs {', '.join(missing)} first, and no course providing it can be taken"
    rank, loop = _acyclic_rank(rank, raw)

    # Keep the takeable courses reachable from a covering course through their options: all of a
    # requirement's takeable options, since each is of lower rank or on the course's loop (_requirements
    # splits them so); each requirement's sorted cheapest first, then by id, once (courses share them).
    costs = {c: float(cost_of(available[c])) for c in rank}
    by_cost: dict[_RawRequirement, tuple[str, ...]] = {}
    keep: set[str] = set()
    stack = [c for c in covering_ids if c in rank]
    while stack:
        c = stack.pop()
        if c in keep:
            continue
        keep.add(c)
        for r in raw[c]:
            if r not in by_cost:
                by_cost[r] = tuple(sorted(sorted(o for o in r.options if o in rank), key=costs.__getitem__))
                stack.extend(by_cost[r])
    ids = sorted(keep)
    index = {c: i for i, c in enumerate(ids)}
    requirements = _requirements(
        ids,
        raw,
        {r: tuple(map(index.__getitem__, o)) for r, o in by_cost.items()},
        [rank[c] for c in ids],
        [loop.get(c, -1) for c in ids],
    )
    chosen = [available[c] for c in ids]
    problem = CoverProblem(
        ids=tuple(ids),
        cost=np.array([costs[c] for c in ids], dtype=np.float64),
        price=np.array([a.price for a in chosen], dtype=np.float64),
        hours=np.array([a.course.hours for a in chosen], dtype=np.float64),
        covers=tuple(frozenset(covered.get(c, ())) for c in ids),
        weight=np.array(unit_weight, dtype=np.float64),
        essential=np.array([targets[t].essential for t, _ in units], dtype=np.bool_),
        requirements=requirements,
        rank=tuple(rank[c] for c in ids),
        loop=tuple(loop.get(c, -1) for c in ids) if any(c in loop for c in ids) else (),
        budget=budget,
        max_hours=max_hours,
    )
    return Built(problem, tuple(targets), tuple(units), dict(held), not_takeable)


def _requirements(
    ids: Sequence[str],
    raw: Mapping[str, Sequence[_RawRequirement]],
    options: Mapping[_RawRequirement, tuple[int, ...]],
    rank: Sequence[int],
    loop: Sequence[int],
) -> tuple[tuple[Requirement, ...], ...]:
    """Each course's requirements on indices: the ``options`` of each (indices, preferred first) of lower
    rank, and within a loop the options of the same loop not of lower rank apart (``in_loop``: usable when
    ordered). One Requirement per requirement and rank, shared by the courses that need it."""
    shared: dict[tuple[_RawRequirement, int], Requirement] = {}
    result = []
    for i, c in enumerate(ids):
        on_loop, mine = loop[i], rank[i]
        own = []
        for r in raw[c]:
            # off a loop every option is in an earlier component, so of lower rank: one key for all such
            # courses (a ranked course is never its own option: only a catalogue prerequisite could name
            # it, and a course needing itself is never takeable); one rank, one component: one loop
            key = (r, -1 if on_loop < 0 else mine)
            found = shared.get(key)
            if found is None:
                if on_loop < 0:
                    found = Requirement(options[r], r.origin, r.label)
                else:
                    below: list[int] = []
                    same: list[int] = []
                    for o in options[r]:
                        if rank[o] < mine:
                            below.append(o)
                        elif o != i and loop[o] == on_loop:
                            same.append(o)
                    found = Requirement(tuple(below), r.origin, r.label, tuple(same))
                shared[key] = found
            own.append(found)
        result.append(tuple(own))
    return tuple(result)


def _rounds(raw: Mapping[str, Sequence[_RawRequirement]]) -> tuple[dict[str, int], list[str]]:
    """The round in which each course becomes takeable (the least fixed point of "every requirement has an
    option already takeable": a requirement is met from the round after its first option became takeable),
    and the courses never takeable, sorted. Each requirement is looked at once, when it is met."""
    needing: defaultdict[_RawRequirement, list[str]] = defaultdict(list)  # courses needing each, not met yet
    missing: dict[str, int] = {}  # per course, its requirements not met yet
    for c, reqs in raw.items():
        distinct = set(reqs)
        missing[c] = len(distinct)
        for r in distinct:
            needing[r].append(c)
    # per course, the requirements it is an option of
    providing: defaultdict[str, list[_RawRequirement]] = defaultdict(list)
    for r in needing:
        for o in r.options:
            providing[o].append(r)
    rank: dict[str, int] = {}
    now = [c for c, count in missing.items() if count == 0]
    round_ = 0
    while now:
        rank.update(dict.fromkeys(now, round_))
        following: list[str] = []
        for r in (r for c in now for r in providing.get(c, ())):
            for d in needing.pop(r, ()):  # met now: its courses have one requirement fewer to wait for
                missing[d] -= 1
                if missing[d] == 0:
                    following.append(d)
        now, round_ = following, round_ + 1
    return rank, sorted(c for c in raw if c not in rank)


def _acyclic_rank(
    rounds: Mapping[str, int], raw: Mapping[str, Sequence[_RawRequirement]]
) -> tuple[dict[str, int], dict[str, int]]:
    """The rank of each takeable course (options of lower rank are the ones a course may use whatever else is
    chosen), and the loop each course on one is in (a component of two courses or more; the others are not
    keys).

    The fixed-point round alone (when a course became takeable) was too strict: a course takeable early
    through one option may be reached later through another, say a level-2 course with its own catalogue
    prerequisite, and that order is valid. Only an order that can loop must be ruled out, so rank by the
    strongly connected components of "option -> requirement -> course" in topological order, then by round
    within a component: every option outside the course's component keeps a lower rank. Within a component
    (a loop: course a gives what b needs and b what a needs) the round alone would rule out valid orders, so
    the other options of the loop are kept apart (``Requirement.in_loop``) for the MILP to order.
    """
    courses = sorted(rounds)
    if not any(raw[c] for c in courses):
        return _edgeless_rank(courses, rounds), {}
    return _component_rank(courses, rounds, raw)


def _component_rank(
    courses: Sequence[str], rounds: Mapping[str, int], raw: Mapping[str, Sequence[_RawRequirement]]
) -> tuple[dict[str, int], dict[str, int]]:
    """:func:`_acyclic_rank` of ``courses`` (sorted), by the strongly connected components of the graph."""
    node: dict[object, int] = {c: k for k, c in enumerate(courses)}  # courses first, then requirements
    tails: list[int] = []
    heads: list[int] = []
    for c in courses:
        for r in raw[c]:
            if r not in node:
                node[r] = len(node)
                options = [node[o] for o in r.options if o in rounds]
                tails.extend(options)
                heads.extend([node[r]] * len(options))
            tails.append(node[r])
            heads.append(node[c])
    tail, head = np.asarray(tails, dtype=np.int64), np.asarray(heads, dtype=np.int64)
    size = len(node)
    graph = sp.csr_array((np.ones(len(tail)), (tail, head)), shape=(size, size))
    count, labels = connected_components(graph, directed=True, connection="strong")
    position = _topological_position(count, labels[tail], labels[head])[labels[: len(courses)]]
    keys = position * (max(rounds.values(), default=0) + 1) + np.fromiter(
        (rounds[c] for c in courses), dtype=np.int64, count=len(courses)
    )
    rank = np.unique(keys, return_inverse=True)[1]
    members = np.bincount(labels[: len(courses)], minlength=count)
    on_loop = members[labels[: len(courses)]] > 1
    return (
        dict(zip(courses, rank.tolist(), strict=True)),
        {c: int(position[k]) for k, c in enumerate(courses) if on_loop[k]},
    )


def _edgeless_rank(courses: Sequence[str], rounds: Mapping[str, int]) -> dict[str, int]:
    """:func:`_acyclic_rank`'s ranks of ``courses`` (sorted) when none has a requirement, without the sparse
    graph (~0.2-0.4 ms of scipy's checks a plan, for a handful of courses; scenario 1's plans are such):
    scipy labels the components of a graph without edges in node order (each course its own), so the k-th
    course's topological position is ``n - 1 - k`` and its rank that of ``position * (top round + 1) +
    round`` among the courses' keys (``tests/recommender/planner/test_build.py`` checks both ways agree)."""
    top = max(rounds.values(), default=0) + 1
    last = len(courses) - 1
    keys = [(last - k) * top + rounds[c] for k, c in enumerate(courses)]
    dense = {key: k for k, key in enumerate(sorted(set(keys)))}
    return {c: dense[key] for c, key in zip(courses, keys, strict=True)}


def _topological_position(count: int, tail: NDArray[np.int64], head: NDArray[np.int64]) -> NDArray[np.int64]:
    """The position of each of ``count`` components in a topological order of the edges ``tail`` ->
    ``head`` between them (within one component: none to order). scipy numbers strongly connected components
    as it completes them, sinks first, so the reverse of its labels is one; checked, else sorted here."""
    between = tail != head
    if np.all(tail[between] > head[between]):
        return (count - 1) - np.arange(count)
    sorter: graphlib.TopologicalSorter[int] = graphlib.TopologicalSorter()
    for k in range(count):
        sorter.add(k)
    for t, h in zip(tail[between].tolist(), head[between].tolist(), strict=True):
        sorter.add(h, t)
    position = np.empty(count, dtype=np.int64)
    position[list(sorter.static_order())] = np.arange(count)
    return position


def recost(built: Built, available: Mapping[str, Available], cost_of: Callable[[Available], float]) -> Built:
    """The same problem under another objective cost (requirement options re-sorted cheapest first)."""
    p = built.problem
    cost = np.array([float(cost_of(available[c])) for c in p.ids], dtype=np.float64)
    resorted: dict[tuple[int, ...], tuple[int, ...]] = {}  # once per options tuple (courses share them)
    for reqs in p.requirements:
        for r in reqs:
            for options in (r.options, r.in_loop):
                if options not in resorted:
                    resorted[options] = tuple(sorted(options, key=lambda o: (cost[o], p.ids[o])))
    requirements = tuple(
        tuple(Requirement(resorted[r.options], r.origin, r.label, resorted[r.in_loop]) for r in reqs)
        for reqs in p.requirements
    )
    return replace(built, problem=replace(p, cost=cost, requirements=requirements))
