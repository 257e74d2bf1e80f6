"""Known-answer check: the numpy tree evaluator gives scikit-learn's raw scores."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

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
