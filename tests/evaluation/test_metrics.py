"""Evaluation metrics against answers worked out by hand (the arithmetic is in the comments) and against
scikit-learn's ``roc_auc_score``."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics import roc_auc_score

from evaluation.metrics import auc_per_user, bootstrap_ci, catalogue_coverage, novelty


def truth(rows: list[list[int]], n_items: int) -> sp.csr_matrix:
    data = [(r, c) for r, cols in enumerate(rows) for c in cols]
    r, c = zip(*data, strict=True)
    return sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(rows), n_items))


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


def test_auc_matches_scikit_learn_on_small_dense_cases() -> None:
    rng = np.random.default_rng(7)
    for _case in range(50):
        n_users, n_items = rng.integers(1, 6), rng.integers(3, 12)
        scores = rng.integers(0, 4, size=(n_users, n_items)).astype(np.float64)  # many ties
        relevant = rng.random((n_users, n_items)) < 0.3
        seen = ~relevant & (rng.random((n_users, n_items)) < 0.2)
        ours = auc_per_user(scores, sp.csr_matrix(relevant), sp.csr_matrix(seen))
        for u in range(n_users):
            keep = ~seen[u]
            if relevant[u].any() and (~relevant[u] & keep).any():
                assert ours[u] == pytest.approx(roc_auc_score(relevant[u][keep], scores[u][keep]))
            else:
                assert math.isnan(ours[u])


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
