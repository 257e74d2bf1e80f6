"""``upskill audit list``: the audit log of personal data (who used which worker's data, and when)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from api.cli.common import JsonFlag, app, console, print_json, reports_errors, runtime

audit_app = typer.Typer(
    help="The audit log of personal data: who used which worker's data.", no_args_is_help=True
)
app.add_typer(audit_app, name="audit")

TIME_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


@audit_app.command("list")
@reports_errors
def list_command(  # noqa: PLR0913 - the filters of the query and the page
    worker: Annotated[int | None, typer.Option("--worker", help="Entries about this worker (id).")] = None,
    key: Annotated[int | None, typer.Option("--key", help="Entries of this API key (id).")] = None,
    since: Annotated[
        datetime | None, typer.Option("--since", formats=TIME_FORMATS, help="From this UTC time on.")
    ] = None,
    until: Annotated[
        datetime | None, typer.Option("--until", formats=TIME_FORMATS, help="Up to this UTC time.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="Entries to show, newest first (1 to 1000).")] = 50,
    offset: Annotated[int, typer.Option("--offset", help="Entries to skip.")] = 0,
    as_json: JsonFlag = False,
) -> None:
    """List audit entries, newest first: when (UTC), key id and role, action, route, worker."""
    from rich.table import Table

    from api.services import audit

    with runtime().transaction() as session:
        items, total = audit.list_entries(
            db_session=session,
            worker_id=worker,
            key_id=key,
            since=since,
            until=until,
            limit=limit,
            offset=offset,
        )
    if as_json:
        print_json({"items": items, "total": total, "limit": limit, "offset": offset})
        return
    table = Table(title=f"{len(items)} of {total} audit entries", title_justify="left")
    for column in ("when (UTC)", "key", "role", "action", "route", "worker"):
        table.add_column(column)
    for entry in items:
        table.add_row(
            f"{entry['occurred_at']:%Y-%m-%d %H:%M:%S}",
            str(entry["key_id"]),
            entry["role"],
            entry["action"],
            entry["route"],
            "-" if entry["worker_id"] is None else str(entry["worker_id"]),
        )
    console.print(table)
