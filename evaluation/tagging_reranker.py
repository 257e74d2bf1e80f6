"""Does a learned re-ranker of the tagger's candidates raise precision@5? Dev cross-validated, test once.

For each gold course, the tagger's best ``CANDIDATES`` skills are the candidates; each (course, skill) pair
gets the features of :data:`recommender.tagging.RERANK_FEATURES` (the extractor's score and its parts, the
skill's words in the course title, ESCO skill type and reuse level, agreement with the other candidates in
ESCO's hierarchy, how often the skill is a candidate across the three course snapshots of
``../shared/data/courses``) and the label "in the gold set". A small scikit-learn model (logistic regression
or gradient boosting) learns from the ``dev`` courses only:

* settings are chosen by precision@5 under 5-fold cross-validation over the dev courses, whole courses per
  fold (``GroupKFold``): a dev figure here is always the cross-validated one, never a fit scored on itself;
* the setting chosen is then fitted on every dev course and measured once on the ``test`` courses, and on
  the independent reference of ``upskill evaluate tagging`` (Coursera's own tags mapped to ESCO).

The tagger's own order (its score) is measured on the same folds and on test, side by side. The re-ranker
is a candidate for the importer only when its cross-validated dev precision beats the tagger's
(``reranker_wins_on_dev``).

Run: ``.venv/bin/python -m evaluation.tagging_reranker [--json FILE]`` (about a minute; needs
``../shared/data``).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from evaluation.tagging import (
    COURSERA_CSV,
    EDX_CSV,
    GOLD,
    GoldCourse,
    course_texts,
    coursera_reference,
    load_gold,
)
from recommender.tagging import RERANK_FEATURES, CandidateFeatures

UDEMY_CSV = EDX_CSV.parent / "udemy_courses.csv"
#: Candidates re-ranked per course: the tagger's best 40 hold about two thirds of the gold skills.
CANDIDATES = 40
FOLDS = 5
#: The split of the independent reference's courses (Coursera's own tags): measured only.
INDEPENDENT = "independent"

Model = Callable[[], ClassifierMixin]
SETTINGS: dict[str, Model] = {
    **{
        f"logistic C={c:g}": (
            lambda c=c: make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=3000))
        )
        for c in (0.01, 0.1, 1.0)
    },
    **{
        f"gradient boosting depth {d}": (
            lambda d=d: HistGradientBoostingClassifier(
                max_iter=100, learning_rate=0.05, max_depth=d, random_state=0
            )
        )
        for d in (2, 3)
    },
}


@dataclass(frozen=True)
class Course:
    """One gold course's candidates: features (n, len(RERANK_FEATURES)), gold labels (n,), its split and
    how many gold skills it has."""

    course_id: str
    split: str
    features: NDArray[np.float64]
    relevant: NDArray[np.bool_]
    gold_skills: int


def precision_at_5(ranking_scores: NDArray[np.float64], relevant: NDArray[np.bool_]) -> float:
    """Share of the 5 best-scored candidates that are relevant (ties by candidate order; divided by 5)."""
    order = np.lexsort((np.arange(len(ranking_scores)), -ranking_scores))[:5]
    return float(relevant[order].sum()) / 5


def tagger_order(course: Course) -> NDArray[np.float64]:
    """The tagger's own order: its score (the first feature)."""
    return course.features[:, RERANK_FEATURES.index("score")]


def _fit(model: Model, courses: Sequence[Course]) -> ClassifierMixin:
    features = np.vstack([c.features for c in courses])
    labels = np.concatenate([c.relevant for c in courses])
    return model().fit(features, labels)


def cross_validated(courses: Sequence[Course], model: Model, folds: int = FOLDS) -> float:
    """Mean precision@5 of ``model`` over ``courses``, each scored by a fit on the other folds' courses."""
    groups = np.arange(len(courses))
    found = []
    for train, held in GroupKFold(folds).split(groups, groups=groups):
        fitted = _fit(model, [courses[i] for i in train])
        found += [
            precision_at_5(fitted.predict_proba(courses[i].features)[:, 1], courses[i].relevant) for i in held
        ]
    return float(np.mean(found))


