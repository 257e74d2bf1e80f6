"""Interaction data sets in one in-memory form, and adapters for the shipped real sets.

The generic form on disk is ``interactions.csv`` with optional ``user_features.csv`` and
``item_features.csv`` (:mod:`data.formats.interactions` reads and writes them).

Adapters turn ``../shared/data/interactions/{mooccubex,mars,crossvalidated}`` (see ``SOURCES.md``) into the
same :class:`training.interactions.InteractionData`.
"""

from __future__ import annotations

import ast
import csv
import gzip
from collections import defaultdict
from pathlib import Path

import numpy as np
from pydantic import ConfigDict

from data.formats import interactions as interaction_files
from data.formats.fields import FileModel, Timestamp, validated
from data.formats.reading import csv_rows
from recommender.errors import UpskillError
from recommender.idmap import IdMap
from training.interactions import FeatureTable, InteractionData, build_data

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "interactions"
DATASETS = ("mooccubex", "mars", "crossvalidated")


class DatasetMissing(UpskillError):
    """A shipped data set is not where it was looked for."""


# --- the generic CSV form (data/formats/interactions.py) --------------------------------------------


def load_generic(
    interactions: Path, user_features: Path | None = None, item_features: Path | None = None
) -> InteractionData:
    """Load the generic CSV form; bad rows raise ``ImportFormatError`` with file, line and column."""
    return build_data(
        interactions.stem,
        interaction_files.read_interactions(interactions),
        has_time=True,
        user_features=interaction_files.read_features(user_features) if user_features else None,
        item_features=interaction_files.read_features(item_features) if item_features else None,
    )


def write_generic(data: InteractionData, folder: Path) -> None:
    """Write ``data`` in the generic CSV form (interactions.csv and the feature files it has)."""
    folder.mkdir(parents=True, exist_ok=True)
    interaction_files.write_interactions(
        folder / "interactions.csv",
        (
            (data.users.id(int(u)), data.items.id(int(i)), float(t), float(w))
            for u, i, t, w in zip(data.user, data.item, data.time, data.weight, strict=True)
        ),
    )
    for side, table, ids in (
        ("user", data.user_features, data.users),
        ("item", data.item_features, data.items),
    ):
        if table is not None:
            interaction_files.write_features(folder / f"{side}_features.csv", _feature_dict(table, ids))


def _feature_dict(table: FeatureTable, ids: IdMap) -> dict[str, dict[str, float]]:
    coo = table.matrix.tocoo()
    features: dict[str, dict[str, float]] = defaultdict(dict)
    for r, c, v in zip(coo.row, coo.col, coo.data, strict=True):
        features[ids.id(int(r))][table.names[int(c)]] = float(v)
    return dict(features)


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


class MarsView(FileModel):
    """A row of MARS's ratings files (views and explicit ratings alike): who saw what, when."""

    model_config = ConfigDict(extra="ignore")

    user_id: str
    item_id: str
    created_at: Timestamp


def _mars_user_features(path: Path) -> dict[str, dict[str, float]]:
    """``job=<job>`` per user (``N/A`` skipped); none when the file is absent."""
    features: dict[str, dict[str, float]] = {}
    if path.exists():
        for _, row in csv_rows(path, ("user_id", "job")):
            jobs = _list_field(row["job"])
            if jobs:
                features[row["user_id"]] = {f"job={job.lower()}": 1.0 for job in jobs}
    return features


def _mars_item_features(path: Path) -> dict[str, dict[str, float]]:
    """Difficulty, jobs, software, themes, type and a duration bucket per item; none when absent."""
    features: dict[str, dict[str, float]] = {}
    if not path.exists():
        return features
    for _, row in csv_rows(path, ("item_id",)):
        feats = {
            f"{column.lower()}={value.lower()}": 1.0
            for column in ("Difficulty", "Job", "Software", "Theme", "type")
            for value in _list_field(row.get(column, ""))
        }
        bucket = _duration_bucket(row.get("duration", ""))
        if bucket:
            feats[f"duration={bucket}"] = 1.0
        if feats:
            features[row["item_id"]] = feats
    return features


def load_mars(folder: Path) -> InteractionData:
    """MARS (English): implicit views and explicit ratings together, one interaction per (user, item).

    User features: job (``users_en.csv``, ``N/A`` skipped). Item features: difficulty, jobs, software, themes,
    type and a duration bucket (``items_en.csv``).
    """
    triples: list[tuple[str, str, float, float]] = []
    for name in ("implicit_ratings_en.csv", "explicit_ratings_en.csv"):
        path = _require(folder / name)
        for line, raw in csv_rows(path, ("user_id", "item_id", "created_at")):
            view = validated(MarsView, raw, file=str(path), line=line)
            triples.append((view.user_id, view.item_id, view.created_at, 1.0))
    user_features = _mars_user_features(folder / "users_en.csv")
    item_features = _mars_item_features(folder / "items_en.csv")
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
