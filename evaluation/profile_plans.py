"""Where a ``POST /v1/plans`` request's CPU goes: the route's work, in process, on bench_http's plan bodies.

Run (on a database loaded by ``upskill run``, the one ``bench_http --database`` serves):
``OPENBLAS_NUM_THREADS=1 .venv/bin/python -m evaluation.profile_plans [--repeat 3] [--profile] [--tree DIR]``

The bodies are ``evaluation.bench_http``'s plan row's (:func:`~evaluation.bench_http.plan_mix`: scenario 1
or ``--plan``, then its limits from and to up to ``--pairs`` shuffled pairs of the automotive-mobility
occupations the database holds). Each is answered as the route answers it
(``plans_json(plans_answer(...))``, the body read by the route's schema) in a subprocess that loads the
graph, plan options and model once (``api.runtime``), holds the BLAS threads and freezes the loaded
objects as the served process does, and answers the first body once before timing (the benchmark's
warm-up). Every body is answered ``--repeat`` times in turn; a body's figure is its median over the
rounds after the first (caches as warm as in a served process; the median leaves out a round that another
process on a busy machine slowed).

Printed: a request's CPU time (``time.thread_time``), p50 / mean / p99 / max over the bodies, the bodies
above ``--heavy`` ms with their pair and answer size, and with ``--profile`` the functions taking the most
time (cProfile over the last round); with ``--split`` the mean CPU a request spends in each part of the
route's work (:data:`SPLIT`: the gap, the model's scores, the solver, assembling the plans, the JSON ...).
Each answer is hashed (SHA-256 of its JSON): ``--compare OLD.json``
says which bodies' answers differ from an earlier run's (those whose solve the time limit stopped may
differ from run to run: ``recommender.planner.cover.TIME_LIMIT``). ``--tree DIR`` plans with another
checkout's code (main's, from ``git worktree add``; the runner uses only what main has had since
bench_http's plan row; on this checkout's database and model artefacts: :func:`data_environment`), so that
before and after are measured alike. Writes
``bench-results/profile_plans.json`` (or ``--json``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from data.defaults import absolute_database_url, default_data_dir, environment_database_url
from evaluation.bench_http import SCENARIO_1
from evaluation.bench_load import percentile

ROOT = Path(__file__).resolve().parents[1]

#: Runs in a subprocess (``api`` is imported there, never by ``evaluation``): answers each body, one JSON
#: line each, then the profile's text when asked.
RUNNER = """
import cProfile, gc, hashlib, io, json, pstats, statistics, sys, time
from api.http.app import SERVING_BLAS_THREADS
from api.http.routers.planning import plans_answer, plans_json
from api.http.schemas.planning import PlanCreate
from api.runtime import Runtime
from evaluation.bench_http import plan_mix
from recommender.scoring import serving_blas_threads
from recommender.sectors import automotive_mobility

args = json.loads(sys.stdin.read())
spent = {}  # part -> CPU seconds in the measured rounds
measuring = [False]


def timed(owner, name, part):  # owner.name (a module's function, a class's method) timed into spent[part]
    function = getattr(owner, name)

    def wrapper(*a, **k):
        if not measuring[0]:
            return function(*a, **k)
        started = time.thread_time()
        try:
            return function(*a, **k)
        finally:
            spent[part] = spent.get(part, 0.0) + time.thread_time() - started

    setattr(owner, name, wrapper)


if args["split"]:
    import importlib
    for part, where in args["split"]:
        module, _, name = where.partition(":")
        owner, _, attr = name.rpartition(".")
        target = importlib.import_module(module)
        timed(getattr(target, owner) if owner else target, attr, part)
    import api.http.routers.planning as planning
    plans_json = planning.plans_json
