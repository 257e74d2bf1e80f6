"""The hybrid ranker's estimator: LightFM with identity + metadata features, with scikit-learn's contract.

:class:`HybridRanker` is a scikit-learn style estimator around ``lightfm.LightFM``. Users and items are
described by a feature matrix ``[identity | metadata]`` whose rows are L1-normalised, as
``lightfm.data.Dataset`` does by default. Following the LightFM documentation, per-entity identity features
sit next to the metadata, but only for entities that have training interactions: an identity column that
never sees a positive example would only collect noise (items) or keep its random start (users). Entities
without interactions, and new ones after fitting, are represented by their metadata alone -- the cold-start
path. Whether identity features, metadata or both are used is a hyper-parameter (``identity``,
``metadata``) that ``training.fit`` chooses on validation data.

Its fitted state and scores are :class:`recommender.scoring.FittedRanker`'s, which it extends: serving
(``training.artefacts``) loads that plain class and never imports scikit-learn; this module is for training
and evaluation.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.base import BaseEstimator
from sklearn.preprocessing import normalize

from recommender.scoring import FittedRanker, ModelInputError, blas_limited, cap_features

Monitor = Callable[["HybridRanker"], float]
Progress = Callable[[int, float | None], None]


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


class HybridRanker(BaseEstimator, FittedRanker):
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

    @blas_limited
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
