"""``upskill occupations match`` and ``upskill evaluate titles`` (job titles to ESCO occupations)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from api.cli_common import app, console, database, evaluate_app, print_json, reports_errors
from data.db import transaction
from data.formats.reading import csv_rows
from data.title_index import load_occupation_texts, load_title_matcher
from evaluation import titles as title_evaluation
from recommender.errors import ImportFormatError, UpskillError
from recommender.text.titles import TitleMatch, TitleMatcher

occupations_app = typer.Typer(help="ESCO occupations: match free-text job titles.", no_args_is_help=True)
app.add_typer(occupations_app, name="occupations")


def title_matcher() -> TitleMatcher:
    """The matcher over the configured database's occupations (which must hold ESCO)."""
    with transaction(database()) as session:
        return load_title_matcher(db_session=session)


def read_titles(path: Path, column: str) -> list[str]:
    """The titles of one column of a CSV file, in file order; an empty title raises with its line."""
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
    titles = [title] if title is not None else read_titles(file, column)  # type: ignore[arg-type]
    if title is not None and not title.strip():
        raise UpskillError("the title is empty")
    matcher = title_matcher()
    results = matcher.match_many(titles, k=k)
    if as_json:
        for text, matches in zip(titles, results, strict=True):
            typer.echo(json.dumps(_match_json(text, matches), ensure_ascii=False))
        return
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
        Path, typer.Option("--reference", help="CSV of titles and occupation URIs (vacancyTitle,conceptUri).")
    ] = title_evaluation.VALIDATION,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Measure the title matcher against labelled titles, next to the TF-IDF character n-gram baseline."""
    rows = title_evaluation.read_reference(reference)
    with transaction(database()) as session:
        occupations = load_occupation_texts(db_session=session)
    if not occupations:
        raise UpskillError("the database holds no ESCO occupations; run `upskill import esco` first")
    report = title_evaluation.evaluate_titles(TitleMatcher(occupations), rows, occupations)
    report["reference"] = str(reference)
    if as_json:
        print_json(report)
        return
    table = Table(title=f"job titles -> occupations on {reference} ({report['titles']:,} titles)")
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
    calibration = report["calibration_check_half"]
    console.print(
        f"confidence on the check half: mean {calibration['mean_confidence']:.3f}, accuracy@1 "
        f"{calibration['accuracy_at_1']:.3f}, expected calibration error "
        f"{calibration['expected_calibration_error']:.3f}"
    )
