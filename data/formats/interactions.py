"""Interaction data in its generic CSV form (``upskill evaluate model --interactions FILE``):

* interactions: ``user_id,item_id,timestamp`` and an optional ``weight`` (> 0, default 1). ``timestamp`` is a
  number (seconds, or any increasing sequence number) or an ISO 8601 date-time;
* features (optional, of users or of items): ``id,feature,value``. A numeric ``value`` is the feature's
  weight (finite, >= 0); any other non-empty value makes a categorical feature ``feature=value`` with weight
  1; an empty one, ``feature`` with weight 1.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

from pydantic import ConfigDict, Field

from data.formats.fields import FileModel, Timestamp, validated
from data.formats.reading import csv_rows, write_csv
from recommender.errors import ImportFormatError

INTERACTION_COLUMNS = ("user_id", "item_id", "timestamp")
FEATURE_COLUMNS = ("id", "feature", "value")

Interaction = tuple[str, str, float, float]  # user, item, time, weight


class InteractionRow(FileModel):
    model_config = ConfigDict(extra="ignore")

    user_id: str
    item_id: str
    timestamp: Timestamp
    weight: float = Field(1.0, gt=0)


class FeatureRow(FileModel):
    id: str
    feature: str
    value: str = ""

    def named_weight(self) -> tuple[str, float]:
        """(feature name, weight): ``feature`` with a numeric value, else ``feature=value`` with 1."""
        if not self.value:
            return self.feature, 1.0
        try:
            return self.feature, float(self.value)
        except ValueError:
            return f"{self.feature}={self.value}", 1.0


def read_interactions(path: Path) -> list[Interaction]:
    """(user, item, time, weight) rows in file order; a file without any raises."""
    rows = [
        (row.user_id, row.item_id, row.timestamp, row.weight)
        for row in (
            validated(InteractionRow, raw, file=str(path), line=line)
            for line, raw in csv_rows(path, INTERACTION_COLUMNS, optional=("weight",))
        )
    ]
    if not rows:
        raise ImportFormatError("no interactions", file=str(path))
    return rows


def read_features(path: Path) -> dict[str, dict[str, float]]:
    """``{id: {feature name: weight}}``."""
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for line, raw in csv_rows(path, FEATURE_COLUMNS):
        row = validated(FeatureRow, raw, file=str(path), line=line)
        name, weight = row.named_weight()
        if not math.isfinite(weight) or weight < 0:
            raise ImportFormatError(
                f"feature weight {row.value!r} must be a finite non-negative number",
                file=str(path),
                line=line,
                column="value",
            )
        out[row.id][name] = weight
    return dict(out)


def write_interactions(path: Path, rows: Iterable[Interaction]) -> None:
    """Write rows with full float precision (``repr``), so that reading them back gives the same data."""
    write_csv(
        path,
        (*INTERACTION_COLUMNS, "weight"),
        ([user, item, repr(float(time)), repr(float(weight))] for user, item, time, weight in rows),
    )


def write_features(path: Path, features: Mapping[str, Mapping[str, float]]) -> None:
    """Write ``{id: {feature name: weight}}`` as ``id,feature,value`` rows."""
    write_csv(
        path,
        FEATURE_COLUMNS,
        ([key, name, repr(float(weight))] for key, row in features.items() for name, weight in row.items()),
    )
