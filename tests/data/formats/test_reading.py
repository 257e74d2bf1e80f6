"""Small CSV and JSON files: line numbers and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from data.formats.reading import csv_rows, item_lines
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


def test_each_json_item_has_a_line_whatever_its_id() -> None:
    """An item's line is that of its id, or, where the id is no string (or missing), that of its opening
    brace: a bad item is located either way."""
    items = [{"id": "a", "n": 1}, {"id": 7}, {"name": "no id"}, {"id": "d"}]
    text = json.dumps({"courses": items}, indent=2)
    assert item_lines(text, items) == [4, 7, 10, 14]  # "id": "a" on 4, the braces of #2 and #3 on 7 and 10
    compact = json.dumps(items)  # all on line 1
    assert item_lines(compact, items) == [1, 1, 1, 1]
    # items that are not the text's array (here one more): no opening brace is guessed
    assert item_lines(text, [*items, "not an object"]) == [4, None, None, 14, None]
