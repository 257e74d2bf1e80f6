"""A stored worker's learning: their plan, course recommendations, events, and what is held about them.

The worker's saved profile (occupation, skills, target, region, languages, budget, currency, hours per week,
delivery modes) goes through the same services as an anonymous request: :func:`plan_for_worker` through
``api.services.plans.plan`` (the answer of ``POST /v1/plans``), :func:`rendered_recommendations` through the
hybrid model's cold-start scoring with the features training builds (``training.dataset.profile_features``)
and the worker's history. Events (viewed, enrolled, completed, rated, dismissed) are the interactions the
ranker trains on; a completion adds the course's skills to the worker's at the levels the course teaches.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from api.services import plans, profiles
from recommender.errors import InvalidPlanInput, UnknownCourse

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

    from api.services.keys import Principal
    from data.db import DriverConnection, DriverQuery
    from data.models import Interaction, Worker
    from recommender.graph import CompetenceGraph
    from recommender.planner import CourseOption, GapItem
    from training.artefacts import LoadedModel

T = TypeVar("T")

#: Event kinds that say the worker took up a course (the model's positives, in time order, as history).
TAKEN = ("viewed", "enrolled", "completed", "rated")
#: Courses not to recommend again: begun, done or turned down.
SETTLED = ("enrolled", "completed", "dismissed")
#: How an answer's ``left_out`` names a course the worker settled (the last of these events on it).
SETTLED_REASONS = {
    "enrolled": "enrolled already",
    "completed": "completed already",
    "dismissed": "dismissed by the worker",
}
#: Course ids an answer's ``left_out`` shows per reason (the first, by id), as the worker page does.
LEFT_OUT_IDS = 5
#: Where each table holding rows about a worker appears in their export (tests check none is missing).
EXPORT_SECTIONS = {
    "workers": "profile",
    "worker_skills": "profile.skills",
    "interactions": "events",
    "cohort_people": "cohorts",
    "api_keys": "keys",
    "audit_log": "accesses",
}


@dataclass(frozen=True)
class History:
    """A worker's events in time order: (course id, kind)."""

    events: tuple[tuple[str, str], ...]

    def courses(self, kinds: Sequence[str]) -> tuple[str, ...]:
        """Course ids with an event of ``kinds``, each once, in the order first seen."""
        return tuple(dict.fromkeys(course for course, kind in self.events if kind in kinds))


def history(*, db_session: Session, worker_id: int) -> History:
    """The worker's events, oldest first."""
    from sqlalchemy import select

    from data.models import Interaction

    rows = db_session.execute(
        select(Interaction.course_id, Interaction.kind)
        .where(Interaction.worker_id == worker_id)
        .order_by(Interaction.occurred_at, Interaction.id)
    )
    return History(tuple((course, kind) for course, kind in rows))


def _profile(worker: Worker) -> tuple[list[str], dict[str, int]]:
    """The worker's occupations and skills with levels."""
    occupations = [worker.current_occupation_uri] if worker.current_occupation_uri else []
    return occupations, {s.skill_uri: s.proficiency for s in worker.skills}


def _no_target(*, allow_param: bool) -> InvalidPlanInput:
    return InvalidPlanInput(
        "the worker has no target occupation: set it (PATCH /v1/workers/{id} with target)"
        + (" or pass target=" if allow_param else ""),
        field="target",
    )


def stored_features(
    *, graph: CompetenceGraph, worker: Worker, skills: Mapping[str, int] | None = None
) -> dict[str, float]:
    """The worker's user features exactly as training builds them from the stored rows
    (``training.dataset.from_database``: occupation, its ISCO groups, stored skills, region, languages);
    ``skills``: the worker's, when already read.
    """
    from training.dataset import profile_features

    occupations = [worker.current_occupation_uri] if worker.current_occupation_uri else []
    held = _profile(worker)[1] if skills is None else skills
    return profile_features(
        occupations={uri: graph.isco_codes[graph.occupation_index[uri]] for uri in occupations},
        skills=held,
        region=worker.region,
        languages=list(worker.languages or ()),
    )


