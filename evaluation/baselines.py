"""Baselines, each trained and scored the same way as the hybrid in ``evaluation.harness``.

Every model has ``fit(context) -> self`` and ``score(users) -> (n_users_given, n_items) float32``; the harness
excludes seen items and ranks. LightFM baselines run a fixed number of epochs (``UPSKILL_MODEL_MAX_EPOCHS``):
they get no validation split, which is the usual way they are reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from recommender.hybrid import (
    BlendedRecommender,
    FloatMatrix,
    HybridRanker,
    ItemCooccurrence,
    LastItemTransitions,
    Popularity,
)
from recommender.settings import Settings
from training.fit import (
    FitReport,
    Progress,
    features,
    fit_blended,
    last_items,
    ranker_from_settings,
    transition_pairs,
)
from training.interactions import InteractionData
from training.splits import Split


@dataclass(frozen=True)
class TrainContext:
    """The training side of one split, shared by every model in a harness run."""

    data: InteractionData
    split: Split
    train: sp.csr_matrix
    last_items: NDArray[np.int64]
    settings: Settings


class Model(Protocol):
    name: str

    def fit(self, context: TrainContext) -> Model: ...

    def score(self, users: NDArray[np.int64]) -> FloatMatrix: ...


class PopularityModel:
    name = "popularity"

    def fit(self, context: TrainContext) -> PopularityModel:
        self.signal_ = Popularity().fit(context.train)
        self.context_ = context
        return self

    def score(self, users: NDArray[np.int64]) -> FloatMatrix:
        return self.signal_.score(self.context_.train[users], self.context_.last_items[users])


class ItemKNNModel:
    """Item-kNN with cosine similarity over users (Sarwar et al., WWW 2001)."""

    name = "item-knn"

    def fit(self, context: TrainContext) -> ItemKNNModel:
        self.signal_ = ItemCooccurrence(neighbours=context.settings.model_knn_neighbours).fit(context.train)
        self.context_ = context
        return self

    def score(self, users: NDArray[np.int64]) -> FloatMatrix:
        return self.signal_.score(self.context_.train[users], self.context_.last_items[users])


class TransitionsModel:
    """Last-item transitions (first-order Markov chain), ties among next items broken by popularity.

    Many last items have fewer than ten observed successors; ranking the rest by popularity is what a
    transition-count baseline usually does, and keeps the baseline as strong as it can honestly be.
    """

    name = "last-item-transitions"

    def fit(self, context: TrainContext) -> TransitionsModel:
        previous, following = transition_pairs(context.data, context.split.train)
        self.signal_ = LastItemTransitions().fit_sequences(previous, following, context.data.n_items)
        counts = Popularity().fit(context.train).counts_.astype(np.float64)
        # Strictly below the smallest non-zero transition probability difference of 1 / (n_pairs + 1).
        self.tie_breaker_ = (counts / (counts.max() + 1.0)) / (previous.size + 1.0)
        self.context_ = context
        return self

    def score(self, users: NDArray[np.int64]) -> FloatMatrix:
        transitions = self.signal_.score(self.context_.train[users], self.context_.last_items[users])
        return (transitions.astype(np.float64) + self.tie_breaker_).astype(np.float32)


class LightFMModel:
    """LightFM through :class:`HybridRanker`: pure CF (identity only) or feature-only (metadata only)."""

    def __init__(self, name: str, *, identity: bool, metadata: bool) -> None:
        self.name = name
        self.identity = identity
        self.metadata = metadata

    def fit(self, context: TrainContext) -> LightFMModel:
        user_meta, item_meta = features(context.data)
        self.ranker_: HybridRanker = ranker_from_settings(
            context.settings, identity=self.identity, metadata=self.metadata
        ).fit(context.train, user_features=user_meta, item_features=item_meta)
        return self

    def score(self, users: NDArray[np.int64]) -> FloatMatrix:
        return self.ranker_.score(users)


class HybridModel:
    """Our ranker: hybrid LightFM + co-occurrence + transitions + popularity, blended (``training.fit``)."""

    name = "hybrid"

    def __init__(self, progress: Progress | None = None) -> None:
        self.progress = progress

    def fit(self, context: TrainContext) -> HybridModel:
        self.recommender_: BlendedRecommender
        self.report_: FitReport
        self.recommender_, self.report_ = fit_blended(
            context.data,
            context.split.train,
            context.split.protocol,
            context.settings,
            progress=self.progress,
        )
        return self

    def score(self, users: NDArray[np.int64]) -> FloatMatrix:
        return self.recommender_.score(users)


def all_models(progress: Progress | None = None) -> list[Model]:
    """Every baseline and the hybrid, in report order."""
    return [
        PopularityModel(),
        ItemKNNModel(),
        TransitionsModel(),
        LightFMModel("lightfm-cf", identity=True, metadata=False),
        LightFMModel("lightfm-features", identity=False, metadata=True),
        HybridModel(progress),
    ]


def train_context(data: InteractionData, split: Split, settings: Settings) -> TrainContext:
    return TrainContext(
        data=data,
        split=split,
        train=data.matrix(split.train),
        last_items=last_items(data, split.train),
        settings=settings,
    )
