"""Course selection: budgeted weighted set cover with prerequisites, greedy and exact.

The problem (:class:`CoverProblem`) works on indices: candidate courses ``0..n-1`` (sorted by id) and gap
skills ``0..m-1``. A course *covers* a skill when it teaches it at the needed level or above. A course may
have *requirements*, each satisfied by any one of its ``options`` (a catalogue prerequisite has one option; a
level requirement "skill S at level L-1" has every course teaching S at L-1 or above). Options always have a
strictly lower *rank* than the course requiring them (rank = the round of the fixed point in which a course
became takeable), so following requirements can never loop and every selection is orderable.

Selection is lexicographic: first the weighted essential skills covered, then the weighted optional skills,
then the objective cost (hours or money) of the courses, within the money budget and the maximum hours.

* :func:`greedy` -- lazy greedy budgeted weighted set cover (Khuller, Moss and Naor, "The budgeted maximum
  coverage problem", IPL 70(1), 1999) on the candidates no other dominates, run per phase (essential
  skills, then optional), adding a course together with the requirements it lacks, with the
  best-single-course guard and, when a limit binds, partial enumeration from the best few single courses,
  randomised restarts, then local search (drop and refill, swap in, exchange one course for another with
  the requirements it lacks) and pruning of redundant courses.
* :func:`exact` -- the same lexicographic problem as three mixed-integer programs solved by HiGHS through
  ``scipy.optimize.milp``.
* :func:`certify` -- the ratio of a selection to the optimum (MILP) or to the LP relaxation bound.

"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, milp

from recommender.errors import UpskillError
from recommender.planner.model import Certificate

#: Relative tolerance when comparing weighted coverage and costs of two selections.
TOLERANCE = 1e-7
#: The exact solver (``solver="exact"``) takes at most this many relevant candidates.
EXACT_LIMIT = 400
#: A plan's certificate compares it with the exact MILP optimum up to this many relevant candidates and with
#: the LP relaxation bound above: the MILP of a large gap costs 20-200 ms per plan (measured on the real
#: automotive pairs of evaluation/bench_planner.py), which would dominate a plan's latency, while the LP
#: bound is an equally valid (if looser) guarantee.
CERTIFY_EXACT_LIMIT = 60
AMORTISED = True
#: Above this many candidates the amortised variant is skipped, to keep large selections fast.
AMORTISED_LIMIT = 1000
#: Effort of the local searches: drop-and-refill attempts per sweep are this over the number of candidates,
#: at most ``MAX_TRIES`` (``MAX_COVERAGE_TRIES`` for coverage), at least 2 for coverage and 8 for cost, so
#: large instances stay fast.
LOCAL_SEARCH_EFFORT = 4000
MAX_TRIES = 20
#: The coverage local search refills whole phases, so it gets fewer tries.
MAX_COVERAGE_TRIES = 8
#: Partial enumeration: when a limit binds and there are at most ``SEED_LIMIT`` candidates, the greedy is also
#: run from each of the ``SEEDS`` best single courses it did not pick, and the best selection kept.
SEED_LIMIT = 600
SEEDS = 6
#: Randomised restarts (up to ``SEED_LIMIT`` candidates): ``RESTARTS`` more greedy runs with perturbed unit
#: costs (log-normal factors of spread ``RESTART_SPREAD``; a fixed seed: the same input, the same output),
#: ``RESTARTS_UNLIMITED`` when the plan has no money or hours limit (the merged runs are dearer there:
#: with 20 the p99 of a whole unbudgeted plan on the real ESCO pairs was 53 ms, with 10 it is 41 ms).
RESTARTS = 20
RESTARTS_UNLIMITED = 10
RESTART_SPREAD = 0.25
RESTART_SEED = 20261125
#: Of all greedy runs (the variants, partial enumeration, restarts), the ``POLISHED`` best get the local
#: searches (``POLISHED_UNLIMITED`` without a limit).
POLISHED = 3
POLISHED_UNLIMITED = 2
#: Relative slack on the coverage floors of later MILP stages (HiGHS feasibility tolerance is 1e-6).
FLOOR_SLACK = 1e-5


@dataclass(frozen=True)
class Requirement:
    """Something a course needs first, met by any one of ``options`` (candidate indices, preferred first)."""

    options: tuple[int, ...]
    origin: str  # catalogue | curated | level
    label: str  # for explanations, e.g. "course C12" or "battery chemistry at level 2"


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
        Fixed-point round in which each course became takeable (options have lower rank).
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

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def m(self) -> int:
        return len(self.weight)


@dataclass(frozen=True)
class Selection:
    """Chosen courses (in no particular order) and the provider chosen for each requirement."""

    chosen: tuple[int, ...]
    edges: Mapping[int, tuple[tuple[int, Requirement], ...]]


@dataclass(frozen=True)
class Value:
    """The lexicographic value of a selection: weighted essential and optional coverage, then cost."""

    essential: float
    optional: float
    cost: float


def value(problem: CoverProblem, chosen: Sequence[int]) -> Value:
    """Weighted essential coverage, weighted optional coverage and total cost of ``chosen``."""
    covered: set[int] = set()
    for i in chosen:
        covered |= problem.covers[i]
    ess = float(sum(problem.weight[s] for s in covered if problem.essential[s]))
    opt = float(sum(problem.weight[s] for s in covered if not problem.essential[s]))
    return Value(ess, opt, float(sum(problem.cost[i] for i in chosen)))


class _Lists:
    """Plain Python copies of the problem's arrays (the greedy reads single elements: lists are faster).
    With ``unit_weights`` every skill weighs 1, so that gains count skills."""

    def __init__(self, problem: CoverProblem, *, unit_weights: bool = False):
        self.cost: list[float] = problem.cost.tolist()
        self.price: list[float] = problem.price.tolist()
        self.hours: list[float] = problem.hours.tolist()
        self.weight: list[float] = [1.0] * problem.m if unit_weights else problem.weight.tolist()
        self.coverers: list[list[int]] = [[] for _ in range(problem.m)]
        for i, skills in enumerate(problem.covers):
            for s in skills:
                self.coverers[s].append(i)
        # The courses with a requirement each course is an option of, once per requirement (whose bundles
        # choosing it may change).
        self.dependants: list[list[int]] = [[] for _ in range(problem.n)]
        for i, reqs in enumerate(problem.requirements):
            for req in reqs:
                for o in req.options:
                    self.dependants[o].append(i)
        # A requirement shared by many courses is cheaper per course than its price: the amortised pass
        # charges a pulled-in course its cost divided by the number of candidates that may need it.
        self.amortised: list[float] = [self.cost[i] / (1 + len(self.dependants[i])) for i in range(problem.n)]
        # Share of the binding resources a course uses, for the budget-aware pass; a tiny share of its
        # objective cost keeps free courses from dividing by zero and breaks ties toward the cheaper.
        mean_cost = sum(self.cost) / max(1, len(self.cost)) or 1.0
        self.usage: list[float] = [
            (self.price[i] / problem.budget if problem.budget else 0.0)
            + (self.hours[i] / problem.max_hours if problem.max_hours else 0.0)
            + 1e-6 * self.cost[i] / mean_cost
            for i in range(problem.n)
        ]


_EdgeMap = dict[int, tuple[tuple[int, Requirement], ...]]


def _bundle(requirements: tuple[tuple[Requirement, ...], ...], chosen: set[int], i: int) -> list[int]:
    """Course ``i`` with every requirement ``chosen`` lacks, prerequisites first."""
    if not requirements[i]:
        return [i]
    order: list[int] = []
    _visit(i, requirements, chosen, order, set())
    return order


def _visit(
    j: int,
    requirements: tuple[tuple[Requirement, ...], ...],
    chosen: set[int],
    order: list[int],
    inside: set[int],
) -> None:
    """Append ``j`` to ``order`` after the first option of each of its requirements neither ``chosen`` nor
    already ``inside`` (recursively). A module function, not a closure: a recursive closure is a reference
    cycle, and thousands of them per selection kept the cyclic garbage collector busy."""
    for req in requirements[j]:
        for o in req.options:
            if o in chosen or o in inside:
                break
        else:
            _visit(req.options[0], requirements, chosen, order, inside)
    order.append(j)
    inside.add(j)


class _State:
    """A growing selection during the greedy."""

    def __init__(self, problem: CoverProblem, lists: _Lists):
        self.problem = problem
        self.lists = lists
        self.chosen: list[int] = []
        self.chosen_set: set[int] = set()
        self.edges: _EdgeMap = {}
        self.covered: set[int] = set()
        self.price = 0.0
        self.hours = 0.0
        self.forbidden: set[int] = set()  # not to be picked by the greedy (the local search's dropped course)

    def copy(self) -> _State:
        other = _State(self.problem, self.lists)
        other.chosen = list(self.chosen)
        other.chosen_set = set(self.chosen_set)
        other.edges = dict(self.edges)
        other.covered = set(self.covered)
        other.price, other.hours = self.price, self.hours
        return other

    def bundle(self, i: int) -> list[int]:
        """Course ``i`` with every requirement it lacks, prerequisites first (empty when already chosen)."""
        if i in self.chosen_set:
            return []
        return _bundle(self.problem.requirements, self.chosen_set, i)

    def edges_of(self, bundle: Sequence[int]) -> _EdgeMap:
        """The provider each requirement of the ``bundle`` members uses: its first option chosen or inside."""
        inside = set(bundle)
        return {
            j: tuple(
                (next(o for o in req.options if o in self.chosen_set or o in inside), req)
                for req in self.problem.requirements[j]
            )
            for j in bundle
        }

    def fits(self, bundle: Sequence[int]) -> bool:
        p, lists = self.problem, self.lists
        if p.budget is not None and self.price + sum(lists.price[j] for j in bundle) > p.budget * (
            1 + TOLERANCE
        ):
            return False
        return not (
            p.max_hours is not None
            and self.hours + sum(lists.hours[j] for j in bundle) > p.max_hours * (1 + TOLERANCE)
        )

    def gain(self, bundle: Sequence[int], skills: set[int]) -> float:
        covers, weight = self.problem.covers, self.lists.weight
        if len(bundle) == 1:
            return sum(weight[s] for s in covers[bundle[0]] if s in skills and s not in self.covered)
        new: set[int] = set()
        for j in bundle:
            new |= covers[j]
        return sum(weight[s] for s in new if s in skills and s not in self.covered)

    def add(
        self, bundle: Sequence[int], edges: Mapping[int, tuple[tuple[int, Requirement], ...]] | None = None
    ) -> None:
        if edges is None:
            edges = self.edges_of(bundle)
        for j in bundle:
            self.chosen.append(j)
            self.chosen_set.add(j)
            self.edges[j] = edges[j]
            self.covered |= self.problem.covers[j]
            self.price += self.lists.price[j]
            self.hours += self.lists.hours[j]

    def total_cost(self) -> float:
        return sum(self.lists.cost[j] for j in self.chosen)


def _greedy_phase(  # noqa: C901 - being replaced by the exact MILP default (issue 11, planner part)
    state: _State, skills: set[int], unit: Sequence[float], pulled: Sequence[float] | None = None
) -> _State:
    """Lazy greedy by gain per cost of the bundle added: ``unit`` for the course, ``pulled`` (default
    ``unit``) for the requirements it pulls in.

    Heap keys are upper bounds of a course's ratio. Before its first evaluation: its gain over its own unit
    cost (gains only shrink, and a bundle always contains the course itself). After an evaluation: the ratio
    found, which stays an upper bound while its bundle stays the same (gains only shrink); a bundle can only
    change when a course is chosen that is one of its members or meets a requirement of one, and then the
    course goes back to the first kind of key (entries carry a version, and stale ones are skipped)."""
    pulled = unit if pulled is None else pulled
    weight, covers = state.lists.weight, state.problem.covers
    candidates = sorted(
        {i for s in skills - state.covered for i in state.lists.coverers[s]}
        - state.chosen_set
        - state.forbidden
    )
    heap = [
        (-sum(weight[s] for s in covers[i] if s in skills and s not in state.covered) / unit[i], i, 0)
        for i in candidates
    ]
    heapq.heapify(heap)
    tracked = any(state.problem.requirements)
    version = dict.fromkeys(candidates, 0)
    gains: dict[int, float] = {}
    watchers: dict[int, list[tuple[int, int]]] = {}  # bundle member -> (course, version) whose key used it
    while heap:
        best: tuple[float, int, list[int]] | None = None
        evaluated: list[tuple[float, int, int]] = []
        while heap and (
            best is None or -heap[0][0] > best[0] or (-heap[0][0] == best[0] and heap[0][1] < best[1])
        ):
            _, i, v = heapq.heappop(heap)
            if i in state.chosen_set or v != version[i]:
                continue
            bundle = state.bundle(i)
            gain = state.gain(bundle, skills)
            if gain <= 0 or not state.fits(bundle):
                continue  # budgets only shrink and coverage only grows: it will not come back
            ratio = gain / (unit[i] + sum(pulled[j] for j in bundle if j != i))
            if tracked and len(bundle) > 1:
                gains[i] = gain
                for j in bundle:
                    watchers.setdefault(j, []).append((i, v))
                evaluated.append((-ratio, i, v))
            else:
                evaluated.append((-gain / unit[i], i, v))
            if best is None or ratio > best[0] or (ratio == best[0] and i < best[1]):
                best = (ratio, i, bundle)
        if best is None:
            break
        state.add(best[2])
        for entry in evaluated:
            if entry[1] != best[1]:
                heapq.heappush(heap, entry)
        if tracked:
            dependants = state.lists.dependants
            touched = set(best[2]).union(*(dependants[x] for x in best[2]))
            for j in touched:
                for i, v in watchers.pop(j, ()):
                    if version[i] == v and i not in state.chosen_set:
                        version[i] = v + 1
                        heapq.heappush(heap, (-gains[i] / unit[i], i, v + 1))
    return state


def _best_single(state: _State, skills: set[int]) -> _State | None:
    """The best one course (with its requirements) added to ``state``: most gain, then least cost, then id."""
    best: tuple[float, float, int] | None = None
    best_bundle: list[int] | None = None
    cost = state.lists.cost
    for i in sorted({i for s in skills - state.covered for i in state.lists.coverers[s]} - state.chosen_set):
        bundle = state.bundle(i)
        if not state.fits(bundle):
            continue
        key = (-state.gain(bundle, skills), sum(cost[j] for j in bundle), i)
        if best is None or key < best:
            best, best_bundle = key, bundle
    if best_bundle is None:
        return None
    single = state.copy()
    single.add(best_bundle)
    return single


def _better(a: _State, b: _State, skills: set[int]) -> bool:
    """Whether ``a`` covers more weight of ``skills`` than ``b``, or as much at a lower cost."""
    ga, gb = _weight_of(a, skills), _weight_of(b, skills)
    if abs(ga - gb) > TOLERANCE * max(1.0, gb):
        return ga > gb
    return a.total_cost() < b.total_cost() * (1 - TOLERANCE)


def _weight_of(state: _State, skills: set[int]) -> float:
    return sum(state.lists.weight[s] for s in state.covered if s in skills)


def _improve(state: _State, skills_by_phase: Sequence[set[int]], tries: int, sweeps: int = 3) -> _State:
    """Local search on cost at equal coverage: drop one course (with the chosen courses that rely on it as a
    provider, transitively) and re-cover what only they covered, greedily, without that course; keep the
    change when the selection gets cheaper. Sweeps the ``tries`` courses whose group costs most, at most
    ``sweeps`` times, stopping after a sweep without improvement. (Dropping pairs as well was tried: on the
    benchmark it raised the worst ratio by 0.02 and doubled the time.)"""
    problem, lists = state.problem, state.lists
    for _ in range(sweeps):
        improved = False
        groups = _dependent_groups(state)
        if problem.n > SEED_LIMIT:  # large instances: only courses no other chosen course relies on
            groups = {c: g for c, g in groups.items() if len(g) == 1}
        order = sorted(groups, key=lambda i: (-sum(lists.cost[j] for j in groups[i]), i))
        for c in order[:tries]:
            if c in state.chosen_set:
                better = _drop_and_refill(state, (c,), skills_by_phase)
                if better is not None:
                    state, improved = better, True
        if not improved:
            break
    return state


def _drop_and_refill(
    state: _State, roots: Sequence[int], skills_by_phase: Sequence[set[int]]
) -> _State | None:
    """``state`` without ``roots`` (and the chosen courses relying on them), what only they covered re-covered
    greedily without the roots, pruned; None unless it covers as much for less."""
    problem, lists = state.problem, state.lists
    groups = _dependent_groups(state)
    dropped = set().union(*(groups[r] for r in roots))
    trial = _State(problem, lists)
    trial.add([j for j in state.chosen if j not in dropped], state.edges)
    lost = set().union(*(problem.covers[j] for j in dropped)) & state.covered - trial.covered
    if not lost:
        return None
    trial.forbidden = set(roots)
    for skills in skills_by_phase:
        if skills & lost:
            trial = _greedy_phase(trial, skills & lost, lists.cost)
    if not lost <= trial.covered:
        return None
    pruned = prune(problem, Selection(tuple(trial.chosen), dict(trial.edges)))
    if sum(lists.cost[j] for j in pruned.chosen) >= state.total_cost() * (1 - TOLERANCE):
        return None
    return _state_of(problem, lists, pruned)


def _swap_in(state: _State, phases: Sequence[set[int]], sweeps: int = 3) -> _State:
    """Local search on cost at equal coverage, the converse of :func:`_improve`: add one course left out
    (with the requirements it lacks) and prune what it makes redundant; keep the cheapest such change when the
    selection gets cheaper. Only courses whose bundle costs less than the chosen courses it could make
    redundant are tried. At most ``sweeps`` changes."""
    problem, lists = state.problem, state.lists
    cost, covers = lists.cost, problem.covers
    for _ in range(sweeps):
        counts = Counter(s for c in state.chosen for s in covers[c])
        providers = {p for d in state.chosen for p, _ in state.edges[d]}
        total = state.total_cost()
        best: _State | None = None
        for i in range(problem.n):
            if i in state.chosen_set or i in state.forbidden:
                continue
            bundle = state.bundle(i)
            if not state.fits(bundle):
                continue
            new = set().union(*(covers[j] for j in bundle))
            freed = sum(
                cost[c]
                for c in state.chosen
                if c not in providers and all(counts[s] > 1 or s in new for s in covers[c])
            )
            if freed <= sum(cost[j] for j in bundle) * (1 + TOLERANCE):
                continue
            trial = state.copy()
            trial.add(bundle)
            pruned = prune(problem, Selection(tuple(trial.chosen), dict(trial.edges)))
            pruned_cost = sum(cost[j] for j in pruned.chosen)
            if pruned_cost < total * (1 - TOLERANCE) and (best is None or pruned_cost < best.total_cost()):
                best = _state_of(problem, lists, pruned)
        if best is None or not _lexicographically_better(best, state, phases):
            break
        state = best
    return state


def _swap_in_coverage(state: _State, phases: Sequence[set[int]], tries: int) -> _State:
    """Local search on coverage when a limit binds, the converse of :func:`_improve_coverage`: add one of the
    ``tries`` left-out courses with the most uncovered weight per share of the limits (with the requirements
    it lacks), then drop, while over a limit, the chosen course (that no other relies on) whose loss costs
    least weight (essential first; ties: the largest share of the limits freed); keep the result when it is
    lexicographically better."""
    problem, lists = state.problem, state.lists
    usage, weight, covers = lists.usage, lists.weight, problem.covers
    for skills in phases:
        scored = []
        for i in range(problem.n):
            if i in state.chosen_set or not covers[i] & skills - state.covered:
                continue
            bundle = state.bundle(i)
            gain = state.gain(bundle, skills)
            scored.append((-gain / sum(usage[j] for j in bundle), i))
        for _, i in sorted(scored)[:tries]:
            if i in state.chosen_set:
                continue
            trial = state.copy()
            trial.add(trial.bundle(i))
            while not trial.fits(()):
                providers = {p for d in trial.chosen for p, _ in trial.edges[d]}
                counts = Counter(s for c in trial.chosen for s in covers[c])
                droppable = [c for c in trial.chosen if c not in providers and c != i]
                if not droppable:
                    break
                c = min(
                    droppable,
                    key=lambda c: (*_lost_weight(c, counts, covers, weight, phases), -usage[c], c),
                )
                trial = _state_of(
                    problem, lists, Selection(tuple(j for j in trial.chosen if j != c), trial.edges)
                )
            if trial.fits(()) and _lexicographically_better(trial, state, phases):
                state = _state_of(problem, lists, prune(problem, Selection(tuple(trial.chosen), trial.edges)))
    return state


def _exchange(state: _State, phases: Sequence[set[int]], sweeps: int = 3) -> _State:
    """Local search by exchange: replace one chosen course, also one that meets another's requirement, by one
    left out (with the requirements it then lacks), when the selection stays within the limits, every
    requirement stays met and the selection, pruned, gets lexicographically better; the best exchange of each
    sweep, at most ``sweeps``. (The other searches never drop a provider: this finds, e.g., a prerequisite
    option that also teaches a skill.)"""
    problem, lists = state.problem, state.lists
    covers, weight, cost, price, hours = problem.covers, lists.weight, lists.cost, lists.price, lists.hours
    requirements = problem.requirements
    coverable = set().union(*phases)
    for _ in range(sweeps):
        counts = Counter(s for c in state.chosen for s in covers[c])
        best: tuple[tuple[float, ...], _State] | None = None
        for c in state.chosen:
            lost = {s for s in covers[c] if counts[s] == 1}
            kept = state.covered - lost
            open_units = coverable - kept
            lost_weights = [sum(weight[s] for s in lost if s in skills) for skills in phases]
            rest = state.chosen_set - {c}
            for i in range(problem.n):
                if i in state.chosen_set or (
                    # a course that covers nothing open can only help by being cheaper (what its requirements'
                    # options cover, they are tried for on their own)
                    not covers[i] & open_units and (lost or cost[i] >= cost[c])
                ):
                    continue
                for bundle in _bundle_choices(requirements, rest, i):
                    if c in bundle or (
                        (
                            problem.budget is not None
                            and state.price - price[c] + sum(price[j] for j in bundle) > problem.budget
                        )
                        or (
                            problem.max_hours is not None
                            and state.hours - hours[c] + sum(hours[j] for j in bundle) > problem.max_hours
                        )
                    ):
                        continue
                    gained = (
                        covers[i] & open_units
                        if len(bundle) == 1
                        else set().union(*(covers[j] for j in bundle)) & open_units
                    )
                    delta = (
                        *(
                            sum(weight[s] for s in gained if s in skills) - lost_weight
                            for skills, lost_weight in zip(phases, lost_weights, strict=True)
                        ),
                        cost[c] - sum(cost[j] for j in bundle),
                    )
                    if not _positive(delta) or (best is not None and delta <= best[0]):
                        continue
                    trial = _replaced(state, c, bundle)
                    if trial is not None and _lexicographically_better(trial, state, phases):
                        best = (delta, trial)
        if best is None:
            break
        state = best[1]
    return state


def _bundle_choices(
    requirements: tuple[tuple[Requirement, ...], ...], chosen: set[int], i: int
) -> list[list[int]]:
    """Ways to add course ``i`` to ``chosen``: its bundle (first options) and, when it lacks exactly one
    requirement, ``i`` with each option of that requirement (and what the option lacks)."""
    first = _bundle(requirements, chosen, i)
    unmet = [req for req in requirements[i] if not any(o in chosen for o in req.options)]
    if len(unmet) != 1:
        return [first]
    choices = [first]
    for o in unmet[0].options[1:]:
        bundle = [*_bundle(requirements, chosen, o), i]
        if bundle not in choices:
            choices.append(bundle)
    return choices


def _positive(delta: Sequence[float]) -> bool:
    """Whether a change of (coverage per phase..., cost saved) is lexicographically an improvement."""
    for d in delta:
        if abs(d) > TOLERANCE:
            return d > 0
    return False


def _replaced(state: _State, c: int, bundle: Sequence[int]) -> _State | None:
    """``state`` with course ``c`` replaced by ``bundle``, pruned; None when a requirement would be unmet."""
    chosen = [j for j in state.chosen if j != c] + list(bundle)
    edges = _edges_within(state.problem, chosen)
    if edges is None:
        return None
    return _state_of(state.problem, state.lists, prune(state.problem, Selection(tuple(chosen), edges)))


def _edges_within(problem: CoverProblem, chosen: Sequence[int]) -> _EdgeMap | None:
    """The provider of each requirement of the ``chosen`` courses: its first option chosen (None when one
    has none)."""
    members = set(chosen)
    edges: _EdgeMap = {}
    for d in chosen:
        providers = []
        for req in problem.requirements[d]:
            provider = next((o for o in req.options if o in members), None)
            if provider is None:
                return None
            providers.append((provider, req))
        edges[d] = tuple(providers)
    return edges


def _lost_weight(
    c: int,
    counts: Counter[int],
    covers: Sequence[frozenset[int]],
    weight: Sequence[float],
    phases: Sequence[set[int]],
) -> tuple[float, ...]:
    """The weight of each phase's skills that course ``c`` alone covers (``counts``: coverers chosen)."""
    return tuple(sum(weight[s] for s in covers[c] if counts[s] == 1 and s in skills) for skills in phases)


