"""The selection solvers against brute force, and what happens when HiGHS's time limit stops it."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from recommender.planner import cover
from recommender.planner.cover import CoverProblem, Requirement, Selection, Value, greedy, prune, solve, value
from recommender.planner.selection import edges_within, ordered_edges, repaired


def random_problem(
    rng: np.random.Generator, n: int, m: int, *, limited: bool, shared: bool = False
) -> CoverProblem:
    """Courses covering 1-3 of ``m`` skills, a third with a requirement met by one or two earlier courses;
    ``shared``: half the requirements reuse an earlier requirement's options (as level order does)."""
    requirements: list[tuple[Requirement, ...]] = []
    rank: list[int] = []
    pool: list[tuple[int, ...]] = []
    for i in range(n):
        if i >= 2 and rng.random() < 0.35:
            if shared and pool and rng.random() < 0.5:
                options = pool[int(rng.integers(len(pool)))]
            else:
                options = tuple(int(o) for o in rng.choice(i, size=int(rng.integers(1, 3)), replace=False))
                pool.append(options)
            requirements.append((Requirement(options, "catalogue", f"one of {options}"),))
            rank.append(1 + max(rank[o] for o in options))
        else:
            requirements.append(())
            rank.append(0)
    price = np.round(rng.uniform(0, 100, n), 0)
    return CoverProblem(
        ids=tuple(f"c{i}" for i in range(n)),
        cost=np.round(rng.uniform(1, 20, n), 1),
        price=price,
        hours=np.round(rng.uniform(1, 30, n), 0),
        covers=tuple(
            frozenset(int(s) for s in rng.choice(m, size=int(rng.integers(1, 4)), replace=False))
            for _ in range(n)
        ),
        weight=np.round(rng.uniform(0.5, 2.0, m), 2),
        essential=rng.random(m) < 0.6,
        requirements=tuple(requirements),
        rank=tuple(rank),
        budget=float(price.sum() * rng.uniform(0.15, 0.5)) if limited else None,
        max_hours=40.0 if limited and rng.random() < 0.5 else None,
    )


def feasible(problem: CoverProblem, chosen: set[int]) -> bool:
    """Every requirement of a chosen course met by a chosen option, within the money and hours limits."""
    if any(not set(req.options) & chosen for i in chosen for req in problem.requirements[i]):
        return False
    price, hours = sum(problem.price[i] for i in chosen), sum(problem.hours[i] for i in chosen)
    return (problem.budget is None or price <= problem.budget * (1 + 1e-7)) and (
        problem.max_hours is None or hours <= problem.max_hours * (1 + 1e-7)
    )


def brute_force(problem: CoverProblem) -> Value:
    """The lexicographic optimum over every feasible subset of the candidates."""
    best = Value(0.0, 0.0, 0.0)
    for size in range(1, problem.n + 1):
        for subset in itertools.combinations(range(problem.n), size):
            if feasible(problem, set(subset)):
                got = value(problem, subset)
                if got.better_than(best):
                    best = got
    return best


@pytest.mark.parametrize(("limited", "shared"), [(False, False), (True, False), (True, True)])
def test_the_default_solver_returns_the_brute_force_optimum_on_small_instances(
    limited: bool, shared: bool
) -> None:
    rng = np.random.default_rng(20261202 + limited + 2 * shared)
    for _ in range(25):
        n, m = int(rng.integers(4, 11)), int(rng.integers(3, 8))
        problem = random_problem(rng, n=n, m=m, limited=limited, shared=shared)
        solution = solve(problem, time_limit=10.0)  # the default's solver, without its latency limit
        chosen = set(solution.selection.chosen)
        assert feasible(problem, chosen)
        for i in chosen:  # the edges name a chosen option of each requirement
            for provider, req in solution.selection.edges[i]:
                assert provider in chosen and provider in req.options
        best, got = brute_force(problem), value(problem, solution.selection.chosen)
        assert not best.better_than(got) and not got.better_than(best), (best, got)
        assert solution.solver == "exact"
        assert solution.certificate.method == "milp" and solution.certificate.ratio == 1.0


