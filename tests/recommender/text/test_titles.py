"""The job-title matcher: cleaning, known answers on a small hand-made taxonomy, batch = single, fitting."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.errors import UpskillError
from recommender.text.titles import (
    FEATURES,
    OccupationText,
    TitleMatcher,
    TitleWeights,
    clean_title,
    default_weights,
    fit_weights,
    match_in_processes,
    match_in_processes_timed,
    title_parts,
)

OCCUPATIONS = [
    OccupationText(
        "o:vehicle-technician",
        "vehicle technician",
        (
            ("vehicle technician", "en"),
            ("car mechanic", "en"),
            ("Kfz-Mechatroniker/Kfz-Mechatronikerin", "de"),
        ),
        "Vehicle technicians inspect, test and maintain cars.",
        ("Motor vehicle mechanics and repairers",),
        ("repair engines", "diagnose vehicle faults"),
    ),
    OccupationText(
        "o:engine-assembler",
        "motor vehicle engine assembler",
        (
            ("motor vehicle engine assembler", "en"),
            ("engine fitter", "en"),
            ("operaio addetto al montaggio motori", "it"),
        ),
        "Engine assemblers build engines for motor vehicles.",
        ("Mechanical machinery assemblers",),
        ("assemble engines",),
    ),
    OccupationText(
        "o:software-developer",
        "software developer",
        (("software developer", "en"), ("programmer", "en"), ("software engineer", "en")),
        "Software developers implement software from specifications, in Java, PHP or other languages.",
        ("Software and applications developers and analysts",),
        ("computer programming", "Java"),
    ),
    OccupationText(
        "o:ict-technician",
        "ICT technician",
        (("ICT technician", "en"), ("IT support technician", "en")),
        "ICT technicians keep computers and networks working.",
        ("Information and communications technology operations and user support technicians",),
        ("provide ICT support",),
    ),
]
TEXT_ONLY = TitleWeights(
    tuple(4.0 if i < FEATURES.index("labels_log") else 0.0 for i in range(len(FEATURES)))
)


@pytest.fixture(scope="module")
def matcher() -> TitleMatcher:
    return TitleMatcher(OCCUPATIONS, TEXT_ONLY)


def test_cleaning_drops_noise_spells_out_abbreviations_and_weights_side_text() -> None:
    assert clean_title("Sr. IT Support Exec (Hardware) - URGENT").words == (
        ("ict", 1.0),
        ("support", 1.0),
        ("hardware", 0.4),
    )
    assert clean_title("Sales Executive Shah Alam").text == "sale"  # places are noise
    # Malay job words in English, vacancy words dropped
    assert clean_title("Jawatan Kosong Pemandu Lori (Kilang)").words == (
        ("driver", 1.0),
        ("lorry", 1.0),
        ("factory", 0.4),
    )
    assert clean_title("Kfz-Mechatroniker (m/w/d)").text == "motor vehicle mechatroniker"
    assert clean_title("(Graphic Designer)").text == "graphic designer"  # all in brackets: still the title
    assert title_parts("Driver cum Supervisor") == ["Driver cum Supervisor", "Driver", "Supervisor"]
    assert title_parts("Software Developer") == ["Software Developer"]


def test_italian_job_words_meet_english_labels() -> None:
    """An HR file of an Italian plant: with English labels only, "Collaudatore motori" is an engine tester,
    not whatever shares its letters ("Operaio" once came out as pizzaiolo)."""
    english = [
        OccupationText(uri, label, ((label, "en"),))
        for uri, label in [
            ("o:tester", "motor vehicle engine tester"),
            ("o:assembler", "motor vehicle engine assembler"),
            ("o:line", "production line worker"),
            ("o:pizzaiolo", "pizzaiolo"),
        ]
    ]
    italian = TitleMatcher(english, TEXT_ONLY)
    assert clean_title("Addetto montaggio motori").text == "addetto worker montaggio assembly motori engine"
    assert italian.match("Collaudatore motori", k=1)[0].uri == "o:tester"
    assert italian.match("Montatore motori", k=1)[0].uri == "o:assembler"
    assert italian.match("Operaio specializzato linea 3", k=1)[0].uri == "o:line"


@pytest.mark.parametrize(
    ("title", "uri"),
    [
        ("Senior Software Engineer (Java) - Kuala Lumpur", "o:software-developer"),
        ("Kfz-Mechatroniker (m/w/d)", "o:vehicle-technician"),
        ("Operaio montaggio motori", "o:engine-assembler"),
        ("IT Support", "o:ict-technician"),
        ("car mechanic", "o:vehicle-technician"),
    ],
)
def test_known_titles_rank_their_occupation_first(matcher: TitleMatcher, title: str, uri: str) -> None:
    best = matcher.match(title, k=4)[0]
    assert best.uri == uri


def test_a_match_says_which_label_and_words_matched(matcher: TitleMatcher) -> None:
    best = matcher.match("Kfz-Mechatroniker (m/w/d)", k=1)[0]
    assert best.language == "de"
    assert "mechatroniker" in best.matched_words
    assert "Kfz-Mechatroniker" in best.reason


def test_probabilities_cover_every_occupation_and_sum_to_one(matcher: TitleMatcher) -> None:
    log_p = matcher.log_probabilities(["software developer", "zzzz qqqq", ""])
    assert log_p.shape == (3, len(OCCUPATIONS))
    np.testing.assert_allclose(np.exp(log_p).sum(axis=1), 1.0, rtol=1e-5)
    scores = [m.score for m in matcher.match("software developer", k=4)]
    assert scores == sorted(scores, reverse=True)


def test_batch_equals_one_by_one_and_keeps_input_order(matcher: TitleMatcher) -> None:
    titles = ["IT Support", "engine fitter", "Senior Software Engineer", "IT Support"]
    batch = matcher.match_many(titles, k=3, chunk=2)
    assert [m[0].uri for m in batch] == [matcher.match(t, k=3)[0].uri for t in titles]
    assert batch[0] == batch[3]


def test_resolve_takes_the_top_match_only_when_confident(matcher: TitleMatcher) -> None:
    sure = matcher.resolve("software developer", threshold=0.5)
    assert sure.occupation is not None and sure.occupation.uri == "o:software-developer"
    unsure = matcher.resolve("zzzz qqqq", threshold=0.5)
    assert unsure.needs_review and len(unsure.candidates) == 4
    with pytest.raises(UpskillError, match="threshold"):
        matcher.resolve("x", threshold=0.0)
    with pytest.raises(UpskillError, match="k must be"):
        matcher.match("x", k=0)


def test_fit_weights_recovers_the_feature_that_decides() -> None:
    """Known answer: when feature 0 alone marks the right candidate, its weight is the largest."""
    rng = np.random.default_rng(0)
    features, gold = [], []
    for _ in range(200):
        block = rng.random((len(FEATURES), 20)).astype(np.float32)
        right = int(rng.integers(20))
        block[0, right] += 1.0
        features.append(block)
        gold.append(right)
    weights = np.asarray(fit_weights(features, gold).weights)
    assert np.argmax(weights) == 0 and weights[0] > 3 * np.abs(weights[1:]).max()


def test_shipped_weights_load_with_their_reranker() -> None:
    weights = default_weights()
    assert weights.trees is not None and weights.shortlist > 0 and weights.temperature > 0
    assert weights.provenance["fitted_on"].startswith("all of job_titles_validation.csv")


def test_no_occupations_is_a_clear_error() -> None:
    with pytest.raises(UpskillError, match="import ESCO first"):
        TitleMatcher([], TEXT_ONLY)


def test_sparse_scoring_equals_the_dense_features(matcher: TitleMatcher) -> None:
    """Reference check: the features kept sparse give the dense feature array's (what the weights are
    fitted on) first-stage scores, values at any occupation and maxima, also for titles naming several jobs
    (merged part by part); a known answer: "Kfz-Mechatroniker (m/w/d)" is exactly a label of the vehicle
    technician."""
    titles = ["Driver cum Supervisor", "IT Support / Software Engineer", "zzzz", "Kfz-Mechatroniker (m/w/d)"]
    columns = matcher._title_columns(titles)
    dense = matcher.features(titles)[:, : FEATURES.index("labels_log")]
    assert dense[titles.index("Kfz-Mechatroniker (m/w/d)"), FEATURES.index("exact")].tolist() == [1, 0, 0, 0]
    weights = np.arange(1, dense.shape[1] + 1, dtype=np.float32)
    np.testing.assert_allclose(
        columns.weighted_sum(weights), np.einsum("nfo,f->no", dense, weights), rtol=1e-6
    )
    candidates = np.tile(np.arange(len(OCCUPATIONS))[::-1], (len(titles), 1))
    np.testing.assert_array_equal(columns.at(candidates), dense[:, :, ::-1])
    np.testing.assert_array_equal(columns.peak(), dense.max(axis=2))


def test_the_semantic_feature_relates_words_and_scores_a_title_alike_in_any_batch(
    matcher: TitleMatcher,
) -> None:
    """A title sharing no label word with an occupation still meets it in the latent semantic space when
    its words are the occupation's text ("Java programming" and the software developer, whose description
    and skills say Java), and a title's values do not depend on the titles scored with it (bit for bit: a
    batch split over processes must answer as one process)."""
    semantic = FEATURES.index("semantic")
    titles = ["Java programming", "engine fitter", "zzzz", "IT support", "car mechanic"]
    together = matcher.features(titles)[:, semantic]
    java = together[0]
    assert java.argmax() == [o.uri for o in OCCUPATIONS].index("o:software-developer") and java.max() > 0
    assert together[2].max() == 0.0  # no known word: no direction in the space
    assert (together >= 0).all()
    for row, title in enumerate(titles):
        np.testing.assert_array_equal(matcher.features([title])[0, semantic], together[row])


def test_threads_change_nothing_but_the_time(matcher: TitleMatcher) -> None:
    titles = ["IT Support", "engine fitter", "Senior Software Engineer", "car mechanic", "zzzz"] * 3
    assert matcher.match_many(titles, k=3, chunk=2, threads=3) == matcher.match_many(titles, k=3, chunk=4)
    with pytest.raises(UpskillError, match="threads"):
        matcher.match_many(titles, threads=0)


def test_processes_change_nothing_but_the_time(matcher: TitleMatcher) -> None:
    titles = ["IT Support", "engine fitter", "Senior Software Engineer", "car mechanic", "zzzz"] * 3
    alone = matcher.match_many(titles, k=3)
    matches, cpu = match_in_processes_timed(matcher, titles, k=3, processes=2)
    assert matches == alone
    assert len(cpu) == 2 and all(seconds >= 0 for seconds in cpu)
    assert match_in_processes(matcher, titles[:1], k=3, processes=4) == alone[:1]
    with pytest.raises(UpskillError, match="processes"):
        match_in_processes(matcher, titles, processes=0)
