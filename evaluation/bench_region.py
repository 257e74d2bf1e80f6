"""Benchmark of the regional portfolio planner (issue 16): scenario 4 end to end, a large instance next to a
greedy portfolio, and the budget sweep in this process against a 2-worker Dask LocalCluster.

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python -m evaluation.bench_region [--snapshot DIR] [--skip-large]``
(scenario 4 needs the database of ``make run``: ESCO and the catalogue; ``--snapshot`` a graph snapshot).

* **Scenario 4** (``data/demo/scenario4_*.csv``, EUR 5 million): graph load, reading the files, pathways,
  the portfolio MILP (certificate), the 20-budget sweep, suppression and the PDF report (the HTML report
  timed apart). Target: <= 10 s for the whole (the graph load counted), certified optimal.
* **Large**: a synthetic region (:func:`large_region`) with 2,000 programmes, 200 origin occupations and 50
  target occupations on a synthetic competence graph, through the same :func:`build_problem` and
  :func:`solve` (time limit 60 s). Target: <= 60 s with the optimality gap printed, next to
  :func:`greedy_portfolio` (benefit per euro) on the same pathways: workers made ready side by side.
* **Sweep**: 20 budgets (10 % .. 200 %) in this process (one after the other) against a 2-worker
  ``LocalCluster`` (started before the clock), on scenario 4 and on a mid-size synthetic region.

Prints tables and writes ``bench-results/bench_region.json`` with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import scipy

from recommender.graph import CompetenceGraph, Concept, GraphData
from recommender.region.model import Occupation, Problem, Programme, Settings, Solution
from recommender.region.pathways import build_problem
from recommender.region.portfolio import solve
from recommender.region.sweep import SHARES, sensitivity

# --- the large synthetic region ----------------------------------------------------------------------------


def large_region(
    seed: int, *, programmes: int = 2_000, origins: int = 200, targets: int = 50, families: int = 10
) -> tuple[CompetenceGraph, list[Occupation], list[Occupation], list[Programme]]:
    """A synthetic region in ``families`` occupational families (battery, electrical, ... in spirit).

    Each family has 60 skills. A target requires 14 essential skills of its family (plus 2 from a pool of
    common skills); an origin of the same family holds 6-10 of them already, so its gap is 6-10 skills; a
    move across families has a gap of about 16. Programmes are provider bundles: 80 % teach 3-7 skills of
    one family at level 3 (sometimes 2), 20 % teach 2-4 common skills; cost per seat EUR 300-3,000 by size,
    20-400 seats. Workforce 50-5,000 per origin, demand 20-800 per target, weights 1 or 1.5.
    """
    rng = random.Random(seed)
    family_skills = [[f"skill:f{f}:{i}" for i in range(60)] for f in range(families)]
    common = [f"skill:common:{i}" for i in range(30)]
    data = GraphData()
    data.skills = [Concept(uri, uri) for skills in family_skills for uri in skills] + [
        Concept(uri, uri) for uri in common
    ]
    target_occupations: list[tuple[str, int]] = []
    for t in range(targets):
        family = t % families
        uri = f"occ:target:{t}"
        data.occupations.append(Concept(uri, f"target {t}", (), {"isco_code": "7000", "code": f"7000.{t}"}))
        required = rng.sample(family_skills[family], 14) + rng.sample(common, 2)
        data.occupation_skills += [(uri, s, "essential") for s in required]
        target_occupations.append((uri, family))
    origin_occupations: list[str] = []
    for o in range(origins):
        family = o % families
        uri = f"occ:origin:{o}"
        data.occupations.append(Concept(uri, f"origin {o}", (), {"isco_code": "8000", "code": f"8000.{o}"}))
        same = [s for (t_uri, f) in target_occupations if f == family for s in _required(data, t_uri)]
        held = set(rng.sample(sorted(set(same)), min(len(set(same)), rng.randint(18, 30))))
        held |= set(rng.sample(common, 6))
        data.occupation_skills += [(uri, s, "essential") for s in sorted(held)]
        origin_occupations.append(uri)
    graph = CompetenceGraph.from_data(data)
    workforce = [Occupation(uri, uri, rng.randint(50, 5_000)) for uri in origin_occupations]
    demand = [
        Occupation(uri, uri, rng.randint(20, 800), 2028, rng.choice([1.0, 1.0, 1.5]))
        for uri, _ in target_occupations
    ]
    offers = []
    for p in range(programmes):
        if rng.random() < 0.8:
            family = rng.randrange(families)
            taught = rng.sample(family_skills[family], rng.randint(3, 7))
        else:
            taught = rng.sample(common, rng.randint(2, 4))
        skills = {s: (3 if rng.random() < 0.85 else 2) for s in taught}
        hours = 20.0 * len(taught) * rng.uniform(0.7, 1.5)
        offers.append(
            Programme(
                id=f"p{p}",
                title=f"programme {p}",
                provider=f"provider {p % 60}",
                skills=skills,
                cost_per_seat=round(hours * rng.uniform(9, 16), -1),
                seats=rng.randint(2, 40) * 10,
                hours=hours,
                weeks=max(2.0, hours / 30),
            )
        )
    return graph, workforce, demand, offers


def _required(data: GraphData, occupation: str) -> list[str]:
    return [s for o, s, _ in data.occupation_skills if o == occupation]


# --- the greedy baseline -----------------------------------------------------------------------------------


def greedy_portfolio(problem: Problem, *, budget: float | None = None) -> tuple[int, ...]:
    """Workers per pathway, benefit per euro: pathways by demand weight / cost, each filled as far as it goes.

    Respects supply, demand, seats, the minimum class (a programme's first workers come in a group of at
    least ``min_seats``) and the budget; the baseline a region could build in a spreadsheet.
    """
    s = problem.settings
    spend = (s.budget if budget is None else budget) / (1.0 - s.cofinancing)
    supply = [o.count for o in problem.origins]
    demand = [t.count for t in problem.targets]
    seats_left = [p.seats for p in problem.programmes]
    used = [0] * len(problem.programmes)
    workers = [0] * len(problem.pathways)
    order = sorted(
        range(len(problem.pathways)),
        key=lambda j: (
            -problem.targets[problem.pairs[problem.pathways[j].pair].target].weight
            / max(problem.pathways[j].cost, 1e-9),
            problem.pathways[j].cost,
            j,
        ),
    )
    for j in order:
        path = problem.pathways[j]
        pair = problem.pairs[path.pair]
        n = min(supply[pair.origin], demand[pair.target], *(seats_left[p] for p in path.programmes))
        if path.cost > 0:
            n = min(n, int(spend // path.cost))
        if n <= 0:
            continue
        if any(used[p] == 0 for p in path.programmes) and n < s.min_seats:
            continue
        workers[j] = n
        supply[pair.origin] -= n
        demand[pair.target] -= n
        spend -= n * path.cost
        for p in path.programmes:
            seats_left[p] -= n
            used[p] += n
    return tuple(workers)


# --- runs --------------------------------------------------------------------------------------------------


def _time(function: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def scenario4(out_dir: Path, snapshot: Path | None) -> tuple[dict[str, Any], Problem]:
    """Scenario 4 end to end, the steps of ``upskill region plan`` one by one, each timed.

    The graph comes from a snapshot folder (``upskill graph snapshot DIR``, what a deployment loads at start)
    when given, else it is built from the database (the database of ``make run``); the catalogue's courses
    come from the database.
    """
    from data.db import make_engine, transaction
    from data.defaults import environment_database_url
    from data.demo.scenario4 import DEMO
    from data.formats.region import read_demand, read_programmes, read_workforce
    from data.graph_loader import load_graph
    from data.plan_inputs import load_course_options
    from evaluation.region_report import write_report
    from recommender.region.outcome import outcome
    from recommender.region.publish import publish

    stages: dict[str, float] = {}
    started = clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        stages[stage] = round(time.perf_counter() - clock, 3)
        clock = time.perf_counter()

    engine = make_engine(environment_database_url())
    if snapshot is not None:
        graph = CompetenceGraph.load(snapshot)
        lap("graph (snapshot)")
    with transaction(engine) as session:
        if snapshot is None:
            graph = load_graph(db_session=session)
            lap("graph (built from the database)")
        courses = load_course_options(db_session=session)
    lap("catalogue courses")
    workforce = read_workforce(DEMO / "scenario4_workforce.csv", graph)
    demand = read_demand(DEMO / "scenario4_demand.csv", graph)
    programmes = read_programmes(DEMO / "scenario4_programmes.csv", graph, courses)
    lap("read inputs")
    problem = build_problem(graph, workforce, demand, programmes, Settings(budget=5_000_000, region="CZ08"))
    lap("pathways")
    solution = solve(problem)
    lap("portfolio MILP")
    curve = sensitivity(problem)
    lap("budget sweep (20 budgets)")
    plan = publish(problem, replace(outcome(problem, solution), sensitivity=curve))
    lap("publish (suppression)")
    meta = {
        "title": "Training portfolio for CZ08",
        "subtitle": "Budget EUR 5,000,000",
        "year": 2028,
        "settings": {"max_programmes": 3, "min_seats": 5},
        "sources": [("ESCO", "v1.1.1")],
        "generated": "benchmark",
        "version": "benchmark",
    }
    write_report(out_dir / "scenario4.pdf", plan, meta)
    lap("report (pdf)")
    total = time.perf_counter() - started
    write_report(out_dir / "scenario4.html", plan, meta)
    lap("report (html, not in the total)")
    return {
        "seconds": round(total, 3),
        "stages": stages,
        "status": plan["certificate"]["status"],
        "workers_made_ready": plan["totals"]["workers_made_ready"],
        "cost_per_worker": plan["totals"]["cost_per_worker"],
        "pathways": len(problem.pathways),
    }, problem


def large(seed: int, *, programmes: int = 2_000, origins: int = 200, targets: int = 50) -> dict[str, Any]:
    (graph, workforce, demand, offers), t_generate = _time(
        large_region, seed, programmes=programmes, origins=origins, targets=targets
    )
    budget = 0.25 * sum(t.count for t in demand) * 2_000  # about a quarter of the demand at EUR 2,000 each
    settings = Settings(budget=budget, time_limit=55.0)
    problem, t_build = _time(build_problem, graph, workforce, demand, offers, settings)
    solution, t_solve = _time(solve, problem)
    greedy_workers, t_greedy = _time(greedy_portfolio, problem)
    baseline = Solution(greedy_workers, solution.certificate)  # the certificate is the MILP's, unused
    c = solution.certificate
    return {
        "programmes": programmes,
        "origins": origins,
        "targets": targets,
        "pairs": len(problem.pairs),
        "pathways": len(problem.pathways),
        "pathways_complete": c.pathways_complete,
        "budget": budget,
        "generate_s": round(t_generate, 3),
        "build_s": round(t_build, 3),
        "solve_s": round(t_solve, 3),
        "total_s": round(t_build + t_solve, 3),
        "status": c.status,
        "objective": c.objective,
        "bound": c.bound,
        "gap": c.gap,
        "milp_made_ready": sum(solution.workers),
        "milp_weighted": solution.weighted(problem),
        "greedy_made_ready": sum(baseline.workers),
        "greedy_weighted": baseline.weighted(problem),
        "greedy_s": round(t_greedy, 3),
        "milp_cost": solution.cost(problem),
        "greedy_cost": baseline.cost(problem),
        "_problem": problem,
    }


def sweep(problem: Problem, name: str) -> dict[str, Any]:
    """20 budgets in this process, then on a 2-worker LocalCluster (started before the clock)."""
    from distributed import LocalCluster

    local, t_local = _time(sensitivity, problem, SHARES)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        sensitivity(problem, SHARES[:2], scheduler=cluster.scheduler_address)  # warm the workers
        remote, t_dask = _time(sensitivity, problem, SHARES, scheduler=cluster.scheduler_address)
    return {
        "instance": name,
        "budgets": len(SHARES),
        "in_process_s": round(t_local, 3),
        "local_cluster_2_s": round(t_dask, 3),
        "ratio": round(t_local / t_dask, 3),
        "same_curve": [p.weighted for p in local] == [p.weighted for p in remote],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--skip-scenario", action="store_true")
    parser.add_argument("--snapshot", type=Path, help="A graph snapshot folder (upskill graph snapshot DIR).")
    parser.add_argument("--out", default="bench-results/bench_region.json")
    args = parser.parse_args()
    results: dict[str, Any] = {"load_average_before": os.getloadavg()}
    scenario_problem: Problem | None = None
    with tempfile.TemporaryDirectory() as folder:
        if not args.skip_scenario:
            s4, scenario_problem = scenario4(Path(folder), args.snapshot)
            results["scenario4"] = s4
            print(f"\nScenario 4 end to end: {s4['seconds']:.2f} s (target <= 10 s), {s4['status']}")
            for stage, seconds in s4["stages"].items():
                print(f"  {stage:<28} {seconds:8.3f} s")
            print(
                f"  made ready {s4['workers_made_ready']:,}, cost per worker {s4['cost_per_worker']:,.0f}, "
                f"{s4['pathways']} pathways"
            )
    if not args.skip_large:
        big = large(args.seed)
        problem = big.pop("_problem")
        results["large"] = big
        print(
            f"\nLarge: {big['programmes']:,} programmes x {big['origins']} origins x {big['targets']} "
            "targets: "
            f"{big['pairs']:,} pairs, {big['pathways']:,} pathways (complete: {big['pathways_complete']})"
        )
        print(
            f"  build {big['build_s']:.2f} s + solve {big['solve_s']:.2f} s = {big['total_s']:.2f} s "
            "(target <= 60 s)"
        )
        print(
            f"  certificate {big['status']}, objective {big['objective']:,.1f}, bound {big['bound']:,.1f}, "
            f"gap {big['gap']:.4%}"
        )
        print(f"  {'':<10} {'made ready':>12} {'weighted':>12} {'cost':>14} {'seconds':>9}")
        print(
            f"  {'MILP':<10} {big['milp_made_ready']:>12,} {big['milp_weighted']:>12,.1f} "
            f"{big['milp_cost']:>14,.0f} "
            f"{big['solve_s']:>9.2f}"
        )
        print(
            f"  {'greedy':<10} {big['greedy_made_ready']:>12,} {big['greedy_weighted']:>12,.1f} "
            f"{big['greedy_cost']:>14,.0f} {big['greedy_s']:>9.2f}"
        )
        mid = large(args.seed + 1, programmes=500, origins=50, targets=20)
        mid_problem = mid.pop("_problem")
        results["mid"] = mid
        results["sweeps"] = [sweep(mid_problem, "mid (500 x 50 x 20)")]
        del problem
    if scenario_problem is not None:
        results.setdefault("sweeps", []).insert(0, sweep(scenario_problem, "scenario 4"))
    print(
        f"\n{'sweep of 20 budgets':<24} {'in process':>11} {'2-worker cluster':>17} {'ratio':>7} same curve"
    )
    for row in results.get("sweeps", []):
        print(
            f"{row['instance']:<24} {row['in_process_s']:>10.2f}s {row['local_cluster_2_s']:>16.2f}s "
            f"{row['ratio']:>7.2f} {row['same_curve']}"
        )
    results["load_average_after"] = os.getloadavg()
    results["machine"] = {
        "python": platform.python_version(),
        "scipy": scipy.__version__,
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
    }
    print(
        f"\nload average (1, 5, 15 min): before {results['load_average_before']}, after "
        f"{results['load_average_after']}"
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
