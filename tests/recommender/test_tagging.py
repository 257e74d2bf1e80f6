"""Skill tagger and label-match baseline on a hand-made skill set with known answers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from recommender.tagging import (
    MIN_ENGLISH_SHARE,
    LabelMatchBaseline,
    LinkCalibration,
    LinkEvidence,
    SkillTagger,
    SkillText,
    TaggedSkill,
    english_share,
)
from recommender.text.skills import SkillExtractor

SKILLS = [
    SkillText(
        "s:battery", "battery chemistry", ("chemistry of batteries",), "Cells, anodes, cathodes, lithium-ion."
    ),
    SkillText(
        "s:motor", "electric motors", ("electric motor",), "Motors that turn electrical energy into motion."
    ),
    SkillText("s:bread", "bake bread", ("make bread",), "Knead dough and bake loaves in an oven."),
    SkillText(
        "s:python", "Python (computer programming)", ("Python",), "Programming in the Python language."
    ),
    SkillText("s:R", "R", (), "The R language for statistical computing.", "knowledge"),
    SkillText(
        "s:drive", "drive vehicles", (), "Drive cars and vans.", "skill/competence", "occupation-specific"
    ),
]


@pytest.fixture(scope="module")
def tagger() -> SkillTagger:
    return SkillTagger(min_confidence=0.0).fit(SKILLS)


def test_ranks_the_skills_a_text_is_about_first(tagger: SkillTagger) -> None:
    found = tagger.tag(["Electric cars: how the batteries work, their chemistry, and the electric motor."])[0]
    assert {t.uri for t in found[:2]} == {"s:battery", "s:motor"}
    assert "s:bread" not in [t.uri for t in found]


def test_scores_are_unit_interval_and_deterministic(tagger: SkillTagger) -> None:
    texts = ["Bake bread at home", "Python for data analysis", ""]
    scores = tagger.score(texts)
    assert scores.shape == (3, len(SKILLS))
    assert scores.min() >= 0 and scores.max() <= 1
    assert (scores[2] == 0).all()
    assert tagger.tag(texts) == SkillTagger(min_confidence=0.0).fit(SKILLS).tag(texts)


def test_threshold_and_top_k_limit_the_output() -> None:
    text = ["Battery chemistry and electric motors, then baking bread with Python."]
    everything = SkillTagger(min_confidence=0.0).fit(SKILLS).tag(text)[0]
    assert len(everything) >= 3
    assert len(SkillTagger(min_confidence=0.0, top_k=2).fit(SKILLS).tag(text)[0]) == 2
    values = sorted({t.confidence for t in everything}, reverse=True)
    cut = (values[0] + values[1]) / 2
    strict = SkillTagger(min_confidence=cut).fit(SKILLS).tag(text)[0]
    assert strict == [t for t in everything if t.confidence > cut]
    assert 0 < len(strict) < len(everything)


def test_competence_prior_lowers_job_tasks(tagger: SkillTagger) -> None:
    flat = SkillExtractor(description_weight=0.6, competence_prior=1.0, occupation_specific_prior=1.0)
    plain = SkillTagger(min_confidence=0.0, extractor=flat).fit(SKILLS)
    text = ["We drive vehicles and study battery chemistry"]
    drive = SKILLS.index(SKILLS[-1])
    assert tagger.score(text)[0, drive] == pytest.approx(plain.score(text)[0, drive] * 0.8 * 0.7, rel=1e-5)


class TopicEmbedder:
    """A stand-in sentence encoder: a text's vector counts its words of three topics (energy, food,
    software), normalised; ``calls`` records what it was asked."""

    TOPICS = (("battery", "batteries", "motor", "motors", "electric", "cells"), ("bread", "bake", "oven"), ())

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        rows = []
        for text in texts:
            words = text.lower().replace(",", " ").split()
            row = [sum(w in topic for w in words) for topic in self.TOPICS[:2]] + [0.1]
            rows.append(np.asarray(row, dtype=np.float32) / np.linalg.norm(row))
        return np.vstack(rows)


def test_meaning_reorders_the_skills_the_words_found() -> None:
    text = ["Electric motors in an oven: oven heat, oven loaves, oven bread, oven dough."]
    words = SkillTagger(min_confidence=0.0).fit(SKILLS)
    embedder = TopicEmbedder()
    both = SkillTagger(min_confidence=0.0, embedder=embedder, semantic_weight=1.0).fit(SKILLS)
    assert embedder.calls == [[s.preferred_label for s in SKILLS]]  # the labels, once, at fit
    by_words, by_both = words.tag(text)[0], both.tag(text)[0]
    # the same skills with the same confidences (the words' scores); meaning only reorders them
    assert sorted(by_words, key=lambda t: t.uri) == sorted(by_both, key=lambda t: t.uri)
    # the words name the motor best, the text is about baking
    assert [t.uri for t in by_words] == ["s:motor", "s:bread"]
    assert [t.uri for t in by_both] == ["s:bread", "s:motor"]
    assert both.tag(text, by_meaning=False)[0] == by_words
    # a skill none of whose words occur is never a candidate, however close in meaning
    assert "s:drive" not in {t.uri for t in by_both}
    scores = both.score(text)
    blend = both.blend(scores, embedder.encode(text))
    assert (blend[scores == 0] == 0).all() and (blend[scores > 0] > 0).all()
    expected = np.sqrt(scores / scores.max()) + both.label_vectors_ @ embedder.encode(text)[0]
    assert np.allclose(blend[scores > 0], expected[scores > 0], atol=1e-6)
    with pytest.raises(ValueError, match="needs an embedder"):
        words.blend(scores, embedder.encode(text))


def test_fit_needs_skills() -> None:
    with pytest.raises(ValueError, match="import ESCO first"):
        SkillTagger().fit([])


def test_baseline_matches_whole_labels_only() -> None:
    baseline = LabelMatchBaseline().fit(SKILLS)
    found = baseline.tag(["Learn to make bread; Python basics", "breadth of pythonic ideas"])
    assert [t.uri for t in found[0]] == ["s:bread", "s:python"] or [t.uri for t in found[0]] == [
        "s:python",
        "s:bread",
    ]
    assert found[1] == []


def test_texts_in_another_language_are_flagged_not_silently_tagged(tagger: SkillTagger) -> None:
    english = (
        "In this course you will learn how the batteries of electric cars work, what their chemistry is, "
        "and how the electric motor turns the energy stored in them into motion on the road."
    )
    spanish = (
        "En este curso aprenderás cómo funcionan las baterías de los coches eléctricos, cuál es su química "
        "y cómo el motor eléctrico convierte la energía almacenada en movimiento en la carretera."
    )
    assert english_share(english) > 0.3
    assert english_share(spanish) < MIN_ENGLISH_SHARE
    assert english_share("Batería") == 1.0  # too short to judge: tagged as usual
    reasons = tagger.unreadable([english, spanish])
    assert reasons[0] is None
    assert reasons[1] is not None and "not in English" in reasons[1]


# --- the re-ranker's candidate features -------------------------------------------------------------------

FAMILY = [
    SkillText(
        "s:cells", "battery cells", (), "Cells of a battery.", "knowledge", "cross-sector", 3, ("g:energy",)
    ),
    SkillText(
        "s:grid", "smart grids", (), "Electricity grids.", "knowledge", "sector-specific", 1, ("g:energy",)
    ),
    SkillText("s:dough", "knead dough", (), "Knead dough by hand.", "skill/competence", None, 0, ("g:food",)),
]


def test_candidate_features_follow_the_score_and_read_the_title() -> None:
    from recommender.tagging import RERANK_FEATURES, CandidateFeatures

    extractor = SkillExtractor().fit(FAMILY)
    features = CandidateFeatures(extractor, FAMILY, candidates=3, frequency={"s:grid": 0.5})
    text = "Battery cells\nHow battery cells store energy for smart grids; and a word on how to knead dough."
    (found,) = features.candidates_of([text])
    column = {name: i for i, name in enumerate(RERANK_FEATURES)}
    assert found.features.shape == (3, len(RERANK_FEATURES))
    scores = found.features[:, column["score"]]
    assert list(scores) == sorted(scores, reverse=True)
    by_uri = {extractor.uris_[j]: row for j, row in zip(found.indices, found.features, strict=True)}
    assert by_uri["s:cells"][column["title_coverage"]] == 1.0  # "Battery cells" is the title
    assert by_uri["s:dough"][column["title_coverage"]] == 0.0
    assert by_uri["s:grid"][column["catalogue_frequency"]] == 0.5
    assert by_uri["s:cells"][column["catalogue_frequency"]] == 0.0
    # the two energy skills agree with each other in ESCO's hierarchy; dough has no relative among them
    assert by_uri["s:cells"][column["hierarchy_agreement"]] > 0
    assert by_uri["s:dough"][column["hierarchy_agreement"]] == 0.0
    assert by_uri["s:cells"][column["knowledge"]] == 1.0 and by_uri["s:dough"][column["knowledge"]] == 0.0
    assert features.frequencies([text, "Knead dough"]) == {"s:cells": 0.5, "s:grid": 0.5, "s:dough": 1.0}


def test_candidate_features_refuse_skills_the_extractor_was_not_fitted_on() -> None:
    from recommender.tagging import CandidateFeatures

    extractor = SkillExtractor().fit(FAMILY)
    with pytest.raises(ValueError, match="fitted on"):
        CandidateFeatures(extractor, FAMILY[::-1], candidates=2)


def test_second_sources_add_what_one_line_or_a_tag_names() -> None:
    from recommender.tagging import RERANK_FEATURES, CandidateFeatures, segments

    extractor = SkillExtractor().fit(SKILLS)
    column = {name: i for i, name in enumerate(RERANK_FEATURES)}
    text = (
        "Battery chemistry\nBattery chemistry: cells, anodes, cathodes and the chemistry of batteries, "
        "battery chemistry again. Lithium-ion cells.\nA last week on electric motors."
    )
    assert segments("One. Two!\n\nThree 3\n...") == ["One.", "Two!", "Three 3"]
    first = CandidateFeatures(extractor, SKILLS, candidates=1)
    (alone,) = first.candidates_of([text])
    assert [extractor.uris_[j] for j in alone.indices] == ["s:battery"]
    both = CandidateFeatures(extractor, SKILLS, candidates=1, segment_candidates=2, hint_min_score=0.2)
    (merged,) = both.candidates_of([text], [["Python"]])
    by_uri = {extractor.uris_[j]: row for j, row in zip(merged.indices, merged.features, strict=True)}
    # the motors line names its skill alone; the tag "Python" names Python; the whole text's best stays first
    assert list(by_uri) == ["s:battery", "s:motor", "s:python"]
    assert by_uri["s:battery"][column["full_text_candidate"]] == 1.0
    assert by_uri["s:motor"][column["full_text_candidate"]] == 0.0
    assert by_uri["s:motor"][column["segment_score"]] > by_uri["s:motor"][column["score"]]
    assert by_uri["s:battery"][column["segment_mentions"]] > by_uri["s:motor"][column["segment_mentions"]]
    assert by_uri["s:python"][column["hint_score"]] >= 0.2 and by_uri["s:motor"][column["hint_score"]] == 0
    assert all(row[column["tagged_course"]] == 1.0 for row in merged.features)
    (untagged,) = both.candidates_of([text], [[]])
    assert "s:python" not in {extractor.uris_[j] for j in untagged.indices}
    assert not untagged.features[:, column["tagged_course"]].any()
    with pytest.raises(ValueError, match="one sequence of tags per text"):
        both.candidates_of([text], [])


def test_the_tagger_reads_course_texts_with_whole_names() -> None:
    """Every course text says "learn": the tagger does not take it for "deep learning"."""
    skills = [*SKILLS, SkillText("s:deep", "deep learning", (), "Neural networks with many layers.")]
    tagger = SkillTagger(min_confidence=0.0).fit(skills)
    assert tagger.extractor_.whole_names
    found = tagger.tag(["Learn to bake bread in this course.", "Deep learning in Python"])
    assert "s:deep" not in [t.uri for t in found[0]] and found[0][0].uri == "s:bread"
    assert "s:deep" in [t.uri for t in found[1]]


# --- the link calibration ---------------------------------------------------------------------------------

CALIBRATION = LinkCalibration(("sqrt_share", "cosine", "log_rank"), (1.0, 2.7, -1.2), -1.1)


def evidence(score: float = 0.1, share: float = 1.0, cosine: float = 0.3, rank: int = 0) -> LinkEvidence:
    return LinkEvidence("s:x", score, share, cosine, rank)


def test_the_calibration_is_a_bounded_monotone_logistic_map() -> None:
    p = CALIBRATION.probability
    z = -1.1 + 1.0 * 0.5 + 2.7 * 0.2 - 1.2 * np.log1p(3)
    assert p(evidence(share=0.25, cosine=0.2, rank=3)) == pytest.approx(1 / (1 + np.exp(-z)))  # by hand
    grid = np.linspace(0, 1, 11)
    by_share = [p(evidence(share=s)) for s in grid]
    by_cosine = [p(evidence(cosine=c)) for c in np.linspace(-1, 1, 11)]
    by_rank = [p(evidence(rank=r)) for r in range(10)]
    assert by_share == sorted(by_share) and by_cosine == sorted(by_cosine)
    assert by_rank == sorted(by_rank, reverse=True) and by_rank[0] > by_rank[-1]
    extremes = [p(evidence(share=0, cosine=-1, rank=10**9)), p(evidence(share=1, cosine=50, rank=0))]
    assert all(0 < value < 1 for value in [*by_share, *by_cosine, *by_rank, *extremes])
    assert p(evidence(share=0.3)) == p(evidence(share=0.3))  # deterministic


def test_a_calibration_that_would_not_be_monotone_is_refused() -> None:
    with pytest.raises(ValueError, match="coefficient of log_rank is 0.5: the map would not be monotone"):
        LinkCalibration(("log_rank",), (0.5,), 0.0)
    with pytest.raises(ValueError, match="coefficient of cosine"):
        LinkCalibration(("cosine",), (-0.1,), 0.0)
    with pytest.raises(ValueError, match="unknown features"):
        LinkCalibration(("popularity",), (1.0,), 0.0)
    with pytest.raises(ValueError, match="one coefficient per feature"):
        LinkCalibration(("cosine", "log_rank"), (1.0,), 0.0)


def test_a_calibrated_tagger_keeps_its_order_and_gives_each_link_its_probability() -> None:
    text = ["Electric motors in an oven: oven heat, oven loaves, oven bread, oven dough, battery cells."]
    plain = SkillTagger(min_confidence=0.0, embedder=TopicEmbedder()).fit(SKILLS)
    calibrated = SkillTagger(min_confidence=0.0, embedder=TopicEmbedder(), calibration=CALIBRATION).fit(
        SKILLS
    )
    links = plain.links(text)[0]
    assert [e.rank for e in links] == list(range(len(links))) and len(links) >= 2
    assert [t.uri for t in plain.tag(text)[0]] == [e.uri for e in links]
    assert plain.tag(text)[0] == [TaggedSkill(e.uri, round(e.score, 4)) for e in links]  # uncalibrated: score
    assert max(e.share for e in links) == 1.0 and all(0 < e.share <= 1 for e in links)
    assert links[0].uri == "s:bread" and links[0].share < 1  # meaning ranks it first, the words do not
    tagged = calibrated.tag(text)[0]
    assert [t.uri for t in tagged] == [e.uri for e in links]  # the order is the tagger's, calibrated or not
    assert [t.confidence for t in tagged] == [round(CALIBRATION.probability(e), 4) for e in links]
    # a text of its own kind (a course known by its title alone) takes its own map, the others the tagger's
    doubtful = LinkCalibration(CALIBRATION.features, CALIBRATION.coefficients, CALIBRATION.intercept - 2.0)
    both = calibrated.tag([*text, *text], calibrations=[doubtful, None])
    assert both[1] == tagged and [t.uri for t in both[0]] == [t.uri for t in tagged]
    assert [t.confidence for t in both[0]] == [round(doubtful.probability(e), 4) for e in links]
    assert all(a.confidence < b.confidence for a, b in zip(both[0], tagged, strict=True))
    with pytest.raises(ValueError, match="one calibration"):
        calibrated.tag([*text, *text], calibrations=[doubtful])
