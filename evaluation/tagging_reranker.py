"""Does a learned re-ranker of the tagger's candidates raise precision@5? Dev cross-validated, test once.

For each gold course, the candidates come from the tagger's best skills for the whole text (the first
source) and, in the larger pools of :data:`POOLS`, from a second source merged with it: the best skills of
each line or sentence of the text read alone, and the skill each of the course's own catalogue tags names
(Coursera's, as the importer reads them). Each (course, skill) pair gets the features of
:data:`recommender.tagging.RERANK_FEATURES` (the extractor's score and its parts, the skill's words in the
course title, ESCO skill type and reuse level, agreement with the other candidates in ESCO's hierarchy, how
often the skill is a candidate across the three course snapshots of ``../shared/data/courses``; then the
second source's: best line score and rank, lines naming it, tag score) and the label "in the gold set". A
small scikit-learn model (logistic regression or gradient boosting) learns from the ``dev`` courses only:

* the pool, the feature set (the first source's or both sources') and the model are chosen together by
  precision@5 under 5-fold cross-validation over the dev courses, whole courses per fold (``GroupKFold``):
  a dev figure here is always the cross-validated one, never a fit scored on itself;
* the choice is then fitted on every dev course and measured once on the ``test`` courses, and on the
  independent reference of ``upskill evaluate tagging`` (Coursera's own tags mapped to ESCO; those courses
  are never given their tags, which are the reference).

The tagger's own order (its score) is measured on the same courses, side by side; per pool, the share of the
dev gold skills among the candidates and what a perfect re-ranker would reach. The re-ranker is a candidate
for the importer only when its cross-validated dev precision beats the tagger's (``reranker_wins_on_dev``).

Run: ``.venv/bin/python -m evaluation.tagging_reranker [--json FILE]`` (a few minutes; needs
``../shared/data``).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
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
from threadpoolctl import threadpool_limits

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


def _logistic(c: float) -> Any:
    return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=3000))


def _boosting(depth: int) -> Any:
    return HistGradientBoostingClassifier(max_iter=100, learning_rate=0.05, max_depth=depth, random_state=0)


SETTINGS: dict[str, Model] = {
    **{f"logistic C={c:g}": partial(_logistic, c) for c in (0.01, 0.1, 1.0)},
    **{f"gradient boosting depth {d}": partial(_boosting, d) for d in (2, 3)},
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


def compare(
    courses: Sequence[Course], settings: dict[str, Model] = SETTINGS, cv: dict[str, float] | None = None
) -> dict[str, Any]:
    """Choose the setting on dev (cross-validated; ``cv``: those figures, already computed), measure it once
    on test, next to the tagger's order."""
    dev = [c for c in courses if c.split == "dev"]
    test = [c for c in courses if c.split == "test"]
    if len(dev) < FOLDS or not test:
        raise ValueError(
            f"need at least {FOLDS} dev courses and one test course, got {len(dev)} and {len(test)}"
        )
    if cv is None:
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
        "candidates_recall_dev": candidate_recall(dev),
        "dev_cv_precision_at_5": cv,
        "chosen": chosen,
        "tagger_precision_at_5": {"dev": tagger_dev, "test": tagger_test},
        "reranked_precision_at_5": {"dev_cv": cv[chosen], "test": reranked_test},
        "reranker_wins_on_dev": cv[chosen] > tagger_dev,
        "independent_reference": reference,
    }


def candidate_recall(courses: Sequence[Course]) -> float:
    """Mean share of a course's gold skills among its candidates (the re-ranker cannot find the others)."""
    return round(float(np.mean([c.relevant.sum() / c.gold_skills for c in courses])), 4)


def best_possible(courses: Sequence[Course]) -> float:
    """Precision@5 of a perfect re-ranker of these candidates."""
    return round(float(np.mean([min(int(c.relevant.sum()), 5) / 5 for c in courses])), 4)


#: The features of the first candidate source (the whole text) and of both (with segments and tags).
FIRST_SOURCE = RERANK_FEATURES[: RERANK_FEATURES.index("catalogue_frequency") + 1]
FEATURE_SETS = {"first-source features": FIRST_SOURCE, "both sources' features": RERANK_FEATURES}


def with_features(courses: Sequence[Course], names: Sequence[str]) -> list[Course]:
    """``courses`` with only the features ``names`` (in that order; "score" must come first)."""
    if names[0] != "score":
        raise ValueError("the first feature must be the tagger's score (its own order)")
    columns = [RERANK_FEATURES.index(name) for name in names]
    return [replace(c, features=c.features[:, columns]) for c in courses]


