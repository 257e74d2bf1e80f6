"""Does a course's topic say whether its link to a target's skill is right? A screen on the tagging gold set's
dev courses.

Run (on a database loaded by ``upskill run``; embeds about 2,000 texts with the sentence model on the first
run, kept in ``--cache-dir``):
``OPENBLAS_NUM_THREADS=1 .venv/bin/python -m evaluation.relevance_features``

The relevance review (``evaluation/relevance_review.csv``) found plans choosing courses on links as probable
as right ones ("LaTeX" -> "use technical documentation", p 0.54; "Electric Cars" -> electricity, p 0.52). A
rule using the course's topic would need a feature that tells such links apart. This program adds, one at a
time, candidate features to the shipped link probability (its logit) in a logistic model of "the link is in
the course's gold skills", over the links (confidence >= ``PLANNING_MIN_CONFIDENCE``, inferred or hinted) of
the ``dev`` courses of ``tests/evaluation/tagging_gold.json``, and prints the cross-validated log loss (5
folds over whole courses, 3 seeded shuffles). Target-aware features are computed for every occupation that
needs the linked skill (essential or optional), each such (link, occupation) row weighted 1 / (occupations of
the link), as a plan meets a link through one target:

* ``occupation cosine``: cosine of the course's title and summary with the occupation's label and description
  (sentence model);
* ``group cosine``: cosine of the course's text with the labels of the skill's broader ESCO concepts;
* ``support``: log(1 + the summed probabilities of the course's other links to the occupation's skills);
* ``reuse level``: ESCO's reuse level of the skill (transversal, cross-sector, sector-specific);
* ``claimants``: log of how many courses of the catalogue link the skill.

The shipped probability was fitted on these same dev links (``evaluation.link_calibration``), so the
baseline is in sample; what matters is the difference a feature makes. The test courses are not read.
Writes ``bench-results/relevance_features.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

ROOT = Path(__file__).resolve().parents[1]
SEED = 20261204
FOLDS = 5
SHUFFLES = 3


def logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def cross_validated_log_loss(
    x: NDArray[np.float64], y: NDArray[np.bool_], w: NDArray[np.float64], course: list[str]
) -> tuple[float, list[float], float]:
    """Weighted log loss out of fold (folds over whole courses), mean over the shuffles; the coefficients and
    intercept fitted on all rows."""
    from sklearn.linear_model import LogisticRegression

    names = sorted(set(course))
    losses = []
    for shuffle in range(SHUFFLES):
        order = np.random.default_rng(SEED + shuffle).permutation(len(names))
        fold_of = {names[i]: k % FOLDS for k, i in enumerate(order)}
        fold = np.asarray([fold_of[c] for c in course])
        predicted = np.zeros(len(y))
        for k in range(FOLDS):
            train = fold != k
            model = LogisticRegression(C=1.0, max_iter=1000).fit(x[train], y[train], sample_weight=w[train])
            predicted[~train] = model.predict_proba(x[~train])[:, 1]
        p = np.clip(predicted, 1e-6, 1 - 1e-6)
        losses.append(float(np.sum(w * np.where(y, -np.log(p), -np.log(1 - p))) / np.sum(w)))
    model = LogisticRegression(C=1.0, max_iter=1000).fit(x, y, sample_weight=w)
    return (
        float(np.mean(losses)),
        [round(float(c), 3) for c in model.coef_[0]],
        round(float(model.intercept_[0]), 3),
    )


def main() -> None:  # noqa: C901 - one pass gathering every candidate feature
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache-dir", type=Path, default=ROOT / "cache")
    parser.add_argument("--output", type=Path, default=ROOT / "bench-results" / "relevance_features.json")
    args = parser.parse_args()

    from sqlalchemy import select

    from data.db import make_engine, transaction
    from data.defaults import PLANNING_MIN_CONFIDENCE, environment_database_url
    from data.graph_loader import load_graph
    from data.models import Course, CourseSkill, Occupation, Skill, SkillBroader, SkillGroup
    from data.sentence_model import CachedEncoder
    from data.subject_vectors import course_text, occupation_text
    from evaluation.tagging import load_gold

    gold = {g.course_id: set(g.skills) for g in load_gold() if g.split == "dev"}
    with transaction(make_engine(environment_database_url())) as session:
        graph = load_graph(db_session=session)
        links: dict[str, dict[str, float]] = defaultdict(dict)
        claimants: Counter[str] = Counter()
        for course_id, uri, confidence, source in session.execute(
            select(
                CourseSkill.course_id, CourseSkill.skill_uri, CourseSkill.confidence, CourseSkill.source
            ).where(CourseSkill.confidence >= PLANNING_MIN_CONFIDENCE)
        ):
            claimants[uri] += 1
            if course_id in gold and source in ("inferred", "hint"):
                links[course_id][uri] = float(confidence)
        reuse = dict(session.execute(select(Skill.uri, Skill.reuse_level)).all())
        labels = dict(session.execute(select(Skill.uri, Skill.preferred_label)).all())
        labels |= dict(session.execute(select(SkillGroup.uri, SkillGroup.preferred_label)).all())
        broader: dict[str, list[str]] = defaultdict(list)
        for narrower, wider in session.execute(select(SkillBroader.narrower_uri, SkillBroader.broader_uri)):
            broader[narrower].append(wider)
        courses = {
            cid: course_text(title, summary)
            for cid, title, summary in session.execute(
                select(Course.id, Course.title, Course.summary).where(Course.id.in_(list(links)))
            )
        }
        occupations = {
            uri: occupation_text(label, description)
            for uri, label, description in session.execute(
                select(Occupation.uri, Occupation.preferred_label, Occupation.description)
            )
        }
    needs: dict[str, list[str]] = defaultdict(list)
    skills_of: dict[str, set[str]] = {}
    for occupation in graph.occupation_uris:
        idx, rel = graph.requirements_of(occupation)
        skills_of[occupation] = {graph.skill_uris[i] for i in idx.tolist()}
        for i in idx.tolist():  # essential and optional skills alike: a plan meets both
            needs[graph.skill_uris[i]].append(occupation)

    rows = [
        (course_id, uri, p)
        for course_id in sorted(links)
        if course_id in courses
        for uri, p in sorted(links[course_id].items())
        if needs.get(uri)
    ]
    wanted_occupations = sorted({o for _, uri, _ in rows for o in needs[uri]})
    group_text = {
        uri: " / ".join(labels[b] for b in broader.get(uri, []) if b in labels) or labels.get(uri, "")
        for _, uri, _ in rows
    }
    encoder = CachedEncoder(args.cache_dir)
    course_ids = sorted(courses)
    course_vectors = dict(zip(course_ids, encoder.encode([courses[c] for c in course_ids]), strict=True))
    occupation_vectors = dict(
        zip(wanted_occupations, encoder.encode([occupations[o] for o in wanted_occupations]), strict=True)
    )
    group_uris = sorted(group_text)
    group_vectors = dict(zip(group_uris, encoder.encode([group_text[u] for u in group_uris]), strict=True))

    features: dict[str, Callable[[str, str, float, str], list[float]]] = {
        "occupation cosine": lambda c, u, p, o: [float(course_vectors[c] @ occupation_vectors[o])],
        "group cosine": lambda c, u, p, o: [float(course_vectors[c] @ group_vectors[u])],
        "support": lambda c, u, p, o: [
            math.log1p(sum(q for v, q in links[c].items() if v != u and v in skills_of[o]))
        ],
        "reuse level": lambda c, u, p, o: [
            float(reuse.get(u) == "transversal"),
            float(reuse.get(u) == "cross-sector"),
            float(reuse.get(u) == "sector-specific"),
        ],
        "claimants": lambda c, u, p, o: [math.log(max(claimants[u], 1))],
    }
    base: list[list[float]] = []
    extra: dict[str, list[list[float]]] = {name: [] for name in features}
    right, weight, course = [], [], []
    for course_id, uri, p in rows:
        for occupation in needs[uri]:
            base.append([logit(p)])
            for name, feature in features.items():
                extra[name].append(feature(course_id, uri, p, occupation))
            right.append(uri in gold[course_id])
            weight.append(1 / len(needs[uri]))
            course.append(course_id)
    y, w = np.asarray(right, dtype=bool), np.asarray(weight)
    x0 = np.asarray(base)
    result: dict[str, Any] = {
        "dev_courses": len({c for c, _, _ in rows}),
        "links": len(rows),
        "right": int(sum(uri in gold[c] for c, uri, _ in rows)),
        "rows": len(y),
        "candidates": {},
    }
    loss, coef, intercept = cross_validated_log_loss(x0, y, w, course)
    result["candidates"]["shipped probability"] = {
        "log_loss": round(loss, 4),
        "coef": coef,
        "intercept": intercept,
    }
    for name in features:
        x = np.hstack([x0, np.asarray(extra[name])])
        loss, coef, intercept = cross_validated_log_loss(x, y, w, course)
        result["candidates"][f"+ {name}"] = {"log_loss": round(loss, 4), "coef": coef, "intercept": intercept}
    result["load"] = os.getloadavg()
    print(
        f"{result['dev_courses']} dev courses, {result['links']} links ({result['right']} in gold), "
        f"{result['rows']} (link, occupation) rows; cross-validated log loss, weighted:"
    )
    for name, row in result["candidates"].items():
        print(f"  {name:22} {row['log_loss']:.4f}  coefficients {row['coef']}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
