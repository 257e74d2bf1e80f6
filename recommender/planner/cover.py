"""Course selection: budgeted weighted set cover with prerequisites, solved exactly where it pays.

The problem (:class:`CoverProblem`) works on indices: candidate courses ``0..n-1`` (sorted by id) and gap
skills ``0..m-1``. A course *covers* a skill when it teaches it at the needed level or above. A course may
have *requirements*, each satisfied by any one of its ``options`` (a catalogue prerequisite has one option; a
level requirement "skill S at level L-1" has every course teaching S at L-1 or above). Options always have a
strictly lower *rank* than the course requiring them (rank = the round of the fixed point in which a course
became takeable), so following requirements can never loop and every selection is orderable.

Selection is lexicographic: first the weighted essential skills covered, then the weighted optional skills,
then the objective cost (hours or money) of the courses, within the money budget and the maximum hours.

* :func:`solve` -- what the planner calls. ``solver="auto"`` (the default) solves the exact program up to
  ``AUTO_LIMIT`` candidates with a time limit of ``TIME_LIMIT`` seconds, keeping the greedy selection when
  the time limit stops the solver with nothing better. Above ``AUTO_LIMIT`` it solves the exact program on a
  *kernel*: the candidates the LP relaxation uses and the greedy's (:func:`_kernel`). The certificate says
  how good the selection is: 1.0 when proven optimal, the proven ratio to the solver's bound when the time
  limit stopped it, the ratio to the LP bound for a kernel selection, and for a greedy selection its ratio
  to the MILP optimum (small instances) or the LP bound.
  The optimal coverage it finds (``Solution.coverage``) holds for the same problem at another objective
  cost: the planner's second and third plans pass it back and solve the cost stage only.
* :func:`exact` -- the lexicographic optimum as three mixed-integer programs (essential coverage, optional
  coverage, cost) solved by HiGHS through ``scipy.optimize.milp``. The coverage programs need no solve
  without a money or hours limit (every candidate together is a valid selection, so the optimum is all the
  coverable weight), nor when the greedy already covers all of it.
* :func:`greedy` -- lazy greedy (Minoux's accelerated greedy): without a money or hours limit the classic
  greedy for weighted set cover (objective cost per skill newly covered); with one, budgeted maximum coverage
  (Khuller, Moss and Naor, "The budgeted maximum coverage problem", IPL 70(1), 1999) phase by phase,
  essential skills first, by gain per objective cost and by gain per share of the limits, with the
  best-single-course guard. A course is added together with the requirements it lacks; redundant courses
  are pruned at the end.
* :func:`certify` -- the ratio of a selection to the optimum (MILP) or to the LP relaxation bound.

Results are deterministic unless the time limit stops the solver (the certificate then says so: its ratio
is below 1.0 or its method is ``none``).
"""

from __future__ import annotations

import heapq
import itertools
import time
import warnings
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, OptimizeResult, milp

from recommender.errors import UpskillError
from recommender.planner.model import Certificate

Solver = Literal["auto", "greedy", "exact"]
#: Weighted essential and optional coverage.
Coverage = tuple[float, float]

