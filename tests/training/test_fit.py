"""Validation-driven choices: early stopping, feature configuration, blend weights."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from tests.evaluation.synthetic import two_communities
from training.fit import Compact, ValidationSet, choose_weights, fit_blended, last_items, transition_pairs
from training.params import ModelParams


def test_sequence_helpers() -> None:
    data = two_communities(n_users=4, n_items=20, per_user=3)
    mask = np.ones(data.user.size, bool)
    previous, following = transition_pairs(data, mask)
    assert previous.size == 4 * 2  # two consecutive pairs per user
    assert np.all(following == previous + 1)  # the chains walk items in order
    last = last_items(data, mask)
    assert np.all(last == following.reshape(4, 2)[:, 1])


def test_choose_weights_finds_the_informative_signal() -> None:
    # Two users, 4 items; the held-out item is 2 for user 0 and 3 for user 1. Only "cooccurrence" knows it.
    truth = sp.csr_matrix(([1.0, 1.0], ([0, 1], [2, 3])), shape=(2, 4))
    validation = ValidationSet(
        users=np.array([0, 1]), history=sp.csr_matrix((2, 4)), truth=truth, metric="ndcg@10"
    )
    informative = np.array([[0, 0, 1, 0], [0, 0, 0, 1]], dtype=np.float32)
    noise = np.array([[1, 0, 0, 0], [1, 0, 0, 0]], dtype=np.float32)
    signals: dict[str, Compact] = {"hybrid": (noise,), "cooccurrence": (informative,)}
    weights, score = choose_weights(signals, validation)
    assert weights["cooccurrence"] > weights["hybrid"]
    assert score == pytest.approx(1.0)


@pytest.mark.parametrize("protocol", ["leave-last-out", "item-cold-start"])
def test_fit_blended_reports_its_choices(protocol: str) -> None:
    data = two_communities(n_users=80)
    params = ModelParams(components=8, max_epochs=4, patience=2)
    recommender, report = fit_blended(data, np.ones(data.user.size, bool), protocol, params)
    assert report.configuration in report.validation_history
    assert 1 <= report.best_epoch <= 4
    assert sum(report.weights.values()) == pytest.approx(1.0)
    assert report.selection_metric == ("auc" if protocol == "item-cold-start" else "ndcg@10")
    assert recommender.score(np.arange(3)).shape == (3, data.n_items)