def test_the_greedy_answers_when_highs_stops_without_a_selection(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = random_problem(np.random.default_rng(5), n=9, m=6, limited=True)
    stopped = SimpleNamespace(x=None, status=1, message="Time limit reached", mip_dual_bound=None, fun=None)
    monkeypatch.setattr(cover, "run_highs", lambda *a, **k: stopped)
    solution = solve(problem)
    assert solution.solver == "greedy"
    assert solution.selection == greedy(problem)
    assert solution.certificate.method == "none" and "Time limit reached" in solution.certificate.compared
    with pytest.raises(cover.UpskillError, match="use the greedy solver"):
        solve(problem, solver="exact")


def test_above_the_auto_limit_no_program_is_built_for_a_certificate_presolve_has_no_time_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = random_problem(np.random.default_rng(5), n=9, m=6, limited=True)
    certified = solve(problem, auto_limit=0, time_limit=10.0)  # the greedy's, with the time for its LP bound
    assert certified.solver == "greedy" and certified.certificate.method == "lp"
    # 1 s per non-zero: HiGHS would not start (cover._left), so the program is not even built
    monkeypatch.setattr(cover, "PRESOLVE_SECONDS_PER_NONZERO", 1.0)
    monkeypatch.setattr(cover, "_Program", lambda *a, **k: pytest.fail("a program was built"))
    solution = solve(problem, auto_limit=0, time_limit=10.0)
    assert solution.selection == certified.selection
    assert solution.certificate == cover.Certificate("none", None, "not certified: out of time")


def _unhurried(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give HiGHS's real calls time enough on any machine: the tests that stop a stage do it themselves
    (:func:`_stopped_on`), and the restricted programs' ``RESTRICTED_SECONDS`` ran out under load (CI beside
    other jobs), which changed what those tests saw."""
    monkeypatch.setattr(cover, "TIME_LIMIT", 10.0)
    monkeypatch.setattr(cover, "RESTRICTED_SECONDS", 10.0)


def _stopped_on(stage: str, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Make every HiGHS call of ``stage`` ("coverage": an objective to maximise, "cost": to minimise) stop
    as at a time limit: with no course chosen (coverage) or the optimum found (cost), and a bound 10 % better
    than the optimum."""
    real = cover.run_highs
    calls: list[Any] = []

    def run_highs(objective: np.ndarray, **kwargs: Any) -> Any:
        result = real(objective, **kwargs)
        calls.append(result)
        maximising = bool((objective <= 0).all())
        if (stage == "coverage") != maximising:
            return result
        x = np.zeros_like(result.x) if stage == "coverage" else result.x
        bound = result.fun * (1.1 if maximising else 0.9)  # minimising -coverage: fun is negative
        return SimpleNamespace(x=x, status=1, message="Time limit reached", mip_dual_bound=bound)

    monkeypatch.setattr(cover, "run_highs", run_highs)
    return calls


def test_when_the_time_limit_stops_the_cost_stage_the_proven_gap_is_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = random_problem(np.random.default_rng(11), n=9, m=6, limited=False)
    optimum = value(problem, solve(problem, time_limit=10.0).selection.chosen)
    _stopped_on("cost", monkeypatch)
    solution = solve(problem, time_limit=10.0)
    got = value(problem, solution.selection.chosen)
    assert solution.solver == "exact" and got.cost == pytest.approx(optimum.cost)
    certificate = solution.certificate
    assert (certificate.method, certificate.compared) == ("milp", "cost")
    assert certificate.bound == pytest.approx(0.9 * optimum.cost)
    assert certificate.ratio == pytest.approx(0.9)


def test_when_more_plans_follow_the_cost_stage_after_a_solved_coverage_stage_gets_their_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At the planner's own limits, with more plans to follow (``more_plans``), the cost stage after coverage
    stages HiGHS solved ends within ``COST_TIME_LIMIT``, as the later plans' cost stages do; a single plan,
    a problem without a limit (no coverage stage to solve) or a time limit given keep the whole time."""
    rng = np.random.default_rng(3)
    while True:  # an instance where the greedy does not reach all the essential weight: HiGHS solves it
        limited = random_problem(rng, n=9, m=6, limited=True)
        coverable = set().union(*limited.covers)
        have = value(limited, greedy(limited).chosen).essential
        if have < sum(limited.weight[s] for s in coverable if limited.essential[s]) - 1e-6:
            break
    unlimited = random_problem(np.random.default_rng(11), n=9, m=6, limited=False)
    _unhurried(monkeypatch)  # TIME_LIMIT 10 s
    monkeypatch.setattr(cover, "COST_TIME_LIMIT", 0.5)
    real = cover.run_highs
    cost_limits: list[float] = []

    def run_highs(objective: np.ndarray, **kwargs: Any) -> Any:
        if kwargs["integrality"] is not None and (objective >= 0).all():  # a cost stage's MILP
            cost_limits.append(kwargs["time_limit"])
        return real(objective, **kwargs)

    monkeypatch.setattr(cover, "run_highs", run_highs)
    cases = [  # problem, time limit, more plans, capped
        (limited, None, True, True),
        (limited, None, False, False),
        (limited, 10.0, True, False),
        (unlimited, None, True, False),
    ]
    for problem, time_limit, more_plans, capped in cases:
        cost_limits.clear()
        solution = solve(problem, time_limit=time_limit, more_plans=more_plans)
        assert solution.certificate.ratio == 1.0 and cost_limits
        assert (max(cost_limits) <= 0.5) == capped, (time_limit, more_plans, cost_limits)


def test_when_the_time_limit_stops_a_coverage_stage_the_better_greedy_is_kept_with_its_gap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(3)
    while True:  # an instance where the greedy covers some but not all the essential weight coverable
        problem = random_problem(rng, n=9, m=6, limited=True)
        coverable = set().union(*problem.covers)
        have = value(problem, greedy(problem).chosen).essential
        if 0 < have < sum(problem.weight[s] for s in coverable if problem.essential[s]) - 1e-6:
            break
    _stopped_on("coverage", monkeypatch)
    _unhurried(monkeypatch)
    solution = solve(problem)
    assert solution.solver == "greedy" and solution.selection == greedy(problem)
    certificate = solution.certificate
    assert (certificate.method, certificate.compared) == ("milp", "essential coverage")
    assert certificate.value == pytest.approx(have)
    assert certificate.bound is not None and certificate.ratio is not None
    assert certificate.ratio == pytest.approx(have / certificate.bound) and certificate.ratio < 1.0


def test_after_the_time_limit_stops_the_essential_stage_the_restricted_stages_finish_the_selection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """HiGHS stops on essential coverage with its optimum found but not proven (bound 10 % above): the
    optional coverage and cost are still optimised over the selections covering those essential skills,
    by the restricted programs, and the certificate is the essential stage's proven gap."""
    rng = np.random.default_rng(21)
    real = cover.run_highs
    stopped: list[bool] = []

    def run_highs(objective: np.ndarray, **kwargs: Any) -> Any:
        result = real(objective, **kwargs)
        if stopped or kwargs["integrality"] is None or len(objective) < problem.n + problem.m:
            return result
        skills = objective[problem.n : problem.n + problem.m]
        if not ((objective <= 0).all() and skills[problem.essential].any()):  # not the essential stage
            return result
        stopped.append(True)
        return SimpleNamespace(
            x=result.x, status=1, message="Time limit reached", mip_dual_bound=1.1 * result.fun
        )

    checked = 0
    for _ in range(20):
        problem = random_problem(rng, n=9, m=6, limited=True)
        best = brute_force(problem)
        stopped.clear()
        monkeypatch.setattr(cover, "run_highs", run_highs)
        solution = solve(problem, time_limit=10.0)
        monkeypatch.undo()
        if not stopped:  # the greedy reached every essential skill: no essential stage was solved
            continue
        checked += 1
        got = value(problem, solution.selection.chosen)
        assert feasible(problem, set(solution.selection.chosen))
        # the essential optimum (HiGHS's selection), then the best optional coverage and cost given the
        # essential skills it covers: here, with random real weights, the lexicographic optimum itself
        assert not best.better_than(got) and not got.better_than(best), (best, got)
        certificate = solution.certificate
        assert (certificate.method, certificate.compared) == ("milp", "essential coverage")
        assert certificate.ratio == pytest.approx(1 / 1.1)
    assert checked >= 5


def test_a_stopped_stage_is_not_solved_again_when_its_restricted_program_would_be_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without limits every coverable skill is covered, so the restricted cost program would be the stopped
    cost program again: none runs, the later stages of a stopped essential stage do."""
    _unhurried(monkeypatch)
    real, highs = cover._restricted_stage, cover.run_highs
    stages: list[int] = []

    def restricted_stage(program: Any, stage: int, chosen: Any, deadline: float) -> Any:
        stages.append(stage)
        return real(program, stage, chosen, deadline)

    monkeypatch.setattr(cover, "_restricted_stage", restricted_stage)
    calls = _stopped_on("cost", monkeypatch)
    solve(random_problem(np.random.default_rng(11), n=9, m=6, limited=False), time_limit=10.0)
    assert stages == [] and len(calls) == 1  # the cost stage, and no program after it
    rng = np.random.default_rng(5)
    monkeypatch.setattr(cover, "run_highs", highs)
    _stopped_on("coverage", monkeypatch)
    seen = 0
    for _ in range(10):
        problem = random_problem(rng, n=9, m=6, limited=True)
        stages.clear()
        solve(problem, time_limit=10.0)
        assert 0 not in stages and stages == sorted(stages)
        seen += bool(stages)
    assert seen >= 3


def test_when_the_cost_stage_finds_nothing_in_time_the_exact_solver_keeps_the_coverage_optimum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = random_problem(np.random.default_rng(7), n=9, m=6, limited=True)
    best = brute_force(problem)
    real = cover.run_highs

    def run_highs(objective: np.ndarray, **kwargs: Any) -> Any:
        if (objective >= 0).all():  # the cost stage (and the LP bound of the certificate)
            return SimpleNamespace(x=None, status=1, message="Time limit reached", mip_dual_bound=None)
        return real(objective, **kwargs)

    monkeypatch.setattr(cover, "run_highs", run_highs)
    solution = solve(problem, solver="exact")
    got = value(problem, solution.selection.chosen)
    assert solution.solver == "exact"
    assert (got.essential, got.optional) == pytest.approx((best.essential, best.optional))
    assert feasible(problem, set(solution.selection.chosen))
    # certified by the LP relaxation (whose coverage bound may exceed the integer optimum), or not at all
    assert solution.certificate.method in ("lp", "none")


def _counting_milp(monkeypatch: pytest.MonkeyPatch) -> list[np.ndarray]:
    """Record the objective of every HiGHS call."""
    real = cover.run_highs
    objectives: list[np.ndarray] = []

    def run_highs(objective: np.ndarray, **kwargs: Any) -> Any:
        objectives.append(objective)
        return real(objective, **kwargs)

    monkeypatch.setattr(cover, "run_highs", run_highs)
    return objectives


def test_without_limits_only_the_cost_program_is_solved(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every candidate together is a valid selection: the coverage optimum is all the coverable weight."""
    problem = random_problem(np.random.default_rng(12), n=9, m=6, limited=False, shared=True)
    objectives = _counting_milp(monkeypatch)
    solution = solve(problem, time_limit=10.0)
    assert len(objectives) == 1 and (objectives[0] >= 0).all()  # minimising cost, nothing else
    best, got = brute_force(problem), value(problem, solution.selection.chosen)
    assert not best.better_than(got) and not got.better_than(best), (best, got)


def test_a_coverage_optimum_of_all_the_coverable_weight_fixes_its_skills_instead_of_a_floor_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without limits (and when the greedy covers everything) the coverage optima are all the coverable
    weight: the cost stage gets every coverable skill's y fixed at 1 and no floor row, and still finds the
    optimum; a coverage optimum short of everything stays a floor row."""
    rng = np.random.default_rng(21)
    real = cover.run_highs
    seen: list[tuple[int, int, int]] = []  # (rows, y fixed at 1, coverable skills) of each MILP

    def run_highs(objective: np.ndarray, **kwargs: Any) -> Any:
        if kwargs["integrality"] is not None:
            n, m = problem.n, problem.m
            coverable = len(set().union(*problem.covers))
            seen.append((len(kwargs["rows"].lower), int(kwargs["col_lower"][n : n + m].sum()), coverable))
        return real(objective, **kwargs)

    monkeypatch.setattr(cover, "run_highs", run_highs)
    floor_rows = 0
    for limited in (False, True):
        for _ in range(8):
            problem = random_problem(rng, n=9, m=6, limited=limited, shared=True)
            seen.clear()
            solution = solve(problem, time_limit=10.0)
            best, got = brute_force(problem), value(problem, solution.selection.chosen)
            assert not best.better_than(got) and not got.better_than(best), (best, got)
            base = len(cover._Program(problem).rows.lower)
            if not limited:
                assert seen == [(base, seen[0][2], seen[0][2])]  # the cost stage alone: fixed, no floor
            floor_rows += sum(rows - base for rows, _, _ in seen)
    assert floor_rows > 0  # with a budget, some coverage optima fall short of everything


def test_a_known_coverage_optimum_leaves_only_the_cost_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    """The planner's second and third plans differ in cost only: they reuse the first one's coverage."""
    rng = np.random.default_rng(13)
    for _ in range(10):
        problem = random_problem(rng, n=9, m=6, limited=True, shared=True)
        first = solve(problem, time_limit=10.0)
        assert first.coverage is not None
        recosted = replace(problem, cost=np.round(rng.uniform(1, 20, problem.n), 1))
        objectives = _counting_milp(monkeypatch)
        second = solve(recosted, time_limit=10.0, coverage=first.coverage, start=first.selection.chosen)
        assert len(objectives) == 1 and (objectives[0] >= 0).all()  # the cost stage alone
        monkeypatch.undo()
        best, got = brute_force(recosted), value(recosted, second.selection.chosen)
        assert not best.better_than(got) and not got.better_than(best), (best, got)


def test_each_stage_starts_from_a_selection_meeting_its_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """HiGHS gets a start for every stage (the greedy's, then the stage before's): a point within every row
    of the program it is given, so HiGHS can take it as its first incumbent; the answer is the optimum."""
    rng = np.random.default_rng(14)
    real = cover.run_highs
    starts: list[bool] = []

    def run_highs(objective: np.ndarray, **kwargs: Any) -> Any:
        start = kwargs["start"]
        if kwargs["integrality"] is not None:
            assert start is not None
            rows = kwargs["rows"]
            matrix = sp.csr_array(
                (rows.values, rows.indices, rows.starts), shape=(len(rows.lower), rows.columns)
            )
            activity = matrix @ start
            assert (activity <= rows.upper + 1e-9).all() and (activity >= rows.lower - 1e-9).all()
            assert (start >= kwargs["col_lower"]).all() and set(np.unique(start)) <= {0.0, 1.0}
            starts.append(True)
        return real(objective, **kwargs)

    monkeypatch.setattr(cover, "run_highs", run_highs)
    for _ in range(15):
        problem = random_problem(rng, n=9, m=6, limited=True, shared=True)
        solution = solve(problem, time_limit=10.0)
        best, got = brute_force(problem), value(problem, solution.selection.chosen)
        assert not best.better_than(got) and not got.better_than(best), (best, got)
    assert len(starts) >= 15


@pytest.mark.parametrize("limited", [False, True])
def test_above_the_auto_limit_the_greedy_answers_within_its_lp_certificate(limited: bool) -> None:
    """Above the auto limit the greedy's selection answers, and its LP certificate never claims more than
    the brute-force optimum allows."""
    rng = np.random.default_rng(20261204 + limited)
    for _ in range(25):
        problem = random_problem(rng, n=int(rng.integers(4, 11)), m=int(rng.integers(3, 8)), limited=limited)
        solution = solve(problem, auto_limit=0, time_limit=10.0)
        assert solution.solver == "greedy" and solution.selection == greedy(problem)
        got, best = value(problem, solution.selection.chosen), brute_force(problem)
        certificate = solution.certificate
        assert certificate.method == "lp" and certificate.ratio is not None and certificate.bound is not None
        if certificate.compared == "essential coverage":
            assert certificate.bound >= best.essential - 1e-6 and certificate.ratio < 1.0
        elif certificate.compared == "optional coverage":
            assert got.essential == pytest.approx(best.essential)
            assert certificate.bound >= best.optional - 1e-6 and certificate.ratio < 1.0
        else:
            assert (got.essential, got.optional) == pytest.approx((best.essential, best.optional))
            assert certificate.bound <= best.cost + 1e-6
            assert certificate.ratio <= best.cost / got.cost + 1e-9


def test_auto_answers_without_a_certificate_when_no_time_is_left() -> None:
    """The auto solver's time covers the certificate too: with none left, the greedy's selection answers,
    said to be uncertified."""
    problem = random_problem(np.random.default_rng(3), n=9, m=6, limited=True)
    solution = solve(problem, auto_limit=0, time_limit=0.0)
    assert solution.solver == "greedy" and solution.selection == greedy(problem)
    assert solution.certificate.method == "none" and "out of time" in solution.certificate.compared


def _loop_problem(*, in_loop: bool = True, budget: float | None = None) -> CoverProblem:
    """The known answer's loop on indices: "a" (0) teaches s0 at 3 and s1 at 2 and needs s0 at 2, "b" (1)
    teaches s0 at 2 and s1 at 3 and needs s1 at 2; "p" (2) and "q" (3) teach s0 and s1 at 2. Units: s0 at 2
    and 3, s1 at 2 and 3. "a" and "b" are one loop: neither is an option of lower rank for the other."""
    s0, s1 = (
        Requirement((2,), "level", "s0 at level 2", (1,) if in_loop else ()),
        Requirement((3,), "level", "s1 at level 2", (0,) if in_loop else ()),
    )
    return CoverProblem(
        ids=("a", "b", "p", "q"),
        cost=np.array([4.0, 15.0, 11.0, 15.0]),
        price=np.array([10.0, 10.0, 10.0, 10.0]),
        hours=np.array([4.0, 15.0, 11.0, 15.0]),
        covers=(frozenset({0, 1, 2}), frozenset({0, 2, 3}), frozenset({0}), frozenset({2})),
        weight=np.full(4, 0.5),
        essential=np.ones(4, dtype=bool),
        requirements=((s0,), (s1,), (), ()),
        rank=(1, 1, 0, 0),
        budget=budget,
        loop=(0, 0, -1, -1),
    )


@pytest.mark.parametrize("budget", [None, 35.0])
def test_a_loop_is_ordered_by_the_milp_and_kept_orderable_by_prune(budget: float | None) -> None:
    problem = _loop_problem(budget=budget)
    solution = solve(problem, time_limit=10.0)
    assert (
        sorted(solution.selection.chosen) == [0, 1, 2]
        and value(problem, solution.selection.chosen).cost == 30
    )
    edges = {problem.ids[i]: [problem.ids[o] for o, _ in e] for i, e in solution.selection.edges.items()}
    assert edges == {"p": [], "a": ["p"], "b": ["a"]}
    assert solution.certificate.ratio == 1.0
    # the loop alone cannot start; without its options the MILP needs p and q (45)
    assert ordered_edges(problem, [0, 1]) is None
    without = _loop_problem(in_loop=False, budget=None)
    assert sorted(solve(without, time_limit=10.0).selection.chosen) == [0, 1, 2, 3]
    # q adds nothing once a gives b its level: prune drops it and orders the rest
    pruned = prune(problem, Selection((0, 1, 2, 3), edges_within(without, [0, 1, 2, 3])))
    assert sorted(pruned.chosen) == [0, 1, 2] and ordered_edges(problem, pruned.chosen) is not None
    # the greedy's selection is a point within every row of the program (HiGHS's start)
    program = cover._Program(problem, lazy=False)
    rows = program.rows
    matrix = sp.csr_array((rows.values, rows.indices, rows.starts), shape=(len(rows.lower), rows.columns))
    start = program.point(greedy(problem).chosen)
    assert (matrix @ start <= rows.upper + 1e-9).all()


def test_a_loops_order_rows_join_the_program_only_when_its_chosen_courses_cannot_be_ordered() -> None:
    """Without its order rows the program lets a and b meet each other's requirement (a relaxation): its
    cheapest full cover {a, b} (19) cannot be ordered, so the loop's rows join and the answer is p, a, b
    (30); a selection that can be ordered (p alone, for half the weight) needs no rows."""
    problem = _loop_problem()
    program = cover._Program(problem)
    whole = cover._Program(problem, lazy=False)
    assert program.ordered == set() and len(program.rows.lower) < len(whole.rows.lower)
    half = program.solve(program.cost_row, [(program.ess_row, 0.5)], integral=True)
    assert program.chosen(half) == [2] and program.ordered == set()
    program.ordered.clear()
    relaxed = cover.run_highs(
        program.cost_row,
        rows=program.rows.with_row(program.ess_row, 2.0 - 1e-5, np.inf),
        col_lower=np.zeros(program.rows.columns),
        integrality=program.integrality,
        time_limit=None,
        start=None,
    )
    assert program.chosen(relaxed) == [0, 1] and ordered_edges(problem, [0, 1]) is None
    full = program.solve(program.cost_row, [(program.ess_row, 2.0)], integral=True)
    assert sorted(program.chosen(full)) == [0, 1, 2] and program.ordered == {0}


def test_a_selection_stuck_on_its_loop_is_repaired_with_an_option_from_outside() -> None:
    """{a, b} meet each other's requirement in no order: a (first by rank, then index) gets its option p,
    after which p, a, b can be taken; under a money limit of 25 the three (30) do not fit. The program keeps
    the repaired selection of its unorderable relaxed optimum, and starts its ordered program from it."""
    problem = _loop_problem()
    assert repaired(problem, [0, 1]) == [2, 0, 1] and ordered_edges(problem, [2, 0, 1]) is not None
    assert repaired(problem, [2]) == [2]
    assert repaired(_loop_problem(budget=25.0), [0, 1]) is None
    program = cover._Program(problem)
    full = program.solve(program.cost_row, [(program.ess_row, 2.0)], integral=True)
    assert program.repaired == [[2, 0, 1]] and sorted(program.chosen(full)) == [0, 1, 2]


def test_no_program_is_built_for_a_certificate_without_time_left(monkeypatch: pytest.MonkeyPatch) -> None:
    """Building the program takes 5-24 ms at 2,000 candidates: when the greedy took all the time, no program
    is built for an LP bound there is no time to compute."""
    problem = random_problem(np.random.default_rng(3), n=9, m=6, limited=True)

    def no_program(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a program was built")

    monkeypatch.setattr(cover, "_Program", no_program)
    solution = solve(problem, auto_limit=0, time_limit=0.0)
    assert solution.solver == "greedy" and solution.selection == greedy(problem)
    assert solution.certificate.method == "none" and "out of time" in solution.certificate.compared


def test_highs_is_not_started_with_less_time_than_its_presolve_takes(monkeypatch: pytest.MonkeyPatch) -> None:
    """HiGHS's presolve does not call the interrupt: with less time left than it takes (per non-zero of the
    program), HiGHS is not started, and the greedy answers, uncertified."""
    problem = random_problem(np.random.default_rng(5), 12, 8, limited=True)
    objectives = _counting_milp(monkeypatch)
    monkeypatch.setattr(cover, "PRESOLVE_SECONDS_PER_NONZERO", 1.0)  # a second a non-zero: never enough
    solution = solve(problem, time_limit=0.5)
    assert not objectives
    assert solution.solver == "greedy" and solution.selection == greedy(problem)
    assert solution.certificate.method == "none" and "out of time" in solution.certificate.compared
    monkeypatch.setattr(cover, "PRESOLVE_SECONDS_PER_NONZERO", 1e-6)
    assert solve(problem, time_limit=0.5).certificate.ratio == 1.0 and objectives


def test_a_milp_stopped_with_its_bound_on_its_selection_is_optimal(monkeypatch: pytest.MonkeyPatch) -> None:
    """HiGHS interrupted once its bound met its selection, before it said so: the answer is optimal, not
    stopped; while a gap is left, it is stopped."""
    problem = random_problem(np.random.default_rng(5), 12, 8, limited=True)
    program = cover._Program(problem)
    gap = {"value": 0.0}

    class Interrupted(cover.highspy.Highs):  # type: ignore[misc]
        def getModelStatus(self) -> Any:  # noqa: N802 - HiGHS's name
            return cover.highspy.HighsModelStatus.kInterrupt

        def getInfo(self) -> Any:  # noqa: N802 - HiGHS's name
            info = super().getInfo()
            info.mip_gap = gap["value"]
            return info

    monkeypatch.setattr(cover.highspy, "Highs", Interrupted)
    closed = program.solve(-program.ess_row, [], integral=True)
    assert closed.status == 0 and closed.x is not None and closed.message != "Time limit reached"
    gap["value"] = 0.01
    assert program.solve(-program.ess_row, [], integral=True).status == 1


def test_probing_off_under_a_second_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """HiGHS probes without looking at the interrupt callback: off when it has under PROBING_SECONDS, on for
    the exact solver's long runs; the answer is the same optimum either way."""
    options: list[dict[str, Any]] = []

    class Recording(cover.highspy.Highs):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            options.append({})

        def setOptionValue(self, name: str, setting: Any) -> Any:  # noqa: N802 - HiGHS's name
            options[-1][name] = setting
            return super().setOptionValue(name, setting)

    monkeypatch.setattr(cover.highspy, "Highs", Recording)
    problem = random_problem(np.random.default_rng(5), 12, 8, limited=True)
    quick = solve(problem, solver="exact", time_limit=0.5)
    assert options and all(o.get("presolve_rule_off") == cover.NO_PROBING for o in options)
    options.clear()
    slow = solve(problem, solver="exact", time_limit=cover.PROBING_SECONDS + 1)
    assert options and all("presolve_rule_off" not in o for o in options)
    assert quick.certificate.ratio == slow.certificate.ratio == 1.0
    assert value(problem, quick.selection.chosen) == value(problem, slow.selection.chosen)


