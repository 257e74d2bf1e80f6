"""Selection metrics against answers worked out by hand (the arithmetic is in the comments) and against
scikit-learn's ``ndcg_score`` and ``roc_auc_score`` on small dense cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics import ndcg_score, roc_auc_score

from training.metrics import ranking_at_k, sampled_auc


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


def test_sampled_auc_hand_computed() -> None:
    truth = sp.csr_matrix(([1.0], ([0], [0])), shape=(1, 5))
    negatives = np.array([[1, 2, -1]])
    # Positive 0.5 against negatives 0.2 (win), 0.5 (tie), the third skipped: (1 + 0.5) / 2.
    value = sampled_auc(np.array([0.5]), np.array([[0.2, 0.5, 9.0]]), truth, negatives)
    assert value == pytest.approx(0.75)


def test_ndcg_matches_scikit_learn_on_small_dense_cases() -> None:
    rng = np.random.default_rng(3)
    for _case in range(50):
        n_users, n_items = rng.integers(1, 6), rng.integers(2, 15)
        k = int(rng.integers(1, n_items + 1))
        scores = rng.permutation(n_users * n_items).reshape(n_users, n_items).astype(np.float64)  # no ties
        relevant = rng.random((n_users, n_items)) < 0.3
        relevant[np.arange(n_users), rng.integers(0, n_items, n_users)] = True  # at least one each
        top = np.argsort(-scores, axis=1)[:, :k]
        ours = ranking_at_k(top, sp.csr_matrix(relevant), k).ndcg
        theirs = [ndcg_score(relevant[u : u + 1], scores[u : u + 1], k=k) for u in range(n_users)]
        np.testing.assert_allclose(ours, theirs)


def test_sampled_auc_matches_scikit_learn_with_one_positive_per_user() -> None:
    rng = np.random.default_rng(5)
    n_users, n_negatives = 20, 8
    truth = sp.csr_matrix(
        (np.ones(n_users), (np.arange(n_users), rng.integers(0, 50, n_users))), shape=(n_users, 50)
    )
    positive = rng.integers(0, 5, n_users).astype(np.float64)
    negative = rng.integers(0, 5, (n_users, n_negatives)).astype(np.float64)
    negatives = rng.integers(0, 50, (n_users, n_negatives))
    expected = np.mean(
        [
            roc_auc_score([1] + [0] * n_negatives, np.concatenate([[positive[u]], negative[u]]))
            for u in range(n_users)
        ]
    )
    assert sampled_auc(positive, negative, truth, negatives) == pytest.approx(expected)
