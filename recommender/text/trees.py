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

        Every tree is laid out as a complete binary tree of depth :attr:`depth` (a leaf above that depth
        becomes splits that always go left, down to copies of its value), so that all trees descend
        together with one gather per level: node ``i``'s children are ``2i + 1`` and ``2i + 2``.

        Parameters
        ----------
        x : ndarray of shape (n_samples, n_features)
        """
        feature, threshold, leaves = self._complete()
        x = np.asarray(x, dtype=np.float64)
        n_trees = self.roots.size
        inner = 2**self.depth - 1
        base = (np.arange(n_trees) * inner)[None, :]
        rows = np.arange(x.shape[0])[:, None]
        node = np.zeros((x.shape[0], n_trees), dtype=np.int64)
        for _ in range(self.depth):
            flat = base + node
            node = 2 * node + 1 + (x[rows, feature[flat]] > threshold[flat])
        values = leaves[(np.arange(n_trees) * (inner + 1))[None, :] + node - inner]
        return self.baseline + values.sum(axis=1)

    def _complete(self) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
        """Features and thresholds of the complete trees' inner nodes, and their leaf values, tree by tree."""
        cached = self.__dict__.get("_complete_cache")
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        inner = 2**self.depth - 1
        n_trees = self.roots.size
        feature = np.zeros(n_trees * inner, dtype=np.int64)
        threshold = np.full(n_trees * inner, np.inf)
        leaves = np.zeros(n_trees * (inner + 1))
        for t, root in enumerate(self.roots.tolist()):
            stack = [(int(root), 0)]
            while stack:
                node, position = stack.pop()
                if self.is_leaf[node]:
                    # every complete-tree leaf below ``position`` carries this value (splits go left)
                    first, last = position, position
                    while first < inner:
                        first, last = 2 * first + 1, 2 * last + 2
                    leaves[t * (inner + 1) + first - inner : t * (inner + 1) + last - inner + 1] = self.value[
                        node
                    ]
                    continue
                feature[t * inner + position] = self.feature[node]
                threshold[t * inner + position] = self.threshold[node]
                stack.append((int(self.left[node]), 2 * position + 1))
                stack.append((int(self.right[node]), 2 * position + 2))
        object.__setattr__(self, "_complete_cache", (feature, threshold, leaves))
        return feature, threshold, leaves

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
