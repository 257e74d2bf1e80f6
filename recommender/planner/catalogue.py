"""A course catalogue prepared once for many plans (:class:`PlanCatalogue`).

Most of a plan's work outside the solver used to be passes over the whole catalogue (about 2,000 courses)
that give the same answer for every plan of one catalogue, target and set of constraints: the duplicate-id
and prerequisite-cycle checks, which courses teach the gap's skills, the relevance rule per target, and the
constraint filter. A :class:`PlanCatalogue` does the first two once, keeps a skill -> courses index so that a
plan looks only at the courses naming its gap's skills, and keeps the last few relevance judgements (per
target) and filter results (per set of constraints) for the plans that share them: a server's requests
share their currency, languages and region; a cohort plans thousands of people per target.
:func:`recommender.planner.plan_paths` takes one in place of the list of courses, and builds one from a
list: every caller runs the same code. The answers are those of the plain passes
(``filters.filter_courses``, ``relevance.relevant_courses``), which the tests compare them with.

A catalogue is read-only once built and safe to share between threads (the kept results are swapped in
under a lock; what is handed out is never changed by the planner).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from recommender.errors import InvalidPlanInput, PrerequisiteCycle
from recommender.kept import Kept
from recommender.planner.filters import Available, first_session, limit_reason, price_in, static_reason
from recommender.planner.model import Constraints, CourseOption
from recommender.planner.order import check_prerequisites
from recommender.planner.relevance import MIN_EVIDENCE, judged
from recommender.planner.subject import SubjectFit

#: Filter results (one per set of constraints) kept.
KEPT = 16
#: Relevance judgements (one per target's skill set) and target views (one per target and set of constraints)
#: kept: a server's plans go to a few dozen targets under a few sets of constraints (bench_http's 101 bodies:
#: 32 targets, one set; with 16 kept, every view was made again, ~0.5 ms of a plan's ~10). ~130 KB each.
VIEWS_KEPT = 64

#: Per course of the catalogue, in order: the course, why the worker's standing terms rule it out (None:
#: they do not), and its price in the plan currency (None when ruled out).
StaticRows = tuple[tuple[CourseOption, str | None, float | None], ...]


@dataclass(frozen=True)
class Relevance:
    """What the relevance rule does to the catalogue for one target: the courses whose links to the target's
    skills are not planned on (``stripped``: the course without them) and why (``weak``, catalogue order;
    ``far``: those of them set aside for their subject, not their evidence)."""

    stripped: Mapping[str, CourseOption]
    weak: Mapping[str, str]
    far: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Filtered:
    """The catalogue under one set of constraints: the courses available (by id, catalogue order), the ids
    sorted, and the courses ruled out with the reason (catalogue order)."""

    available: Mapping[str, Available]
    sorted_ids: tuple[str, ...]
    excluded: Mapping[str, str]


class Courses(Mapping[str, CourseOption]):
    """The catalogue's courses by id as one target's plans see them (``stripped`` courses in place)."""

    def __init__(self, by_id: Mapping[str, CourseOption], stripped: Mapping[str, CourseOption]):
        self._by_id = by_id
        self._stripped = stripped

    def __getitem__(self, course_id: str) -> CourseOption:
        found = self._stripped.get(course_id)
        return found if found is not None else self._by_id[course_id]

    def __contains__(self, course_id: object) -> bool:
        return course_id in self._by_id

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)


class AvailableCourses(Mapping[str, CourseOption]):
    """The available courses (a view of ``available``), iterated in id order."""

    def __init__(self, available: Mapping[str, Available], sorted_ids: tuple[str, ...]):
        self._available = available
        self._sorted = sorted_ids

    def __getitem__(self, course_id: str) -> CourseOption:
        return self._available[course_id].course

    def __contains__(self, course_id: object) -> bool:
        return course_id in self._available

    def __iter__(self) -> Iterator[str]:
        return iter(self._sorted)

    def __len__(self) -> int:
        return len(self._sorted)


@dataclass(frozen=True)
class TargetView:
    """The catalogue as the plans for one target's skills under one set of constraints see it.

    ``courses``: every course by id, the relevance rule applied; ``available``: the courses the constraints
    leave (likewise); ``naming``: ids of the courses naming a target skill (as the catalogue has them),
    catalogue order; ``teachers``: per target skill, every course teaching it and at what level, catalogue
    order; ``available_teachers``: the same among the available courses, in id order (``build_problem``'s);
    ``reported``: the excluded courses teaching a target skill.
    """

    relevance: Relevance
    filtered: Filtered
    courses: Courses
    available: Mapping[str, Available]
    naming: tuple[str, ...]
    teachers: Mapping[str, tuple[tuple[str, int], ...]]
    available_teachers: Mapping[str, tuple[tuple[str, int], ...]]
    reported: frozenset[str]


def _teachers(
    ids: Iterable[str], courses: Mapping[str, CourseOption], uris: Iterable[str]
) -> dict[str, tuple[tuple[str, int], ...]]:
    """Per skill of ``uris``: (course id, level) of the courses of ``ids`` teaching it, ``ids``'s order."""
    found: dict[str, list[tuple[str, int]]] = {uri: [] for uri in uris}
    for cid in ids:
        for uri, level in courses[cid].skills.items():
            if uri in found:
                found[uri].append((cid, level))
    return {uri: tuple(pairs) for uri, pairs in found.items()}


def _rates_key(constraints: Constraints) -> tuple[tuple[str, float], ...]:
    return tuple(sorted(constraints.exchange_rates.items()))


def static_key(constraints: Constraints) -> tuple[Hashable, ...]:
    """What :func:`filters.static_reason` and the prices read of the constraints."""
    c = constraints
    return (c.languages, c.delivery_modes, c.region, c.levels, c.currency, _rates_key(c))


def filter_key(constraints: Constraints) -> tuple[Hashable, ...]:
    """What :func:`filters.exclusion_reason` and the first sessions read of the constraints."""
    c = constraints
    return (*static_key(c), c.excluded, c.completed, c.budget, c.max_hours, c.start, c.deadline)


def _check(courses: Sequence[CourseOption]) -> None:
    seen: set[str] = set()
    for course in courses:
        if course.id in seen:
            raise InvalidPlanInput(f"course id {course.id!r} appears twice in the catalogue", field="courses")
        seen.add(course.id)
    check_prerequisites(courses)


class PlanCatalogue:
    """Courses checked and indexed once for many plans (see the module docstring).

    Building one never raises; :meth:`check` (called by ``plan_paths`` where it checked the list of courses)
    raises what is wrong with the catalogue, on every call.
    """

    def __init__(self, courses: Iterable[CourseOption]):
        self.courses: tuple[CourseOption, ...] = tuple(courses)
        try:
            _check(self.courses)
            self._valid = True
        except (InvalidPlanInput, PrerequisiteCycle):
            self._valid = False
        by_id: dict[str, CourseOption] = {}
        for course in self.courses:
            by_id.setdefault(course.id, course)  # (a catalogue with duplicates is never planned on)
        self.by_id: Mapping[str, CourseOption] = by_id
        self.position: Mapping[str, int] = {c.id: k for k, c in enumerate(self.courses)}
        teaching: dict[str, list[str]] = {}
        for course in self.courses:
            for uri in course.skills:
                teaching.setdefault(uri, []).append(course.id)
        #: skill URI -> ids of the courses naming it, in catalogue order
        self.teaching: Mapping[str, tuple[str, ...]] = {u: tuple(ids) for u, ids in teaching.items()}
        self._relevance: Kept[frozenset[Hashable], Relevance] = Kept(VIEWS_KEPT)
        self._static: Kept[tuple[Hashable, ...], StaticRows] = Kept(KEPT)
        self._filtered: Kept[tuple[Hashable, ...], Filtered] = Kept(KEPT)
        self._views: Kept[tuple[Hashable, ...], TargetView] = Kept(VIEWS_KEPT)

    def __len__(self) -> int:
        return len(self.courses)

    def check(self) -> None:
        """Raise :class:`InvalidPlanInput` for duplicate course ids, then :class:`PrerequisiteCycle` (naming
        its members) when catalogue prerequisites form a cycle."""
        if not self._valid:
            _check(self.courses)

    def naming(self, uris: Iterable[str]) -> list[str]:
        """Ids of the courses naming any of ``uris`` (as the catalogue has them), in catalogue order."""
        found: set[str] = set()
        for uri in uris:
            found.update(self.teaching.get(uri, ()))
        return sorted(found, key=self.position.__getitem__)

    def relevance(
        self,
        target_skills: Mapping[str, float],
        *,
        min_evidence: float = MIN_EVIDENCE,
        subject: SubjectFit | None = None,
    ) -> Relevance:
        """:func:`relevance.relevant_courses` for a target's skills (and its subject), as the courses it
        changes."""
        key: frozenset[Hashable] = frozenset(target_skills.items())
        if min_evidence != MIN_EVIDENCE:
            key = key | {("", min_evidence)}
        if subject is not None:
            key = key | {("subject", subject)}
        found = self._relevance.get(key)
        if found is not None:
            return found
        targets = dict(target_skills)
        stripped: dict[str, CourseOption] = {}
        weak: dict[str, str] = {}
        far: set[str] = set()
        for course_id in self.naming(targets):
            course, why = judged(self.by_id[course_id], targets, min_evidence, subject)
            if why is not None:
                stripped[course_id] = course
                weak[course_id] = why
                if subject is not None and subject.off_subject(course_id) is not None:
                    far.add(course_id)
        return self._relevance.put(key, Relevance(stripped, weak, frozenset(far)))

    def _static_part(self, constraints: Constraints) -> StaticRows:
        key = static_key(constraints)
        found = self._static.get(key)
        if found is None:
            rows = []
            for course in self.courses:
                why = static_reason(course, constraints)
                price = price_in(course, constraints) if why is None else None
                rows.append((course, why, price))
            found = self._static.put(key, tuple(rows))
        return found

    def filtered(self, constraints: Constraints) -> Filtered:
        """:func:`filters.filter_courses` of the whole catalogue (courses as given, not stripped)."""
        key = filter_key(constraints)
        found = self._filtered.get(key)
        if found is not None:
            return found
        available: dict[str, Available] = {}
        excluded: dict[str, str] = {}
        for course, static, price in self._static_part(constraints):
            if course.id in constraints.excluded:
                excluded[course.id] = "excluded by the worker"
            elif course.id in constraints.completed:
                excluded[course.id] = "already completed"
            elif static is not None or price is None:
                excluded[course.id] = static or "no price"
            elif (why := limit_reason(course, price, constraints)) is not None:
                excluded[course.id] = why
            else:
                available[course.id] = Available(course, price, first_session(course, constraints))
        return self._filtered.put(key, Filtered(available, tuple(sorted(available)), excluded))

    def view(
        self, target_skills: Mapping[str, float], constraints: Constraints, subject: SubjectFit | None = None
    ) -> TargetView:
        """The catalogue for a target's skills (URI -> weight in the evidence, as
        :func:`relevance.target_weights` gives) and subject under ``constraints``: kept for the plans that
        share them."""
        key = (frozenset(target_skills.items()), filter_key(constraints), subject)
        found = self._views.get(key)
        if found is not None:
            return found
        relevance = self.relevance(target_skills, subject=subject)
        filtered = self.filtered(constraints)
        courses = Courses(self.by_id, relevance.stripped)
        available: Mapping[str, Available] = filtered.available
        if not relevance.stripped.keys().isdisjoint(available.keys()):
            changed = dict(available)
            for cid, stripped in relevance.stripped.items():
                if (was := changed.get(cid)) is not None:
                    changed[cid] = Available(stripped, was.price, was.first_start)
            available = changed
        naming = self.naming(target_skills)
        open_ids = sorted(cid for cid in naming if cid in available)
        excluded = filtered.excluded
        view = TargetView(
            relevance=relevance,
            filtered=filtered,
            courses=courses,
            available=available,
            naming=tuple(naming),
            teachers=_teachers(naming, courses, target_skills),
            available_teachers=_teachers(open_ids, AvailableCourses(available, ()), target_skills),
            reported=frozenset(
                c for c in naming if c in excluded and not courses[c].skills.keys().isdisjoint(target_skills)
            ),
        )
        return self._views.put(key, view)
