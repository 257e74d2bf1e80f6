"""Benchmark of the learning-path planner (issue 5): greedy quality against the MILP optimum, and speed.

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python -m evaluation.bench_planner [--instances 60] [--seed 7]``

* Quality: on random instances with 200 candidate courses (a gap of 50 skills, essential and optional, with
  levels and weights; courses teaching 1-4 gap skills at levels 1-4; a random prerequisite DAG; half of the
  instances with a binding budget, half without), the certified ratio of the lazy greedy to the exact MILP
  optimum (``recommender.planner.cover.certify``: coverage ratio when the greedy covers less weight than the
  optimum, else optimum cost / greedy cost). Target: >= 0.95. Two families (see ``FAMILIES``): "typical"
  levels and "deep" (uniform levels, long level-order prerequisite chains).
* Speed: greedy selection on instances with 2,000 candidate courses (target <= 50 ms) next to the time to
  build the problem; and whole ``plan_paths`` calls (filter + select + certify + order + schedule + badges
  + alternatives) against a 1,000-course catalogue shaped like the default one.

Prints a table and writes ``bench-results/bench_planner.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import scipy

from recommender.planner import BadgeOption, Constraints, CourseOption, GapItem, Prerequisite, plan_paths
from recommender.planner.build import build_problem, held_levels
from recommender.planner.cover import CoverProblem, certify, exact, greedy
from recommender.planner.filters import filter_courses
from recommender.planner.plan import _cost_function, content_scores

#: Level distributions (levels 1..4) per instance family. "typical": most courses and needs at level 2, as in
#: a catalogue whose skills carry the default level; "deep": uniform levels, so most courses teach some gap
#: skill at level 3-4 and pull level-order prerequisite chains (a stress test of the requirement handling).
FAMILIES = {
    "typical": {"taught": [0.2, 0.5, 0.25, 0.05], "needed": [0.1, 0.6, 0.25, 0.05], "prerequisite": 0.1},
    "deep": {"taught": [0.25, 0.25, 0.25, 0.25], "needed": [0.25, 0.25, 0.25, 0.25], "prerequisite": 0.15},
}


def random_instance(
    rng: np.random.Generator,
    *,
    n_courses: int,
    n_skills: int,
    budget_fraction: float | None,
    family: str = "typical",
) -> tuple[list[GapItem], list[CourseOption], Constraints]:
    """A random gap, catalogue (prerequisite DAG) and constraints; ``budget_fraction`` of the full cost."""
    spec = FAMILIES[family]
    gap = []
    for s in range(n_skills):
        needed = int(rng.choice([1, 2, 3, 4], p=spec["needed"]))
        gap.append(
            GapItem(
                skill_uri=f"skill:{s}",
                label=f"skill {s}",
                relation="essential" if rng.random() < 0.6 else "optional",
                needed_level=needed,
                held_level=int(rng.integers(0, needed)),
                weight=float(rng.uniform(0.5, 2.0)),
            )
        )
    courses = []
    for c in range(n_courses):
        taught = rng.choice(n_skills, size=int(rng.integers(1, 5)), replace=False)
        skills = {f"skill:{int(s)}": int(rng.choice([1, 2, 3, 4], p=spec["taught"])) for s in taught}
        skills[f"other:{int(rng.integers(0, 500))}"] = int(rng.integers(1, 5))
        prereqs: tuple[Prerequisite, ...] = ()
        if c > 0 and rng.random() < spec["prerequisite"]:
            prereqs = (Prerequisite(f"course:{int(rng.integers(0, c)):05d}"),)
        courses.append(
            CourseOption(
                id=f"course:{c:05d}",
                title=f"course {c}",
                hours=float(np.round(rng.lognormal(3.0, 0.6), 1)),
                price=0.0 if rng.random() < 0.2 else float(np.round(rng.uniform(50, 800), 2)),
                skills=skills,
                prerequisites=prereqs,
            )
        )
    budget = None
    if budget_fraction is not None:
        budget = budget_fraction * sum(c.price for c in courses) * 6 / n_courses
    return gap, courses, Constraints(budget=budget, objective="cost" if rng.random() < 0.5 else "hours")


def problem_of(gap: list[GapItem], courses: list[CourseOption], constraints: Constraints) -> CoverProblem:
    """The cover problem ``plan_paths`` would build for the worker's objective."""
    available, excluded = filter_courses(courses, constraints)
    kind = "cheapest" if constraints.objective == "cost" else "fastest"
    return build_problem(
        gap,
        available,
        excluded=excluded,
        held=held_levels(gap, []),
        completed=frozenset(),
        cost_of=_cost_function(kind, content_scores(gap, courses)),
        budget=constraints.budget,
        max_hours=constraints.max_hours,
    ).problem


