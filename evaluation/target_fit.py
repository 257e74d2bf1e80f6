"""Does a course's subject tell whether it fits the target it is planned for? A screen on the judged plans.

Run after ``python -m evaluation.relevance_review [--open-limits]`` (which writes the first plans' courses,
their targets and their judgements to ``bench-results/relevance_review.json``), on the same database:
``OPENBLAS_NUM_THREADS=1 .venv/bin/python -m evaluation.target_fit``

The review's wrong links are curated away (``data/default/curated_skills.csv``); what it still finds in first
plans are right links chosen for a target they do not fit ("mathematics" from prime-number puzzles for an
automotive designer, data analysis from genomics for a mechatronics engineer): a link-level rule cannot remove
them, a target-aware one could. This program scores each (course, target) pair of the first plans with
features of the course's text against the target, computed with the sentence model (all-MiniLM-L6-v2):

* ``occupation cosine``: the course's title and summary against the occupation's label and description;
* ``essential skills, best 3``: the mean of the course's 3 highest cosines with the occupation's essential
  skills' labels;
* ``essential skills, mean``: the mean cosine with all of them.

A pair takes its course's judgement (``yes`` or ``no`` in ``evaluation/relevance_review.csv``; a course is
judged for the gap skills it is chosen for in its plans), weighted by the first plans it is in for that
target. It prints each feature's ROC AUC (how often a ``yes`` pair scores above a ``no`` one) and, for the
occupation cosine, what a floor would cut: judged pairs and plans below it. Nothing is fitted: the floors are
a grid, and the judgements were made before this screen, from the same plans, so every figure describes the
judged set (on 2026-12-07 119 pairs with scenario 1's limits, 169 with ``--open-limits``; the review keeps a
course's 5 most frequent targets), not a held-out one. Writes ``bench-results/target_fit.json``.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
#: Occupation-cosine floors whose cuts are tabled.
FLOORS = (0.0, 0.05, 0.1, 0.15, 0.2)


def auc(scores: Sequence[float], relevant: Sequence[bool], weights: Sequence[float]) -> float:
    """Weighted ROC AUC: the weighted share of (relevant, irrelevant) pairs the scores order right (a tie
    counts half)."""
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(relevant, scores, sample_weight=weights))


def cuts(rows: Sequence[dict[str, Any]], floor: float) -> dict[str, Any]:
    """What an occupation-cosine floor would cut: judged pairs of each kind below it, and the first plans
    they are in."""
    below = [r for r in rows if r["occupation cosine"] < floor]
    return {
        "floor": floor,
        "irrelevant_pairs_cut": sum(1 for r in below if not r["relevant"]),
        "relevant_pairs_cut": sum(1 for r in below if r["relevant"]),
        "plans_with_an_irrelevant_course_cut": sum(r["plans"] for r in below if not r["relevant"]),
        "plans_with_a_relevant_course_cut": sum(r["plans"] for r in below if r["relevant"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--review", type=Path, default=ROOT / "bench-results" / "relevance_review.json")
    parser.add_argument("--cache-dir", type=Path, default=ROOT / "cache")
    parser.add_argument("--output", type=Path, default=ROOT / "bench-results" / "target_fit.json")
    args = parser.parse_args()

    from sqlalchemy import select

    from data.db import make_engine, transaction
    from data.defaults import environment_database_url
    from data.graph_loader import load_graph
    from data.models import Course, Occupation, Skill
    from data.sentence_model import CachedEncoder
    from data.subject_vectors import course_text, occupation_text

    if not args.review.is_file():
        parser.error(f"{args.review}: not found; run `python -m evaluation.relevance_review` first")
    review = json.loads(args.review.read_text(encoding="utf-8"))
    judged = [c for c in review["courses"] if c["judged"] in ("yes", "no")]
    with transaction(make_engine(environment_database_url())) as session:
        graph = load_graph(db_session=session)
        ids = [c["course_id"] for c in judged]
        texts = {
            cid: course_text(title, summary)
            for cid, title, summary in session.execute(
                select(Course.id, Course.title, Course.summary).where(Course.id.in_(ids))
            )
        }
        occupations = {
            label: (uri, occupation_text(label, description))
            for uri, label, description in session.execute(
                select(Occupation.uri, Occupation.preferred_label, Occupation.description)
            )
        }
        skill_label = dict(session.execute(select(Skill.uri, Skill.preferred_label)).all())
    encoder = CachedEncoder(args.cache_dir)
    kept = [c for c in judged if c["course_id"] in texts]
    kept_ids = [c["course_id"] for c in kept]
    course_vector = dict(zip(kept_ids, encoder.encode([texts[i] for i in kept_ids]), strict=True))
    labels = sorted({t for c in kept for t in c["targets"]})
    occupation_vector = dict(zip(labels, encoder.encode([occupations[t][1] for t in labels]), strict=True))
    essential_vectors = {}
    for label in labels:
        index, essential = graph.requirements_of(occupations[label][0])
        pairs = zip(index.tolist(), essential.tolist(), strict=True)
        names = [skill_label[graph.skill_uris[i]] for i, is_essential in pairs if is_essential]
        essential_vectors[label] = encoder.encode(names)
    rows = []
    for course in kept:
        vector = course_vector[course["course_id"]]
        for target, plans in course["targets"].items():
            skills = essential_vectors[target] @ vector
            rows.append(
                {
                    "course_id": course["course_id"],
                    "target": target,
                    "plans": plans,
                    "relevant": course["judged"] == "yes",
                    "occupation cosine": float(occupation_vector[target] @ vector),
                    "essential skills, best 3": float(np.sort(skills)[-3:].mean()),
                    "essential skills, mean": float(skills.mean()),
                }
            )
    rows.sort(key=lambda r: r["occupation cosine"])
    relevant = [r["relevant"] for r in rows]
    weights = [float(r["plans"]) for r in rows]
    features = ("occupation cosine", "essential skills, best 3", "essential skills, mean")
    aucs = {f: round(auc([r[f] for r in rows], relevant, weights), 3) for f in features}
    table = [cuts(rows, floor) for floor in FLOORS]

    print(
        f"{len(rows)} judged (course, target) pairs of the first plans: {sum(relevant)} relevant, "
        f"{len(rows) - sum(relevant)} not; load {os.getloadavg()[0]:.1f}"
    )
    for feature, value in aucs.items():
        print(f"  ROC AUC, pairs weighted by their plans: {feature} {value}")
    print("occupation-cosine floor | irrelevant pairs (plans) cut | relevant pairs (plans) cut")
    for row in table:
        print(
            f"  {row['floor']:>5.2f} | {row['irrelevant_pairs_cut']:>3} "
            f"({row['plans_with_an_irrelevant_course_cut']:>3}) | {row['relevant_pairs_cut']:>3} "
            f"({row['plans_with_a_relevant_course_cut']:>3})"
        )
    print("the irrelevant pairs, lowest cosine first:")
    for r in rows:
        if not r["relevant"]:
            print(f"  {r['occupation cosine']:.3f} {r['course_id']} for {r['target']} ({r['plans']} plans)")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps({"auc": aucs, "floors": table, "pairs": rows}, indent=1), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
