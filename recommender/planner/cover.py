"""Course selection: budgeted weighted set cover with prerequisites, solved exactly where it pays.

The problem, a selection and its lexicographic value (essential coverage, optional coverage, then cost) are
in :mod:`recommender.planner.selection`; the greedy in :mod:`recommender.planner.greedy`. Here:

* :func:`solve` -- what the planner calls. ``solver="auto"`` (the default) answers within ``TIME_LIMIT``
  seconds: up to ``AUTO_LIMIT`` candidates it solves the exact program, and when the time stops a stage,
  the better of HiGHS's selection so far and the greedy's is finished by *restricted* programs: the later
  stages (and the stopped one when the selection misses some coverable skill of the earlier kinds), each
  keeping every skill of the earlier stages that the selection covers, which answer in a few ms. Above
  ``AUTO_LIMIT`` the greedy answers alone. The certificate says how good the selection is: 1.0 when proven
  optimal, the proven ratio to the solver's bound when the time limit stopped it, and for a greedy
  selection its ratio to the LP bound (``none`` when no time is left for it).
  The optimal coverage it finds (``Solution.coverage``) holds for the same problem at another objective
  cost: the planner's second and third plans pass it back, with the selection reaching it, and solve the
  cost stage only, starting from that selection.
* :func:`exact` -- the lexicographic optimum as three mixed-integer programs (essential coverage, optional
  coverage, cost) solved by HiGHS (highspy), each starting from the selection of the one before (the
  first from the greedy's). The coverage programs need no solve without a money or hours limit (every
  candidate together is a valid selection, so the optimum is all the coverable weight), nor when the
  greedy already covers all of it.
* :func:`certify` -- the ratio of a selection to the optimum (MILP) or to the LP relaxation bound.

Results are deterministic unless the time limit stops the solver (the certificate then says so: its ratio
is below 1.0 or its method is ``none``).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Literal, NamedTuple

import highspy
import numpy as np
from numpy.typing import NDArray

from recommender.errors import UpskillError
from recommender.planner.greedy import greedy
from recommender.planner.model import Certificate
from recommender.planner.selection import (
    TOLERANCE,
    Coverage,
    CoverProblem,
    Requirement,
    Selection,
    Value,
    edges_within,
    flattened,
    ordered_edges,
    prune,
    repaired,
    unordered_loops,
    value,
)

__all__ = [  # the problem's names too, for the planner's modules and tests that import them from here
    "Coverage",
    "CoverProblem",
    "Requirement",
    "Selection",
    "Solution",
    "Value",
    "certify",
    "exact",
    "greedy",
    "prune",
    "solve",
    "value",
]

Solver = Literal["auto", "greedy", "exact"]

#: ``auto`` solves the MILP up to this many candidates; above, the greedy answers alone (issue 11's design).
#: Real gaps have up to ~170 candidates (the 200 automotive pairs of evaluation/bench_planner.py: median
#: 70). Development seed 12 (8 instances a size, TIME_LIMIT, load 5-7): with the MILP at every size, at 800
#: and 2,000 courses (764 and 1,906 candidates on average) every selection was the greedy's (ratio median /
#: worst 0.935 / 0.530 and 0.912 / 0.580 either way), and solve CPU p99 was 87 and 147 ms; at 400 courses
#: the MILP answered 4 of 8, ratio median 0.966 against the greedy's 0.964.
AUTO_LIMIT = 400
#: ``solver="exact"`` refuses more candidates than this.
EXACT_LIMIT = 400
#: Seconds (CPU: :data:`clock`, from the start of :func:`solve`) the ``auto`` solver takes in all: the
#: greedy (the fallback and HiGHS's first start), the MILP's stages until ``RESERVE`` seconds before the
#: end, then, when the time stopped a stage, the restricted programs of :func:`_stopped` and the
#: certificate in what is left. Sized to the latency target (a plan, build included, within 50 ms; three
#: plans on a real gap within 100).
TIME_LIMIT = 0.035
#: ``TIME_LIMIT`` of a solve at a known coverage (the planner's second and third plans): the cost stage only,
#: HiGHS given what ``RESERVE`` leaves. 11 ms (was 15): on the 200 real pairs under four requests (same_plans,
#: 2026-12-05, load 7.7) the same courses in all 800 answers, 8 certificates weaker (target ab360abd, whose
#: cost stages the time stops either way); its two bench_http bodies 5-8 ms CPU quicker. At 8 ms (= RESERVE)
#: HiGHS got no time and the greedy answered 150 of 800 (the same courses, LP certificates). When they follow
#: (``solve(more_plans=True)``), the first plan's cost stage, once HiGHS has solved a coverage stage, ends
#: within it too: the same program at the coverage found; where the time stops it, the restricted stage
#: finds the courses. A single plan keeps the whole ``TIME_LIMIT`` (on evaluation seed 20261208 one
#: 50-course instance of 20 fell from 1.0 to 0.745 with the cap: the restricted stage, also stopped, found
#: 181.3 for the optimum 135.2).
COST_TIME_LIMIT = 0.011
#: Seconds of ``TIME_LIMIT`` kept for what follows a stopped stage.
RESERVE = 0.008
#: Seconds each restricted stage (:func:`_restricted_stage`) may take at most. They pay on the real pairs: of
#: the 200 of bench_planner (scenario 1's limits), 197 get the same plans without them, and the 3 others
#: (the 107-gap-skill target, where the time stops HiGHS) plans of the same coverage 25-302 h longer; on
#: development seed 12 (200 and 400 courses) they changed no ratio beyond noise.
RESTRICTED_SECONDS = 0.01
#: Below this many seconds left, HiGHS is not started.
MIN_SECONDS = 0.001
#: Nor below this many seconds per non-zero of its program: HiGHS's presolve does not call the interrupt,
#: and took 3-7 us a non-zero (1-26 ms for 289-3,686 non-zeros: the first program of development seeds 7
#: and 11 at 100-400 courses), so a program started with less time ran past the deadline and ended without
#: even a bound (at 400 courses, the greedy's 14-22 ms left HiGHS 2-11 ms, and it took 11-28).
PRESOLVE_SECONDS_PER_NONZERO = 4e-6
#: HiGHS's wall-clock time limit, as a multiple of the CPU time limit (:func:`run_highs`).
WALL_FACTOR = 10.0
#: The planner's time limits are CPU seconds of the thread (``time.thread_time``), not wall-clock seconds:
#: on a quiet machine the two agree, and on a busy one HiGHS still gets its time (a wall-clock limit of 0.1 s
#: left it 12-30 ms of CPU at load 6-9, and answers moved with the load). A selection the time stopped can
#: still differ between runs: HiGHS looks at the time at points of its own (each 5-20 ms apart here).
clock = time.thread_time
INTERRUPT = highspy.cb.HighsCallbackType
#: Seconds ``solver="exact"`` gives HiGHS per selection.
EXACT_TIME_LIMIT = 10.0
#: A greedy selection's certificate compares it with the MILP optimum up to this many candidates and with
#: the LP relaxation bound above (an equally valid, if looser, guarantee at a fraction of the time).
CERTIFY_EXACT_LIMIT = 60
#: Relative slack on the coverage floors of later MILP stages (HiGHS feasibility tolerance is 1e-6).
FLOOR_SLACK = 1e-5
#: HiGHS options besides the time limit. Feasibility jump (a primal heuristic) costs ~12 ms of set-up per
#: solve, more than these small programs take to solve (measured with scipy 1.17's HiGHS: a 3-variable MILP
#: took p50 14 ms CPU with it and 2 ms without). HiGHS is called through highspy, not scipy's ``milp``:
#: scipy's wrapper cost ~2.4 ms CPU a call (checking options, converting the model), more than HiGHS took
#: on most real gaps (scenario 1's three plans: 9 ms in ``milp``, 2 in HiGHS).
HIGHS_OPTIONS = {"output_flag": False, "mip_rel_gap": 1e-9, "mip_heuristic_run_feasibility_jump": False}
#: HiGHS's presolve rules switched off (``presolve_rule_off``, a bit per rule) when it has under
#: ``PROBING_SECONDS``: probing (rule 15) looks at HiGHS's own wall-clock limit, not at the interrupt
#: callback, and took up to 40 ms of a 17 ms limit (development seed 7, 400 courses: solve p99 59 -> 42 ms
#: CPU with it off, the ratios the same or better on seed 7 at 50-400 courses). The exact solver keeps it.
NO_PROBING = 1 << 15
PROBING_SECONDS = 1.0


@dataclass(frozen=True)
class Solution:
    """A selection, how far it is from optimal, and which solver produced it (``exact`` or ``greedy``)."""

    selection: Selection
    certificate: Certificate
    solver: str
    #: the coverage the selection reaches, for solving the same problem at another objective cost: optimal,
    #: unless ``coverage_gap`` (the certificate of a coverage stage the time stopped) says how far it may be
    coverage: Coverage | None = None
    coverage_gap: Certificate | None = None


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector held off while a selection runs against its limits of CPU time
    (:data:`clock`), so that what it selects does not depend on when a collection falls: a full collection
    in a process holding ~570,000 objects (a test process serving the app) took 380 ms of the thread's CPU
    within a 35 ms solve, and the greedy answered in place of HiGHS. Collection resumes afterwards (garbage
    waits, nothing is lost). Where another thread's selection paused it already, that thread resumes it."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@collector_paused()
def solve(  # noqa: PLR0913 - the planner's knobs, all keyword-only with defaults
    problem: CoverProblem,
    *,
    solver: Solver = "auto",
    certify_greedy: bool = True,
    exact_limit: int = EXACT_LIMIT,
    auto_limit: int | None = None,
    time_limit: float | None = None,
    certify_exact_limit: int = CERTIFY_EXACT_LIMIT,
    coverage: Coverage | None = None,
    start: Sequence[int] = (),
    coverage_gap: Certificate | None = None,
    more_plans: bool = False,
) -> Solution:
    """Select courses with ``solver`` (see the module docstring) and certify the selection.

    Parameters
    ----------
    problem : CoverProblem
        The instance.
    solver : {"auto", "greedy", "exact"}
        ``auto``: the MILP within ``time_limit``, the greedy alone above ``auto_limit`` candidates;
        ``greedy``: the greedy only; ``exact``: the MILP only (at most ``exact_limit`` candidates).
    certify_greedy : bool
        Certify a greedy selection (:func:`certify`); a MILP selection is always certified, for free.
    exact_limit : int
        Most candidates ``exact`` takes.
    auto_limit : int, optional
        Most candidates ``auto`` gives the MILP (default ``AUTO_LIMIT``); above, the greedy answers alone.
    time_limit : float, optional
        Seconds the selection may take: default ``TIME_LIMIT`` (auto: everything, the certificate included)
        or ``EXACT_TIME_LIMIT`` (exact: HiGHS's stages).
    coverage : Coverage, optional
        The coverage of this problem, known from a solve of it under another objective cost
        (``Solution.coverage``): only the cost stage is left to solve, within ``COST_TIME_LIMIT``.
    start : sequence of int
        A selection reaching ``coverage`` (that solve's), for HiGHS to start the cost stage from.
    coverage_gap : Certificate, optional
        That solve's ``Solution.coverage_gap``: the certificate of a selection reaching ``coverage``.
    more_plans : bool
        The problem is solved again at the coverage found (the planner's second and third plans): at the
        default limits, the cost stage after a coverage stage HiGHS solved ends within ``COST_TIME_LIMIT``,
        as theirs do, so that the plans of a request share its time.

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
    default = EXACT_TIME_LIMIT if solver == "exact" else TIME_LIMIT if coverage is None else COST_TIME_LIMIT
    deadline = clock() + (time_limit if time_limit is not None else default)
    # the later plans' time for the cost stage after coverage stages HiGHS solved, when they follow
    cost_seconds = COST_TIME_LIMIT if more_plans and solver == "auto" and time_limit is None else None
    limit = AUTO_LIMIT if auto_limit is None else auto_limit
    if solver == "exact" or (solver == "auto" and problem.n <= limit):
        fallback = _Fallback(problem, solver != "exact")
        try:
            solution = _lexicographic(problem, fallback, deadline, coverage, start, cost_seconds)
            return _shared(problem, solution, coverage_gap)
        except UpskillError:
            if solver == "exact":
                raise
            certify_exact_limit = 0  # HiGHS ran out of time: the LP bound, which is quick
    selection = greedy(problem)
    if not certify_greedy:
        return Solution(selection, Certificate("none", None, "not certified"), "greedy")
    if solver == "greedy":
        return Solution(selection, certify(problem, selection, exact_limit=certify_exact_limit), "greedy")
    # auto: the LP bound, in the time left. None when that is less than HiGHS's presolve takes for the
    # non-zeros the program has at least (one per skill a course covers): it would not start (_left), and the
    # program is not built for nothing (7-11 ms at 2,000 candidates, whose presolve takes 60-75)
    least = sum(map(len, problem.covers)) * PRESOLVE_SECONDS_PER_NONZERO
    if deadline - clock() < max(MIN_SECONDS, least):
        return Solution(selection, Certificate("none", None, "not certified: out of time"), "greedy")
    return Solution(selection, _certified(_Program(problem), selection, 0, deadline), "greedy")


def _shared(problem: CoverProblem, solution: Solution, gap: Certificate | None) -> Solution:
    """``solution`` with the coverage it reaches, for the next solves of the problem (``Solution.coverage``),
    and, when it was solved at a known coverage not proven optimal (``gap``), that coverage's certificate:
    the first criterion on which it may fall short."""
    if gap is not None and solution.certificate.compared == "cost":
        return replace(solution, certificate=gap, coverage_gap=gap)
    if solution.coverage is None and solution.certificate.method != "none":
        got = value(problem, solution.selection.chosen)
        proven = solution.certificate.compared == "cost"
        return replace(
            solution,
            coverage=(got.essential, got.optional),
            coverage_gap=None if proven else solution.certificate,
        )
    return solution


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


# --- mixed-integer programs ---------------------------------------------------------------------------


class _Program:
    """The constraint rows shared by the stages, built with numpy.

    Variables: x (n courses, binary), y (m skills, "covered"), z (one per distinct options tuple, "some
    option chosen"). Rows: y_s <= sum of x over the courses covering s; z_g <= sum of x over the options
    of g; x_i <= z_g for each requirement of course i (level-order requirements share long options tuples,
    so this takes far fewer non-zeros than one row "x_i <= sum of its options" per requirement, and the LP
    relaxation is the same); then the money and hours limits.

    A requirement's options tuple holds its options of its loop (``Requirement.in_loop``) too: the program is
    a relaxation where a course on a loop of the requirement graph (``CoverProblem.loop``) may meet a
    requirement with any option of its loop, taken before it or not. An optimum whose courses can be ordered
    is the optimum; most are (none of the 200 real pairs has a loop at all). When HiGHS chooses courses of a
    loop that cannot be ordered, the loop is *ordered* (:attr:`ordered`, :meth:`solve`): a course of it may
    meet a requirement with an option of its loop only if the option comes first. For each such pair
    (course i, option o), e_io ("o chosen and taken before i", e_io <= x_o), and for each course of an
    ordered loop a position t in [0, 1] with t_o + 1/L <= t_i when e_io = 1 (L: the courses with a position,
    so any order of them fits): the row t_o - t_i + (1 + 1/L) e_io <= 1, with e_io binary. Such a
    requirement's row is x_i <= sum of x over its options outside the loop + sum of e_io over those inside,
    in place of x_i <= z_g. The e and t columns come after x, y and z: they exist only once a loop is ordered
    (at 2,000 synthetic courses, ~25,000 of them: built for every program, they took 10x the time of the
    rest of the program in HiGHS's LP). The ordered program, 2.5-3.6 times the rows, is often not finished
    in the time, while the relaxation's selection is near its optimum: that selection made orderable
    (:func:`~recommender.planner.selection.repaired`: options added, then courses exchanged for cheaper ones
    and dropped) starts it, and answers (:func:`_stopped`) when the ordered program gets no time
    (development seed 11, 50 courses, instance 8: 0.916 -> 0.977; seed 7, 200 courses, instance 6: 0.856 ->
    0.984 with options added only, 1.000 with the exchanges).
    """

    def __init__(self, problem: CoverProblem, *, lazy: bool = True):
        self.problem = problem
        n, m = problem.n, problem.m
        loop = problem.loop
        groups: dict[tuple[int, ...], int] = {}
        needing: list[int] = []  # course of each requirement
        needed: list[int] = []  # its options tuple's group
        # requirements meetable inside a loop: (requirement, course, options outside its loop, inside)
        self._on_loop: list[tuple[int, int, list[int], list[int]]] = []
        for i, reqs in enumerate(problem.requirements):
            for req in reqs:
                merged = req.options + req.in_loop
                if loop and loop[i] >= 0:
                    inside = [o for o in merged if loop[o] == loop[i]]
                    if inside:
                        outside = [o for o in req.options if loop[o] != loop[i]]
                        self._on_loop.append((len(needing), i, outside, inside))
                needing.append(i)
                needed.append(groups.setdefault(merged, len(groups)))
        self.groups = list(groups)
        g, k = len(groups), len(needing)
        cover_sizes, covered = flattened(problem.covers)
        option_sizes, options = flattened([set(group) for group in self.groups])
        x, y, z = 0, n, n + m  # first column of each block
        self._blocks: list[_Block] = [
            (covered, x + np.repeat(np.arange(n), cover_sizes), -1.0),
            (np.arange(m), y + np.arange(m), 1.0),
            (m + np.repeat(np.arange(g), option_sizes), x + options, -1.0),
            (m + np.arange(g), z + np.arange(g), 1.0),
            (m + g + np.arange(k), x + np.asarray(needing, dtype=np.int64), 1.0),
            (m + g + np.arange(k), z + np.asarray(needed, dtype=np.int64), -1.0),
        ]
        self._upper = [0.0] * (m + g + k)
        self._first_requirement = m + g
        for limit, column in ((problem.budget, problem.price), (problem.max_hours, problem.hours)):
            if limit is not None:
                self._blocks.append((np.full(n, len(self._upper)), x + np.arange(n), column))
                self._upper.append(float(limit) * (1 + TOLERANCE))
        self.columns = n + m + g  # x, y, z: the columns of the objective and floor rows
        #: orderable selections made of HiGHS's selections that could not be ordered (``selection.repaired``)
        self.repaired: list[list[int]] = []
        #: the loops ordered so far (all of them when not ``lazy``), kept for the later stages
        self.ordered: set[int] = set() if lazy else {loop[i] for _, i, _, _ in self._on_loop}
        self._built: tuple[frozenset[int], Rows, _Order] | None = None
        zeros = np.zeros(g)
        self.ess_row = np.concatenate([np.zeros(n), np.where(problem.essential, problem.weight, 0.0), zeros])
        self.opt_row = np.concatenate([np.zeros(n), np.where(problem.essential, 0.0, problem.weight), zeros])
        self.cost_row = np.concatenate([problem.cost, np.zeros(m), zeros])

    def _rows_and_order(self) -> tuple[Rows, _Order]:
        """The rows, and the order columns, of the program with the loops of :attr:`ordered` ordered."""
        key = frozenset(self.ordered)
        if self._built is None or self._built[0] != key:
            self._built = (key, *self._build(key))
        return self._built[1], self._built[2]

    def _build(self, ordered: frozenset[int]) -> tuple[Rows, _Order]:
        n, loop = self.problem.n, self.problem.loop
        blocks, upper = list(self._blocks), np.asarray(self._upper)
        on_loop = [entry for entry in self._on_loop if loop[entry[1]] in ordered]
        order = _Order({}, {}, 0.0)
        if on_loop:
            upper = upper.copy()  # their rows x_i <= z_g off
            upper[self._first_requirement + np.array([r for r, _, _, _ in on_loop])] = np.inf
            courses = np.asarray([i for _, i, _, _ in on_loop], dtype=np.int64)
            inside_sizes, insiders = flattened([inside for _, _, _, inside in on_loop])
            needs = np.repeat(courses, inside_sizes)  # the course of each inside option
            pairs = np.unique(np.stack([needs, insiders], axis=1), axis=0)  # (i, o), sorted
            placed = np.unique(pairs)
            e_first, t_first = self.columns, self.columns + len(pairs)
            order = _Order(
                dict(zip(map(tuple, pairs.tolist()), range(e_first, t_first), strict=True)),
                dict(zip(placed.tolist(), range(t_first, t_first + len(placed)), strict=True)),
                1.0 / len(placed),
            )
            at = len(upper) + np.arange(len(on_loop))  # x_i - outside x - inside e <= 0
            outside_sizes, outside = flattened([options for _, _, options, _ in on_loop])
            e = e_first + np.searchsorted(pairs[:, 0] * n + pairs[:, 1], needs * n + insiders)
            columns = e_first + np.arange(len(pairs))
            at_e = len(upper) + len(on_loop) + np.arange(len(pairs))  # e_io <= x_o
            at_t = at_e + len(pairs)  # t_o - t_i + (1 + 1/L) e_io <= 1
            blocks += [
                (at, courses, 1.0),
                (np.repeat(at, outside_sizes), outside, -1.0),
                (np.repeat(at, inside_sizes), e, -1.0),
                (at_e, columns, 1.0),
                (at_e, pairs[:, 1], -1.0),
                (at_t, t_first + np.searchsorted(placed, pairs[:, 1]), 1.0),
                (at_t, t_first + np.searchsorted(placed, pairs[:, 0]), -1.0),
                (at_t, columns, 1.0 + order.step),
            ]
            upper = np.concatenate([upper, np.zeros(len(on_loop) + len(pairs)), np.ones(len(pairs))])
        rows = np.concatenate([b[0] for b in blocks])
        by_row = np.argsort(rows, kind="stable")  # the compressed sparse row arrays
        return Rows(
            starts=np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=len(upper)))]),
            indices=np.concatenate([b[1] for b in blocks])[by_row],
            values=np.concatenate(
                [np.broadcast_to(np.asarray(v, dtype=np.float64), r.shape) for r, _, v in blocks]
            )[by_row],
            lower=np.full(len(upper), -np.inf),
            upper=upper,
            columns=self.columns + len(order.before) + len(order.position),
        ), order

    @property
    def rows(self) -> Rows:
        """The rows of the program with the loops of :attr:`ordered` ordered."""
        return self._rows_and_order()[0]

    @property
    def integrality(self) -> list[highspy.HighsVarType]:
        """x and the e of the ordered loops binary, the others continuous (y and z are integral when x is)."""
        integer, continuous = highspy.HighsVarType.kInteger, highspy.HighsVarType.kContinuous
        rows, order = self._rows_and_order()
        n, e, t = self.problem.n, len(order.before), len(order.position)
        return [integer] * n + [continuous] * (self.columns - n) + [integer] * e + [continuous] * t

    def solve(  # noqa: PLR0913 - one program's parts, keyword-only
        self,
        objective: NDArray[np.float64],
        floors: Sequence[tuple[NDArray[np.float64], float]],
        *,
        integral: bool,
        seconds: float | None = None,
        fixed: Collection[int] = (),
        start: Sequence[int] | None = None,
    ) -> Answer:
        """Minimise ``objective`` subject to the rows, ``row @ z >= floor`` for each floor and every skill of
        ``fixed`` covered, in at most ``seconds``; ``start``: a selection meeting all of them, for HiGHS to
        start from (a MILP only). Raises when HiGHS has no solution (without ``fixed``, x = y = 0 is always
        feasible, so it stopped). ``objective`` and the floors' rows span x, y and z (:attr:`columns`).

        A MILP whose courses cannot be ordered is solved again with the loops they are stuck on ordered
        (:attr:`ordered`, kept for the later stages), until they can: the relaxation's bound holds for the
        whole program, and an orderable optimum of the relaxation is the whole program's."""
        deadline = None if seconds is None else clock() + seconds
        while True:
            rows = self.rows
            for row, floor in floors:
                rows = rows.with_row(row, floor - FLOOR_SLACK * max(1.0, abs(floor)), np.inf)
            col_lower = np.zeros(rows.columns)
            if fixed:
                col_lower[self.problem.n + np.fromiter(fixed, dtype=np.int64)] = 1.0
            answer = run_highs(
                np.concatenate([objective, np.zeros(rows.columns - len(objective))]),
                rows=rows,
                col_lower=col_lower,
                integrality=self.integrality if integral else None,
                time_limit=_left(deadline, len(rows.indices) * PRESOLVE_SECONDS_PER_NONZERO),
                start=self.point(start) if start is not None and integral else None,
            )
            if answer.x is None:
                raise UpskillError(
                    f"the MILP solver (HiGHS) found no solution: {answer.message}; "
                    "use the greedy solver instead"
                )
            stuck = unordered_loops(self.problem, self.chosen(answer)) - self.ordered if integral else set()
            if not stuck:
                return answer
            self.ordered |= stuck
            # HiGHS's selection, made orderable, starts the ordered program when better than ``start`` (it
            # meets the floors: it covers every skill HiGHS's did), and is kept for _stopped if that has no
            # time; its exchanges stop at this program's deadline
            orderable = repaired(self.problem, self.chosen(answer), _past(deadline))
            if orderable is not None:
                self.repaired.append(orderable)
                if start is None or value(self.problem, orderable).better_than(value(self.problem, start)):
                    start = orderable

    def point(self, chosen: Sequence[int]) -> NDArray[np.float64]:
        """The program's variables for the selection ``chosen``: its courses, the skills they cover, the
        options tuples they meet and, on ordered loops, their order."""
        problem = self.problem
        x, y = np.zeros(problem.n), np.zeros(problem.m)
        x[list(chosen)] = 1.0
        for i in chosen:
            y[list(problem.covers[i])] = 1.0
        z = [float(any(x[o] for o in options)) for options in self.groups]
        _, order = self._rows_and_order()
        columns = np.zeros(len(order.before) + len(order.position))
        edges = ordered_edges(problem, chosen) if order.before else None
        if edges is not None:  # positions in the order found, e where an option of the loop comes first
            taken = {c: k for k, c in enumerate(c for c in edges if c in order.position)}
            for c, k in taken.items():
                columns[order.position[c] - self.columns] = k / len(order.position)
            for (i, o), e in order.before.items():
                columns[e - self.columns] = float(i in taken and o in taken and taken[o] < taken[i])
        return np.concatenate([x, y, z, columns])

    def chosen(self, result: Answer) -> list[int]:
        """The courses a MILP's solution chooses, options before the courses needing them."""
        assert result.x is not None
        n = self.problem.n
        return sorted((i for i in range(n) if result.x[i] > 0.5), key=lambda i: (self.problem.rank[i], i))


