"""The sentence-model experiment's dev measurement, on made-up arrays where the answer is known (its torch
step is not run here: upskill does not depend on torch)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from evaluation.tagging_mpnet import cosine_alone, gold_among, measure


def test_cosine_alone_ranks_only_the_blends_candidates() -> None:
    scores = np.array([[0.5, 0.005, 0.2]], dtype=np.float32)
    cosine = np.array([[0.1, 0.9, -0.3]], dtype=np.float32)
    ranked = cosine_alone(scores, cosine, floor=0.01)
    assert ranked[0, 1] == 0  # under the floor: not a candidate, however close in meaning
    assert ranked[0, 0] > ranked[0, 2] > 0  # a negative cosine stays a (last) candidate


def test_gold_among_counts_positive_ranks_only() -> None:
    ranked = np.array([[3, 2, 1, 0]], dtype=np.float32)
    assert gold_among(ranked, [frozenset({0, 3})], count=4) == pytest.approx(0.5)
    assert gold_among(ranked, [frozenset({0, 1})], count=1) == pytest.approx(0.5)


def test_measure_credits_the_model_whose_cosine_finds_the_gold(tmp_path: Path) -> None:
    courses, skills = 10, 12
    gold = [0, 1, 2, 3, 4]
    scores = np.full((courses, skills), 0.5, dtype=np.float32)
    scores[:, 11] = 0.0  # never a candidate
    shipped = np.zeros((courses, skills), dtype=np.float32)
    shipped[:, 5:10] = 0.9  # the shipped cosine prefers five wrong skills
    # the other model: every text vector e0; the gold labels and skill 11 e0 (cosine 1), the rest e1 (0)
    other_text = np.tile(np.array([1, 0, 0, 0], dtype=np.float32), (courses, 1))
    other_label = np.tile(np.array([0, 1, 0, 0], dtype=np.float32), (skills, 1))
    other_label[[*gold, 11]] = [1, 0, 0, 0]
    # MiniLM's label vectors the identity, so its text vectors are its cosines
    np.savez(
        tmp_path / "dev.npz",
        scores=scores,
        minilm_numpy_text=shipped,
        minilm_numpy_label=np.eye(skills, dtype=np.float32),
    )
    (tmp_path / "dev.json").write_text(json.dumps({"gold": [gold] * courses}), encoding="utf-8")
    np.save(tmp_path / "other_text.npy", other_text)
    np.save(tmp_path / "other_label.npy", other_label)

    report = measure(tmp_path)

    assert report["shipped_precision_at_5"] == 0.0
    other = report["models"]["other"]
    assert other["cross_validated"]["precision_at_5"] == 1.0
    assert other["cross_validated"]["gain"] == 1.0
    assert other["in_sample"]["courses_better"] == courses
    assert other["cosine_alone_precision_at_5"] == 1.0  # skill 11 is as close but not a candidate
    assert other["gold_among_40_at_weight_1"] == 1.0
    assert report["models"]["minilm + other"]["cross_validated"]["gain"] == 1.0
    assert "minilm (torch)" not in report["models"]  # no torch MiniLM vectors in this folder