#: Relative tolerance when comparing weighted coverage and costs of two selections.
TOLERANCE = 1e-7
#: ``auto`` solves the MILP on every candidate up to this many, and on a kernel of them above. Real gaps have
#: up to ~600 candidates (the 200 automotive pairs of evaluation/bench_planner.py: median 70). On development
#: seed 7 (8 instances per size, TIME_LIMIT, load ~10), against the best of both and HiGHS given 3 s: at the
#: 235-388 candidates of size 400 the whole MILP was better on 4 instances, the kernel on 2 (worst 0.961 vs
#: 0.977); at the 588-1,944 of sizes 800 and 2,000 the kernel was as good or better on 14 of 16 (worst 0.909
#: vs 0.879), at 26-326 ms CPU instead of 85-450.
AUTO_LIMIT = 500
#: ``solver="exact"`` refuses more candidates than this.
EXACT_LIMIT = 400
#: Seconds (wall clock, from the start of the selection) the ``auto`` solver gives HiGHS before it keeps the
#: better of HiGHS's best selection so far and the greedy's. A safety net for the hard gaps, not the latency
#: budget: with 0.05 s (the budget of issue 11) 20 of the 200 real automotive pairs of
#: evaluation/bench_planner.py got another plan than on main at load ~8, 8 of them covering less (e.g. 0
#: instead of 5 essential skills); with 0.5 s none covers less. On development seed 7 at load ~10 (wall 5-10x
#: CPU time) the median ratio to the optimum at 100 / 200 / 400 candidates was 0.99 / 0.98 / 0.99 with
#: 0.05 s and 1.0 with 0.5 s; the worst instance is the greedy's either way (0.72-0.93).
TIME_LIMIT = 0.5
#: Seconds ``solver="exact"`` gives HiGHS per selection.
EXACT_TIME_LIMIT = 10.0
#: A greedy selection's certificate compares it with the MILP optimum up to this many candidates and with
#: the LP relaxation bound above (an equally valid, if looser, guarantee at a fraction of the time).
CERTIFY_EXACT_LIMIT = 60
#: Relative slack on the coverage floors of later MILP stages (HiGHS feasibility tolerance is 1e-6).
FLOOR_SLACK = 1e-5
#: HiGHS options besides the time limit. Feasibility jump (a primal heuristic) costs ~12 ms of set-up per
#: solve, more than these small programs take to solve (measured with scipy 1.17: a 3-variable MILP took
#: p50 14 ms CPU with it and 2 ms without).
HIGHS_OPTIONS = {"mip_rel_gap": 1e-9, "mip_heuristic_run_feasibility_jump": False}
#: The options ``scipy.optimize.milp`` itself takes; it passes others to HiGHS verbatim, with a warning.
SCIPY_MILP_OPTIONS = frozenset({"disp", "presolve", "time_limit", "node_limit", "mip_rel_gap"})
BOX = Bounds(0.0, 1.0)


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

    @cached_property
    def coverage(self) -> sp.csr_array:
        """``covers`` as a sparse 0/1 matrix of shape (n, m)."""
        sizes, indices = _flattened(self.covers)
        indptr = np.concatenate([[0], np.cumsum(sizes)])
        return sp.csr_array((np.ones(len(indices)), indices, indptr), shape=(self.n, self.m))


