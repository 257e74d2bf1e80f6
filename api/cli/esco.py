"""``upskill stats`` and ``upskill import esco``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from api.cli.common import app, console, import_app, print_json, reports_errors, runtime

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from data.esco_import import ImportReport


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
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description:<34}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def print_import_report(report: ImportReport) -> None:
    from rich.table import Table

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
    from api.services.setup import import_esco, import_occupation_labels, is_language_file

    context = runtime()
    if path is not None and is_language_file(path):
        with context.transaction() as session:
            labels = import_occupation_labels(db_session=session, path=path)
        verdict = "imported" if labels.changed else "already up to date: nothing changed"
        console.print(
            f"occupation labels in {labels.language!r} from {labels.location}: {verdict} "
            f"({labels.inserted:,} new, {labels.updated:,} changed, {labels.unchanged:,} unchanged)"
        )
        return
    with _bars() as bars, context.transaction() as session:
        report = import_esco(
            db_session=session,
            path=path,
            batch_size=context.settings.import_batch_size,
            progress=RichProgress(bars),
        )
    print_import_report(report)


def print_counts(counts: dict[str, int], title: str | None = None) -> None:
    """Print rows per table."""
    from rich.table import Table

    table = Table("table", "rows", title=title)
    for name, count in counts.items():
        table.add_row(name, f"{count:,}")
    console.print(table)


@app.command()
@reports_errors
def stats(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object keyed by table."),
) -> None:
    """Print the number of rows in each table."""
    from api.services.setup import table_counts

    with runtime().transaction() as session:
        counts = table_counts(db_session=session)
    if as_json:
        print_json(counts)
        return
    console.print(f"database: {runtime().settings.database_url}", soft_wrap=True)
    print_counts(counts)
