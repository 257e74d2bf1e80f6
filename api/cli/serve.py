"""``upskill serve``: the HTTP API (and its OpenAPI description at /openapi.json, docs at /docs)."""

from __future__ import annotations

import os
from contextlib import nullcontext
from typing import Annotated

import typer

from api.cli.common import app, console, reports_errors, runtime

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

    served = runtime()
    engine = served.engine  # migrate here, once, rather than in every worker at the same time
    console.print(f"upskill API on http://{host}:{port} (docs: http://{host}:{port}/docs); Ctrl-C stops it")
    console.print(
        "Organisations and workers need an API key: `upskill keys create --role admin` prints one "
        "(send it as 'Authorization: Bearer <key>')"
    )
    # the workers' audit entries committed here, by one writer (api.audit_host): SQLite writes one at a time
    one_writer = audit_host.wanted(engine, workers)
    with audit_host.serving(served.audit_commit()) if one_writer else nullcontext():
        uvicorn.run(
            "api.http.app:served_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            http="api.http.protocol:NoDelayHTTPProtocol",  # Nagle off with --workers N too (see there)
        )
