"""Fit the served ranker: the hybrid LightFM model with early stopping, count signals, blend weights.

Everything is decided on a validation split carved out of the training interactions with the same protocol
as the evaluation (``training.splits.split(..., within=train)``), never on held-out test data:

1. fit the hybrid model on the validation-train part, one epoch at a time, keeping the best epoch on the
   validation users (early stopping, ``patience`` epochs), once per feature configuration;
2. score the validation users with every signal and choose blend weights on a grid (step 0.1 on the simplex of
   the four signals) for the protocol's selection metric: NDCG@10 for ranking protocols, AUC against 100
   sampled negatives per user for cold-start protocols;
3. refit the hybrid model on all training interactions for the best number of epochs, and the count signals.

:func:`fit_ranker` does steps 1 and 3 for LightFM alone: the LightFM baselines of the evaluation get the
same early stopping, so that the comparison separates what blending adds from what tuning adds.

Validation users are a seeded sample (at most ``VALIDATION_USERS``, fewer on very large catalogues to bound
memory); this only affects what is chosen, never the reported test figures.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from recommender.hybrid import HybridRanker
from recommender.scoring import (
    SIGNALS,
    Blend,
    BlendedRecommender,
    FloatMatrix,
    ItemCooccurrence,
    LastItemTransitions,
    Popularity,
    standardise,
    top_k,
)
from training.interactions import InteractionData
from training.metrics import ranking_at_k, sampled_auc
from training.params import ModelParams
from training.splits import Split, split

VALIDATION_USERS = 3000
MAX_VALIDATION_CELLS = 30_000_000  # users x items scored at once for blend selection
NEGATIVES = 100
COLD_START = ("item-cold-start", "user-cold-start")
Progress = Callable[[str, int, float | None], None]


def make_ranker(params: ModelParams, **overrides: object) -> HybridRanker:
    """A :class:`HybridRanker` with the hyper-parameters ``params`` (``UPSKILL_MODEL_*``)."""
    arguments: dict[str, object] = {
        "no_components": params.components,
        "loss": params.loss,
        "learning_rate": params.learning_rate,
        "item_alpha": params.item_alpha,
        "user_alpha": params.user_alpha,
        "max_sampled": params.max_sampled,
        "epochs": params.max_epochs,
        "patience": params.patience,
        "max_features": params.max_features,
        "random_state": params.seed,
        "num_threads": params.threads,
    }
    arguments.update(overrides)
    return HybridRanker(**arguments)  # type: ignore[arg-type]


def last_items(data: InteractionData, mask: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Each user's most recent item among the selected interactions, -1 for users without any."""
    index = np.flatnonzero(mask)
    order = index[np.lexsort((index, data.time[index], data.user[index]))]
    out = np.full(data.n_users, -1, dtype=np.int64)
    out[data.user[order]] = data.item[order]  # later assignments win: the last by time
    return out


