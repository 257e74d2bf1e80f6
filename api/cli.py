"""The ``upskill`` command line. Each job's commands live in their own ``api/cli_*.py`` module."""

from __future__ import annotations

from api import cli_esco  # noqa: F401  (registers its commands)
from api.cli_common import app


def main() -> None:
    app()
