"""Objects derived from the database's reference data, cached on disk, keyed by its reference version.

Building the competence graph or the text matchers from the database takes seconds; loading what a previous
process built takes a fraction of that. The cache folder holds one folder per kind and key,
``<kind>-<key>``; the key hashes the database's reference-version token (:mod:`data.reference_version`, new
on every write to the taxonomy, catalogue or badge tables), a format string, and the source of the code that
builds the object, so neither new data nor new code can meet an old copy. A copy is written to a temporary
folder and renamed into place (readers never see half of one); old copies beyond the newest :data:`KEEP` of
their kind are removed. An unreadable copy is built again.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import Engine

from data.reference_version import reference_version
from recommender.errors import UpskillError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

KEEP = 3
ROOT = Path(__file__).resolve().parents[1]

T = TypeVar("T")


def cache_key(token: str, *, fmt: str, builders: Sequence[str]) -> str:
    """The key of a reference-version token: the token, the format string and the building code's source.

    ``builders`` are paths relative to the project root (source files, shipped weights).
    """
    digest = hashlib.sha256(f"{token}\n{fmt}\n".encode())
    for name in builders:
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()[:24]


def cached(
    *,
    engine: Engine,
    cache_dir: Path,
    kind: str,
    key: Callable[[str], str],
    build: Callable[[Session], T],
    save: Callable[[T, Path], None],
    load: Callable[[Path], T],
) -> T:
    """The object of ``kind`` for the database behind ``engine``: from the cache, or built and cached.

    ``key(token)`` makes the cache key of a reference-version token; ``build(session)`` builds the object
    from the database, ``save(obj, folder)`` writes it into a new folder and ``load(folder)`` reads it back
    (raising :class:`UpskillError`, ``OSError``, ``ValueError`` or ``KeyError`` when it cannot). A cache hit
    costs one query (and no ORM: the command line's start-up time counts). The token and the build read one
    snapshot of the database (PostgreSQL: repeatable read; SQLite: one read transaction), so an import
    committing meanwhile is either all in the object or not at all.
    """
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ")  # before the first query
        token = reference_version(connection)
        folder = cache_dir / f"{kind}-{key(token)}"
        if folder.is_dir():
            try:
                return load(folder)
            except (UpskillError, OSError, ValueError, KeyError):
                shutil.rmtree(folder, ignore_errors=True)  # unreadable: build it again
        from sqlalchemy.orm import Session  # the ORM loads only to build: a cache hit needs none of it

        with Session(bind=connection) as session:
            built = build(session)  # of the snapshot the token was read in: cached under that token
        connection.rollback()
    _write(built, folder, save, kind)
    return built


def _write(built: T, folder: Path, save: Callable[[T, Path], None], kind: str) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = folder.parent / f".{folder.name}-{uuid.uuid4().hex}"
    try:
        save(built, partial)
        os.rename(partial, folder)
    except OSError:
        pass  # another process wrote the same copy first, or the cache is not writable
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    copies = sorted(folder.parent.glob(f"{kind}-*"), key=_modified, reverse=True)
    for old in copies[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # removed by another process meanwhile
        return 0.0
