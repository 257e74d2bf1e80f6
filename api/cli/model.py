"""Commands of the model job: ``upskill train`` and ``upskill evaluate model``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.common import app, console, err_console, evaluate_app, print_json, reports_errors, runtime

#: Listed here, not imported, so that ``upskill --help`` does not load numpy (training.splits and
#: evaluation.datasets do); tests/api/cli/test_model.py checks they match.
PROTOCOL_NAMES = ("leave-last-out", "chronological", "item-cold-start", "user-cold-start")
DATASET_NAMES = ("mooccubex", "mars", "crossvalidated")


@evaluate_app.command("model")
@reports_errors
def evaluate_model(
    protocol: Annotated[str, typer.Option(help=f"One of: {', '.join(PROTOCOL_NAMES)}.")] = "leave-last-out",
    dataset: Annotated[str | None, typer.Option(help=f"A shipped set: {', '.join(DATASET_NAMES)}.")] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Folder holding the shipped sets.", show_default="../shared/data/interactions"),
    ] = None,
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
    from api.services.model import evaluate

    def log(message: str) -> None:
        err_console.print(message, markup=False, highlight=False)

    def progress(stage: str, epoch: int, score: float | None) -> None:
        shown = "" if score is None else f" validation {score:.4f}"
        log(f"  hybrid {stage}: epoch {epoch}{shown}")

    result, extra = evaluate(
        settings=runtime().settings,
        protocol=protocol,
        dataset=dataset,
        data_dir=data_dir,
        interactions=interactions,
        user_features=user_features,
        item_features=item_features,
        models=models,
        max_users=max_users,
        bootstrap=bootstrap,
        log=log,
        progress=progress,
    )
    if details is not None:
        from data.files import write_text

        write_text(details, json.dumps({"result": result, "details": extra}, indent=2))
    if as_json:
        print_json(result)
        return
    from rich.table import Table

    metrics = list(next(iter(result["models"].values())).keys())
    table = Table(
        title=f"{extra['dataset']}, {protocol}: {result['n_users']} users x {result['n_items']} items"
    )
    table.add_column("model")
    for metric in metrics:
        table.add_column(metric, justify="right")
    for name, values in result["models"].items():
        table.add_row(name, *(f"{values[m]:.4f}" for m in metrics))
    console.print(table)


def train_model(output: Path | None = None) -> dict[str, Any]:
    """Train the hybrid ranker with a progress bar on standard error; describe the artefact."""
    from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    from api.services.model import train

    context = runtime()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err_console,
    ) as bar:
        tasks: dict[str, TaskID] = {}
        best: dict[str, tuple[float, int]] = {}

        def progress(stage: str, epoch: int, score: float | None) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=context.settings.model_max_epochs)
            label = stage
            if score is not None:
                if stage not in best or score > best[stage][0]:
                    best[stage] = (score, epoch)
                # the best so far, which the fit keeps (the last epoch's score is often lower)
                label = f"{stage} best {best[stage][0]:.4f} at epoch {best[stage][1]}"
            bar.update(tasks[stage], completed=epoch, description=label)

        with context.transaction() as session:
            return train(db_session=session, settings=context.settings, output=output, progress=progress)


@app.command("train")
@reports_errors
def train_command(
    output: Annotated[
        Path | None, typer.Option(help="Artefact folder (default: UPSKILL_ARTEFACT_DIR).")
    ] = None,
) -> None:
    """Train the hybrid ranker on the database's interactions and save a versioned artefact."""
    trained = train_model(output)
    print_configurations(trained)
    print_json(trained)


def print_configurations(trained: dict[str, Any]) -> None:
    """The validation of each feature configuration, the one chosen marked, and why (on standard error)."""
    from rich.table import Table

    metric = next(iter(trained["validation"]))
    table = Table(title=f"feature configurations, validation {metric}")
    for column in ("configuration", "best", "at epoch", "epochs run", "last epoch", "chosen"):
        table.add_column(column)
    for name, values in trained["configurations"].items():
        table.add_row(
            name,
            f"{values['best']:.4f}",
            str(values["best_epoch"]),
            str(values["epochs_run"]),
            f"{values['last']:.4f}",
            "yes" if name == trained["configuration"] else "",
        )
    err_console.print(table)
    err_console.print(trained["why"], soft_wrap=True)