def plan_for_worker(
    *,
    db_session: Session,
    graph: CompetenceGraph,
    options: plans.PlanOptions,
    model: LoadedModel | None,
    worker: Worker,
    today: dt.date | None = None,
) -> plans.PlanAnswer:
    """Plan toward the worker's target with their saved limits; their completed courses count as done."""
    if worker.target_occupation_uri is None:
        raise _no_target(allow_param=False)
    occupations, skills = _profile(worker)
    profile = profiles.profile_gap(
        graph=graph, target=worker.target_occupation_uri, occupations=occupations, skills=skills
    )
    request = worker_request(worker, history(db_session=db_session, worker_id=worker.id))
    return plans.plan(profile=profile, options=options, model=model, request=request, today=today)


def worker_request(worker: Worker, past: History | None = None) -> plans.PlanRequest:
    """The worker's saved limits (budget and currency, hours a week, languages, delivery modes, region) as a
    plan request, with ``past``'s completed courses done and its dismissed ones turned down: what their plan
    is made with and their recommendations are filtered by (which leave out settled courses themselves)."""
    past = past or History(())
    return plans.PlanRequest(
        budget=worker.budget,
        currency=worker.currency,
        hours_per_week=worker.hours_per_week or plans.PlanRequest.hours_per_week,
        languages=tuple(worker.languages or ()),
        delivery_modes=tuple(worker.delivery_modes or ()),
        region=worker.region,
        done=past.courses(("completed",)),
        dismissed=past.courses(("dismissed",)),
    )


@dataclass(frozen=True)
class CourseIndex:
    """The plannable courses as arrays, for ranking them all at once: built once per (options, model) pair
    (:func:`course_index`), since both are loaded once and replaced whole, never changed in place."""

    courses: tuple[CourseOption, ...]
    row: Mapping[str, int]  # course id -> its row
    by_id: NDArray[np.int64]  # each row's rank in id order (the last tie-break)
    positions: NDArray[np.int64]  # each row's index in the model's scores, -1: not in the model (or none)
    skill_column: Mapping[str, int]  # skill URI -> its column in ``taught`` (columns sorted by URI)
    taught: sp.csc_matrix  # (courses, skills): the level a course teaches a skill + 1 (0: not taught)
    needing: tuple[int, ...]  # the rows of courses with prerequisites
    prerequisite_ids: frozenset[str]  # the courses some course needs first
    answers: Answers = field(default_factory=lambda: Answers(), compare=False)  # rendered_recommendations'
    _open: OrderedDict[Hashable, Open] = field(default_factory=OrderedDict, compare=False, repr=False)
    _open_lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    @classmethod
    def build(cls, options: plans.PlanOptions, model: LoadedModel | None) -> CourseIndex:
        courses = options.courses
        ids = [c.id for c in courses]
        positions = model.item_positions(ids) if model is not None else np.full(len(ids), -1, np.int64)
        skill_uris = sorted({uri for course in courses for uri in course.skills})
        column = {uri: j for j, uri in enumerate(skill_uris)}
        links = [
            (row, column[uri], level + 1) for row, c in enumerate(courses) for uri, level in c.skills.items()
        ]
        at_row, at_column, level = (
            (np.array(part, dtype=np.int64) for part in zip(*links, strict=True))
            if links
            else (np.zeros(0, np.int64),) * 3
        )
        return cls(
            courses=courses,
            row={course_id: row for row, course_id in enumerate(ids)},
            by_id=np.argsort(np.argsort(np.array(ids, dtype=np.str_), kind="stable"), kind="stable"),
            positions=positions,
            skill_column=column,
            taught=sp.csc_matrix((level, (at_row, at_column)), shape=(len(courses), len(skill_uris))),
            needing=tuple(row for row, course in enumerate(courses) if course.prerequisites),
            prerequisite_ids=frozenset(pre.course_id for course in courses for pre in course.prerequisites),
        )

    def open_to(self, options: plans.PlanOptions, terms: plans.RequestTerms) -> Open:
        """The courses a worker of ``terms`` can take, as their plan sees them (``options`` priced for their
        pricing, then filtered by their constraints), kept for the last :data:`OPEN_KEPT` pairs of pricing
        and constraints: workers with the same limits share it."""
        from recommender.planner.catalogue import filter_key

        key = (plans.pricing_key(terms.pricing), filter_key(terms.constraints))
        with self._open_lock:
            found = self._open.get(key)
            if found is not None:
                self._open.move_to_end(key)
                return found
        found = Open.of(self, options, terms)
        with self._open_lock:
            self._open[key] = found
            while len(self._open) > OPEN_KEPT:
                self._open.popitem(last=False)
        return found

    def content_scores(self, gap: Sequence[GapItem]) -> NDArray[np.float64]:
        """``recommender.planner.plan.content_scores`` of every course, by row, computed on the arrays.

        The same sums in the same order (each course's gap skills by URI, from 0), so the same floats: the
        share of the gap a course closes on its own, essential skills weighing double."""
        weights = {item.skill_uri: item.weight * (2.0 if item.essential else 1.0) for item in gap}
        total = sum(weights.values()) or 1.0
        span = sorted((item.skill_uri, item) for item in gap if item.skill_uri in self.skill_column)
        taught = self.taught[:, [self.skill_column[uri] for uri, _ in span]]  # columns by URI
        at = np.repeat(np.arange(len(span)), np.diff(taught.indptr))  # each link's position in span
        held = np.array([item.held_level for _, item in span], dtype=np.int64)[at]
        needed = np.array([item.needed_level for _, item in span], dtype=np.int64)[at]
        level = taught.data - 1
        steps = np.maximum(0, np.minimum(level, needed) - held) / np.maximum(needed - held, 1)
        share = np.where(needed <= held, 1.0, steps)
        weight = np.array([weights[uri] for uri, _ in span], dtype=np.float64)[at]
        # the links come column by column (CSC), so each course's sum adds its gap skills in URI order
        sums = np.bincount(taught.indices, weights=weight * share, minlength=len(self.courses))
        return sums / total


