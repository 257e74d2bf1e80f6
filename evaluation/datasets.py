"""Interaction data sets in one in-memory form, and adapters for the shipped real sets.

The generic form on disk is a folder-free trio of CSV files:

* ``interactions.csv``: ``user_id,item_id,timestamp`` and an optional ``weight`` column. ``timestamp`` is a
  number (seconds, or any increasing sequence number) or an ISO 8601 date-time.
* ``user_features.csv`` and ``item_features.csv`` (optional): ``id,feature,value``. A numeric ``value`` is the
  feature's weight; any other non-empty value makes a categorical feature ``feature=value`` with weight 1; an
  empty one, ``feature`` with weight 1.

Adapters turn ``../shared/data/interactions/{mooccubex,mars,crossvalidated}`` (see ``SOURCES.md``) into the
same :class:`InteractionData`. Repeated (user, item) pairs are kept once, at their first time: ranking
protocols exclude seen items, so a repeat could never be hit.
"""

from __future__ import annotations

import ast
import csv
import gzip
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from data.csv_files import csv_rows
from recommender.errors import ImportFormatError, UpskillError
from recommender.idmap import IdMap

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "interactions"
DATASETS = ("mooccubex", "mars", "crossvalidated")


class DatasetMissing(UpskillError):
    """A shipped data set is not where it was looked for."""


@dataclass(frozen=True)
class FeatureTable:
    """Sparse metadata: ``matrix[entity, feature] = weight`` and the feature names."""

    matrix: sp.csr_matrix
    names: list[str]


@dataclass(frozen=True)
class InteractionData:
    """Interactions as parallel arrays of indices, with optional metadata and a published split.

    ``time`` orders each user's interactions (seconds or sequence numbers); ``has_time`` says whether it is a
    real clock, so that protocols can cut on it. ``split`` holds the source's own ``train``/``test`` labels
    where it ships one.
    """

    name: str
    users: IdMap
    items: IdMap
    user: NDArray[np.int64]
    item: NDArray[np.int64]
    time: NDArray[np.float64]
    weight: NDArray[np.float32]
    user_features: FeatureTable | None = None
    item_features: FeatureTable | None = None
    split: NDArray[np.str_] | None = None
    has_time: bool = True

    @property
    def n_users(self) -> int:
        return len(self.users)

    @property
    def n_items(self) -> int:
        return len(self.items)

    def matrix(self, rows: NDArray[np.bool_] | None = None) -> sp.csr_matrix:
        """Users x items matrix of the selected interactions (all when ``rows`` is None), weighted."""
        pick = slice(None) if rows is None else rows
        return sp.csr_matrix(
            (self.weight[pick], (self.user[pick], self.item[pick])),
            shape=(self.n_users, self.n_items),
            dtype=np.float32,
        )


def build_data(
    name: str,
    triples: list[tuple[str, str, float, float]],
    *,
    has_time: bool,
    user_features: dict[str, dict[str, float]] | None = None,
    item_features: dict[str, dict[str, float]] | None = None,
    split: list[str] | None = None,
    extra_items: list[str] | None = None,
) -> InteractionData:
    """Index (user, item, time, weight) rows, dropping repeats of a pair (first by time is kept)."""
    order = sorted(range(len(triples)), key=lambda i: (triples[i][2], i))
    seen: set[tuple[str, str]] = set()
    kept: list[int] = []
    for i in order:
        pair = (triples[i][0], triples[i][1])
        if pair not in seen:
            seen.add(pair)
            kept.append(i)
    kept.sort()
    users = IdMap(triples[i][0] for i in kept)
    items = IdMap(triples[i][1] for i in kept)
    if extra_items:
        items.extend(extra_items)
    return InteractionData(
        name=name,
        users=users,
        items=items,
        user=users.indices([triples[i][0] for i in kept]),
        item=items.indices([triples[i][1] for i in kept]),
        time=np.array([triples[i][2] for i in kept], dtype=np.float64),
        weight=np.array([triples[i][3] for i in kept], dtype=np.float32),
        user_features=_table(users, user_features),
        item_features=_table(items, item_features),
        split=None if split is None else np.array([split[i] for i in kept]),
        has_time=has_time,
    )


def _table(ids: IdMap, features: dict[str, dict[str, float]] | None) -> FeatureTable | None:
    if not features:
        return None
    names = IdMap(sorted({feature for row in features.values() for feature in row}))
    rows, cols, vals = [], [], []
    for key, row in features.items():
        if key not in ids:
            continue  # metadata of an entity without interactions plays no part
        for feature, value in row.items():
            rows.append(ids.index(key))
            cols.append(names.index(feature))
            vals.append(value)
    matrix = sp.csr_matrix((vals, (rows, cols)), shape=(len(ids), len(names)), dtype=np.float32)
    return FeatureTable(matrix=matrix, names=names.ids)


