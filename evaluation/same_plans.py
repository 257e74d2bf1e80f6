"""Are the plans the same? The 200 real automotive pairs planned by this checkout and by another commit.

Run (on a database loaded by ``upskill run``)::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python -m evaluation.same_plans --before COMMIT [--pairs 200]

For work that must not change what users see (speed-ups of the planner): each checkout plans every pair in a
subprocess, through the plan service (``api.services.plans.plan``, the model's ranking, three plans) under
several requests (scenario 1's limits; no budget, objective cost; free courses only in a region, 4 h a week;
a tight deadline with a level and a delivery mode), and the answers' JSON (``PlanAnswer.to_dict``) are
compared byte for byte. Prints how many are identical per request and the first differences; exits 1 when
any differs. Writes ``bench-results/same_plans.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from evaluation.bench_plans import ROOT, extract, run_in_tree

#: Plans each pair under each request of REQUESTS, read from stdin; one JSON line per (request, pair).
RUNNER = """
import datetime as dt, json, sys, time
from api.runtime import Runtime
from api.services.plans import PlanRequest, plan
from api.services.profiles import profile_gap
rt = Runtime()
day = dt.date(2027, 1, 4)
requests = {
    "scenario1": PlanRequest(budget=1500.0, currency="EUR", hours_per_week=6.0, start=day,
                             deadline=dt.date(2027, 10, 3), languages=("en", "de")),
    "cost_no_budget": PlanRequest(currency="EUR", hours_per_week=8.0, start=day, languages=("en",),
                                  objective="cost"),
    "free_region": PlanRequest(budget=0.0, currency="EUR", hours_per_week=4.0, start=day, region="SK02"),
    "tight_deadline": PlanRequest(budget=500.0, currency="USD", hours_per_week=3.0, start=day,
                                  deadline=dt.date(2027, 3, 1), languages=("en",), levels=("introductory",),
                                  delivery_modes=("online",)),
}
pairs = json.loads(sys.stdin.read())
for name, request in requests.items():
    for source, target in pairs:
        profile = profile_gap(graph=rt.graph, target=target, occupations=[source])
        c0 = time.process_time()
        answer = plan(profile=profile, options=rt.plan_options, model=rt.model, request=request)
        cpu = time.process_time() - c0
        text = json.dumps(answer.to_dict(), sort_keys=True)
        print(json.dumps({"request": name, "pair": [source, target], "cpu": cpu, "answer": text}), flush=True)
"""


def plan_all(tree: Path, pairs: list[tuple[str, str]], env: dict[str, str]) -> list[dict[str, Any]]:
    """Every (request, pair) planned by the code in ``tree``, in a subprocess."""
    return run_in_tree(tree, RUNNER, pairs, env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="commit whose plans must be matched")
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--only", type=int, nargs="*", default=None, help="plan only these pair indices")
    parser.add_argument("--output", type=Path, default=ROOT / "bench-results" / "same_plans.json")
    args = parser.parse_args()

    from data.db import make_engine, transaction
    from data.defaults import default_data_dir, environment_database_url
    from data.graph_loader import load_graph
    from recommender.sectors import automotive_mobility

    database_url = environment_database_url()
    with transaction(make_engine(database_url)) as session:
        graph = load_graph(db_session=session)
    occupations = sorted(automotive_mobility() & set(graph.occupation_uris))
    pairs = [(a, b) for a in occupations for b in occupations if a != b][: args.pairs]
    if args.only is not None:
        pairs = [pairs[k] for k in args.only]
    env = {
        **os.environ,
        "UPSKILL_DATABASE_URL": database_url,
        "UPSKILL_ARTEFACT_DIR": os.environ.get("UPSKILL_ARTEFACT_DIR")
        or str(default_data_dir() / "artefacts"),
        "OPENBLAS_NUM_THREADS": "1",
    }
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="same-plans-before-") as folder:
        before_commit = extract(args.before, Path(folder))
        before = plan_all(Path(folder), pairs, {**env, "UPSKILL_CACHE_DIR": str(Path(folder) / "cache")})
    after = plan_all(ROOT, pairs, env)
    if len(before) != len(after):
        raise SystemExit(f"{len(before)} answers before, {len(after)} after")
    per_request: dict[str, dict[str, Any]] = {}
    differences = []
    for b, a in zip(before, after, strict=True):
        row = per_request.setdefault(
            b["request"], {"plans": 0, "identical": 0, "cpu_before": 0.0, "cpu_after": 0.0}
        )
        row["plans"] += 1
        row["cpu_before"] += b["cpu"]
        row["cpu_after"] += a["cpu"]
        if (b["request"], b["pair"]) != (a["request"], a["pair"]):
            raise SystemExit("the two runs planned different pairs")
        if a["answer"] == b["answer"]:
            row["identical"] += 1
        else:
            differences.append(
                {"request": b["request"], "pair": b["pair"], "before": b["answer"], "after": a["answer"]}
            )
    print(
        f"{len(pairs)} automotive ESCO pairs, {len(per_request)} requests: {before_commit[:10]} against this "
        f"checkout ({time.perf_counter() - t0:.0f} s, load {os.getloadavg()[0]:.1f})"
    )
    for name, row in per_request.items():
        print(
            f"  {name:<16} {row['identical']:>4} of {row['plans']} answers identical; plan CPU "
            f"{1000 * row['cpu_before'] / row['plans']:.1f} -> {1000 * row['cpu_after'] / row['plans']:.1f} "
            "ms mean (service call, the model's scores included)"
        )
    for diff in differences[:5]:
        print(f"  differs: {diff['request']} {diff['pair']}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps({"before": before_commit, "requests": per_request, "differences": differences}, indent=2)
    )
    if differences:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
