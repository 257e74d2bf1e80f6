"""Job titles to ESCO occupations: the matcher over the database's occupations, and its evaluation."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from recommender.errors import UpskillError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from recommender.text.titles import Resolution, TitleMatch, TitleMatcher


def title_matcher(*, db_session: Session) -> TitleMatcher:
    """Build the title matcher over the database's occupations (which must hold ESCO)."""
    from data.title_index import load_title_matcher

    return load_title_matcher(db_session=db_session)


def match_titles(*, matcher: TitleMatcher, titles: Sequence[str], k: int) -> list[list[TitleMatch]]:
    """Rank ESCO occupations for each job title, in input order."""
    if any(not title.strip() for title in titles):
        raise UpskillError("the title is empty")
    return matcher.match_many(list(titles), k=k)


def resolve_titles(
    *, matcher: TitleMatcher, titles: Sequence[str], threshold: float | None = None, k: int = 5
) -> list[Resolution]:
    """Resolve each job title to one occupation from the confidence threshold on, else list candidates."""
    from recommender.text.titles import RESOLVE_THRESHOLD

    if any(not title.strip() for title in titles):
        raise UpskillError("the title is empty")
    chosen = RESOLVE_THRESHOLD if threshold is None else threshold
    return matcher.resolve_many(list(titles), threshold=chosen, k=k)


def evaluate_titles(*, db_session: Session, reference: Path | None = None) -> dict[str, Any]:
    """Measure the title matcher against labelled titles, next to the TF-IDF character n-gram baseline."""
    from data.title_index import load_occupation_texts
    from evaluation import titles as title_evaluation
    from recommender.text.titles import TitleMatcher

    path = reference or title_evaluation.VALIDATION
    rows = title_evaluation.read_reference(path)
    occupations = load_occupation_texts(db_session=db_session)
    if not occupations:
        raise UpskillError("the database holds no ESCO occupations; run `upskill import esco` first")
    report = title_evaluation.evaluate_titles(TitleMatcher(occupations), rows, occupations)
    report["reference"] = str(path)
    return report
