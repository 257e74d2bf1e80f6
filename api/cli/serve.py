"""``upskill serve``: the HTTP API (and its OpenAPI description at /openapi.json, docs at /docs)."""

from __future__ import annotations

import errno
import os
import socket
from contextlib import nullcontext
from typing import Annotated

import typer

from api.cli.common import app, console, reports_errors, runtime
from recommender.errors import UpskillError

#: Worker processes by default: one per core, at most two. A process runs Python on one core at a time (the
#: GIL): plans and recommendations are CPU-bound, so one process leaves the second core of a 2-core machine
#: idle (README, "Workers": measured on a busy machine, two were 1-2x one). Each process holds its own graph,
#: courses and model (~500 MB), hence no more than two unless asked.
DEFAULT_WORKERS = min(os.cpu_count() or 1, 2)


@app.command("serve")
@reports_errors
def serve_command(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            help="Processes, each with its own graph and model (default: cores, at most 2).",
        ),
    ] = DEFAULT_WORKERS,
) -> None:
    """Serve the HTTP API until interrupted (Ctrl-C)."""
    import uvicorn

    from api import audit_host
    from api.services.audit import OneConnection

    check_can_listen(host, port)  # before the database and model load: a taken port is said at once
    served = runtime()
    engine = served.engine  # migrate here, once, rather than in every worker at the same time
    console.print(f"upskill API on http://{host}:{port} (docs: http://{host}:{port}/docs); Ctrl-C stops it")
    console.print(
        "Organisations and workers need an API key: `upskill keys create --role admin` prints one "
        "(send it as 'Authorization: Bearer <key>')"
    )
    # the workers' audit entries committed here, by one writer (api.audit_host): SQLite writes one at a time
    # (on one connection kept for the server's life: its one committer is the host's thread)
    one_writer = audit_host.wanted(engine, workers)
    commit = OneConnection(engine) if one_writer else None
    try:
        with audit_host.serving(commit) if commit is not None else nullcontext():
            uvicorn.run(
                "api.http.app:served_app",
                factory=True,
                host=host,
                port=port,
                workers=workers,
                http="api.http.protocol:NoDelayHTTPProtocol",  # Nagle off with --workers N too (see there)
            )
    finally:
        if commit is not None:
            commit.close()


def check_can_listen(host: str, port: int) -> None:
    """Raise a clear :class:`UpskillError` when ``host:port`` cannot be listened on (the port taken, say by
    another ``upskill serve``; an address this machine does not have), instead of uvicorn's bare
    ``[Errno 98]`` after the model has loaded. Binds as uvicorn does (SO_REUSEADDR) and lets go at once."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as error:
        raise UpskillError(
            f"--host {host!r}: not an address this machine can listen on ({error.strerror})"
        ) from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise UpskillError(
                    f"port {port} on {host} is already in use (another `upskill serve`?): stop that "
                    "server, or choose another port with --port"
                ) from None
            raise UpskillError(f"cannot listen on {host}:{port}: {error.strerror}") from None