def compare_pools(
    by_pool: dict[Pool, list[Course]],
    settings: dict[str, Model] = SETTINGS,
    feature_sets: Mapping[str, Sequence[str]] = FEATURE_SETS,
    *,
    dev_only: bool = False,
) -> dict[str, Any]:
    """Choose the candidate pool, the features and the model together by cross-validated precision@5 on dev
    (ties: the first listed, the simpler), then measure that one choice once on test (:func:`compare`);
    ``dev_only``: stop at the choice (no figure of another split is computed).

    Also reports, per pool, its mean size, the share of the dev gold skills it holds and what a perfect
    re-ranker would reach on dev."""
    pools: dict[str, Any] = {}
    table: dict[str, float] = {}
    choices: dict[str, tuple[list[Course], str]] = {}
    for pool, courses in by_pool.items():
        dev = [c for c in courses if c.split == "dev"]
        pools[pool.name] = {
            "mean_candidates_dev": round(float(np.mean([len(c.relevant) for c in dev])), 1),
            "candidates_recall_dev": candidate_recall(dev),
            "perfect_reranker_precision_at_5_dev": best_possible(dev),
        }
        for feature_name, names in feature_sets.items():
            sliced = with_features(courses, names)
            sliced_dev = [c for c in sliced if c.split == "dev"]
            for setting, model in settings.items():
                key = f"{pool.name}; {feature_name}; {setting}"
                table[key] = round(cross_validated(sliced_dev, model), 4)
                choices[key] = (sliced, setting)
    chosen = max(table, key=lambda key: (table[key], -list(table).index(key)))
    courses, setting = choices[chosen]
    if dev_only:
        dev = [c for c in courses if c.split == "dev"]
        tagger_dev = round(float(np.mean([precision_at_5(tagger_order(c), c.relevant) for c in dev])), 4)
        return {
            "dev_courses": len(dev),
            "chosen": chosen,
            "dev_cv_precision_at_5": table,
            "tagger_precision_at_5": {"dev": tagger_dev},
            "reranked_precision_at_5": {"dev_cv": table[chosen]},
            "reranker_wins_on_dev": table[chosen] > tagger_dev,
            "pools": pools,
        }
    result = compare(courses, {setting: settings[setting]}, {setting: table[chosen]})
    return {**result, "chosen": chosen, "dev_cv_precision_at_5": table, "pools": pools}


def snapshot_texts() -> list[str]:
    """The texts of every course of the three snapshots (the catalogue-frequency feature's reference)."""
    from data.formats import coursera, edx, udemy

    texts = [c.text for c in edx.read(EDX_CSV)[0]]
    texts += [c.text for c in coursera.read(COURSERA_CSV)[0]]
    return texts + [c.text for c in udemy.read(UDEMY_CSV)[0]]


def coursera_tags(path: Path = COURSERA_CSV) -> dict[str, list[str]]:
    """Coursera's own skill tags of each course, by ``coursera-<slug of its URL>`` (as the gold set names
    them)."""
    import csv

    from data.formats.coursera import parse_list

    with path.open(encoding="utf-8", newline="") as handle:
        return {
            "coursera-" + row["course_url"].rstrip("/").rsplit("/", 1)[-1]: parse_list(row["course_skills"])
            for row in csv.DictReader(handle)
        }


@dataclass(frozen=True)
class Pool:
    """Where the candidates come from: the tagger's best ``candidates`` for the whole text, the best
    ``segment_candidates`` by their best score over its lines and sentences, and the course's tags."""

    candidates: int = CANDIDATES
    segment_candidates: int = 0
    tags: bool = False

    @property
    def name(self) -> str:
        name = f"full text {self.candidates}"
        if self.segment_candidates:
            name += f" + segments {self.segment_candidates}"
        return name + (" + tags" if self.tags else "")


#: The pools compared: the tagger's 40 alone (as before), with the skills the tags name, then larger merged
#: pools.
POOLS = (Pool(), Pool(CANDIDATES, 0, True), Pool(60, 30, True), Pool(80, 40, True))


