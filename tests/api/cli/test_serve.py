"""``upskill serve``: the command exists and the app it serves is importable by uvicorn's factory string."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine
from typer.testing import CliRunner
from uvicorn.importer import import_from_string
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from api.audit_host import AUDIT_HOST_ENV
from api.cli import app


def test_serve_help_names_host_port_and_workers() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    assert all(option in result.output for option in ("--host", "--port", "--workers"))


def test_the_factory_uvicorn_is_given_builds_the_app() -> None:
    factory = import_from_string("api.http.app:served_app")
    assert isinstance(factory(), FastAPI)


def test_connections_are_served_with_nagle_off_even_on_a_socket_uvicorn_made_for_workers(monkeypatch) -> None:
    protocol = import_from_string("api.http.protocol:NoDelayHTTPProtocol")  # the string serve passes uvicorn
    handed_on: list[object] = []
    monkeypatch.setattr(
        AutoHTTPProtocol, "connection_made", lambda self, transport: handed_on.append(transport)
    )
    # as uvicorn binds for --workers N: protocol number 0, which asyncio does not take for TCP
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        with socket.create_connection(listener.getsockname()), listener.accept()[0] as accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
            transport = SimpleNamespace(get_extra_info=lambda name: accepted if name == "socket" else None)
            protocol.connection_made(object.__new__(protocol), transport)
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    assert handed_on == [transport]  # then uvicorn's own protocol takes the connection


def test_serve_runs_uvicorn_with_that_protocol(monkeypatch) -> None:
    import uvicorn

    ran: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda target, **options: ran.update(options, target=target))
    monkeypatch.setattr("api.cli.serve.runtime", lambda: _runtime("sqlite://"))
    result = CliRunner().invoke(app, ["serve", "--port", "0", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert ran["http"] == "api.http.protocol:NoDelayHTTPProtocol" and ran["workers"] == 2


def test_serve_runs_one_worker_per_core_at_most_two_by_default(monkeypatch) -> None:
    import os

    import uvicorn

    ran: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda target, **options: ran.update(options, target=target))
    monkeypatch.setattr("api.cli.serve.runtime", lambda: _runtime("sqlite://"))
    result = CliRunner().invoke(app, ["serve", "--port", "0"])
    assert result.exit_code == 0, result.output
    assert ran["workers"] == min(os.cpu_count() or 1, 2)


def _runtime(url: str) -> SimpleNamespace:
    """What serve reads of the runtime: its engine (never connected here; the host's committer,
    ``api.services.audit.OneConnection``, connects at its first commit)."""
    return SimpleNamespace(engine=create_engine(url))


@pytest.mark.parametrize(
    ("url", "workers", "host"),
    [("sqlite:///FILE", 2, True), ("sqlite:///FILE", 1, False), ("postgresql+psycopg://u@h/db", 2, False)],
)
def test_the_workers_of_a_sqlite_file_commit_their_audit_entries_through_one_host(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str, workers: int, host: bool
) -> None:
    """``api.audit_host``: while uvicorn runs the worker processes of a server of several on a SQLite file,
    the environment they inherit names the host's socket, which takes connections; after it, and on
    PostgreSQL or with one process, nothing."""
    import uvicorn

    monkeypatch.delenv(AUDIT_HOST_ENV, raising=False)
    named: list[str | None] = []

    def run(target: str, **options: object) -> None:
        path = os.environ.get(AUDIT_HOST_ENV)
        if path is not None:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as worker:
                worker.connect(path)  # the host listens
        named.append(path)

    monkeypatch.setattr(uvicorn, "run", run)
    monkeypatch.setattr(
        "api.cli.serve.runtime", lambda: _runtime(url.replace("FILE", str(tmp_path / "s.db")))
    )
    result = CliRunner().invoke(app, ["serve", "--port", "0", "--workers", str(workers)])
    assert result.exit_code == 0, result.output
    assert len(named) == 1 and (named[0] is not None) == host
    assert AUDIT_HOST_ENV not in os.environ


def test_serve_says_which_port_is_taken_before_loading_anything(monkeypatch) -> None:
    loaded: list[str] = []
    monkeypatch.setattr("api.cli.serve.runtime", lambda: loaded.append("runtime"))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(app, ["serve", "--port", str(port)])
    assert result.exit_code == 2
    assert f"port {port} on 127.0.0.1 is already in use" in result.output and "--port" in result.output
    assert loaded == []  # said before the database and model load


def test_serve_refuses_an_address_this_machine_does_not_have(monkeypatch) -> None:
    monkeypatch.setattr("api.cli.serve.runtime", lambda: pytest.fail("loaded before the address was checked"))
    result = CliRunner().invoke(app, ["serve", "--host", "192.0.2.1", "--port", "0"])  # TEST-NET-1
    assert result.exit_code == 2
    assert "cannot listen on 192.0.2.1:0" in result.output