def test_the_greedy_enters_a_loop_with_an_option_taken_first() -> None:
    """a needs one of p (beyond the budget, of lower rank) or b (on its loop); b needs q (cheap) or a. The
    greedy takes b with q, then a with b before it: both skills (with p as a's option, a did not fit)."""
    problem = CoverProblem(
        ids=("p", "a", "b", "q"),
        cost=np.array([100.0, 1.0, 1.0, 1.0]),
        price=np.array([100.0, 1.0, 1.0, 1.0]),
        hours=np.ones(4),
        covers=(frozenset(), frozenset({0}), frozenset({1}), frozenset()),
        weight=np.ones(2),
        essential=np.ones(2, dtype=bool),
        requirements=(
            (),
            (Requirement((0,), "level", "skill x at level 2", (2,)),),
            (Requirement((3,), "level", "skill y at level 2", (1,)),),
            (),
        ),
        rank=(0, 1, 1, 0),
        loop=(-1, 0, 0, -1),
        budget=10.0,
    )
    selection = greedy(problem)
    assert sorted(selection.chosen) == [1, 2, 3]
    assert {problem.ids[i]: [problem.ids[o] for o, _ in e] for i, e in selection.edges.items()} == {
        "q": [],
        "b": ["q"],
        "a": ["b"],
    }
    optimum = solve(problem, time_limit=10.0).selection
    assert value(problem, selection.chosen) == value(problem, optimum.chosen) == Value(2.0, 0.0, 3.0)


