"""The hybrid ranker: LightFM with identity + metadata features, served from precomputed representations.

Three pieces live here, all working on matrix indices (outside ids are mapped one level up by
:class:`recommender.idmap.IdMap`):

* :class:`HybridRanker`, a scikit-learn style estimator around ``lightfm.LightFM``. Users and items are
  described by a feature matrix ``[identity | metadata]`` whose rows are L1-normalised, as
  ``lightfm.data.Dataset`` does by default. Following the LightFM documentation, per-entity identity
  features sit next to the metadata, but only for entities that have training interactions: an identity
  column that never sees a positive example would only collect noise (items) or keep its random start
  (users). Entities without interactions, and new ones after fitting, are represented by their metadata
  alone -- the cold-start path. Whether identity features, metadata or both are used is a hyper-parameter
  (``identity``, ``metadata``) that ``training.fit`` chooses on validation data.
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
from typing import Concatenate, ParamSpec, TypeVar

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.base import BaseEstimator
from sklearn.preprocessing import normalize
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l1
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from recommender.errors import UpskillError

FloatMatrix = NDArray[np.float32]
Monitor = Callable[["HybridRanker"], float]
Progress = Callable[[int, float | None], None]


Params = ParamSpec("Params")
Result = TypeVar("Result")


#: BLAS threads fixed for the whole process by :func:`serving_blas_threads`, or None.
_fixed_blas_threads: int | None = None


@contextmanager
def serving_blas_threads(threads: int = 1) -> Iterator[None]:
    """Hold BLAS to ``threads`` threads for the whole block (a server's life), for every request at once.

    A server scores many requests at the same time, each in its own thread: a limit set and restored around
    each call (what :class:`HybridRanker` methods do otherwise) would be restored by one request while
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


def _blas_threads(
    method: Callable[Concatenate[HybridRanker, Params], Result],
) -> Callable[Concatenate[HybridRanker, Params], Result]:
    """Run a :class:`HybridRanker` method with at most ``num_threads`` BLAS threads."""

    @functools.wraps(method)
    def limited(self: HybridRanker, *args: Params.args, **kwargs: Params.kwargs) -> Result:
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


def design_matrix(
    n: int,
    metadata: sp.csr_matrix | None,
    active: NDArray[np.bool_],
    *,
    identity: bool,
    use_metadata: bool = True,
) -> sp.csr_matrix:
    """Build the LightFM feature matrix ``[identity | metadata]`` for one side (users or items).

    Parameters
    ----------
    n : int
        Number of entities (rows).
    metadata : scipy.sparse.csr_matrix of shape (n, n_metadata) or None
        Non-negative metadata feature weights.
    active : ndarray of bool, shape (n,)
        Entities with training interactions; only they get an identity feature.
    identity : bool
        Whether identity features are used at all. Without usable metadata they always are.
    use_metadata : bool
        Whether the metadata block is used.

    Returns
    -------
    scipy.sparse.csr_matrix of shape (n, n + n_metadata) or (n, n) or (n, n_metadata), float32
        Rows L1-normalised, identity and metadata weighing one half each where both are present; an entity
        with neither is a zero row.
    """
    with_metadata = use_metadata and metadata is not None and metadata.shape[1] > 0
    blocks: list[sp.spmatrix] = []
    if identity or not with_metadata:
        blocks.append(sp.diags(active.astype(np.float32), format="csr", dtype=np.float32))
    if with_metadata:
        assert metadata is not None
        if metadata.shape[0] != n:
            raise ModelInputError(f"metadata has {metadata.shape[0]} rows, expected {n}")
        if metadata.nnz and (not np.all(np.isfinite(metadata.data)) or metadata.data.min() < 0):
            raise ModelInputError("feature values must be finite and non-negative; check the input for NaNs")
        # The metadata block sums to 1 per row before the identity joins it: an entity with both is half
        # itself, half its description, however many metadata features it has. Plain row normalisation would
        # give a course with 30 tags an identity weight of 1/31 and slow collaborative learning to a crawl.
        blocks.append(normalize(metadata.astype(np.float32), norm="l1", axis=1))
    matrix = sp.hstack(blocks, format="csr", dtype=np.float32)
    return normalize(matrix, norm="l1", axis=1, copy=False).astype(np.float32)


class HybridRanker(BaseEstimator):
    """LightFM hybrid model with the scikit-learn estimator contract.

    ``identity=False`` gives the feature-only model, ``metadata=False`` the pure collaborative one; both are
    baselines in ``evaluation``. Learned state ends in ``_``; ``__init__`` only stores hyper-parameters.
    """

    def __init__(  # noqa: PLR0913 - scikit-learn estimator: every hyper-parameter is an __init__ keyword
        self,
        *,
        no_components: int = 64,
        loss: str = "warp",
        learning_rate: float = 0.05,
        item_alpha: float = 0.0,
        user_alpha: float = 0.0,
        max_sampled: int = 10,
        epochs: int = 30,
        patience: int = 3,
        identity: bool = True,
        metadata: bool = True,
        max_features: int | None = 32,
        random_state: int | None = 0,
        num_threads: int = 1,
    ) -> None:
        self.no_components = no_components
        self.loss = loss
        self.learning_rate = learning_rate
        self.item_alpha = item_alpha
        self.user_alpha = user_alpha
        self.max_sampled = max_sampled
        self.epochs = epochs
        self.patience = patience
        self.identity = identity
        self.metadata = metadata
        self.max_features = max_features
        self.random_state = random_state
        self.num_threads = num_threads

    @_blas_threads
    def fit(
        self,
        X: sp.spmatrix,
        y: None = None,
        *,
        user_features: sp.spmatrix | None = None,
        item_features: sp.spmatrix | None = None,
        monitor: Monitor | None = None,
        progress: Progress | None = None,
    ) -> HybridRanker:
        """Fit on an interaction matrix ``X`` (users x items, positive weights = interactions).

        Parameters
        ----------
        X : scipy.sparse matrix of shape (n_users, n_items)
            Positive entries are interactions; their values are used as sample weights.
        user_features, item_features : scipy.sparse matrix or None
            Metadata, shape (n_users, n_user_metadata) and (n_items, n_item_metadata).
        monitor : callable or None
            Called after each epoch with the ranker (representations up to date); returns a validation score,
            higher is better. With it, training stops after ``patience`` epochs without improvement and the
            best epoch's state is kept (``best_epoch_``).
        progress : callable or None
            Called after each epoch with (epoch number from 1, validation score or None).

        Returns
        -------
        HybridRanker
            ``self``.
        """
        from lightfm import LightFM  # imported lazily: the serving path never needs it

        interactions = _checked_interactions(X)
        self._design(interactions, user_features, item_features)
        binary = sp.coo_matrix(
            (np.ones_like(interactions.data), (interactions.row, interactions.col)), shape=interactions.shape
        )
        weights = interactions if not np.allclose(interactions.data, 1.0) else None
        model = LightFM(
            no_components=self.no_components,
            loss=self.loss,
            learning_rate=self.learning_rate,
            item_alpha=self.item_alpha,
            user_alpha=self.user_alpha,
            max_sampled=self.max_sampled,
            random_state=np.random.RandomState(self.random_state),
        )

        def train(epochs: int) -> None:
            model.fit_partial(
                binary,
                user_features=self.user_design_,
                item_features=self.item_design_,
                sample_weight=weights,
                epochs=epochs,
                num_threads=self.num_threads,
            )

        self.history_: list[float] = []
        if monitor is None and progress is None:
            # Nothing to report between epochs: one call, exactly what a raw ``LightFM.fit`` does.
            train(self.epochs)
            self.best_epoch_ = self.epochs
            self._take_state(model)  # without a monitor, representations are computed once, at the end
        else:
            self._epochs(model, train, monitor, progress)
        self.n_users_, self.n_items_ = interactions.shape
        return self

    def _design(
        self,
        interactions: sp.coo_matrix,
        user_features: sp.spmatrix | None,
        item_features: sp.spmatrix | None,
    ) -> None:
        """The design matrices ``[identity | metadata]`` of users and items, metadata capped per row."""
        n_users, n_items = interactions.shape
        user_meta = None if user_features is None else sp.csr_matrix(user_features, dtype=np.float32)
        item_meta = None if item_features is None else sp.csr_matrix(item_features, dtype=np.float32)
        self.user_support_ = _support(user_meta)
        self.item_support_ = _support(item_meta)
        if user_meta is not None:
            user_meta = cap_features(user_meta, self.user_support_, self.max_features)
        if item_meta is not None:
            item_meta = cap_features(item_meta, self.item_support_, self.max_features)
        active_users = np.bincount(interactions.row, minlength=n_users) > 0
        active_items = np.bincount(interactions.col, minlength=n_items) > 0
        self.user_design_ = design_matrix(
            n_users, user_meta, active_users, identity=self.identity, use_metadata=self.metadata
        )
        self.item_design_ = design_matrix(
            n_items, item_meta, active_items, identity=self.identity, use_metadata=self.metadata
        )
        # Where the metadata block starts in each design matrix (new entities are described by it alone).
        self.user_metadata_offset_ = self.user_design_.shape[1] - self._metadata_width(user_meta)
        self.item_metadata_offset_ = self.item_design_.shape[1] - self._metadata_width(item_meta)

    def _epochs(
        self,
        model: object,
        train: Callable[[int], None],
        monitor: Monitor | None,
        progress: Progress | None,
    ) -> None:
        """Train one epoch at a time, reporting each; with a monitor, stop early and keep the best epoch."""
        best_score = -np.inf
        best_state: tuple[NDArray[np.float32], ...] | None = None
        self.best_epoch_ = 0
        stale = 0
        for epoch in range(1, self.epochs + 1):
            train(1)
            score = None
            if monitor is not None:
                self._take_state(model)
                score = float(monitor(self))
                self.history_.append(score)
                if score > best_score:
                    best_score, best_state, self.best_epoch_, stale = score, self._state(), epoch, 0
                else:
                    stale += 1
            else:
                self.best_epoch_ = epoch
            if progress is not None:
                progress(epoch, score)
            if monitor is not None and stale >= self.patience:
                break
        if best_state is not None:
            self._restore(best_state)
        elif monitor is None:
            self.best_epoch_ = self.epochs
            self._take_state(model)

    def _metadata_width(self, meta: sp.csr_matrix | None) -> int:
        return int(meta.shape[1]) if self.metadata and meta is not None else 0

    def _take_state(self, model: object) -> None:
        self.user_feature_embeddings_ = np.asarray(model.user_embeddings, dtype=np.float32)  # type: ignore[attr-defined]
        self.user_feature_biases_ = np.asarray(model.user_biases, dtype=np.float32)  # type: ignore[attr-defined]
        self.item_feature_embeddings_ = np.asarray(model.item_embeddings, dtype=np.float32)  # type: ignore[attr-defined]
        self.item_feature_biases_ = np.asarray(model.item_biases, dtype=np.float32)  # type: ignore[attr-defined]
        self._precompute()

    def _state(self) -> tuple[NDArray[np.float32], ...]:
        return tuple(
            array.copy()
            for array in (
                self.user_feature_embeddings_,
                self.user_feature_biases_,
                self.item_feature_embeddings_,
                self.item_feature_biases_,
            )
        )

    def _restore(self, state: tuple[NDArray[np.float32], ...]) -> None:
        (
            self.user_feature_embeddings_,
            self.user_feature_biases_,
            self.item_feature_embeddings_,
            self.item_feature_biases_,
        ) = state
        self._precompute()

    def _precompute(self) -> None:
        # score(u, i) = <p_u, q_i> + b_u + b_i  ==  [p_u, 1, b_u] . [q_i, b_i, 1]
        self.user_vectors_ = self._vectors(
            self.user_design_, self.user_feature_embeddings_, self.user_feature_biases_, user_side=True
        )
        self.item_vectors_ = self._vectors(
            self.item_design_, self.item_feature_embeddings_, self.item_feature_biases_, user_side=False
        )

    @staticmethod
    def _vectors(
        design: sp.csr_matrix, embeddings: FloatMatrix, biases: NDArray[np.float32], *, user_side: bool
    ) -> FloatMatrix:
        factors = np.asarray(design @ embeddings, dtype=np.float32)
        bias = np.asarray(design @ biases, dtype=np.float32)[:, None]
        ones = np.ones_like(bias)
        parts = (factors, ones, bias) if user_side else (factors, bias, ones)
        return np.ascontiguousarray(np.hstack(parts), dtype=np.float32)

    STATE = (
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
        check_is_fitted(self, "item_vectors_")
        arrays: dict[str, NDArray[np.generic]] = {name: getattr(self, name) for name in self.STATE}
        arrays["offsets_"] = np.array(
            [self.user_metadata_offset_, self.item_metadata_offset_], dtype=np.int64
        )
        return arrays

    @classmethod
    def from_arrays(
        cls, params: Mapping[str, object], arrays: Mapping[str, NDArray[np.generic]]
    ) -> HybridRanker:
        """Rebuild a fitted ranker from :meth:`get_params` and :meth:`state_arrays` (serving only)."""
        ranker = cls(**params)  # type: ignore[arg-type]
        for name in cls.STATE:
            setattr(ranker, name, np.asarray(arrays[name]))
        ranker.user_metadata_offset_, ranker.item_metadata_offset_ = (int(v) for v in arrays["offsets_"])
        ranker.n_users_, ranker.n_items_ = ranker.user_vectors_.shape[0], ranker.item_vectors_.shape[0]
        return ranker

    @_blas_threads
    def score(self, users: NDArray[np.int64] | slice) -> FloatMatrix:
        """Scores of the given users (rows) for every item, shape (n_users_given, n_items), float32.

        Equal to ``LightFM.predict`` on the same features, computed as one matrix product.
        """
        check_is_fitted(self, "item_vectors_")
        return self.user_vectors_[users] @ self.item_vectors_.T

    @_blas_threads
    def score_new_users(self, metadata: sp.spmatrix) -> FloatMatrix:
        """Scores of users described by metadata only (new users) for every item, shape (n, n_items)."""
        return self.represent_users(metadata) @ self.item_vectors_.T

    @_blas_threads
    def score_new_user(self, columns: Sequence[int], values: Sequence[float]) -> FloatMatrix:
        """:meth:`score_new_users` of one user given by its metadata's (column, value) pairs (distinct
        columns), shape (1, n_items), without the sparse matrices: the same arithmetic in the same order
        (:func:`cap_features`' cap, the L1 norm summed in float64, the float32 sums over the columns in
        ascending order that scipy's CSR product does, the same product with the items), so the same scores
        to the bit (tests/recommender/test_hybrid.py), in ~0.1 ms instead of ~0.4 (a plan request's)."""
        check_is_fitted(self, "user_vectors_")
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
        check_is_fitted(self, "user_vectors_")
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
        # what ``normalize(meta, norm="l1")`` does, without its input validation (milliseconds per call,
        # paid by every scored request)
        design = meta.copy()
        inplace_csr_row_normalize_l1(design)
        return cls._vectors(design, embeddings[offset:], biases[offset:], user_side=user_side)


def _checked_interactions(X: sp.spmatrix) -> sp.coo_matrix:
    """``X`` as float32 COO with duplicates summed and zeros dropped; refuse empty or invalid weights."""
    interactions = sp.coo_matrix(X, dtype=np.float32)
    interactions.sum_duplicates()
    interactions.eliminate_zeros()
    if interactions.nnz == 0:
        raise ModelInputError("no interactions to train on")
    if not np.all(np.isfinite(interactions.data)) or interactions.data.min() < 0:
        raise ModelInputError("interaction weights must be finite and positive; check for NaNs")
    return interactions


def _support(metadata: sp.csr_matrix | None) -> NDArray[np.float64]:
    if metadata is None:
        return np.zeros(0)
    return np.asarray((metadata > 0).sum(axis=0), dtype=np.float64).ravel()


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

    ranker: HybridRanker
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
        (:meth:`HybridRanker.score_new_user`: the same scores, without sparse matrices); None otherwise."""
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
