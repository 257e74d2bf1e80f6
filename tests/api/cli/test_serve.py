"""``upskill serve``: the command exists and the app it serves is importable by uvicorn's factory string."""

from __future__ import annotations

import socket
from types import SimpleNamespace

from fastapi import FastAPI
from typer.testing import CliRunner
from uvicorn.importer import import_from_string
from uvicorn.protocols.http.auto import AutoHTTPProtocol

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
    monkeypatch.setattr("api.cli.serve.runtime", lambda: SimpleNamespace(engine=None))
    result = CliRunner().invoke(app, ["serve", "--port", "0", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert ran["http"] == "api.http.protocol:NoDelayHTTPProtocol" and ran["workers"] == 2


def test_serve_runs_one_worker_per_core_at_most_two_by_default(monkeypatch) -> None:
    import os

    import uvicorn

    ran: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda target, **options: ran.update(options, target=target))
    monkeypatch.setattr("api.cli.serve.runtime", lambda: SimpleNamespace(engine=None))
    result = CliRunner().invoke(app, ["serve", "--port", "0"])
    assert result.exit_code == 0, result.output
    assert ran["workers"] == min(os.cpu_count() or 1, 2)
