"""Train and evaluate every model on the same split; one JSON-ready result.

Each model scores the evaluated users in batches (one matrix per batch, users x all items); items the user
interacted with in training are excluded from the ranking and from the AUC negatives; every other item of the
catalogue is a candidate ("all items ranked, seen ones excluded").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from evaluation.baselines import Model, all_models, train_context
from evaluation.metrics import auc_per_user, bootstrap_ci, catalogue_coverage, novelty
from recommender.errors import UpskillError
from recommender.scoring import top_k
from training.interactions import InteractionData
from training.metrics import ranking_at_k
from training.params import ModelParams
from training.splits import split

K = 10
BATCH_CELLS = 8_000_000  # users x items scored at once
FEW_INTERACTIONS = 3  # "users with few interactions": at most this many training interactions


@dataclass
class ModelResult:
    """Per-user metric arrays (for segments and bootstrap) and the catalogue-level figures of one model."""

    per_user: dict[str, NDArray[np.float64]]
    coverage: float
    novelty: float
    fit_seconds: float
    score_seconds: float
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, float]:
        out = {name: float(np.nanmean(values)) for name, values in self.per_user.items()}
        out["coverage"] = self.coverage
        out["novelty"] = self.novelty
        return out


def evaluate_model(
    model: Model,
    data: InteractionData,
    users: NDArray[np.int64],
    train_counts: NDArray[np.float64],
    context: Any,
) -> ModelResult:
    """Fit ``model`` on the context's training part and measure it on ``users`` against the held-out part."""
    start = time.perf_counter()
    model.fit(context)
    fit_seconds = time.perf_counter() - start
    train, test = context.train, data.matrix(context.split.test)
    batch = max(1, BATCH_CELLS // max(data.n_items, 1))
    parts: dict[str, list[NDArray[np.float64]]] = {
        name: [] for name in (f"hr@{K}", f"ndcg@{K}", f"precision@{K}", f"recall@{K}", f"map@{K}", "auc")
    }
    tops: list[NDArray[np.int64]] = []
    start = time.perf_counter()
    for begin in range(0, users.size, batch):
        chunk = users[begin : begin + batch]
        scores = np.asarray(model.score(chunk), dtype=np.float32)
        history, truth = train[chunk], test[chunk]
        parts["auc"].append(auc_per_user(scores, truth, history))
        top = top_k(scores, K, history)
        ranking = ranking_at_k(top, truth, K)
        parts[f"hr@{K}"].append(ranking.hit_rate)
        parts[f"ndcg@{K}"].append(ranking.ndcg)
        parts[f"precision@{K}"].append(ranking.precision)
        parts[f"recall@{K}"].append(ranking.recall)
        parts[f"map@{K}"].append(ranking.average_precision)
        tops.append(top)
    score_seconds = time.perf_counter() - start
    all_top = np.concatenate(tops) if tops else np.zeros((0, K), np.int64)
    return ModelResult(
        per_user={name: np.concatenate(values) for name, values in parts.items()},
        coverage=catalogue_coverage(all_top, data.n_items),
        novelty=novelty(all_top, train_counts, data.n_users),
        fit_seconds=fit_seconds,
        score_seconds=score_seconds,
    )


def run(  # noqa: PLR0913 - keyword-only run options after data, protocol and parameters
    data: InteractionData,
    protocol: str,
    params: ModelParams,
    *,
    models: list[Model] | None = None,
    max_users: int | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    log: Callable[[str], None] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Evaluate every model on one split of ``data``.

    Returns
    -------
    (result, details)
        ``result`` is ``{"models": {name: {metric: value}}, "protocol", "n_users", "n_items"}``; ``details``
        adds timings, the evaluated user count (and sampling, if ``max_users`` was used), the hybrid's
        validation choices and, with ``bootstrap`` > 0, 95% bootstrap intervals for all users and for users
        with at most ``FEW_INTERACTIONS`` training interactions.
    """
    the_split = split(data, protocol, seed=seed)
    users = the_split.users
    if users.size == 0:
        raise UpskillError(
            f"{data.name}: no user has both training and held-out interactions under {protocol}"
        )
    sampled = False
    if max_users is not None and users.size > max_users:
        users = np.sort(np.random.default_rng(seed).choice(users, size=max_users, replace=False))
        sampled = True
    context = train_context(data, the_split, params)
    train_counts = np.asarray((context.train > 0).sum(axis=0), dtype=np.float64).ravel()
    n_train = np.diff(context.train.indptr)[users]
    few = n_train <= FEW_INTERACTIONS
    chosen = models if models is not None else all_models()
    result: dict[str, Any] = {
        "models": {},
        "protocol": protocol,
        "n_users": data.n_users,
        "n_items": data.n_items,
    }
    details: dict[str, Any] = {
        "dataset": data.name,
        "protocol": protocol,
        "evaluated_users": int(users.size),
        "eligible_users": int(the_split.users.size),
        "sampled_users": sampled,
        "train_interactions": int(the_split.train.sum()),
        "test_interactions": int(the_split.test.sum()),
        "models": {},
    }
    for model in chosen:
        if log:
            log(f"{model.name}: fitting and scoring {users.size} users")
        outcome = evaluate_model(model, data, users, train_counts, context)
        result["models"][model.name] = outcome.summary()
        info: dict[str, Any] = {"fit_seconds": outcome.fit_seconds, "score_seconds": outcome.score_seconds}
        report = getattr(model, "report_", None)
        if report is not None:
            info["validation"] = {
                "configuration": report.configuration,
                "blend_weights": report.weights,
                "best_epoch": report.best_epoch,
                "selection_metric": report.selection_metric,
                "validation_score": report.validation_score,
                "validation_users": report.validation_users,
                "epoch_history": report.validation_history,
            }
        if bootstrap > 0:
            info["bootstrap"] = {
                segment: {
                    name: {
                        "mean": float(np.nanmean(values[mask])) if mask.any() else None,
                        "ci95": bootstrap_ci(values[mask], rounds=bootstrap, seed=seed),
                        "users": int(mask.sum()),
                    }
                    for name, values in outcome.per_user.items()
                }
                for segment, mask in (("all", np.ones_like(few)), (f"train<={FEW_INTERACTIONS}", few))
            }
        details["models"][model.name] = info
        if log:
            summary = result["models"][model.name]
            log(
                f"{model.name}: hr@10 {summary['hr@10']:.4f} ndcg@10 {summary['ndcg@10']:.4f} "
                f"auc {summary['auc']:.4f} "
                f"(fit {outcome.fit_seconds:.1f}s, score {outcome.score_seconds:.1f}s)"
            )
    return result, details
