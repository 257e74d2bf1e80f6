"""Serving a fitted hybrid model: its scoring, the count signals, the blend and top-k, without scikit-learn.

Everything loading and serving a model needs lives here, on numpy, scipy.sparse and threadpoolctl alone:
importing scikit-learn costs a process about half a second (``sklearn.base`` pulls ``scipy.stats``), which a
command line that loads a model to plan one path should not pay. The estimator that fits the model,
:class:`recommender.hybrid.HybridRanker`, extends :class:`FittedRanker`; an artefact is loaded as a plain
:class:`FittedRanker` (``training.artefacts``). All work on matrix indices (outside ids are mapped one level
up by :class:`recommender.idmap.IdMap`):

* :class:`FittedRanker`, the fitted LightFM state (learned state ends in ``_``) and its scores.
* Co-occurrence (:class:`ItemCooccurrence`, item-kNN with cosine similarity), sequence
  (:class:`LastItemTransitions`) and :class:`Popularity` signals, cheap count-based scorers.
* :class:`Blend`, the documented final ranking: a weighted sum of signals, each standardised per user
  (z-scores over the items), so weights are comparable across signals whose raw scales differ widely.
  Weights are chosen on validation data (``training.fit.choose_weights``), never by hand. For workers, the
  planner adds ``graph`` (the share of the worker's skill gap a course closes) through ``extra_signals``.

Serving never calls ``LightFM.predict``: a request is one matrix product of the user's representation with
the item representation matrix, then ``argpartition`` (:func:`top_k`). Fitting and scoring use at most
``num_threads`` BLAS threads (``threadpoolctl``): a product split over more threads may add in another order,
so the same model could score differently in the last bits from one run or machine to the next. (Setting
``OPENBLAS_NUM_THREADS`` once numpy is loaded has no effect.)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar, Concatenate, ParamSpec, TypeVar

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from recommender.errors import UpskillError

FloatMatrix = NDArray[np.float32]


Params = ParamSpec("Params")
Result = TypeVar("Result")
Ranker = TypeVar("Ranker", bound="FittedRanker")


#: BLAS threads fixed for the whole process by :func:`serving_blas_threads`, or None.
_fixed_blas_threads: int | None = None


@contextmanager
def serving_blas_threads(threads: int = 1) -> Iterator[None]:
    """Hold BLAS to ``threads`` threads for the whole block (a server's life), for every request at once.

    A server scores many requests at the same time, each in its own thread: a limit set and restored around
    each call (what :class:`FittedRanker` methods do otherwise) would be restored by one request while
    another still computes, and finding every library's thread pool anew (what ``threadpool_limits`` does)
    costs each request milliseconds in a server that has loaded scipy, HiGHS and scikit-learn. Inside the
    block, methods whose ``num_threads`` is ``threads`` leave the limit as it is (others, a retrain in the
    server, set their own around each call as before); it is restored when the block ends.
    """
    global _fixed_blas_threads
    if _fixed_blas_threads is not None:  # an app inside another (tests): the outer block holds the limit
        if _fixed_blas_threads != threads:
            raise RuntimeError(f"BLAS threads are held at {_fixed_blas_threads} already, not {threads}")
        yield
        return
    with threadpool_limits(limits=threads, user_api="blas"):
        _fixed_blas_threads = threads
        try:
            yield
        finally:
            _fixed_blas_threads = None


def blas_limited(
    method: Callable[Concatenate[Ranker, Params], Result],
) -> Callable[Concatenate[Ranker, Params], Result]:
    """Run a :class:`FittedRanker` method with at most ``num_threads`` BLAS threads."""

    @functools.wraps(method)
    def limited(self: Ranker, *args: Params.args, **kwargs: Params.kwargs) -> Result:
        fixed = _fixed_blas_threads
        if fixed == self.num_threads:
            return method(self, *args, **kwargs)
        with threadpool_limits(limits=self.num_threads, user_api="blas"):
            return method(self, *args, **kwargs)

    return limited


class ModelInputError(UpskillError):
    """Matrices handed to a model do not fit together (shapes, NaNs, negative weights)."""


def cap_features(
    metadata: sp.csr_matrix, support: NDArray[np.float64], max_features: int | None
) -> sp.csr_matrix:
    """Keep at most ``max_features`` metadata features per row, the most widely shared ones.

    LightFM's cost per interaction grows with the number of active features of the user and the items it
    touches; a course with a thousand concept tags makes every epoch slow while its most shared features carry
    most of the transferable signal. Ties are broken by the lower feature index (deterministic).

    Parameters
    ----------
    metadata : scipy.sparse.csr_matrix of shape (n, n_features)
    support : ndarray of shape (n_features,)
        How many entities have each feature.
    max_features : int or None
        The cap; None keeps everything.

    Returns
    -------
    scipy.sparse.csr_matrix, same shape
    """
    if max_features is None or metadata.nnz == 0:
        return metadata
    counts = np.diff(metadata.indptr)
    if counts.max() <= max_features:
        return metadata
    keep = np.ones(metadata.nnz, dtype=bool)
    for row in np.flatnonzero(counts > max_features):
        start, end = metadata.indptr[row], metadata.indptr[row + 1]
        cols = metadata.indices[start:end]
        order = np.lexsort((cols, -support[cols]))
        drop = np.ones(cols.size, dtype=bool)
        drop[order[:max_features]] = False
        keep[start:end][drop] = False
    coo = metadata.tocoo()
    return sp.csr_matrix((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=metadata.shape)


def rows_l1_normalised(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """``matrix`` with each row divided by the sum of its absolute values, to the bit as scikit-learn's
    ``inplace_csr_row_normalize_l1`` computes it (what ``normalize(norm="l1")`` does, without its input
    validation, milliseconds per call): each row's sum added up in float64 one value after the other
    (``np.add.accumulate``, not ``np.sum``'s pairwise sums), each value divided by it in float64 and rounded
    back; a row summing to 0 is left as it is."""
    out = matrix.copy()
    if out.nnz == 0:
        return out
    lengths = np.diff(out.indptr)
    rows = np.repeat(np.arange(lengths.size), lengths)
    padded = np.zeros((lengths.size, int(lengths.max())), dtype=np.float64)
    padded[rows, np.arange(out.nnz) - out.indptr[rows]] = np.abs(out.data)
    sums = np.add.accumulate(padded, axis=1)[:, -1]
    sums[sums == 0.0] = 1.0
    out.data = (out.data / sums[rows]).astype(out.dtype)
    return out


def _check_fitted(ranker: FittedRanker, attribute: str) -> None:
    """What ``sklearn.utils.validation.check_is_fitted(ranker, attribute)`` does, without importing
    scikit-learn: its error is imported only when raised (an unfitted ``HybridRanker``)."""
    if not hasattr(ranker, attribute):
        from sklearn.exceptions import NotFittedError

        raise NotFittedError(
            f"This {type(ranker).__name__} instance is not fitted yet. Call 'fit' with appropriate "
            "arguments before using this estimator."
        )


class FittedRanker:
    """The fitted state of the hybrid LightFM model and its scores: what an artefact holds and serving uses.

    :class:`recommender.hybrid.HybridRanker` (the scikit-learn estimator) extends it and fits the state;
    :meth:`from_arrays` rebuilds it from an artefact. Of the estimator's hyper-parameters, scoring reads
    ``max_features`` (the metadata cap of a new user) and ``num_threads`` (BLAS threads); the others are
    accepted and ignored, so that ``from_arrays(ranker.get_params(), ...)`` rebuilds either class.
    """

    max_features: int | None
    num_threads: int
    user_vectors_: FloatMatrix
    item_vectors_: FloatMatrix
    user_feature_embeddings_: FloatMatrix
    user_feature_biases_: NDArray[np.float32]
    item_feature_embeddings_: FloatMatrix
    item_feature_biases_: NDArray[np.float32]
    user_support_: NDArray[np.float64]
    item_support_: NDArray[np.float64]
    user_metadata_offset_: int
    item_metadata_offset_: int
    n_users_: int
    n_items_: int

    def __init__(self, *, max_features: int | None = 32, num_threads: int = 1, **fitting: object) -> None:
        self.max_features = max_features
        self.num_threads = num_threads

    @staticmethod
    def _vectors(
        design: sp.csr_matrix, embeddings: FloatMatrix, biases: NDArray[np.float32], *, user_side: bool
    ) -> FloatMatrix:
        factors = np.asarray(design @ embeddings, dtype=np.float32)
        bias = np.asarray(design @ biases, dtype=np.float32)[:, None]
        ones = np.ones_like(bias)
        parts = (factors, ones, bias) if user_side else (factors, bias, ones)
        return np.ascontiguousarray(np.hstack(parts), dtype=np.float32)

    STATE: ClassVar[tuple[str, ...]] = (
        "user_vectors_",
        "item_vectors_",
        "user_feature_embeddings_",
        "user_feature_biases_",
        "item_feature_embeddings_",
        "item_feature_biases_",
        "user_support_",
        "item_support_",
    )

    def state_arrays(self) -> dict[str, NDArray[np.generic]]:
        """The fitted state as plain arrays (what an artefact stores; no pickle needed)."""
        _check_fitted(self, "item_vectors_")
        arrays: dict[str, NDArray[np.generic]] = {name: getattr(self, name) for name in self.STATE}
        arrays["offsets_"] = np.array(
            [self.user_metadata_offset_, self.item_metadata_offset_], dtype=np.int64
        )
        return arrays

    @classmethod
    def from_arrays(
        cls: type[Ranker], params: Mapping[str, Any], arrays: Mapping[str, NDArray[np.generic]]
    ) -> Ranker:
        """Rebuild a fitted ranker from the estimator's ``get_params()`` and :meth:`state_arrays`."""
        ranker = cls(**params)
        for name in cls.STATE:
            setattr(ranker, name, np.asarray(arrays[name]))
        ranker.user_metadata_offset_, ranker.item_metadata_offset_ = (int(v) for v in arrays["offsets_"])
        ranker.n_users_, ranker.n_items_ = ranker.user_vectors_.shape[0], ranker.item_vectors_.shape[0]
        return ranker

    @blas_limited
    def score(self, users: NDArray[np.int64] | slice) -> FloatMatrix:
        """Scores of the given users (rows) for every item, shape (n_users_given, n_items), float32.

        Equal to ``LightFM.predict`` on the same features, computed as one matrix product.
        """
        _check_fitted(self, "item_vectors_")
        return self.user_vectors_[users] @ self.item_vectors_.T

    @blas_limited
    def score_new_users(self, metadata: sp.spmatrix) -> FloatMatrix:
        """Scores of users described by metadata only (new users) for every item, shape (n, n_items)."""
        return self.represent_users(metadata) @ self.item_vectors_.T

    @blas_limited
    def score_new_user(self, columns: Sequence[int], values: Sequence[float]) -> FloatMatrix:
        """:meth:`score_new_users` of one user given by its metadata's (column, value) pairs (distinct
        columns), shape (1, n_items), without the sparse matrices: the same arithmetic in the same order
        (:func:`cap_features`' cap, the L1 norm summed in float64, the float32 sums over the columns in
        ascending order that scipy's CSR product does, the same product with the items), so the same scores
        to the bit (tests/recommender/test_hybrid.py), in ~0.1 ms instead of ~0.4 (a plan request's)."""
        _check_fitted(self, "user_vectors_")
        offset = self.user_metadata_offset_
        embeddings, biases = self.user_feature_embeddings_, self.user_feature_biases_
        n_meta = embeddings.shape[0] - offset
        pairs = sorted(zip(columns, values, strict=True))
        cols = np.fromiter((c for c, _ in pairs), np.int64, len(pairs))
        vals = np.fromiter((v for _, v in pairs), np.float32, len(pairs))
        if cols.size and (cols[0] < 0 or cols[-1] >= n_meta):
            raise ModelInputError(f"expected {n_meta} metadata features, got column {int(cols[-1])}")
        if self.max_features is not None and cols.size > self.max_features:
            order = np.lexsort((cols, -self.user_support_[cols]))
            keep = np.zeros(cols.size, dtype=bool)
            keep[order[: self.max_features]] = True
            cols, vals = cols[keep], vals[keep]
        if not np.all(np.isfinite(vals)):
            raise ModelInputError("feature values must be finite; check the input for NaNs")
        total = 0.0
        for value in vals.tolist():
            total += abs(value)
        if total != 0.0:
            vals = (vals.astype(np.float64) / total).astype(np.float32)
        # each column's products (its embedding and bias times its value) added from 0 one after the other
        # in ascending column order: np.add.accumulate adds row after row, unlike np.sum's pairwise sums
        rows = offset + cols
        products = np.zeros((cols.size + 1, embeddings.shape[1] + 1), dtype=np.float32)
        products[1:, :-1] = vals[:, None] * embeddings[rows]
        products[1:, -1] = vals * biases[rows]
        summed = np.add.accumulate(products, axis=0)[-1]
        factors, bias = summed[:-1], summed[-1]
        vector = np.empty((1, embeddings.shape[1] + 2), dtype=np.float32)
        vector[0, :-2], vector[0, -2], vector[0, -1] = factors, 1.0, bias
        return vector @ self.item_vectors_.T

    def represent_users(self, metadata: sp.spmatrix) -> FloatMatrix:
        """Representations of users described by metadata only (new users), shape (n, n_components + 2)."""
        _check_fitted(self, "user_vectors_")
        meta = cap_features(sp.csr_matrix(metadata, dtype=np.float32), self.user_support_, self.max_features)
        return self._from_metadata(
            meta, self.user_metadata_offset_, self.user_feature_embeddings_, self.user_feature_biases_, True
        )

    @classmethod
    def _from_metadata(
        cls,
        metadata: sp.spmatrix,
        offset: int,
        embeddings: FloatMatrix,
        biases: NDArray[np.float32],
        user_side: bool,
    ) -> FloatMatrix:
        n_meta = embeddings.shape[0] - offset
        meta = sp.csr_matrix(metadata, dtype=np.float32)
        if meta.shape[1] != n_meta:
            raise ModelInputError(f"expected {n_meta} metadata features, got {meta.shape[1]}")
        if meta.nnz and not np.all(np.isfinite(meta.data)):
            raise ModelInputError("feature values must be finite; check the input for NaNs")
        design = rows_l1_normalised(meta)
        return cls._vectors(design, embeddings[offset:], biases[offset:], user_side=user_side)


def top_k(scores: NDArray[np.floating], k: int, exclude: sp.csr_matrix | None = None) -> NDArray[np.int64]:
    """Indices of the ``k`` best-scored items per row, best first, with excluded items never returned.

    Parameters
    ----------
    scores : ndarray of shape (n_rows, n_items)
        Scores; modified in place where ``exclude`` is set (to ``-inf``).
    k : int
        How many items per row (at most ``n_items``).
    exclude : scipy.sparse.csr_matrix of shape (n_rows, n_items) or None
        Non-zero entries are items not to recommend (e.g. already seen).

    Returns
    -------
    ndarray of int64, shape (n_rows, min(k, n_items))
        Ties are broken by the lower item index, so the result is deterministic.
    """
    if exclude is not None and exclude.nnz:
        rows = np.repeat(np.arange(exclude.shape[0]), np.diff(exclude.indptr))
        scores[rows, exclude.indices] = -np.inf
    n_rows, n_items = scores.shape
    k = min(k, n_items)
    if k == 0:
        return np.zeros((n_rows, 0), dtype=np.int64)
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    threshold = np.take_along_axis(scores, part, axis=1).min(axis=1, keepdims=True)
    # argpartition picks arbitrarily among items tied at the threshold: take the lowest indices instead.
    above = scores > threshold
    tied = scores == threshold
    needed = k - above.sum(axis=1, keepdims=True)
    chosen_mask = above | (tied & (np.cumsum(tied, axis=1) <= needed))
    chosen = np.nonzero(chosen_mask)[1].reshape(n_rows, k)
    values = np.take_along_axis(scores, chosen, axis=1)
    order = np.lexsort((chosen, -values), axis=1)
    return np.take_along_axis(chosen, order, axis=1).astype(np.int64)


# --- count-based signals ----------------------------------------------------------------------------


@dataclass
class Popularity:
    """Score = number of training interactions of the item (the same for every user)."""

    counts_: NDArray[np.float32] = field(default_factory=lambda: np.zeros(0, np.float32))

    def fit(self, interactions: sp.csr_matrix) -> Popularity:
        self.counts_ = np.asarray((interactions > 0).sum(axis=0), dtype=np.float32).ravel()
        return self

    def score(self, history: sp.csr_matrix, last_items: NDArray[np.int64]) -> FloatMatrix:
        return np.broadcast_to(self.counts_, (history.shape[0], self.counts_.size)).copy()


@dataclass
class ItemCooccurrence:
    """Item-kNN: score(u, i) = sum of cosine similarities between ``i`` and the items ``u`` interacted with.

    Similarities are kept for each item's ``neighbours`` nearest items only (Sarwar et al., WWW 2001;
    Deshpande & Karypis, TOIS 2004).
    """

    neighbours: int = 100
    similarity_: sp.csr_matrix = field(default_factory=lambda: sp.csr_matrix((0, 0), dtype=np.float32))
    _by_source: sp.csr_matrix | None = field(default=None, init=False, repr=False, compare=False)

    def fit(self, interactions: sp.csr_matrix) -> ItemCooccurrence:
        binary = (interactions > 0).astype(np.float32).tocsc()
        norms = np.sqrt(np.asarray(binary.sum(axis=0)).ravel())
        norms[norms == 0] = 1.0
        scaled = binary @ sp.diags(1.0 / norms).astype(np.float32)
        sim = (scaled.T @ scaled).tocsr().astype(np.float32)
        sim.setdiag(0.0)
        sim.eliminate_zeros()
        self.similarity_ = _keep_top_per_row(sim, self.neighbours)
        self._by_source = None
        return self

    def score(self, history: sp.csr_matrix, last_items: NDArray[np.int64]) -> FloatMatrix:
        if self._by_source is None or self._by_source.shape != self.similarity_.shape[::-1]:
            # Rows of the transpose, kept in CSR: a user's score is the sum of a few of its rows.
            self._by_source = self.similarity_.T.tocsr()
        binary = (history > 0).astype(np.float32)
        return np.asarray((binary @ self._by_source).todense(), dtype=np.float32)


@dataclass
class LastItemTransitions:
    """Sequence signal: score(u, i) = how often ``i`` directly followed ``u``'s last item in training.

    A first-order Markov chain on item-to-item transitions (Rendle et al., WWW 2010, the FPMC paper's MC
    part), normalised per source item; users without a last item score 0 everywhere.
    """

    transitions_: sp.csr_matrix = field(default_factory=lambda: sp.csr_matrix((0, 0), dtype=np.float32))

    def fit_sequences(
        self, previous: NDArray[np.int64], following: NDArray[np.int64], n_items: int
    ) -> LastItemTransitions:
        """Fit from consecutive pairs (previous item, following item) of all users' time-ordered sequences."""
        counts = sp.coo_matrix(
            (np.ones(previous.size, dtype=np.float32), (previous, following)), shape=(n_items, n_items)
        ).tocsr()
        counts.sum_duplicates()
        row_sums = np.asarray(counts.sum(axis=1)).ravel()
        row_sums[row_sums == 0] = 1.0
        self.transitions_ = (sp.diags(1.0 / row_sums).astype(np.float32) @ counts).tocsr()
        return self

    def score(self, history: sp.csr_matrix, last_items: NDArray[np.int64]) -> FloatMatrix:
        n_items = self.transitions_.shape[1]
        out = np.zeros((last_items.size, n_items), dtype=np.float32)
        known = last_items >= 0
        if known.any():
            out[known] = self.transitions_[last_items[known]].toarray()
        return out


def _keep_top_per_row(matrix: sp.csr_matrix, k: int) -> sp.csr_matrix:
    rows, cols, vals = [], [], []
    for row in range(matrix.shape[0]):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        data = matrix.data[start:end]
        idx = matrix.indices[start:end]
        if data.size > k:
            keep = np.argpartition(-data, k - 1)[:k]
            data, idx = data[keep], idx[keep]
        rows.append(np.full(data.size, row))
        cols.append(idx)
        vals.append(data)
    if not rows:
        return matrix
    return sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=matrix.shape
    )


# --- the blend --------------------------------------------------------------------------------------


def standardise(scores: FloatMatrix, candidates: NDArray[np.bool_] | None = None) -> FloatMatrix:
    """Per-row z-scores over the candidate items (all items when ``candidates`` is None).

    Parameters
    ----------
    scores : ndarray of shape (n_rows, n_items)
    candidates : ndarray of bool, same shape, or None

    Returns
    -------
    ndarray of float32, same shape
        ``(s - mean) / std`` per row, where the row's std is 0 the row becomes all zeros.
    """
    if candidates is None:
        mean = scores.mean(axis=1, keepdims=True)
        std = scores.std(axis=1, keepdims=True)
    else:
        count = np.maximum(candidates.sum(axis=1, keepdims=True), 1)
        masked = np.where(candidates, scores, 0.0)
        mean = masked.sum(axis=1, keepdims=True) / count
        var = np.where(candidates, (scores - mean) ** 2, 0.0).sum(axis=1, keepdims=True) / count
        std = np.sqrt(var)
    safe = np.where(std > 0, std, 1.0)
    return np.where(std > 0, (scores - mean) / safe, 0.0).astype(np.float32)


@dataclass(frozen=True)
class Blend:
    """Final score = sum over signals of ``weight * standardise(signal)``.

    Signals: ``hybrid`` (the LightFM score), ``cooccurrence`` (item-kNN), ``transitions`` (last item),
    ``popularity``, and for workers ``graph`` (the share of the worker's skill gap the course closes, supplied
    by the planner). A signal missing from ``weights`` or with weight 0 is not computed.
    """

    weights: Mapping[str, float]

    def combine(
        self, signals: Mapping[str, FloatMatrix], candidates: NDArray[np.bool_] | None = None
    ) -> FloatMatrix:
        """Blend standardised signals; every signal with a non-zero weight must be given."""
        total: FloatMatrix | None = None
        for name, weight in self.weights.items():
            if weight == 0:
                continue
            if name not in signals:
                raise ModelInputError(f"blend needs the signal {name!r}, which was not computed")
            part = (weight * standardise(signals[name], candidates)).astype(np.float32)
            total = part if total is None else total + part
        if total is None:
            first = next(iter(signals.values()))
            return np.zeros_like(first, dtype=np.float32)
        return total


SIGNALS = ("hybrid", "cooccurrence", "transitions", "popularity")


@dataclass
class BlendedRecommender:
    """The served ranker: the hybrid model plus count signals, combined by a :class:`Blend`.

    ``history`` (users x items, training interactions) and ``last_items`` (each user's most recent item, -1
    for none) are the per-user context the count signals read.
    """

    ranker: FittedRanker
    blend: Blend
    history: sp.csr_matrix
    last_items: NDArray[np.int64]
    cooccurrence: ItemCooccurrence | None = None
    transitions: LastItemTransitions | None = None
    popularity: Popularity | None = None
    extra_signals: dict[str, Callable[[NDArray[np.int64]], FloatMatrix]] = field(default_factory=dict)

    def signals(self, users: NDArray[np.int64], *, only: str | None = None) -> dict[str, FloatMatrix]:
        """Every signal the blend uses (non-zero weight), or just ``only``, each (n_users_given, n_items)."""
        wanted = {name for name, weight in self.blend.weights.items() if weight != 0}
        if only is not None:
            wanted = {only}
        history = self.history[users]
        last = self.last_items[users]
        out: dict[str, FloatMatrix] = {}
        if "hybrid" in wanted:
            out["hybrid"] = self.ranker.score(users)
        out.update(self._history_signals(wanted, history, last))
        for name, compute in self.extra_signals.items():
            if name in wanted:
                out[name] = compute(users)
        return out

    def _history_signals(
        self, wanted: set[str], history: sp.csr_matrix, last_items: NDArray[np.int64]
    ) -> dict[str, FloatMatrix]:
        """The ``wanted`` history signals (co-occurrence, transitions, popularity) of the given users."""
        counters: dict[str, ItemCooccurrence | LastItemTransitions | Popularity | None] = {
            "cooccurrence": self.cooccurrence,
            "transitions": self.transitions,
            "popularity": self.popularity,
        }
        return {
            name: signal.score(history, last_items)
            for name, signal in counters.items()
            if name in wanted and signal is not None
        }

    def score(self, users: NDArray[np.int64]) -> FloatMatrix:
        """Blended scores, shape (n_users_given, n_items)."""
        return self.blend.combine(self.signals(users))

    def score_new(
        self, user_metadata: sp.spmatrix, history: sp.csr_matrix, last_items: NDArray[np.int64]
    ) -> FloatMatrix:
        """Blended scores for users unknown at training time, described by metadata and their history.

        Parameters
        ----------
        user_metadata : scipy.sparse matrix of shape (n, n_user_metadata)
        history : scipy.sparse.csr_matrix of shape (n, n_items)
            Items each new user already interacted with (may be empty).
        last_items : ndarray of int, shape (n,)
            Each user's most recent item, -1 for none.

        Returns
        -------
        ndarray of float32, shape (n, n_items)
        """
        wanted = {name for name, weight in self.blend.weights.items() if weight != 0}
        out: dict[str, FloatMatrix] = {}
        if "hybrid" in wanted:
            if self.ranker.user_feature_embeddings_.shape[0] > self.ranker.user_metadata_offset_:
                out["hybrid"] = self.ranker.score_new_users(user_metadata)
            else:  # trained without user metadata: LightFM knows nothing about a new user
                out["hybrid"] = np.zeros((history.shape[0], self.ranker.item_vectors_.shape[0]), np.float32)
        out.update(self._history_signals(wanted, history, last_items))
        missing = wanted - set(out)
        if missing:
            raise ModelInputError(f"signals {sorted(missing)} need a known user")
        return self.blend.combine(out)

    def score_new_user(self, columns: Sequence[int], values: Sequence[float]) -> FloatMatrix | None:
        """:meth:`score_new` of one user with no history, from its metadata's (column, value) pairs, shape
        (1, n_items), when the blend reads the hybrid model alone and it was trained with user metadata
        (:meth:`FittedRanker.score_new_user`: the same scores, without sparse matrices); None otherwise."""
        wanted = {name for name, weight in self.blend.weights.items() if weight != 0}
        ranker = self.ranker
        if wanted != {"hybrid"} or ranker.user_feature_embeddings_.shape[0] <= ranker.user_metadata_offset_:
            return None
        return self.blend.combine({"hybrid": ranker.score_new_user(columns, values)})

    def recommend(self, user: int, k: int, *, exclude_seen: bool = True) -> NDArray[np.int64]:
        """The ``k`` best item indices for one user: one matrix product per signal, then ``argpartition``."""
        users = np.array([user], dtype=np.int64)
        exclude = self.history[users] if exclude_seen else None
        return top_k(self.score(users), k, exclude)[0]
