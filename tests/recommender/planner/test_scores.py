"""A model's scores read by course id from its array (``ScoreVector``): the floats a dict of them holds, and
the ends of the available courses' scores from positions found once per tuple of ids."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.planner.scores import POSITIONS_KEPT, ScoreIndex, ScoreVector

IDS = ["c-3", "c-1", "c-2", "c-9"]
VALUES = np.array([0.25, -1.5, 2.0000002, 0.1], dtype=np.float32)


def test_read_by_id_as_the_dict_of_the_array() -> None:
    scores = ScoreVector(VALUES, ScoreIndex(IDS))
    plain = dict(zip(IDS, VALUES.tolist(), strict=True))
    assert dict(scores) == plain and list(scores) == IDS and len(scores) == 4
    assert "c-1" in scores and "c-7" not in scores and scores.get("c-7", 0.5) == 0.5
    with pytest.raises(KeyError):
        scores["c-7"]


def test_the_ends_over_the_ids_that_have_a_score() -> None:
    scores = ScoreVector(VALUES, ScoreIndex(IDS))
    assert scores.extent(("c-1", "c-2", "gone")) == (float(VALUES[1]), float(VALUES[2]))
    assert scores.extent(("c-9",)) == (float(VALUES[3]), float(VALUES[3]))
    assert scores.extent(("gone",)) is None and scores.extent(()) is None


def test_positions_are_kept_by_the_tuple_itself() -> None:
    index = ScoreIndex(IDS)
    ids = ("c-2", "x", "c-3")
    first = index.positions(ids)
    assert first.tolist() == [2, 0] and index.positions(ids) is first
    assert index.positions(tuple(list(ids))) is not first  # an equal tuple: its own, equal positions
    assert index.positions(tuple(list(ids))).tolist() == [2, 0]
    for n in range(POSITIONS_KEPT + 1):
        index.positions((f"c-{n}",))
    assert index.positions(ids) is not first  # the oldest went


def test_the_array_must_fit_the_ids() -> None:
    with pytest.raises(ValueError, match="expected 4 scores"):
        ScoreVector(VALUES[:3], ScoreIndex(IDS))
    with pytest.raises(ValueError, match="distinct"):
        ScoreIndex(["a", "a"])
