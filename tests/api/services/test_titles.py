"""The title services: a confident title resolves to one occupation, a vague one is left to a person."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import pytest

from api.services import titles as title_service
from recommender.errors import UnknownOccupation, UpskillError
from recommender.text.titles import RESOLVE_THRESHOLD, OccupationText, TitleMatch, TitleMatcher

OCCUPATIONS = [
    OccupationText("o:battery", "battery assembler", (("battery assembler", "en"), ("cell assembler", "en"))),
    OccupationText("o:engine", "motor vehicle engine assembler", (("motor vehicle engine assembler", "en"),)),
    OccupationText("o:electrician", "automotive electrician", (("automotive electrician", "en"),)),
]


@pytest.fixture(scope="module")
def matcher() -> TitleMatcher:
    return TitleMatcher(OCCUPATIONS)


def test_resolve_titles_keeps_order_and_marks_what_needs_review(matcher: TitleMatcher) -> None:
    found = title_service.resolve_titles(
        matcher=matcher, titles=["Battery Assembler (m/f/d)", "qqq zzz"], threshold=0.5, k=2
    )
    assert [r.title for r in found] == ["Battery Assembler (m/f/d)", "qqq zzz"]
    assert found[0].occupation is not None and found[0].occupation.uri == "o:battery"
    assert found[1].needs_review and len(found[1].candidates) == 2
    assert title_service.resolve_titles(matcher=matcher, titles=["x"])[0].threshold == RESOLVE_THRESHOLD


def test_an_empty_title_is_refused(matcher: TitleMatcher) -> None:
    with pytest.raises(UpskillError, match="empty"):
        title_service.resolve_titles(matcher=matcher, titles=["ok", "  "])


class ScoredMatcher:
    """Stands in for the title matcher: the same ranked labels, with the scores given, for any title."""

    def __init__(self, scored: list[tuple[str, float]]):
        self.scored = scored
        self.asked: list[str] = []

    def match(self, title: str, *, k: int = 10) -> list[TitleMatch]:
        self.asked.append(title)
        return [TitleMatch(f"o:{label}", label, score, label, "en", ()) for label, score in self.scored[:k]]

    def loader(self) -> Callable[[], TitleMatcher]:
        return lambda: cast(TitleMatcher, self)


def test_unknown_occupations_get_confident_matches_then_closest_labels_then_likely_ones() -> None:
    matcher = ScoredMatcher(
        [("battery assembler", 0.6), ("cell tester", 0.1), ("cell maker", 0.05), ("l1", 0.04), ("d", 0.01)]
    )
    error = UnknownOccupation("battery cell l1 d", ["l1", "l2"])
    found = title_service.with_title_suggestions(error, matcher=matcher.loader())
    assert isinstance(found, UnknownOccupation) and found.query == "battery cell l1 d"
    # each once, at most 5; d is below 0.02
    assert found.suggestions == ["battery assembler", "cell tester", "l1", "l2", "cell maker"]
    assert "closest matches: battery assembler, cell tester, l1, l2, cell maker" in str(found)
    few = title_service.with_title_suggestions(
        UnknownOccupation("battery guy", []),
        matcher=ScoredMatcher([("lottery manager", 0.05), ("army captain", 0.04), ("d", 0.01)]).loader(),
    )
    assert few.suggestions == ["lottery manager"]  # army captain shares no three letters with the query


def test_gibberish_gets_no_weak_guesses() -> None:
    error = UnknownOccupation("zzzz", [])
    weak = ScoredMatcher([("dancer", 0.05), ("assayer", 0.03)])
    assert title_service.with_title_suggestions(error, matcher=weak.loader()).suggestions == []
    # a confident match needs no shared letters: a title in other words ("kfz mechatroniker")
    sure = ScoredMatcher([("vehicle technician", 0.15)])
    found = title_service.with_title_suggestions(UnknownOccupation("kfz", []), matcher=sure.loader())
    assert found.suggestions == ["vehicle technician"]


def test_a_misspelt_label_is_suggested_before_the_matchers_guesses() -> None:
    # the matcher does not know the misspelt word and guesses from the other; the spelling is almost a label
    matcher = ScoredMatcher([("vehicle cleaner", 0.3), ("vehicle technician", 0.2)])
    closest = ["vehicle technician", "vehicle cleaner", "vehicle glazier"]
    error = UnknownOccupation("Vehicle Tecnician", closest)
    found = title_service.with_title_suggestions(error, matcher=matcher.loader())
    assert found.suggestions == ["vehicle technician", "vehicle cleaner", "vehicle glazier"]
    # a label only somewhat like the query keeps its place after the matcher's confident ones
    error = UnknownOccupation("vehicle tech", ["vehicle technician", "vehicle cleaner"])
    found = title_service.with_title_suggestions(error, matcher=matcher.loader())
    assert found.suggestions == ["vehicle cleaner", "vehicle technician"]


def test_ids_are_not_matched_as_job_titles() -> None:
    matcher = ScoredMatcher([("a", 0.9)])
    for query in (
        "http://data.europa.eu/esco/occupation/x",
        "occ:welder",
        "05ed30a8-1e2e-4a6b-9fc4-f2cd8b5e5c6e",
    ):
        error = UnknownOccupation(query, ["l1"])
        assert title_service.with_title_suggestions(error, matcher=matcher.loader()) is error
    assert matcher.asked == []
    title = UnknownOccupation("Kfz-Mechatroniker/in", [])
    assert title_service.with_title_suggestions(title, matcher=matcher.loader()).suggestions == ["a"]
