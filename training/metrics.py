"""The ranking metrics model selection uses, per user, on numpy arrays (matrices in, arrays out, like
``lightfm.evaluation``); the evaluation reports them too, next to its own (``evaluation.metrics``).

Relevance is binary: an item is relevant to a user when it is in the user's held-out interactions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

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


def sampled_auc(
    positive: NDArray[np.floating],
    negative: NDArray[np.floating],
    truth: sp.csr_matrix,
    negatives: NDArray[np.int64],
) -> float:
    """Mean per-user AUC of held-out items against fixed sampled negatives (-1 entries are skipped).

    ``positive`` has one score per stored entry of ``truth`` (row-major order), ``negative`` the scores of
    that entry's user's sampled negatives.
    """
    t = truth.tocoo()
    valid = negatives[t.row] >= 0
    pos = positive[:, None]
    wins = ((pos > negative) + 0.5 * (pos == negative)) * valid
    per_positive = wins.sum(axis=1) / np.maximum(valid.sum(axis=1), 1)
    counts = np.diff(truth.indptr)
    per_user = np.bincount(t.row, weights=per_positive, minlength=truth.shape[0]) / np.maximum(counts, 1)
    return float(per_user[counts > 0].mean())
