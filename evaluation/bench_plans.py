"""What plans give workers, before and after issue 12, on 200 real automotive ESCO pairs, side by side.

Run (on a database loaded by ``upskill run``):
``OPENBLAS_NUM_THREADS=1 .venv/bin/python -m evaluation.bench_plans [--pairs 200] [--before COMMIT]``

The same program plans every pair twice in one run, each in a subprocess: with main's code *before* the
change (``--before``, default :data:`BEFORE`, the commit main stood at when the work began, extracted with
``git archive`` into a temporary folder) and with this checkout's code, on the same database, model artefact
and requests (``--before-database URL --before-artefacts DIR``: the before code on another database, the one
its own ``upskill run`` built, for a change of the bundled data; the link-evidence figures below then read
this checkout's database for both). The pairs: the first ``--pairs`` ordered pairs (origin, target) of the
automotive-mobility occupations (``recommender.sectors``), as in ``bench_planner``; the worker: scenario 1's
limits (EUR 1,500, 6 h a week from 2027-01-04 to 2027-10-03, English or German courses).

Figures, over the first plan of each pair (the one a worker reads first), for the target's essential skills
the worker lacks:

* closed: share reaching the level the target needs;
* raised part of the way: share raised but not closed;
* left with an alternative: share not closed for which the plan names what to do instead (a badge by
  assessment, on-the-job training, asking a provider or an employer to fund a course);
* left with nothing: share neither closed, raised nor given an alternative;
* plans with a course that serves no gap skill: a step that advances no gap skill and is no other step's
  prerequisite; plans with a weakly evidenced course: a step, no other step's prerequisite, whose links to
  the target's skills sum to less than ``recommender.planner.relevance.MIN_EVIDENCE`` (the same measure
  applied to both versions, with the database's link confidences); and plans pulling in a weakly evidenced
  course as a prerequisite of another (allowed: the chosen course requires it); closed on weak evidence
  only: essential skills closed, every step raising them being weakly evidenced;
* plans holding a course judged irrelevant to the gap it is chosen for, by hand, in
  ``evaluation/relevance_review.csv`` (``evaluation.relevance_review``), and the courses in first plans not
  judged there yet (judge them before reading the count);
* median hours and cost of the plans (pairs with at least one course), plans earning a badge, and the
  median week the first badge comes in (of those plans) and its median share of the plan's weeks.

``--links`` prints how often the default catalogue's course-skill links are right, by confidence, on the
tagging gold set's dev courses: in sample for the link calibration, which was fitted on those courses
(``python -m evaluation.link_calibration`` gives its out-of-fold figures, which the thresholds cite). Writes
``bench-results/bench_plans.json`` (with each pair's first plan: its courses and the badges it earns, per
version).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: main before issue 12's plan work (relevance, levels, alternatives, labels, serving features).
BEFORE = "3a0b305"
#: The relevance review: each course of the first plans judged relevant to its gap or not, by hand.
JUDGED = ROOT / "evaluation" / "relevance_review.csv"

#: Runs inside a checkout (this one or ``BEFORE``'s): plans each pair read from stdin, one JSON line each.
#: Uses only what both versions have: the runtime, the profile gap and the plan service.
RUNNER = """
import datetime as dt, json, sys
from api.runtime import Runtime
from api.services.plans import PlanRequest, plan
from api.services.profiles import profile_gap
rt = Runtime()
request = PlanRequest(budget=1500.0, currency="EUR", hours_per_week=6.0, start=dt.date(2027, 1, 4),
                      deadline=dt.date(2027, 10, 3), languages=("en", "de"))
for source, target in json.loads(sys.stdin.read()):
    profile = profile_gap(graph=rt.graph, target=target, occupations=[source])
    started = __import__("time").perf_counter()
    answer = plan(profile=profile, options=rt.plan_options, model=rt.model, request=request)
    seconds = __import__("time").perf_counter() - started
    print(json.dumps({"pair": [source, target], "seconds": seconds, "answer": answer.to_dict()}), flush=True)