def compare(courses: Sequence[Course], settings: dict[str, Model] = SETTINGS) -> dict[str, Any]:
    """Choose the setting on dev (cross-validated), measure it once on test, next to the tagger's order."""
    dev = [c for c in courses if c.split == "dev"]
    test = [c for c in courses if c.split == "test"]
    if len(dev) < FOLDS or not test:
        raise ValueError(
            f"need at least {FOLDS} dev courses and one test course, got {len(dev)} and {len(test)}"
        )
    cv = {name: round(cross_validated(dev, model), 4) for name, model in settings.items()}
    chosen = max(cv, key=lambda name: (cv[name], name))
    fitted = _fit(settings[chosen], dev)

    def mean(group: Sequence[Course], reranked: bool) -> float:
        scores = [fitted.predict_proba(c.features)[:, 1] if reranked else tagger_order(c) for c in group]
        return round(
            float(np.mean([precision_at_5(v, c.relevant) for v, c in zip(scores, group, strict=True)])), 4
        )

    tagger_dev, tagger_test, reranked_test = mean(dev, False), mean(test, False), mean(test, True)
    independent = [c for c in courses if c.split == INDEPENDENT]
    reference: dict[str, Any] = {}
    if independent:
        reference = {
            "courses": len(independent),
            "tagger_precision_at_5": mean(independent, False),
            "reranked_precision_at_5": mean(independent, True),
        }
    return {
        "dev_courses": len(dev),
        "test_courses": len(test),
        "candidates_recall_dev": round(float(np.mean([c.relevant.sum() / c.gold_skills for c in dev])), 4),
        "dev_cv_precision_at_5": cv,
        "chosen": chosen,
        "tagger_precision_at_5": {"dev": tagger_dev, "test": tagger_test},
        "reranked_precision_at_5": {"dev_cv": cv[chosen], "test": reranked_test},
        "reranker_wins_on_dev": cv[chosen] > tagger_dev,
        "independent_reference": reference,
    }


def snapshot_texts() -> list[str]:
    """The texts of every course of the three snapshots (the catalogue-frequency feature's reference)."""
    from data.formats import coursera, edx, udemy

    texts = [c.text for c in edx.read(EDX_CSV)[0]]
    texts += [c.text for c in coursera.read(COURSERA_CSV)[0]]
    return texts + [c.text for c in udemy.read(UDEMY_CSV)[0]]


def gold_candidates(gold: Sequence[GoldCourse], candidates: int = CANDIDATES) -> list[Course]:
    """Each gold course's candidates, featured, labelled against its gold skills; then, when the Coursera
    snapshot is there, the independent reference's courses (split ``independent``: Coursera's own tags
    mapped to ESCO, ``evaluation.tagging.coursera_reference``), never used to fit or choose."""
    from data import catalogue, skill_texts

    skills = skill_texts.from_release()
    extractor = catalogue.make_tagger().fit(skills).extractor_
    reference = CandidateFeatures(extractor, skills, candidates=candidates)
    frequency = reference.frequencies(snapshot_texts())
    featured = CandidateFeatures(extractor, skills, candidates=candidates, frequency=frequency)
    texts, _ = course_texts([g.course_id for g in gold])
    labelled = list(gold)
    if COURSERA_CSV.is_file():
        independent, info = coursera_reference(skills, exclude={g.course_id for g in gold})
        labelled += [replace(g, split=INDEPENDENT) for g in independent]
        texts = {**texts, **info["texts"]}
    found = featured.candidates_of([texts[g.course_id] for g in labelled])
    return [
        Course(
            g.course_id,
            g.split,
            c.features,
            np.asarray([extractor.uris_[j] in g.skills for j in c.indices], dtype=bool),
            len(g.skills),
        )
        for g, c in zip(labelled, found, strict=True)
    ]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    result = compare(gold_candidates(load_gold(args.gold)))
    result["seconds"] = round(time.perf_counter() - started, 1)
    print(f"{'setting':32} {'dev P@5 (5-fold CV by course)':>30}")
    for name, value in result["dev_cv_precision_at_5"].items():
        print(f"{name:32} {value:>30.3f}")
    print(f"{'tagger order (no fitting)':32} {result['tagger_precision_at_5']['dev']:>30.3f}")
    print(
        f"\nchosen on dev: {result['chosen']}; test P@5 {result['reranked_precision_at_5']['test']:.3f} "
        f"(tagger order {result['tagger_precision_at_5']['test']:.3f}); "
        f"gold skills among the {CANDIDATES} candidates (dev): {result['candidates_recall_dev']:.0%}"
    )
    reference = result["independent_reference"]
    if reference:
        print(
            f"independent reference ({reference['courses']} Coursera courses, their tags mapped to ESCO): "
            f"P@5 {reference['reranked_precision_at_5']:.3f} re-ranked, "
            f"{reference['tagger_precision_at_5']:.3f} in the tagger's order"
        )
    print("re-ranker beats the tagger on dev:", "yes" if result["reranker_wins_on_dev"] else "no")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
