"""Reading small CSV files with a required header: rows with their line numbers, clear errors."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from recommender.errors import ImportFormatError


def text_lines(handle: IO[bytes], path: Path) -> Iterator[str]:
    """Decode ``handle`` line by line, so that bytes that are not UTF-8 are located by line."""
    for number, raw in enumerate(handle, start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ImportFormatError(
                f"invalid UTF-8 at byte {error.start + 1} of the line; save the file as UTF-8",
                file=str(path),
                line=number,
            ) from None
        yield text.removeprefix("\ufeff") if number == 1 else text


def csv_rows(path: Path, required: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line, row)`` for each row of ``path``, a UTF-8 CSV whose header has the ``required`` columns.

    ``line`` is the row's last physical line (1 is the header). A missing file, a header without a
    required column, or bytes that are not UTF-8 raise :class:`ImportFormatError` naming the file (and line).
    """
    header = ",".join(required)
    if not path.exists():
        raise ImportFormatError(f"file not found; pass a CSV with columns {header}", file=str(path))
    with path.open("rb") as handle:
        reader = csv.DictReader(text_lines(handle, path))
        missing = [column for column in required if column not in (reader.fieldnames or [])]
        if missing:
            raise ImportFormatError(
                f"missing column(s) {', '.join(missing)}; the header must be {header}", file=str(path), line=1
            )
        for row in reader:
            yield reader.line_num, row