"""


def extract(commit: str, folder: Path, repo: Path = ROOT) -> str:
    """The tree of ``commit`` (Python sources only need to be there) into ``folder``; its full hash."""
    full = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", commit], check=True, capture_output=True, text=True
    ).stdout.strip()
    archive = subprocess.run(
        ["git", "-C", str(repo), "archive", full], check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return full


def run_plans(tree: Path, pairs: list[tuple[str, str]], env: dict[str, str]) -> list[dict[str, Any]]:
    """Plan ``pairs`` with the code in ``tree``, in a subprocess."""
    started = time.perf_counter()
    rows = run_in_tree(tree, RUNNER, pairs, env)
    for row in rows:
        row["wall"] = time.perf_counter() - started
    return rows


#: What alembic says when the database is at a migration the code does not have.
UNKNOWN_REVISION = re.compile(r"Can't locate revision identified by '([^']+)'")


def run_in_tree(
    tree: Path, runner: str, pairs: list[tuple[str, str]], env: dict[str, str]
) -> list[dict[str, Any]]:
    """Run the Python program ``runner`` with the code in ``tree`` on ``pairs`` (JSON on its input); its JSON
    lines."""
    done = subprocess.run(
        [sys.executable, "-c", runner],
        input=json.dumps(pairs),
        capture_output=True,
        text=True,
        cwd=tree,
        env={**env, "PYTHONPATH": str(tree)},
        check=False,
    )
    if done.returncode != 0:
        unknown = UNKNOWN_REVISION.search(done.stderr)
        if unknown:
            raise SystemExit(
                f"the code in {tree} (--before) cannot open the database: its migrations do not know the "
                f"database's revision {unknown.group(1)!r} (the database was built by newer code). Give that "
                "code a database it built itself (--before-database URL --before-artefacts DIR: a clone at "
                "the commit, after `upskill run`), or compare with a newer commit (--before)"
            )
        raise SystemExit(f"planning with {tree} failed:\n{done.stderr[-3000:]}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def figures(  # noqa: C901 - a tally: one counter per figure of the module docstring
    rows: list[dict[str, Any]],
    essential_of: dict[str, set[str]],
    evidence_of: dict[tuple[str, str], float],
    min_evidence: float,
    judged: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The figures of the module docstring over the first plan of each row (``judged``: course id -> "yes"
    or "no", relevant to the gap it is chosen for)."""
    open_total = closed = closed_weakly = raised = alternative = nothing = 0
    serving_none = weak = weak_prerequisite = badges = with_steps = irrelevant = 0
    judged = judged or {}
    unjudged: set[str] = set()
    hours: list[float] = []
    cost: list[float] = []
    first_badge: list[int] = []
    first_badge_share: list[float] = []
    seconds = [row["seconds"] for row in rows]
    for row in rows:
        target = row["pair"][1]
        plans = row["answer"]["plans"]
        if not plans:
            continue
        plan = plans[0]
        essential = essential_of[target]
        held = set(plan["already_held"])
        lacking = essential - held
        open_total += len(lacking)
        done = lacking & set(plan["covered_skills"])
        closed += len(done)
        steps = plan["steps"]
        strength = {s["course_id"]: evidence_of.get((s["course_id"], target), 0.0) for s in steps}
        for uri in done:
            raisers = [s["course_id"] for s in steps if uri in s["levels"]]
            closed_weakly += bool(raisers) and all(strength[c] < min_evidence for c in raisers)
        for skill in plan["uncovered_skills"]:
            if skill["uri"] not in lacking:
                continue
            if skill["reached_level"] > skill["held_level"]:
                raised += 1
            if skill.get("alternative"):
                alternative += 1
            elif skill["reached_level"] <= skill["held_level"]:
                nothing += 1
        needed = {p for s in steps for p in s["prerequisites"]}
        if any(not s["skills_covered"] and s["course_id"] not in needed for s in steps):
            serving_none += 1
        if any(strength[s["course_id"]] < min_evidence and s["course_id"] not in needed for s in steps):
            weak += 1
        if any(strength[s["course_id"]] < min_evidence and s["course_id"] in needed for s in steps):
            weak_prerequisite += 1
        weeks = [b["week"] for b in plan["badges"] if b["week"] > 0]
        badges += bool(weeks)
        if weeks and plan["totals"]["weeks"]:
            first_badge.append(min(weeks))
            first_badge_share.append(min(weeks) / plan["totals"]["weeks"])
        irrelevant += any(judged.get(s["course_id"]) == "no" for s in steps)
        unjudged.update(s["course_id"] for s in steps if s["course_id"] not in judged)
        if steps:
            with_steps += 1
            hours.append(plan["totals"]["hours"])
            cost.append(plan["totals"]["price"])

    def share(count: int) -> float:
        return round(count / open_total, 4) if open_total else 0.0

    return {
        "pairs": len(rows),
        "essential_skills_lacking": open_total,
        "closed": share(closed),
        "closed_on_weak_evidence_only": share(closed_weakly),
        "raised_part_of_the_way": share(raised),
        "left_with_an_alternative": share(alternative),
        "left_with_nothing": share(nothing),
        "plans_with_a_course_serving_no_gap_skill": serving_none,
        "plans_with_a_weakly_evidenced_course": weak,
        "plans_with_a_weakly_evidenced_prerequisite": weak_prerequisite,
        "plans_with_a_course_judged_irrelevant": irrelevant,
        "courses_not_judged": len(unjudged),
        "plans_earning_a_badge": badges,
        "first_badge_week_median": statistics.median(first_badge) if first_badge else None,
        "first_badge_share_of_plan_weeks_median": (
            round(statistics.median(first_badge_share), 3) if first_badge_share else None
        ),
        "plans_with_courses": with_steps,
        "median_hours": statistics.median(hours) if hours else 0.0,
        "median_cost_eur": round(statistics.median(cost), 2) if cost else 0.0,
        "plan_seconds_p50": round(statistics.median(seconds), 3) if seconds else None,
        "plans_shown_mean": round(statistics.mean(len(r["answer"]["plans"]) for r in rows), 2) if rows else 0,
    }


