"""Interactions in one in-memory form: who interacted with what, when and how strongly, with optional user
and item metadata. Training, validation and evaluation all work on :class:`InteractionData`.

Repeated (user, item) pairs are kept once, at their first time: ranking protocols exclude seen items, so a
repeat could never be hit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from recommender.idmap import IdMap


@dataclass(frozen=True)
class FeatureTable:
    """Sparse metadata: ``matrix[entity, feature] = weight`` and the feature names."""

    matrix: sp.csr_matrix
    names: list[str]


@dataclass(frozen=True)
class InteractionData:
    """Interactions as parallel arrays of indices, with optional metadata and a published split.

    ``time`` orders each user's interactions (seconds or sequence numbers); ``has_time`` says whether it is a
    real clock, so that protocols can cut on it. ``split`` holds the source's own ``train``/``test`` labels
    where it ships one.
    """

    name: str
    users: IdMap
    items: IdMap
    user: NDArray[np.int64]
    item: NDArray[np.int64]
    time: NDArray[np.float64]
    weight: NDArray[np.float32]
    user_features: FeatureTable | None = None
    item_features: FeatureTable | None = None
    split: NDArray[np.str_] | None = None
    has_time: bool = True

    @property
    def n_users(self) -> int:
        return len(self.users)

    @property
    def n_items(self) -> int:
        return len(self.items)

    def matrix(self, rows: NDArray[np.bool_] | None = None) -> sp.csr_matrix:
        """Users x items matrix of the selected interactions (all when ``rows`` is None), weighted."""
        pick = slice(None) if rows is None else rows
        return sp.csr_matrix(
            (self.weight[pick], (self.user[pick], self.item[pick])),
            shape=(self.n_users, self.n_items),
            dtype=np.float32,
        )


def build_data(
    name: str,
    triples: list[tuple[str, str, float, float]],
    *,
    has_time: bool,
    user_features: dict[str, dict[str, float]] | None = None,
    item_features: dict[str, dict[str, float]] | None = None,
    split: list[str] | None = None,
    extra_items: list[str] | None = None,
) -> InteractionData:
    """Index (user, item, time, weight) rows, dropping repeats of a pair (first by time is kept)."""
    order = sorted(range(len(triples)), key=lambda i: (triples[i][2], i))
    seen: set[tuple[str, str]] = set()
    kept: list[int] = []
    for i in order:
        pair = (triples[i][0], triples[i][1])
        if pair not in seen:
            seen.add(pair)
            kept.append(i)
    kept.sort()
    users = IdMap(triples[i][0] for i in kept)
    items = IdMap(triples[i][1] for i in kept)
    if extra_items:
        items.extend(extra_items)
    return InteractionData(
        name=name,
        users=users,
        items=items,
        user=users.indices([triples[i][0] for i in kept]),
        item=items.indices([triples[i][1] for i in kept]),
        time=np.array([triples[i][2] for i in kept], dtype=np.float64),
        weight=np.array([triples[i][3] for i in kept], dtype=np.float32),
        user_features=_table(users, user_features),
        item_features=_table(items, item_features),
        split=None if split is None else np.array([split[i] for i in kept]),
        has_time=has_time,
    )


def _table(ids: IdMap, features: dict[str, dict[str, float]] | None) -> FeatureTable | None:
    if not features:
        return None
    names = IdMap(sorted({feature for row in features.values() for feature in row}))
    rows, cols, vals = [], [], []
    for key, row in features.items():
        if key not in ids:
            continue  # metadata of an entity without interactions plays no part
        for feature, value in row.items():
            rows.append(ids.index(key))
            cols.append(names.index(feature))
            vals.append(value)
    matrix = sp.csr_matrix((vals, (rows, cols)), shape=(len(ids), len(names)), dtype=np.float32)
    return FeatureTable(matrix=matrix, names=names.ids)