# --- the generic CSV form ---------------------------------------------------------------------------


def _parse_time(text: str, *, file: str, line: int) -> float:
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text.strip()).timestamp()
    except ValueError:
        raise ImportFormatError(
            f"timestamp {text!r} is neither a number nor an ISO 8601 date-time",
            file=file,
            line=line,
            column="timestamp",
        ) from None


def read_features(path: Path) -> dict[str, dict[str, float]]:
    """Read an ``id,feature,value`` file into ``{id: {feature name: weight}}``."""
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for line, row in csv_rows(path, ("id", "feature", "value")):
        key, feature, value = row["id"], (row["feature"] or "").strip(), (row["value"] or "").strip()
        if not key or not feature:
            column = "id" if not key else "feature"
            raise ImportFormatError("empty value", file=str(path), line=line, column=column)
        try:
            weight = float(value) if value else 1.0
            name = feature
        except ValueError:
            weight, name = 1.0, f"{feature}={value}"
        if not math.isfinite(weight) or weight < 0:
            raise ImportFormatError(
                f"feature weight {value!r} must be a finite non-negative number",
                file=str(path),
                line=line,
                column="value",
            )
        out[key][name] = weight
    return dict(out)


def load_generic(
    interactions: Path, user_features: Path | None = None, item_features: Path | None = None
) -> InteractionData:
    """Load the generic CSV form (see the module docstring); bad rows raise ``ImportFormatError``."""
    triples: list[tuple[str, str, float, float]] = []
    for line, row in csv_rows(interactions, ("user_id", "item_id", "timestamp")):
        user, item = (row["user_id"] or "").strip(), (row["item_id"] or "").strip()
        for column, value in (("user_id", user), ("item_id", item)):
            if not value:
                raise ImportFormatError("empty value", file=str(interactions), line=line, column=column)
        time = _parse_time(row["timestamp"] or "", file=str(interactions), line=line)
        weight = 1.0
        if row.get("weight") not in (None, ""):
            try:
                weight = float(row["weight"])
            except ValueError:
                weight = float("nan")
            if not math.isfinite(weight) or weight <= 0:
                raise ImportFormatError(
                    f"weight {row['weight']!r} must be a positive number",
                    file=str(interactions),
                    line=line,
                    column="weight",
                )
        triples.append((user, item, time, weight))
    if not triples:
        raise ImportFormatError("no interactions", file=str(interactions))
    return build_data(
        interactions.stem,
        triples,
        has_time=True,
        user_features=read_features(user_features) if user_features else None,
        item_features=read_features(item_features) if item_features else None,
    )


