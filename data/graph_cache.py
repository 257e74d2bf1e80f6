"""The competence graph cached on disk, keyed by the reference version of the database it was built from.

Building the graph from the database takes seconds (190,000 ESCO rows, the label index); loading a snapshot
with its saved label index takes a fraction of that. The cache folder holds one snapshot per key,
``graph-<key>``; the key hashes the database's reference-version token (:mod:`data.reference_version`, new on
every write to the taxonomy, catalogue or badge tables), the snapshot format and the source of the code
that builds the graph, so neither new data nor new code can meet an old snapshot. A snapshot is written to a
temporary folder and renamed into place (readers never see half of one); old snapshots beyond the newest
:data:`KEEP` are removed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import Engine

from data.reference_version import reference_version
from recommender.errors import UpskillError
from recommender.graph import SNAPSHOT_FORMAT, CompetenceGraph
from recommender.settings import get_settings

KEEP = 3
_BUILDERS = ("data/graph_loader.py", "recommender/graph.py", "recommender/labels.py")
_ROOT = Path(__file__).resolve().parents[1]


def cache_key(token: str) -> str:
    """The cache key of a reference-version token: token, snapshot format, graph-building code and the
    settings the loader reads (course-skill links under ``planning_min_confidence`` are left out)."""
    floor = get_settings().planning_min_confidence
    digest = hashlib.sha256(f"{token}\n{SNAPSHOT_FORMAT}\n{floor!r}\n".encode())
    for name in _BUILDERS:
        digest.update((_ROOT / name).read_bytes())
    return digest.hexdigest()[:24]


def cached_graph(*, engine: Engine, cache_dir: Path) -> CompetenceGraph:
    """The graph of the database behind ``engine``: from the cache, or built and cached.

    A cache hit costs one query (and no ORM: the command line's start-up time counts).
    """
    with engine.connect() as connection:
        token = reference_version(connection)
        folder = cache_dir / f"graph-{cache_key(token)}"
        if folder.is_dir():
            try:
                return CompetenceGraph.load(folder)
            except (UpskillError, OSError, ValueError, KeyError):
                shutil.rmtree(folder, ignore_errors=True)  # unreadable: build it again
        from sqlalchemy.orm import Session

        from data.graph_loader import load_graph

        with Session(bind=connection) as session:
            graph = load_graph(db_session=session)
            # PostgreSQL reads committed data statement by statement: cache only if nothing changed meanwhile
            unchanged = reference_version(session) == token
        connection.rollback()
    if unchanged:
        _write(graph, folder)
    return graph


def _write(graph: CompetenceGraph, folder: Path) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = folder.parent / f".{folder.name}-{uuid.uuid4().hex}"
    try:
        try:
            graph.save(partial, with_labels=True)
        except ValueError:  # a label the saved index cannot hold: save the graph alone
            shutil.rmtree(partial, ignore_errors=True)
            graph.save(partial)
        os.rename(partial, folder)
    except OSError:
        pass  # another process wrote the same snapshot first, or the cache is not writable
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    snapshots = sorted(folder.parent.glob("graph-*"), key=_modified, reverse=True)
    for old in snapshots[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # removed by another process meanwhile
        return 0.0
