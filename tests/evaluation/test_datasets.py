"""The generic CSV form (good and bad input) and the adapters on small real slices."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evaluation.datasets import (
    load_crossvalidated,
    load_generic,
    load_mars,
    load_mooccubex,
    load_shipped,
    write_generic,
)
from recommender.errors import ImportFormatError, UpskillError
from tests.conftest import shared_data
from tests.evaluation.synthetic import two_communities


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_generic_form(tmp_path: Path) -> None:
    interactions = write(
        tmp_path / "interactions.csv",
        "user_id,item_id,timestamp,weight\nw1,c1,2024-01-02T10:00:00,2\nw1,c2,5,\nw2,c1,7,1\nw1,c1,9,1\n",
    )
    users = write(tmp_path / "users.csv", "id,feature,value\nw1,region,DE11\nw2,seniority,0.5\nw2,remote,\n")
    items = write(tmp_path / "items.csv", "id,feature,value\nc1,level,advanced\n")
    data = load_generic(interactions, users, items)
    assert (data.n_users, data.n_items, data.user.size) == (2, 2, 3)  # the repeated (w1, c1) is kept once
    assert data.user_features is not None and data.item_features is not None
    assert set(data.user_features.names) == {"region=DE11", "seniority", "remote"}
    row = data.user_features.matrix[data.users.index("w2")].toarray().ravel()
    assert sorted(row[row > 0].tolist()) == [0.5, 1.0]
    assert data.item_features.names == ["level=advanced"]


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("user_id,item_id,timestamp\nu,i,1\nu,,2\n", 3, "item_id"),
        ("user_id,item_id,timestamp\nu,i,yesterday\n", 2, "timestamp"),
        ("user_id,item_id,timestamp,weight\nu,i,1,-3\n", 2, "weight"),
    ],
)
def test_bad_interactions_name_file_line_column(tmp_path: Path, text: str, line: int, column: str) -> None:
    path = write(tmp_path / "interactions.csv", text)
    with pytest.raises(ImportFormatError) as caught:
        load_generic(path)
    assert (caught.value.file, caught.value.line, caught.value.column) == (str(path), line, column)


def test_missing_columns_and_bad_feature_weight(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match="missing column.*timestamp"):
        load_generic(write(tmp_path / "a.csv", "user_id,item_id\nu,i\n"))
    good = write(tmp_path / "b.csv", "user_id,item_id,timestamp\nu,i,1\n")
    with pytest.raises(ImportFormatError, match="non-negative") as caught:
        load_generic(good, item_features=write(tmp_path / "f.csv", "id,feature,value\ni,x,-1\n"))
    assert caught.value.line == 2


def test_write_then_read_is_the_same_data(tmp_path: Path) -> None:
    data = two_communities(n_users=10, n_items=8, per_user=3)
    write_generic(data, tmp_path)
    again = load_generic(
        tmp_path / "interactions.csv", tmp_path / "user_features.csv", tmp_path / "item_features.csv"
    )
    assert again.users == data.users and again.items == data.items
    assert (again.matrix() != data.matrix()).nnz == 0
    assert again.item_features is not None and data.item_features is not None
    assert sorted(again.item_features.names) == sorted(data.item_features.names)


def test_unknown_shipped_set() -> None:
    with pytest.raises(UpskillError, match="mooccubex"):
        load_shipped("movielens")


def test_mooccubex_slice() -> None:
    folder = shared_data("interactions", "mooccubex")
    data = load_mooccubex(folder, max_users=300)
    assert data.n_users == 300 and not data.has_time
    assert data.split is not None and (data.split == "test").sum() == 300  # one test course per user
    assert data.item_features is not None and data.item_features.matrix.nnz > 0
    assert data.user_features is not None and all(n.startswith("gender=") for n in data.user_features.names)


def test_mars() -> None:
    data = load_mars(shared_data("interactions", "mars"))
    assert data.n_users == 3007  # every explicit-rating user also has views
    assert data.item_features is not None and any(n.startswith("software=") for n in data.item_features.names)
    assert data.user_features is not None and any(n.startswith("job=") for n in data.user_features.names)


def test_crossvalidated() -> None:
    data = load_crossvalidated(shared_data("interactions", "crossvalidated"))
    assert data.n_users <= 9431 and data.n_items <= 72360
    assert data.item_features is not None and all(n.startswith("tag=") for n in data.item_features.names)
    assert np.all(np.diff(np.sort(data.time)) >= 0) and data.time.min() > 1e9  # unix seconds