rt = Runtime()
rt.load_all(strict=False)
graph, options, model = rt.graph, rt.plan_options, rt.model
gc.collect()
gc.freeze()  # as the served process does after loading (api.http.app)
held = serving_blas_threads(SERVING_BLAS_THREADS)
held.__enter__()  # held for the server's life (the object kept: its exit restores the limit)
occupations = sorted(uri for uri in automotive_mobility() if uri in graph.occupation_index)
routes = plan_mix(args["base"], occupations, args["pairs"], args["seed"]).requests
bodies = [PlanCreate.model_validate(route.body) for route in routes]
plans_json(plans_answer(bodies[0], graph, options, model))  # the benchmark's warm-up
profiler = cProfile.Profile()
times = {}  # body -> (CPU, wall) of each round after the first
for round_ in range(args["repeat"]):
    last = round_ == args["repeat"] - 1
    for n, (route, body) in enumerate(zip(routes, bodies)):
        if args["bodies"] and n not in args["bodies"]:
            continue
        measuring[0] = round_ > 0 or args["repeat"] == 1
        if last and args["profile"]:
            profiler.enable()
        cpu, wall = time.thread_time(), time.perf_counter()
        answer = plans_json(plans_answer(body, graph, options, model))
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
        if last and args["profile"]:
            profiler.disable()
        if round_ > 0 or args["repeat"] == 1:
            times.setdefault(n, []).append((cpu, wall))
        if last:
            cpu = statistics.median(c for c, _ in times[n])
            wall = statistics.median(w for _, w in times[n])
            row = {"n": n, "pair": [route.body["current_occupations"][0], route.body["target"]],
                   "cpu_ms": 1000 * cpu, "wall_ms": 1000 * wall, "bytes": len(answer),
                   "sha256": hashlib.sha256(answer).hexdigest()}
            print(json.dumps(row), flush=True)
if args["split"]:
    print("SPLIT" + json.dumps({part: seconds / max(1, sum(len(t) for t in times.values()))
                                for part, seconds in spent.items()}), flush=True)
if args["profile"]:
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text).sort_stats(args["sort"])
    stats.print_stats(args["top"])
    print("PROFILE" + json.dumps(text.getvalue()), flush=True)