_Block = tuple[NDArray[np.int64], NDArray[np.int64], float | NDArray[np.float64]]  # rows, columns, values


class _Order(NamedTuple):
    """The order columns of the ordered loops: e of each (course, option of its loop), t of each course
    with a position, and the position step 1/L."""

    before: dict[tuple[int, int], int]
    position: dict[int, int]
    step: float


@dataclass(frozen=True)
class Answer:
    """What HiGHS answered: the variables (None: no solution), ``status`` 0 when optimal (1: stopped by the
    time limit with a solution), HiGHS's status in words, the objective and HiGHS's bound on it (a MILP)."""

    x: NDArray[np.float64] | None
    status: int
    message: str
    fun: float
    mip_dual_bound: float


class Rows(NamedTuple):
    """Linear rows ``lower <= A @ v <= upper`` over ``columns`` variables, A by rows (compressed sparse row:
    row r's columns ``indices[starts[r]:starts[r + 1]]``, its coefficients ``values[...]``)."""

    starts: NDArray[np.int64]
    indices: NDArray[np.int64]
    values: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    columns: int

    def with_row(self, row: NDArray[np.float64], lower: float, upper: float) -> Rows:
        """These rows and ``lower <= row @ v <= upper`` (``row`` dense)."""
        used = np.flatnonzero(row)
        return Rows(
            np.append(self.starts, self.starts[-1] + len(used)),
            np.concatenate([self.indices, used]),
            np.concatenate([self.values, row[used]]),
            np.append(self.lower, lower),
            np.append(self.upper, upper),
            self.columns,
        )


