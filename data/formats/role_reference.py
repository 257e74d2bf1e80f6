"""Related-occupation pairs, CSV ``source_uri,related_uri`` (header required): an expert reference for
adjacent roles, such as the O*NET-derived one of ``evaluation/ONET_REFERENCE.md``."""

from __future__ import annotations

from pathlib import Path

from pydantic import ConfigDict

from data.formats.fields import FileModel, validated
from data.formats.reading import csv_rows

COLUMNS = ("source_uri", "related_uri")


class RolePair(FileModel):
    model_config = ConfigDict(extra="ignore")  # notes and scores next to the pair are allowed

    source_uri: str
    related_uri: str


def read(path: Path) -> dict[str, set[str]]:
    """Source URI -> related URIs; a pair of an occupation with itself is left out."""
    pairs: dict[str, set[str]] = {}
    for line, raw in csv_rows(path, COLUMNS):
        row = validated(RolePair, raw, file=str(path), line=line)
        if row.source_uri != row.related_uri:
            pairs.setdefault(row.source_uri, set()).add(row.related_uri)
    return pairs
