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
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START, DEADLINE = dt.date(2027, 1, 4), dt.date(2027, 6, 30)


def reached(
    courses: Iterable[str],
    taught: Mapping[str, Mapping[str, int]],
    needed: Mapping[str, tuple[str, int, float]],
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

    from api.runtime import Runtime
    from api.services.plans import PlanRequest, plan
    from api.services.profiles import profile_gap
    from evaluation.relevance_review import pairs_of

    runtime = Runtime()
    request = PlanRequest(
        budget=1500.0,
        currency="EUR",
        hours_per_week=args.hours,
        start=START,
        deadline=DEADLINE,
        languages=("en", "de"),
    )
    counts = dict.fromkeys(
        ("planned", "missing_the_deadline", "dropping_keeps_courses", "no_course_in_time"), 0
    )
    counts["offered_a_plan_for_the_deadline"] = 0
    taught = {course.id: course.skills for course in runtime.plan_options.courses}
    kept_sum = [0.0, 0.0]
    best_sum = [0.0, 0.0]
    rows = []
    for source, target in pairs_of(runtime.graph, args.pairs):
        profile = profile_gap(graph=runtime.graph, target=target, occupations=[source])
        answer = plan(
            profile=profile, options=runtime.plan_options, model=runtime.model, request=request
        ).to_dict()
        counts["planned"] += 1
        first = answer["plans"][0] if answer["plans"] else None
        if first is None or first["deadline"] is None or first["deadline"]["met"]:
            continue
        counts["missing_the_deadline"] += 1
        check = first["deadline"]
        counts["dropping_keeps_courses" if check["drop"] else "no_course_in_time"] += 1
        needed = {
            item.uri: (item.relation, item.required_level, item.weight)
            for item in profile.gap.items
            if item.status != "held"
        }
        drop = set(check["drop"])
        kept = [s["course_id"] for s in first["steps"] if s["course_id"] not in drop] if drop else []
        offered = list(check["instead"])
        counts["offered_a_plan_for_the_deadline"] += bool(offered)
        by_dropping = reached(kept, taught, needed)
        best = reached(offered, taught, needed) if offered else by_dropping
        for total, value in ((kept_sum, by_dropping), (best_sum, best)):
            total[0] += value[0]
            total[1] += value[1]
        rows.append(
            {"pair": [source, target], "kept": kept, "instead": offered, "reached": [by_dropping, best]}
        )
    result = {
        "request": f"EUR 1,500, {args.hours:g} h a week from {START} to {DEADLINE}, courses in en or de",
        **counts,
        "essential_weight_in_time_by_dropping": round(kept_sum[0], 3),
        "essential_weight_in_time_with_the_plan_offered": round(best_sum[0], 3),
        "optional_weight_in_time_by_dropping": round(kept_sum[1], 3),
        "optional_weight_in_time_with_the_plan_offered": round(best_sum[1], 3),
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
