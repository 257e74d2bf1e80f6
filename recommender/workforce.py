"""A workforce and its target roles, resolved on the competence graph (pure; the files are read in ``data``).

HR describes each person with a job title as they write it and/or an ESCO occupation. :func:`resolve_titles`
is the one place free-text titles become occupations. With a title matcher (``recommender.text.titles``:
ranked occupations with a calibrated confidence, labels in every imported language), a title resolves when
the matcher's confidence reaches its threshold. Without one, an exact ESCO label (preferred or alternative,
case and accents ignored) resolves, or the typo-tolerant label search when confident (best candidate at
least ``TITLE_MIN_SCORE`` and ``TITLE_MIN_MARGIN`` ahead of the next). Anything less is never guessed: the
person is listed for HR to confirm, with the top candidates, and left out of the plan until the file names
the occupation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal, Protocol

from recommender.errors import ImportFormatError, NotFoundError
from recommender.graph import CompetenceGraph

if TYPE_CHECKING:  # the matcher (and scikit-learn) is imported only by a process that matches titles
    from recommender.text.titles import Resolution

#: A title resolves through the label search only when the best candidate scores at least this (1.0 is an
#: exact label) ...
TITLE_MIN_SCORE = 0.9
#: ... and leads the second candidate by at least this much; otherwise HR confirms it.
TITLE_MIN_MARGIN = 0.1
#: Candidates shown to HR for a title to confirm.
TITLE_CANDIDATES = 3


@dataclass(frozen=True)
class TitleCandidate:
    """An occupation a job title may mean, with the label search's score in [0, 1]."""

    uri: str
    label: str
    score: float


@dataclass(frozen=True)
class TitleMatch:
    """What a job title resolves to: ``resolved`` (``uri`` set) or ``confirm`` (HR picks a candidate)."""

    title: str
    status: Literal["resolved", "confirm"]
    uri: str | None
    candidates: tuple[TitleCandidate, ...]
    reason: str


def resolve_title(graph: CompetenceGraph, title: str) -> TitleMatch:
    """Resolve a job title to one ESCO occupation, or say why HR must confirm it (never a silent guess)."""
    exact = graph.labels.exact(title, kind="occupation")
    hits = graph.labels.search(title, kind="occupation", limit=TITLE_CANDIDATES + 1)
    candidates = tuple(TitleCandidate(h.uri, h.label, h.score) for h in hits[:TITLE_CANDIDATES])
    if exact is not None:
        return TitleMatch(title, "resolved", exact, candidates, "exact ESCO label")
    if not hits:
        return TitleMatch(title, "confirm", None, (), "no ESCO occupation label is close to this title")
    best = hits[0].score
    second = hits[1].score if len(hits) > 1 else 0.0
    if best >= TITLE_MIN_SCORE and best - second >= TITLE_MIN_MARGIN:
        return TitleMatch(
            title, "resolved", hits[0].uri, candidates, f"label search {best:.2f}, next {second:.2f}"
        )
    why = (
        f"best match {hits[0].label!r} scores {best:.2f} (below {TITLE_MIN_SCORE})"
        if best < TITLE_MIN_SCORE
        else f"{hits[0].label!r} ({best:.2f}) and {hits[1].label!r} ({second:.2f}) are too close to choose"
    )
    return TitleMatch(title, "confirm", None, candidates, why)


class TitleResolver(Protocol):
    """What :func:`resolve_titles` needs of a title matcher (``recommender.text.titles.TitleMatcher``)."""

    def resolve_many(self, titles: Sequence[str]) -> list[Resolution]: ...


def _from_matcher(resolution: Resolution) -> TitleMatch:
    candidates = tuple(
        TitleCandidate(c.uri, c.label, c.score) for c in resolution.candidates[:TITLE_CANDIDATES]
    )
    best = resolution.occupation
    if best is not None:
        reason = f"matched at confidence {best.score:.2f} (threshold {resolution.threshold:g}): {best.reason}"
        return TitleMatch(resolution.title, "resolved", best.uri, candidates, reason)
    if not candidates:
        return TitleMatch(resolution.title, "confirm", None, (), "no ESCO occupation is close to this title")
    top = candidates[0]
    reason = f"best match {top.label!r} at confidence {top.score:.2f}, below {resolution.threshold:g}"
    return TitleMatch(resolution.title, "confirm", None, candidates, reason)


def resolve_titles(
    graph: CompetenceGraph, titles: Sequence[str], *, matcher: TitleResolver | None = None
) -> list[TitleMatch]:
    """Resolve job titles with the matcher when given, else on the graph's labels (:func:`resolve_title`)."""
    if matcher is None:
        return [resolve_title(graph, title) for title in titles]
    # an exact ESCO label needs no matcher (whose confidence stays below 1 even then)
    exact = {t: graph.labels.exact(t, kind="occupation") for t in titles}
    rest = [t for t in titles if exact[t] is None]
    matched = dict(zip(rest, matcher.resolve_many(rest), strict=True)) if rest else {}
    return [
        TitleMatch(t, "resolved", uri, (TitleCandidate(uri, graph.label(uri), 1.0),), "exact ESCO label")
        if (uri := exact[t]) is not None
        else _from_matcher(matched[t])
        for t in titles
    ]


