"""``upskill occupations match`` and ``upskill evaluate titles`` (job titles to ESCO occupations)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from api.cli.common import app, console, evaluate_app, print_json, reports_errors, runtime
from recommender.errors import ImportFormatError, UpskillError

if TYPE_CHECKING:
    from recommender.text.titles import TitleMatch

occupations_app = typer.Typer(help="ESCO occupations: match free-text job titles.", no_args_is_help=True)
app.add_typer(occupations_app, name="occupations")


def read_titles(path: Path, column: str) -> list[str]:
    """The titles of one column of a CSV file, in file order; an empty title raises with its line."""
    from data.formats.reading import csv_rows

    titles = []
    for line, row in csv_rows(path, (column,)):
        title = (row.get(column) or "").strip()
        if not title:
            raise ImportFormatError("empty title", file=str(path), line=line, column=column)
        titles.append(title)
    return titles


def _match_json(title: str, matches: list[TitleMatch]) -> dict[str, object]:
    return {
        "input": title,
        "matches": [
            {
                "uri": m.uri,
                "label": m.label,
                "score": m.score,
                "matched_label": m.matched_label,
                "language": m.language,
                "reason": m.reason,
            }
            for m in matches
        ],
    }


@occupations_app.command("match")
@reports_errors
def match_command(
    title: Annotated[str | None, typer.Argument(help="A job title, in any imported language.")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="CSV file of titles (batch form).")] = None,
    column: Annotated[str, typer.Option("--column", help="The CSV column holding the titles.")] = "title",
    k: Annotated[int, typer.Option("--k", min=1, max=3007, help="Occupations per title.")] = 10,
    as_json: bool = typer.Option(False, "--json", help="One JSON object per title and line, in input order."),
) -> None:
    """Rank ESCO occupations for a job title, or for every title of a CSV column."""
    if (title is None) == (file is None):
        raise UpskillError("give either a TITLE or --file FILE (with --column), not both and not neither")
    from api.services.titles import match_titles

    titles = [title] if title is not None else read_titles(file, column)  # type: ignore[arg-type]
    # a large file is matched on every core the process may use (forked processes, same answer)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    results = match_titles(matcher=runtime().title_matcher, titles=titles, k=k, processes=cores)
    if as_json:
        for text, matches in zip(titles, results, strict=True):
            typer.echo(json.dumps(_match_json(text, matches), ensure_ascii=False))
        return
    from rich.table import Table

    for text, matches in zip(titles, results, strict=True):
        table = Table(title=f"{text!r}")
        for name in ("#", "occupation", "confidence", "why"):
            table.add_column(name, justify="right" if name in ("#", "confidence") else "left")
        for rank, m in enumerate(matches, start=1):
            table.add_row(str(rank), m.label, f"{m.score:.2f}", m.reason)
        console.print(table)


@evaluate_app.command("titles")
@reports_errors
def evaluate_titles_command(
    reference: Annotated[
        Path | None,
        typer.Option(
            "--reference",
            help="CSV of titles and occupation URIs (vacancyTitle,conceptUri).",
            show_default="../shared/data/text/job_titles_validation.csv",
        ),
    ] = None,
    folds: Annotated[
        int, typer.Option("--folds", min=2, help="Folds of the cross-validation (grouped by title, seeded).")
    ] = 4,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Measure the title matcher against labelled titles: out of fold (refitted without each title's fold;
    minutes), the shipped matcher as it is, and the TF-IDF character n-gram baseline."""
    from api.services.titles import evaluate_titles

    with runtime().transaction() as session:
        report = evaluate_titles(db_session=session, reference=reference, folds=folds)
    if as_json:
        print_json(report)
        return
    from rich.table import Table

    table = Table(title=f"job titles -> occupations on {report['reference']} ({report['titles']:,} titles)")
    for name in ("model", "part", "titles", "acc@1", "recall@5", "recall@10", "MRR"):
        table.add_column(name, justify="left" if name in ("model", "part") else "right")
    for model, parts in report["models"].items():
        for part in ("whole", "tune", "check"):
            f = parts[part]
            table.add_row(
                model,
                part,
                f"{f['titles']:,}",
                f"{f['accuracy_at_1']:.3f}",
                f"{f['recall_at_5']:.3f}",
                f"{f['recall_at_10']:.3f}",
                f"{f['mrr']:.3f}",
            )
    console.print(table)
    for model, parts in report["models"].items():
        console.print(f"{model}: {parts['what']}")
    console.print(f"halves: {report['halves']}")
    from evaluation.titles import TARGETS

    for part, met in report["targets"].items():
        said = ", ".join(
            f"{name} >= {TARGETS[name]}: {'met' if ok else 'NOT met'}" for name, ok in met.items()
        )
        where = "whole file" if part == "whole" else f"{part} half"
        console.print(f"targets, matcher out of fold on the {where}: {said}")
    calibration = report["calibration_out_of_fold"]
    console.print(
        f"confidence out of fold: mean {calibration['mean_confidence']:.3f}, accuracy@1 "
        f"{calibration['accuracy_at_1']:.3f}, expected calibration error "
        f"{calibration['expected_calibration_error']:.3f}"
    )
    resolve = report["resolve_out_of_fold"]
    console.print(
        f"resolved on their own out of fold from {resolve['threshold']}: {resolve['resolved_share']:.1%} of "
        f"titles, {resolve['resolved_precision']:.1%} of them right; {resolve['rule']}: "
        f"{resolve['rule_gives']}"
    )
