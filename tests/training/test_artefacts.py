"""Artefacts: round trip without pickle, newest valid version wins, corrupt ones are refused clearly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from recommender.settings import Settings
from tests.evaluation.synthetic import two_communities
from training.artefacts import ArtefactError, load, load_latest, save
from training.fit import fit_blended


@pytest.fixture(scope="module")
def fitted():
    data = two_communities()
    settings = Settings(model_components=8, model_max_epochs=3, model_patience=2)
    recommender, report = fit_blended(data, np.ones(data.user.size, bool), "leave-last-out", settings)
    return data, recommender, report, settings


def test_round_trip_gives_the_same_scores(fitted, tmp_path: Path) -> None:
    data, recommender, report, settings = fitted
    path = save(recommender, data, report, tmp_path, settings)
    meta = json.loads(path.read_text())
    assert {"data_hash", "parameters", "metrics", "versions", "created_at", "blend_weights"} <= set(meta)
    assert meta["versions"]["lightfm-next"] and meta["n_users"] == data.n_users
    loaded = load(path)
    users = np.arange(data.n_users)
    np.testing.assert_allclose(
        loaded.recommender.score(users), recommender.score(users), rtol=1e-6, atol=1e-6
    )
    user = data.users.id(0)
    expected = [data.items.id(int(i)) for i in recommender.recommend(0, 5)]
    assert loaded.recommend(user, 5) == expected
    assert not set(expected) & {data.items.id(int(i)) for i in data.matrix()[0].indices}  # seen ones excluded


def test_newest_valid_wins_and_corrupt_is_skipped(fitted, tmp_path: Path) -> None:
    data, recommender, report, settings = fitted
    older = save(recommender, data, report, tmp_path, settings)
    newer = save(recommender, data, report, tmp_path, settings)
    assert load_latest(tmp_path).path == newer
    npz = newer.with_suffix(".npz")
    npz.write_bytes(npz.read_bytes()[: npz.stat().st_size // 2])  # truncated
    with pytest.raises(ArtefactError, match="checksum"):
        load(newer)
    latest = load_latest(tmp_path)
    assert latest.path == older
    assert len(latest.skipped) == 1 and "checksum" in latest.skipped[0]


def test_unreadable_metadata_and_empty_folder(fitted, tmp_path: Path) -> None:
    data, recommender, report, settings = fitted
    path = save(recommender, data, report, tmp_path, settings)
    path.write_text("{not json")
    with pytest.raises(ArtefactError, match="not valid JSON"):
        load(path)
    with pytest.raises(ArtefactError, match="no usable model artefact.*not valid JSON"):
        load_latest(tmp_path)
    with pytest.raises(ArtefactError, match="upskill train"):
        load_latest(tmp_path / "nothing-here")


def test_unknown_format_version(fitted, tmp_path: Path) -> None:
    data, recommender, report, settings = fitted
    path = save(recommender, data, report, tmp_path, settings)
    meta = json.loads(path.read_text())
    meta["format_version"] = 99
    path.write_text(json.dumps(meta))
    with pytest.raises(ArtefactError, match="format 99"):
        load(path)


def test_unknown_user_is_a_clear_error(fitted, tmp_path: Path) -> None:
    data, recommender, report, settings = fitted
    loaded = load(save(recommender, data, report, tmp_path, settings))
    with pytest.raises(Exception, match="unknown item 'nobody'"):
        loaded.recommend("nobody")
