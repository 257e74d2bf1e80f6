"""Evaluate gradient-boosted regression trees with numpy, from plain arrays (no pickle, no scikit-learn).

The title matcher's re-ranker is trained with scikit-learn's ``HistGradientBoostingClassifier`` (in
``evaluation.titles``) and shipped as the arrays of its trees; :meth:`BoostedTrees.from_sklearn` takes them
out of a fitted model and :meth:`BoostedTrees.raw_scores` computes the same raw score (the log-odds the
classifier's ``decision_function`` returns), checked against scikit-learn in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from recommender.errors import UpskillError

_ARRAYS = ("feature", "threshold", "left", "right", "is_leaf", "value", "roots")


@dataclass(frozen=True)
class BoostedTrees:
    """Regression trees whose leaf values add up to a raw score.

    Nodes of all trees are stored together; ``roots[t]`` is the first node of tree ``t`` and ``left`` /
    ``right`` are absolute node indices. A sample goes left when ``x[feature] <= threshold``.
    """

    feature: NDArray[np.int32]
    threshold: NDArray[np.float64]
    left: NDArray[np.int32]
    right: NDArray[np.int32]
    is_leaf: NDArray[np.bool_]
    value: NDArray[np.float64]
    roots: NDArray[np.int32]
    baseline: float
    depth: int

    @classmethod
    def from_sklearn(cls, model: Any) -> BoostedTrees:
        """Take the trees out of a fitted binary ``HistGradientBoostingClassifier`` (numeric features)."""
        arrays: dict[str, list[Any]] = {name: [] for name in _ARRAYS}
        offset = 0
        depth = 0
        for (predictor,) in model._predictors:
            nodes = predictor.nodes
            if np.any(nodes["is_categorical"]):
                raise UpskillError("categorical splits are not supported by BoostedTrees")
            arrays["roots"].append(offset)
            arrays["feature"].append(nodes["feature_idx"])
            arrays["threshold"].append(nodes["num_threshold"])
            arrays["left"].append(nodes["left"].astype(np.int64) + offset)
            arrays["right"].append(nodes["right"].astype(np.int64) + offset)
            arrays["is_leaf"].append(nodes["is_leaf"].astype(bool))
            arrays["value"].append(nodes["value"])
            depth = max(depth, int(nodes["depth"].max()))
            offset += len(nodes)
        return cls(
            feature=np.concatenate(arrays["feature"]).astype(np.int32),
            threshold=np.concatenate(arrays["threshold"]).astype(np.float64),
            left=np.concatenate(arrays["left"]).astype(np.int32),
            right=np.concatenate(arrays["right"]).astype(np.int32),
            is_leaf=np.concatenate(arrays["is_leaf"]),
            value=np.concatenate(arrays["value"]).astype(np.float64),
            roots=np.asarray(arrays["roots"], dtype=np.int32),
            baseline=float(np.ravel(model._baseline_prediction)[0]),
            depth=depth,
        )

    def raw_scores(self, x: NDArray[np.floating]) -> NDArray[np.float64]:
        """The raw score (log-odds) of each row of ``x``, shape (n_samples,).

        Parameters
        ----------
        x : ndarray of shape (n_samples, n_features)
        """
        x = np.asarray(x, dtype=np.float64)
        total = np.full(x.shape[0], self.baseline)
        rows = np.arange(x.shape[0])[:, None]
        node = np.broadcast_to(self.roots, (x.shape[0], self.roots.size)).copy()
        for _ in range(self.depth):
            inner = ~self.is_leaf[node]
            if not inner.any():
                break
            go_left = x[rows, self.feature[node]] <= self.threshold[node]
            node = np.where(inner, np.where(go_left, self.left[node], self.right[node]), node)
        total += self.value[node].sum(axis=1)
        return total

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            **{name: getattr(self, name) for name in _ARRAYS},
            baseline=np.float64(self.baseline),
            depth=np.int64(self.depth),
        )

    @classmethod
    def load(cls, path: Path) -> BoostedTrees:
        with np.load(path, allow_pickle=False) as arrays:
            return cls(
                **{name: arrays[name] for name in _ARRAYS},
                baseline=float(arrays["baseline"]),
                depth=int(arrays["depth"]),
            )
