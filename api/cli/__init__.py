"""The ``upskill`` command line (Typer). One module per job; a command parses, calls a service, prints.

Importing a module registers its commands on the Typer groups of :mod:`api.cli.common`.
"""

from __future__ import annotations

# one name per line, so that a new job's module is a one-line change
from api.cli import (  # noqa: F401
    audit,
    cohort,
    courses,
    db,
    esco,
    graph,
    keys,
    model,
    plan,
    region,
    run,
    serve,
    skills,
    titles,
)
from api.cli.common import app


def main() -> None:
    app()