def gold_candidates(
    gold: Sequence[GoldCourse], pools: Sequence[Pool] = (Pool(),), *, with_independent: bool = True
) -> dict[Pool, list[Course]]:
    """Each gold course's candidates from each pool, featured, labelled against its gold skills; then, when
    the Coursera snapshot is there, the independent reference's courses (split ``independent``: Coursera's
    own tags mapped to ESCO, ``evaluation.tagging.coursera_reference``), never used to fit or choose. The
    independent courses are never given their tags (those tags are the reference)."""
    from data import catalogue, skill_texts

    skills = skill_texts.from_release()
    extractor = catalogue.make_tagger().fit(skills).extractor_
    reference = CandidateFeatures(extractor, skills, candidates=CANDIDATES)
    frequency = reference.frequencies(snapshot_texts())
    texts, _ = course_texts([g.course_id for g in gold])
    labelled = list(gold)
    tags: dict[str, list[str]] = {}
    if COURSERA_CSV.is_file():
        if with_independent:
            independent, info = coursera_reference(skills, exclude={g.course_id for g in gold})
            labelled += [replace(g, split=INDEPENDENT) for g in independent]
            texts = {**texts, **info["texts"]}
        listed = coursera_tags()
        tags = {g.course_id: listed[g.course_id] for g in gold if listed.get(g.course_id)}
    result: dict[Pool, list[Course]] = {}
    for pool in pools:
        featured = CandidateFeatures(
            extractor,
            skills,
            candidates=pool.candidates,
            segment_candidates=pool.segment_candidates,
            hint_min_score=catalogue.HINT_MIN_CONFIDENCE,
            frequency=frequency,
        )
        course_tags = [
            tags.get(g.course_id, []) if pool.tags and g.split != INDEPENDENT else [] for g in labelled
        ]
        found = featured.candidates_of([texts[g.course_id] for g in labelled], course_tags)
        result[pool] = [
            Course(
                g.course_id,
                g.split,
                c.features,
                np.asarray([extractor.uris_[j] in g.skills for j in c.indices], dtype=bool),
                len(g.skills),
            )
            for g, c in zip(labelled, found, strict=True)
        ]
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument(
        "--dev-only",
        action="store_true",
        help="choose on dev and stop: read, feature and measure no test or independent course",
    )
    args = parser.parse_args(argv)
    started, cpu = time.perf_counter(), time.process_time()
    gold = load_gold(args.gold)
    if args.dev_only:
        gold = [g for g in gold if g.split == "dev"]
    # one thread: the boosting's OpenMP threads only contend on a loaded machine; the figures are the same
    with threadpool_limits(1):
        candidates = gold_candidates(gold, POOLS, with_independent=not args.dev_only)
        result = compare_pools(candidates, dev_only=args.dev_only)
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["cpu_seconds"] = round(time.process_time() - cpu, 1)
    print(f"{'candidate pool':40} {'candidates':>10} {'dev recall':>10} {'perfect P@5':>11}")
    for name, pool in result["pools"].items():
        print(
            f"{name:40} {pool['mean_candidates_dev']:>10.1f} {pool['candidates_recall_dev']:>10.3f} "
            f"{pool['perfect_reranker_precision_at_5_dev']:>11.3f}"
        )
    print(f"\n{'pool; features; setting':80} {'dev P@5 (5-fold CV)':>20}")
    for name, value in result["dev_cv_precision_at_5"].items():
        print(f"{name:80} {value:>20.3f}")
    print(f"{'tagger order (no fitting)':80} {result['tagger_precision_at_5']['dev']:>20.3f}")
    if args.dev_only:
        print(f"\nchosen on dev: {result['chosen']} (test not measured: --dev-only)")
        print("re-ranker beats the tagger on dev:", "yes" if result["reranker_wins_on_dev"] else "no")
        print(f"{result['seconds']} s, {result['cpu_seconds']} s CPU")
        if args.json:
            args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        return
    print(
        f"\nchosen on dev: {result['chosen']}; test P@5 {result['reranked_precision_at_5']['test']:.3f} "
        f"(tagger order {result['tagger_precision_at_5']['test']:.3f})"
    )
    reference = result["independent_reference"]
    if reference:
        print(
            f"independent reference ({reference['courses']} Coursera courses, their tags mapped to ESCO, "
            f"never given to the candidates): P@5 {reference['reranked_precision_at_5']:.3f} re-ranked, "
            f"{reference['tagger_precision_at_5']:.3f} in the tagger's order"
        )
    print("re-ranker beats the tagger on dev:", "yes" if result["reranker_wins_on_dev"] else "no")
    print(f"{result['seconds']} s, {result['cpu_seconds']} s CPU")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
