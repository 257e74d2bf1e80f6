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


TITLES_PER_PROCESS = 1000
"""A batch is matched in forked processes when each gets at least this many titles (see :func:`match_titles`).
Forking costs little (250 titles: 0.14 s in two processes, 0.15 s in one), but the answers come back pickled
and a busy second core gains nothing (at load 3-4, 4,000 titles took 5.9 s in two against 2.9 s in one; on a
quiet machine bench_titles' 10,000 took 4.5 s against 7.5 s): a file below 2,000 titles stays in one."""


def match_titles(
    *, matcher: TitleMatcher, titles: Sequence[str], k: int, processes: int = 1
) -> list[list[TitleMatch]]:
    """Rank ESCO occupations for each job title, in input order.

    With ``processes`` > 1 (the CLI's batch form; not in a server's worker) a batch large enough to give two
    processes :data:`TITLES_PER_PROCESS` titles each is matched in up to ``processes`` forked processes over
    contiguous slices (:func:`recommender.text.titles.match_in_processes`): the same answer, on more cores.
    """
    from recommender.text.titles import match_in_processes

    if any(not title.strip() for title in titles):
        raise UpskillError("the title is empty")
    used = min(processes, len(titles) // TITLES_PER_PROCESS)
    if used >= 2:
        return match_in_processes(matcher, list(titles), k=k, processes=used)
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


def evaluate_titles(
    *, db_session: Session, reference: Path | None = None, folds: int | None = None
) -> dict[str, Any]:
    """Measure the title matcher against labelled titles, out of fold (``folds``-fold cross-validation,
    default ``evaluation.titles.CV_FOLDS``) and as shipped, next to the TF-IDF character n-gram baseline."""
    from data.title_index import load_occupation_texts
    from evaluation import titles as title_evaluation
    from recommender.text.titles import TitleMatcher

    path = reference or title_evaluation.VALIDATION
    rows = title_evaluation.read_reference(path)
    occupations = load_occupation_texts(db_session=db_session)
    if not occupations:
        raise UpskillError("the database holds no ESCO occupations; run `upskill import esco` first")
    report = title_evaluation.evaluate_titles(
        TitleMatcher(occupations), rows, occupations, folds=folds or title_evaluation.CV_FOLDS
    )
    report["reference"] = str(path)
    return report
