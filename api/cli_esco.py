"""``upskill stats`` and ``upskill import esco``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.cli_common import app, console, database, import_app, print_json, reports_errors
from data import esco_import, esco_languages
from data import stats as stats_store
from data.db import transaction
from recommender.settings import get_settings


class RichProgress:
    """One rich progress bar per imported file, measured in bytes read."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.task: TaskID | None = None

    def start(self, name: str, total_bytes: int) -> None:
        self.task = self.progress.add_task(name, total=total_bytes)

    def advance(self, nbytes: int) -> None:
        if self.task is not None:
            self.progress.advance(self.task, nbytes)

    def finish(self) -> None:
        if self.task is not None:
            self.progress.update(self.task, completed=self.progress.tasks[self.task].total)


def _bars() -> Progress:
    return Progress(
        TextColumn("{task.description:<34}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def print_import_report(report: esco_import.ImportReport) -> None:
    table = Table(title=f"ESCO {report.release} from {report.location}")
    for column in ("table", "new", "changed", "unchanged", "rows now"):
        table.add_column(column, justify="left" if column == "table" else "right")
    for name, change in report.changes.items():
        table.add_row(
            name,
            f"{change.inserted:,}",
            f"{change.updated:,}",
            f"{change.unchanged:,}",
            f"{report.counts.get(name, 0):,}",
        )
    console.print(table)
    if report.declared_by_hierarchy_only:
        console.print(
            f"{len(report.declared_by_hierarchy_only)} concepts are declared only by the release's hierarchy "
            "files (no row in the classification files); imported from what the hierarchy says of them."
        )
    verdict = "imported" if report.changed else "already up to date: nothing changed"
    console.print(f"ESCO {report.release}: {verdict} in {report.seconds:.1f} s")


@import_app.command("esco")
@reports_errors
def import_esco_command(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="Folder of ESCO CSV files, folder with the two zips, or one zip. Default: bundled v1.1.1."
        ),
    ] = None,
) -> None:
    """Import an ESCO CSV release in one transaction (nothing is written if any row is bad).

    An ``occupations_<language>.csv`` file (or a language package zip holding one) adds the occupation
    labels of that language to an imported release.
    """
    engine = database()
    if path is not None and esco_languages.is_language_file(path):
        with transaction(engine) as session:
            labels = esco_languages.import_occupation_labels(db_session=session, source=path)
        verdict = "imported" if labels.changed else "already up to date: nothing changed"
        console.print(
            f"occupation labels in {labels.language!r} from {labels.location}: {verdict} "
            f"({labels.inserted:,} new, {labels.updated:,} changed, {labels.unchanged:,} unchanged)"
        )
        return
    with _bars() as bars, transaction(engine) as session:
        report = esco_import.import_esco(
            db_session=session,
            source=path,
            batch_size=get_settings().import_batch_size,
            progress=RichProgress(bars),
        )
    print_import_report(report)


@app.command()
@reports_errors
def stats(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object keyed by table."),
) -> None:
    """Print the number of rows in each table."""
    with transaction(database()) as session:
        counts = stats_store.table_counts(db_session=session)
    if as_json:
        print_json(counts)
        return
    console.print(f"database: {get_settings().database_url}", soft_wrap=True)
    table = Table("table", "rows")
    for name, count in counts.items():
        table.add_row(name, f"{count:,}")
    console.print(table)