#: How :meth:`Open.taking` begins the reason of a course whose prerequisite cannot be taken.
NEEDS_FIRST = "needs a course first "
#: :class:`Open` filters kept per course index: one per set of limits (budget or not, free only, currency,
#: languages, delivery modes, region, start date) in use; each holds two arrays of the catalogue's length.
OPEN_KEPT = 32


@dataclass(frozen=True)
class Open:
    """The courses of a :class:`CourseIndex` a worker can take under one pricing and set of constraints.

    ``rows``: whether each row can be taken; ``prices``: its price as the plan prices it (in the plan
    currency; NaN where it cannot be taken); ``reasons``: why the others cannot be (the pricing's reasons,
    then the constraints' as :func:`recommender.planner.filters.grouped_reason` words them), and
    ``reason_at`` each row's among them (-1: it can be taken); ``unstated``: the rows whose catalogue states
    no price, in words (planned when the worker sets no budget: their price of 0 is not known to be free)."""

    rows: NDArray[np.bool_]
    prices: NDArray[np.float64]
    reasons: tuple[str, ...]
    reason_at: NDArray[np.int64]
    unstated: Mapping[int, str] = field(default_factory=dict)  # row -> "price not stated by <catalogue>"

    @classmethod
    def of(cls, index: CourseIndex, options: plans.PlanOptions, terms: plans.RequestTerms) -> Open:
        from recommender.planner.filters import grouped_reason

        catalogue = options.catalogue(terms.pricing)
        filtered = catalogue.filtered(terms.constraints)
        rows = np.zeros(len(index.courses), dtype=bool)
        prices = np.full(len(index.courses), np.nan)
        for course_id, available in filtered.available.items():
            row = index.row[course_id]
            rows[row], prices[row] = True, available.price
        why = [(item["course_id"], item["reason"]) for item in options.set_aside(terms.pricing)]
        why += [
            (c, grouped_reason(catalogue.by_id[c], reason, terms.constraints))
            for c, reason in filtered.excluded.items()
        ]
        codes: dict[str, int] = {}
        reason_at = np.full(len(index.courses), -1, dtype=np.int64)
        for course_id, reason in why:
            reason_at[index.row[course_id]] = codes.setdefault(reason, len(codes))
        unstated = {
            index.row[c]: f"price not stated by {options.terms[c].catalogue or 'its catalogue'}"
            for c in options.priced(terms.pricing).price_unknown
        }
        return cls(rows, prices, tuple(codes), reason_at, unstated)

    _taking: dict[frozenset[str], Open] = field(default_factory=dict, compare=False, repr=False)

    def taking(self, index: CourseIndex, completed: Iterable[str]) -> Open:
        """These courses less those whose prerequisite cannot be taken (one not in ``completed``, directly or
        further down), each left out with why, in words that name no course of its own (``left_out`` counts
        courses by reason): the worker's plan drops them too (``recommender.planner.build``: "needs course
        ... first, which is unavailable"). Kept per set of completed courses that are prerequisites."""
        key = frozenset(completed) & index.prerequisite_ids
        found = self._taking.get(key)
        if found is not None:
            return found
        rows, prices, reason_at = self.rows.copy(), self.prices.copy(), self.reason_at.copy()
        reasons = list(self.reasons)
        codes = {reason: code for code, reason in enumerate(reasons)}
        changed = True
        while changed:  # a course blocked in one pass blocks the courses that need it in the next
            changed = False
            for row in index.needing:
                reason = _needs_first(index, row, key, rows, reasons, reason_at) if rows[row] else None
                if reason is not None:
                    rows[row], prices[row] = False, np.nan
                    reason_at[row] = codes.setdefault(reason, len(codes))
                    if reason_at[row] == len(reasons):
                        reasons.append(reason)
                    changed = True
        found = Open(rows, prices, tuple(reasons), reason_at, self.unstated)
        if len(self._taking) >= OPEN_KEPT:
            self._taking.clear()
        self._taking[key] = found
        return found

    def left_out(
        self, among: NDArray[np.bool_], by_id: NDArray[np.int64]
    ) -> list[tuple[str, int, list[int]]]:
        """The rows of ``among`` that cannot be taken, by reason: (reason, how many, the first
        :data:`LEFT_OUT_IDS` rows in id order)."""
        out = np.flatnonzero(among & (self.reason_at >= 0))
        codes = self.reason_at[out]
        found = []
        for code in np.flatnonzero(np.bincount(codes, minlength=len(self.reasons))).tolist():
            rows = out[codes == code]
            first = rows[np.argsort(by_id[rows], kind="stable")[:LEFT_OUT_IDS]]
            found.append((self.reasons[code], len(rows), first.tolist()))
        return found