def run_highs(
    objective: NDArray[np.float64],
    *,
    rows: Rows,
    col_lower: NDArray[np.float64],
    integrality: list[highspy.HighsVarType] | None,
    time_limit: float | None,
    start: NDArray[np.float64] | None,
) -> Answer:
    """Minimise ``objective`` over variables in [``col_lower``, 1] within ``rows`` (integer where
    ``integrality`` says so; None: the LP relaxation), starting from ``start`` if given, with HiGHS
    (highspy) within ``time_limit`` seconds of this thread's CPU time (:func:`clock`), checked at HiGHS's
    interrupt points (a wall-clock limit of ``WALL_FACTOR`` times as many seconds too, for a machine so busy
    that the thread gets a tenth of a core)."""
    lp = highspy.HighsLp()
    lp.num_row_, lp.num_col_ = len(rows.lower), rows.columns
    lp.col_cost_ = objective
    lp.col_lower_ = col_lower
    lp.col_upper_ = np.ones(rows.columns)
    lp.row_lower_ = rows.lower
    lp.row_upper_ = rows.upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = rows.starts
    lp.a_matrix_.index_ = rows.indices
    lp.a_matrix_.value_ = rows.values
    if integrality is not None:
        lp.integrality_ = integrality
    highs = highspy.Highs()
    for name, setting in HIGHS_OPTIONS.items():
        highs.setOptionValue(name, setting)
    if time_limit is not None:
        highs.setOptionValue("time_limit", WALL_FACTOR * max(time_limit, MIN_SECONDS))
        if time_limit < PROBING_SECONDS:
            highs.setOptionValue("presolve_rule_off", NO_PROBING)
        end = clock() + time_limit

        def interrupt(kind: object, message: str, out: object, data_in: Any, user: object) -> None:
            if clock() > end:
                data_in.user_interrupt = True

        highs.setCallback(interrupt, None)
        for kind in (INTERRUPT.kCallbackMipInterrupt, INTERRUPT.kCallbackSimplexInterrupt):
            highs.startCallback(kind)
    if highs.passModel(lp) == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS refused the program: a bug in how the planner builds it")
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = start
        solution.value_valid = True
        highs.setSolution(solution)
    highs.run()
    status, info = highs.getModelStatus(), highs.getInfo()
    optimal = status == highspy.HighsModelStatus.kOptimal
    stopped = status in (highspy.HighsModelStatus.kInterrupt, highspy.HighsModelStatus.kTimeLimit)
    # a MILP stopped by the time limit may hold a selection; an LP stopped early gives no bound to use
    found = optimal or (integrality is not None and info.primal_solution_status == FEASIBLE)
    # stopped once its bound had met its selection, before it said so: optimal all the same (development
    # seed 11, 50 courses: a stage stopped so, then finished by the restricted stages, came out at 0.714)
    proven = optimal or (found and integrality is not None and info.mip_gap <= HIGHS_OPTIONS["mip_rel_gap"])
    return Answer(
        np.asarray(highs.getSolution().col_value) if found else None,
        0 if proven else 1,
        "Time limit reached" if stopped and not proven else highs.modelStatusToString(status),
        info.objective_function_value,
        info.mip_dual_bound,
    )