def first_plans(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per pair, the first plan's courses and the badges it earns (to see where two versions differ)."""
    result = []
    for row in rows:
        plans = row["answer"]["plans"]
        plan = plans[0] if plans else {"steps": [], "badges": []}
        result.append(
            {
                "pair": row["pair"],
                "courses": [s["course_id"] for s in plan["steps"]],
                "badges": [b["badge_id"] for b in plan["badges"] if b["week"] > 0],
            }
        )
    return result


def read_judged(path: Path = JUDGED) -> dict[str, dict[str, str]]:
    """Course id -> its row of the relevance review (``evaluation/relevance_review.csv``)."""
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["course_id"]: row for row in csv.DictReader(handle)}


def link_precision() -> list[dict[str, Any]]:
    """Precision of the database's course-skill links by confidence, on the gold set's dev courses."""
    from sqlalchemy import select

    from data.db import make_engine, transaction
    from data.defaults import environment_database_url
    from data.models import CourseSkill
    from evaluation.tagging import load_gold

    gold = {g.course_id: g.skills for g in load_gold() if g.split == "dev"}
    with transaction(make_engine(environment_database_url())) as session:
        links = [
            (course, uri, float(conf))
            for course, uri, conf in session.execute(
                select(CourseSkill.course_id, CourseSkill.skill_uri, CourseSkill.confidence).where(
                    CourseSkill.course_id.in_(list(gold))
                )
            )
        ]
    rows = []
    for low, high in ((0.0, 0.1), (0.1, 0.2), (0.2, 0.3), (0.3, 0.5), (0.5, 0.7), (0.7, 1.01)):
        inside = [(c, u) for c, u, conf in links if low <= conf < high]
        right = sum(u in gold[c] for c, u in inside)
        rows.append(
            {
                "confidence": f"[{low:g}, {min(high, 1):g})",
                "links": len(inside),
                "precision": _ratio(right, inside),
            }
        )
    return rows