def transition_pairs(
    data: InteractionData, mask: NDArray[np.bool_]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Consecutive (previous item, following item) pairs in each user's time-ordered interactions."""
    index = np.flatnonzero(mask)
    order = index[np.lexsort((index, data.time[index], data.user[index]))]
    users, items = data.user[order], data.item[order]
    same = users[1:] == users[:-1]
    return items[:-1][same], items[1:][same]


def fit_signals(
    data: InteractionData, mask: NDArray[np.bool_], neighbours: int
) -> tuple[ItemCooccurrence, LastItemTransitions, Popularity]:
    """Fit the count signals on the selected interactions."""
    matrix = data.matrix(mask)
    previous, following = transition_pairs(data, mask)
    return (
        ItemCooccurrence(neighbours=neighbours).fit(matrix),
        LastItemTransitions().fit_sequences(previous, following, data.n_items),
        Popularity().fit(matrix),
    )


def features(data: InteractionData) -> tuple[sp.csr_matrix | None, sp.csr_matrix | None]:
    """The metadata matrices of ``data`` (None where it has none)."""
    return (
        None if data.user_features is None else data.user_features.matrix,
        None if data.item_features is None else data.item_features.matrix,
    )


Compact = tuple[FloatMatrix, ...]


@dataclass
class ValidationSet:
    """Validation users with their training history and held-out items, and the selection metric.

    Scores are reduced to a compact form per batch of users: for NDCG the full (users x items) matrix (users
    are capped so it stays small), for AUC only each held-out item's score and its sampled negatives' scores.
    Both forms are linear in the scores, so blends can be searched on them directly.
    """

    users: NDArray[np.int64]
    history: sp.csr_matrix  # rows of ``users``
    truth: sp.csr_matrix  # rows of ``users``
    metric: str  # "ndcg@10" or "auc"
    negatives: NDArray[np.int64] = field(default_factory=lambda: np.zeros((0, 0), np.int64))

    def compact(
        self, score: Callable[[NDArray[np.int64]], FloatMatrix], *, standardised: bool = False
    ) -> Compact:
        """Score the validation users in batches and keep what the metric needs."""
        n_items = self.truth.shape[1]
        batch = max(1, MAX_VALIDATION_CELLS // (4 * max(n_items, 1)))
        positives, negatives, full = [], [], []
        for begin in range(0, self.users.size, batch):
            rows = np.arange(begin, min(begin + batch, self.users.size))
            scores = score(self.users[rows])
            if standardised:
                scores = standardise(scores)
            if self.metric == "auc":
                t = self.truth[rows].tocoo()
                positives.append(scores[t.row, t.col])
                negatives.append(
                    np.take_along_axis(scores[t.row], np.maximum(self.negatives[rows][t.row], 0), 1)
                )
            else:
                full.append(scores)
        if self.metric == "auc":
            return (np.concatenate(positives), np.concatenate(negatives))
        return (np.concatenate(full),)

    def evaluate(self, compact: Compact) -> float:
        """The selection metric of a compact score form."""
        if self.metric == "auc":
            return sampled_auc(compact[0], compact[1], self.truth, self.negatives)
        top = top_k(compact[0].copy(), 10, self.history)
        return float(ranking_at_k(top, self.truth, 10).ndcg.mean())


def validation_set(
    data: InteractionData,
    train: sp.csr_matrix,
    test: sp.csr_matrix,
    users: NDArray[np.int64],
    metric: str,
    seed: int,
) -> ValidationSet:
    """Sample validation users (seeded) and, for AUC, their negatives (never a seen or held-out item)."""
    rng = np.random.default_rng(seed)
    cap = VALIDATION_USERS
    if metric != "auc":
        cap = max(100, min(cap, MAX_VALIDATION_CELLS // max(data.n_items, 1)))
    chosen = np.sort(rng.choice(users, size=min(cap, users.size), replace=False))
    history, truth = train[chosen], test[chosen]
    negatives = np.zeros((0, 0), np.int64)
    if metric == "auc":
        negatives = rng.integers(0, data.n_items, size=(chosen.size, NEGATIVES))
        known = (history + truth).tocsr()
        rows = np.repeat(np.arange(chosen.size), NEGATIVES)
        hit = np.asarray(known[rows, negatives.ravel()]).ravel().reshape(negatives.shape) > 0
        negatives[hit] = -1
    return ValidationSet(users=chosen, history=history, truth=truth, metric=metric, negatives=negatives)


def choose_weights(
    signals: dict[str, Compact], validation: ValidationSet, step: float = 0.1
) -> tuple[dict[str, float], float]:
    """Grid search on the simplex of blend weights over standardised signals; best weights and score.

    Ties keep the earlier grid point, and the grid starts at the hybrid score alone, so a signal only enters
    when it improves the validation metric.
    """
    names = [name for name in SIGNALS if name in signals]
    n_steps = round(1.0 / step)
    grid = [
        combo for combo in itertools.product(range(n_steps + 1), repeat=len(names)) if sum(combo) == n_steps
    ]
    grid.sort(key=lambda combo: (-combo[0], combo))
    best_weights: dict[str, float] = {}
    best_score = -np.inf
    for combo in grid:
        total = tuple(np.zeros_like(part) for part in signals[names[0]])
        for name, units in zip(names, combo, strict=True):
            if units:
                for acc, part in zip(total, signals[name], strict=True):
                    acc += (units / n_steps) * part
        score = validation.evaluate(total)
        if score > best_score:
            best_score = score
            best_weights = {name: units / n_steps for name, units in zip(names, combo, strict=True)}
    return best_weights, float(best_score)


FEATURE_CONFIGURATIONS: dict[str, dict[str, bool]] = {
    "identity+metadata": {"identity": True, "metadata": True},
    "metadata": {"identity": False, "metadata": True},
    "identity": {"identity": True, "metadata": False},
}


@dataclass
class FitReport:
    """What the validation decided, for the artefact metadata and the evaluation output."""

    configuration: str
    best_epoch: int
    validation_history: dict[str, list[float]]
    weights: dict[str, float]
    validation_score: float
    selection_metric: str
    validation_users: int


@dataclass(frozen=True)
class InnerValidation:
    """The validation split carved out of the training interactions with the evaluation's protocol."""

    split: Split
    train: sp.csr_matrix  # users x items, the inner training part
    validation: ValidationSet


def inner_validation(
    data: InteractionData, train: NDArray[np.bool_], protocol: str, seed: int
) -> InnerValidation:
    """Split the ``train`` interactions again with ``protocol`` and sample the validation users (seeded)."""
    metric = "auc" if protocol in COLD_START else "ndcg@10"
    inner = split(data, protocol, within=train, seed=seed + 1, use_published=False)
    inner_train = data.matrix(inner.train)
    validation = validation_set(data, inner_train, data.matrix(inner.test), inner.users, metric, seed)
    return InnerValidation(split=inner, train=inner_train, validation=validation)


def configurations_for(data: InteractionData) -> list[str]:
    """The feature configurations worth trying: identity alone when the data has no metadata."""
    has_metadata = any(m is not None and m.shape[1] > 0 for m in features(data))
    return list(FEATURE_CONFIGURATIONS) if has_metadata else ["identity"]


def choose_ranker(
    data: InteractionData,
    inner: InnerValidation,
    params: ModelParams,
    configurations: list[str],
    progress: Progress | None = None,
) -> tuple[str, HybridRanker, dict[str, list[float]]]:
    """Fit LightFM on the inner training part once per configuration, each stopped early on the validation
    users; return the best configuration, its ranker (at its best epoch) and every validation history."""
    user_meta, item_meta = features(data)
    validation = inner.validation

    def monitor(ranker: HybridRanker) -> float:
        return validation.evaluate(validation.compact(ranker.score))

    best: tuple[float, str, HybridRanker] | None = None
    histories: dict[str, list[float]] = {}
    for name in configurations:

        def report_epoch(epoch: int, score: float | None, name: str = name) -> None:
            if progress is not None:
                progress(f"validation fit ({name})", epoch, score)

        candidate = make_ranker(params, **FEATURE_CONFIGURATIONS[name]).fit(
            inner.train,
            user_features=user_meta,
            item_features=item_meta,
            monitor=monitor,
            progress=report_epoch,
        )
        histories[name] = candidate.history_
        score = max(candidate.history_)
        if best is None or score > best[0]:
            best = (score, name, candidate)
    assert best is not None
    return best[1], best[2], histories


def refit_ranker(
    data: InteractionData,
    train: NDArray[np.bool_],
    params: ModelParams,
    configuration: str,
    epochs: int,
    progress: Progress | None = None,
) -> HybridRanker:
    """Fit LightFM on all of ``train`` for the number of epochs the validation chose."""

    def report_refit(epoch: int, _score: float | None) -> None:
        if progress is not None:
            progress(f"final fit ({configuration})", epoch, None)

    user_meta, item_meta = features(data)
    return make_ranker(params, epochs=max(epochs, 1), **FEATURE_CONFIGURATIONS[configuration]).fit(
        data.matrix(train), user_features=user_meta, item_features=item_meta, progress=report_refit
    )


def fit_ranker(
    data: InteractionData,
    train: NDArray[np.bool_],
    protocol: str,
    params: ModelParams,
    *,
    configurations: list[str],
    progress: Progress | None = None,
) -> tuple[HybridRanker, FitReport]:
    """LightFM alone, with the hybrid's care: configuration and early stopping chosen on the same inner
    validation split, then refitted on all of ``train`` (the LightFM baselines of the evaluation)."""
    inner = inner_validation(data, train, protocol, params.seed)
    configuration, ranker, histories = choose_ranker(data, inner, params, configurations, progress)
    final = refit_ranker(data, train, params, configuration, ranker.best_epoch_, progress)
    report = FitReport(
        configuration=configuration,
        best_epoch=ranker.best_epoch_,
        validation_history=histories,
        weights={},
        validation_score=max(histories[configuration]),
        selection_metric=inner.validation.metric,
        validation_users=int(inner.validation.users.size),
    )
    return final, report


def fit_blended(
    data: InteractionData,
    train: NDArray[np.bool_],
    protocol: str,
    params: ModelParams,
    *,
    progress: Progress | None = None,
) -> tuple[BlendedRecommender, FitReport]:
    """Fit the blended recommender on the interactions ``train`` selects (see the module docstring).

    The feature configuration of the LightFM part (identity + metadata, metadata only, identity only) is a
    hyper-parameter chosen on the validation split too: on item cold start, for instance, identity features
    of warm items can crowd out what the metadata would transfer to new items.
    """
    inner = inner_validation(data, train, protocol, params.seed)
    configurations = configurations_for(data)
    configuration, ranker, histories = choose_ranker(data, inner, params, configurations, progress)
    cooc, trans, pop = fit_signals(data, inner.split.train, params.knn_neighbours)
    inner_recommender = BlendedRecommender(
        ranker=ranker,
        blend=Blend(dict.fromkeys(SIGNALS, 1.0)),
        history=inner.train,
        last_items=last_items(data, inner.split.train),
        cooccurrence=cooc,
        transitions=trans,
        popularity=pop,
    )
    compact: dict[str, Compact] = {}
    for signal in SIGNALS:

        def one(users: NDArray[np.int64], signal: str = signal) -> FloatMatrix:
            return inner_recommender.signals(users, only=signal)[signal]

        compact[signal] = inner.validation.compact(one, standardised=True)
    weights, score = choose_weights(compact, inner.validation)
    final_ranker = refit_ranker(data, train, params, configuration, ranker.best_epoch_, progress)
    cooc, trans, pop = fit_signals(data, train, params.knn_neighbours)
    recommender = BlendedRecommender(
        ranker=final_ranker,
        blend=Blend(weights),
        history=data.matrix(train),
        last_items=last_items(data, train),
        cooccurrence=cooc,
        transitions=trans,
        popularity=pop,
    )
    report = FitReport(
        configuration=configuration,
        best_epoch=ranker.best_epoch_,
        validation_history=histories,
        weights=weights,
        validation_score=score,
        selection_metric=inner.validation.metric,
        validation_users=int(inner.validation.users.size),
    )
    return recommender, report
