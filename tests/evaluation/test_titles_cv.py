"""The title matcher's cross-validation: grouped, seeded folds; each title scored by a matcher that never saw
it; the rule that chooses the resolve threshold."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from evaluation.titles import (
    LabelledTitle,
    choose_threshold,
    fit_title_weights,
    grouped_folds,
    out_of_fold,
    read_reference,
    reference_digest,
    score_titles,
    training_folds,
)
from recommender.text.titles import (
    FEATURES,
    OccupationText,
    TitleMatcher,
    TitleWeights,
    default_weights,
    normalise,
)
from tests.conftest import shared_data

OCCUPATIONS = [
    OccupationText("o:battery", "battery assembler", (("battery assembler", "en"), ("cell assembler", "en"))),
    OccupationText("o:engine", "motor vehicle engine assembler", (("motor vehicle engine assembler", "en"),)),
    OccupationText("o:electrician", "automotive electrician", (("automotive electrician", "en"),)),
    OccupationText("o:cook", "cook", (("cook", "en"), ("chef", "en"))),
]
TEXT_ONLY = TitleWeights(
    tuple(4.0 if i < FEATURES.index("labels_log") else 0.0 for i in range(len(FEATURES)))
)


def _reference() -> list[LabelledTitle]:
    """60 titles, some repeated up to case and punctuation, over the four occupations."""
    stems = {
        "o:battery": ["battery assembler", "cell assembler", "battery cell assembly operator"],
        "o:engine": ["engine assembler", "motor assembler", "vehicle engine fitter"],
        "o:electrician": ["car electrician", "automotive electrician", "vehicle electrician"],
        "o:cook": ["chef", "cook", "kitchen cook"],
    }
    rows: list[LabelledTitle] = []
    for uri, titles in stems.items():
        for i in range(15):
            title = f"{titles[i % 3]} {i // 3}" if i % 5 else titles[i % 3].upper() + "!"
            rows.append(LabelledTitle(len(rows) + 2, title, uri))
    return rows


def test_folds_are_seeded_balanced_and_keep_copies_of_a_title_together() -> None:
    titles = [r.title for r in _reference()]
    folds = grouped_folds(titles, folds=4, seed=7)
    assert folds.tolist() == grouped_folds(titles, folds=4, seed=7).tolist()  # the seed decides
    assert folds.tolist() != grouped_folds(titles, folds=4, seed=8).tolist()
    assert set(folds.tolist()) == {0, 1, 2, 3}
    fold_of: dict[str, int] = {}
    for title, fold in zip(titles, folds.tolist(), strict=True):
        assert fold_of.setdefault(normalise(title), fold) == fold  # "COOK!" and "cook" share a fold
    distinct_per_fold = np.bincount(list(fold_of.values()), minlength=4)
    assert distinct_per_fold.max() - distinct_per_fold.min() <= 1
    with pytest.raises(ValueError, match="at least 2 folds"):
        grouped_folds(titles, folds=1)
    with pytest.raises(ValueError, match="2 distinct titles cannot fill 3 folds"):
        grouped_folds(["Cook", "cook!", "Chef"], folds=3)


def test_training_folds_leave_out_the_fold_scored_and_nest() -> None:
    assert training_folds(0, 4) == [1, 2, 3]
    assert training_folds(2, 4, used=1) == [3]
    for test_fold in range(4):
        shares = [set(training_folds(test_fold, 4, used)) for used in (1, 2, 3)]
        assert shares[0] < shares[1] < shares[2] and test_fold not in shares[2]
    with pytest.raises(ValueError, match="1 to 3 of 4"):
        training_folds(0, 4, used=4)


def test_every_title_is_scored_by_a_matcher_fitted_without_it() -> None:
    reference = _reference()
    matcher = TitleMatcher(OCCUPATIONS, TEXT_ONLY)
    folds = grouped_folds([r.title for r in reference], folds=3, seed=1)
    seen: list[set[str]] = []

    def spy_fit(m: TitleMatcher, rows: Sequence[LabelledTitle]) -> TitleWeights:
        seen.append({normalise(r.title) for r in rows})
        scale = float(len(seen))  # weights of each fold's own, to tell whose scores a title got
        return TitleWeights(tuple(scale * w for w in TEXT_ONLY.weights))

    scored = out_of_fold(matcher, reference, folds, fit=spy_fit)
    assert len(seen) == 3
    position = {uri: i for i, uri in enumerate(matcher.uris)}
    for fold, training in enumerate(seen):
        held = [r for r, f in zip(reference, folds.tolist(), strict=True) if f == fold]
        assert training.isdisjoint(normalise(r.title) for r in held)
        assert len(training) + len({normalise(r.title) for r in held}) == len(
            {normalise(r.title) for r in reference}
        )
        own = matcher.with_weights(TitleWeights(tuple((fold + 1.0) * w for w in TEXT_ONLY.weights)))
        expected = score_titles(own.log_probabilities, held, position)
        rows = folds == fold
        np.testing.assert_array_equal(scored.ranks[rows], expected.ranks)
        np.testing.assert_allclose(scored.confidence[rows], expected.confidence)


def test_the_fit_learns_from_its_titles_and_names_them() -> None:
    """The real fit on a tiny file: every stage runs, the weights favour the text, and the provenance
    carries the digest of the titles fitted on (how the report tells in-sample from not)."""
    reference = _reference()
    matcher = TitleMatcher(OCCUPATIONS, TEXT_ONLY)
    small_trees = {"min_samples_leaf": 5, "max_iter": 20}  # the shipped leaf of 100 is more than 60 titles
    with threadpool_limits(1):  # OpenMP threads waiting on a busy machine take seconds, not the work
        weights = fit_title_weights(
            matcher, reference, fitted_on="the test's titles", shortlist=4, trees=small_trees
        )
    assert weights.provenance["reference_sha256"] == reference_digest(reference)
    assert weights.provenance["titles"] == len(reference) and weights.trees is not None
    fitted = matcher.with_weights(weights)
    titles = ("car electrician 9", "head chef", "battery assembler 2")
    assert [fitted.match(t, k=1)[0].uri for t in titles] == ["o:electrician", "o:cook", "o:battery"]
    assert reference_digest(reference[:-1]) != reference_digest(reference)


def test_the_threshold_rule_takes_the_lowest_value_precise_from_there_up() -> None:
    # 200 titles at 0.95 all right, 100 at 0.80 with 60 right, 100 at 0.5 all wrong
    confidence = np.r_[np.full(200, 0.95), np.full(100, 0.80), np.full(100, 0.5)]
    correct = np.r_[np.ones(200, bool), np.arange(100) < 60, np.zeros(100, bool)]
    # from 0.81 up: 200 of 200 right; at 0.80: 260 of 300 (0.867) -> 0.81
    assert choose_threshold(confidence, correct, precision=0.9) == 0.81
    # at 0.80 it is precise enough for 0.85, not below it at 0.5 (260 of 400)
    assert choose_threshold(confidence, correct, precision=0.85) == 0.51
    # a precise stretch below an imprecise one does not count: the rule stops at the first failure
    confidence2 = np.r_[np.full(100, 0.9), np.full(100, 0.7), np.full(1000, 0.3)]
    correct2 = np.r_[np.zeros(100, bool), np.ones(100, bool), np.ones(1000, bool)]
    assert choose_threshold(confidence2, correct2, precision=0.9) == 1.0
    # too few titles above a value: passed over; nothing qualifies: 1.0
    assert choose_threshold(np.full(50, 0.99), np.ones(50, bool), min_titles=100) == 1.0
    assert choose_threshold(np.full(150, 0.99), np.ones(150, bool), min_titles=100) == 0.01


def test_folds_of_the_validation_file_share_no_title() -> None:
    reference = read_reference(shared_data("text", "job_titles_validation.csv"))
    titles = [r.title for r in reference]
    folds = grouped_folds(titles)
    fold_of: dict[str, int] = {}
    for title, fold in zip(titles, folds.tolist(), strict=True):
        assert fold_of.setdefault(normalise(title), fold) == fold
    sizes = np.bincount(folds)
    assert len(sizes) == 4 and sizes.min() > 0.2 * len(titles)


def test_the_shipped_matcher_was_fitted_on_the_whole_validation_file() -> None:
    reference = read_reference(shared_data("text", "job_titles_validation.csv"))
    weights = default_weights()
    assert weights.provenance["reference_sha256"] == reference_digest(reference)
    # titles whose occupation the ESCO release lacks are left out of the fit (1 of 15,463)
    assert 0.99 * len(reference) <= weights.provenance["titles"] <= len(reference)
