"""``upskill serve``: the command exists and the app it serves is importable by uvicorn's factory string."""

from __future__ import annotations

from fastapi import FastAPI
from typer.testing import CliRunner
from uvicorn.importer import import_from_string

from api.cli import app


def test_serve_help_names_host_port_and_workers() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    assert all(option in result.output for option in ("--host", "--port", "--workers"))


def test_the_factory_uvicorn_is_given_builds_the_app() -> None:
    factory = import_from_string("api.http.app:create_app")
    assert isinstance(factory(), FastAPI)