def _needs_first(  # noqa: PLR0913 - the course and the state of Open.taking's pass
    index: CourseIndex,
    row: int,
    completed: frozenset[str],
    rows: NDArray[np.bool_],
    reasons: Sequence[str],
    reason_at: NDArray[np.int64],
) -> str | None:
    """Why the course of ``row`` cannot be taken for a prerequisite (not ``completed``) that cannot be, or
    None: the prerequisite's own reason, or the reason it carries itself when it needs one first."""
    for pre in index.courses[row].prerequisites:
        at = index.row.get(pre.course_id)
        if pre.course_id in completed or (at is not None and rows[at]):
            continue
        if at is None:
            return f"{NEEDS_FIRST}that is not in the catalogue"
        if reasons[reason_at[at]].startswith(NEEDS_FIRST):
            return reasons[reason_at[at]]  # the same cause, further down
        return f"{NEEDS_FIRST}that the worker cannot take ({reasons[reason_at[at]]})"
    return None


#: Answers of :func:`rendered_recommendations` kept per course index (per served options and model). An answer
#: and its JSON take ~55 KB: with 4,096 kept a served process peaked at 744 MB in bench_http at 1, 8 and 32
#: connections (issue 10 asks for <= 600 MB a process), with 1,024 at 597 MB, with 512 at 535 MB.
ANSWERS_KEPT = 512


