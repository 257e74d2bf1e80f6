"""Tagging metrics (hand-computed answers) and the committed gold set."""

from __future__ import annotations

import pytest

from data import skill_texts
from evaluation.tagging import GOLD, GoldCourse, load_gold, precision_at_k, recall_at_k, score


def test_precision_and_recall_by_hand() -> None:
    relevant = {"a", "b", "c"}
    predicted = ["a", "x", "b", "y", "z", "c"]
    assert precision_at_k(predicted, relevant, 5) == pytest.approx(2 / 5)
    assert recall_at_k(predicted, relevant, 10) == pytest.approx(1.0)
    assert recall_at_k(predicted, relevant, 2) == pytest.approx(1 / 3)
    assert precision_at_k(["a"], relevant, 5) == pytest.approx(1 / 5)  # fewer than k still divides by k
    assert recall_at_k(predicted, set(), 10) == 0.0
    with pytest.raises(ValueError):
        precision_at_k(predicted, relevant, 0)


def test_score_averages_over_courses_and_domains() -> None:
    gold = [
        GoldCourse("c1", "one", "automotive-engineering", frozenset({"a", "b"})),
        GoldCourse("c2", "two", "other", frozenset({"z"})),
    ]
    result = score([["a", "b", "x", "y", "w"], ["q"]], gold)
    assert result["precision_at_5"] == pytest.approx((2 / 5 + 0) / 2)
    assert result["recall_at_10"] == pytest.approx(0.5)
    assert result["precision_at_5_automotive-engineering"] == pytest.approx(0.4)
    assert result["recall_at_10_other"] == 0.0


def test_gold_set_is_big_enough_and_names_real_esco_skills() -> None:
    gold = load_gold(GOLD)
    assert len(gold) >= 60
    assert {g.split for g in gold} == {"dev", "test"}
    assert sum(g.split == "test" for g in gold) >= 30
    assert sum(g.domain == "automotive-engineering" for g in gold) >= 20
    assert len({g.course_id for g in gold}) == len(gold)
    known = {s.uri for s in skill_texts.from_release()}
    for course in gold:
        assert course.course_id.startswith(("edx-", "coursera-"))
        assert len(course.skills) >= 3, course.title
        assert course.skills <= known, course.title


def test_the_sampled_courses_follow_the_fixed_rule() -> None:
    """The gold set's courses after the first 67 are the sample's first 111 less the 7 skipped, in its
    order, each in the split its position gives (evaluation/tagging_gold_sample.py)."""
    from evaluation import tagging_gold_sample as sample

    gold = load_gold(GOLD)[sample.BEFORE_SAMPLE :]
    taken = [cid for cid, _title in sample.ordered()[: len(gold) + len(sample.SKIPPED)]]
    assert [cid for cid in taken if cid not in sample.SKIPPED] == [g.course_id for g in gold]
    assert set(sample.SKIPPED) <= set(taken)
    assert [g.split for g in gold] == [sample.split_of(k) for k in range(len(gold))]
    assert sum(g.split == "test" for g in gold) == 34
    assert sample.split_of(0) == "dev" and sample.split_of(2) == "test" and sample.split_of(5) == "test"
