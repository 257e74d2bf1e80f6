"""Baselines, each trained and scored the same way as the hybrid in ``evaluation.harness``.

Every model has ``fit(context) -> self`` and ``score(users) -> (n_users_given, n_items) float32``; the harness
excludes seen items and ranks. The LightFM baselines get the hybrid's care: the number of epochs is chosen by
early stopping on the same inner validation split (``training.fit.fit_ranker``). ``hybrid-lightfm-only`` is
an ablation: the hybrid's own LightFM part (its feature configuration, chosen on validation too) scored alone,
so the table separates what tuning the LightFM model gives from what blending it with the count signals gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from recommender.hybrid import HybridRanker
from recommender.scoring import (
    BlendedRecommender,
    FloatMatrix,
    ItemCooccurrence,
    LastItemTransitions,
    Popularity,
)
from training.fit import (
    FitReport,
    Progress,
    fit_blended,
    fit_ranker,
    last_items,
    transition_pairs,
)
from training.interactions import InteractionData
from training.params import ModelParams
from training.splits import Split


@dataclass(frozen=True)
class TrainContext:
    """The training side of one split, shared by every model in a harness run."""

    data: InteractionData
    split: Split
    train: sp.csr_matrix
    last_items: NDArray[np.int64]
    params: ModelParams


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
        self.signal_ = ItemCooccurrence(neighbours=context.params.knn_neighbours).fit(context.train)
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
    """LightFM through :class:`HybridRanker` in one feature configuration (``training.fit``'s names):
    pure CF (``identity``) or feature-only (``metadata``), early-stopped on the inner validation split."""

    def __init__(self, name: str, configuration: str) -> None:
        self.name = name
        self.configuration = configuration

    def fit(self, context: TrainContext) -> LightFMModel:
        self.ranker_: HybridRanker
        self.report_: FitReport
        self.ranker_, self.report_ = fit_ranker(
            context.data,
            context.split.train,
            context.split.protocol,
            context.params,
            configurations=[self.configuration],
        )
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
        self.context_ = context
        self.recommender_, self.report_ = fit_blended(
            context.data,
            context.split.train,
            context.split.protocol,
            context.params,
            progress=self.progress,
        )
        return self

    def score(self, users: NDArray[np.int64]) -> FloatMatrix:
        return self.recommender_.score(users)


class HybridLightFMPart:
    """Ablation: the LightFM part of a fitted :class:`HybridModel` alone (blend weight 1 on it, 0 elsewhere).

    It reuses the hybrid's fit (fitting it first when it has not been), so its fit time is near zero when the
    hybrid runs before it.
    """

    name = "hybrid-lightfm-only"

    def __init__(self, hybrid: HybridModel) -> None:
        self.hybrid = hybrid

    def fit(self, context: TrainContext) -> HybridLightFMPart:
        if getattr(self.hybrid, "context_", None) is not context:
            self.hybrid.fit(context)
        self.report_ = self.hybrid.report_
        return self

    def score(self, users: NDArray[np.int64]) -> FloatMatrix:
        return self.hybrid.recommender_.ranker.score(users)


def all_models(progress: Progress | None = None) -> list[Model]:
    """Every baseline, the hybrid and its LightFM part alone, in report order."""
    hybrid = HybridModel(progress)
    return [
        PopularityModel(),
        ItemKNNModel(),
        TransitionsModel(),
        LightFMModel("lightfm-cf", "identity"),
        LightFMModel("lightfm-features", "metadata"),
        hybrid,
        HybridLightFMPart(hybrid),
    ]


def train_context(data: InteractionData, split: Split, params: ModelParams) -> TrainContext:
    return TrainContext(
        data=data,
        split=split,
        train=data.matrix(split.train),
        last_items=last_items(data, split.train),
        params=params,
    )
