"""Metrics against answers worked out by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from evaluation.metrics import auc_per_user, bootstrap_ci, catalogue_coverage, novelty, ranking_at_k


def truth(rows: list[list[int]], n_items: int) -> sp.csr_matrix:
    data = [(r, c) for r, cols in enumerate(rows) for c in cols]
    r, c = zip(*data, strict=True)
    return sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(rows), n_items))


def test_ranking_metrics_hand_computed() -> None:
    # User 0: list [3, 1, 4, 0, 2], relevant {1, 2}: hits at ranks 2 and 5.
    # User 1: list [0, 2, 1, 3, 4], relevant {0}: hit at rank 1.
    top = np.array([[3, 1, 4, 0, 2], [0, 2, 1, 3, 4]])
    scores = ranking_at_k(top, truth([[1, 2], [0]], 5), k=5)
    np.testing.assert_allclose(scores.precision, [2 / 5, 1 / 5])
    np.testing.assert_allclose(scores.recall, [1.0, 1.0])
    np.testing.assert_allclose(scores.hit_rate, [1.0, 1.0])
    # DCG_0 = 1/log2(3) + 1/log2(6); IDCG_0 = 1 + 1/log2(3).
    dcg0 = 1 / math.log2(3) + 1 / math.log2(6)
    np.testing.assert_allclose(scores.ndcg, [dcg0 / (1 + 1 / math.log2(3)), 1.0])
    # AP_0 = (P@2 + P@5) / 2 = (1/2 + 2/5) / 2 = 0.45; AP_1 = 1.
    np.testing.assert_allclose(scores.average_precision, [0.45, 1.0])


def test_ranking_at_smaller_k_truncates() -> None:
    top = np.array([[3, 1, 4, 0, 2]])
    scores = ranking_at_k(top, truth([[1, 2]], 5), k=2)
    # Only rank 2 counts: precision 1/2, recall 1/2, NDCG = (1/log2 3) / (1 + 1/log2 3), AP = (1/2)/2.
    np.testing.assert_allclose(scores.precision, [0.5])
    np.testing.assert_allclose(scores.recall, [0.5])
    np.testing.assert_allclose(scores.ndcg, [(1 / math.log2(3)) / (1 + 1 / math.log2(3))])
    np.testing.assert_allclose(scores.average_precision, [0.25])


def test_miss_scores_zero() -> None:
    scores = ranking_at_k(np.array([[0, 1]]), truth([[4]], 5), k=2)
    assert scores.hit_rate[0] == 0 and scores.ndcg[0] == 0 and scores.average_precision[0] == 0


def test_user_without_relevant_items_is_refused() -> None:
    empty = sp.csr_matrix((1, 3))
    with pytest.raises(ValueError, match="at least one relevant"):
        ranking_at_k(np.array([[0, 1]]), empty, k=2)


def test_auc_hand_computed_with_ties_and_exclusions() -> None:
    # Items 0..4 scored [0.9, 0.5, 0.5, 0.1, 0.7]; relevant {1}; item 4 excluded (seen).
    # Negatives 0 (0.9, wins over 1), 2 (tie: 1/2), 3 (0.1, loses): AUC = (0 + 0.5 + 1) / 3 = 0.5.
    scores = np.array([[0.9, 0.5, 0.5, 0.1, 0.7]])
    exclude = truth([[4]], 5)
    np.testing.assert_allclose(auc_per_user(scores, truth([[1]], 5), exclude), [0.5])
    # Without the exclusion item 4 is one more negative above: (0 + 0.5 + 1 + 0) / 4.
    np.testing.assert_allclose(auc_per_user(scores, truth([[1]], 5)), [0.375])


def test_auc_two_positives() -> None:
    # Relevant {0, 3} with scores 4 and 1; negatives 1 (3), 2 (2): pos 0 beats both, pos 3 beats none.
    scores = np.array([[4.0, 3.0, 2.0, 1.0]])
    np.testing.assert_allclose(auc_per_user(scores, truth([[0, 3]], 4)), [0.5])


def test_coverage_and_novelty() -> None:
    top = np.array([[0, 1], [0, 2]])
    assert catalogue_coverage(top, 10) == pytest.approx(0.3)
    counts = np.array([4.0, 2.0, 1.0, 0.0])
    # p = counts / 4 users = [1, 1/2, 1/4]: self-information [0, 1, 2]; mean over [0, 1, 0, 2] = 0.75.
    assert novelty(top, counts, 4) == pytest.approx(0.75)


def test_bootstrap_interval_contains_mean_and_is_seeded() -> None:
    values = np.random.default_rng(1).random(200)
    low, high = bootstrap_ci(values, rounds=300)
    assert low < values.mean() < high
    assert (low, high) == bootstrap_ci(values, rounds=300)
