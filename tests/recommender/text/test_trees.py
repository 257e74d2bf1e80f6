"""Known-answer check: the numpy tree evaluator gives LightGBM's and scikit-learn's raw scores."""

from __future__ import annotations

from pathlib import Path

import lightgbm
import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

import recommender.text.trees as trees_module
from recommender.text.trees import BoostedTrees


def test_raw_scores_equal_scikit_learn_and_survive_a_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 6))
    y = (x[:, 0] + x[:, 1] * x[:, 2] > 0.3).astype(int)
    model = HistGradientBoostingClassifier(max_iter=40, max_depth=4, random_state=0).fit(x, y)
    trees = BoostedTrees.from_sklearn(model)
    test = rng.normal(size=(300, 6))
    np.testing.assert_allclose(trees.raw_scores(test), model.decision_function(test), rtol=1e-9, atol=1e-9)
    trees.save(tmp_path / "trees.npz")
    loaded = BoostedTrees.load(tmp_path / "trees.npz")
    np.testing.assert_allclose(loaded.raw_scores(test), model.decision_function(test), rtol=1e-9, atol=1e-9)


def test_the_fast_evaluation_equals_the_descent_also_at_the_thresholds() -> None:
    """Reference check: the bit-mask evaluation and the level-by-level descent agree, on samples exactly at
    split thresholds (which go left) and on trees of every depth up to 6 (64 leaves: 64-bit masks)."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(800, 5))
    y = (x[:, 0] * x[:, 3] + np.sin(x[:, 1]) > 0.1).astype(int)
    for depth in (1, 3, 5, 6):
        model = HistGradientBoostingClassifier(max_iter=15, max_depth=depth, random_state=0).fit(x, y)
        trees = BoostedTrees.from_sklearn(model)
        at_thresholds = rng.normal(size=(400, 5))
        splits = np.flatnonzero(~trees.is_leaf)
        chosen = rng.choice(splits, size=400)
        at_thresholds[np.arange(400), trees.feature[chosen]] = trees.threshold[chosen]
        for sample in (x, at_thresholds):
            np.testing.assert_array_equal(trees.raw_scores(sample), trees.raw_scores_by_descent(sample))
        np.testing.assert_allclose(trees.raw_scores(x), model.decision_function(x), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("objective", ["lambdarank", "binary"])
def test_raw_scores_equal_lightgbm_also_at_the_thresholds(objective: str) -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3000, 6))
    x[:, 5] = np.maximum(x[:, 5], 0.0)  # many exact zeros, as the matcher's sparse features have
    y = (x[:, 0] + x[:, 1] * x[:, 2] + x[:, 5] > 0.3).astype(float)
    data = lightgbm.Dataset(x, y, group=np.full(100, 30) if objective == "lambdarank" else None)
    params = {"objective": objective, "num_leaves": 32, "max_depth": 5, "min_data_in_leaf": 20}
    booster = lightgbm.train({**params, "verbose": -1, "num_threads": 1, "deterministic": True}, data, 40)
    trees = BoostedTrees.from_lightgbm(booster.dump_model())
    assert trees.depth == 5
    test = rng.normal(size=(500, 6))
    test[:, 5] = np.maximum(test[:, 5], 0.0)
    splits = np.flatnonzero(~trees.is_leaf)
    chosen = rng.choice(splits, size=250)
    test[np.arange(250), trees.feature[chosen]] = trees.threshold[chosen]  # exactly at a split: goes left
    expected = booster.predict(test, raw_score=True)
    np.testing.assert_allclose(trees.raw_scores(test), expected, rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(trees.raw_scores(test), trees.raw_scores_by_descent(test))


def test_rows_scored_block_by_block_score_as_all_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(700, 5))
    y = (x[:, 0] - x[:, 2] > 0).astype(int)
    trees = BoostedTrees.from_sklearn(HistGradientBoostingClassifier(max_iter=10, random_state=0).fit(x, y))
    whole = trees.raw_scores(x)
    monkeypatch.setattr(trees_module, "ROW_BLOCK_BYTES", 8 * trees.roots.size * 64)  # blocks of 64 rows
    np.testing.assert_array_equal(trees.raw_scores(x), whole)
