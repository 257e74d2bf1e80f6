"""``upskill run``, ``upskill stats`` and ``upskill import esco``."""

from __future__ import annotations

import typer

from api.cli_common import app, console, database, print_json, reports_errors
from data import stats as stats_store
from data.db import transaction


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
    for table, count in counts.items():
        console.print(f"{table:<24}{count:>10,}")