def _ms(seconds: list[float]) -> dict[str, float]:
    values = sorted(s * 1000 for s in seconds)
    return {
        "p50": statistics.median(values),
        "p99": values[min(len(values) - 1, int(round(0.99 * (len(values) - 1))))],
        "max": values[-1],
    }


def quality(instances: int, seed: int, family: str) -> dict[str, Any]:
    """Greedy against the exact MILP optimum on ``instances`` random 200-candidate instances."""
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(instances):
        fraction = None if k % 2 == 0 else float(rng.uniform(0.2, 0.8))
        gap, courses, constraints = random_instance(
            rng, n_courses=200, n_skills=50, budget_fraction=fraction, family=family
        )
        problem = problem_of(gap, courses, constraints)
        t0 = time.perf_counter()
        selection = greedy(problem)
        t1 = time.perf_counter()
        cert = certify(problem, selection, exact_limit=10_000)
        t2 = time.perf_counter()
        optimum = exact(problem)
        t3 = time.perf_counter()
        rows.append(
            {
                "budget": "binding" if fraction is not None else "none",
                "objective": constraints.objective,
                "candidates": problem.n,
                "ratio": cert.ratio,
                "compared": cert.compared,
                "greedy_ms": (t1 - t0) * 1000,
                "certify_ms": (t2 - t1) * 1000,
                "exact_ms": (t3 - t2) * 1000,
                "greedy_courses": len(selection.chosen),
                "exact_courses": len(optimum.chosen),
            }
        )
    ratios = np.array([r["ratio"] for r in rows])
    return {
        "instances": rows,
        "ratio": {
            "min": float(ratios.min()),
            "p05": float(np.quantile(ratios, 0.05)),
            "p25": float(np.quantile(ratios, 0.25)),
            "median": float(np.median(ratios)),
            "mean": float(ratios.mean()),
            "share_at_least_0.95": float((ratios >= 0.95).mean()),
            "share_optimal": float((ratios >= 1 - 1e-6).mean()),
            "histogram": {
                label: int(((ratios >= lo) & (ratios < hi)).sum())
                for label, lo, hi in (
                    ("<0.90", 0.0, 0.90),
                    ("0.90-0.95", 0.90, 0.95),
                    ("0.95-0.99", 0.95, 0.99),
                    ("0.99-1", 0.99, 1 - 1e-6),
                    ("optimal", 1 - 1e-6, 2.0),
                )
            },
        },
        "mean_by_budget": {
            kind: float(np.mean([r["ratio"] for r in rows if r["budget"] == kind]))
            for kind in ("none", "binding")
        },
        "greedy_ms_p50": statistics.median(r["greedy_ms"] for r in rows),
        "exact_ms_p50": statistics.median(r["exact_ms"] for r in rows),
    }


def selection_speed(repeats: int, seed: int, family: str) -> dict[str, Any]:
    """Time to build and to select on random 2,000-candidate instances."""
    rng = np.random.default_rng(seed + 1)
    build_t: list[float] = []
    greedy_t: list[float] = []
    for k in range(repeats):
        fraction = None if k % 2 == 0 else float(rng.uniform(0.2, 0.8))
        gap, courses, constraints = random_instance(
            rng, n_courses=2000, n_skills=60, budget_fraction=fraction, family=family
        )
        t0 = time.perf_counter()
        problem = problem_of(gap, courses, constraints)
        t1 = time.perf_counter()
        greedy(problem)
        t2 = time.perf_counter()
        build_t.append(t1 - t0)
        greedy_t.append(t2 - t1)
    return {"build_ms": _ms(build_t), "greedy_ms": _ms(greedy_t)}


