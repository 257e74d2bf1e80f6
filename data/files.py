"""Files written whole or not at all: model artefacts, reports, exports.

A file is written to a temporary file in the same folder (``.<name>.<random>.tmp``), flushed and fsynced,
then renamed over its final name, and the folder is fsynced so that the rename itself survives a crash. A
rename within one file system is atomic: a reader opens the old file or the new one, never a half-written
one, and a writer killed at any point (even by ``SIGKILL``) leaves at most a temporary file, which no
reader looks at (its name starts with a dot and ends with ``.tmp``).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

#: What every temporary file's name ends with (readers and clean-ups recognise them by it).
TEMPORARY_SUFFIX = ".tmp"


def temporary_name(path: Path) -> Path:
    """A fresh temporary path beside ``path`` (same folder, hence same file system)."""
    return path.with_name(f".{path.name}.{secrets.token_hex(6)}{TEMPORARY_SUFFIX}")


def fsync_folder(folder: Path) -> None:
    """Make the folder's entries (a rename, a new file) durable; a no-op where folders cannot be opened."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass  # some file systems refuse fsync on a folder; the rename is still atomic
    finally:
        os.close(handle)


@contextmanager
def atomic_binary(path: Path) -> Iterator[IO[bytes]]:
    """Open ``path`` for writing bytes so that it appears whole when the block ends, or not at all.

    On an exception in the block the temporary file is removed and ``path`` is left as it was.
    """
    with _writer(Path(path), "xb", None) as handle:
        yield handle


@contextmanager
def atomic_text(path: Path, *, newline: str | None = None) -> Iterator[IO[str]]:
    """Open ``path`` for writing UTF-8 text, whole or not at all (as :func:`atomic_binary`)."""
    with _writer(Path(path), "x", newline) as handle:
        yield handle


@contextmanager
def _writer(path: Path, mode: str, newline: str | None) -> Iterator[IO[Any]]:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_name(path)
    encoding = None if "b" in mode else "utf-8"
    try:
        with open(temporary, mode, encoding=encoding, newline=newline) as handle:  # noqa: PTH123
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_folder(path.parent)


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` for another writer (SQLite's backup, ``pg_dump``) to fill.

    When the block ends the file is fsynced and renamed over ``path``; on an exception it is removed and
    ``path`` is left as it was.
    """
    path = Path(path)
    temporary = temporary_name(path)
    try:
        yield temporary
        handle = os.open(temporary, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_folder(path.parent)


def write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; return ``path``."""
    with atomic_binary(path) as handle:
        handle.write(data)
    return path


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; return ``path``."""
    return write_bytes(path, text.encode("utf-8"))
