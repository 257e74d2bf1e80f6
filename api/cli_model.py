"""Commands of the model job: ``upskill train`` and ``upskill evaluate model``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from api.cli_common import app, database, err_console, evaluate_app, print_json, reports_errors
from evaluation.datasets import DATASETS, DEFAULT_DATA_DIR, load_generic, load_shipped
from recommender.errors import UpskillError
from recommender.settings import get_settings
from training.splits import PROTOCOLS

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


@evaluate_app.command("model")
@reports_errors
def evaluate_model(
    protocol: Annotated[str, typer.Option(help=f"One of: {', '.join(PROTOCOLS)}.")] = "leave-last-out",
    dataset: Annotated[str | None, typer.Option(help=f"A shipped set: {', '.join(DATASETS)}.")] = None,
    data_dir: Annotated[Path, typer.Option(help="Folder holding the shipped sets.")] = DEFAULT_DATA_DIR,
    interactions: Annotated[
        Path | None, typer.Option(help="interactions.csv (user_id,item_id,timestamp[,weight]).")
    ] = None,
    user_features: Annotated[Path | None, typer.Option(help="user_features.csv (id,feature,value).")] = None,
    item_features: Annotated[Path | None, typer.Option(help="item_features.csv (id,feature,value).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print only the JSON result.")] = False,
    details: Annotated[
        Path | None, typer.Option(help="Also write timings, validation choices, intervals to this JSON file.")
    ] = None,
    bootstrap: Annotated[int, typer.Option(help="Bootstrap rounds for 95% intervals (0 = none).")] = 0,
    max_users: Annotated[
        int | None, typer.Option(help="Evaluate a seeded sample of this many users (reported in --details).")
    ] = None,
    models: Annotated[
        str | None, typer.Option(help="Comma-separated model names to run (default: all).")
    ] = None,
) -> None:
    """Train every model on one split of a data set and print their metrics."""
    from evaluation.baselines import all_models
    from evaluation.harness import run

    if protocol not in PROTOCOLS:
        raise UpskillError(f"unknown protocol {protocol!r}; choose one of {', '.join(PROTOCOLS)}")
    if (dataset is None) == (interactions is None):
        raise UpskillError("give exactly one of --dataset NAME or --interactions FILE")
    if dataset is not None:
        data = load_shipped(dataset, data_dir)
    else:
        assert interactions is not None
        data = load_generic(interactions, user_features, item_features)

    def log(message: str) -> None:
        err_console.print(message, markup=False, highlight=False)

    def progress(stage: str, epoch: int, score: float | None) -> None:
        shown = "" if score is None else f" validation {score:.4f}"
        log(f"  hybrid {stage}: epoch {epoch}{shown}")

    chosen = all_models(progress)
    if models:
        wanted = [name.strip() for name in models.split(",")]
        unknown = sorted(set(wanted) - {model.name for model in chosen})
        if unknown:
            raise UpskillError(
                f"unknown model(s) {', '.join(unknown)}; known: {', '.join(m.name for m in chosen)}"
            )
        chosen = [model for model in chosen if model.name in wanted]
    result, extra = run(
        data, protocol, get_settings(), models=chosen, max_users=max_users, bootstrap=bootstrap, log=log
    )
    if details is not None:
        details.parent.mkdir(parents=True, exist_ok=True)
        details.write_text(json.dumps({"result": result, "details": extra}, indent=2))
    if as_json:
        print_json(result)
        return
    from rich.table import Table

    from api.cli_common import console

    metrics = list(next(iter(result["models"].values())).keys())
    table = Table(title=f"{data.name}, {protocol}: {result['n_users']} users x {result['n_items']} items")
    table.add_column("model")
    for metric in metrics:
        table.add_column(metric, justify="right")
    for name, values in result["models"].items():
        table.add_row(name, *(f"{values[m]:.4f}" for m in metrics))
    console.print(table)


def train_model(output: Path | None = None) -> dict[str, object]:
    """Train the hybrid ranker on the database's interactions, save an artefact, and describe it."""
    import numpy as np
    from sqlalchemy.orm import Session

    from training.artefacts import save
    from training.dataset import from_database
    from training.fit import fit_blended

    settings = get_settings()
    with Session(database()) as session:
        data = from_database(db_session=session)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err_console,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, epoch: int, score: float | None) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=settings.model_max_epochs)
            label = stage if score is None else f"{stage} validation {score:.4f}"
            bar.update(tasks[stage], completed=epoch, description=label)

        recommender, report = fit_blended(
            data, np.ones(data.user.size, dtype=bool), "leave-last-out", settings, progress=progress
        )
    path = save(recommender, data, report, output or settings.artefact_dir, settings)
    return {
        "artefact": str(path),
        "configuration": report.configuration,
        "blend": report.weights,
        "best_epoch": report.best_epoch,
        "validation": {report.selection_metric: report.validation_score},
        "n_users": data.n_users,
        "n_items": data.n_items,
        "interactions": int(data.user.size),
    }


@app.command("train")
@reports_errors
def train(
    output: Annotated[
        Path | None, typer.Option(help="Artefact folder (default: UPSKILL_ARTEFACT_DIR).")
    ] = None,
) -> None:
    """Train the hybrid ranker on the database's interactions and save a versioned artefact."""
    print_json(train_model(output))