def catalogue_like(rng: np.random.Generator) -> tuple[list[GapItem], list[CourseOption], list[BadgeOption]]:
    """A catalogue shaped like the default one: 1,000 courses, each tagged with 3-8 of 3,000 skills at level 2
    (sometimes 1 or 3), few prerequisites, 60 badges; a gap of 30 of those skills (40% optional)."""
    pool = [f"skill:{k}" for k in range(3000)]
    courses = []
    for c in range(1000):
        tagged = rng.choice(3000, size=int(rng.integers(3, 9)), replace=False)
        skills = {pool[int(t)]: int(rng.choice([1, 2, 3], p=[0.15, 0.7, 0.15])) for t in tagged}
        prereqs = (
            (Prerequisite(f"course:{int(rng.integers(0, c)):05d}"),) if c and rng.random() < 0.05 else ()
        )
        courses.append(
            CourseOption(
                id=f"course:{c:05d}",
                title=f"course {c}",
                hours=float(np.round(rng.lognormal(3.0, 0.6), 1)),
                price=0.0 if rng.random() < 0.5 else float(np.round(rng.uniform(49, 300), 2)),
                language="en" if rng.random() < 0.9 else "es",
                skills=skills,
                prerequisites=prereqs,
            )
        )
    gap = [
        GapItem(pool[int(s)], f"skill {s}", "essential" if rng.random() < 0.6 else "optional", 2, 0, 1.0)
        for s in rng.choice(3000, size=30, replace=False)
    ]
    badges = [
        BadgeOption(f"badge:{b}", f"badge {b}", {}, "k_of_n", tuple(f"course:{int(c):05d}" for c in cs), k=2)
        for b, cs in enumerate(rng.choice(1000, size=(60, 3)))
    ]
    return gap, courses, badges


def whole_plan_speed(repeats: int, seed: int) -> dict[str, Any]:
    """``plan_paths`` end to end (filter, select, certify, order, schedule, badges, 3 alternatives) on a
    catalogue shaped like the default one; the skill gap itself is not part of this figure."""
    rng = np.random.default_rng(seed + 2)
    gap, courses, badges = catalogue_like(rng)
    gaps = [gap]
    for _ in range(repeats - 1):
        gaps.append(catalogue_like(rng)[0])
    constraints = Constraints(budget=1000, start=date(2027, 1, 4), hours_per_week=6, languages=("en",))
    configurations = {
        "one_plan_uncertified": {"alternatives": False, "certify_plans": False},
        "one_plan_certified": {"alternatives": False, "certify_plans": True},
        "three_plans_certified": {"alternatives": True, "certify_plans": True},
    }
    times: dict[str, list[float]] = {name: [] for name in configurations}
    steps = []
    for g in gaps:
        for name, options in configurations.items():
            t0 = time.perf_counter()
            result = plan_paths(g, courses, constraints, badges=badges, **options)  # type: ignore[arg-type]
            times[name].append(time.perf_counter() - t0)
        steps.append(len(result.best.steps))
    return {
        "catalogue_courses": len(courses),
        "gap_skills": len(gap),
        "plans": repeats,
        "mean_steps": float(np.mean(steps)),
        **{f"{name}_ms": _ms(t) for name, t in times.items()},
    }


