"""Evaluation metrics beyond those model selection uses (``training.metrics``): AUC over the whole catalogue,
catalogue coverage, novelty, bootstrap intervals; numpy arrays in, arrays or numbers out.

Per-user arrays are returned so that callers can average, segment (e.g. users with few interactions) and
bootstrap. Relevance is binary: an item is relevant to a user when it is in the user's test interactions.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.stats import rankdata

Floats = NDArray[np.float64]


def auc_per_user(
    scores: NDArray[np.floating], truth: sp.csr_matrix, exclude: sp.csr_matrix | None = None
) -> Floats:
    """Area under the ROC curve per user: the chance a relevant item outscores a non-relevant one.

    Parameters
    ----------
    scores : ndarray of shape (n_users, n_items)
    truth : scipy.sparse.csr_matrix, same shape
        Relevant items (non-zero).
    exclude : scipy.sparse.csr_matrix, same shape, or None
        Items that are neither relevant nor negatives (e.g. seen in training).

    Returns
    -------
    ndarray of float64, shape (n_users,)
        Mann-Whitney U / (n_pos * n_neg), ties counted as half (Hanley & McNeil, Radiology 1982); NaN for a
        user without relevant or without negative items.
    """
    work = np.asarray(scores, dtype=np.float64).copy()
    n_excluded = np.zeros(work.shape[0])
    if exclude is not None and exclude.nnz:
        rows = np.repeat(np.arange(exclude.shape[0]), np.diff(exclude.indptr))
        work[rows, exclude.indices] = -np.inf  # excluded items rank below every candidate
        n_excluded = np.diff(exclude.indptr).astype(np.float64)
    ranks = rankdata(work, axis=1, method="average")
    t = truth.tocoo()
    n_pos = np.diff(truth.indptr).astype(np.float64)
    rank_sum = np.bincount(t.row, weights=ranks[t.row, t.col], minlength=work.shape[0])
    n_neg = work.shape[1] - n_excluded - n_pos
    u = rank_sum - n_pos * n_excluded - n_pos * (n_pos + 1) / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((n_pos > 0) & (n_neg > 0), u / (n_pos * n_neg), np.nan)


def catalogue_coverage(top: NDArray[np.int64], n_items: int) -> float:
    """Share of the catalogue that appears in at least one recommendation list (Ge et al., RecSys 2010)."""
    return float(np.unique(top).size / n_items) if n_items else 0.0


def novelty(top: NDArray[np.int64], item_counts: NDArray[np.floating], n_users: int) -> float:
    """Mean self-information ``-log2(p_i)`` of recommended items, ``p_i`` = share of users with item ``i``.

    Zhou et al., PNAS 2010; items never seen in training count as seen once, so the value stays finite.
    """
    p = np.maximum(np.asarray(item_counts, dtype=np.float64), 1.0) / max(n_users, 1)
    return float(np.mean(-np.log2(p[top]))) if top.size else 0.0


def bootstrap_ci(
    values: Floats, *, rounds: int = 1000, level: float = 0.95, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of the mean of per-user values (Efron & Tibshirani 1993)."""
    clean = values[~np.isnan(values)]
    if clean.size == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    means = clean[rng.integers(0, clean.size, size=(rounds, clean.size))].mean(axis=1)
    alpha = (1.0 - level) / 2.0
    return (float(np.quantile(means, alpha)), float(np.quantile(means, 1.0 - alpha)))
