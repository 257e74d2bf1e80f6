"""The competence graph cached on disk, keyed by the reference version of the database it was built from.

Building the graph from the database takes seconds (190,000 ESCO rows, the label index); loading a snapshot
with its saved label index takes a fraction of that. The cache folder holds one snapshot per key,
``graph-<key>`` (see :mod:`data.derived_cache`: the key covers the reference version, the snapshot format,
the code that builds the graph and the settings the loader reads).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from data import derived_cache
from recommender.graph import SNAPSHOT_FORMAT, CompetenceGraph
from recommender.settings import get_settings

KEEP = derived_cache.KEEP
_BUILDERS = ("data/graph_loader.py", "recommender/graph.py", "recommender/labels.py")


def cache_key(token: str) -> str:
    """The cache key of a reference-version token: token, snapshot format, graph-building code and the
    settings the loader reads (course-skill links under ``planning_min_confidence`` are left out)."""
    floor = get_settings().planning_min_confidence
    return derived_cache.cache_key(token, fmt=f"{SNAPSHOT_FORMAT}\n{floor!r}", builders=_BUILDERS)


def cached_graph(*, engine: Engine, cache_dir: Path) -> CompetenceGraph:
    """The graph of the database behind ``engine``: from the cache, or built and cached."""
    return derived_cache.cached(
        engine=engine,
        cache_dir=cache_dir,
        kind="graph",
        key=cache_key,
        build=_build,
        save=_save,
        load=CompetenceGraph.load,
    )


def _build(session: Session) -> CompetenceGraph:
    from data.graph_loader import load_graph

    return load_graph(db_session=session)


def _save(graph: CompetenceGraph, folder: Path) -> None:
    try:
        graph.save(folder, with_labels=True)
    except ValueError:  # a label the saved index cannot hold: save the graph alone
        shutil.rmtree(folder, ignore_errors=True)
        graph.save(folder)