def real_pairs_speed(database_url: str, pairs: int, budget: float | None = 1500) -> dict[str, Any]:
    """Gap + ``plan_paths`` for ordered pairs of automotive-mobility occupations, on a database holding ESCO,
    the default catalogue and badges (``upskill run`` plus the default catalogue and badge imports); the
    worker's constraints are scenario 1's (``budget`` None: no money limit)."""
    from data.db import make_engine, transaction
    from data.graph_loader import load_graph
    from data.plan_inputs import load_badge_options, load_course_options
    from recommender.gap import skill_gap
    from recommender.planner.from_gap import gap_items
    from recommender.sectors import automotive_mobility

    engine = make_engine(database_url)
    with transaction(engine) as session:
        graph = load_graph(db_session=session)
        courses = load_course_options(db_session=session)
        badges = load_badge_options(db_session=session)
    occupations = sorted(automotive_mobility() & set(graph.occupation_uris))
    ordered = [(a, b) for a in occupations for b in occupations if a != b][:pairs]
    currency = Counter(c.currency for c in courses).most_common(1)[0][0]
    constraints = Constraints(
        budget=budget, currency=currency, hours_per_week=6, start=date(2027, 1, 4), languages=("en",)
    )
    configurations = {
        "one_plan_uncertified": {"alternatives": False, "certify_plans": False},
        "one_plan_certified": {"alternatives": False, "certify_plans": True},
        "three_plans_certified": {"alternatives": True, "certify_plans": True},
    }
    times: dict[str, list[float]] = {name: [] for name in configurations}
    gap_t: list[float] = []
    covered: list[float] = []
    steps_share: list[float] = []
    raised_any: list[float] = []
    for source, target in ordered:
        t0 = time.perf_counter()
        gap = skill_gap(graph, target, occupations=[source])
        items = gap_items(gap)
        gap_t.append(time.perf_counter() - t0)
        for name, options in configurations.items():
            t1 = time.perf_counter()
            result = plan_paths(items, courses, constraints, badges=badges, **options)  # type: ignore[arg-type]
            times[name].append(time.perf_counter() - t1 + gap_t[-1])
        plan = result.best
        essential = [i for i in items if i.relation == "essential" and i.skill_uri not in plan.already_held]
        if essential:
            done = set(plan.covered_skills)
            covered.append(sum(i.skill_uri in done for i in essential) / len(essential))
            # share of the level steps (held -> needed) of the open essential skills the plan covers
            partial = {u.skill_uri: u for u in plan.uncovered_skills}
            shares = [
                1.0
                if i.skill_uri in done
                else (partial[i.skill_uri].reached_level - partial[i.skill_uri].held_level)
                / (i.needed_level - partial[i.skill_uri].held_level)
                for i in essential
            ]
            steps_share.append(float(np.mean(shares)))
            raised_any.append(float(np.mean([x > 0 for x in shares])))
    return {
        "pairs": len(ordered),
        "budget": budget,
        "catalogue_courses": len(courses),
        "badges": len(badges),
        "gap_ms": _ms(gap_t),
        **{f"gap_plus_{name}_ms": _ms(t) for name, t in times.items()},
        "mean_share_of_open_essential_skills_covered": float(np.mean(covered)) if covered else None,
        "mean_share_of_open_essential_level_steps_covered": float(np.mean(steps_share)) if covered else None,
        "mean_share_of_open_essential_skills_advanced": float(np.mean(raised_any)) if covered else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=60, help="random 200-candidate instances (>= 50)")
    parser.add_argument("--repeats", type=int, default=20, help="random 2,000-candidate instances for timing")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("bench-results/bench_planner.json"))
    parser.add_argument(
        "--database",
        help="Database URL holding ESCO, the default catalogue and badges: adds the real-pairs figures",
    )
    parser.add_argument(
        "--pairs", type=int, default=200, help="automotive occupation pairs (with --database)"
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=1500,
        help="the worker's money budget for the real pairs (0: none)",
    )
    parser.add_argument("--only-real", action="store_true", help="only the real-pairs figures")
    args = parser.parse_args()
    if args.only_real:
        if not args.database:
            parser.error("--only-real needs --database")
        real = real_pairs_speed(args.database, args.pairs, args.budget or None)
        _print_real(real)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.with_name("bench_planner_real.json").write_text(json.dumps(real, indent=2))
        return

    result: dict[str, Any] = {
        "seed": args.seed,
        "load_average_at_start": os.getloadavg(),
        "quality_200": {},
        "selection_2000": {},
    }
    for family in FAMILIES:
        result["quality_200"][family] = quality(args.instances, args.seed, family)
        result["selection_2000"][family] = selection_speed(args.repeats, args.seed, family)
    result["whole_plan"] = whole_plan_speed(max(args.repeats, 50), args.seed)
    result["machine"] = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "cpu": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
    }

    print(
        f"Greedy / MILP optimum on {args.instances} random instances of 200 candidate courses "
        "(target >= 0.95)"
    )
    print(
        f"{'family':<9} {'min':>7} {'p05':>7} {'p25':>7} {'median':>7} {'mean':>7} {'>=0.95':>7} "
        f"{'optimal':>7} {'no budget':>9} {'budget':>7} {'greedy ms':>9} {'MILP ms':>8}"
    )
    for family, q in result["quality_200"].items():
        r = q["ratio"]
        print(
            f"{family:<9} {r['min']:7.4f} {r['p05']:7.4f} {r['p25']:7.4f} {r['median']:7.4f} "
            f"{r['mean']:7.4f} "
            f"{r['share_at_least_0.95']:7.0%} {r['share_optimal']:7.0%} {q['mean_by_budget']['none']:9.4f} "
            f"{q['mean_by_budget']['binding']:7.4f} {q['greedy_ms_p50']:9.1f} {q['exact_ms_p50']:8.1f}"
        )
    for family, q in result["quality_200"].items():
        print(f"{family:<9} ratio histogram: {q['ratio']['histogram']}")
    print()
    print(f"Selection on {args.repeats} random instances of 2,000 candidate courses (target: <= 50 ms)")
    print(f"{'family':<9} {'step':<10} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9}")
    for family, sp in result["selection_2000"].items():
        for step in ("build_ms", "greedy_ms"):
            t = sp[step]
            print(f"{family:<9} {step[:-3]:<10} {t['p50']:9.2f} {t['p99']:9.2f} {t['max']:9.2f}")
    w = result["whole_plan"]
    print()
    print(
        f"plan_paths end to end, {w['plans']} gaps of {w['gap_skills']} skills against "
        f"{w['catalogue_courses']} courses (mean {w['mean_steps']:.1f} steps)"
    )
    for name in ("one_plan_uncertified_ms", "one_plan_certified_ms", "three_plans_certified_ms"):
        t = w[name]
        print(f"{name[:-3]:<22} p50 {t['p50']:7.2f} ms  p99 {t['p99']:7.2f} ms  max {t['max']:7.2f} ms")
    if args.database:
        result["real_pairs"] = real_pairs_speed(args.database, args.pairs, args.budget or None)
        _print_real(result["real_pairs"])
    print(f"machine: {result['machine']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"wrote {args.out}")


def _print_real(real: dict[str, Any]) -> None:
    print()
    print(
        f"Real ESCO pairs: {real['pairs']} automotive occupation pairs, {real['catalogue_courses']} courses, "
        f"{real['badges']} badges, budget {real['budget'] or 'none'} "
        "(target: gap + plan p50 <= 10 ms, p99 <= 50 ms)"
    )
    for name in (
        "gap_ms",
        "gap_plus_one_plan_uncertified_ms",
        "gap_plus_one_plan_certified_ms",
        "gap_plus_three_plans_certified_ms",
    ):
        t = real[name]
        print(f"{name[:-3]:<34} p50 {t['p50']:7.2f} ms  p99 {t['p99']:7.2f} ms  max {t['max']:7.2f} ms")
    for key in (
        "mean_share_of_open_essential_skills_covered",
        "mean_share_of_open_essential_level_steps_covered",
        "mean_share_of_open_essential_skills_advanced",
    ):
        print(f"{key.replace('_', ' ')}: {real[key]}")


if __name__ == "__main__":
    main()
