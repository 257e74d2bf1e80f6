"""``upskill db backup / restore / downgrade``: the database as a whole."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import app, console, reports_errors, runtime

db_app = typer.Typer(help="Back up and restore the database; take its schema back.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("backup")
@reports_errors
def backup_command(
    path: Annotated[Path, typer.Argument(help="New file to write (SQLite copy or pg_dump custom format).")],
) -> None:
    """Write a consistent copy of the whole database to PATH while it stays in use."""
    from api.services.database import backup_database

    info = backup_database(engine=runtime().engine, path=path)
    console.print(
        f"backed up the {info.backend} database (schema {info.revision}) to {info.path}: {info.bytes:,} bytes"
    )


@db_app.command("restore")
@reports_errors
def restore_command(
    path: Annotated[Path, typer.Argument(help="A file written by `upskill db backup`.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask before replacing the database.")] = False,
) -> None:
    """Replace the whole database by the backup at PATH (all of it or, on any error, none of it)."""
    from api.services.database import restore_database

    engine = runtime().engine
    where = engine.url.render_as_string(hide_password=True)
    if not yes and not typer.confirm(f"replace every row of {where} by {path}?"):
        raise typer.Exit(code=1)
    info = restore_database(engine=engine, path=path)
    console.print(f"restored {where} from {info.path} (schema {info.revision})")


@db_app.command("downgrade")
@reports_errors
def downgrade_command(
    revision: Annotated[str, typer.Argument(help="Alembic revision to go back to ('base': no tables).")],
) -> None:
    """Take the schema back to REVISION; refuses, changing nothing, when a step would delete data."""
    from api.services.database import downgrade_schema

    before, after = downgrade_schema(engine=runtime().engine, revision=revision)
    console.print(f"schema downgraded from {before} to {after or 'base (no tables)'}")
