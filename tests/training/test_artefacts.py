"""Artefacts: round trip without pickle, newest valid version wins, corrupt ones are refused clearly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.evaluation.synthetic import two_communities
from training.artefacts import ArtefactError, load, load_latest, save
from training.fit import fit_blended
from training.params import ModelParams


@pytest.fixture(scope="module")
def fitted():
    data = two_communities()
    params = ModelParams(components=8, max_epochs=3, patience=2)
    recommender, report = fit_blended(data, np.ones(data.user.size, bool), "leave-last-out", params)
    return data, recommender, report, params


def test_round_trip_gives_the_same_scores(fitted, tmp_path: Path) -> None:
    data, recommender, report, params = fitted
    path = save(recommender, data, report, tmp_path, params)
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


def test_loading_and_scoring_import_no_scikit_learn(fitted, tmp_path: Path) -> None:
    """Serving a model needs numpy and scipy.sparse only: importing scikit-learn (and scipy.stats with it)
    would cost a command line about half a second."""
    data, recommender, report, params = fitted
    save(recommender, data, report, tmp_path, params)
    code = f"""
import sys
from pathlib import Path
from training.artefacts import load_latest
model = load_latest(Path({str(tmp_path)!r}))
model.recommend({data.users.id(0)!r}, 3)
features = dict.fromkeys(model.user_feature_names[:2], 1.0)
model.score_vector(features)
model.recommend_new(features, history=[{data.items.id(1)!r}], k=3)
model.scores_new(features, history=[{data.items.id(1)!r}])
loaded = sorted(name for name in sys.modules if name.startswith(("sklearn", "scipy.stats", "training.fit")))
assert not loaded, loaded
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_newest_valid_wins_and_corrupt_is_skipped(fitted, tmp_path: Path) -> None:
    data, recommender, report, params = fitted
    older = save(recommender, data, report, tmp_path, params)
    newer = save(recommender, data, report, tmp_path, params)
    assert load_latest(tmp_path).path == newer
    npz = newer.with_suffix(".npz")
    npz.write_bytes(npz.read_bytes()[: npz.stat().st_size // 2])  # truncated
    with pytest.raises(ArtefactError, match="checksum"):
        load(newer)
    latest = load_latest(tmp_path)
    assert latest.path == older
    assert len(latest.skipped) == 1 and "checksum" in latest.skipped[0]


def test_unreadable_metadata_and_empty_folder(fitted, tmp_path: Path) -> None:
    data, recommender, report, params = fitted
    path = save(recommender, data, report, tmp_path, params)
    path.write_text("{not json")
    with pytest.raises(ArtefactError, match="not valid JSON"):
        load(path)
    with pytest.raises(ArtefactError, match="no usable model artefact.*not valid JSON"):
        load_latest(tmp_path)
    with pytest.raises(ArtefactError, match="upskill train"):
        load_latest(tmp_path / "nothing-here")


def test_unknown_format_version(fitted, tmp_path: Path) -> None:
    data, recommender, report, params = fitted
    path = save(recommender, data, report, tmp_path, params)
    meta = json.loads(path.read_text())
    meta["format_version"] = 99
    path.write_text(json.dumps(meta))
    with pytest.raises(ArtefactError, match="format 99"):
        load(path)


def test_unknown_user_is_a_clear_error(fitted, tmp_path: Path) -> None:
    data, recommender, report, params = fitted
    loaded = load(save(recommender, data, report, tmp_path, params))
    with pytest.raises(Exception, match="unknown item 'nobody'"):
        loaded.recommend("nobody")


@pytest.mark.parametrize("configuration", ["identity+metadata", "identity"])
def test_new_user_from_features_and_history(tmp_path: Path, configuration: str) -> None:
    from recommender.scoring import Blend, BlendedRecommender
    from training.fit import FEATURE_CONFIGURATIONS, fit_signals, last_items, make_ranker

    data = two_communities()
    params = ModelParams(components=8, max_epochs=5)
    everything = np.ones(data.user.size, bool)
    assert data.user_features is not None and data.item_features is not None
    ranker = make_ranker(params, **FEATURE_CONFIGURATIONS[configuration]).fit(
        data.matrix(), user_features=data.user_features.matrix, item_features=data.item_features.matrix
    )
    cooc, trans, pop = fit_signals(data, everything, 10)
    recommender = BlendedRecommender(
        ranker=ranker,
        blend=Blend({"hybrid": 0.5, "cooccurrence": 0.3, "transitions": 0.2}),
        history=data.matrix(),
        last_items=last_items(data, everything),
        cooccurrence=cooc,
        transitions=trans,
        popularity=pop,
    )
    _, report = fit_blended(data, everything, "leave-last-out", params)
    loaded = load(save(recommender, data, report, tmp_path, params))
    assert loaded.user_feature_names == data.user_features.names
    # A newcomer of community 1 who has just taken i25: the next items of that community come first.
    picks = loaded.recommend_new({"group=1": 1.0, "unknown=feature": 1.0}, history=["i25"], k=3)
    assert "i25" not in picks and "i26" in picks
    assert all(int(item[1:]) >= data.n_items // 2 for item in picks)
    # every item's score, for the planner: its unseen top 3 is what recommend_new returned
    scores = loaded.scores_new({"group=1": 1.0, "unknown=feature": 1.0}, history=["i25"])
    assert len(scores) == data.n_items
    unseen = sorted((item for item in scores if item != "i25"), key=lambda item: -scores[item])
    assert set(unseen[:3]) == set(picks)


_SAVE_IN_A_CHILD = """
import numpy as np
from pathlib import Path
from training.params import ModelParams
from tests.evaluation.synthetic import two_communities
from training.artefacts import save
from training.fit import fit_blended

data = two_communities()
params = ModelParams(components=8, max_epochs=3, patience=2)
recommender, report = fit_blended(data, np.ones(data.user.size, bool), "leave-last-out", params)
save(recommender, data, report, Path({folder!r}), params)
"""


@pytest.mark.parametrize(
    ("n", "left"),
    [(1, ".npz.*.tmp"), (3, ".json.*.tmp")],
    ids=["killed writing the arrays", "killed writing the metadata"],
)
def test_a_writer_killed_midway_never_yields_an_artefact(fitted, tmp_path: Path, n: int, left: str) -> None:
    from tests.interrupt import kill_at_fsync

    data, recommender, report, params = fitted
    good = save(recommender, data, report, tmp_path, params)
    # fsync 1: the .npz's temporary file, 2: the folder after its rename, 3: the JSON's temporary file
    kill_at_fsync(_SAVE_IN_A_CHILD.format(folder=str(tmp_path)), n=n)
    assert list(tmp_path.glob(f".hybrid-*{left}"))  # the killed writer's temporary file, never listed
    assert sorted(tmp_path.glob("hybrid-*.json")) == [good]
    latest = load_latest(tmp_path)
    assert latest.path == good and latest.skipped == []


def test_saving_never_overwrites_a_version(fitted, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import training.artefacts as artefacts

    data, recommender, report, params = fitted
    first = save(recommender, data, report, tmp_path, params)
    before = first.read_bytes()

    class Frozen:
        @staticmethod
        def now(tz=None):  # noqa: ANN001, ANN205
            from datetime import datetime

            stamp = first.stem.removeprefix("hybrid-")
            return datetime.strptime(stamp, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=tz)

    monkeypatch.setattr(artefacts, "datetime", Frozen)
    with pytest.raises(ArtefactError, match="exists already"):
        save(recommender, data, report, tmp_path, params)
    assert first.read_bytes() == before


def test_a_new_user_without_history_scores_as_through_the_sparse_matrices(fitted, tmp_path: Path) -> None:
    """``score_vector`` of a worker with no history (a plan's) takes the model's one-user path when the blend
    reads the hybrid model alone: the floats of the sparse path (``_score_new``), to the bit."""
    from dataclasses import replace

    from recommender.scoring import Blend

    data, recommender, report, params = fitted
    hybrid_only = replace(recommender, blend=Blend({"hybrid": 1.0}))
    loaded = load(save(hybrid_only, data, report, tmp_path, params))
    names = loaded.user_feature_names
    assert names and hybrid_only.score_new_user([], []) is not None
    for features in ({}, {names[0]: 1.0, "unknown=feature": 1.0}, dict.fromkeys(names, 0.5)):
        fast = loaded.score_vector(features)
        sparse = np.asarray(loaded._score_new(features, ())[0]).ravel()
        assert fast.shape == (data.n_items,) and np.array_equal(fast.view(np.uint32), sparse.view(np.uint32))
    mixed = replace(recommender, blend=Blend({"hybrid": 0.5, "popularity": 0.5}))
    assert mixed.score_new_user([0], [1.0]) is None  # another signal: the sparse path answers
