"""Job titles to ESCO occupations: the matcher over the database's occupations, its evaluation, and its
suggestions for an occupation named that does not exist."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from difflib import SequenceMatcher
from pathlib import Path
from typing import TYPE_CHECKING, Any

from recommender.errors import UnknownOccupation, UpskillError

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


#: Suggestions for an unknown occupation: at most this many, the title matcher's from these scores on
#: (confident ones before the label index's closest labels, likely ones after them). The scores are
#: calibrated: out of fold on the validation titles a top match scored 0.1-0.2 is right 13 % of the time,
#: 0.2-0.3 24 %, 0.3-0.4 33 % (``upskill evaluate titles``, calibration_out_of_fold). CONFIDENT_SUGGESTION
#: was 0.3 until the LambdaRank re-ranker (2026-12-03), which still ranks vehicle technician first for
#: "kfz mechatroniker" but at 0.15 (was 0.43): with five closest labels it then fell out of the suggestions.
MAX_SUGGESTIONS = 5
CONFIDENT_SUGGESTION = 0.1
LIKELY_SUGGESTION = 0.02
#: A closest label spelled almost as asked (difflib's ratio, case aside, at least this) comes before the
#: matcher's: "vehicle tecnician" is vehicle technician (0.97) misspelt, whereas the matcher, not knowing
#: "tecnician", read "vehicle" alone and put vehicle cleaner first.
NEAR_SPELLING = 0.9
#: A likely suggestion (under :data:`CONFIDENT_SUGGESTION`) shares at least one run of this many letters
#: with the query: the matcher's weak guesses for gibberish ("zzzz": dancer) are noise, not suggestions.
SHARED_LETTERS = 3
#: An id rather than a name (a URI such as ``http://...`` or ``occ:welder``, an ESCO UUID): no job title to
#: match. ``Kfz-Mechatroniker/in`` is a title.
_ID = re.compile(r"[a-z][a-z0-9+.-]*:\S+|[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", re.IGNORECASE)


def with_title_suggestions(
    error: UnknownOccupation, *, matcher: Callable[[], TitleMatcher]
) -> UnknownOccupation:
    """The unknown occupation ``error`` with the title matcher's occupations among its suggestions.

    First the closest labels ``error`` suggests that are spelled almost as asked (:data:`NEAR_SPELLING`: a
    typo), then the matcher's confident matches (score >= :data:`CONFIDENT_SUGGESTION`), then the other
    closest labels, then the matcher's likely ones (>= :data:`LIKELY_SUGGESTION`, sharing some letters with
    the query: :data:`SHARED_LETTERS`), each once, at most
    :data:`MAX_SUGGESTIONS`: a job title in the user's own words ("kfz mechatroniker": vehicle
    technician) finds its occupation where spelling alone does not. ``matcher`` gives the matcher; it is not
    called for an id (a URI or a UUID), which is no job title: ``error`` is returned as it is.
    """
    query = error.query.strip()
    if not query or _ID.fullmatch(query):
        return error
    matches = matcher().match(query, k=MAX_SUGGESTIONS)
    confident = [m.label for m in matches if m.score >= CONFIDENT_SUGGESTION]
    runs = _letter_runs(query)
    likely = [
        m.label
        for m in matches
        if LIKELY_SUGGESTION <= m.score < CONFIDENT_SUGGESTION and runs & _letter_runs(m.label)
    ]
    asked = query.casefold()
    typo = [
        label
        for label in error.suggestions
        if SequenceMatcher(None, asked, label.casefold()).ratio() >= NEAR_SPELLING
    ]
    suggestions = list(dict.fromkeys([*typo, *confident, *error.suggestions, *likely]))[:MAX_SUGGESTIONS]
    if suggestions == error.suggestions:
        return error
    found = type(error)(error.query, suggestions)
    found.fix = error.fix
    return found


def _letter_runs(text: str) -> set[str]:
    """The runs of :data:`SHARED_LETTERS` letters in ``text``'s words, case aside (a shorter word whole)."""
    n = SHARED_LETTERS
    return {w[i : i + n] for w in re.findall(r"\w+", text.casefold()) for i in range(max(len(w) - n + 1, 1))}


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
