"""``upskill serve``: the HTTP API (and its OpenAPI description at /openapi.json, docs at /docs)."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.common import app, console, reports_errors, runtime


@app.command("serve")
@reports_errors
def serve_command(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Processes, each with its own graph and model.")
    ] = 1,
) -> None:
    """Serve the HTTP API until interrupted (Ctrl-C)."""
    import uvicorn

    _ = runtime().engine  # migrate here, once, rather than in every worker at the same time
    console.print(f"upskill API on http://{host}:{port} (docs: http://{host}:{port}/docs); Ctrl-C stops it")
    console.print(
        "Organisations and workers need an API key: `upskill keys create --role admin` prints one "
        "(send it as 'Authorization: Bearer <key>')"
    )
    uvicorn.run(
        "api.http.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http="api.http.protocol:NoDelayHTTPProtocol",  # Nagle off with --workers N too (see there)
    )
