"""Reading files into raw rows, with every problem located: file, line (1-based, physical) and column.

CSV files are read as UTF-8 (a byte-order mark is dropped) line by line, so that bytes that are not UTF-8 are
reported at their line; JSON documents likewise. Rows come with the physical line they start on, also when a
quoted value spans lines or comment lines are skipped.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from recommender.errors import ImportFormatError


def _decoded(raw: bytes, *, file: str, line: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ImportFormatError(
            f"invalid UTF-8 at byte {error.start + 1} of the line; save the file as UTF-8",
            file=file,
            line=line,
        ) from None


def _text_lines(handle: IO[bytes], file: str, numbers: list[int], *, comments: bool) -> Iterator[str]:
    """Decode ``handle`` line by line; append each yielded line's physical number to ``numbers``."""
    for number, raw in enumerate(handle, start=1):
        text = _decoded(raw, file=file, line=number)
        if number == 1:
            text = text.removeprefix("\ufeff")
        if comments and (not text.strip() or text.lstrip().startswith("#")):
            continue
        numbers.append(number)
        yield text


def csv_rows(
    path: Path, required: Sequence[str], *, optional: Sequence[str] = (), comments: bool = False
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line, row)`` for each row of ``path``, a UTF-8 CSV whose header has the ``required`` columns.

    ``line`` is the physical line the row starts on (1 is the header, or the first line that is not a
    comment when ``comments``: then blank lines and lines starting with ``#`` are skipped). Header names are
    stripped; rows whose every value is blank are skipped; a row with fewer values than the header lacks the
    rest. A missing file, a header without a required column, a row with more values than the header, or
    bytes that are not UTF-8 raise :class:`ImportFormatError` naming the file (and line).
    """
    file = str(path)
    header = ",".join(required)
    if not path.is_file():
        raise ImportFormatError(f"file not found; pass a CSV with columns {header}", file=file)
    numbers: list[int] = []  # the physical number of each line the CSV reader has been given
    with path.open("rb") as handle:
        reader = csv.reader(_text_lines(handle, file, numbers, comments=comments))
        rows = _parsed(reader, file, numbers)
        columns = [name.strip() for name in next(rows, [])]
        missing = [column for column in required if column not in columns]
        if missing:
            extra = f" (optional: {', '.join(optional)})" if optional else ""
            raise ImportFormatError(
                f"missing column(s) {', '.join(missing)}; the header must be {header}{extra}",
                file=file,
                line=numbers[0] if numbers else 1,
            )
        consumed = reader.line_num
        for values in rows:
            line, consumed = numbers[consumed], reader.line_num
            if not any(value.strip() for value in values):
                continue
            if len(values) > len(columns):
                raise ImportFormatError("more values than columns in the header", file=file, line=line)
            yield line, dict(zip(columns, [*values, *[""] * (len(columns) - len(values))], strict=True))


def _parsed(reader: Iterator[list[str]], file: str, numbers: list[int]) -> Iterator[list[str]]:
    """The rows of a ``csv.reader``, a malformed one (a NUL byte, say) raised as located."""
    while True:
        try:
            values = next(reader, None)
        except csv.Error as error:
            raise ImportFormatError(
                f"malformed CSV: {error}", file=file, line=numbers[-1] if numbers else 1
            ) from None
        if values is None:
            return
        yield values


def read_text(path: Path) -> str:
    """The whole of a UTF-8 file (a byte-order mark dropped); bytes that are not UTF-8 are located by line."""
    file = str(path)
    if not path.is_file():
        raise ImportFormatError("file not found", file=file)
    data = path.read_bytes()
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        start = data.rfind(b"\n", 0, error.start) + 1
        raise ImportFormatError(
            f"invalid UTF-8 at byte {error.start - start + 1} of the line; save the file as UTF-8",
            file=file,
            line=line,
        ) from None


def read_json(path: Path) -> tuple[Any, str]:
    """The parsed JSON document of ``path`` and its text (to locate objects with :func:`line_of_id`)."""
    text = read_text(path)
    try:
        return json.loads(text), text
    except json.JSONDecodeError as error:
        raise ImportFormatError(f"not valid JSON: {error.msg}", file=str(path), line=error.lineno) from None


def line_of_id(text: str, value: Any, key: str = "id") -> int | None:
    """The line of the first ``"key": value`` in a JSON text (the JSON parser keeps no positions)."""
    if isinstance(value, str):
        found = re.search(rf'"{re.escape(key)}"\s*:\s*' + re.escape(json.dumps(value)), text)
        if found:
            return text.count("\n", 0, found.start()) + 1
    return None


def item_lines(text: str, items: Sequence[Any], key: str = "id") -> list[int | None]:
    """The line of each item of a JSON array of objects read from ``text``: its ``"key": value`` line
    (:func:`line_of_id`), else, for an item whose id is no string or missing, the line its object opens on
    (:func:`object_lines`, scanned only then, and only when the array is the text's first)."""
    lines = [line_of_id(text, item.get(key) if isinstance(item, dict) else None, key) for item in items]
    if None in lines:
        starts = object_lines(text)
        if len(starts) == len(items):
            lines = [start if line is None else line for line, start in zip(lines, starts, strict=True)]
    return lines


def object_lines(text: str) -> list[int]:  # noqa: C901 - a character scanner, one branch per JSON token
    """The line each object of the first JSON array of objects in ``text`` starts on, in order.

    The JSON parser keeps no positions; this scans for ``{`` at the depth of the first array's items,
    skipping strings.
    """
    lines: list[int] = []
    depth = 0
    item_depth: int | None = None
    in_string = escaped = False
    line = 1
    for char in text:
        if char == "\n":
            line += 1
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            if char == "{" and depth == item_depth:
                lines.append(line)
            if char == "[" and item_depth is None:
                item_depth = depth + 1
            depth += 1
        elif char in "]}":
            depth -= 1
    return lines


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write a UTF-8 CSV with ``\\n`` line ends (the vendored files are compared byte for byte)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
