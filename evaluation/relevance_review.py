"""Which courses the first plans of the 200 automotive pairs of ``bench_plans`` use, and on what links.

Run (on a database loaded by ``upskill run``):
``OPENBLAS_NUM_THREADS=1 .venv/bin/python -m evaluation.relevance_review [--pairs 200] [--top 30]
[--open-limits]``

``--open-limits`` plans as the worker page does when its form is left as it comes (no budget, any language,
6 h a week from 2027-01-04) instead of with scenario 1's limits: then the courses whose price or language
their catalogue does not state (Udemy's listing, titles only) are planned too. The summary says how many
first plans hold a course of each catalogue.

For each course in a first plan: in how many first plans it is, which gap skills it raises there (the skills
of the target the worker lacks whose level the step raises), each with the link's calibrated confidence, and
the course's own links (its best link, how many it has). Writes ``bench-results/relevance_review.json``. The
judgement of each course (relevant to the gaps it is chosen for, or not) is by hand, in
``evaluation/relevance_review.csv``: this program only lists what was judged and counts the plans holding a
course judged irrelevant.

**How a course was judged** (by hand, from its title and summary in ``data/default/catalogue.csv`` and the
gap skills it raises in the plans listed; written down on 2026-12-04 before any change to how links are
chosen for planning, from main 06d0813's first plans): a course is *relevant* (``yes``) when a domain expert
would send a worker lacking those skills to it, that is when at least one gap skill it is chosen for (or the
skill a curated rule makes it another course's prerequisite for) is what the course teaches, as the tagging
gold set's labelling rule reads a course (``evaluation/TAGGING_GOLD.md``: the topic itself, its tools, its
main activities; not what it mentions or uses as a means). ``no`` when every such link is wrong: the skill is
not what the course teaches ("use power tools" for Power BI), or the words match but the course teaches it for
another world than the target's ("mathematics" from prime-number puzzles for an automotive designer,
"identify customer's needs" from retail channel strategy for a vehicle technician). ``claims_judged`` says
which links were judged right or wrong.
"""

from __future__ import annotations

import argparse
import json
import os
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from evaluation.bench_plans import RUNNER, read_judged, run_in_tree

#: ``bench_plans``'s runner with the worker page's defaults: no budget, any language.
OPEN_RUNNER = RUNNER.replace(
    'budget=1500.0, currency="EUR", hours_per_week=6.0, start=dt.date(2027, 1, 4),\n'
    '                      deadline=dt.date(2027, 10, 3), languages=("en", "de")',
    "hours_per_week=6.0, start=dt.date(2027, 1, 4)",
)
assert OPEN_RUNNER != RUNNER, "bench_plans.RUNNER's request changed: update OPEN_RUNNER"

ROOT = Path(__file__).resolve().parents[1]


def pairs_of(graph: Any, count: int) -> list[tuple[str, str]]:
    """The first ``count`` ordered pairs of automotive-mobility occupations, as ``bench_plans`` takes them."""
    from recommender.sectors import automotive_mobility

    occupations = sorted(automotive_mobility() & set(graph.occupation_uris))
    return [(a, b) for a in occupations for b in occupations if a != b][:count]


def planning_env() -> dict[str, str]:
    """The environment a runner plans in: this process's database and model artefacts, one BLAS thread."""
    from data.defaults import default_data_dir, environment_database_url

    return {
        **os.environ,
        "UPSKILL_DATABASE_URL": environment_database_url(),
        "UPSKILL_ARTEFACT_DIR": os.environ.get("UPSKILL_ARTEFACT_DIR")
        or str(default_data_dir() / "artefacts"),
        "OPENBLAS_NUM_THREADS": "1",
    }