def _ratio(part: int, whole: list[Any]) -> float | None:
    return round(part / len(whole), 3) if whole else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--before", default=BEFORE, help="commit of the code to compare with")
    parser.add_argument("--links", action="store_true", help="only the link precision by confidence")
    parser.add_argument(
        "--repo", type=Path, default=ROOT, help="git repository holding --before (default: this checkout)"
    )
    parser.add_argument("--after-commit", default=None, help="commit this code is (default: the repo's HEAD)")
    parser.add_argument(
        "--before-database",
        default=None,
        help="database URL the --before code plans on (default: the same as this code's); for a change that "
        "changes the data too (the catalogue's link confidences), each version on the database its own "
        "`upskill run` built",
    )
    parser.add_argument(
        "--before-artefacts", type=Path, default=None, help="model artefact folder of --before-database"
    )
    parser.add_argument("--output", type=Path, default=ROOT / "bench-results" / "bench_plans.json")
    args = parser.parse_args()

    links = link_precision()
    print("Course-skill links of the default catalogue on the tagging gold set's dev courses:")
    for row in links:
        print(f"  confidence {row['confidence']:<12} {row['links']:>4} links, precision {row['precision']}")
    if args.links:
        return

    from data.db import make_engine, transaction
    from data.defaults import default_data_dir, environment_database_url
    from data.graph_loader import load_graph
    from data.plan_inputs import load_course_options
    from recommender.graph import ESSENTIAL
    from recommender.planner.relevance import MIN_EVIDENCE, evidence, target_weights
    from recommender.sectors import automotive_mobility

    database_url = environment_database_url()
    with transaction(make_engine(database_url)) as session:
        graph = load_graph(db_session=session)
        courses = load_course_options(db_session=session, include_unpriced=True)
    occupations = sorted(automotive_mobility() & set(graph.occupation_uris))
    pairs = [(a, b) for a in occupations for b in occupations if a != b][: args.pairs]
    essential_of: dict[str, set[str]] = {}
    evidence_of: dict[tuple[str, str], float] = {}
    for target in {b for _, b in pairs}:
        idx, rel = graph.requirements_of(target)
        relation = [
            (graph.skill_uris[s], r == ESSENTIAL) for s, r in zip(idx.tolist(), rel.tolist(), strict=True)
        ]
        essential_of[target] = {uri for uri, essential in relation if essential}
        weights = target_weights(relation)
        for course in courses:
            if any(uri in weights for uri in course.skills):
                evidence_of[(course.id, target)] = evidence(course, weights)

    env = {
        **os.environ,
        "UPSKILL_DATABASE_URL": database_url,
        "UPSKILL_ARTEFACT_DIR": os.environ.get("UPSKILL_ARTEFACT_DIR")
        or str(default_data_dir() / "artefacts"),
        "OPENBLAS_NUM_THREADS": "1",
    }
    with tempfile.TemporaryDirectory(prefix="bench-plans-before-") as folder:
        before_commit = extract(args.before, Path(folder), args.repo)
        env_before = {**env, "UPSKILL_CACHE_DIR": str(Path(folder) / "cache")}
        if args.before_database:
            env_before["UPSKILL_DATABASE_URL"] = args.before_database
        if args.before_artefacts:
            env_before["UPSKILL_ARTEFACT_DIR"] = str(args.before_artefacts)
        before = run_plans(Path(folder), pairs, env_before)
    after = run_plans(ROOT, pairs, env)
    head = (
        args.after_commit
        or subprocess.run(
            ["git", "-C", str(args.repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip()
    )
    judged = {course: row["relevant"] for course, row in read_judged().items()}
    before_figures: dict[str, Any] = {
        "commit": before_commit,
        "database": args.before_database or database_url,
        **figures(before, essential_of, evidence_of, MIN_EVIDENCE, judged),
    }
    after_figures: dict[str, Any] = {
        "commit": head,
        "worktree": str(ROOT),
        **figures(after, essential_of, evidence_of, MIN_EVIDENCE, judged),
    }
    result = {
        "pairs": len(pairs),
        "request": "EUR 1,500, 6 h a week from 2027-01-04 to 2027-10-03, courses in en or de",
        "before": before_figures,
        "after": after_figures,
        "link_precision_dev": links,
        "first_plans": {"before": first_plans(before), "after": first_plans(after)},
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load": os.getloadavg(),
        },
    }
    print(f"\n{len(pairs)} automotive ESCO pairs; {result['request']}; load {os.getloadavg()[0]:.1f}")
    print(f"{'':44}{'before ' + before_commit[:7]:>18}{'after ' + head[:7]:>18}")
    for key in after_figures:
        if key in ("commit", "worktree", "database"):
            continue
        print(f"{key:44}{before_figures[key]!s:>18}{after_figures[key]!s:>18}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"\nwrote {args.output}")


if __name__ == "__main__":
    main()
