"""Evaluate gradient-boosted regression trees with numpy, from plain arrays (no pickle, no scikit-learn).

The title matcher's re-ranker is trained with LightGBM's LambdaRank (in ``evaluation.titles``) and shipped
as the arrays of its trees; :meth:`BoostedTrees.from_lightgbm` takes them out of a fitted booster's model
dump (:meth:`BoostedTrees.from_sklearn` out of scikit-learn's ``HistGradientBoostingClassifier``) and
:meth:`BoostedTrees.raw_scores` computes the same raw score (the booster's ``predict(raw_score=True)``, the
classifier's ``decision_function``), checked against both libraries in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from recommender.errors import UpskillError

PrefixTables = list[tuple[int, NDArray[np.float64], NDArray[np.unsignedinteger[Any]]]]
"""Per feature used in a split: the feature, its thresholds in increasing order, the bits left per prefix."""

ROW_BLOCK_BYTES = 1 << 20
"""Bytes of leaf masks (rows x trees) :meth:`BoostedTrees.raw_scores` works on at a time (cache-sized)."""

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

    @classmethod
    def from_lightgbm(cls, dump: dict[str, Any]) -> BoostedTrees:
        """Take the trees out of a LightGBM booster's ``dump_model()`` (numeric ``<=`` splits, no
        categorical ones; a split's missing-value direction is not kept: the matcher's features are never
        NaN)."""
        arrays: dict[str, list[Any]] = {name: [] for name in _ARRAYS}
        depth = 0
        for info in dump["tree_info"]:
            arrays["roots"].append(len(arrays["feature"]))
            stack: list[tuple[dict[str, Any], int, int | None, str]] = [(info["tree_structure"], 0, None, "")]
            while stack:
                node, level, parent, side = stack.pop()
                index = len(arrays["feature"])
                if parent is not None:
                    arrays[side][parent] = index
                leaf = "split_feature" not in node
                if not leaf and (node.get("decision_type") != "<=" or node.get("missing_type") == "Zero"):
                    kind, missing = node.get("decision_type"), node.get("missing_type")
                    raise UpskillError(
                        f"LightGBM split {kind!r} (missing {missing!r}) is not supported by BoostedTrees: "
                        "fit numeric features without zero_as_missing"
                    )
                arrays["feature"].append(0 if leaf else int(node["split_feature"]))
                arrays["threshold"].append(0.0 if leaf else float(node["threshold"]))
                arrays["left"].append(-1)
                arrays["right"].append(-1)
                arrays["is_leaf"].append(leaf)
                arrays["value"].append(float(node["leaf_value"]) if leaf else 0.0)
                if leaf:
                    depth = max(depth, level)
                else:
                    stack.append((node["right_child"], level + 1, index, "right"))
                    stack.append((node["left_child"], level + 1, index, "left"))
        return cls(
            feature=np.asarray(arrays["feature"], dtype=np.int32),
            threshold=np.asarray(arrays["threshold"], dtype=np.float64),
            left=np.asarray(arrays["left"], dtype=np.int32),
            right=np.asarray(arrays["right"], dtype=np.int32),
            is_leaf=np.asarray(arrays["is_leaf"], dtype=bool),
            value=np.asarray(arrays["value"], dtype=np.float64),
            roots=np.asarray(arrays["roots"], dtype=np.int32),
            baseline=0.0,
            depth=depth,
        )

    def raw_scores(self, x: NDArray[np.floating]) -> NDArray[np.float64]:
        """The raw score (log-odds) of each row of ``x``, shape (n_samples,).

        Trees of depth up to 6 are evaluated the QuickScorer way (Lucchese et al., "QuickScorer: a fast
        algorithm to rank documents with additive ensembles of regression trees", SIGIR 2015): each tree's
        leaves are bits of one integer, every split a sample goes right at clears the bits of the leaves
        on its left, and the leftmost bit left is the leaf the sample reaches. The splits a sample goes right
        at on a feature are those whose threshold is below its value, a prefix of the feature's thresholds in
        order; the bits they leave are precomputed per prefix, so a feature costs one binary search and one
        row lookup per sample, for all trees at once, instead of a gather per tree and level. Deeper trees
        descend level by level (:meth:`raw_scores_by_descent`); both give the same scores.

        Parameters
        ----------
        x : ndarray of shape (n_samples, n_features), without NaN
        """
        if self.depth > 6:
            return self.raw_scores_by_descent(x)
        x = np.asarray(x)
        # a block of rows at a time: its masks (rows x trees) stay in the processor's cache across the
        # features, where the whole batch's would be read from memory once per feature
        block = max(1, ROW_BLOCK_BYTES // (8 * max(1, self.roots.size)))
        if x.shape[0] <= block:
            return self._raw_scores_block(x)
        return np.concatenate([self._raw_scores_block(x[i : i + block]) for i in range(0, x.shape[0], block)])

    def _raw_scores_block(self, x: NDArray[np.floating]) -> NDArray[np.float64]:
        tables, full = self._prefix_tables()
        _, _, leaves = self._complete()
        n_trees = self.roots.size
        alive = np.full((x.shape[0], n_trees), full)
        scratch = np.empty_like(alive)
        for feature, thresholds, table in tables:
            # splits with threshold < x go right: a sample goes left when x <= threshold
            prefix = np.searchsorted(thresholds, x[:, feature].astype(np.float64), side="left")
            np.take(table, prefix, axis=0, out=scratch)
            alive &= scratch
        lowest = alive & (~alive + alive.dtype.type(1))  # the lowest bit set: the leftmost leaf reached
        leaf = np.frexp(lowest.astype(np.float64))[1] - 1
        leaf += (np.arange(n_trees) * 2**self.depth)[None, :]
        return self.baseline + leaves[leaf].sum(axis=1)

    def raw_scores_by_descent(self, x: NDArray[np.floating]) -> NDArray[np.float64]:
        """:meth:`raw_scores` computed by descending the trees (the reference the fast way is tested on).

        Every tree is laid out as a complete binary tree of depth :attr:`depth` (a leaf above that depth
        becomes splits that always go left, down to copies of its value), so that all trees descend
        together with one gather per level: node ``i``'s children are ``2i + 1`` and ``2i + 2``.
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

    def _prefix_tables(self) -> tuple[PrefixTables, Any]:
        """Per feature: its split thresholds in increasing order, and for each prefix of them (the splits a
        sample goes right at) the leaves of every tree still reachable, as bits (leaf ``j`` is bit ``j``).

        Returns ``([(feature, thresholds, table of shape (len(thresholds) + 1, n_trees)), ...], all_bits)``.
        """
        cached = self.__dict__.get("_prefix_cache")
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        feature, threshold, _ = self._complete()
        inner, n_leaves = 2**self.depth - 1, 2**self.depth
        dtype = np.uint32 if n_leaves <= 32 else np.uint64
        full = dtype((1 << n_leaves) - 1)
        real = np.isfinite(threshold)  # the padding splits of the complete layout always go left
        tables = []
        for f in np.unique(feature[real]).tolist():
            nodes = np.flatnonzero(real & (feature == f))
            nodes = nodes[np.argsort(threshold[nodes], kind="stable")]
            table = np.full((len(nodes) + 1, self.roots.size), full, dtype=dtype)
            for j, node in enumerate(nodes.tolist()):
                tree, position = divmod(node, inner)
                first = last = 2 * position + 1  # the left child's leaves: its leftmost to its rightmost
                while first < inner:
                    first, last = 2 * first + 1, 2 * last + 2
                left_leaves = ((1 << (last - inner + 1)) - 1) ^ ((1 << (first - inner)) - 1)
                table[j + 1] = table[j]
                table[j + 1, tree] &= dtype(~left_leaves & ((1 << n_leaves) - 1))
            # splits sharing a threshold are passed together (a sample passes all or none of them): keep
            # one row per distinct threshold, a smaller table to read from
            distinct, counts = np.unique(threshold[nodes], return_counts=True)
            tables.append((int(f), distinct, table[np.r_[0, np.cumsum(counts)]]))
        object.__setattr__(self, "_prefix_cache", (tables, full))
        return tables, full

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
