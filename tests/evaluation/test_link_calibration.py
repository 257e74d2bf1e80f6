"""The link calibration's fitting pieces on links whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from evaluation.link_calibration import Links, cross_validate, fit, folds_of, kept, predict, reliability
from recommender.tagging import LinkEvidence


def synthetic(n_courses: int = 40, seed: int = 0) -> Links:
    """Ten links a course; a link is right with probability 1 / (1 + exp(-(4 cosine - 1.5 log(1 + rank))))."""
    rng = np.random.default_rng(seed)
    evidence, right, course = [], [], []
    for c in range(n_courses):
        for rank in range(10):
            cosine = float(rng.uniform(0, 0.8))
            share = float(rng.uniform(0.1, 1))
            p = 1 / (1 + np.exp(-(4 * cosine - 1.5 * np.log1p(rank))))
            evidence.append(LinkEvidence(f"s{rank}", share / 5, share, cosine, rank))
            right.append(bool(rng.random() < p))
            course.append(c)
    return Links(evidence, np.asarray(right), np.asarray(course, dtype=np.int64))


def test_a_fit_recovers_the_signs_and_ranks_links_by_their_true_odds() -> None:
    links = synthetic()
    calibration = fit(links, ("cosine", "log_rank"))
    assert calibration is not None
    cosine, rank = calibration.coefficients
    assert cosine > 0 > rank
    p = predict(calibration, links.evidence)
    assert p.min() > 0 and p.max() < 1
    assert links.right[p >= 0.5].mean() > links.right[p < 0.5].mean()
    assert fit(links, ("cosine", "log_rank")) == calibration  # deterministic


def test_a_fit_with_a_wrong_sign_is_not_shippable() -> None:
    links = synthetic()
    flipped = Links(
        [LinkEvidence(e.uri, e.score, e.share, -e.cosine, e.rank) for e in links.evidence],
        links.right,
        links.course,
    )
    assert fit(flipped, ("cosine",)) is None  # more cosine would lower the probability


def test_folds_are_seeded_balanced_and_keep_a_course_whole() -> None:
    fold = folds_of(23, 0)
    assert (fold == folds_of(23, 0)).all() and not (fold == folds_of(23, 1)).all()
    assert sorted(np.bincount(fold).tolist()) == [4, 4, 5, 5, 5]
    table, out_of_fold = cross_validate(synthetic(20), 20)
    assert set(table) == set(out_of_fold) and all(len(p) == 200 for p in out_of_fold.values())
    assert table["share + cosine + rank"]["log_loss"] < table["score"]["log_loss"]


def test_kept_and_reliability_count_by_hand() -> None:
    p = np.asarray([0.05, 0.15, 0.25, 0.55, 0.95])
    y = np.asarray([False, False, True, True, True])
    (at_02,) = kept(p, y, (0.2,))
    assert at_02 == {"threshold": 0.2, "links_kept": 3, "precision": 1.0, "right_links_kept": 1.0}
    (at_06,) = kept(p, y, (0.6,))
    assert at_06["links_kept"] == 1 and at_06["right_links_kept"] == pytest.approx(1 / 3, abs=1e-3)
    rows = reliability(p, y)
    assert [r["links"] for r in rows] == [1, 1, 1, 1, 1]
    assert rows[-1] == {"predicted": "[0.9, 1.0)", "links": 1, "mean_predicted": 0.95, "right": 1.0}