class Answers:
    """The last :data:`ANSWERS_KEPT` answers of :func:`rendered_recommendations` for one (options, model)
    pair, each keyed by everything it was computed from: the worker's row and skills, their events, the
    target and limit asked, and the graph (kept with the answer, compared by identity). A changed profile, a
    new event or another model or catalogue is another key, so a kept answer is the one a computation would
    give.

    With each answer its renderings are kept (``render(answer)``, e.g. the HTTP answer's JSON bytes), made
    once per answer and render function."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: OrderedDict[tuple[Any, ...], _Kept] = OrderedDict()

    def get(self, key: tuple[Any, ...], graph: CompetenceGraph) -> _Kept | None:
        with self._lock:
            found = self._kept.get(key)
            if found is None or found.graph is not graph:
                return None
            self._kept.move_to_end(key)
        return found

    def put(self, key: tuple[Any, ...], graph: CompetenceGraph, answer: dict[str, Any]) -> _Kept:
        kept = _Kept(graph, answer)
        with self._lock:
            self._kept[key] = kept
            while len(self._kept) > ANSWERS_KEPT:
                self._kept.popitem(last=False)
        return kept


class _Kept:
    """A kept answer (never changed: callers get copies) and its renderings, by render function."""

    def __init__(self, graph: CompetenceGraph, answer: dict[str, Any]) -> None:
        self.graph = graph
        self.answer = answer
        self._rendered: dict[Callable[[dict[str, Any]], Any], Any] = {}

    def rendered(self, render: Callable[[dict[str, Any]], T]) -> T:
        if render not in self._rendered:  # two threads may both render: the same value, one kept
            self._rendered[render] = render(self.answer)
        value: T = self._rendered[render]
        return value


def _frozen(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    return value


#: Course indexes kept: the served (options, model) pair and the one before a swap.
INDEXES_KEPT = 2
_indexes: OrderedDict[tuple[int, int], tuple[plans.PlanOptions, LoadedModel | None, CourseIndex]] = (
    OrderedDict()
)
_indexes_lock = threading.Lock()


def course_index(options: plans.PlanOptions, model: LoadedModel | None) -> CourseIndex:
    """The :class:`CourseIndex` of ``options`` and ``model``, built on first use and kept for the last
    :data:`INDEXES_KEPT` pairs. Keyed by the objects themselves (a new model or new options is a new pair):
    the entry holds both, so their ids are not reused while it is kept."""
    key = (id(options), id(model))
    with _indexes_lock:
        found = _indexes.get(key)
        if found is not None and found[0] is options and found[1] is model:
            _indexes.move_to_end(key)
            return found[2]
    index = CourseIndex.build(options, model)
    with _indexes_lock:
        _indexes[key] = (options, model, index)
        while len(_indexes) > INDEXES_KEPT:
            _indexes.popitem(last=False)
    return index


@dataclass(frozen=True)
class StoredWorker:
    """A worker as the database holds them, read with a few driver-level queries (:func:`stored_worker`):
    what a kept answer is keyed by, without an ORM object."""

    id: int
    row: tuple[Any, ...]  # the ``workers`` row as the driver gives it (SQLite: JSON and times as text)
    skills: dict[str, int]  # skill URI -> level
    history: History


def stored_worker(*, db_session: Session, worker_id: int, principal: Principal) -> StoredWorker:
    """The worker's row, skills and events, or :class:`UnknownWorker` when there is none or ``principal``
    may not see them (never a hint): ``api.services.workers.get_worker``'s answer, read through the driver
    (three indexed reads: ~50 us on SQLite where the ORM takes ~1 ms), for a route that answers from a kept
    answer most of the time."""
    db_session.flush()  # what the session holds and has not written yet is read too, as by a query
    return stored_worker_on(db_session.connection(), worker_id=worker_id, principal=principal)


def stored_worker_on(
    connection: Connection | DriverConnection, *, worker_id: int, principal: Principal
) -> StoredWorker:
    """:func:`stored_worker` on a connection in a transaction (a Core or a driver one)."""
    from api.services.keys import UnknownWorker, may_see_worker

    row_query, skills_query, history_query, organisation_at = _stored_worker_queries()
    rows = row_query.rows(connection, worker_id=worker_id)
    if not rows or not may_see_worker(
        principal, worker_id=worker_id, organisation_id=rows[0][organisation_at]
    ):
        raise UnknownWorker(str(worker_id))
    return StoredWorker(
        id=worker_id,
        row=tuple(_frozen(value) for value in rows[0]),
        skills={uri: level for uri, level in skills_query.rows(connection, worker_id=worker_id)},
        history=History(
            tuple((course, kind) for course, kind in history_query.rows(connection, worker_id=worker_id))
        ),
    )


@cache
def _stored_worker_queries() -> tuple[DriverQuery, DriverQuery, DriverQuery, int]:
    """The queries of :func:`stored_worker`, and where the organisation is in a worker's row."""
    from sqlalchemy import Integer, Table, bindparam, select

    from data.db import DriverQuery
    from data.models import Interaction, Worker, WorkerSkill

    table = cast(Table, Worker.__table__)
    worker_id = bindparam("worker_id", type_=Integer)
    return (
        DriverQuery(select(table).where(table.c.id == worker_id)),
        DriverQuery(
            select(WorkerSkill.skill_uri, WorkerSkill.proficiency).where(WorkerSkill.worker_id == worker_id)
        ),
        DriverQuery(
            select(Interaction.course_id, Interaction.kind)
            .where(Interaction.worker_id == worker_id)
            .order_by(Interaction.occurred_at, Interaction.id)
        ),
        list(table.c.keys()).index("organisation_id"),
    )


