"""Ranking metrics, per user, on numpy arrays (matrices in, arrays out, like ``lightfm.evaluation``).

Per-user arrays are returned so that callers can average, segment (e.g. users with few interactions) and
bootstrap. Relevance is binary: an item is relevant to a user when it is in the user's test interactions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.stats import rankdata

Floats = NDArray[np.float64]


@dataclass(frozen=True)
class RankingScores:
    """Per-user values at cut-off ``k``, each an array of shape (n_users,)."""

    hits: NDArray[np.int64]
    precision: Floats
    recall: Floats
    hit_rate: Floats
    ndcg: Floats
    average_precision: Floats


def ranking_at_k(top: NDArray[np.int64], truth: sp.csr_matrix, k: int) -> RankingScores:
    """Precision, recall, hit rate, NDCG and average precision at ``k`` for each user (row).

    Parameters
    ----------
    top : ndarray of int, shape (n_users, >= k)
        Recommended item indices, best first.
    truth : scipy.sparse.csr_matrix of shape (n_users, n_items)
        Non-zero where the item is relevant (held out); every row must have at least one.
    k : int
        Cut-off.

    Returns
    -------
    RankingScores
        ``precision = hits / k``; ``recall = hits / |relevant|``; ``hit_rate = 1[hits > 0]``;
        ``ndcg = DCG / IDCG`` with ``DCG = sum_{hits at rank r} 1 / log2(r + 1)`` and the ideal DCG over
        ``min(|relevant|, k)`` ranks (Järvelin & Kekäläinen, TOIS 2002); ``average_precision`` is AP@k,
        ``sum_{hits at rank r} precision@r / min(|relevant|, k)``.
    """
    top = top[:, :k]
    n_relevant = np.diff(truth.indptr).astype(np.float64)
    if np.any(n_relevant == 0):
        raise ValueError("every evaluated user needs at least one relevant item")
    relevant = np.asarray(truth[np.arange(top.shape[0])[:, None], top].todense()) > 0
    hits = relevant.sum(axis=1)
    ranks = np.arange(1, top.shape[1] + 1, dtype=np.float64)
    discounts = 1.0 / np.log2(ranks + 1.0)
    dcg = (relevant * discounts).sum(axis=1)
    ideal_len = np.minimum(n_relevant, top.shape[1]).astype(np.int64)
    ideal = np.concatenate([[0.0], np.cumsum(discounts)])[ideal_len]
    precision_at_r = np.cumsum(relevant, axis=1) / ranks
    ap = (precision_at_r * relevant).sum(axis=1) / np.minimum(n_relevant, k)
    return RankingScores(
        hits=hits.astype(np.int64),
        precision=hits / float(k),
        recall=hits / n_relevant,
        hit_rate=(hits > 0).astype(np.float64),
        ndcg=dcg / ideal,
        average_precision=ap,
    )


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
