"""What every ``upskill`` command shares: the Typer groups, the console, options, the runtime, errors.

Modules of ``api/cli`` import only Typer and this module at the top; services and everything heavy are
imported inside the commands, so that ``upskill --help`` does not load numpy, SQLAlchemy or the models.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from recommender.errors import UnknownOccupation, UpskillError

if TYPE_CHECKING:
    from api.runtime import Runtime
    from api.services.profiles import ProfileGap

app = typer.Typer(help="upskill: personalised upskilling paths on ESCO.", no_args_is_help=True)
import_app = typer.Typer(help="Import taxonomies, catalogues and badges.", no_args_is_help=True)
evaluate_app = typer.Typer(help="Measure the models against references and real data.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(evaluate_app, name="evaluate")

console = Console()
err_console = Console(stderr=True)

SnapshotOption = Annotated[
    Path | None,
    typer.Option("--snapshot", help="Load the graph from a snapshot folder instead of the database."),
]
SkillsOption = Annotated[
    Path | None,
    typer.Option(
        "--skills",
        help="CSV with columns skill,level: ESCO skill URI or exact label, level 0 (none) to 4 (expert).",
    ),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of a table.")]

P = ParamSpec("P")
R = TypeVar("R")


def runtime(snapshot: Path | None = None) -> Runtime:
    """The heavy objects of this process (graph from ``snapshot`` when given), loaded on first use."""
    from api.runtime import Runtime

    return Runtime(snapshot=snapshot)


def read_skills(path: Path | None) -> dict[str, int]:
    """The declared skills of a ``--skills`` file (none without one)."""
    if path is None:
        return {}
    from data.formats import declared_skills

    return declared_skills.read(path)


def from_and_read_as(profile: ProfileGap, current: Sequence[str], target: str) -> tuple[str, str]:
    """What a gap or plan is from, for its first line ("from 'vehicle technician' ", "" for declared skills
    only), and which occupations the user named other than by their ESCO label were read as ("'car
    mechanic' is read as ESCO's 'vehicle technician'", "" for none)."""
    from api.services.profiles import read_as

    graph = profile.graph
    origin = " and ".join(repr(graph.label(uri)) for uri in profile.occupations)
    named = read_as(graph, [*current, target], [*profile.occupations, profile.gap.target_uri])
    said = "; ".join(f"{typed!r} is read as ESCO's {label!r}" for typed, label in named)
    return (f"from {origin} " if origin else ""), said


def print_json(value: Any) -> None:
    """Print one JSON document on standard output, nothing else."""
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def reports_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a domain error into one red line on standard error and exit code 2 (no traceback); an unknown
    occupation lists what the title matcher finds for it too."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except UpskillError as error:
            if isinstance(error, UnknownOccupation):
                error = _with_title_suggestions(error)
            err_console.print(
                f"error: {error}", style="bold red", markup=False, highlight=False, soft_wrap=True
            )
            raise typer.Exit(code=2) from None

    return wrapper


def _with_title_suggestions(error: UnknownOccupation) -> UnknownOccupation:
    """``error`` with the title matcher's suggestions (``api.services.titles``); as it is when the matcher
    cannot be had (no database, no ESCO in it, the database unreachable)."""
    from api.services.titles import with_title_suggestions

    try:
        served = runtime()
        if _no_database_file(served.settings.database_url):
            return error  # opening it would create an empty database (a command run on a --snapshot)
        return with_title_suggestions(error, matcher=lambda: served.title_matcher)
    except Exception:  # the error at hand is the one to report, with the suggestions it has
        return error


def _no_database_file(url: str) -> bool:
    """Whether ``url`` names a SQLite database whose file is not there."""
    prefix, _, path = url.partition(":///")
    return prefix.startswith("sqlite") and (not path or path == ":memory:" or not Path(path).is_file())