def _dependent_groups(state: _State) -> dict[int, set[int]]:
    """Each chosen course with the chosen courses that use it as a provider, directly or transitively."""
    users: dict[int, list[int]] = {c: [] for c in state.chosen}
    for d in state.chosen:
        for p, _ in state.edges[d]:
            users[p].append(d)
    groups: dict[int, set[int]] = {}
    for c in state.chosen:
        group, stack = {c}, [c]
        while stack:
            for d in users[stack.pop()]:
                if d not in group:
                    group.add(d)
                    stack.append(d)
        groups[c] = group
    return groups


def _could_cover_more(state: _State) -> bool:
    """Whether some uncovered skill has a course that fits the limits on its own (with its requirements)."""
    lists = state.lists
    empty = _State(state.problem, lists)
    for s in range(state.problem.m):
        if s not in state.covered:
            for i in lists.coverers[s]:
                if empty.fits(empty.bundle(i)):
                    return True
    return False


def _tries(n: int, floor: int, most: int | None = None) -> int:
    return max(floor, min(MAX_TRIES if most is None else most, LOCAL_SEARCH_EFFORT // max(1, n)))


def _state_of(problem: CoverProblem, lists: _Lists, selection: Selection) -> _State:
    state = _State(problem, lists)
    state.add(selection.chosen, selection.edges)
    return state


def _improve_coverage(state: _State, phases: Sequence[set[int]], tries: int) -> _State:
    """Local search on coverage when a limit binds: drop one of the ``tries`` courses using the largest share
    of the limits, refill the freed share greedily (by gain per share of the limits, phase by phase), and keep
    the result when it is lexicographically better. Two sweeps at most."""
    problem, lists = state.problem, state.lists
    for _ in range(2):
        improved = False
        for c in sorted(state.chosen, key=lambda i: (-lists.usage[i], i))[:tries]:
            if c not in state.chosen_set or any(p == c for d in state.chosen for p, _ in state.edges[d]):
                continue
            rest = [j for j in state.chosen if j != c]
            trial = _state_of(problem, lists, prune(problem, Selection(tuple(rest), dict(state.edges))))
            trial.forbidden = {c}
            for skills in phases:
                trial = _greedy_phase(trial, skills, lists.usage)
            if _lexicographically_better(trial, state, phases):
                state = _state_of(problem, lists, prune(problem, Selection(tuple(trial.chosen), trial.edges)))
                improved = True
        if not improved:
            break
    return state


def greedy(problem: CoverProblem) -> Selection:  # noqa: C901 - replaced by the MILP default (issue 11)
    """Lazy greedy selection, essential skills first, with the best-single-course guard, then improved.

    Candidates another candidate dominates are left out first (:func:`_undominated`, up to ``SEED_LIMIT``
    candidates: above, rebuilding the problem costs more than it saves). Then several greedy runs are made
    and the best few improved. Each run goes phase by phase (essential skills, then optional ones) by gain
    per objective cost; when that leaves coverable skills out (a limit binds), the phase also runs by gain
    per share of the limits used and keeps the better, and compares with the best single course (the guard
    of Khuller, Moss and Naor). The runs: by objective cost; charging pulled-in requirements amortised over
    the courses that may need them (when courses have requirements, up to ``AMORTISED_LIMIT`` candidates);
    when a limit binds, by share of the limits and (up to ``SEED_LIMIT`` candidates) from each of the
    ``SEEDS`` best single courses left out (partial enumeration); and (up to ``SEED_LIMIT`` candidates)
    randomised restarts (:func:`_restarts`). The ``POLISHED`` lexicographically best runs get the local
    searches (drop and refill on coverage and on cost, swap in); the best result is improved by exchanges
    (up to ``SEED_LIMIT`` candidates, :func:`_exchange`) and pruned of redundant courses.
    Deterministic: the restarts use a fixed seed.

    Parameters
    ----------
    problem : CoverProblem
        The instance.

    Returns
    -------
    Selection
        Chosen course indices, prerequisites before dependents, and the provider of each requirement.
    """
    lists = _Lists(problem)
    kept = _undominated(problem, lists.coverers) if problem.n <= SEED_LIMIT else range(problem.n)
    if len(kept) < problem.n:
        return _expanded(problem, kept, greedy(_restricted(problem, kept)))
    # skills no candidate covers cannot change any comparison: the phases leave them out
    phases = [
        skills
        for phase_essential in (True, False)
        if (
            skills := {
                s
                for s in range(problem.m)
                if lists.coverers[s] and bool(problem.essential[s]) == phase_essential
            }
        )
    ]
    if not phases:
        return Selection((), {})
    variants: list[tuple[Sequence[float], Sequence[float]]] = [(lists.cost, lists.cost)]
    if AMORTISED and any(problem.requirements) and problem.n <= AMORTISED_LIMIT:
        variants.append((lists.cost, lists.amortised))
    runs = [_run(problem, lists, phases, unit, pulled, _State(problem, lists)) for unit, pulled in variants]
    limited = problem.budget is not None or problem.max_hours is not None
    binds = limited and _could_cover_more(runs[0])
    if binds:
        # a limit binds: what the first phase spends decides what the later one can still cover, so also run
        # every phase by share of the limits
        runs.append(_run(problem, lists, phases, lists.usage, lists.usage, _State(problem, lists)))
    if problem.n <= SEED_LIMIT:
        if binds:
            # partial enumeration (Khuller, Moss and Naor): also start from each of the best few single
            # courses (with their requirements) the best run so far leaves out
            for seed in _seeds(problem, lists, phases[0], lists.usage, min(runs, key=_rank(phases))):
                start = _State(problem, lists)
                start.add(start.bundle(seed))
                runs.append(_run(problem, lists, phases, lists.usage, lists.usage, start))
        plain = _plain_greedy(problem, lists, phases, limited)
        if not limited:
            runs.append(plain(problem.cost.tolist()))
        runs += _restarts(problem, lists, plain, limited)
    best: _State | None = None
    for state in sorted(runs, key=_rank(phases))[: POLISHED if limited else POLISHED_UNLIMITED]:
        state = _polish(problem, lists, phases, state, _could_cover_more(state))
        if best is None or _lexicographically_better(state, best, phases):
            best = state
    assert best is not None
    if problem.n <= SEED_LIMIT:
        best = _exchange(best, phases)
    return prune(problem, Selection(tuple(best.chosen), dict(best.edges)))


def _undominated(problem: CoverProblem, coverers: Sequence[Sequence[int]]) -> list[int]:
    """The candidates no other candidate dominates, in order (``coverers``: the candidates covering each
    skill).

    Course ``j`` dominates ``i`` when neither has requirements, ``i`` meets no course's requirement, ``j``
    covers every skill ``i`` covers and costs no more objective cost, money or hours (strictly less in one,
    or else the same and a lower index, so that of identical courses one stays): a selection with ``i`` is
    no worse with ``j`` instead, so leaving ``i`` out loses nothing, and the selection is faster."""
    options = {o for reqs in problem.requirements for req in reqs for o in req.options}
    covers, requirements = problem.covers, problem.requirements
    cost, price, hours = problem.cost.tolist(), problem.price.tolist(), problem.hours.tolist()
    dominated: set[int] = set()
    for i in range(problem.n):
        if requirements[i] or i in options or not covers[i]:
            continue
        for j in coverers[min(covers[i], key=lambda s: len(coverers[s]))]:
            if (
                cost[j] <= cost[i]
                and price[j] <= price[i]
                and hours[j] <= hours[i]
                and j != i
                and not requirements[j]
                and covers[j] >= covers[i]
                and (
                    j < i
                    or covers[j] != covers[i]
                    or (cost[j], price[j], hours[j]) != (cost[i], price[i], hours[i])
                )
            ):
                dominated.add(i)
                break
    return [i for i in range(problem.n) if i not in dominated]


def _restricted(problem: CoverProblem, kept: Sequence[int]) -> CoverProblem:
    """``problem`` on the candidates ``kept`` (which hold every requirement option), renumbered."""
    new = {i: k for k, i in enumerate(kept)}
    index = np.asarray(kept, dtype=np.intp)
    return CoverProblem(
        ids=tuple(problem.ids[i] for i in kept),
        cost=problem.cost[index],
        price=problem.price[index],
        hours=problem.hours[index],
        covers=tuple(problem.covers[i] for i in kept),
        weight=problem.weight,
        essential=problem.essential,
        requirements=tuple(
            tuple(
                Requirement(tuple(new[o] for o in req.options), req.origin, req.label)
                for req in problem.requirements[i]
            )
            for i in kept
        ),
        rank=tuple(problem.rank[i] for i in kept),
        budget=problem.budget,
        max_hours=problem.max_hours,
    )


def _expanded(problem: CoverProblem, kept: Sequence[int], selection: Selection) -> Selection:
    """A selection on :func:`_restricted` candidates in the numbering (and requirements) of ``problem``."""
    return Selection(
        tuple(kept[i] for i in selection.chosen),
        {
            kept[i]: tuple(
                (kept[provider], problem.requirements[kept[i]][k])
                for k, (provider, _) in enumerate(selection.edges[i])
            )
            for i in selection.chosen
        },
    )


def _rank(phases: Sequence[set[int]]) -> Callable[[_State], tuple[float, ...]]:
    """Sort key of selections, best first: most weight per phase, then least cost."""
    return lambda state: (*(-_weight_of(state, skills) for skills in phases), state.total_cost())


def _plain_greedy(
    problem: CoverProblem, lists: _Lists, phases: Sequence[set[int]], limited: bool
) -> Callable[[Sequence[float]], _State]:
    """A plain greedy run by a given unit cost, pruned: phase by phase with a limit. Without one every
    coverable skill ends up covered, so only the cost is at stake and the phases are merged: the classic
    greedy for weighted set cover (cost per skill newly covered, essential and optional alike)."""
    run_lists, run_phases = lists, list(phases)
    if not limited:
        run_lists, run_phases = _Lists(problem, unit_weights=True), [set().union(*phases)]

    def run(unit: Sequence[float]) -> _State:
        state = _State(problem, run_lists)
        for skills in run_phases:
            state = _greedy_phase(state, skills, unit)
        return _state_of(problem, lists, prune(problem, Selection(tuple(state.chosen), dict(state.edges))))

    return run


def _restarts(
    problem: CoverProblem, lists: _Lists, plain: Callable[[Sequence[float]], _State], limited: bool
) -> list[_State]:
    """``RESTARTS`` (``RESTARTS_UNLIMITED`` without a limit) randomised runs of the ``plain`` greedy (as in
    GRASP): each course's unit cost multiplied by a seeded log-normal factor of spread ``RESTART_SPREAD``;
    with a limit, the unit alternates between the objective cost and the share of the limits."""
    rng = np.random.default_rng(RESTART_SEED)
    units = [problem.cost, np.asarray(lists.usage)] if limited else [problem.cost]
    return [
        plain((units[k % len(units)] * rng.lognormal(0.0, RESTART_SPREAD, problem.n)).tolist())
        for k in range(RESTARTS if limited else RESTARTS_UNLIMITED)
    ]


def _seeds(
    problem: CoverProblem, lists: _Lists, skills: set[int], unit: Sequence[float], best: _State
) -> list[int]:
    """The ``SEEDS`` courses outside ``best`` with the most gain of ``skills`` per unit cost of their bundle
    (that fit the limits), ties by index."""
    empty = _State(problem, lists)
    scored = []
    for i in range(problem.n):
        if i in best.chosen_set or not problem.covers[i] & skills:
            continue
        bundle = empty.bundle(i)
        if empty.fits(bundle):
            scored.append((-empty.gain(bundle, skills) / sum(unit[j] for j in bundle), i))
    return [i for _, i in sorted(scored)[:SEEDS]]


def _run(
    problem: CoverProblem,
    lists: _Lists,
    phases: Sequence[set[int]],
    unit: Sequence[float],
    pulled: Sequence[float],
    state: _State,
) -> _State:
    """One greedy run from ``state``: phase by phase (with the other unit and the best-single guard when a
    limit binds), pruned."""
    for skills in phases:
        coverable = {s for s in skills if lists.coverers[s]}
        candidate = _greedy_phase(state.copy(), skills, unit, pulled)
        if coverable - candidate.covered:  # a limit binds: try the other unit and the guard
            other_unit = lists.usage if unit is lists.cost else lists.cost
            for other in (_greedy_phase(state.copy(), skills, other_unit), _best_single(state, skills)):
                if other is not None and _better(other, candidate, skills):
                    candidate = other
        state = candidate
    return _state_of(problem, lists, prune(problem, Selection(tuple(state.chosen), dict(state.edges))))


def _polish(
    problem: CoverProblem, lists: _Lists, phases: Sequence[set[int]], state: _State, more: bool
) -> _State:
    """The local searches: on coverage when a limit binds (``more``), then on cost."""
    if more:
        state = _improve_coverage(state, phases, tries=_tries(problem.n, 2, MAX_COVERAGE_TRIES))
        if problem.n <= SEED_LIMIT:
            state = _swap_in_coverage(state, phases, tries=_tries(problem.n, 2, MAX_COVERAGE_TRIES))
    state = _improve(state, phases, tries=_tries(problem.n, 8))
    return _swap_in(state, phases) if problem.n <= SEED_LIMIT else state


def _lexicographically_better(a: _State, b: _State, phases: Sequence[set[int]]) -> bool:
    for skills in phases:
        ga, gb = _weight_of(a, skills), _weight_of(b, skills)
        if abs(ga - gb) > TOLERANCE * max(1.0, gb):
            return ga > gb
    return a.total_cost() < b.total_cost() * (1 - TOLERANCE)


def prune(problem: CoverProblem, selection: Selection) -> Selection:
    """Drop courses that cover nothing the others miss, costliest first.

    A course that provides another's requirement can go when another chosen course also meets that
    requirement; the edge is moved to it (options have lower rank, so no cycle can appear).
    """
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
            moves: list[tuple[int, int, int]] = []
            for d in chosen:
                for k, (provider, req) in enumerate(edges[d]):
                    if provider == c and d != c:
                        alt = next((o for o in req.options if o in edges and o != c), None)
                        if alt is None:
                            break
                        moves.append((d, k, alt))
                else:
                    continue
                break
            else:
                for d, k, alt in moves:
                    edges[d][k] = (alt, edges[d][k][1])
                chosen.remove(c)
                counts.subtract(problem.covers[c])
                if edges.pop(c):
                    restart = True
                    break
    return Selection(tuple(chosen), {c: tuple(e) for c, e in edges.items()})


# --- mixed-integer programs ---------------------------------------------------------------------------


class _Program:
    """The constraint matrix shared by the stages: variables are x (n courses) then y (m skills)."""

    def __init__(self, problem: CoverProblem):
        self.problem = problem
        n, m = problem.n, problem.m
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        ub: list[float] = []
        r = 0
        for s in range(m):  # y_s <= sum of x_c over courses covering s
            rows.append(r)
            cols.append(n + s)
            vals.append(1.0)
            ub.append(0.0)
            r += 1
        for i, skills in enumerate(problem.covers):
            for s in skills:
                rows.append(s)
                cols.append(i)
                vals.append(-1.0)
        for i, reqs in enumerate(problem.requirements):  # x_i <= sum of x over the options
            for req in reqs:
                rows.append(r)
                cols.append(i)
                vals.append(1.0)
                for o in req.options:
                    rows.append(r)
                    cols.append(o)
                    vals.append(-1.0)
                ub.append(0.0)
                r += 1
        for limit, column in ((problem.budget, problem.price), (problem.max_hours, problem.hours)):
            if limit is not None:
                for i in range(n):
                    rows.append(r)
                    cols.append(i)
                    vals.append(float(column[i]))
                ub.append(float(limit) * (1 + TOLERANCE))
                r += 1
        matrix = sp.csr_array((vals, (rows, cols)), shape=(r, n + m))
        self.base = LinearConstraint(matrix, -np.inf, np.asarray(ub))
        self.ess_row = np.concatenate([np.zeros(n), np.where(problem.essential, problem.weight, 0.0)])
        self.opt_row = np.concatenate([np.zeros(n), np.where(problem.essential, 0.0, problem.weight)])
        self.cost_row = np.concatenate([problem.cost, np.zeros(m)])
        self.integrality = np.concatenate([np.ones(n), np.zeros(m)])

    def solve(
        self,
        objective: NDArray[np.float64],
        floors: Sequence[tuple[NDArray[np.float64], float]],
        *,
        integral: bool,
    ) -> tuple[float, NDArray[np.float64]]:
        """Minimise ``objective`` subject to the base rows and ``row @ z >= floor`` for each floor."""
        constraints = [self.base]
        for row, floor in floors:
            constraints.append(
                LinearConstraint(row[np.newaxis, :], floor - FLOOR_SLACK * max(1.0, abs(floor)), np.inf)
            )
        result = milp(
            objective,
            constraints=constraints,
            integrality=self.integrality if integral else None,
            bounds=Bounds(0.0, 1.0),
            options={"mip_rel_gap": 1e-9, "time_limit": 60.0},
        )
        if result.x is None:  # x = y = 0 is always feasible, so this is a solver failure
            raise UpskillError(
                f"the MILP solver (HiGHS) found no solution: {result.message}; use the greedy solver instead"
            )
        return float(objective @ result.x), result.x


def exact(problem: CoverProblem) -> Selection:
    """The lexicographic optimum by three MILPs (HiGHS): essential coverage, optional coverage, cost.

    Parameters
    ----------
    problem : CoverProblem
        The instance (meant for up to a few hundred candidates).

    Returns
    -------
    Selection
        An optimal selection, ordered by rank then index, with the cheapest chosen provider per requirement.
    """
    if problem.n == 0 or problem.m == 0:
        return Selection((), {})
    program = _Program(problem)
    floors: list[tuple[NDArray[np.float64], float]] = []
    for row, essential in ((program.ess_row, True), (program.opt_row, False)):
        if row.any():
            _, z = program.solve(-row, floors, integral=True)
            # the floor is the coverage of the rounded solution, not HiGHS's objective, which may exceed it
            # by the feasibility tolerance and make the next stage infeasible
            got = value(problem, [i for i in range(problem.n) if z[i] > 0.5])
            floors.append((row, got.essential if essential else got.optional))
    _, z = program.solve(program.cost_row, floors, integral=True)
    chosen = sorted((i for i in range(problem.n) if z[i] > 0.5), key=lambda i: (problem.rank[i], i))
    edges = _edges_within(problem, chosen)
    assert edges is not None  # the MILP meets every requirement of what it chooses
    return prune(problem, Selection(tuple(chosen), edges))


def certify(problem: CoverProblem, selection: Selection, *, exact_limit: int = EXACT_LIMIT) -> Certificate:
    """How far ``selection`` is from optimal: exact MILP up to ``exact_limit`` candidates, else the LP bound.

    The criteria are compared in order; the first on which the selection falls short of the bound decides:
    coverage ratios are selection / optimum, the cost ratio is optimum / selection (both 1.0 when optimal).
    A solver failure gives a certificate of method ``none`` that says so, rather than no plan.
    """
    if problem.n == 0 or problem.m == 0:
        return Certificate("none", 1.0, "nothing to select")
    try:
        return _certify(problem, selection, exact_limit)
    except UpskillError as error:
        return Certificate("none", None, f"not certified: {error}")


def _certify(problem: CoverProblem, selection: Selection, exact_limit: int) -> Certificate:
    integral = problem.n <= exact_limit
    method: str = "milp" if integral else "lp"
    got = value(problem, selection.chosen)
    program = _Program(problem)
    floors: list[tuple[NDArray[np.float64], float]] = []
    coverable = set().union(*problem.covers)
    for name, row, have, is_ess in (
        ("essential coverage", program.ess_row, got.essential, True),
        ("optional coverage", program.opt_row, got.optional, False),
    ):
        if not row.any():
            continue
        everything = float(sum(problem.weight[s] for s in coverable if bool(problem.essential[s]) == is_ess))
        if have >= everything * (1 - TOLERANCE):
            bound = everything  # all coverable weight: no solver needed
        else:
            bound = -program.solve(-row, floors, integral=integral)[0]
        if have < bound * (1 - 1e-6):
            return Certificate(method, have / bound, name, have, bound)  # type: ignore[arg-type]
        floors.append((row, have))
    bound, _ = program.solve(program.cost_row, floors, integral=integral)
    ratio = min(1.0, bound / got.cost) if got.cost > 0 else 1.0
    return Certificate(method, ratio, "cost", got.cost, bound)  # type: ignore[arg-type]
