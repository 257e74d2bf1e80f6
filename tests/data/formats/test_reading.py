"""Small CSV files with a required header: line numbers and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from data.formats.reading import csv_rows
from recommender.errors import ImportFormatError


def test_rows_come_with_the_line_they_start_on_even_across_a_quoted_line_break(tmp_path: Path) -> None:
    path = tmp_path / "pairs.csv"
    path.write_bytes(b'\xef\xbb\xbfa,b\n1,"two\nlines"\n\n3,4\n')
    assert list(csv_rows(path, ("a", "b"))) == [(2, {"a": "1", "b": "two\nlines"}), (5, {"a": "3", "b": "4"})]


@pytest.mark.parametrize(
    ("content", "line", "words"),
    [
        (None, None, "file not found; pass a CSV with columns a,b"),
        (b"a,c\n1,2\n", 1, "missing column(s) b; the header must be a,b"),
        (b"a,b\n1,2\n3,\xff\n", 3, "invalid UTF-8 at byte 3 of the line"),
    ],
)
def test_bad_files_name_file_and_line(
    tmp_path: Path, content: bytes | None, line: int | None, words: str
) -> None:
    path = tmp_path / "bad.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ImportFormatError) as caught:
        list(csv_rows(path, ("a", "b")))
    assert caught.value.line == line
    assert words in str(caught.value) and str(path) in str(caught.value)