"""


#: ``--split``: the parts a request's CPU is split into (each a function, module:name or module:Class.name,
#: timed where the route's work calls it; indented parts are within the one above).
SPLIT = [
    ("the gap (profile)", "api.http.routers.planning:_profile"),
    ("the model's scores", "api.services.plans:model_scores"),
    ("plan_paths", "api.services.plans:plan_paths"),
    ("  the solver (cover.solve)", "recommender.planner.plan:solve"),
    ("  the problem (build, recost)", "recommender.planner.plan:build_problem"),
    ("  the problem (build, recost) ", "recommender.planner.plan:recost"),
    ("  a course for a badge", "recommender.planner.plan:with_a_badge"),
    ("  assembling the plans", "recommender.planner.plan:_assemble"),
    ("    what to drop by the deadline", "recommender.planner.plan:kept_by_deadline"),
    ("the answer's dict", "api.services.plans:PlanAnswer.to_dict"),
    ("the JSON", "api.http.routers.planning:plans_json"),
]


def data_environment() -> dict[str, str]:
    """The database and model artefacts this checkout would read (``UPSKILL_DATABASE_URL`` and
    ``UPSKILL_ARTEFACT_DIR`` as set, relative ones made absolute from the current directory, else the
    defaults under this checkout), named for the runner: a ``--tree`` checkout, started in its own
    directory, would otherwise look under its own root and plan without the model."""
    artefacts = os.environ.get("UPSKILL_ARTEFACT_DIR")
    return {
        "UPSKILL_DATABASE_URL": absolute_database_url(environment_database_url()),
        "UPSKILL_ARTEFACT_DIR": str(
            Path(artefacts).resolve() if artefacts else default_data_dir() / "artefacts"
        ),
    }


def run(args: argparse.Namespace) -> tuple[list[dict[str, Any]], str, dict[str, float]]:
    """The rows, the profile's text ("" without ``--profile``) and the split (CPU seconds a request per
    part, empty without ``--split``)."""
    request = {
        "base": json.loads(args.plan) if args.plan else SCENARIO_1,
        "pairs": args.pairs,
        "seed": args.seed,
        "repeat": args.repeat,
        "profile": args.profile,
        "sort": args.sort,
        "top": args.top,
        "bodies": args.bodies,
        "split": SPLIT if args.split else [],
    }
    done = subprocess.run(
        [sys.executable, "-c", RUNNER],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        cwd=args.tree,
        env={**os.environ, **data_environment(), "PYTHONPATH": str(args.tree)},
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"planning failed:\n{done.stderr[-3000:]}")
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    lines = done.stdout.splitlines()
    profiles = [json.loads(line[7:]) for line in lines if line.startswith("PROFILE")]
    splits = [json.loads(line[5:]) for line in lines if line.startswith("SPLIT")]
    return rows, profiles[0] if profiles else "", splits[0] if splits else {}


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": percentile(ordered, 0.5),
        "mean": statistics.fmean(ordered),
        "p99": percentile(ordered, 0.99),
        "max": ordered[-1],
    }


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--plan", help="the first body as JSON, whose limits the pairs take (scenario 1)")
    parser.add_argument("--pairs", type=int, default=100, help="occupation pairs besides scenario 1")
    parser.add_argument("--seed", type=int, default=20261202, help="shuffles the pairs (bench_http's)")
    parser.add_argument(
        "--repeat", type=int, default=4, help="rounds over the bodies; those after the first are measured"
    )
    parser.add_argument("--bodies", type=int, nargs="+", help="answer only these bodies (0: scenario 1)")
    parser.add_argument("--heavy", type=float, default=40.0, help="list the bodies above this CPU (ms)")
    parser.add_argument("--profile", action="store_true", help="cProfile the last round")
    parser.add_argument("--split", action="store_true", help="a request's CPU by part (SPLIT)")
    parser.add_argument("--sort", default="cumulative", help="pstats sort key")
    parser.add_argument("--top", type=int, default=45, help="functions shown in the profile")
    parser.add_argument(
        "--tree",
        type=Path,
        default=ROOT,
        help="plan with the code of this checkout (e.g. main's, from `git worktree add`); default: this one",
    )
    parser.add_argument("--compare", type=Path, help="an earlier run's JSON: say which answers differ")
    parser.add_argument("--json", type=Path, default=Path("bench-results/profile_plans.json"))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    rows, profile, split = run(args)
    cpu = summary([row["cpu_ms"] for row in rows])
    wall = summary([row["wall_ms"] for row in rows])
    load = os.getloadavg()
    loads = " ".join(f"{x:.2f}" for x in load)
    measured = max(1, args.repeat - 1)
    print(f"{len(rows)} bodies, each the median of {measured} round(s) after a first; load {loads}")
    print(f"{'':>8} {'p50':>8} {'mean':>8} {'p99':>8} {'max':>8}")
    for name, figures in (("cpu ms", cpu), ("wall ms", wall)):
        print(f"{name:>8} " + " ".join(f"{figures[key]:8.1f}" for key in ("p50", "mean", "p99", "max")))
    heavy = sorted((row for row in rows if row["cpu_ms"] > args.heavy), key=lambda row: -row["cpu_ms"])
    print(f"{len(heavy)} bodies above {args.heavy:g} ms CPU:")
    for row in heavy:
        source, target = (uri.rsplit("/", 1)[-1][:8] for uri in row["pair"])
        size = row["bytes"] / 1000
        print(f"  #{row['n']:<3} {row['cpu_ms']:7.1f} ms  {size:7.1f} KB  {source} -> {target}")
    differ: list[int] | None = None
    if args.compare:
        before = {row["n"]: row["sha256"] for row in json.loads(args.compare.read_text())["rows"]}
        differ = [row["n"] for row in rows if before.get(row["n"]) != row["sha256"]]
        print(f"answers differing from {args.compare}: {len(differ)} {differ[:20]}")
    parts: dict[str, float] = {}
    for part, _ in SPLIT if split else ():  # in SPLIT's order; the parts of two functions added up
        parts[part.rstrip()] = parts.get(part.rstrip(), 0.0) + split.get(part, 0.0)
    if parts:
        mean = cpu["mean"] / 1000
        print(f"a request's CPU by part (mean over the measured requests; of {cpu['mean']:.2f} ms):")
        for part, seconds in parts.items():
            print(f"  {part:<32} {1000 * seconds:6.2f} ms  {100 * seconds / mean:5.1f} %")
    if profile:
        print(profile)
    result = {
        "bodies": len(rows),
        "repeat": args.repeat,
        "cpu_ms": cpu,
        "wall_ms": wall,
        "differ": differ,
        "split_ms": {part.strip(): 1000 * seconds for part, seconds in parts.items()},
        "rows": rows,
        "machine": {"cpus": os.cpu_count(), "load_1_5_15": load, "python": platform.python_version()},
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2))
    print(f"written {args.json}")
    return 0 if not differ else 1


if __name__ == "__main__":
    sys.exit(main())