def first_plans(pairs: list[tuple[str, str]], runner: str = RUNNER) -> list[dict[str, Any]]:
    """Each pair's first plan (``bench_plans``'s request, or ``runner``'s), planned by this checkout in a
    subprocess."""
    return [
        {"pair": row["pair"], "plan": row["answer"]["plans"][0] if row["answer"]["plans"] else None}
        for row in run_in_tree(ROOT, runner, pairs, planning_env())
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--output", type=Path, default=ROOT / "bench-results" / "relevance_review.json")
    parser.add_argument(
        "--open-limits", action="store_true", help="the worker page's defaults: no budget or language"
    )
    args = parser.parse_args()

    from sqlalchemy import select

    from data.db import make_engine, transaction
    from data.defaults import environment_database_url
    from data.graph_loader import load_graph
    from data.models import Course, CourseSkill, Skill

    with transaction(make_engine(environment_database_url())) as session:
        graph = load_graph(db_session=session)
        links: dict[str, dict[str, float]] = defaultdict(dict)
        for course_id, uri, conf in session.execute(
            select(CourseSkill.course_id, CourseSkill.skill_uri, CourseSkill.confidence)
        ):
            links[course_id][uri] = float(conf)
        titles = dict(session.execute(select(Course.id, Course.title)).all())
        catalogue_of = dict(session.execute(select(Course.id, Course.catalogue)).all())
        labels = dict(session.execute(select(Skill.uri, Skill.preferred_label)).all())
    occupation_label = dict(zip(graph.occupation_uris, graph.occupation_labels, strict=True))
    pairs = pairs_of(graph, args.pairs)
    plans = first_plans(pairs, OPEN_RUNNER if args.open_limits else RUNNER)
    judged = read_judged()

    in_plans: Counter[str] = Counter()
    claims: dict[str, Counter[str]] = defaultdict(Counter)
    targets: dict[str, Counter[str]] = defaultdict(Counter)
    irrelevant_plans = 0
    per_pair = []
    for row in plans:
        plan = row["plan"]
        if plan is None:
            per_pair.append({"pair": row["pair"], "courses": []})
            continue
        courses = []
        for step in plan["steps"]:
            course = step["course_id"]
            in_plans[course] += 1
            targets[course][occupation_label[row["pair"][1]]] += 1
            for uri in step["levels"]:
                claims[course][uri] += 1
            courses.append(course)
        irrelevant_plans += any(judged.get(c, {}).get("relevant") == "no" for c in courses)
        per_pair.append({"pair": row["pair"], "courses": courses})

    report: list[dict[str, Any]] = []
    for course, count in in_plans.most_common():
        own = sorted(links[course].items(), key=lambda item: -item[1])
        report.append(
            {
                "course_id": course,
                "title": titles.get(course, ""),
                "first_plans": count,
                "claims": [
                    {"skill": labels.get(u, u), "plans": n, "confidence": links[course].get(u)}
                    for u, n in claims[course].most_common()
                ],
                "best_links": [{"skill": labels.get(u, u), "confidence": c} for u, c in own[:3]],
                "links": len(own),
                "targets": dict(targets[course].most_common(5)),
                "judged": judged.get(course, {}).get("relevant", ""),
            }
        )
    for entry in report[: args.top]:
        claimed = "; ".join(f"{c['skill']} {c['confidence']} ({c['plans']})" for c in entry["claims"])
        best = "; ".join(f"{b['skill']} {b['confidence']}" for b in entry["best_links"])
        judged_as = entry["judged"] or "?"
        print(f"{entry['first_plans']:>4} {judged_as:>3} {entry['course_id']} | {entry['title']}")
        print(f"       claims: {claimed}")
        print(f"       best of its {entry['links']} links: {best}")
        print(f"       targets: {entry['targets']}")
    unjudged = [e["course_id"] for e in report if not e["judged"]]
    print(
        f"\n{len(plans)} pairs, {sum(1 for p in plans if p['plan'] and p['plan']['steps'])} first plans with "
        f"courses, {len(report)} distinct courses; plans holding a course judged irrelevant: "
        f"{irrelevant_plans}; "
        f"courses not judged: {len(unjudged)}; load {os.getloadavg()[0]:.1f}"
    )
    for catalogue in sorted({catalogue_of.get(c, "") for c in in_plans}):
        held = [p for p in per_pair if any(catalogue_of.get(c, "") == catalogue for c in p["courses"])]
        distinct = sum(1 for c in in_plans if catalogue_of.get(c, "") == catalogue)
        print(f"first plans holding a course of {catalogue}: {len(held)} ({distinct} distinct courses)")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {"courses": report, "first_plans": per_pair, "irrelevant_plans": irrelevant_plans}, indent=1
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
