"""``upskill keys create / revoke / list``: the API keys of ``upskill serve`` (shown once, stored hashed)."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.common import JsonFlag, app, console, err_console, print_json, reports_errors, runtime

keys_app = typer.Typer(help="API keys: create (shown once), revoke, list.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
@reports_errors
def create_command(
    role: Annotated[str, typer.Option("--role", help="worker, hr, region or admin.")],
    organisation: Annotated[
        int | None, typer.Option("--organisation", help="The organisation of an hr key (its id).")
    ] = None,
    region: Annotated[str | None, typer.Option("--region", help="The NUTS code of a region key.")] = None,
    worker: Annotated[int | None, typer.Option("--worker", help="The worker of a worker key (id).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create an API key and print it: it is shown this once (only its hash is kept)."""
    from api.services import keys

    with runtime().transaction() as session:
        key, plaintext = keys.create_key(
            session, role=role, organisation_id=organisation, region=region, worker_id=worker
        )
        described = keys.describe(key)
    if as_json:
        print_json({**described, "key": plaintext})
        return
    scope = {"hr": f"organisation {organisation}", "region": f"region {region}", "worker": f"worker {worker}"}
    console.print(f"key {key.id} ({role}{', ' + scope[role] if role in scope else ''}):", highlight=False)
    typer.echo(plaintext)
    err_console.print(
        "Keep it now: it is not shown again. Send it as 'Authorization: Bearer <key>'.", highlight=False
    )


@keys_app.command("revoke")
@reports_errors
def revoke_command(
    key_id: Annotated[int, typer.Argument(help="The key's id (see `upskill keys list`).")],
) -> None:
    """Revoke a key: requests with it answer 401 from now on."""
    from api.services import keys

    with runtime().transaction() as session:
        key = keys.revoke_key(session, key_id=key_id)
        revoked = key.revoked_at
    console.print(
        f"key {key_id} revoked ({revoked:%Y-%m-%d %H:%M} UTC)" if revoked else f"key {key_id} revoked"
    )


@keys_app.command("list")
@reports_errors
def list_command(as_json: JsonFlag = False) -> None:
    """List the keys: id, prefix, role, scope, created, revoked (never the keys themselves)."""
    from rich.table import Table

    from api.services import keys

    with runtime().transaction() as session:
        found = keys.list_keys(session)
    if as_json:
        print_json(found)
        return
    table = Table(title=f"{len(found)} API keys", title_justify="left")
    for column in ("id", "prefix", "role", "scope", "created", "revoked"):
        table.add_column(column)
    for key in found:
        scope = (
            f"organisation {key['organisation_id']}"
            if key["organisation_id"] is not None
            else f"region {key['region']}"
            if key["region"] is not None
            else f"worker {key['worker_id']}"
            if key["worker_id"] is not None
            else "-"
        )
        table.add_row(
            str(key["id"]),
            key["prefix"] + "...",
            key["role"],
            scope,
            (key["created_at"] or "")[:19],
            (key["revoked_at"] or "")[:19] or "-",
        )
    console.print(table)
