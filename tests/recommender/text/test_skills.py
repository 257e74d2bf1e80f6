"""Skill extractor on hand-made skills with known answers: analysis, ranking, priors, evidence spans."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.text.skills import SkillExtractor, SkillText, analyse, narrowed_names, tokens, top_indices

SKILLS = [
    SkillText("s:java", "Java (computer programming)", ("J2EE",), "The Java language for computer programs."),
    SkillText(
        "s:teams",
        "work in teams",
        ("teamwork", "collaborate in teams"),
        "Work with others.",
        "skill/competence",
    ),
    SkillText("s:english", "English", (), "The English language.", "knowledge", "transversal", 500),
    SkillText(
        "s:write-english", "write English", (), "Write in English.", "skill/competence", "transversal", 5
    ),
    SkillText("s:experiments", "perform chemical experiments", (), "Run experiments in a laboratory."),
    SkillText(
        "s:pigs", "handle pigs", (), "Move and care for pigs.", "skill/competence", "occupation-specific"
    ),
]


@pytest.fixture(scope="module")
def extractor() -> SkillExtractor:
    return SkillExtractor().fit(SKILLS)


def test_analysis_folds_inflections_and_drops_requirement_words() -> None:
    assert analyse("batteries") == analyse("battery")
    assert analyse("cooperating") == analyse("cooperate")
    assert analyse("proven experience, strong knowledge, 5 years") == []
    assert analyse("experiments") != []  # "experience" is dropped, not its stem-mate "experiment"
    assert "r" in analyse("Data science in R") and "r" not in analyse("the r-squared value")
    assert analyse("work in teams") == ["work", "team", "work team"]
    text = "Team players, welcome"
    assert [text[t.start : t.end] for t in tokens(text)] == ["Team", "players", "welcome"]


def test_bare_label_without_qualifier_names_the_skill(extractor: SkillExtractor) -> None:
    found = extractor.extract(["java spring hibernate"], k=3)[0]
    assert found[0].uri == "s:java"
    assert found[0].evidence == "java"
    assert found[0].label == "Java (computer programming)"


def test_requirement_words_do_not_match_skills(extractor: SkillExtractor) -> None:
    scores = extractor.score(["3+ years of proven experience"])
    assert (scores == 0).all()


def test_popularity_prior_prefers_widely_needed_skills() -> None:
    text = ["Fluent English"]
    with_prior = SkillExtractor().fit(SKILLS).extract(text, k=2)[0]
    assert [s.uri for s in with_prior] == ["s:english", "s:write-english"]
    flat = SkillExtractor(popularity_weight=0.0, competence_prior=1.0).fit(SKILLS)
    scores = flat.score(text)[0]
    assert scores[2] > 0 and scores[3] > 0
    assert scores[2] / scores[3] < with_prior[0].score / with_prior[1].score


def test_scores_are_unit_interval_deterministic_and_zero_for_empty_text(extractor: SkillExtractor) -> None:
    texts = ["We work in teams and write English", "Handle pigs", ""]
    scores = extractor.score(texts)
    assert scores.shape == (3, len(SKILLS))
    assert scores.min() >= 0 and scores.max() <= 1
    assert (scores[2] == 0).all()
    np.testing.assert_array_equal(scores, SkillExtractor().fit(SKILLS).score(texts))


def test_evidence_is_the_shortest_stretch_naming_the_label(extractor: SkillExtractor) -> None:
    text = "Teams matter. You will work in small teams of three."
    found = {s.uri: s for s in extractor.extract([text], k=6)[0]}
    assert found["s:teams"].evidence == "work in small teams"
    assert extractor.evidence("nothing here", tokens("nothing here"), 0) == ""


def test_extract_limits_and_order(extractor: SkillExtractor) -> None:
    text = ["Teamwork, English, Java and chemical experiments with pigs"]
    everything = extractor.extract(text, k=10)[0]
    assert len(everything) == len(SKILLS)
    assert [s.score for s in everything] == sorted((s.score for s in everything), reverse=True)
    assert extractor.extract(text, k=2)[0] == everything[:2]
    cut = everything[2].score
    assert extractor.extract(text, k=10, min_score=cut)[0] == everything[:2]
    with pytest.raises(ValueError, match="k must be at least 1"):
        extractor.extract(text, k=0)


def test_top_indices_breaks_ties_by_index() -> None:
    row = np.array([0.5, 0.9, 0.5, 0.1, 0.5], dtype=np.float32)
    assert top_indices(row, 3).tolist() == [1, 0, 2]
    assert top_indices(row, 10).tolist() == [1, 0, 2, 4, 3]


def test_fit_needs_skills() -> None:
    with pytest.raises(ValueError, match="import ESCO first"):
        SkillExtractor().fit([])


def test_whole_names_need_the_words_the_analysis_drops() -> None:
    """ "deep learning" reads "learn" ("deep" is a requirement word) and "e-learning" too (a lone lower-case
    letter is not read): with whole_names they cover a text only where it has the whole name."""
    skills = [
        SkillText("s:deep", "deep learning", (), "Neural networks with many layers."),
        SkillText("s:elearn", "e-learning", (), "Teaching online."),
        SkillText("s:ml", "machine learning", (), "Programs that learn from data."),
    ]
    assert [skills[i].preferred_label for i in narrowed_names([s.preferred_label for s in skills])] == [
        "deep learning",
        "e-learning",
    ]
    texts = [
        "In this course you will learn a lot.",
        "Deep Learning with TensorFlow",
        "E-learning for schools",
    ]
    loose = SkillExtractor().fit(skills).score(texts)
    strict = SkillExtractor(whole_names=True).fit(skills).score(texts)
    assert loose[0, 0] > 0 and loose[0, 1] > 0  # both read "learn" in any text that says it
    assert strict[0, 0] == 0 and strict[0, 1] == 0
    assert strict[1, 0] > 0 and strict[1, 1] == 0
    assert strict[2, 1] > 0 and strict[2, 0] == 0
    np.testing.assert_allclose(strict[:, 2], loose[:, 2])  # a name the analysis keeps whole: unchanged
    state = SkillExtractor(whole_names=True).fit(skills).state()
    np.testing.assert_array_equal(SkillExtractor.from_state(*state).score(texts), strict)
