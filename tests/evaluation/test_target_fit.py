"""The target-fit screen's figures: a weighted ROC AUC and the cuts of an occupation-cosine floor."""

from __future__ import annotations

import pytest

from evaluation.target_fit import auc, cuts


def test_auc_counts_the_pairs_ordered_right_each_weighted() -> None:
    scores, relevant = [0.1, 0.2, 0.3, 0.4], [False, True, False, True]
    # relevant 0.2 and 0.4 against irrelevant 0.1 and 0.3: 3 of the 4 pairs ordered right
    assert auc(scores, relevant, [1, 1, 1, 1]) == pytest.approx(0.75)
    # 0.2 counted twice: 4 of 6 weighted pairs
    assert auc(scores, relevant, [1, 2, 1, 1]) == pytest.approx(4 / 6)


def test_a_floor_cuts_the_pairs_below_it_and_counts_their_plans() -> None:
    rows = [
        {"occupation cosine": 0.01, "relevant": False, "plans": 5},
        {"occupation cosine": 0.04, "relevant": True, "plans": 3},
        {"occupation cosine": 0.05, "relevant": False, "plans": 2},
        {"occupation cosine": 0.30, "relevant": True, "plans": 6},
    ]
    assert cuts(rows, 0.05) == {
        "floor": 0.05,
        "irrelevant_pairs_cut": 1,
        "relevant_pairs_cut": 1,
        "plans_with_an_irrelevant_course_cut": 5,
        "plans_with_a_relevant_course_cut": 3,
    }
    assert cuts(rows, 0.0)["irrelevant_pairs_cut"] == 0