#: HiGHS's ``primal_solution_status`` of a feasible solution.
FEASIBLE = 2


def exact(problem: CoverProblem, *, time_limit: float = EXACT_TIME_LIMIT) -> Selection:
    """The lexicographic optimum (or HiGHS's best within ``time_limit`` seconds): see :func:`solve`."""
    return solve(problem, solver="exact", time_limit=time_limit, exact_limit=problem.n).selection


def _lexicographic(
    problem: CoverProblem,
    fallback: _Fallback,
    deadline: float,
    known: Coverage | None,
    start: Sequence[int] = (),
    cost_seconds: float | None = None,
) -> Solution:
    """Essential coverage, optional coverage, then cost, each a MILP held to the earlier optima (a floor row,
    or every coverable skill of the kind covered when the optimum is all of them: :func:`_floor`).

    When the deadline stops a stage, the best of HiGHS's selection so far (of that stage or the one before)
    and the greedy's goes through *restricted* programs for that stage and the later ones
    (:func:`_restricted_stage`: a few ms each), with the ratio to HiGHS's bound on the stopped stage as its
    certificate (:func:`_stopped`). Each stage starts from the selection of the stage before (the first from
    the greedy's, the cost stage of a ``known`` coverage from ``start``), which meets its floors. When HiGHS
    solved a coverage stage, the cost stage ends within ``cost_seconds`` (if given) of its start."""
    program = _Program(problem)
    reserve = RESERVE if fallback.enabled else 0.0
    everything = _coverable_weight(problem)
    if known is None and problem.budget is None and problem.max_hours is None:
        known = everything  # every candidate together is a valid selection
    # the greedy first, unless a known coverage comes with a selection reaching it: HiGHS's start and the
    # fallback (computed within the time, not after it); a coverage stage needs no solve when the greedy
    # reaches all the coverable weight
    reached = fallback.get() if known is None or not start else None
    reached_coverage = None if reached is None else value(problem, reached.chosen)
    greedy_chosen = [] if reached is None else list(reached.chosen)
    floors: _Floors = []
    fixed: set[int] = set()  # the skills of the stages whose optimum is all their coverable weight
    optima: dict[int, float] = {}  # stage -> its optimum
    chosen: list[int] = list(start) if known is not None else []  # the selection of the last stage solved
    stages = (("essential coverage", program.ess_row), ("optional coverage", program.opt_row), ("cost", None))
    solved_coverage = False  # whether HiGHS solved a coverage stage
    for k, (name, row) in enumerate(stages):
        if row is not None and not row.any():
            continue
        optimum = None if row is None else _unsolved_optimum(k, known, reached_coverage, everything)
        if row is not None and optimum is not None:
            optima[k] = optimum
            _floor(problem, (k, row, optimum), everything, floors, fixed)
            chosen = greedy_chosen or chosen  # the greedy's when it reached this optimum
            continue
        reached_coverage = None  # a later stage's everything need not be reachable with this optimum
        coverage = (optima.get(0, 0.0), optima.get(1, 0.0)) if row is None else None
        if row is None and solved_coverage and cost_seconds is not None:
            deadline = min(deadline, clock() + cost_seconds)
        # the last stage's selection, if HiGHS's (_stopped weighs the greedy's as the greedy's)
        candidates = [chosen] if chosen and chosen != greedy_chosen else []
        objective = program.cost_row if row is None else -row
        try:
            result = program.solve(
                objective,
                floors,
                integral=True,
                seconds=deadline - reserve - clock(),
                fixed=fixed,
                start=chosen or greedy_chosen or None,
            )
        except UpskillError:
            if not fallback.enabled and not candidates:
                raise
            # out of time before any selection of this stage: certified by the LP bound
            return _stopped(
                program, candidates, fallback, optima, (k, name, float("nan")), deadline, coverage
            )
        if result.status != 0:
            bound = result.mip_dual_bound if row is None else -result.mip_dual_bound
            candidates.insert(0, program.chosen(result))
            return _stopped(program, candidates, fallback, optima, (k, name, bound), deadline, coverage)
        chosen = program.chosen(result)
        if row is not None:
            # the floor is the coverage of the rounded solution, not HiGHS's objective, which may exceed it
            # by the feasibility tolerance and make the next stage infeasible
            got = value(problem, chosen)
            optima[k] = (got.essential, got.optional)[k]
            _floor(problem, (k, row, optima[k]), everything, floors, fixed)
            solved_coverage = True
    selection = prune(problem, Selection(tuple(chosen), edges_within(problem, chosen)))
    cost = value(problem, selection.chosen).cost
    coverage = (optima.get(0, 0.0), optima.get(1, 0.0))
    return Solution(selection, Certificate("milp", 1.0, "cost", cost, cost), "exact", coverage)


