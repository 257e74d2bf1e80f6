"""The hybrid ranker: train it on the database's interactions, find the newest usable artefact, evaluate."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from recommender.errors import UpskillError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from api.settings import Settings
    from training.artefacts import LoadedModel

#: ``progress(stage, epoch, validation score or None)`` while the hybrid ranker fits.
FitProgress = Callable[[str, int, float | None], None]


def latest_model(*, folder: Path) -> tuple[LoadedModel | None, str]:
    """Load the newest usable artefact in ``folder``; None and the reason when there is none."""
    from training.artefacts import ArtefactError, load_latest

    try:
        return load_latest(folder), ""
    except ArtefactError as error:
        return None, str(error)


def trained_on_other_data(*, db_session: Session, model: LoadedModel) -> bool:
    """Whether the database's interactions and features differ from what ``model`` was trained on (a catalogue
    re-imported with other skills, new courses, new interactions), by the artefact's data hash."""
    from training.artefacts import data_hash
    from training.dataset import from_database

    return bool(model.metadata.get("data_hash") != data_hash(from_database(db_session=db_session)))


def describe(
    *, model: LoadedModel | None, problem: str, rejected: Sequence[Mapping[str, str]]
) -> dict[str, Any]:
    """Describe the served model (artefact, data hash, metrics, created) and the newer artefacts refused."""
    meta = model.metadata if model is not None else {}
    return {
        "artefact": model.path.stem if model is not None else None,
        "created_at": meta.get("created_at"),
        "data_hash": meta.get("data_hash"),
        "format_version": meta.get("format_version"),
        "metrics": dict(meta.get("metrics") or {}),
        "n_users": meta.get("n_users"),
        "n_items": meta.get("n_items"),
        "n_interactions": meta.get("n_interactions"),
        "problem": (problem or None) if model is None else None,
        "rejected": [dict(rejection) for rejection in rejected],
    }


def train(
    *,
    db_session: Session,
    settings: Settings,
    output: Path | None = None,
    progress: FitProgress | None = None,
) -> dict[str, Any]:
    """Train the hybrid ranker on the database's interactions, save a versioned artefact and describe it."""
    import numpy as np

    from training.artefacts import save
    from training.dataset import from_database
    from training.fit import fit_blended

    data = from_database(db_session=db_session)
    params = settings.model_params()
    recommender, report = fit_blended(
        data, np.ones(data.user.size, dtype=bool), "leave-last-out", params, progress=progress
    )
    path = save(recommender, data, report, output or settings.artefact_dir, params)
    return {
        "artefact": str(path),
        "configuration": report.configuration,
        "configurations": configuration_summary(report.validation_history),
        "why": why_chosen(report),
        "blend": report.weights,
        "best_epoch": report.best_epoch,
        "validation": {report.selection_metric: report.validation_score},
        "n_users": data.n_users,
        "n_items": data.n_items,
        "interactions": int(data.user.size),
    }


def configuration_summary(histories: dict[str, list[float]]) -> dict[str, dict[str, float | int]]:
    """Per feature configuration: its best validation score, the epoch it came at and the epochs run (early
    stopping ends a fit ``patience`` epochs after its best score, so the last score is not the best)."""
    return {
        name: {
            "best": round(max(history), 6),
            "best_epoch": int(history.index(max(history))) + 1,
            "epochs_run": len(history),
            "last": round(history[-1], 6),
        }
        for name, history in histories.items()
        if history
    }


def why_chosen(report: Any) -> str:
    """In words, which configuration won and why (``report``: a ``training.fit.FitReport``)."""
    summary = configuration_summary(report.validation_history)
    chosen = summary[report.configuration]
    others = ", ".join(
        f"{name} {values['best']:.4f} (epoch {values['best_epoch']})"
        for name, values in summary.items()
        if name != report.configuration
    )
    metric = report.selection_metric
    text = (
        f"{report.configuration} won: the highest best-epoch {metric} on the {report.validation_users} "
        f"validation users, {chosen['best']:.4f} at epoch {chosen['best_epoch']}"
        + (f", against {others}" if others else "")
        + f"; refitted on all interactions for {report.best_epoch} epochs"
    )
    if report.weights:
        parts = ", ".join(f"{k} {v:g}" for k, v in report.weights.items() if v)
        blended = f"{report.validation_score:.4f}"
        text += f"; then the blend of signals ({parts}) chosen on the same users scores {blended}"
    return text + "."


def evaluate(
    *,
    settings: Settings,
    protocol: str,
    dataset: str | None = None,
    data_dir: Path | None = None,
    interactions: Path | None = None,
    user_features: Path | None = None,
    item_features: Path | None = None,
    models: str | None = None,
    max_users: int | None = None,
    bootstrap: int = 0,
    log: Callable[[str], None] | None = None,
    progress: FitProgress | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Train every model (or the comma-separated ``models``) on one split of a data set; return metrics."""
    from evaluation.baselines import all_models
    from evaluation.datasets import load_generic, load_shipped
    from evaluation.harness import run
    from training.splits import PROTOCOLS

    if protocol not in PROTOCOLS:
        raise UpskillError(f"unknown protocol {protocol!r}; choose one of {', '.join(PROTOCOLS)}")
    if (dataset is None) == (interactions is None):
        raise UpskillError("give exactly one of --dataset NAME or --interactions FILE")
    if dataset is not None:
        data = load_shipped(dataset, data_dir)
    else:
        assert interactions is not None
        data = load_generic(interactions, user_features, item_features)
    chosen = all_models(progress)
    if models:
        wanted = [name.strip() for name in models.split(",")]
        unknown = sorted(set(wanted) - {model.name for model in chosen})
        if unknown:
            raise UpskillError(
                f"unknown model(s) {', '.join(unknown)}; known: {', '.join(m.name for m in chosen)}"
            )
        chosen = [model for model in chosen if model.name in wanted]
    return run(
        data,
        protocol,
        settings.model_params(),
        models=chosen,
        max_users=max_users,
        bootstrap=bootstrap,
        log=log,
    )
