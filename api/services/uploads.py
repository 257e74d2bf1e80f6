"""Files sent over HTTP (multipart uploads or lists in a JSON body), read by the command line's own readers.

The readers of ``data.formats`` take paths and locate their errors by file, line and column. An upload is
written to a private temporary folder under a fixed name, read there, and the folder removed; an error names
the client's file (an upload) or the body field and item (a JSON list), never the temporary path.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recommender.errors import ImportFormatError, InvalidPlanInput

#: Largest upload accepted per request, in bytes (10,000 people with skills fit in about 2 MB).
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
SUFFIXES = (".csv", ".json")


@dataclass(frozen=True)
class Upload:
    """One input file: the request field it came in, the client's file name, its bytes.

    ``items`` is True for a list sent inside a JSON body (one item a line, so that an error's line names
    the item: ``workforce[3]``).
    """

    field: str
    name: str
    content: bytes
    items: bool = False

    @classmethod
    def of_items(cls, field: str, items: Sequence[Any]) -> Upload:
        """A JSON body's list, written one item a line."""
        lines = ",\n".join(json.dumps(item, ensure_ascii=False, default=str) for item in items)
        return cls(field, f"{field}.json", f"[\n{lines}\n]\n".encode(), items=True)

    def where(self, line: int | None) -> str:
        """How an error names the place in this input (the item for a JSON list: line 2 is item 0)."""
        if self.items:
            return self.field if line is None or line < 2 else f"{self.field}[{line - 2}]"
        return self.name

    def line(self, line: int | None) -> int | None:
        """The line to name in this input (none for a JSON list, where :meth:`where` names the item)."""
        return None if self.items else line


def _safe_name(name: str, suffix: str) -> str:
    """The client's file name without folders or unusual characters."""
    stem = re.sub(r"[^A-Za-z0-9._ -]+", "_", Path(name.replace("\\", "/")).stem).strip(" .")[:100]
    return f"{stem or 'upload'}{suffix}"


@contextmanager
def as_files(uploads: Sequence[Upload]) -> Iterator[list[Path]]:
    """The uploads as files in a temporary folder (removed afterwards), in order.

    Raises :class:`InvalidPlanInput` for a file that is neither ``.csv`` nor ``.json``, and re-raises a
    reader's :class:`ImportFormatError` naming the client's file or the body's item.
    """
    with tempfile.TemporaryDirectory(prefix="upskill-upload-") as folder:
        paths: dict[str, Upload] = {}
        for upload in uploads:
            suffix = Path(upload.name).suffix.lower()
            if suffix not in SUFFIXES:
                raise InvalidPlanInput(
                    f"{upload.name!r} is neither a .csv nor a .json file; send the {upload.field} file as "
                    "CSV or JSON (formats in data/default/FORMATS.md)",
                    field=upload.field,
                )
            # the file keeps the client's name (what a kept plan's sources list), in a folder of its own
            path = Path(folder) / upload.field / _safe_name(upload.name, suffix)
            path.parent.mkdir()
            path.write_bytes(upload.content)
            paths[str(path)] = upload
        try:
            yield [Path(name) for name in paths]
        except ImportFormatError as error:
            source = paths.get(error.file)
            if source is None:
                raise
            raise ImportFormatError(
                error.message,
                file=source.where(error.line),
                line=source.line(error.line),
                column=error.column,
            ) from None