def write_generic(data: InteractionData, folder: Path) -> None:
    """Write ``data`` in the generic CSV form (interactions.csv and the feature files it has)."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "interactions.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["user_id", "item_id", "timestamp", "weight"])
        for u, i, t, w in zip(data.user, data.item, data.time, data.weight, strict=True):
            writer.writerow([data.users.id(int(u)), data.items.id(int(i)), repr(float(t)), repr(float(w))])
    for side, table, ids in (
        ("user", data.user_features, data.users),
        ("item", data.item_features, data.items),
    ):
        if table is None:
            continue
        coo = table.matrix.tocoo()
        with (folder / f"{side}_features.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id", "feature", "value"])
            for r, c, v in zip(coo.row, coo.col, coo.data, strict=True):
                writer.writerow([ids.id(int(r)), table.names[int(c)], repr(float(v))])


# --- adapters for the shipped sets ------------------------------------------------------------------


def _require(path: Path) -> Path:
    if not path.exists():
        raise DatasetMissing(f"{path} is missing; pass --data-dir pointing at shared/data/interactions")
    return path


def load_mooccubex(folder: Path, *, max_users: int | None = None) -> InteractionData:
    """MOOCCubeX enrolments: time = the course's position in the user's sequence; published split kept.

    User features: gender (``user_list.txt``). Item features: the course's knowledge-graph neighbours
    (``kg_final.txt``, one feature per (relation, tail) whose head is a course). ``max_users`` keeps the first
    users (by remapped id) for small test slices.
    """
    triples: list[tuple[str, str, float, float]] = []
    split: list[str] = []
    org_of: dict[str, str] = {}
    path = _require(folder / "interactions_clean.csv.gz")
    with gzip.open(path, "rt", newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            user = row["user_remap"]
            if max_users is not None and int(user) >= max_users:
                continue
            org_of[user] = row["user_org_id"]
            triples.append((user, row["course_remap"], float(row["seq_idx"]), 1.0))
            split.append(row["split"])
    courses = {t[1] for t in triples}
    gender: dict[str, str] = {}
    users_file = folder / "user_list.txt"
    if users_file.exists():
        with users_file.open() as handle:
            next(handle)
            for line in handle:
                parts = line.split()
                if len(parts) >= 3:
                    gender[parts[0]] = parts[2]
    user_features = {u: {f"gender={gender[o]}": 1.0} for u, o in org_of.items() if o in gender}
    item_features: dict[str, dict[str, float]] = defaultdict(dict)
    kg = folder / "kg_final.txt"
    if kg.exists():
        with kg.open() as handle:
            for line in handle:
                head, relation, tail = line.split()
                if head in courses:
                    item_features[head][f"r{relation}:{tail}"] = 1.0
    return build_data(
        "mooccubex",
        triples,
        has_time=False,
        user_features=user_features,
        item_features=dict(item_features),
        split=split,
    )


def _list_field(text: str) -> list[str]:
    text = (text or "").strip()
    if not text or text == "N/A":
        return []
    if text.startswith("["):
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return [text]
        return [str(v).strip() for v in value if str(v).strip()]
    return [text]


def _duration_bucket(text: str) -> str | None:
    try:
        seconds = float(text)
    except ValueError:
        return None
    for bound, label in ((60, "<1min"), (120, "1-2min"), (300, "2-5min"), (900, "5-15min")):
        if seconds < bound:
            return label
    return ">=15min"


def load_mars(folder: Path) -> InteractionData:
    """MARS (English): implicit views and explicit ratings together, one interaction per (user, item).

    User features: job (``users_en.csv``, ``N/A`` skipped). Item features: difficulty, jobs, software, themes,
    type and a duration bucket (``items_en.csv``).
    """
    triples: list[tuple[str, str, float, float]] = []
    for name in ("implicit_ratings_en.csv", "explicit_ratings_en.csv"):
        path = _require(folder / name)
        for line, row in csv_rows(path, ("user_id", "item_id", "created_at")):
            when = _parse_time(row["created_at"], file=str(path), line=line)
            triples.append((row["user_id"], row["item_id"], when, 1.0))
    user_features: dict[str, dict[str, float]] = {}
    users_path = folder / "users_en.csv"
    if users_path.exists():
        for _, row in csv_rows(users_path, ("user_id", "job")):
            jobs = _list_field(row["job"])
            if jobs:
                user_features[row["user_id"]] = {f"job={job.lower()}": 1.0 for job in jobs}
    item_features: dict[str, dict[str, float]] = {}
    items_path = folder / "items_en.csv"
    if items_path.exists():
        for _, row in csv_rows(items_path, ("item_id",)):
            feats: dict[str, float] = {}
            for column in ("Difficulty", "Job", "Software", "Theme", "type"):
                for value in _list_field(row.get(column, "")):
                    feats[f"{column.lower()}={value.lower()}"] = 1.0
            bucket = _duration_bucket(row.get("duration", ""))
            if bucket:
                feats[f"duration={bucket}"] = 1.0
            if feats:
                item_features[row["item_id"]] = feats
    return build_data(
        "mars", triples, has_time=True, user_features=user_features, item_features=item_features
    )


def load_crossvalidated(folder: Path) -> InteractionData:
    """CrossValidated answers (LightFM paper data): users x questions, time = answer time, tag features."""
    with np.load(_require(folder / "data.npz"), allow_pickle=False) as npz:
        row, col, when = npz["interactions_row"], npz["interactions_col"], npz["interactions_data"]
        f_row, f_col = npz["features_row"], npz["features_col"]
        f_data, labels = npz["features_data"], npz["labels"]
    triples = [
        (f"u{u}", f"q{q}", float(t), 1.0)
        for u, q, t in zip(row.tolist(), col.tolist(), when.tolist(), strict=True)
    ]
    item_features: dict[str, dict[str, float]] = defaultdict(dict)
    for q, f, v in zip(f_row.tolist(), f_col.tolist(), f_data.tolist(), strict=True):
        item_features[f"q{q}"][f"tag={labels[f]}"] = float(v)
    return build_data("crossvalidated", triples, has_time=True, item_features=dict(item_features))


def load_shipped(name: str, data_dir: Path | None = None) -> InteractionData:
    """Load one shipped data set by name (``mooccubex``, ``mars`` or ``crossvalidated``)."""
    folder = (data_dir or DEFAULT_DATA_DIR) / name
    loaders = {"mooccubex": load_mooccubex, "mars": load_mars, "crossvalidated": load_crossvalidated}
    if name not in loaders:
        raise UpskillError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    return loaders[name](folder)