def rendered_recommendations(  # noqa: PLR0913 - the worker, what ranks, the question, the rendering
    *,
    db_session: Session,
    graph: CompetenceGraph,
    options: plans.PlanOptions,
    model: LoadedModel | None,
    worker: StoredWorker,
    render: Callable[[dict[str, Any]], T],
    target: str | None = None,
    limit: int = 10,
    today: dt.date | None = None,
) -> T:
    """Courses ranked for the worker of :func:`stored_worker`, each with why, as ``render`` makes them: by
    the hybrid model when there is one, else by the share of the gap to the target a course closes (the
    planner's content score; then a target is needed).

    With a target (``target`` or the worker's), only courses that teach a skill of the gap are ranked. Courses
    the worker enrolled in, completed or dismissed are left out. Ties are broken by the content score, then
    by course id.

    Only courses the worker can take are ranked, as their plan sees them (:func:`worker_request`: priced
    for their budget, currency and languages, then filtered by their languages, delivery modes, region and
    budget; a course that needs one first they cannot take and have not completed is dropped, as their plan
    drops it: :meth:`Open.taking`), and the answer's ``left_out`` counts the others that would have been
    ranked (with a target: those teaching a skill of the gap) by reason, commonest first, with the first
    ids; each course once: under the reason their limits give, else under what they did with it (enrolled,
    completed or dismissed). Prices are as the plan prices them, in the worker's currency.

    An answer is kept (:class:`Answers`), keyed by the worker's stored row, skills and events as read, with
    its rendering, made once per answer (the HTTP route's JSON bytes: a kept answer is not validated and
    serialised again on every request); only an answer not kept loads the worker's ORM object, to compute it.
    ``render`` is the kept rendering's key: pass the same function every time (not a new lambda)."""
    index = course_index(options, model)
    today = today or dt.date.today()  # the plan's start: a course's sessions must start on or after it
    key = _answer_key(worker, target, limit, today)
    kept = index.answers.get(key, graph)
    if kept is None:
        from data.models import Worker

        loaded = db_session.get(Worker, worker.id)
        if loaded is None:  # read in this transaction a moment ago: gone only if deleted by this session
            from api.services.keys import UnknownWorker

            raise UnknownWorker(str(worker.id))
        occupations = [loaded.current_occupation_uri] if loaded.current_occupation_uri else []
        terms = plans.request_terms(options=options, request=worker_request(loaded), today=today)
        answer = _recommend(
            graph,
            model,
            loaded,
            index,
            index.open_to(options, terms).taking(index, worker.history.courses(("completed",))),
            terms.constraints.currency,
            occupations,
            dict(worker.skills),
            worker.history,
            target,
            limit,
        )
        kept = index.answers.put(key, graph, answer)
    return kept.rendered(render)


def kept_recommendations(  # noqa: PLR0913 - rendered_recommendations' inputs but the session
    *,
    graph: CompetenceGraph,
    options: plans.PlanOptions,
    model: LoadedModel | None,
    worker: StoredWorker,
    render: Callable[[dict[str, Any]], T],
    target: str | None = None,
    limit: int = 10,
    today: dt.date | None = None,
) -> T | None:
    """What :func:`rendered_recommendations` answers when its answer is kept, else None (nothing is
    computed): for a caller that reads the worker on the driver and would rather not open a session."""
    key = _answer_key(worker, target, limit, today or dt.date.today())
    kept = course_index(options, model).answers.get(key, graph)
    return None if kept is None else kept.rendered(render)


def _answer_key(worker: StoredWorker, target: str | None, limit: int, today: dt.date) -> tuple[Any, ...]:
    """What a kept answer is keyed by (:class:`Answers`), but the graph."""
    return (worker.row, tuple(sorted(worker.skills.items())), worker.history.events, target, limit, today)