_Floors = list[tuple[NDArray[np.float64], float]]


def _floor(
    problem: CoverProblem,
    stage: tuple[int, NDArray[np.float64], float],
    everything: Coverage,
    floors: _Floors,
    fixed: set[int],
) -> None:
    """Hold the later stages to a coverage stage's optimum (``stage``: 0 essential or 1 optional, its row,
    its optimum): when that is all the coverable weight of its kind (``everything``), with every coverable
    skill of the kind covered (y fixed at 1, added to ``fixed``), else with a floor row (weighted coverage >=
    the optimum). HiGHS solves the first far sooner: development seeds 7, 8, 11 and 12, the no-budget cost
    stages at 200 courses from the greedy's start, ~35 % less CPU in all, the same optima."""
    k, row, optimum = stage
    if optimum >= everything[k] * (1 - TOLERANCE):
        fixed.update(s for c in problem.covers for s in c if bool(problem.essential[s]) == (k == 0))
    else:
        floors.append((row, optimum))


def _unsolved_optimum(
    k: int, known: Coverage | None, reached: Value | None, everything: Coverage
) -> float | None:
    """The optimum of coverage stage ``k`` (0: essential, 1: optional) when it needs no solve: ``known``,
    or all the coverable weight when the greedy selection ``reached`` it; else None."""
    if known is not None:
        return known[k]
    if reached is not None and (reached.essential, reached.optional)[k] >= everything[k] * (1 - TOLERANCE):
        return (reached.essential, reached.optional)[k]
    return None


