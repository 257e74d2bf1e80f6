"""Plan a whole workforce's transition: who moves to which target role, each person's plan, seats, readiness.

Three steps, each exact:

1. **Gaps, shared.** Each distinct profile (occupations + declared skills) is resolved once; its gap to a
   target is the vector of levels it holds on the target's skills (the rules of :mod:`recommender.gap`,
   vectorised by ``credit_vectors``). People whose gap vector and personal constraints (hours per week,
   start, languages, region) agree share one plan: each distinct *plan task* is planned once with
   :func:`recommender.planner.plan_paths`, with no more course hours than the weeks to the target's deadline
   hold at the person's hours per week (what the courses cannot reach in time is left to on-the-job
   training), in chunks mapped in process or over a Dask cluster (:mod:`recommender.cluster`).
2. **Options.** A (person, target) pair is an *option* when the plan finishes by the target's deadline (or
   the horizon) at the person's hours per week, and after it the person holds at least ``min_readiness`` of
   the target's essential skills (weighted by the gap's weights, partial levels counting in part). Skills no
   course of the catalogue closes are left to on-the-job training, counted at ``on_the_job_hours`` per
   missing level step: HR's figure, or by default the median course hours per essential level step of the
   plans computed (a missing level costs as much on the job as by the typical course; without it the
   cheaper way always wins: at a low rate, people no course reaches would look cheapest to move).
3. **Assignment, lexicographic MILP** (``scipy.optimize.milp``, HiGHS, relative gap 0). People with the same
   options form a group; ``x[g, t]`` is how many of group g move to target t. Constraints: each group's size,
   each target's headcount as an upper bound with a shortfall variable ``s_t = headcount - filled``, the
   budget on course fees. Under a budget, a pair whose plan has fees has a second option, the plan of
   free courses only (what they leave open goes to on-the-job training), so that a budget too small for
   every plan's fees still moves people. First the shortfall is minimised, one priority level at a time
   (priority 1 first, each level's optimum then kept as a constraint), so a seat is left empty only when no
   one fits it within the budget; then, under a budget, the number of people on free variants (kept); then
   the total training hours (or course cost) are minimised. Each stage solves the LP
   relaxation first: without the budget row the constraints form a bipartite (totally unimodular) system,
   so when the budget does not cut the LP optimum it is integral, and thereby the integer optimum;
   otherwise the MILP decides. The certificate is ``optimal`` when every stage was solved to optimality,
   else ``gap`` with the best bound HiGHS proved.

Month by month readiness counts, per role, the people assigned whose course plan has finished by the end of
that month (the planner's finish dates).
"""

from __future__ import annotations

import calendar
import functools
import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, milp

from recommender.codes import UNDETERMINED_LANGUAGE, language_name
from recommender.errors import InvalidPlanInput
from recommender.gap import DEFAULT_LEVELS, RELATION_WEIGHT, Profile, RequiredLevels, holdings, strengths
from recommender.graph import ESSENTIAL, CompetenceGraph
from recommender.planner import (
    BadgeOption,
    Constraints,
    CourseOption,
    GapItem,
    Plan,
    PlanCatalogue,
    Prerequisite,
    plan_paths,
)
from recommender.planner.alternatives import for_group, for_hr
from recommender.planner.from_gap import MIN_WEIGHT
from recommender.planner.model import Way, check_hours_per_week
from recommender.planner.schedule import hours_until, weeks_until
from recommender.planner.subject import SubjectFit, SubjectVectors
from recommender.workforce import Person, Target, TitleToConfirm

