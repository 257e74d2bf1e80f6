"""The title matcher over the full ESCO release from the database, with German and Italian labels added."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from data.esco_languages import import_occupation_labels
from data.title_index import load_occupation_texts, load_title_matcher
from recommender.errors import UpskillError
from recommender.text.titles import TitleMatcher

FIXTURES = Path(__file__).parent / "fixtures"
VEHICLE_TECHNICIAN = "http://data.europa.eu/esco/occupation/4ad4024e-d1d3-4dea-b6d1-2c7948111dce"
ENGINE_ASSEMBLER = "http://data.europa.eu/esco/occupation/c3cae318-8b15-4339-a617-1a66b9ff6609"
AUTOMOTIVE_ELECTRICIAN = "http://data.europa.eu/esco/occupation/6656337f-67eb-4f48-b1e4-ecccdfa44dd2"


def test_german_and_italian_titles_match_once_their_labels_are_imported(esco_session: Session) -> None:
    before = TitleMatcher(load_occupation_texts(db_session=esco_session)).match("Kfz-Mechatroniker (m/w/d)")

    for name in ("occupations_de.csv", "occupations_it.csv"):
        import_occupation_labels(db_session=esco_session, source=FIXTURES / name)
    occupations = load_occupation_texts(db_session=esco_session)
    assert len(occupations) == 3007
    matcher = TitleMatcher(occupations)
    german = matcher.match("Kfz-Mechatroniker (m/w/d)", k=3)[0]
    assert (german.uri, german.language) == (VEHICLE_TECHNICIAN, "de")
    assert german.matched_label.startswith("Kfz-Mechatroniker")
    assert before[0].language == "en" and german.score > before[0].score
    assert matcher.match("Operaio montaggio motori", k=3)[0].uri == ENGINE_ASSEMBLER
    assert matcher.match("Elettrauto", k=3)[0].uri == AUTOMOTIVE_ELECTRICIAN


def test_english_titles_find_automotive_occupations(esco_session: Session) -> None:
    matcher = TitleMatcher(load_occupation_texts(db_session=esco_session))
    found = matcher.match_many(
        ["Senior Automotive Electrician (m/f/d)", "Motor Vehicle Engine Assembler"], k=5
    )
    assert found[0][0].uri == AUTOMOTIVE_ELECTRICIAN
    assert found[1][0].uri == ENGINE_ASSEMBLER
    resolution = matcher.resolve("Motor Vehicle Engine Assembler")
    assert resolution.candidates[0].uri == ENGINE_ASSEMBLER


SCENARIO_OCCUPATIONS = (
    "diesel engine mechanic",
    "automotive battery technician",
    "motor vehicle assembler",
    "battery assembler",
    "motor vehicle engine assembler",
    "motor vehicle parts assembler",
    "mechatronics assembler",
    "automotive electrician",
    "mechatronics engineering technician",
    "battery test technician",
    "vehicle technician",
    "automotive engineering technician",
)


def test_every_scenario_occupation_is_found_first_by_its_own_label(esco_session: Session) -> None:
    """Parents ("motor vehicle assembler") as much as their children: no learnt habit hides an exact label."""
    occupations = load_occupation_texts(db_session=esco_session)
    by_label = {o.preferred_label: o.uri for o in occupations}
    matcher = TitleMatcher(occupations)
    titles = [f"{label.title()} (m/f/d)" for label in SCENARIO_OCCUPATIONS]
    found = [matches[0].uri for matches in matcher.match_many(titles, k=3)]
    assert found == [by_label[label] for label in SCENARIO_OCCUPATIONS]


def test_an_empty_database_says_to_import_esco(db_session: Session) -> None:
    with pytest.raises(UpskillError, match="upskill import esco"):
        load_title_matcher(db_session=db_session)