def _coverable_weight(problem: CoverProblem) -> Coverage:
    """The essential and optional weight of the skills some candidate covers."""
    covered = np.zeros(problem.m, dtype=bool)
    covered[flattened(problem.covers)[1]] = True
    weight = np.where(covered, problem.weight, 0.0)
    return float(weight[problem.essential].sum()), float(weight[~problem.essential].sum())


def _stopped(
    program: _Program,
    candidates: Sequence[Sequence[int]],
    fallback: _Fallback,
    optima: Mapping[int, float],
    stopped: tuple[int, str, float],
    deadline: float,
    coverage: Coverage | None = None,
) -> Solution:
    """The time limit stopped a stage (0, 1: coverage; 2: cost; its name; HiGHS's bound, NaN if none):
    the best of the ``candidates`` (selections of that stage or the one before, the first kept on a tie) and
    the greedy's, improved by the restricted programs of the later stages and of that stage, unless that one
    would be the stopped program again (:func:`_restricted_stage`), certified against the ``optima`` of the
    earlier stages and that bound. ``coverage``: the optimal coverage, when the coverage stages were done.

    The stopped stage itself once had a restricted program on a kernel (its LP relaxation's candidates and
    the selection's): on development seeds 7, 8, 11 and 12 (48 instances a size, 50-400 courses) it improved
    1 selection in 75 calls, and without it the later stages get its time: below 0.95 at 100 courses
    2 / 3 / 2 -> 1 / 2 / 1 (seed 7 instance 1: the essential optimum found but not proven, then the optional
    stage in time: 0.827 -> 1.000), 50 and 200 courses the same (2, 6 of 48)."""
    problem = program.problem
    stage, name, bound = stopped
    selection, solver = Selection((), {}), "exact"
    candidates = [*candidates, *program.repaired]
    for chosen in candidates:
        pruned = prune(problem, Selection(tuple(chosen), edges_within(problem, chosen)))
        if value(problem, pruned.chosen).better_than(value(problem, selection.chosen)):
            selection = pruned
    greedy_selection = fallback.get()
    if greedy_selection is not None and value(problem, greedy_selection.chosen).better_than(
        value(problem, selection.chosen)
    ):
        selection, solver = greedy_selection, "greedy"
    everything = _coverable_weight(problem)
    for later in range(stage, 3):
        now = value(problem, selection.chosen)
        # restricted to all the coverable skills of the earlier kinds, the stopped stage is itself again: it
        # is not solved twice
        itself = later == stage and all(
            h >= e * (1 - TOLERANCE)
            for h, e in zip((now.essential, now.optional)[:later], everything, strict=False)
        )
        if (
            not itself
            and selection.chosen
            and (improved := _restricted_stage(program, later, selection.chosen, deadline))
        ):
            selection, solver = (
                prune(problem, Selection(tuple(improved), edges_within(problem, improved))),
                "exact",
            )
    got = value(problem, selection.chosen)
    if not np.isfinite(bound):  # stopped before HiGHS had a bound: the LP relaxation's
        return Solution(selection, _certified(program, selection, 0, deadline), solver, coverage)
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