Objective = Literal["hours", "cost"]
#: Default share of a target's essential skills (weighted) a person must hold after the courses to fit it.
MIN_READINESS = 0.25
#: On-the-job hours per level step of an essential skill when no plan raises one to derive the rate from.
ON_THE_JOB_HOURS = 8.0


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months (clamped to the month's last day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class CohortSettings:
    """The organisation's constraints for the whole transition.

    ``hours_per_week`` is the paid training time each person gets unless their own row says otherwise;
    ``languages`` apply to people whose row gives none; ``budget`` (None: no limit) covers course fees in
    ``currency``, with ``exchange_rates`` for catalogues priced in other currencies.
    """

    start: date
    months: int
    hours_per_week: float
    budget: float | None = None
    currency: str = "EUR"
    exchange_rates: Mapping[str, float] = field(default_factory=dict)
    languages: tuple[str, ...] = ()
    delivery_modes: tuple[str, ...] = ()
    objective: Objective = "hours"
    min_readiness: float = MIN_READINESS
    on_the_job_hours: float | None = None  # None: the median course hours per level step of the plans
    include_optional: bool = False
    time_limit: float = 60.0
    #: The levels each target occupation needs (by URI), an organisation's table; a target not in it: the
    #: default levels of ``recommender.gap``.
    required_levels: Mapping[str, RequiredLevels] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 1 <= self.months <= 120:
            raise InvalidPlanInput(f"must be 1 to 120 months, got {self.months!r}", field="months")
        check_hours_per_week(self.hours_per_week)
        if self.budget is not None and not (np.isfinite(self.budget) and self.budget >= 0):
            raise InvalidPlanInput(f"must be an amount >= 0, got {self.budget!r}", field="budget")
        if self.objective not in ("hours", "cost"):
            raise InvalidPlanInput(f"must be hours or cost, got {self.objective!r}", field="objective")
        if not 0 <= self.min_readiness <= 1:
            raise InvalidPlanInput(
                f"must be a share from 0 to 1, got {self.min_readiness!r}", field="min_readiness"
            )
        if self.on_the_job_hours is not None and not (
            np.isfinite(self.on_the_job_hours) and self.on_the_job_hours >= 0
        ):
            raise InvalidPlanInput(
                f"must be hours >= 0, got {self.on_the_job_hours!r}", field="on_the_job_hours"
            )
        # validates the start, the currency and the rates the same way a single plan does
        Constraints(currency=self.currency, exchange_rates=dict(self.exchange_rates), start=self.start)
        object.__setattr__(self, "currency", self.currency.upper())
        object.__setattr__(
            self, "exchange_rates", MappingProxyType({k.upper(): v for k, v in self.exchange_rates.items()})
        )

    @property
    def horizon_end(self) -> date:
        """The last day of the horizon."""
        return date.fromordinal(add_months(self.start, self.months).toordinal() - 1)


# --- targets: the static part of every gap ----------------------------------------------------------


@dataclass(frozen=True)
class TargetSkills:
    """A target's required skills in a fixed order, with everything a gap item needs but the held level.

    ``taught`` marks the skills some course of the catalogue teaches: only those are planned (a course plan
    cannot change the others, which are left to on-the-job training), so people who differ only on skills
    no course teaches share one plan.
    """

    uri: str
    label: str
    skill_index: NDArray[np.int64]
    uris: tuple[str, ...]
    labels: tuple[str, ...]
    essential: NDArray[np.bool_]
    needed: NDArray[np.int64]
    weight: NDArray[np.float64]
    taught: NDArray[np.bool_]

    @classmethod
    def of(
        cls,
        graph: CompetenceGraph,
        target: Target,
        taught: frozenset[str] | set[str],
        required: RequiredLevels = DEFAULT_LEVELS,
    ) -> TargetSkills:
        idx, rel = graph.requirements_of(target.uri)
        essential = rel == ESSENTIAL
        mean_specificity = float(graph.specificity.mean()) if graph.specificity.size else 1.0
        relation_weight = np.where(essential, RELATION_WEIGHT["essential"], RELATION_WEIGHT["optional"])
        uris = tuple(graph.skill_uris[i] for i in idx.tolist())
        needed = np.asarray(
            [
                required.level(u, "essential" if e else "optional")
                for u, e in zip(uris, essential, strict=True)
            ],
            dtype=np.int64,
        )
        return cls(
            uri=target.uri,
            label=target.label,
            skill_index=idx.astype(np.int64),
            uris=uris,
            labels=tuple(graph.skill_labels[i] for i in idx.tolist()),
            essential=essential,
            needed=needed.astype(np.int64),
            weight=relation_weight * graph.specificity[idx] / mean_specificity,
            taught=np.array([u in taught for u in uris], dtype=bool),
        )

    def held(self, strength: NDArray[np.float64]) -> bytes:
        """The levels held on this target's skills and each skill's status, as a compact key.

        ``strength`` (:func:`recommender.gap.strengths`) is aligned with :attr:`uris`; the gap's credit is
        ``min(1, strength / needed)``. The level is ``gap_items``' rule (the whole levels the credit amounts
        to); the status (0 missing, 1 partial, 2 held) is the gap's, from the credit itself, since it orders
        the gap items.
        """
        credit = np.minimum(1.0, strength / self.needed)
        levels = np.minimum(self.needed, np.floor(credit * self.needed + 1e-9)).astype(np.int8)
        status = np.where(credit >= 1.0, 2, np.where(credit > 0.0, 1, 0)).astype(np.int8)
        return levels.tobytes() + status.tobytes()

    def levels(self, held: bytes) -> NDArray[np.int8]:
        return np.frombuffer(held[: len(self.uris)], dtype=np.int8)

    def planned(self, held: bytes) -> bytes:
        """The part of ``held`` a plan depends on: levels and statuses of the taught skills."""
        n = len(self.uris)
        levels, status = np.frombuffer(held[:n], np.int8), np.frombuffer(held[n:], np.int8)
        return levels[self.taught].tobytes() + status[self.taught].tobytes()

    def gap_items(self, planned: bytes) -> list[GapItem]:
        """The planner's gap items (taught skills only) in the order of ``gap_items(skill_gap(...))``."""
        ks = np.flatnonzero(self.taught).tolist()
        n = len(ks)
        levels = np.frombuffer(planned[:n], dtype=np.int8)
        status = np.frombuffer(planned[n:], dtype=np.int8)
        # the gap's order: essential first, then missing, partial, held, then weight (most specific first)
        rows = sorted(
            range(n),
            key=lambda j: (
                not self.essential[ks[j]],
                int(status[j]),
                -self.weight[ks[j]],
                self.labels[ks[j]],
                self.uris[ks[j]],
            ),
        )
        return [
            GapItem(
                skill_uri=self.uris[ks[j]],
                label=self.labels[ks[j]],
                relation="essential" if self.essential[ks[j]] else "optional",
                needed_level=int(self.needed[ks[j]]),
                held_level=int(levels[j]),
                weight=max(float(self.weight[ks[j]]), MIN_WEIGHT),
            )
            for j in rows
        ]


class ProfileCredits:
    """Strengths of profiles on the targets' skills, from cached parts.

    The gap's credit of a skill is ``min(1, strength / needed)`` where the strength is a maximum over the
    profile's sources (each occupation, each declared skill, and what each credits through the hierarchy and
    related skills). A maximum of maxima: the profile's strength is the element-wise maximum of the strengths
    of its parts, each computed once with :func:`recommender.gap.strengths` on the targets' skills.
    """

    def __init__(self, graph: CompetenceGraph, targets: Sequence[TargetSkills]):
        self.graph = graph
        union = np.unique(np.concatenate([t.skill_index for t in targets])) if targets else np.zeros(0, int)
        self.union = union
        self.local = [np.searchsorted(union, t.skill_index) for t in targets]
        self._parts: dict[tuple[str, ...] | tuple[str, int], NDArray[np.float64]] = {}

    def _part(self, profile: Profile) -> NDArray[np.float64]:
        key: Any = profile.occupations if profile.occupations else next(iter(profile.skills.items()))
        cached = self._parts.get(key)
        if cached is None:
            cached = strengths(self.graph, holdings(self.graph, profile))[self.union]
            self._parts[key] = cached
        return cached

    def of(self, person: Person) -> NDArray[np.float64]:
        """The person's strength on the union of the targets' skills."""
        parts = [self._part(Profile((occupation,), {})) for occupation in person.occupations]
        parts += [self._part(Profile((), {uri: level})) for uri, level in person.skills.items() if level > 0]
        if not parts:
            return np.zeros(self.union.size)
        return np.asarray(np.maximum.reduce(parts), dtype=np.float64)


@dataclass(frozen=True)
class PlanTask:
    """One distinct plan to compute: a target, the levels held on its taught skills, the constraints."""

    target: int  # index into the targets
    held: bytes  # TargetSkills.planned
    hours_per_week: float
    start: date
    deadline: date
    languages: tuple[str, ...]
    region: str | None
    #: Free courses only: the variant of a plan with fees that a tight budget can still afford (on-the-job
    #: training takes what free courses leave open).
    free: bool = False

    @property
    def id(self) -> str:
        """A short stable id, shared by everyone who gets this plan."""
        text = repr((self.target, self.held.hex(), self.hours_per_week, self.start, self.deadline))
        text += repr((self.languages, self.region)) + (" free" if self.free else "")
        return "plan-" + hashlib.sha256(text.encode()).hexdigest()[:10]


@dataclass(frozen=True)
class TaskPlan:
    """A planned task: the planner's plan and the figures the assignment needs from it."""

    task: PlanTask
    plan: Plan
    course_hours: float
    cost: float
    finish: date
    on_time: bool
    reached: tuple[tuple[str, int], ...]  # level each taught skill reaches after the plan (when raised)


@dataclass(frozen=True)
class Catalogue:
    """What every planning worker needs: courses, badges, the targets' skills and the shared constraints.

    Plain, picklable data (``CourseOption`` holds read-only mappings, which do not pickle), turned back into
    planner objects once per process and target by :meth:`for_target`.
    """

    course_rows: tuple[dict[str, Any], ...]
    badge_rows: tuple[dict[str, Any], ...]
    targets: tuple[TargetSkills, ...]
    settings: dict[str, Any]
    #: Per target, course id -> the cosine of the course's subject with the target's (None: not judged by
    #: subject; ``recommender.planner.subject``).
    subjects: tuple[dict[str, float] | None, ...] = ()

    @classmethod
    def of(
        cls,
        courses: Sequence[CourseOption],
        badges: Sequence[BadgeOption],
        targets: Sequence[TargetSkills],
        settings: CohortSettings,
        subjects: SubjectVectors | None = None,
    ) -> Catalogue:
        course_rows = tuple(_course_row(c) for c in courses)
        fits = [None if subjects is None else subjects.fit(t.uri) for t in targets]
        ids = [c.id for c in courses]
        subject_rows = tuple(
            None if fit is None else {c: fit.cosines[c] for c in ids if c in fit.cosines} for fit in fits
        )
        badge_rows = tuple(
            {
                "id": b.id,
                "name": b.name,
                "skills": dict(b.skills),
                "earned_by": b.earned_by,
                "courses": b.courses,
                "k": b.k,
                "required_badges": b.required_badges,
            }
            for b in badges
        )
        shared = {
            "currency": settings.currency,
            "exchange_rates": dict(settings.exchange_rates),
            "delivery_modes": settings.delivery_modes,
            "objective": settings.objective,
            "include_optional": settings.include_optional,
        }
        return cls(course_rows, badge_rows, tuple(targets), shared, subject_rows)

    def for_target(self, target: int) -> tuple[PlanCatalogue, list[BadgeOption], SubjectFit | None]:
        """The courses that matter to a target (teaching one of its skills, and their prerequisites, closed),
        as a :class:`PlanCatalogue` (checked and indexed once: the target's plans share its relevance
        judgements and filter results), the badges made of those courses or recognising its skills, and the
        courses' subjects against the target's (None: not judged by subject; one object, which the planner's
        caches key on); built once per process."""
        key = (id(self), target)
        cached = _CATALOGUE_CACHE.get(key)
        if cached is not None and cached[0] is self:
            return cached[1]
        skills = set(self.targets[target].uris)
        by_id = {row["id"]: row for row in self.course_rows}
        kept = {row["id"] for row in self.course_rows if skills & row["skills"].keys()}
        frontier = list(kept)
        while frontier:
            for required, _ in by_id[frontier.pop()]["prerequisites"]:
                if required in by_id and required not in kept:
                    kept.add(required)
                    frontier.append(required)
        courses = [
            CourseOption(
                **{**row, "prerequisites": tuple(Prerequisite(c, o) for c, o in row["prerequisites"])}
            )
            for row in self.course_rows
            if row["id"] in kept
        ]
        badges = [
            BadgeOption(**row)
            for row in self.badge_rows
            if (row["courses"] and set(row["courses"]) <= kept)
            or (row["earned_by"] == "assessment" and skills & row["skills"].keys())
        ]
        cosines = self.subjects[target] if self.subjects else None
        subject = None if cosines is None else SubjectFit(self.targets[target].uri, MappingProxyType(cosines))
        if len(_CATALOGUE_CACHE) > 64:
            _CATALOGUE_CACHE.clear()
        found = (PlanCatalogue(courses), badges, subject)
        _CATALOGUE_CACHE[key] = (self, found)
        return found


_CATALOGUE_CACHE: dict[
    tuple[int, int], tuple[Catalogue, tuple[PlanCatalogue, list[BadgeOption], SubjectFit | None]]
] = {}


def _course_row(course: CourseOption) -> dict[str, Any]:
    """Every field of ``course`` as plain data (its mappings as dicts, its prerequisites as pairs): a course
    rebuilt from it in a worker is the course given, link confidences included (the relevance rule reads
    them: without them every link counted as sure, and cohort plans took courses a worker's would not)."""
    row = {f.name: getattr(course, f.name) for f in fields(CourseOption)}
    row["skills"] = dict(course.skills)
    row["confidence"] = dict(course.confidence)
    row["prerequisites"] = tuple((p.course_id, p.origin) for p in course.prerequisites)
    return row


def plan_chunk(
    tasks: Sequence[PlanTask], catalogue: Catalogue, *, solver: Literal["greedy", "auto"] = "greedy"
) -> list[TaskPlan]:
    """Plan each task of a chunk (what a worker runs); one plan per task, in order. ``solver``: the
    planner's lazy greedy, as cohorts plan (``evaluation.bench_cohort`` compares it with ``auto``)."""
    shared = catalogue.settings
    out = []
    for task in tasks:
        courses, badges, subject = catalogue.for_target(task.target)
        items = catalogue.targets[task.target].gap_items(task.held)
        deadline = max(task.deadline, task.start)  # someone who starts too late is not on time
        constraints = Constraints(
            currency=shared["currency"],
            exchange_rates=shared["exchange_rates"],
            hours_per_week=task.hours_per_week,
            # no more course hours than the weeks to the deadline hold: a plan of everything the courses
            # teach could end after it, and the person would not be on time with any course at all (no
            # week left: no limit, and the plan is late whatever it holds)
            max_hours=hours_until(task.start, deadline, task.hours_per_week) or None,
            budget=0.0 if task.free else None,
            start=task.start,
            deadline=deadline,
            languages=task.languages,
            delivery_modes=shared["delivery_modes"],
            region=task.region,
            objective=shared["objective"],
            include_optional=shared["include_optional"],
        )
        # the planner's lazy greedy: deterministic and a few milliseconds a plan, for thousands of plans
        # (the assignment on top of them is the exact MILP)
        plan_within = functools.partial(
            plan_paths,
            items,
            courses,
            badges=badges,
            solver=solver,
            alternatives=False,
            certify_plans=False,
            what_to_drop=False,  # a cohort asks only whether a plan is on time
            subject=subject,
        )
        planned = _task_plan(task, plan_within(constraints).best)
        # hours within the weeks can still end late (a course begins only the week after the one it needs
        # ends, or waits for its session): planned again with the overrun's hours fewer, a few times
        for _ in range(LATE_REPLANS):
            if planned.on_time or constraints.max_hours is None:
                break
            over = weeks_until(deadline, planned.finish) + 1
            fewer = constraints.max_hours - over * task.hours_per_week
            if fewer <= 0:
                break
            constraints = replace(constraints, max_hours=fewer)
            planned = _task_plan(task, plan_within(constraints).best)
        out.append(planned)
    return out


#: How many times a plan that ends after its deadline is planned again with fewer hours.
LATE_REPLANS = 3


def _task_plan(task: PlanTask, plan: Plan) -> TaskPlan:
    reached: dict[str, int] = {}
    for step in plan.steps:
        for uri, level in step.levels:
            reached[uri] = max(reached.get(uri, 0), level)
    finish = plan.finish_date or task.start
    return TaskPlan(
        task=task,
        plan=plan,
        course_hours=plan.total_hours,
        cost=plan.total_price,
        finish=finish,
        on_time=finish <= task.deadline,
        reached=tuple(sorted(reached.items())),
    )


#: Maps ``plan_chunk`` over chunks of tasks and returns the results in order (in process, or on a cluster).
ChunkMapper = Callable[
    [Callable[[Sequence[PlanTask], Catalogue], list[TaskPlan]], list[list[PlanTask]], Catalogue],
    list[list[TaskPlan]],
]


def in_process(
    func: Callable[[Sequence[PlanTask], Catalogue], list[TaskPlan]],
    chunks: list[list[PlanTask]],
    catalogue: Catalogue,
) -> list[list[TaskPlan]]:
    """The default mapper: every chunk in this process, one after the other."""
    return [func(chunk, catalogue) for chunk in chunks]


# --- options and the assignment ----------------------------------------------------------------------


@dataclass(frozen=True)
class Fit:
    """How far a person gets toward a target with a plan (the target's essential skills, weighted)."""

    readiness_before: float
    readiness_after: float
    open_steps: int  # essential level steps left after the courses (on-the-job training)
    open_skills: tuple[str, ...]  # labels of the essential skills left open
    open_uris: tuple[str, ...] = ()  # their URIs, in the same order


def fit(skills: TargetSkills, held: bytes, plan: TaskPlan) -> Fit:
    """The person's readiness for the target before and after ``plan``, and what stays open."""
    levels = skills.levels(held).astype(np.int64)
    after = levels.copy()
    position = {uri: k for k, uri in enumerate(skills.uris)}
    for uri, level in plan.reached:
        k = position[uri]
        after[k] = max(after[k], level)
    essential = skills.essential
    weight = skills.weight[essential]
    total = float(weight.sum())

    def readiness(values: NDArray[np.int64]) -> float:
        if total <= 0:
            return 1.0
        share = np.minimum(1.0, values[essential] / skills.needed[essential])
        return round(float((weight * share).sum()) / total, 4)

    missing = np.flatnonzero(essential & (after < skills.needed))
    return Fit(
        readiness_before=readiness(levels),
        readiness_after=readiness(after),
        open_steps=int((skills.needed[missing] - after[missing]).sum()),
        open_skills=tuple(skills.labels[k] for k in missing.tolist()),
        open_uris=tuple(skills.uris[k] for k in missing.tolist()),
    )


@dataclass(frozen=True)
class Option:
    """What moving one person to one target takes."""

    person: int
    target: int
    pair: TaskPlan
    fit: Fit
    eligible: bool
    hours: float  # course hours + on-the-job hours
    on_the_job_hours: float
    reason: str  # why it is not an option, or ""


@dataclass(frozen=True)
class CohortInputs:
    """Everything the assignment is solved on; cached so that a what-if re-runs only the MILP."""

    people: tuple[Person, ...]
    targets: tuple[Target, ...]
    target_skills: tuple[TargetSkills, ...]
    settings: CohortSettings
    options: tuple[tuple[Option, ...], ...]  # per person, one per target (in target order)
    plans: Mapping[PlanTask, TaskPlan]
    #: Per person and target, the option of free courses only where ``options``' plan has fees (else None):
    #: what a budget too small for the fees can still pay for.
    free_options: tuple[tuple[Option | None, ...], ...] = ()
    to_confirm: tuple[TitleToConfirm, ...] = ()
    stats: Mapping[str, float] = field(default_factory=dict)
    occupation_labels: Mapping[str, str] = field(default_factory=dict)  # the people's occupations
    on_the_job_rate: float = ON_THE_JOB_HOURS  # hours per open essential level step
    on_the_job_source: str = "given"
    # (target, essential skill URI) -> what to do where a person's plan does not say (skills no course
    # teaches are not planned on): ``recommender.planner.alternatives.for_group``
    instead: Mapping[tuple[int, str], Way] = field(default_factory=dict)
    #: The subjects of courses and occupations the plans judged courses by (None: not by subject); a
    #: what-if plans with the same.
    subjects: SubjectVectors | None = None


def _chunks(items: list[PlanTask], size: int) -> list[list[PlanTask]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def group_alternatives(
    graph: CompetenceGraph,
    target_skills: Sequence[TargetSkills],
    courses: Sequence[CourseOption],
    badges: Sequence[BadgeOption],
) -> dict[tuple[int, str], Way]:
    """Per target and essential skill, what can be done where the courses leave it open (a badge earned by
    assessment, on-the-job training, a provider), as the single-worker plan chooses it."""
    taught: dict[str, int] = {}
    for course in courses:
        for uri, level in course.skills.items():
            taught[uri] = max(taught.get(uri, 0), level)
    return {
        (t, uri): for_group(
            uri,
            skills.labels[k],
            needed_level=int(skills.needed[k]),
            catalogue_level=taught.get(uri, 0),
            badges=badges,
            skill_type=str(graph.attributes(uri).get("skill_type") or ""),
        )
        for t, skills in enumerate(target_skills)
        for k, uri in enumerate(skills.uris)
        if skills.essential[k]
    }


def taught_skills(courses: Iterable[CourseOption]) -> frozenset[str]:
    """Every skill some course of the catalogue teaches."""
    return frozenset(uri for course in courses for uri, level in course.skills.items() if level > 0)


def _check_cohort(people: Sequence[Person], targets: Sequence[Target]) -> None:
    if not targets:
        raise InvalidPlanInput("give at least one target role", field="targets")
    if len({p.person_id for p in people}) != len(people):
        raise InvalidPlanInput("person ids must be unique", field="people")
    if len({t.uri for t in targets}) != len(targets):
        raise InvalidPlanInput("each target occupation may appear once", field="targets")


def _plan_tasks(
    people: Sequence[Person],
    targets: Sequence[Target],
    target_skills: Sequence[TargetSkills],
    graph: CompetenceGraph,
    settings: CohortSettings,
) -> tuple[list[list[bytes]], list[list[PlanTask]], int]:
    """Each person's held levels on each target's skills and plan task per target; distinct profiles.

    People with the same occupations and declared skills share their held levels (computed once)."""
    credits = ProfileCredits(graph, target_skills)
    end = settings.horizon_end
    deadlines = [min(target.deadline or end, end) for target in targets]
    # distinct profiles -> held levels on each target's skills (full, and the part the plans depend on)
    held_of: dict[tuple[Any, ...], list[bytes]] = {}
    person_held: list[list[bytes]] = []
    person_tasks: list[list[PlanTask]] = []
    for person in people:
        profile = (person.occupations, tuple(person.skills.items()))
        held = held_of.get(profile)
        if held is None:
            strength = credits.of(person)
            held = [skills.held(strength[credits.local[t]]) for t, skills in enumerate(target_skills)]
            held_of[profile] = held
        person_held.append(held)
        start = max(settings.start, person.earliest_start or settings.start)
        languages = tuple(sorted(person.languages or settings.languages))
        person_tasks.append(
            [
                PlanTask(
                    target=t,
                    held=target_skills[t].planned(held[t]),
                    hours_per_week=float(person.hours_per_week or settings.hours_per_week),
                    start=start,
                    deadline=deadlines[t],
                    languages=languages,
                    region=person.region,
                )
                for t in range(len(targets))
            ]
        )
    return person_held, person_tasks, len(held_of)


def prepare(  # noqa: PLR0913 - keyword-only: badges, titles to confirm, a what-if's cache, the mapper
    graph: CompetenceGraph,
    people: Sequence[Person],
    targets: Sequence[Target],
    courses: Sequence[CourseOption],
    settings: CohortSettings,
    *,
    badges: Sequence[BadgeOption] = (),
    to_confirm: Sequence[TitleToConfirm] = (),
    cache: Mapping[PlanTask, TaskPlan] | None = None,
    mapper: ChunkMapper = in_process,
    chunk_size: int = 32,
    subjects: SubjectVectors | None = None,
) -> CohortInputs:
    """Compute every distinct plan once and the options of every (person, target) pair.

    Parameters
    ----------
    graph : CompetenceGraph
    people : sequence of Person
        Resolved people (``recommender.workforce.resolve_workforce``); ids unique.
    targets : sequence of Target
        Target roles with headcounts; occupations unique.
    courses, badges : sequences of CourseOption, BadgeOption
        The catalogue the plans choose from.
    settings : CohortSettings
    cache : mapping of PlanTask to TaskPlan, optional
        Plans already computed (a what-if passes the previous run's ``plans``); only new tasks are planned.
    mapper : callable
        How chunks of plan tasks are mapped (:func:`in_process`, or ``recommender.cluster.DaskMapper``).
    subjects : SubjectVectors, optional
        A course far from a target's subject is not planned on for it (``recommender.planner.subject``);
        None: courses are not judged by subject.

    Returns
    -------
    CohortInputs
    """
    _check_cohort(people, targets)
    taught = taught_skills(courses)
    target_skills = tuple(
        TargetSkills.of(graph, t, taught, settings.required_levels.get(t.uri, DEFAULT_LEVELS))
        for t in targets
    )
    person_held, person_tasks, n_profiles = _plan_tasks(people, targets, target_skills, graph, settings)
    distinct = {task for tasks in person_tasks for task in tasks}
    catalogue = Catalogue.of(courses, badges, target_skills, settings, subjects)
    plans: dict[PlanTask, TaskPlan] = {}
    computed = _plan_into(plans, distinct, cache, mapper, catalogue, chunk_size)
    # with a budget, each plan with fees gets a variant of free courses only (a budget too small for the
    # fees can still move people on it); the rate comes from the plans as chosen without that limit
    rate, source = _on_the_job_rate(settings, plans.values(), target_skills)
    free_tasks = (
        {replace(task, free=True) for task in distinct if plans[task].cost > 0}
        if settings.budget is not None
        else set()
    )
    computed += _plan_into(plans, free_tasks, cache, mapper, catalogue, chunk_size)
    fits: dict[tuple[bytes, PlanTask], Fit] = {}

    def option(p: int, t: int, task: PlanTask) -> Option:
        key = (person_held[p][t], task)
        if key not in fits:
            fits[key] = fit(target_skills[t], person_held[p][t], plans[task])
        return _option(p, t, plans[task], fits[key], targets[t], settings, rate)

    options = tuple(
        tuple(option(p, t, task) for t, task in enumerate(tasks)) for p, tasks in enumerate(person_tasks)
    )
    free_options = (
        tuple(
            tuple(
                option(p, t, replace(task, free=True)) if plans[task].cost > 0 else None
                for t, task in enumerate(tasks)
            )
            for p, tasks in enumerate(person_tasks)
        )
        if free_tasks
        else ()
    )
    stats = {
        "people": len(people),
        "distinct_profiles": n_profiles,
        "distinct_plans": len(distinct),
        "free_variants": len(free_tasks),  # of the plans with fees, under a budget
        "plans_computed": computed,
        "pairs": len(people) * len(targets),
    }
    return CohortInputs(
        people=tuple(people),
        targets=tuple(targets),
        target_skills=target_skills,
        settings=settings,
        options=options,
        free_options=free_options,
        plans=MappingProxyType(plans),
        to_confirm=tuple(to_confirm),
        stats=MappingProxyType(stats),
        occupation_labels=MappingProxyType(
            {uri: graph.label(uri) for person in people for uri in person.occupations}
        ),
        on_the_job_rate=rate,
        on_the_job_source=source,
        instead=MappingProxyType(group_alternatives(graph, target_skills, courses, badges)),
        subjects=subjects,
    )


def _plan_into(
    plans: dict[PlanTask, TaskPlan],
    tasks: Iterable[PlanTask],
    cache: Mapping[PlanTask, TaskPlan] | None,
    mapper: ChunkMapper,
    catalogue: Catalogue,
    chunk_size: int,
) -> int:
    """Put the plan of each of ``tasks`` into ``plans``: from ``cache``, else planned in chunks (in a stable
    order); return how many were planned."""
    ordered = sorted(
        tasks,
        key=lambda k: (k.target, k.held, k.hours_per_week, k.start, k.languages, k.region or "", k.free),
    )
    plans.update({task: cache[task] for task in ordered if cache and task in cache})
    todo = [task for task in ordered if task not in plans]
    if todo:
        for chunk_result in mapper(plan_chunk, _chunks(todo, chunk_size), catalogue):
            for planned in chunk_result:
                plans[planned.task] = planned
    return len(todo)


def _on_the_job_rate(
    settings: CohortSettings, plans: Iterable[TaskPlan], target_skills: Sequence[TargetSkills]
) -> tuple[float, str]:
    """HR's on-the-job hours per level step, or the median course hours per essential level step raised."""
    if settings.on_the_job_hours is not None:
        return settings.on_the_job_hours, "given"
    ratios = []
    for plan in plans:
        if plan.course_hours <= 0:
            continue
        skills = target_skills[plan.task.target]
        taught = np.flatnonzero(skills.taught)
        held = np.frombuffer(plan.task.held[: taught.size], dtype=np.int8)
        reached = dict(plan.reached)
        raised = sum(
            max(0, min(reached.get(skills.uris[k], 0), int(skills.needed[k])) - int(level))
            for k, level in zip(taught.tolist(), held.tolist(), strict=True)
            if skills.essential[k]
        )
        if raised > 0:
            ratios.append(plan.course_hours / raised)
    if not ratios:
        return ON_THE_JOB_HOURS, "default: no plan raises an essential skill to derive it from"
    return (
        round(float(np.median(ratios)), 1),
        f"the median course hours per essential level step of the {len(ratios)} plans that raise one",
    )


def _option(
    person: int, target: int, pair: TaskPlan, fitted: Fit, role: Target, settings: CohortSettings, rate: float
) -> Option:
    ojt = rate * fitted.open_steps
    reason = ""
    if not pair.on_time:
        reason = (
            f"the courses ({pair.course_hours:g} h at {pair.task.hours_per_week:g} h a week) finish "
            f"{pair.finish.isoformat()}, after {pair.task.deadline.isoformat()}"
        )
    elif fitted.readiness_after + 1e-9 < settings.min_readiness:
        reason = (
            f"after {pair.course_hours:g} h of courses they would hold {fitted.readiness_after:.0%} of the "
            f"essential skills of {role.label!r} (at least {settings.min_readiness:.0%} needed); "
            f"{len(fitted.open_skills)} essential skills stay open"
        )
    return Option(
        person=person,
        target=target,
        pair=pair,
        fit=fitted,
        eligible=not reason,
        hours=pair.course_hours + ojt,
        on_the_job_hours=ojt,
        reason=reason,
    )


@dataclass(frozen=True)
class Certificate:
    """How the assignment was proven: ``optimal``, or ``gap`` with HiGHS's best bound on the objective."""

    status: Literal["optimal", "gap"]
    objective: str
    value: float
    bound: float
    gap: float
    stages: tuple[str, ...]
    seconds: float


@dataclass(frozen=True)
class Assignment:
    """Which target each person moves to (None: stays), and the proof."""

    target_of: tuple[int | None, ...]
    certificate: Certificate
    #: Whether person p moves on the free variant of their plan (``CohortInputs.free_options``).
    free_of: tuple[bool, ...] = ()


def _objective_value(option: Option, objective: Objective) -> float:
    # each objective breaks ties on the other quantity, as the planner does
    if objective == "cost":
        return option.pair.cost + 1e-3 * option.hours
    return option.hours + 1e-4 * option.pair.cost


def _same_options(inputs: CohortInputs) -> list[list[int]]:
    """People grouped by their options, free variants too (same eligibility, hours and cost for every
    target), in order."""
    groups: dict[tuple[tuple[bool, float, float] | None, ...], list[int]] = defaultdict(list)
    for p, row in enumerate(inputs.options):
        free = inputs.free_options[p] if inputs.free_options else ()
        key = tuple((o.eligible, o.hours, o.pair.cost) for o in row) + tuple(
            None if o is None else (o.eligible, o.hours, o.pair.cost) for o in free
        )
        groups[key].append(p)
    return list(groups.values())


def _options_of(inputs: CohortInputs, person: int, limit: float | None) -> list[tuple[Option, bool]]:
    """A person's options and whether each is a free variant. Free variants only under a budget limit (where
    there is none, they never help fill a seat, and the plans with fees are the ones chosen), and only where
    the plan with fees is an option: a free variant stands in for fees the budget does not pay, not for a
    plan that ends too late or leaves too much open."""
    out = [(option, False) for option in inputs.options[person]]
    if limit is not None and inputs.free_options:
        out += [
            (free, True)
            for paid, free in zip(inputs.options[person], inputs.free_options[person], strict=True)
            if free is not None and paid.eligible
        ]
    return out


def assign(
    inputs: CohortInputs,
    *,
    headcounts: Mapping[str, int] | None = None,
    budget: float | None | Literal["settings"] = "settings",
    objective: Objective | None = None,
) -> Assignment:
    """Solve the assignment exactly on ``inputs`` (headcounts, budget and objective overridable: what-if).

    Returns
    -------
    Assignment
        ``target_of[p]`` is the target index of person p, or None.
    """
    import time

    started = time.perf_counter()
    settings = inputs.settings
    objective = objective or settings.objective
    limit = settings.budget if budget == "settings" else budget
    heads = [int((headcounts or {}).get(t.uri, t.headcount)) for t in inputs.targets]
    members = _same_options(inputs)
    variables = [  # (group, option of its first member, a free variant)
        (g, option, free)
        for g, people in enumerate(members)
        for option, free in _options_of(inputs, people[0], limit)
        if option.eligible and heads[option.target] > 0
    ]
    n_x, n_t = len(variables), len(inputs.targets)
    n = n_x + n_t  # x then shortfall s_t
    sizes = np.array([len(m) for m in members], dtype=float)
    if n_x == 0:
        cert = Certificate("optimal", objective, 0.0, 0.0, 0.0, ("nobody fits any target",), 0.0)
        return Assignment(tuple(None for _ in inputs.people), cert)
    gx = np.array([g for g, _, _ in variables])
    tx = np.array([o.target for _, o, _ in variables])
    rep = [o for _, o, _ in variables]
    cost = np.array([o.pair.cost for o in rep])
    value = np.array([_objective_value(o, objective) for o in rep])
    rows_x = sp.csr_matrix((np.ones(n_x), (gx, np.arange(n_x))), shape=(len(members), n))
    fill = sp.hstack(
        [
            sp.csr_matrix((np.ones(n_x), (tx, np.arange(n_x))), shape=(n_t, n_x)),
            sp.identity(n_t, format="csr"),
        ]
    ).tocsr()
    constraints = [
        LinearConstraint(rows_x, -np.inf, sizes),
        LinearConstraint(fill, np.array(heads, dtype=float), np.array(heads, dtype=float)),
    ]
    if limit is not None:
        budget_row = sp.csr_matrix(np.concatenate([cost, np.zeros(n_t)]))
        constraints.append(LinearConstraint(budget_row, -np.inf, float(limit)))
    upper = np.concatenate([np.minimum(sizes[gx], np.array(heads, dtype=float)[tx]), np.array(heads, float)])
    bounds = Bounds(np.zeros(n), upper)
    free_x = np.array([free for _, _, free in variables])
    is_free = np.concatenate([free_x, np.zeros(n_t, dtype=bool)])
    without_free = Bounds(bounds.lb, np.where(is_free, 0.0, bounds.ub))
    kept = len(constraints)
    stages, all_optimal, short = _shortfall_stages(
        inputs, n_x, without_free, constraints, settings.time_limit
    )
    if free_x.any() and short == 0:
        # every seat filled with the plans with fees: no free variant is needed (0 is the least), and they
        # stay out of the program (whose LP keeps its bipartite structure)
        bounds = without_free
        stages.append("free courses only: 0 people (optimal: every seat is filled without them)")
    elif free_x.any():  # seats left empty: would free variants fill them? then as few as possible
        del constraints[kept:]
        stages, all_optimal, _ = _shortfall_stages(inputs, n_x, bounds, constraints, settings.time_limit)
        c = np.concatenate([free_x.astype(float), np.zeros(n_t)])
        stage = _solve_stage(c, bounds, constraints, settings.time_limit)
        fewest = round(stage.value)
        all_optimal &= stage.optimal
        stages.append(f"free courses only: {fewest} people ({stage.how})")
        constraints.append(LinearConstraint(sp.csr_matrix(c), -np.inf, float(fewest)))
    c = np.concatenate([value, np.zeros(n_t)])
    stage = _solve_stage(c, bounds, constraints, settings.time_limit)
    optimal = all_optimal and stage.optimal
    stages.append(f"{objective}: {stage.value:.4f} ({stage.how})")
    counts = np.round(stage.x[:n_x]).astype(int)
    target_of: list[int | None] = [None] * len(inputs.people)
    free_of = [False] * len(inputs.people)
    for (g, option, free), k in zip(variables, counts.tolist(), strict=True):
        waiting = [p for p in members[g] if target_of[p] is None]
        for p in waiting[: max(k, 0)]:
            target_of[p], free_of[p] = option.target, free
    cert = Certificate(
        status="optimal" if optimal else "gap",
        objective=objective,
        value=round(stage.value, 4),
        bound=round(stage.bound, 4),
        gap=0.0 if optimal else round(stage.gap, 6),
        stages=tuple(stages),
        seconds=round(time.perf_counter() - started, 3),
    )
    return Assignment(tuple(target_of), cert, tuple(free_of))


def _shortfall_stages(
    inputs: CohortInputs, n_x: int, bounds: Bounds, constraints: list[LinearConstraint], time_limit: float
) -> tuple[list[str], bool, int]:
    """Minimise the seats left empty, one priority level at a time (priority 1 first), each level's optimum
    then kept as a constraint (appended to ``constraints``); the stages in words, whether each was solved to
    optimality, and the seats left empty in all."""
    n = bounds.lb.size
    stages: list[str] = []
    all_optimal, short = True, 0
    for level in sorted({t.priority for t in inputs.targets}):
        c = np.zeros(n)
        members_of_level = [t for t, target in enumerate(inputs.targets) if target.priority == level]
        c[n_x + np.array(members_of_level)] = 1.0
        stage = _solve_stage(c, bounds, constraints, time_limit)
        best = round(stage.value)
        all_optimal &= stage.optimal
        short += best
        stages.append(f"priority {level}: shortfall {best} ({stage.how})")
        # keep this level's shortfall at its optimum for the next stages (an integer right-hand side keeps
        # the rows a bipartite incidence matrix, so the next LP relaxation stays integral)
        keep = np.zeros(n)
        keep[n_x + np.array(members_of_level)] = 1.0
        constraints.append(LinearConstraint(sp.csr_matrix(keep), -np.inf, float(best)))
    return stages, all_optimal, short


@dataclass(frozen=True)
class _Stage:
    """One stage's solution: the integral ``x``, its objective value, HiGHS's bound and how it was proven."""

    x: NDArray[np.float64]
    value: float
    bound: float
    gap: float
    optimal: bool
    how: str


def _solve_stage(
    c: NDArray[np.float64], bounds: Bounds, constraints: Sequence[LinearConstraint], time_limit: float
) -> _Stage:
    """Minimise ``c @ x`` over the integer points of the assignment's constraints, exactly.

    The LP relaxation first: without the budget row the constraint matrix is the incidence matrix of a
    bipartite graph (group rows and the shortfall-keeping rows on one side, target rows on the other), so
    it is totally unimodular and the simplex's optimal vertex is integral; a budget that does not cut the
    optimum leaves it so. An integral LP optimum is the integer optimum (the LP is a relaxation of it), at a
    fraction of the MILP's cost (its presolve alone took ~8 s CPU on 10,000 people x 10 targets). When the
    LP optimum is fractional (a binding budget), the MILP (HiGHS branch and bound, relative gap 0) decides.
    """
    n = c.size
    lp = milp(
        c,
        integrality=np.zeros(n),
        bounds=bounds,
        constraints=constraints,
        options={"time_limit": time_limit, "presolve": True},
    )
    if lp.status == 0 and lp.x is not None:
        x = np.round(lp.x)
        if np.abs(lp.x - x).max(initial=0.0) <= 1e-6 and _feasible(x, bounds, constraints):
            value = float(c @ x)
            return _Stage(x, value, float(lp.fun), 0.0, True, "optimal: integral LP relaxation")
    options = {"mip_rel_gap": 0.0, "time_limit": time_limit, "presolve": True}
    result = milp(c, integrality=np.ones(n), bounds=bounds, constraints=constraints, options=options)
    if result.x is None:
        raise InvalidPlanInput(f"the assignment solver failed: {result.message}", field="assignment")
    optimal = result.status == 0
    return _Stage(
        x=np.round(result.x),
        value=float(result.fun),
        bound=float(getattr(result, "mip_dual_bound", result.fun) or result.fun),
        gap=float(getattr(result, "mip_gap", 0.0) or 0.0),
        optimal=optimal,
        how="optimal: MILP" if optimal else "bound: MILP stopped by the time limit",
    )


def _feasible(x: NDArray[np.float64], bounds: Bounds, constraints: Sequence[LinearConstraint]) -> bool:
    """Whether ``x`` meets the bounds and every constraint (to a 1e-6 relative tolerance)."""
    if np.any(x < bounds.lb - 1e-6) or np.any(x > bounds.ub + 1e-6):
        return False
    for constraint in constraints:
        ax = constraint.A @ x
        tol = 1e-6 * np.maximum(1.0, np.abs(ax))
        if np.any(ax < constraint.lb - tol) or np.any(ax > constraint.ub + tol):
            return False
    return True


# --- what HR gets ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CohortResult:
    """The assignment with everything HR reads: plans, seats, readiness, totals, who fits nowhere.

    Built by :func:`summarise`; :meth:`to_dict` is the JSON of ``upskill cohort plan --json``.
    """

    inputs: CohortInputs
    assignment: Assignment
    headcounts: tuple[int, ...]
    budget: float | None
    objective: Objective

    # -- per person ---------------------------------------------------------------------------------

    def assigned(self) -> list[Option]:
        """The chosen option of every person who moves, in input order."""
        free_of = self.assignment.free_of or (False,) * len(self.inputs.people)
        # a free variant is chosen only where it exists: the ``or`` is for the type, never taken
        return [
            (self.inputs.free_options[p][t] if free_of[p] else None) or self.inputs.options[p][t]
            for p, t in enumerate(self.assignment.target_of)
            if t is not None
        ]

    def filled(self) -> list[int]:
        counts = Counter(t for t in self.assignment.target_of if t is not None)
        return [counts.get(t, 0) for t in range(len(self.inputs.targets))]

    def best_option(self, person: int) -> Option:
        """The person's best option: the cheapest eligible one, else the one closest to fitting."""
        row = self.inputs.options[person]
        eligible = [o for o in row if o.eligible]
        if eligible:
            return min(eligible, key=lambda o: (_objective_value(o, self.objective), o.target))
        return max(row, key=lambda o: (o.pair.on_time, o.fit.readiness_after, -o.hours, -o.target))

    def unassigned(self) -> list[dict[str, Any]]:
        """People who do not move, with their best option and why they stay."""
        filled = self.filled()
        out = []
        for p, t in enumerate(self.assignment.target_of):
            if t is not None:
                continue
            best = self.best_option(p)
            role = self.inputs.targets[best.target]
            if best.eligible:
                fits = True
                if self.headcounts[best.target] == 0:
                    why = f"fits {role.label!r}, but no seat is asked for it"
                elif filled[best.target] >= self.headcounts[best.target]:
                    why = (
                        f"fits {role.label!r} ({best.hours:g} training hours), but its "
                        f"{self.headcounts[best.target]} seats go to people who need less training"
                    )
                else:
                    why = f"fits {role.label!r}, but the budget is spent on seats that need less"
            else:
                fits = False
                why = f"fits no target well; closest is {role.label!r}: {best.reason}"
            out.append(
                {
                    "person_id": self.inputs.people[p].person_id,
                    "job_title": self.inputs.people[p].job_title,
                    "fits_a_target": fits,
                    "best_option": _option_dict(self.inputs, best),
                    "why": why,
                }
            )
        return out

    # -- per target and per course ------------------------------------------------------------------

    def unfilled(self) -> list[dict[str, Any]]:
        """Targets short of their headcount, by how many, and why."""
        filled = self.filled()
        out = []
        for t, target in enumerate(self.inputs.targets):
            short = self.headcounts[t] - filled[t]
            if short <= 0:
                continue
            eligible = sum(1 for row in self.inputs.options if row[t].eligible)
            why = (
                f"only {eligible} people of the workforce fit it"
                if eligible < self.headcounts[t]
                else "the people who fit it are needed more elsewhere or the budget runs out"
            )
            out.append(
                {
                    "target_uri": target.uri,
                    "target_label": target.label,
                    "headcount": self.headcounts[t],
                    "filled": filled[t],
                    "shortfall": short,
                    "people_who_fit": eligible,
                    "why": why,
                }
            )
        return out

    def seats(self) -> list[dict[str, Any]]:
        """Seats to buy per course, with the months they start in, the fees and the gap skills it serves."""
        labels = {
            uri: label for t in self.inputs.target_skills for uri, label in zip(t.uris, t.labels, strict=True)
        }
        per_course: dict[str, dict[str, Any]] = {}
        for option in self.assigned():
            for step in option.pair.plan.steps:
                entry = per_course.setdefault(
                    step.course_id,
                    {
                        "course_id": step.course_id,
                        "title": step.title,
                        "hours": step.hours,
                        "price_per_seat": step.price,
                        "currency": step.currency,
                        "months": Counter(),
                        "targets": Counter(),
                        "teaches": set(),
                    },
                )
                entry["teaches"].update(labels.get(uri, uri) for uri in step.skills_covered)
                month = (step.start_date or self.inputs.settings.start).strftime("%Y-%m")
                entry["months"][month] += 1
                entry["targets"][self.inputs.targets[option.target].label] += 1
        out = []
        for entry in per_course.values():
            count = sum(entry["months"].values())
            out.append(
                {
                    **{k: v for k, v in entry.items() if k not in ("months", "targets", "teaches")},
                    "teaches": sorted(entry["teaches"]),
                    "seats": count,
                    "total_price": round(count * entry["price_per_seat"], 2),
                    "first_month": min(entry["months"]),
                    "when": [{"month": m, "seats": n} for m, n in sorted(entry["months"].items())],
                    "for_targets": dict(sorted(entry["targets"].items())),
                }
            )
        return sorted(out, key=lambda e: (-e["seats"], e["first_month"], e["course_id"]))

    def timeline(self) -> list[dict[str, Any]]:
        """Month by month, per target, how many assigned people have finished their courses."""
        settings = self.inputs.settings
        finishes: dict[int, list[date]] = defaultdict(list)
        for option in self.assigned():
            finishes[option.target].append(option.pair.finish)
        rows = []
        for m in range(settings.months):
            first = add_months(date(settings.start.year, settings.start.month, 1), m)
            end = date(first.year, first.month, calendar.monthrange(first.year, first.month)[1])
            for t, target in enumerate(self.inputs.targets):
                ready = sum(1 for day in finishes[t] if day <= end)
                rows.append(
                    {
                        "month": first.strftime("%Y-%m"),
                        "target_uri": target.uri,
                        "target_label": target.label,
                        "ready": ready,
                        "assigned": len(finishes[t]),
                        "headcount": self.headcounts[t],
                    }
                )
        return rows

    def on_the_job(self) -> list[dict[str, Any]]:
        """Per target, the essential skills the courses leave open, how many assigned people need each, and
        what to do instead, worded for HR (``instead``: each way with its people, most first): their plan's
        (``recommender.planner.alternatives``: a badge by assessment, funding, on the job, a provider), or
        for a skill no course teaches, which the plans leave out, :attr:`CohortInputs.instead`."""
        need: dict[int, Counter[str]] = defaultdict(Counter)
        ways: dict[tuple[int, str], Counter[tuple[str, str, str | None]]] = defaultdict(Counter)
        for option in self.assigned():
            need[option.target].update(option.fit.open_skills)
            planned = {
                u.skill_uri: u.alternative.way
                for u in option.pair.plan.uncovered_skills
                if u.alternative and u.alternative.way
            }
            for label, uri in zip(option.fit.open_skills, option.fit.open_uris, strict=True):
                way = planned.get(uri) or self.inputs.instead.get((option.target, uri))
                if way is not None:
                    ways[option.target, label][way.kind, for_hr(way), way.badge_id] += 1
        return [
            {
                "target_uri": target.uri,
                "target_label": target.label,
                "skills": [
                    {
                        "skill": s,
                        "people": n,
                        "instead": [
                            {"kind": kind, "text": text, "badge_id": badge, "people": k}
                            for (kind, text, badge), k in sorted(
                                ways[t, s].items(), key=lambda i: (-i[1], i[0][0], i[0][1])
                            )
                        ],
                    }
                    for s, n in sorted(need[t].items(), key=lambda i: (-i[1], i[0]))
                ],
            }
            for t, target in enumerate(self.inputs.targets)
            if need[t]
        ]

    def shut_out(self) -> list[Option]:
        """People moving who get no course at all because every course teaching an essential skill of
        their gap is ruled out for them (language, dates, region or budget)."""
        return [o for o in self.assigned() if not o.pair.plan.steps and _ruled_out(o.pair.plan)]

    def warnings(self) -> list[str]:
        """What HR should look at before acting on the plan."""
        out = []
        shut_out = self.shut_out()
        if shut_out:
            languages = Counter(
                "only in " + " or ".join(language_name(code) for code in codes)
                if codes
                else "in any language"
                for o in shut_out
                for codes in [self.inputs.people[o.person].languages or self.inputs.settings.languages]
            )
            spoken = "; ".join(f"{n} take courses {lang}" for lang, n in languages.most_common())
            out.append(
                f"{len(shut_out)} of the people moving get no course at all: every course that teaches their "
                "gaps is ruled out for them by their languages, the dates, the budget or a level a course "
                f"needs first (each plan says which; {spoken}). They rely on on-the-job training; add "
                "courses they can take, or record the languages they can follow."
            )
        if self.budget is not None and self.totals()["budget_left"] is not None:
            left = self.totals()["budget_left"]
            if self.unfilled() and left < min(
                (o.pair.cost for row in self.inputs.options for o in row if o.eligible and o.pair.cost > 0),
                default=0,
            ):
                out.append("The budget is spent before every seat is filled: see the roles short of people.")
        return out

    def totals(self) -> dict[str, Any]:
        chosen = self.assigned()
        course_hours = sum(o.pair.course_hours for o in chosen)
        ojt = sum(o.on_the_job_hours for o in chosen)
        cost = round(sum(o.pair.cost for o in chosen), 2)
        return {
            "people": len(self.inputs.people),
            "assigned": len(chosen),
            "headcount": sum(self.headcounts),
            "filled": sum(self.filled()),
            "course_hours": round(course_hours, 1),
            "on_the_job_hours": round(ojt, 1),
            "hours": round(course_hours + ojt, 1),
            "cost": cost,
            "currency": self.inputs.settings.currency,
            "budget": self.budget,
            "budget_left": None if self.budget is None else round(self.budget - cost, 2),
            # people moving on the free variant of a plan with fees, where the budget does not pay them all
            "on_free_courses": sum(self.assignment.free_of),
            "last_finish": max((o.pair.finish for o in chosen), default=None),
        }

    def to_dict(self, *, with_plans: bool = True) -> dict[str, Any]:
        """The JSON document of the cohort plan."""
        settings = self.inputs.settings
        chosen = self.assigned()
        out: dict[str, Any] = {
            "settings": {
                "start": settings.start.isoformat(),
                "months": settings.months,
                "horizon_end": settings.horizon_end.isoformat(),
                "hours_per_week": settings.hours_per_week,
                "budget": self.budget,
                "currency": settings.currency,
                "objective": self.objective,
                "min_readiness": settings.min_readiness,
                "on_the_job_hours_per_level_step": self.inputs.on_the_job_rate,
                "on_the_job_hours_from": self.inputs.on_the_job_source,
                "include_optional": settings.include_optional,
            },
            "targets": [
                {
                    "target_uri": t.uri,
                    "target_label": t.label,
                    "headcount": self.headcounts[i],
                    "filled": self.filled()[i],
                    "deadline": (t.deadline or settings.horizon_end).isoformat(),
                    "priority": t.priority,
                    "required_levels": settings.required_levels.get(t.uri, DEFAULT_LEVELS).source,
                }
                for i, t in enumerate(self.inputs.targets)
            ],
            "assignments": [_option_dict(self.inputs, o) for o in chosen],
            "unassigned": self.unassigned(),
            "unfilled": self.unfilled(),
            "to_confirm": [
                {
                    "person_id": c.person_id,
                    "file": c.file,
                    "line": c.line,
                    "job_title": c.match.title,
                    "why": c.match.reason,
                    "candidates": [
                        {"uri": k.uri, "label": k.label, "score": k.score} for k in c.match.candidates
                    ],
                }
                for c in self.inputs.to_confirm
            ],
            "seats": self.seats(),
            "timeline": self.timeline(),
            "on_the_job": self.on_the_job(),
            "warnings": self.warnings(),
            "totals": self.totals(),
            "certificate": {
                "status": self.assignment.certificate.status,
                "objective": self.assignment.certificate.objective,
                "value": self.assignment.certificate.value,
                "bound": self.assignment.certificate.bound,
                "gap": self.assignment.certificate.gap,
                "stages": list(self.assignment.certificate.stages),
                "seconds": self.assignment.certificate.seconds,
            },
            "stats": dict(self.inputs.stats),
        }
        if with_plans:
            people_of: dict[PlanTask, list[str]] = defaultdict(list)
            for o in chosen:
                people_of[o.pair.task].append(self.inputs.people[o.person].person_id)
            out["plans"] = [
                {
                    "plan_id": task.id,
                    "target_uri": self.inputs.targets[task.target].uri,
                    "people": ids,
                    **self.inputs.plans[task].plan.to_dict(),
                }
                for task, ids in people_of.items()
            ]
        return out


def _option_dict(inputs: CohortInputs, option: Option) -> dict[str, Any]:
    pair, target = option.pair, inputs.targets[option.target]
    return {
        "person_id": inputs.people[option.person].person_id,
        "job_title": inputs.people[option.person].job_title,
        "current_occupation": inputs.people[option.person].occupations[0],
        "current_occupation_label": inputs.occupation_labels.get(
            inputs.people[option.person].occupations[0], ""
        ),
        "target_uri": target.uri,
        "target_label": target.label,
        "plan_id": pair.task.id,
        "free_courses_only": pair.task.free,  # the budget does not pay the fees of their plan
        "hours": round(option.hours, 1),
        "course_hours": pair.course_hours,
        "on_the_job_hours": round(option.on_the_job_hours, 1),
        "cost": pair.cost,
        "courses": len(pair.plan.steps),
        "start_date": pair.task.start.isoformat(),
        "finish_date": pair.finish.isoformat(),
        "readiness_before": option.fit.readiness_before,
        "readiness_after": option.fit.readiness_after,
        "open_essential_skills": list(option.fit.open_skills),
    }


def summarise(
    inputs: CohortInputs,
    *,
    headcounts: Mapping[str, int] | None = None,
    budget: float | None | Literal["settings"] = "settings",
    objective: Objective | None = None,
) -> CohortResult:
    """Solve the assignment (with optional what-if overrides) and gather what HR reads."""
    for uri in headcounts or {}:
        if uri not in {t.uri for t in inputs.targets}:
            raise InvalidPlanInput(f"{uri!r} is not one of the targets", field="headcounts")
    assignment = assign(inputs, headcounts=headcounts, budget=budget, objective=objective)
    heads = tuple(int((headcounts or {}).get(t.uri, t.headcount)) for t in inputs.targets)
    return CohortResult(
        inputs=inputs,
        assignment=assignment,
        headcounts=heads,
        budget=inputs.settings.budget if budget == "settings" else budget,
        objective=objective or inputs.settings.objective,
    )


#: The figures a what-if compares, as the command line's table, the HR page and the report show them: key
#: of ``api.services.cohorts.compare``'s figures, label, and how it reads (a count, an amount in the plan's
#: currency, text).
WHAT_IF_FIGURES = (
    ("filled", "seats filled", "count"),
    ("hours", "training hours (courses + on the job)", "count"),
    ("course_hours", "course hours", "count"),
    ("cost", "fees", "money"),
    ("budget", "budget", "money"),
    ("last_finish", "last course finishes", "text"),
    ("certificate", "assignment", "text"),
    ("without_course", "people moving with no course", "count"),
    ("on_free_courses", "people moving on free courses only (the budget short)", "count"),
)


def what_if(  # noqa: PLR0913 - keyword-only: what changes in the what-if, each optional
    previous: CohortInputs,
    graph: CompetenceGraph,
    courses: Sequence[CourseOption],
    *,
    badges: Sequence[BadgeOption] = (),
    headcounts: Mapping[str, int] | None = None,
    budget: float | None | Literal["settings"] = "settings",
    hours_per_week: float | None = None,
    language: str | None = None,
    mapper: ChunkMapper = in_process,
) -> CohortResult:
    """Re-solve with a changed headcount, budget or hours per week, or with everyone following courses in
    one more ``language``, reusing every plan already computed.

    Headcounts and budget change only the MILP (a budget where there was none also plans the free
    variants of the plans with fees). Hours per week change the schedules (finish dates) and a language the
    courses a plan may take, so the plans of the tasks that change are computed (once each) and the rest
    come from ``previous``. A language is added to every list of languages (a person's, and the
    settings' default); a person who follows any language already is unchanged.
    """
    inputs = previous
    settings = previous.settings
    people: Sequence[Person] = previous.people
    if hours_per_week is not None:
        settings = replace(settings, hours_per_week=hours_per_week)
    if language is not None:
        settings = replace(settings, languages=_with_language(settings.languages, language))
        people = [replace(p, languages=_with_language(p.languages, language)) for p in people]
    if isinstance(budget, int | float) and settings.budget is None:
        settings = replace(settings, budget=budget)  # a budget: plans with fees get their free variants
    if settings != previous.settings or people is not previous.people:
        inputs = prepare(
            graph,
            people,
            previous.targets,
            courses,
            settings,
            badges=badges,
            to_confirm=previous.to_confirm,
            cache=previous.plans,
            mapper=mapper,
            subjects=previous.subjects,
        )
    return summarise(inputs, headcounts=headcounts, budget=budget)


def _with_language(languages: tuple[str, ...], language: str) -> tuple[str, ...]:
    """``languages`` with ``language`` added; empty (any language) stays empty."""
    return tuple(dict.fromkeys((*languages, language))) if languages else ()


def _ruled_out(plan: Plan) -> list[str]:
    """The essential skills ``plan`` leaves open because every course teaching them is ruled out for the
    person (the planner's reason says so), by URI."""
    return [u.skill_uri for u in plan.uncovered_skills if u.essential and "ruled out" in u.reason]


def language_to_add(result: CohortResult, courses: Sequence[CourseOption]) -> str | None:
    """The language that opens the most courses to the people :meth:`CohortResult.shut_out`: of the courses
    teaching an essential skill their plans leave ruled out, the language most of them are in that those
    people do not all follow (ties: the code first in order); None when no one is shut out or no course in
    another language teaches those skills."""
    settings = result.inputs.settings
    # people who follow any language are shut out by dates, region or budget: another language is no help
    shut_out = [
        o for o in result.shut_out() if result.inputs.people[o.person].languages or settings.languages
    ]
    if not shut_out:
        return None
    skills = {uri for o in shut_out for uri in _ruled_out(o.pair.plan)}
    followed_by_all = set.intersection(
        *(set(result.inputs.people[o.person].languages or settings.languages) for o in shut_out)
    )
    counts = Counter(
        c.language
        for c in courses
        if c.language not in followed_by_all | {UNDETERMINED_LANGUAGE} and skills & c.skills.keys()
    )
    return min(counts, key=lambda code: (-counts[code], code)) if counts else None


def language_what_if(base: CohortResult, changed: CohortResult, language: str) -> str:
    """What following courses in ``language`` too would change for the people :meth:`CohortResult.shut_out`
    (``changed`` is :func:`what_if` with that language), in HR's words."""
    before, after = base.totals(), changed.totals()
    return (
        f"If everyone also took courses in {language_name(language)}, the plan re-solved would leave "
        f"{len(changed.shut_out())} of the people moving without a course (now {len(base.shut_out())}), fill "
        f"{after['filled']} seats (now {before['filled']}), take {after['course_hours']:,.0f} course hours "
        f"(now {before['course_hours']:,.0f}) and {after['hours']:,.0f} training hours, courses and on the "
        f"job (now {before['hours']:,.0f}), for {after['currency']} {after['cost']:,.0f} of fees (now "
        f"{before['cost']:,.0f})."
    )
