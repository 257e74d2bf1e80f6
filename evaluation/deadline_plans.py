"""What a worker who cannot make the deadline is told, on the 200 real automotive pairs of ``bench_plans``.

Run (on a database loaded by ``upskill run``)::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python -m evaluation.deadline_plans [--pairs 200] [--hours 3]

Each pair is planned through the plan service with scenario 1's limits (EUR 1,500, English or German) but a
tight time: ``--hours`` a week from 2027-01-04 to a deadline 2027-06-30. Of the first plans that miss the
deadline it counts those whose drop advice keeps some courses, those where no course of the plan ends in time,
and those offered a plan chosen for the deadline (``deadline.instead``), and adds up the gap each way of
finishing in time reaches: every gap skill's weight times the share of its needed level reached (essential
and optional apart), by the courses dropping keeps and by the best of those and the offered plan. Prints the
table and writes ``bench-results/deadline_plans.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
START, DEADLINE = dt.date(2027, 1, 4), dt.date(2027, 6, 30)

#: Plans each pair (stdin) with scenario 1's limits at HOURS a week to the deadline; one JSON line a pair: the
#: first plan's deadline advice and courses, the gap still to learn and what each course named teaches.
RUNNER = """
import datetime as dt, json, sys
from api.runtime import Runtime
from api.services.plans import PlanRequest, plan
from api.services.profiles import profile_gap
rt = Runtime()
taught = {course.id: dict(course.skills) for course in rt.plan_options.courses}
request = PlanRequest(budget=1500.0, currency="EUR", hours_per_week=HOURS, start=dt.date(2027, 1, 4),
                      deadline=dt.date(2027, 6, 30), languages=("en", "de"))
for source, target in json.loads(sys.stdin.read()):
    profile = profile_gap(graph=rt.graph, target=target, occupations=[source])
    answer = plan(profile=profile, options=rt.plan_options, model=rt.model, request=request).to_dict()
    first = answer["plans"][0] if answer["plans"] else None
    row = {"pair": [source, target], "deadline": first and first["deadline"],
           "courses": [s["course_id"] for s in first["steps"]] if first else [],
           "needed": {i.uri: [i.relation, i.required_level, i.weight] for i in profile.gap.items
                      if i.status != "held"}}
    named = row["courses"] + (row["deadline"]["instead"] if row["deadline"] else [])
    row["taught"] = {c: taught[c] for c in named}
    print(json.dumps(row), flush=True)
"""


def reached(
    courses: Iterable[str], taught: Mapping[str, Mapping[str, int]], needed: Mapping[str, Sequence[Any]]
) -> tuple[float, float]:
    """The essential and optional gap weight ``courses`` reach: each gap skill's weight times the share of its
    needed level that the best level the courses teach it at makes (``taught``: course -> skill -> level;
    ``needed``: skill -> relation, level, weight)."""
    best: dict[str, int] = {}
    for course in courses:
        for uri, level in taught[course].items():
            best[uri] = max(best.get(uri, 0), level)
    sums = {"essential": 0.0, "optional": 0.0}
    for uri, level in best.items():
        if uri in needed:
            relation, level_needed, weight = needed[uri]
            sums[relation] += weight * min(level, level_needed) / level_needed
    return sums["essential"], sums["optional"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--hours", type=float, default=3.0, help="hours of study a week")
    parser.add_argument("--output", type=Path, default=ROOT / "bench-results" / "deadline_plans.json")
    args = parser.parse_args()

    from data.db import make_engine, transaction
    from data.defaults import environment_database_url
    from data.graph_loader import load_graph
    from evaluation.bench_plans import run_in_tree
    from evaluation.relevance_review import pairs_of, planning_env

    with transaction(make_engine(environment_database_url())) as session:
        pairs = pairs_of(load_graph(db_session=session), args.pairs)
    counts = dict.fromkeys(
        ("planned", "missing_the_deadline", "dropping_keeps_courses", "no_course_in_time"), 0
    )
    counts["offered_a_plan_for_the_deadline"] = 0
    sums = {"dropping": [0.0, 0.0], "offered": [0.0, 0.0]}
    rows = []
    for row in run_in_tree(ROOT, RUNNER.replace("HOURS", repr(args.hours)), pairs, planning_env()):
        counts["planned"] += 1
        check = row["deadline"]
        if check is None or check["met"]:
            continue
        counts["missing_the_deadline"] += 1
        counts["dropping_keeps_courses" if check["drop"] else "no_course_in_time"] += 1
        kept = [c for c in row["courses"] if c not in check["drop"]] if check["drop"] else []
        offered = check["instead"]
        counts["offered_a_plan_for_the_deadline"] += bool(offered)
        by_dropping = reached(kept, row["taught"], row["needed"])
        best = reached(offered, row["taught"], row["needed"]) if offered else by_dropping
        for key, got in (("dropping", by_dropping), ("offered", best)):
            sums[key][0] += got[0]
            sums[key][1] += got[1]
        rows.append({"pair": row["pair"], "kept": kept, "instead": offered, "reached": [by_dropping, best]})
    result = {
        "request": f"EUR 1,500, {args.hours:g} h a week from {START} to {DEADLINE}, courses in en or de",
        **counts,
        "essential_weight_in_time_by_dropping": round(sums["dropping"][0], 3),
        "essential_weight_in_time_with_the_plan_offered": round(sums["offered"][0], 3),
        "optional_weight_in_time_by_dropping": round(sums["dropping"][1], 3),
        "optional_weight_in_time_with_the_plan_offered": round(sums["offered"][1], 3),
        "load": os.getloadavg()[0],
        "rows": rows,
    }
    print(f"{args.pairs} automotive ESCO pairs; {result['request']}")
    for key, figure in result.items():
        if key not in ("request", "rows"):
            print(f"  {key:<50} {figure}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