def _flattened(sets: Sequence[Collection[int]]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
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


@dataclass(frozen=True)
class Solution:
    """A selection, how far it is from optimal, and which solver produced it (``exact`` or ``greedy``)."""

    selection: Selection
    certificate: Certificate
    solver: str
    coverage: Coverage | None = None  # the proven optimal coverage, for the same problem at another cost


def value(problem: CoverProblem, chosen: Sequence[int]) -> Value:
    """Weighted essential coverage, weighted optional coverage and total cost of ``chosen``."""
    covered: set[int] = set()
    for i in chosen:
        covered |= problem.covers[i]
    ess = float(sum(problem.weight[s] for s in covered if problem.essential[s]))
    opt = float(sum(problem.weight[s] for s in covered if not problem.essential[s]))
    return Value(ess, opt, float(sum(problem.cost[i] for i in chosen)))


def solve(  # noqa: PLR0913 - the planner's knobs, all keyword-only with defaults
    problem: CoverProblem,
    *,
    solver: Solver = "auto",
    certify_greedy: bool = True,
    exact_limit: int = EXACT_LIMIT,
    auto_limit: int = AUTO_LIMIT,
    time_limit: float | None = None,
    certify_exact_limit: int = CERTIFY_EXACT_LIMIT,
    coverage: Coverage | None = None,
) -> Solution:
    """Select courses with ``solver`` (see the module docstring) and certify the selection.

    Parameters
    ----------
    problem : CoverProblem
        The instance.
    solver : {"auto", "greedy", "exact"}
        ``auto``: the MILP within ``time_limit``, on a kernel of the candidates above ``auto_limit``;
        ``greedy``: the greedy only; ``exact``: the MILP only (at most ``exact_limit`` candidates).
    certify_greedy : bool
        Certify a greedy selection (:func:`certify`); a MILP selection is always certified, for free.
    exact_limit : int
        Most candidates ``exact`` takes.
    auto_limit : int
        Most candidates ``auto`` gives the MILP whole; above, the MILP sees a kernel of them.
    time_limit : float, optional
        Seconds for the whole selection; default ``TIME_LIMIT`` (auto) or ``EXACT_TIME_LIMIT`` (exact).
    coverage : Coverage, optional
        The optimal coverage of this problem, known from a solve of it under another objective cost
        (``Solution.coverage``): only the cost stage is left to solve (unused on a kernel).

    Raises
    ------
    UpskillError
        With ``exact``, above ``exact_limit`` candidates or when HiGHS finds no selection in time.
    """
    if solver == "exact" and problem.n > exact_limit:
        raise UpskillError(
            f"the exact solver takes at most {exact_limit} candidate courses, this gap has {problem.n}; "
            "use the greedy solver"
        )
    if problem.n == 0 or problem.m == 0:
        used = "greedy" if solver == "greedy" else "exact"
        return Solution(Selection((), {}), Certificate("none", 1.0, "nothing to select"), used)
    limit = time_limit if time_limit is not None else TIME_LIMIT if solver == "auto" else EXACT_TIME_LIMIT
    deadline = time.perf_counter() + limit
    if solver == "auto" and problem.n > auto_limit:
        try:
            return _kernel(problem, deadline)
        except UpskillError:  # HiGHS ran out of time on the LP: the greedy, certified by the LP bound
            certify_exact_limit = 0
    elif solver != "greedy":
        fallback = _Fallback(problem, solver != "exact")
        try:
            return _lexicographic(problem, fallback, deadline, coverage)
        except UpskillError:
            if solver == "exact":
                raise
            certify_exact_limit = 0  # HiGHS ran out of time: the LP bound, which is quick
    selection = greedy(problem)
    certificate = (
        certify(problem, selection, exact_limit=certify_exact_limit)
        if certify_greedy
        else Certificate("none", None, "not certified")
    )
    return Solution(selection, certificate, "greedy")


class _Fallback:
    """The greedy selection, computed when first asked for (never, when HiGHS proves the optimum of a problem
    whose coverage needs no solve); ``None`` for the exact solver, which has no fallback."""

    def __init__(self, problem: CoverProblem, enabled: bool):
        self.problem, self.enabled = problem, enabled
        self._selection: Selection | None = None

    def get(self) -> Selection | None:
        if self.enabled and self._selection is None:
            self._selection = greedy(self.problem)
        return self._selection


# --- the greedy ---------------------------------------------------------------------------------------


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
        # the courses with a requirement each course is an option of
        # the options tuples each course is in, and the courses needing each (courses share options tuples:
        # level order), so that each tuple is handled once
        self.option_in: list[list[tuple[int, ...]]] = [[] for _ in range(problem.n)]
        self.option_set: dict[tuple[int, ...], frozenset[int]] = {}
        self.needing: dict[tuple[int, ...], list[int]] = {}
        for i, reqs in enumerate(problem.requirements):
            for req in reqs:
                if req.options not in self.option_set:
                    self.option_set[req.options] = frozenset(req.options)
                    self.needing[req.options] = []
                    for o in req.options:
                        self.option_in[o].append(req.options)
                self.needing[req.options].append(i)
        # share of the limits a course uses; a tiny share of its objective cost keeps free courses from
        # dividing by zero and breaks ties toward the cheaper
        mean_cost = sum(self.cost) / max(1, len(self.cost)) or 1.0
        self.usage: list[float] = [
            (self.price[i] / problem.budget if problem.budget else 0.0)
            + (self.hours[i] / problem.max_hours if problem.max_hours else 0.0)
            + 1e-6 * self.cost[i] / mean_cost
            for i in range(problem.n)
        ]


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

    def bundle(self, i: int) -> list[int]:
        """Course ``i`` with every requirement the selection lacks (first options), prerequisites first."""
        order: list[int] = []
        _visit(i, self.problem.requirements, self.met, self.lists.option_set, order, set())
        return order

    def fits(self, bundle: Sequence[int]) -> bool:
        p, lists = self.problem, self.lists
        price = self.price + sum(lists.price[j] for j in bundle)
        hours = self.hours + sum(lists.hours[j] for j in bundle)
        return (p.budget is None or price <= p.budget * (1 + TOLERANCE)) and (
            p.max_hours is None or hours <= p.max_hours * (1 + TOLERANCE)
        )

    def gain(self, bundle: Sequence[int], skills: set[int]) -> float:
        new = set().union(*(self.problem.covers[j] for j in bundle)) & skills
        return sum(self.lists.weight[s] for s in new - self.covered)

    def add(self, bundle: Sequence[int]) -> None:
        inside = set(bundle)
        for j in bundle:  # prerequisites first: each requirement's provider is chosen or in the bundle
            self.edges[j] = tuple(
                (next(o for o in req.options if o in self.chosen_set or o in inside), req)
                for req in self.problem.requirements[j]
            )
        for j in bundle:
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


def _visit(
    j: int,
    requirements: tuple[tuple[Requirement, ...], ...],
    met: set[tuple[int, ...]],
    option_set: Mapping[tuple[int, ...], frozenset[int]],
    order: list[int],
    inside: set[int],
) -> None:
    """Append ``j`` to ``order`` after the first option of each of its requirements neither ``met`` (by the
    selection) nor by a course already ``inside`` the bundle (recursively). A module function, not a closure:
    a recursive closure is a reference cycle, and thousands of them per selection kept the cyclic garbage
    collector busy."""
    for req in requirements[j]:
        if req.options not in met and option_set[req.options].isdisjoint(inside):
            _visit(req.options[0], requirements, met, option_set, order, inside)
    order.append(j)
    inside.add(j)


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
        weight, covers = state.lists.weight, state.problem.covers
        candidates = sorted(
            {i for s in skills - state.covered for i in state.lists.coverers[s]} - state.chosen_set
        )
        self.version = dict.fromkeys(candidates, 0)
        self.heap = [
            (-sum(weight[s] for s in covers[i] & skills if s not in state.covered) / unit[i], i, 0)
            for i in candidates
        ]
        heapq.heapify(self.heap)
        self.gains: dict[int, float] = {}  # the gain of a course's bundle when last evaluated
        self.watchers: dict[int, list[tuple[int, int]]] = {}  # bundle member -> (course, version) keyed on it
        self.evaluated: list[tuple[float, int, int]] = []

    def best(self) -> list[int] | None:
        """The bundle of most gain per unit cost (ties: the lowest index) that fits, if any."""
        state, heap = self.state, self.heap
        best: tuple[float, int, list[int]] | None = None
        self.evaluated = []
        while heap and (best is None or (-heap[0][0], -heap[0][1]) > (best[0], -best[1])):
            _, i, v = heapq.heappop(heap)
            if i in state.chosen_set or v != self.version[i]:
                continue
            bundle = state.bundle(i)
            gain = state.gain(bundle, self.skills)
            if gain <= 0 or not state.fits(bundle):
                continue  # limits only tighten and coverage only grows: it will not come back
            ratio = gain / sum(self.unit[j] for j in bundle)
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
    for i in sorted({i for s in skills - state.covered for i in state.lists.coverers[s]} - state.chosen_set):
        bundle = state.bundle(i)
        if state.fits(bundle):
            key = (-state.gain(bundle, skills), sum(state.lists.cost[j] for j in bundle), i)
            if best is None or key < best:
                best, best_bundle = key, bundle
    if best is None:
        return None
    single = state.copy()
    single.add(best_bundle)
    return single


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


# --- mixed-integer programs ---------------------------------------------------------------------------


class _Program:
    """The constraint matrix shared by the stages, built with numpy and scipy.sparse.

    Variables: x (n courses, binary), y (m skills, "covered"), z (one per distinct options tuple, "some
    option chosen"). Rows: y_s <= sum of x over the courses covering s; z_g <= sum of x over the options
    of g; x_i <= z_g for each requirement of course i (level-order requirements share long options tuples,
    so this takes far fewer non-zeros than one row "x_i <= sum of its options" per requirement, and the LP
    relaxation is the same); then the money and hours limits.
    """

    def __init__(self, problem: CoverProblem):
        self.problem = problem
        n, m = problem.n, problem.m
        groups: dict[tuple[int, ...], int] = {}
        needing: list[int] = []  # course of each requirement
        needed: list[int] = []  # its options tuple's group
        for i, reqs in enumerate(problem.requirements):
            for req in reqs:
                needing.append(i)
                needed.append(groups.setdefault(req.options, len(groups)))
        g, k = len(groups), len(needing)
        coverage = problem.coverage.tocoo()
        option_sizes, options = _flattened(list(groups))
        x, y, z = 0, n, n + m  # first column of each block
        blocks: list[tuple[NDArray[np.int64], NDArray[np.int64], float | NDArray[np.float64]]] = [
            # (rows, columns, values) of each block
            (coverage.col, x + coverage.row, -1.0),
            (np.arange(m), y + np.arange(m), 1.0),
            (m + np.repeat(np.arange(g), option_sizes), x + options, -1.0),
            (m + np.arange(g), z + np.arange(g), 1.0),
            (m + g + np.arange(k), x + np.asarray(needing, dtype=np.int64), 1.0),
            (m + g + np.arange(k), z + np.asarray(needed, dtype=np.int64), -1.0),
        ]
        upper = [0.0] * (m + g + k)
        row = m + g + k
        for limit, column in ((problem.budget, problem.price), (problem.max_hours, problem.hours)):
            if limit is not None:
                blocks.append((np.full(n, row), x + np.arange(n), column))
                upper.append(float(limit) * (1 + TOLERANCE))
                row += 1
        rows = np.concatenate([b[0] for b in blocks])
        cols = np.concatenate([b[1] for b in blocks])
        vals = np.concatenate(
            [np.broadcast_to(np.asarray(v, dtype=np.float64), r.shape) for r, _, v in blocks]
        )
        self.matrix = sp.csr_array((vals, (rows, cols)), shape=(row, n + m + g))
        self.upper = np.asarray(upper)
        zeros = np.zeros(g)
        self.ess_row = np.concatenate([np.zeros(n), np.where(problem.essential, problem.weight, 0.0), zeros])
        self.opt_row = np.concatenate([np.zeros(n), np.where(problem.essential, 0.0, problem.weight), zeros])
        self.cost_row = np.concatenate([problem.cost, np.zeros(m), zeros])
        self.integrality = np.concatenate([np.ones(n), np.zeros(m + g)])

    def solve(
        self,
        objective: NDArray[np.float64],
        floors: Sequence[tuple[NDArray[np.float64], float]],
        *,
        integral: bool,
        seconds: float | None = None,
    ) -> OptimizeResult:
        """Minimise ``objective`` subject to the base rows and ``row @ z >= floor`` for each floor, in at
        most ``seconds``; raises when HiGHS has no solution (x = y = 0 is always feasible, so it stopped)."""
        matrix, lower, upper = self.matrix, np.full(self.matrix.shape[0], -np.inf), self.upper
        if floors:
            matrix = sp.vstack([matrix, sp.csr_array(np.vstack([row for row, _ in floors]))], format="csr")
            lower = np.concatenate([lower, [f - FLOOR_SLACK * max(1.0, abs(f)) for _, f in floors]])
            upper = np.concatenate([upper, np.full(len(floors), np.inf)])
        options: dict[str, object] = dict(HIGHS_OPTIONS)
        if seconds is not None:
            options["time_limit"] = max(seconds, 1e-3)
        integrality = self.integrality if integral else None
        constraints = LinearConstraint(matrix, lower, upper)
        # scipy passes options it does not know to HiGHS verbatim, with a warning each time: not worth one
        # (set here rather than once: a caller's catch_warnings, pytest's for one, may have dropped it)
        warnings.filterwarnings("ignore", "Unrecognized options detected", RuntimeWarning, __name__)
        try:
            result = milp(
                objective, constraints=constraints, integrality=integrality, bounds=BOX, options=options
            )
        except AttributeError:  # an older HiGHS without one of HIGHS_OPTIONS' heuristics switches
            result = self._milp_with_scipy_options(objective, constraints, integrality, options)
        except RuntimeWarning as warning:
            # Warning filters are process-wide: another thread inside catch_warnings() with warnings as errors
            # (scipy's own dense LinearConstraint does that, for an instant) turned scipy's "unrecognized
            # options" warning into an exception here. Solve again without the options that make it warn.
            if "Unrecognized options" not in str(warning):
                raise
            result = self._milp_with_scipy_options(objective, constraints, integrality, options)
        if result.x is None:
            raise UpskillError(
                f"the MILP solver (HiGHS) found no solution: {result.message}; use the greedy solver instead"
            )
        return result

    @staticmethod
    def _milp_with_scipy_options(
        objective: NDArray[np.float64],
        constraints: LinearConstraint,
        integrality: NDArray[np.float64] | None,
        options: Mapping[str, object],
    ) -> OptimizeResult:
        """``milp`` with only the options scipy knows (no HiGHS switches passed verbatim, so no warning)."""
        known = {k: v for k, v in options.items() if k in SCIPY_MILP_OPTIONS}
        return milp(objective, constraints=constraints, integrality=integrality, bounds=BOX, options=known)

    def chosen(self, result: OptimizeResult) -> list[int]:
        n = self.problem.n
        return sorted((i for i in range(n) if result.x[i] > 0.5), key=lambda i: (self.problem.rank[i], i))


def exact(problem: CoverProblem, *, time_limit: float = EXACT_TIME_LIMIT) -> Selection:
    """The lexicographic optimum (or HiGHS's best within ``time_limit`` seconds): see :func:`solve`."""
    return solve(problem, solver="exact", time_limit=time_limit, exact_limit=problem.n).selection


def _lexicographic(
    problem: CoverProblem, fallback: _Fallback, deadline: float, known: Coverage | None
) -> Solution:
    """Essential coverage, optional coverage, then cost, each a MILP with the earlier optima as floors.

    When the deadline stops a stage, the better of HiGHS's best selection and the greedy's is returned,
    with the ratio to HiGHS's bound on that stage as its certificate."""
    program = _Program(problem)
    stages = _coverage_stages(problem, program, fallback, deadline, known)
    if isinstance(stages, Solution):
        return stages
    floors, optima, chosen = stages
    coverage = (optima.get(0, 0.0), optima.get(1, 0.0))
    try:
        result = program.solve(
            program.cost_row, floors, integral=True, seconds=deadline - time.perf_counter()
        )
    except UpskillError:
        if not fallback.enabled and not chosen:
            raise
        # out of time before any selection of this stage: the better of the last coverage stage's and the
        # greedy's, certified by the LP bound
        return _stopped(problem, chosen, fallback, optima, (2, "cost", float("nan")), coverage)
    chosen = program.chosen(result)
    if result.status != 0:
        return _stopped(problem, chosen, fallback, optima, (2, "cost", result.mip_dual_bound), coverage)
    selection = prune(problem, Selection(tuple(chosen), _edges_within(problem, chosen)))
    cost = value(problem, selection.chosen).cost
    return Solution(selection, Certificate("milp", 1.0, "cost", cost, cost), "exact", coverage)


_Floors = list[tuple[NDArray[np.float64], float]]


def _coverage_stages(
    problem: CoverProblem, program: _Program, fallback: _Fallback, deadline: float, known: Coverage | None
) -> tuple[_Floors, dict[int, float], list[int]] | Solution:
    """The optimal essential and optional coverage as floors for the cost stage, each stage's optimum, and
    the last stage's selection; or the answer when the deadline stopped a stage.

    A stage needs no solve when its optimum is ``known``, or is all the weight coverable: always without a
    money or hours limit (every candidate together is a valid selection), and with one when the greedy
    reaches it."""
    everything = _coverable_weight(problem)
    if known is None and problem.budget is None and problem.max_hours is None:
        known = everything
    reached = None
    if known is None and (greedy_selection := fallback.get()) is not None:
        reached = value(problem, greedy_selection.chosen)
    floors: _Floors = []
    optima: dict[int, float] = {}  # stage -> its optimum
    chosen: list[int] = []
    stages = (("essential coverage", program.ess_row), ("optional coverage", program.opt_row))
    for k, (name, row) in enumerate(stages):
        if not row.any():
            continue
        if known is not None:
            optima[k] = known[k]
        elif reached is not None and (reached.essential, reached.optional)[k] >= everything[k] * (
            1 - TOLERANCE
        ):
            optima[k] = (reached.essential, reached.optional)[k]
        else:
            reached = None  # a later stage's everything need not be reachable with this stage's optimum
            result = program.solve(-row, floors, integral=True, seconds=deadline - time.perf_counter())
            chosen = program.chosen(result)
            if result.status != 0:
                return _stopped(problem, chosen, fallback, optima, (k, name, -result.mip_dual_bound))
            # the floor is the coverage of the rounded solution, not HiGHS's objective, which may exceed it
            # by the feasibility tolerance and make the next stage infeasible
            got = value(problem, chosen)
            optima[k] = (got.essential, got.optional)[k]
        floors.append((row, optima[k]))
    return floors, optima, chosen


def _coverable_weight(problem: CoverProblem) -> Coverage:
    """The essential and optional weight of the skills some candidate covers."""
    covered = np.asarray(problem.coverage.sum(axis=0)).ravel() > 0
    weight = np.where(covered, problem.weight, 0.0)
    return float(weight[problem.essential].sum()), float(weight[~problem.essential].sum())


def _stopped(
    problem: CoverProblem,
    chosen: list[int],
    fallback: _Fallback,
    optima: Mapping[int, float],
    stopped: tuple[int, str, float],
    coverage: Coverage | None = None,
) -> Solution:
    """The time limit stopped a stage (0, 1: coverage; 2: cost; its name; HiGHS's bound) with HiGHS's best
    selection ``chosen``: the better of it and the greedy's, certified against the ``optima`` of the earlier
    stages and that bound. ``coverage``: the optimal coverage, when the coverage stages were done."""
    stage, name, bound = stopped
    selection, solver = prune(problem, Selection(tuple(chosen), _edges_within(problem, chosen))), "exact"
    greedy_selection = fallback.get()
    if greedy_selection is not None and value(problem, greedy_selection.chosen).better_than(
        value(problem, selection.chosen)
    ):
        selection, solver = greedy_selection, "greedy"
    got = value(problem, selection.chosen)
    if not np.isfinite(bound):  # stopped before HiGHS had a bound: the LP relaxation's
        return Solution(selection, certify(problem, selection, exact_limit=0), solver, coverage)
    have = (got.essential, got.optional, got.cost)
    for k, optimum in optima.items():
        if have[k] < optimum * (1 - 1e-6):
            label = ("essential coverage", "optional coverage")[k]
            return Solution(
                selection, Certificate("milp", have[k] / optimum, label, have[k], optimum), solver, coverage
            )
    if stage < 2:
        ratio = have[stage] / bound if bound > 0 else 1.0
    else:
        ratio = bound / have[stage] if have[stage] > 0 else 1.0
    certificate = Certificate("milp", min(1.0, ratio), name, have[stage], bound)
    return Solution(selection, certificate, solver, coverage)


def _kernel(problem: CoverProblem, deadline: float) -> Solution:
    """The better of the greedy's selection and the lexicographic MILP's on a *kernel* of the candidates:
    those the LP relaxation of some stage uses, and the greedy's (so the kernel holds a valid selection).

    The LP relaxations are solved stage by stage, each with the earlier stages' LP optima as floors; their
    optima bound every selection of the whole problem, so they certify the result at no further cost
    (:func:`_bounded`)."""
    program = _Program(problem)
    first = greedy(problem)
    keep = set(first.chosen)
    bounds: list[float] = []
    floors: _Floors = []
    everything = _coverable_weight(problem)
    limited = problem.budget is not None or problem.max_hours is not None
    for k, row in enumerate((program.ess_row, program.opt_row)):
        if not row.any():
            bounds.append(0.0)
            continue
        if limited:
            result = program.solve(-row, floors, integral=False, seconds=deadline - time.perf_counter())
            keep.update(np.flatnonzero(result.x[: problem.n] > SUPPORT).tolist())
            bounds.append(min(-result.fun, everything[k]))
        else:  # every candidate together is a valid selection: the optimum is all the coverable weight
            bounds.append(everything[k])
        floors.append((row, bounds[-1]))
    result = program.solve(program.cost_row, floors, integral=False, seconds=deadline - time.perf_counter())
    keep.update(np.flatnonzero(result.x[: problem.n] > SUPPORT).tolist())
    bounds.append(result.fun)
    sub, kept = _restricted(problem, keep)
    try:
        chosen = [kept[i] for i in _lexicographic(sub, _Fallback(sub, True), deadline, None).selection.chosen]
        selection = prune(problem, Selection(tuple(chosen), _edges_within(problem, chosen)))
    except UpskillError:
        selection = first
    used = "exact"
    if value(problem, first.chosen).better_than(value(problem, selection.chosen)):
        selection, used = first, "greedy"
    return Solution(selection, _bounded(value(problem, selection.chosen), bounds), used)


#: An LP relaxation "uses" a candidate whose variable is above this.
SUPPORT = 1e-6


def _restricted(problem: CoverProblem, keep: Collection[int]) -> tuple[CoverProblem, list[int]]:
    """``problem`` on the candidates ``keep`` (less those left with a requirement none of ``keep`` meets),
    and the original index of each of its candidates."""
    usable: set[int] = set()
    for i in sorted(keep, key=lambda i: (problem.rank[i], i)):  # options before the courses needing them
        if all(not usable.isdisjoint(req.options) for req in problem.requirements[i]):
            usable.add(i)
    kept = sorted(usable)
    new = {i: k for k, i in enumerate(kept)}
    requirements = tuple(
        tuple(
            Requirement(tuple(new[o] for o in req.options if o in new), req.origin, req.label)
            for req in problem.requirements[i]
        )
        for i in kept
    )
    sub = CoverProblem(
        ids=tuple(problem.ids[i] for i in kept),
        cost=problem.cost[kept],
        price=problem.price[kept],
        hours=problem.hours[kept],
        covers=tuple(problem.covers[i] for i in kept),
        weight=problem.weight,
        essential=problem.essential,
        requirements=requirements,
        rank=tuple(problem.rank[i] for i in kept),
        budget=problem.budget,
        max_hours=problem.max_hours,
    )
    return sub, kept


def _bounded(got: Value, bounds: Sequence[float]) -> Certificate:
    """``got`` against the LP bounds of the stages (essential and optional coverage, cost): the first stage
    on which it falls short decides; each later bound holds only for selections as good on the earlier."""
    have = (got.essential, got.optional, got.cost)
    for name, mine, bound in zip(("essential coverage", "optional coverage"), have, bounds, strict=False):
        if mine < bound * (1 - 1e-6):
            return Certificate("lp", mine / bound, name, mine, bound)
    ratio = min(1.0, bounds[2] / got.cost) if got.cost > 0 else 1.0
    return Certificate("lp", ratio, "cost", got.cost, bounds[2])


def _edges_within(
    problem: CoverProblem, chosen: Sequence[int]
) -> dict[int, tuple[tuple[int, Requirement], ...]]:
    """The provider of each requirement of the ``chosen`` courses: its first option chosen (the MILP meets
    every requirement of what it chooses)."""
    members = set(chosen)
    return {
        d: tuple((next(o for o in req.options if o in members), req) for req in problem.requirements[d])
        for d in chosen
    }


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
    method: Literal["milp", "lp"] = "milp" if integral else "lp"
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
            bound = -program.solve(-row, floors, integral=integral).fun
        if have < bound * (1 - 1e-6):
            return Certificate(method, have / bound, name, have, bound)
        floors.append((row, have))
    bound = program.solve(program.cost_row, floors, integral=integral).fun
    ratio = min(1.0, bound / got.cost) if got.cost > 0 else 1.0
    return Certificate(method, ratio, "cost", got.cost, bound)