# --- the records read from files, and what they become -------------------------------------------------


@dataclass(frozen=True)
class PersonRecord:
    """One person as the workforce file gives them (references not yet resolved), with where they are."""

    file: str
    line: int | None
    person_id: str
    job_title: str = ""
    occupation: str = ""  # ESCO URI or exact label; empty: resolve the job title
    past_occupations: tuple[str, ...] = ()
    skills: Mapping[str, int] = field(default_factory=dict)  # URI or exact label -> level 0..4
    hours_per_week: float | None = None
    languages: tuple[str, ...] = ()
    region: str | None = None
    earliest_start: date | None = None


@dataclass(frozen=True)
class TargetRecord:
    """One target role as the targets file gives it."""

    file: str
    line: int | None
    occupation: str  # ESCO URI or exact label
    headcount: int
    deadline: date | None = None
    priority: int = 1


@dataclass(frozen=True)
class Person:
    """A person of the workforce with resolved ESCO references (current occupation first, then past ones)."""

    person_id: str
    occupations: tuple[str, ...]
    skills: Mapping[str, int] = field(default_factory=dict)  # skill URI -> level 0..4
    hours_per_week: float | None = None
    languages: tuple[str, ...] = ()
    region: str | None = None
    earliest_start: date | None = None
    job_title: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "skills", MappingProxyType(dict(sorted(self.skills.items()))))


@dataclass(frozen=True)
class Target:
    """A role to fill: the ESCO occupation, how many people, by when, how important (1 first)."""

    uri: str
    label: str
    headcount: int
    deadline: date | None = None
    priority: int = 1


@dataclass(frozen=True)
class TitleToConfirm:
    """A person left out of the plan until HR confirms their occupation."""

    person_id: str
    file: str
    line: int | None
    match: TitleMatch


@dataclass(frozen=True)
class Workforce:
    """The resolved workforce: people to plan for and people whose title HR must confirm first."""

    people: tuple[Person, ...]
    to_confirm: tuple[TitleToConfirm, ...]


def _occupation(graph: CompetenceGraph, ref: str, *, file: str, line: int | None, column: str) -> str:
    try:
        return graph.resolve_occupation(ref)
    except NotFoundError as error:
        raise ImportFormatError(str(error), file=file, line=line, column=column) from None


def resolve_workforce(
    graph: CompetenceGraph, records: Sequence[PersonRecord], *, matcher: TitleResolver | None = None
) -> Workforce:
    """Resolve every person's occupations, skills and job title on ``graph`` (titles with ``matcher``).

    Raises
    ------
    ImportFormatError
        For an occupation or skill named explicitly that ESCO does not have (file, line, column, with the
        closest labels).
    """
    people: list[Person] = []
    to_confirm: list[TitleToConfirm] = []
    untitled = [r.job_title for r in records if not r.occupation]
    matches = dict(zip(untitled, resolve_titles(graph, untitled, matcher=matcher), strict=True))
    for record in records:
        file, line = record.file, record.line
        past = tuple(
            _occupation(graph, ref, file=file, line=line, column="past_occupations")
            for ref in record.past_occupations
        )
        skills: dict[str, int] = {}
        for ref, level in record.skills.items():
            try:
                uri = graph.resolve_skill(ref)
            except NotFoundError as error:
                raise ImportFormatError(str(error), file=file, line=line, column="skills") from None
            skills[uri] = max(level, skills.get(uri, 0))
        if record.occupation:
            current = _occupation(graph, record.occupation, file=file, line=line, column="occupation")
        else:
            match = matches[record.job_title]
            if match.uri is None:
                to_confirm.append(TitleToConfirm(record.person_id, record.file, record.line, match))
                continue
            current = match.uri
        people.append(
            Person(
                person_id=record.person_id,
                occupations=tuple(dict.fromkeys((current, *past))),
                skills=skills,
                hours_per_week=record.hours_per_week,
                languages=record.languages,
                region=record.region,
                earliest_start=record.earliest_start,
                job_title=record.job_title,
            )
        )
    return Workforce(tuple(people), tuple(to_confirm))


def resolve_targets(graph: CompetenceGraph, records: Sequence[TargetRecord]) -> tuple[Target, ...]:
    """Resolve each target's occupation; the same occupation twice is an error naming both lines."""
    targets: list[Target] = []
    seen: dict[str, int | None] = {}
    for record in records:
        uri = _occupation(graph, record.occupation, file=record.file, line=record.line, column="occupation")
        if uri in seen:
            raise ImportFormatError(
                f"{graph.label(uri)!r} is already a target (line {seen[uri]}); give each role once",
                file=record.file,
                line=record.line,
                column="occupation",
            )
        seen[uri] = record.line
        targets.append(Target(uri, graph.label(uri), record.headcount, record.deadline, record.priority))
    return tuple(targets)