def _recommend(  # noqa: PLR0913 - rendered_recommendations' inputs, read once there
    graph: CompetenceGraph,
    model: LoadedModel | None,
    worker: Worker,
    index: CourseIndex,
    open_to: Open,
    currency: str,
    occupations: list[str],
    skills: dict[str, int],
    past: History,
    target: str | None,
    limit: int,
) -> dict[str, Any]:
    """What :func:`rendered_recommendations` answers, computed."""
    from recommender.planner.from_gap import gap_items

    target_uri = graph.resolve_occupation(target) if target else worker.target_occupation_uri
    gap = None
    content = np.zeros(len(index.courses))
    considered = np.ones(len(index.courses), dtype=bool)  # what is ranked but for the worker's limits
    if target_uri is not None:
        profile = profiles.profile_gap(graph=graph, target=target_uri, occupations=occupations, skills=skills)
        gap = {item.skill_uri: item for item in gap_items(profile.gap)}
        content = index.content_scores(list(gap.values()))
        considered = content > 0
    elif model is None:
        raise _no_target(allow_param=True)
    wanted = open_to.rows & considered
    left_out = [
        (reason, count, [index.courses[row].id for row in first])
        for reason, count, first in open_to.left_out(considered, index.by_id)
    ]
    settled: dict[str, list[str]] = {}
    for course_id, kind in dict((c, k) for c, k in past.events if k in SETTLED).items():  # the last kind
        if (row := index.row.get(course_id)) is not None and wanted[row]:
            wanted[row] = False
            settled.setdefault(SETTLED_REASONS[kind], []).append(course_id)
    left_out += [(reason, len(ids), sorted(ids)[:LEFT_OUT_IDS]) for reason, ids in settled.items()]
    left_out.sort(key=lambda group: (-group[1], group[0]))
    rows = np.flatnonzero(wanted)
    content = content[rows]
    if model is not None:
        features = stored_features(graph=graph, worker=worker, skills=skills)
        taken = [c for c in past.courses(TAKEN) if c in model.items]
        vector = model.score_vector(features, history=taken)
        positions = index.positions[rows]
        scores = np.where(positions >= 0, vector[np.maximum(positions, 0)], -np.inf)
        courses = f"{len(taken)} course{'s' if len(taken) != 1 else ''} taken"
        ranking = f"hybrid model {model.path.name} (the worker's features and {courses})"
    else:
        scores = content
        ranking = plans.CONTENT_RANKING
    order = np.lexsort((index.by_id[rows], -content, -scores))  # the last key sorts first
    items = []
    for rank, at in enumerate(order[:limit].tolist(), start=1):
        course = index.courses[rows[at]]
        why = _taught(graph, course.skills, gap, graph.label(target_uri) if target_uri else "")
        if model is not None:
            why.append(f"rank {rank} of {len(rows)} by the hybrid model for this profile and history")
        else:
            why.append(f"closes {content[at]:.0%} of the weighted gap on its own")
        unstated = open_to.unstated.get(rows[at])
        if unstated is not None:  # as the plan says it (upskill plan: 'not stated'; POST /v1/plans lists it)
            why.append(unstated)
        items.append(
            {
                "course_id": course.id,
                "title": course.title,
                "hours": course.hours,
                "price": None if unstated is not None else float(open_to.prices[rows[at]]),
                "currency": currency,
                "language": course.language,
                "delivery_mode": course.delivery_mode,
                "level": course.level,
                "score": float(scores[at]) if np.isfinite(scores[at]) else 0.0,
                "gap_share": float(content[at]) if gap is not None else None,
                "why": why,
            }
        )
    return {
        "worker_id": worker.id,
        "target_uri": target_uri,
        "target_label": graph.label(target_uri) if target_uri else None,
        "ranking": ranking,
        "model": model is not None,
        "candidates": len(rows),
        "left_out": [
            {"reason": reason, "count": count, "course_ids": first} for reason, count, first in left_out
        ],
        "items": items,
    }


def _taught(
    graph: CompetenceGraph, skills: Mapping[str, int], gap: Mapping[str, GapItem] | None, target_label: str
) -> list[str]:
    """What a course teaches, in words: the gap skills it raises (with a target), else all its skills."""
    if gap is None:
        return [f"teaches {', '.join(graph.label(uri) for uri in sorted(skills)) or 'no tagged skills'}"]
    return [
        f"teaches {item.label} to level {level} (held {item.held_level}, {item.relation} for "
        f"{target_label} at {item.needed_level})"
        for uri, level in sorted(skills.items())
        if (item := gap.get(uri)) is not None and level > item.held_level
    ]


