"""The hybrid ranker's hyper-parameters and how it is fitted, as one value (``UPSKILL_MODEL_*`` settings)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelParams:
    """Hyper-parameters of :class:`recommender.hybrid.HybridRanker` and of its fit (``training.fit``).

    ``api/settings.py`` builds one from the ``UPSKILL_MODEL_*`` variables (``Settings.model_params``); these
    are the defaults. ``seed`` seeds LightFM and the validation split; ``threads`` bounds LightFM's and
    BLAS's threads; ``knn_neighbours`` is the item-kNN signal's neighbourhood; ``max_features`` the metadata
    features kept per user or item (LightFM's cost grows with them).
    """

    components: int = 64
    loss: str = "warp"
    learning_rate: float = 0.05
    item_alpha: float = 0.0
    user_alpha: float = 0.0
    max_sampled: int = 10
    max_epochs: int = 30
    patience: int = 5
    seed: int = 0
    threads: int = 1
    knn_neighbours: int = 100
    max_features: int = 32
