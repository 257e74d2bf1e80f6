"""The ``upskill`` command line. Each job's commands live in their own ``api/cli_*.py`` module."""

from __future__ import annotations

# Importing a module registers its commands on the Typer groups of api.cli_common.
from api import (  # noqa: F401
    cli_cohort,
    cli_courses,
    cli_esco,
    cli_graph,
    cli_model,
    cli_plan,
    cli_run,
    cli_skills,
    cli_titles,
)
from api.cli_common import app


def main() -> None:
    app()
