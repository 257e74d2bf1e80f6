"""The title services: a confident title resolves to one occupation, a vague one is left to a person."""

from __future__ import annotations

import pytest

from api.services import titles as title_service
from recommender.errors import UpskillError
from recommender.text.titles import RESOLVE_THRESHOLD, OccupationText, TitleMatcher

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
