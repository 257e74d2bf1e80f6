"""What every ``upskill`` command shares: the Typer groups, the console, the database, error reporting."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from sqlalchemy import Engine

from data.db import make_engine, migrate
from recommender.errors import UpskillError
from recommender.settings import get_settings

app = typer.Typer(help="upskill: personalised upskilling paths on ESCO.", no_args_is_help=True)
import_app = typer.Typer(help="Import taxonomies, catalogues and badges.", no_args_is_help=True)
evaluate_app = typer.Typer(help="Measure the models against references and real data.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(evaluate_app, name="evaluate")

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")


def database() -> Engine:
    """The configured database, migrated to the newest schema."""
    engine = make_engine(get_settings().database_url)
    migrate(engine)
    return engine


def print_json(value: Any) -> None:
    """Print one JSON document on standard output, nothing else."""
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def reports_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a domain error into one red line on standard error and exit code 2 (no traceback)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except UpskillError as error:
            err_console.print(
                f"error: {error}", style="bold red", markup=False, highlight=False, soft_wrap=True
            )
            raise typer.Exit(code=2) from None

    return wrapper