def _objective(program: _Program, stage: int) -> NDArray[np.float64]:
    """What stage 0 (essential coverage, maximised), 1 (optional coverage, maximised) or 2 (cost)
    minimises."""
    return (-program.ess_row, -program.opt_row, program.cost_row)[stage]


def _fixed(problem: CoverProblem, stage: int, chosen: Sequence[int]) -> set[int]:
    """The skills of the stages before ``stage`` that ``chosen`` covers."""
    covered = {s for i in chosen for s in problem.covers[i]}
    return (set(), {s for s in covered if problem.essential[s]}, covered)[stage]


def _restricted_stage(
    program: _Program, stage: int, chosen: Sequence[int], deadline: float
) -> list[int] | None:
    """A better selection than ``chosen`` for ``stage`` (1: optional coverage, 2: cost), or None: the
    stage's program *restricted* to covering every skill of the earlier stages' kinds that ``chosen``
    covers (those skills' y fixed at 1, instead of a floor on their total weight), within
    ``RESTRICTED_SECONDS``. Much quicker than the stage itself (a few ms where the stage with floors takes
    0.1-1.5 s): on the 9 hardest instances of development seed 7 at 100-400 candidates, its optimum was the
    stage's own every time."""
    problem = program.problem
    seconds = min(RESTRICTED_SECONDS, deadline - clock())
    if (stage == 1 and not program.opt_row.any()) or seconds < MIN_SECONDS:
        return None
    try:
        result = program.solve(
            _objective(program, stage),
            [],
            integral=True,
            seconds=seconds,
            fixed=_fixed(problem, stage, chosen),
            start=chosen,
        )
    except UpskillError:  # no answer in time
        return None
    return _if_better(problem, program.chosen(result), chosen)


