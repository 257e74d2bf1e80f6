"""Skill tagger and label-match baseline on a hand-made skill set with known answers."""

from __future__ import annotations

import pytest

from recommender.tagging import LabelMatchBaseline, SkillTagger, SkillText, analyse

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


def test_analyse_folds_plurals_drops_numbers_and_lone_lowercase_letters() -> None:
    assert analyse("Batteries and motors 2") == ["battery", "motor", "battery motor"]
    assert "r" in analyse("Data science in R")
    assert "r" not in analyse("the r-squared value")


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
    plain = SkillTagger(min_confidence=0.0, competence_prior=1.0, occupation_specific_prior=1.0).fit(SKILLS)
    text = ["We drive vehicles and study battery chemistry"]
    drive = SKILLS.index(SKILLS[-1])
    assert tagger.score(text)[0, drive] == pytest.approx(plain.score(text)[0, drive] * 0.8 * 0.7, rel=1e-5)


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
