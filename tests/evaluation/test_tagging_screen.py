"""The dev-only screen of the tagger's blend, on made-up arrays where the answer is known."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from evaluation.tagging_screen import (
    FEATURES,
    Candidates,
    blend,
    bootstrap_interval,
    candidate_precision,
    nested_choice,
    nested_reranker,
    precision_at_5,
    recall_at_10,
    segment_cosines,
)


def test_segment_cosines_take_the_best_and_the_two_best_mean() -> None:
    labels = np.eye(3, dtype=np.float32)
    segments = np.array([[1, 0, 0], [0.6, 0.8, 0], [0, 0, 1]], dtype=np.float32)
    owner = np.array([0, 0, 1])
    whole = np.full((3, 3), 0.5, dtype=np.float32)  # text 2 has no segment: its whole-text row stays
    best, two = segment_cosines(segments, owner, whole, labels)
    np.testing.assert_allclose(best, np.array([[1, 0.8, 0], [0, 0, 1], [0.5, 0.5, 0.5]]))
    np.testing.assert_allclose(two, np.array([[0.8, 0.4, 0], [0, 0, 1], [0.5, 0.5, 0.5]]))


def test_blend_keeps_only_the_skills_scored_at_the_floor() -> None:
    scores = np.array([[0.4, 0.1, 0.005, 0.0]], dtype=np.float32)
    cosine = np.array([[0.0, 0.9, 0.9, 0.9]], dtype=np.float32)
    ranked = blend(scores, [(1.0, cosine)], floor=0.01)
    np.testing.assert_allclose(ranked, [[1.0, 0.5 + 0.9, 0, 0]], rtol=1e-6)
    negative = blend(scores, [(1.0, -5 * np.ones_like(cosine))], floor=0.01)
    assert (negative[0, :2] > 0).all()  # a scored skill stays a (last) candidate


def test_precision_and_recall_by_hand() -> None:
    ranked = np.array([[6, 5, 4, 3, 2, 1, 0]], dtype=np.float32)
    gold = [frozenset({0, 2, 5})]
    assert precision_at_5(ranked, gold)[0] == pytest.approx(2 / 5)
    assert recall_at_10(ranked, gold)[0] == pytest.approx(3 / 3)  # 5 is 6th, 6 scores 0 and is not counted


def test_nested_choice_picks_the_setting_better_on_the_other_folds() -> None:
    good = np.full(20, 0.8)
    bad = np.full(20, 0.2)
    np.testing.assert_allclose(nested_choice([bad, good]), good)


def _pool(courses: int) -> tuple[Candidates, list[frozenset[int]]]:
    """Ten candidates a course; one feature (the segment cosine) marks the five gold ones, the blend's
    order puts them last."""
    rng = np.random.default_rng(0)
    rows, labels, owner, skills = [], [], [], []
    for c in range(courses):
        features = rng.normal(0, 0.01, (10, len(FEATURES)))
        relevant = np.arange(10) >= 5
        features[relevant, FEATURES.index("segment_max")] += 1.0
        rows.append(features)
        labels.append(relevant)
        owner.append(np.full(10, c))
        skills.append(np.arange(10))
    pool = Candidates(
        np.vstack(rows),
        np.concatenate(labels),
        np.concatenate(owner),
        np.concatenate(skills).astype(np.int64),
    )
    return pool, [frozenset(range(5, 10))] * courses


def _logistic(x: Any, y: Any, setting: tuple[float, int, int]) -> Any:
    return LogisticRegression(C=setting[0]).fit(x, y)


def test_the_reranker_learns_a_signal_under_nested_cross_validation() -> None:
    pool, gold = _pool(20)
    blend_order = candidate_precision(pool, -np.arange(len(pool.label), dtype=np.float64), gold)
    assert blend_order.mean() == 0.0
    learnt = nested_reranker(
        pool, gold, range(len(FEATURES)), settings=[(1.0, 0, 0)], fit=_logistic, shuffles=1
    )
    assert learnt.mean() == 1.0
    without = [i for i, name in enumerate(FEATURES) if name != "segment_max"]
    blind = nested_reranker(pool, gold, without, settings=[(1.0, 0, 0)], fit=_logistic, shuffles=1)
    assert blind.mean() < 0.8


def test_bootstrap_interval_of_a_constant_gain() -> None:
    assert bootstrap_interval(np.full(30, 0.02)) == (0.02, 0.02)