def _mixed_problems(seed: int, *, sizes: tuple[int, int], n_skills: int) -> list[CoverProblem]:
    """12 seeded bench_planner instances: both sizes, budgets binding or none, both instance families
    (level-order loops included)."""
    from evaluation.bench_planner import problem_of, random_instance

    rng = np.random.default_rng(seed)
    return [
        problem_of(
            *random_instance(
                rng,
                n_courses=sizes[k % 2],
                n_skills=n_skills,
                budget_fraction=None if k % 3 == 0 else float(rng.uniform(0.2, 0.8)),
                family=("typical", "deep")[k // 2 % 2],
            )
        )
        for k in range(12)
    ]


def _essential_then_both(budget: float) -> CoverProblem:
    """Essential skill 0 and optional skill 1: e teaches 0 for 1.0, both teaches 0 and 1 for 1.5, o teaches
    1 for 1.2 (price = cost)."""
    cost = np.array([1.0, 1.5, 1.2])
    return CoverProblem(
        ids=("e", "both", "o"),
        cost=cost,
        price=cost,
        hours=np.full(3, 10.0),
        covers=(frozenset({0}), frozenset({0, 1}), frozenset({1})),
        weight=np.ones(2),
        essential=np.array([True, False]),
        requirements=((), (), ()),
        rank=(0, 0, 0),
        budget=budget,
    )


def test_with_room_under_the_limits_the_greedy_answers_with_the_set_cover() -> None:
    """When the set cover's selection (cost per skill, essential and optional alike) stays within the money
    and hours limits, it covers all there is and is the greedy's answer: here 'both' (1.5), where the
    phases, essential skills first, take e and then o (2.2)."""
    problem = _essential_then_both(budget=10.0)
    assert [problem.ids[i] for i in greedy(problem).chosen] == ["both"]
    assert [problem.ids[i] for i in solve(problem, solver="exact").selection.chosen] == ["both"]
    # on bench_planner instances given limits their set cover stays within: its selection, as without them
    for problem in _mixed_problems(43, sizes=(100, 300), n_skills=30):
        unlimited = greedy(replace(problem, budget=None, max_hours=None))
        spent = problem.price[list(unlimited.chosen)].sum(), problem.hours[list(unlimited.chosen)].sum()
        roomy = replace(problem, budget=float(spent[0]) * 1.5, max_hours=float(spent[1]) * 1.5)
        assert greedy(roomy) == unlimited


def test_when_the_set_cover_spends_over_a_limit_the_phases_answer() -> None:
    """Under a budget of 1.4 the set cover's 'both' (1.5) does not fit: the phases answer, the essential
    skill first (e), and o no longer fits."""
    problem = _essential_then_both(budget=1.4)
    assert [problem.ids[i] for i in greedy(problem).chosen] == ["e"]
    assert [problem.ids[i] for i in solve(problem, solver="exact").selection.chosen] == ["e"]


def test_the_greedys_selections_on_loops_can_be_ordered() -> None:
    from evaluation.bench_planner import problem_of, random_instance

    rng = np.random.default_rng(11)
    through_a_loop = 0
    for k in range(8):
        fraction = None if k % 2 == 0 else 0.5
        problem = problem_of(
            *random_instance(rng, n_courses=300, n_skills=40, budget_fraction=fraction, family="deep")
        )
        selection = greedy(problem)
        assert ordered_edges(problem, selection.chosen) is not None, k  # every requirement met, in order
        if problem.budget is not None:
            assert sum(problem.price[i] for i in selection.chosen) <= problem.budget * (1 + 1e-7)
        for course, providers in selection.edges.items():
            assert all(o in selection.chosen and o != course for o, _ in providers)
        through_a_loop += any(o in req.in_loop for e in selection.edges.values() for o, req in e)
    assert through_a_loop  # some selection meets a requirement inside a loop


def test_the_greedys_shortcuts_change_no_selection(monkeypatch: pytest.MonkeyPatch) -> None:
    """The greedy searches no bundle for a course that does not fit alone and ends a phase once its skills
    are covered: the same selections as searching every course it pops (budgets binding or none, both
    instance families, level-order loops included)."""
    from recommender.planner import greedy as greedy_module

    problems = _mixed_problems(31, sizes=(100, 300), n_skills=30)
    searches = []
    search = greedy_module._State.bundle

    def counted(state: Any, i: int, *args: Any) -> Sequence[int] | None:
        searches.append(i)
        return search(state, i, *args)

    monkeypatch.setattr(greedy_module._State, "bundle", counted)
    shortcut = [greedy(problem) for problem in problems]
    with_shortcuts = len(searches)
    monkeypatch.setattr(greedy_module._State, "fits_alone", lambda state, i: True)
    monkeypatch.setattr(greedy_module._State, "done", lambda state, skills: False)
    assert [greedy(problem) for problem in problems] == shortcut
    assert with_shortcuts < len(searches) - with_shortcuts  # the shortcuts spared some searches


def test_the_greedys_bundles_found_once_change_no_selection(monkeypatch: pytest.MonkeyPatch) -> None:
    """A course's bundle is searched again only when a group its last search found unmet has been met since
    (the single-course scan's bundles serve the passes): the same selections as searching every time."""
    from recommender.planner import greedy as greedy_module

    problems = _mixed_problems(37, sizes=(150, 400), n_skills=40)
    found = [greedy(problem) for problem in problems]
    search = greedy_module._State.bundle

    def afresh(state: Any, i: int, *args: Any) -> Sequence[int] | None:
        state.bundles.clear()
        state.leader = None  # nor the other pass's findings
        return search(state, i, *args)

    monkeypatch.setattr(greedy_module._State, "bundle", afresh)
    assert [greedy(problem) for problem in problems] == found


def test_a_search_taking_an_option_for_each_group_it_found_unmet_finds_a_part_of_that_bundle_later() -> None:
    """The greedy drops a course without a search when the last bundle found for it covers no skill still
    open and that search took an option for each group it found unmet (as many groups as courses added, its
    own aside): with more groups met since, a search finds a part of that bundle. Seeded instances (budgets
    binding or none, level-order loops included), random bundles added, every bundle searched again after
    each."""
    from recommender.planner import greedy as greedy_module

    rng = np.random.default_rng(43)
    checked = 0
    for problem in _mixed_problems(43, sizes=(150, 300), n_skills=30):
        state = greedy_module._State(problem, greedy_module._Lists(problem))
        for _ in range(8):
            found = {i: state.bundles.pop(i, None) for i in range(problem.n)}
            for i in range(problem.n):
                bundle, earlier = state.bundle(i), found[i]
                if earlier is None or earlier[0] is None or len(earlier[1]) != len(earlier[0]) - 1:
                    continue
                if not any(state.met[g] for g in earlier[1]):
                    assert bundle == earlier[0]
                else:
                    assert bundle is not None and set(bundle) < set(earlier[0])
                    checked += 1
            course = int(rng.integers(problem.n))
            bundle = state.bundle(course)
            if course not in state.chosen_set and bundle is not None:
                state.add(bundle)
    assert checked > 100


def test_the_greedys_second_pass_reads_the_firsts_findings_and_selects_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While a phase's second pass has chosen the courses its first chose, in the same order, it takes the
    first's evaluations (and searches) from the same state: the same selections as finding its own."""
    from recommender.planner import greedy as greedy_module

    problems = _mixed_problems(47, sizes=(150, 400), n_skills=40)
    evaluate = greedy_module._State.evaluate
    taken: list[int] = []

    def counted(state: Any, i: int, open_weight: Sequence[float]) -> Any:
        if state.leader is not None and (len(state.chosen), i) in state.leader.outcomes:
            taken.append(i)
        return evaluate(state, i, open_weight)

    monkeypatch.setattr(greedy_module._State, "evaluate", counted)
    found = [greedy(problem) for problem in problems]
    assert len(taken) > 100

    def alone(state: Any, i: int, open_weight: Sequence[float]) -> Any:
        state.leader = None
        return evaluate(state, i, open_weight)

    monkeypatch.setattr(greedy_module._State, "evaluate", alone)
    assert [greedy(problem) for problem in problems] == found


def test_the_set_cover_greedy_searches_a_bundle_only_when_its_own_ratio_still_leads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without money or hours limits, a course still keyed by its own gain over its own cost at the phase's
    start is keyed by that ratio again before its bundle is searched: fewer searches, every coverable skill
    covered all the same; with a limit nothing changes (the same selections as keying as before)."""
    from recommender.planner import greedy as greedy_module

    problems = _mixed_problems(41, sizes=(150, 400), n_skills=40)
    searches: list[int] = []
    search = greedy_module._State.bundle

    def counted(state: Any, i: int, *args: Any) -> Sequence[int] | None:
        searches.append(i)
        return search(state, i, *args)

    monkeypatch.setattr(greedy_module._State, "bundle", counted)
    refreshed = [greedy(problem) for problem in problems]
    with_refresh = len(searches)
    searches.clear()
    keys = greedy_module._Keys.__init__

    def as_before(self: Any, *args: Any) -> None:
        keys(self, *args)
        self.own.clear()

    monkeypatch.setattr(greedy_module._Keys, "__init__", as_before)
    before = [greedy(problem) for problem in problems]
    assert with_refresh < len(searches)
    for problem, mine, theirs in zip(problems, refreshed, before, strict=True):
        if problem.budget is not None or problem.max_hours is not None:
            assert mine == theirs
        else:
            coverable = {s for cover_ in problem.covers for s in cover_}
            assert set().union(*(problem.covers[c] for c in mine.chosen)) == coverable
            assert ordered_edges(problem, mine.chosen) is not None


def test_a_garbage_collection_does_not_use_up_a_selections_time() -> None:
    """The time limits are the thread's CPU: a collection falling within a solve would use them up (a full
    one took 380 ms of a 35 ms solve in a test process), so collection waits until the selection is made."""
    import gc
    import time

    problem = random_problem(np.random.default_rng(3), 30, 12, limited=False)
    collections: list[int] = []

    def slow_collection(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])
            end = time.thread_time() + 0.05  # longer than the whole TIME_LIMIT
            while time.thread_time() < end:
                pass

    threshold = gc.get_threshold()
    gc.set_threshold(1)  # a collection at nearly every allocation, were the collector running
    gc.callbacks.append(slow_collection)
    try:
        solution = solve(problem)
    finally:
        gc.callbacks.remove(slow_collection)
        gc.set_threshold(*threshold)
    # the collections before and after the selection's timed part cost it nothing (without the pause: ~500,
    # each using up the time, and the greedy answered)
    assert len(collections) < 10
    assert solution.solver == "exact" and solution.certificate.ratio == pytest.approx(1.0)
    assert gc.isenabled()