# --- events -------------------------------------------------------------------------------------------


def record_event(
    *,
    db_session: Session,
    worker: Worker,
    course_id: str,
    kind: str,
    value: float | None = None,
    occurred_at: dt.datetime | None = None,
) -> tuple[Interaction, list[dict[str, Any]]]:
    """Store an event as an interaction; a completion raises the worker's skills to the course's levels.

    Returns the interaction and the skills it raised (uri, level before, level now).
    """
    from data.models import INTERACTION_KINDS, Course, CourseSkill, Interaction, WorkerSkill

    now = dt.datetime.now(dt.UTC)
    if occurred_at is not None and occurred_at.tzinfo is None:
        occurred_at = occurred_at.replace(tzinfo=dt.UTC)  # a time without a zone is UTC
    if occurred_at is not None and occurred_at > now + dt.timedelta(minutes=5):
        raise InvalidPlanInput(f"{occurred_at.isoformat()} is in the future", field="occurred_at")
    if kind not in INTERACTION_KINDS:
        raise InvalidPlanInput(f"unknown kind {kind!r}; one of {', '.join(INTERACTION_KINDS)}", field="kind")
    if (kind == "rated") != (value is not None):
        raise InvalidPlanInput("a rating 1..5 goes with kind 'rated', and only with it", field="value")
    course = db_session.get(Course, course_id)
    if course is None:
        raise UnknownCourse(course_id)
    event = Interaction(
        worker_id=worker.id,
        course_id=course.id,
        kind=kind,
        value=value,
        occurred_at=occurred_at or now,
    )
    db_session.add(event)
    raised: list[dict[str, Any]] = []
    if kind == "completed":
        from sqlalchemy import select

        held = {s.skill_uri: s for s in worker.skills}
        taught = db_session.execute(
            select(CourseSkill.skill_uri, CourseSkill.level)
            .where(CourseSkill.course_id == course.id)
            .order_by(CourseSkill.skill_uri)
        )
        for uri, level in taught:
            level = max(0, min(int(level), 4))
            before = held[uri].proficiency if uri in held else 0
            if level <= before:
                continue
            if uri in held:
                held[uri].proficiency = level
            else:
                worker.skills.append(WorkerSkill(skill_uri=uri, proficiency=level))
            raised.append({"uri": uri, "before": before, "level": level})
    db_session.flush()
    return event, raised


def describe_event(event: Interaction) -> dict[str, Any]:
    return {
        "id": event.id,
        "course_id": event.course_id,
        "kind": event.kind,
        "value": event.value,
        "occurred_at": event.occurred_at,
    }


# --- GDPR export --------------------------------------------------------------------------------------


def export_worker(*, db_session: Session, graph: CompetenceGraph | None, worker: Worker) -> dict[str, Any]:
    """Everything held about the worker: profile and skills, events, cohort memberships, their keys, and
    who used their data (the audit log: key id, role, action, route, when; never a key)."""
    from sqlalchemy import select

    from api.services import audit, keys
    from api.services.workers import describe_worker
    from data.models import Cohort, CohortPerson, Interaction

    events = db_session.scalars(
        select(Interaction)
        .where(Interaction.worker_id == worker.id)
        .order_by(Interaction.occurred_at, Interaction.id)
    )
    memberships = db_session.execute(
        select(CohortPerson, Cohort.name, Cohort.organisation_id)
        .join(Cohort, Cohort.id == CohortPerson.cohort_id)
        .where(CohortPerson.worker_id == worker.id)
        .order_by(CohortPerson.id)
    )
    return {
        "exported_at": dt.datetime.now(dt.UTC),
        "profile": describe_worker(graph=graph, worker=worker),
        "events": [describe_event(e) for e in events],
        "cohorts": [
            {
                "cohort_id": person.cohort_id,
                "cohort_name": name,
                "organisation_id": organisation_id,
                "person_id": person.person_id,
                "status": person.status,
                "plan_id": person.plan_id,
                "record": dict(person.record),
            }
            for person, name, organisation_id in memberships
        ],
        "keys": keys.list_keys(db_session, worker_id=worker.id),
        "accesses": audit.accesses_of(db_session=db_session, worker_id=worker.id),
    }