def _if_better(problem: CoverProblem, better: list[int], chosen: Sequence[int]) -> list[int] | None:
    """``better`` if its value beats ``chosen``'s, else None."""
    return better if value(problem, better).better_than(value(problem, chosen)) else None


def certify(problem: CoverProblem, selection: Selection, *, exact_limit: int = EXACT_LIMIT) -> Certificate:
    """How far ``selection`` is from optimal: exact MILP up to ``exact_limit`` candidates, else the LP bound.

    The criteria are compared in order; the first on which the selection falls short of the bound decides:
    coverage ratios are selection / optimum, the cost ratio is optimum / selection (both 1.0 when optimal).
    A solver failure gives a certificate of method ``none`` that says so, rather than no plan.
    """
    if problem.n == 0 or problem.m == 0:
        return Certificate("none", 1.0, "nothing to select")
    return _certified(_Program(problem), selection, exact_limit)


def _certified(
    program: _Program, selection: Selection, exact_limit: int, deadline: float | None = None
) -> Certificate:
    """:func:`certify` on the problem's ``program``, each program solved by the ``deadline`` if given."""
    try:
        return _certify(program, selection, exact_limit, deadline)
    except UpskillError as error:
        return Certificate("none", None, f"not certified: {error}")


def _certify(
    program: _Program, selection: Selection, exact_limit: int, deadline: float | None
) -> Certificate:
    problem = program.problem
    integral = problem.n <= exact_limit
    method: Literal["milp", "lp"] = "milp" if integral else "lp"
    got = value(problem, selection.chosen)
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
            bound = -program.solve(-row, floors, integral=integral, seconds=_seconds(deadline)).fun
        if have < bound * (1 - 1e-6):
            return Certificate(method, have / bound, name, have, bound)
        floors.append((row, have))
    bound = program.solve(program.cost_row, floors, integral=integral, seconds=_seconds(deadline)).fun
    ratio = min(1.0, bound / got.cost) if got.cost > 0 else 1.0
    return Certificate(method, ratio, "cost", got.cost, bound)


def _seconds(deadline: float | None) -> float | None:
    """Seconds left until ``deadline`` (None: no limit)."""
    return None if deadline is None else deadline - clock()


def _past(deadline: float | None) -> Callable[[], bool]:
    """Whether :func:`clock` is past ``deadline`` (None: never)."""
    return lambda: deadline is not None and clock() > deadline


def _left(deadline: float | None, least: float = 0.0) -> float | None:
    """Seconds left until ``deadline`` (None: no limit); raises when there is no time left for HiGHS (less
    than ``MIN_SECONDS``, or than ``least``)."""
    if deadline is None:
        return None
    left = deadline - clock()
    if left < max(MIN_SECONDS, least):
        raise UpskillError("out of time")
    return left
