"""The ``upskill`` command line (Typer). One module per job; a command parses, calls a service, prints.

Importing a module registers its commands on the Typer groups of :mod:`api.cli.common`.
"""

from __future__ import annotations

from api.cli import cohort, courses, esco, graph, model, plan, region, run, skills, titles  # noqa: F401
from api.cli.common import app


def main() -> None:
    app()
