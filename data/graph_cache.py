"""The competence graph cached on disk, keyed by the reference version of the database it was built from.

Building the graph from the database takes seconds (190,000 ESCO rows, the label index); loading a snapshot
with its saved label index takes a fraction of that. The cache folder holds one snapshot per key,
``graph-<key>`` (see :mod:`data.derived_cache`: the key covers the reference version, the snapshot format,
the code that builds the graph and the setting the loader reads).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from data import derived_cache
from data.defaults import PLANNING_MIN_CONFIDENCE
from recommender.graph import SNAPSHOT_FORMAT, CompetenceGraph

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

KEEP = derived_cache.KEEP
_BUILDERS = ("data/graph_loader.py", "recommender/graph.py", "recommender/labels.py")


def cache_key(token: str, min_confidence: float = PLANNING_MIN_CONFIDENCE) -> str:
    """The cache key of a reference-version token: token, snapshot format, graph-building code and the
    loader's setting (course-skill links under ``min_confidence`` are left out)."""
    return derived_cache.cache_key(token, fmt=f"{SNAPSHOT_FORMAT}\n{min_confidence!r}", builders=_BUILDERS)


def cached_graph(
    *, engine: Engine, cache_dir: Path, min_confidence: float = PLANNING_MIN_CONFIDENCE
) -> CompetenceGraph:
    """The graph of the database behind ``engine`` (:func:`data.graph_loader.load_graph`): from the cache,
    or built and cached."""

    def build(session: Session) -> CompetenceGraph:
        from data.graph_loader import load_graph

        return load_graph(db_session=session, min_confidence=min_confidence)

    return derived_cache.cached(
        engine=engine,
        cache_dir=cache_dir,
        kind="graph",
        key=lambda token: cache_key(token, min_confidence),
        build=build,
        save=_save,
        load=CompetenceGraph.load,
    )


def _save(graph: CompetenceGraph, folder: Path) -> None:
    try:
        graph.save(folder, with_labels=True)
    except ValueError:  # a label the saved index cannot hold: save the graph alone
        shutil.rmtree(folder, ignore_errors=True)
        graph.save(folder)
