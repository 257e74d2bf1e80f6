"""The re-ranker comparison on made-up candidates where the answer is known."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from evaluation.tagging_reranker import (
    FIRST_SOURCE,
    SETTINGS,
    Course,
    Pool,
    compare,
    compare_pools,
    precision_at_5,
    tagger_order,
    with_features,
)
from recommender.tagging import RERANK_FEATURES

TITLE = RERANK_FEATURES.index("title_coverage")
# the logistic settings only: gradient boosting's threads take a minute on a loaded machine
LOGISTIC = {name: model for name, model in SETTINGS.items() if name.startswith("logistic")}


def _course(i: int, split: str) -> Course:
    """Ten candidates: the tagger's score puts the five wrong ones first; the title names the right ones."""
    features = np.zeros((10, len(RERANK_FEATURES)))
    features[:, 0] = np.linspace(1.0, 0.1, 10)
    relevant = np.arange(10) >= 5
    features[relevant, TITLE] = 1.0
    features[:, TITLE] += np.random.default_rng(i).normal(0, 0.05, 10)
    return Course(f"c{i}", split, features, relevant, 5)


def test_precision_at_5_by_hand() -> None:
    relevant = np.array([True, False, True, False, False, True])
    assert precision_at_5(np.array([6.0, 5, 4, 3, 2, 1]), relevant) == pytest.approx(2 / 5)
    assert precision_at_5(np.array([1.0, 1, 1, 1, 1, 1]), relevant) == pytest.approx(2 / 5)  # ties: order
    assert precision_at_5(np.array([1.0, 0, 1, 0, 0, 1]), relevant) == pytest.approx(3 / 5)


def test_a_learnable_signal_is_learnt_on_dev_and_holds_on_test() -> None:
    courses = [_course(i, "dev" if i < 10 else "test") for i in range(14)]
    courses += [_course(i, "independent") for i in range(14, 16)]  # measured, never fitted on
    assert tagger_order(courses[0])[0] == 1.0
    result = compare(courses, LOGISTIC)
    assert result["tagger_precision_at_5"] == {"dev": 0.0, "test": 0.0}
    assert result["reranked_precision_at_5"]["test"] == 1.0
    assert result["dev_cv_precision_at_5"][result["chosen"]] == 1.0
    assert result["reranker_wins_on_dev"] is True
    assert result["independent_reference"] == {
        "courses": 2,
        "tagger_precision_at_5": 0.0,
        "reranked_precision_at_5": 1.0,
    }
    assert compare(courses, LOGISTIC) == result  # deterministic


def test_too_few_dev_courses_is_refused() -> None:
    with pytest.raises(ValueError, match="dev courses"):
        compare([_course(i, "dev" if i < 3 else "test") for i in range(5)], LOGISTIC)


def test_the_pool_the_features_and_the_model_are_chosen_together_on_dev() -> None:
    """The larger pool holds the right skills only a second-source feature finds: it wins on dev."""
    segment = RERANK_FEATURES.index("segment_share")
    small = [_course(i, "dev" if i < 10 else "test") for i in range(14)]
    small = [replace(c, features=c.features.copy()) for c in small]
    for c in small:
        c.features[:, TITLE] = 0.0  # nothing in the first source's features tells the right ones
        c.features[:, 0] = 1.0
    large = []
    for c in small:
        features = c.features.copy()
        features[c.relevant, segment] = 1.0
        large.append(replace(c, features=features))
    feature_sets = {"first": FIRST_SOURCE, "both": RERANK_FEATURES}
    result = compare_pools({Pool(): small, Pool(60, 30, True): large}, LOGISTIC, feature_sets)
    assert result["chosen"].startswith("full text 60 + segments 30 + tags; both;")
    assert result["reranked_precision_at_5"]["test"] == 1.0
    assert result["tagger_precision_at_5"] == {"dev": 0.0, "test": 0.0}  # ties: the wrong five first
    assert result["pools"]["full text 40"] == {
        "mean_candidates_dev": 10.0,
        "candidates_recall_dev": 1.0,
        "perfect_reranker_precision_at_5_dev": 1.0,
    }
    assert len(result["dev_cv_precision_at_5"]) == 2 * 2 * len(LOGISTIC)
    assert with_features(small[:1], FIRST_SOURCE)[0].features.shape == (10, len(FIRST_SOURCE))
    with pytest.raises(ValueError, match="tagger's score"):
        with_features(small, ["title_coverage"])


def test_dev_only_chooses_without_any_other_split() -> None:
    """--dev-only: the same choice and dev figures, and nothing measured on test (none is even given)."""
    courses = [_course(i, "dev" if i < 10 else "test") for i in range(14)]
    full = compare_pools({Pool(): courses}, LOGISTIC, {"first": FIRST_SOURCE})
    dev = [c for c in courses if c.split == "dev"]
    only = compare_pools({Pool(): dev}, LOGISTIC, {"first": FIRST_SOURCE}, dev_only=True)
    assert only["chosen"] == full["chosen"]
    assert only["dev_cv_precision_at_5"] == full["dev_cv_precision_at_5"]
    assert only["tagger_precision_at_5"] == {"dev": 0.0}
    assert only["reranked_precision_at_5"] == {"dev_cv": 1.0}
    assert only["reranker_wins_on_dev"] is True
    assert "test_courses" not in only and "independent_reference" not in only
