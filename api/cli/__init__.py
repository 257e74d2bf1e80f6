"""The ``upskill`` command line (Typer). One module per job; a command parses, calls a service, prints.

Importing a module registers its commands on the Typer groups of :mod:`api.cli.common`.
"""

from __future__ import annotations

import gc

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
    try:
        app()
    finally:
        # As the process ends, Python runs the garbage collector over every object still tracked (after a
        # plan: the graph, plan options, model and ~1,200 modules), ~0.2 s of a 1.4 s `upskill plan`, to find
        # reference cycles (a few thousand objects) that the operating system frees with the process anyway.
        # Frozen objects are not scanned; atexit handlers, finalizers and output flushing run as before.
        gc.freeze()
