"""Plan a whole workforce's transition: who moves to which target role, each person's plan, seats, readiness.

Three steps, each exact:

1. **Gaps, shared.** Each distinct profile (occupations + declared skills) is resolved once; its gap to a
   target is the vector of levels it holds on the target's skills (the rules of :mod:`recommender.gap`,
   vectorised by ``credit_vectors``). People whose gap vector and personal constraints (hours per week,
   start, languages, region) agree share one plan: each distinct *plan task* is planned once with
   :func:`recommender.planner.plan_paths`, in chunks mapped in process or over a Dask cluster
   (:mod:`recommender.cluster`).
2. **Options.** A (person, target) pair is an *option* when the plan finishes by the target's deadline (or
   the horizon) at the person's hours per week, and after it the person holds at least ``min_readiness`` of
   the target's essential skills (weighted by the gap's weights, partial levels counting in part). Skills no
   course of the catalogue closes are left to on-the-job training, counted at ``on_the_job_hours`` per
   missing level step (an assumption HR sets; 0 counts course hours only).
3. **Assignment, lexicographic MILP** (``scipy.optimize.milp``, HiGHS, relative gap 0). People with the same
   options form a group; ``x[g, t]`` is how many of group g move to target t. Constraints: each group's size,
   each target's headcount as an upper bound with a shortfall variable ``s_t = headcount - filled``, the
   budget on course fees. First the shortfall is minimised, one priority level at a time (priority 1 first,
   each level's optimum then kept as a constraint), so a seat is left empty only when no one fits it within
   the budget; then the total training hours (or course cost) are minimised. The certificate is ``optimal``
   when every stage was solved to optimality, else ``gap`` with the best bound HiGHS proved.

Month by month readiness counts, per role, the people assigned whose course plan has finished by the end of
that month (the planner's finish dates).
"""

from __future__ import annotations

import calendar
import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, milp

from recommender.errors import InvalidPlanInput
from recommender.gap import RELATION_WEIGHT, REQUIRED_LEVEL, Profile, credit_vectors, holdings
from recommender.graph import ESSENTIAL, CompetenceGraph
from recommender.planner import (
    BadgeOption,
    Constraints,
    CourseOption,
    GapItem,
    Plan,
    Prerequisite,
    plan_paths,
)
from recommender.planner.from_gap import MIN_WEIGHT
from recommender.workforce import Person, Target, TitleToConfirm

Objective = Literal["hours", "cost"]
#: Default share of a target's essential skills (weighted) a person must hold after the courses to fit it.
MIN_READINESS = 0.25
#: Default on-the-job training hours per level step of an essential skill the courses leave open (one day of
#: supervised practice per level): an assumption HR should set for its own plant.
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
    on_the_job_hours: float = ON_THE_JOB_HOURS
    include_optional: bool = False
    time_limit: float = 60.0

    def __post_init__(self) -> None:
        if not 1 <= self.months <= 120:
            raise InvalidPlanInput(f"must be 1 to 120 months, got {self.months!r}", field="months")
        if not (np.isfinite(self.hours_per_week) and self.hours_per_week > 0):
            raise InvalidPlanInput(
                f"must be a positive number of hours, got {self.hours_per_week!r}", field="hours_per_week"
            )
        if self.budget is not None and not (np.isfinite(self.budget) and self.budget >= 0):
            raise InvalidPlanInput(f"must be an amount >= 0, got {self.budget!r}", field="budget")
        if self.objective not in ("hours", "cost"):
            raise InvalidPlanInput(f"must be hours or cost, got {self.objective!r}", field="objective")
        if not 0 <= self.min_readiness <= 1:
            raise InvalidPlanInput(
                f"must be a share from 0 to 1, got {self.min_readiness!r}", field="min_readiness"
            )
        if not (np.isfinite(self.on_the_job_hours) and self.on_the_job_hours >= 0):
            raise InvalidPlanInput(
                f"must be hours >= 0, got {self.on_the_job_hours!r}", field="on_the_job_hours"
            )
        # validates the currency and the rates the same way a single plan does
        Constraints(currency=self.currency, exchange_rates=dict(self.exchange_rates))
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
    """A target's required skills in a fixed order, with what each gap item needs but the held level."""

    uri: str
    label: str
    skill_index: NDArray[np.int64]
    uris: tuple[str, ...]
    labels: tuple[str, ...]
    essential: NDArray[np.bool_]
    needed: NDArray[np.int64]
    weight: NDArray[np.float64]

    @classmethod
    def of(cls, graph: CompetenceGraph, target: Target) -> TargetSkills:
        idx, rel = graph.requirements_of(target.uri)
        essential = rel == ESSENTIAL
        mean_specificity = float(graph.specificity.mean()) if graph.specificity.size else 1.0
        relation_weight = np.where(essential, RELATION_WEIGHT["essential"], RELATION_WEIGHT["optional"])
        return cls(
            uri=target.uri,
            label=target.label,
            skill_index=idx.astype(np.int64),
            uris=tuple(graph.skill_uris[i] for i in idx.tolist()),
            labels=tuple(graph.skill_labels[i] for i in idx.tolist()),
            essential=essential,
            needed=np.where(essential, REQUIRED_LEVEL["essential"], REQUIRED_LEVEL["optional"]).astype(
                np.int64
            ),
            weight=relation_weight * graph.specificity[idx] / mean_specificity,
        )

    def held_levels(
        self, essential_credit: NDArray[np.float64], optional_credit: NDArray[np.float64]
    ) -> bytes:
        """The levels a profile holds on this target's skills and each skill's status, as a compact key.

        The level is ``gap_items``' rule (the whole levels the credit amounts to); the status (0 missing,
        1 partial, 2 held) is the gap's, from the credit itself, since it orders the gap items.
        """
        idx = self.skill_index
        credit = np.where(self.essential, essential_credit[idx], optional_credit[idx])
        levels = np.minimum(self.needed, np.floor(credit * self.needed + 1e-9)).astype(np.int8)
        status = np.where(credit >= 1.0, 2, np.where(credit > 0.0, 1, 0)).astype(np.int8)
        return levels.tobytes() + status.tobytes()

    def gap_items(self, held: bytes) -> list[GapItem]:
        """The planner's gap items for ``held``, in the order ``gap_items(skill_gap(...))`` gives."""
        n = len(self.uris)
        levels = np.frombuffer(held[:n], dtype=np.int8)
        status = np.frombuffer(held[n:], dtype=np.int8)
        # the gap's order: essential first, then missing, partial, held, then weight (most specific first)
        rows = sorted(
            range(n),
            key=lambda k: (
                not self.essential[k],
                int(status[k]),
                -self.weight[k],
                self.labels[k],
                self.uris[k],
            ),
        )
        return [
            GapItem(
                skill_uri=self.uris[k],
                label=self.labels[k],
                relation="essential" if self.essential[k] else "optional",
                needed_level=int(self.needed[k]),
                held_level=int(levels[k]),
                weight=max(float(self.weight[k]), MIN_WEIGHT),
            )
            for k in rows
        ]


# --- plan tasks --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanTask:
    """One distinct plan to compute: a target, the levels held on its skills, the person's constraints."""

    target: int  # index into the targets
    held: bytes
    hours_per_week: float
    start: date
    deadline: date
    languages: tuple[str, ...]
    region: str | None

    @property
    def id(self) -> str:
        """A short stable id, shared by everyone who gets this plan."""
        text = repr((self.target, self.held.hex(), self.hours_per_week, self.start, self.deadline))
        text += repr((self.languages, self.region))
        return "plan-" + hashlib.sha256(text.encode()).hexdigest()[:10]


@dataclass(frozen=True)
class PairPlan:
    """A planned task: the plan and what the assignment needs from it."""

    task: PlanTask
    plan: Plan
    course_hours: float
    cost: float
    finish: date
    on_time: bool
    readiness_before: float
    readiness_after: float
    open_steps: int  # essential level steps the courses leave open (on-the-job training)
    open_skills: tuple[str, ...]  # labels of the essential skills the courses leave open


@dataclass(frozen=True)
class Catalogue:
    """What every planning worker needs: courses, badges, the targets' skills and the shared constraints.

    Plain, picklable data (``CourseOption`` holds read-only mappings, which do not pickle), turned back into
    planner objects once per process by :meth:`courses`.
    """

    course_rows: tuple[dict[str, Any], ...]
    badge_rows: tuple[dict[str, Any], ...]
    targets: tuple[TargetSkills, ...]
    settings: dict[str, Any]

    @classmethod
    def of(
        cls,
        courses: Sequence[CourseOption],
        badges: Sequence[BadgeOption],
        targets: Sequence[TargetSkills],
        settings: CohortSettings,
    ) -> Catalogue:
        course_rows = tuple(
            {
                "id": c.id,
                "title": c.title,
                "hours": c.hours,
                "price": c.price,
                "currency": c.currency,
                "language": c.language,
                "delivery_mode": c.delivery_mode,
                "region": c.region,
                "level": c.level,
                "start_dates": c.start_dates,
                "skills": dict(c.skills),
                "prerequisites": tuple((p.course_id, p.origin) for p in c.prerequisites),
            }
            for c in courses
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
        return cls(course_rows, badge_rows, tuple(targets), shared)

    def courses(self) -> tuple[list[CourseOption], list[BadgeOption]]:
        key = id(self)
        cached = _CATALOGUE_CACHE.get(key)
        if cached is None or cached[0] is not self:
            courses = [
                CourseOption(
                    **{**row, "prerequisites": tuple(Prerequisite(c, o) for c, o in row["prerequisites"])}
                )
                for row in self.course_rows
            ]
            badges = [BadgeOption(**row) for row in self.badge_rows]
            cached = (self, courses, badges)
            _CATALOGUE_CACHE.clear()
            _CATALOGUE_CACHE[key] = cached
        return cached[1], cached[2]


_CATALOGUE_CACHE: dict[int, tuple[Catalogue, list[CourseOption], list[BadgeOption]]] = {}


def plan_chunk(tasks: Sequence[PlanTask], catalogue: Catalogue) -> list[PairPlan]:
    """Plan each task of a chunk (what a worker runs); one plan per task, in order."""
    courses, badges = catalogue.courses()
    shared = catalogue.settings
    out = []
    for task in tasks:
        skills = catalogue.targets[task.target]
        items = skills.gap_items(task.held)
        constraints = Constraints(
            currency=shared["currency"],
            exchange_rates=shared["exchange_rates"],
            hours_per_week=task.hours_per_week,
            start=task.start,
            deadline=max(task.deadline, task.start),  # someone who starts too late is not on time
            languages=task.languages,
            delivery_modes=shared["delivery_modes"],
            region=task.region,
            objective=shared["objective"],
            include_optional=shared["include_optional"],
        )
        plan = plan_paths(
            items, courses, constraints, badges=badges, alternatives=False, certify_plans=False
        ).best
        out.append(_pair_plan(task, plan, items))
    return out


def _pair_plan(task: PlanTask, plan: Plan, items: Sequence[GapItem]) -> PairPlan:
    reached = {item.skill_uri: item.held_level for item in items}
    for step in plan.steps:
        for uri, level in step.levels:
            reached[uri] = max(reached[uri], level)
    essential = [item for item in items if item.essential]
    total = sum(item.weight for item in essential) or 1.0

    def readiness(levels: Mapping[str, int]) -> float:
        credited = sum(i.weight * min(1.0, levels[i.skill_uri] / i.needed_level) for i in essential)
        return round(credited / total, 4) if essential else 1.0

    open_items = [i for i in essential if reached[i.skill_uri] < i.needed_level]
    finish = plan.finish_date or task.start
    return PairPlan(
        task=task,
        plan=plan,
        course_hours=plan.total_hours,
        cost=plan.total_price,
        finish=finish,
        on_time=finish <= task.deadline,
        readiness_before=readiness({i.skill_uri: i.held_level for i in items}),
        readiness_after=readiness(reached),
        open_steps=sum(i.needed_level - reached[i.skill_uri] for i in open_items),
        open_skills=tuple(i.label for i in open_items),
    )


#: Maps ``plan_chunk`` over chunks of tasks and returns the results in order (in process, or on a cluster).
ChunkMapper = Callable[
    [Callable[[Sequence[PlanTask], Catalogue], list[PairPlan]], list[list[PlanTask]], Catalogue],
    list[list[PairPlan]],
]


def in_process(
    func: Callable[[Sequence[PlanTask], Catalogue], list[PairPlan]],
    chunks: list[list[PlanTask]],
    catalogue: Catalogue,
) -> list[list[PairPlan]]:
    """The default mapper: every chunk in this process, one after the other."""
    return [func(chunk, catalogue) for chunk in chunks]


# --- options and the assignment ----------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """What moving one person to one target takes."""

    person: int
    target: int
    pair: PairPlan
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
    plans: Mapping[PlanTask, PairPlan]
    to_confirm: tuple[TitleToConfirm, ...] = ()
    stats: Mapping[str, float] = field(default_factory=dict)


def _chunks(items: list[PlanTask], size: int) -> list[list[PlanTask]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def prepare(
    graph: CompetenceGraph,
    people: Sequence[Person],
    targets: Sequence[Target],
    courses: Sequence[CourseOption],
    settings: CohortSettings,
    *,
    badges: Sequence[BadgeOption] = (),
    to_confirm: Sequence[TitleToConfirm] = (),
    cache: Mapping[PlanTask, PairPlan] | None = None,
    mapper: ChunkMapper = in_process,
    chunk_size: int = 64,
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
    cache : mapping of PlanTask to PairPlan, optional
        Plans already computed (a what-if passes the previous run's ``plans``); only new tasks are planned.
    mapper : callable
        How chunks of plan tasks are mapped (:func:`in_process`, or ``recommender.cluster.DaskMapper``).

    Returns
    -------
    CohortInputs
    """
    if not targets:
        raise InvalidPlanInput("give at least one target role", field="targets")
    if len({p.person_id for p in people}) != len(people):
        raise InvalidPlanInput("person ids must be unique", field="people")
    if len({t.uri for t in targets}) != len(targets):
        raise InvalidPlanInput("each target occupation may appear once", field="targets")
    target_skills = tuple(TargetSkills.of(graph, t) for t in targets)

    # distinct profiles -> held levels on each target's skills
    profile_tasks: dict[tuple[Any, ...], list[bytes]] = {}
    person_tasks: list[list[PlanTask]] = []
    for person in people:
        profile = (person.occupations, tuple(person.skills.items()))
        held = profile_tasks.get(profile)
        if held is None:
            essential, optional = credit_vectors(
                graph, holdings(graph, Profile(person.occupations, person.skills))
            )
            held = [skills.held_levels(essential, optional) for skills in target_skills]
            profile_tasks[profile] = held
        start = max(settings.start, person.earliest_start or settings.start)
        languages = tuple(sorted(person.languages or settings.languages))
        person_tasks.append(
            [
                PlanTask(
                    target=t,
                    held=held[t],
                    hours_per_week=float(person.hours_per_week or settings.hours_per_week),
                    start=start,
                    deadline=min(target.deadline or settings.horizon_end, settings.horizon_end),
                    languages=languages,
                    region=person.region,
                )
                for t, target in enumerate(targets)
            ]
        )
    distinct = sorted(
        {task for tasks in person_tasks for task in tasks},
        key=lambda k: (k.target, k.held, k.hours_per_week, k.start, k.languages, k.region or ""),
    )
    plans: dict[PlanTask, PairPlan] = {}
    if cache:
        plans.update({task: cache[task] for task in distinct if task in cache})
    todo = [task for task in distinct if task not in plans]
    catalogue = Catalogue.of(courses, badges, target_skills, settings)
    if todo:
        for chunk_result in mapper(plan_chunk, _chunks(todo, chunk_size), catalogue):
            for pair in chunk_result:
                plans[pair.task] = pair

    options = tuple(
        tuple(_option(p, t, plans[task], targets[t], settings) for t, task in enumerate(tasks))
        for p, tasks in enumerate(person_tasks)
    )
    stats = {
        "people": len(people),
        "distinct_profiles": len(profile_tasks),
        "distinct_plans": len(distinct),
        "plans_computed": len(todo),
        "pairs": len(people) * len(targets),
    }
    return CohortInputs(
        people=tuple(people),
        targets=tuple(targets),
        target_skills=target_skills,
        settings=settings,
        options=options,
        plans=MappingProxyType(plans),
        to_confirm=tuple(to_confirm),
        stats=MappingProxyType(stats),
    )


def _option(person: int, target: int, pair: PairPlan, role: Target, settings: CohortSettings) -> Option:
    ojt = settings.on_the_job_hours * pair.open_steps
    reason = ""
    if not pair.on_time:
        reason = (
            f"the courses ({pair.course_hours:g} h at {pair.task.hours_per_week:g} h a week) finish "
            f"{pair.finish.isoformat()}, after {pair.task.deadline.isoformat()}"
        )
    elif pair.readiness_after + 1e-9 < settings.min_readiness:
        reason = (
            f"after {pair.course_hours:g} h of courses they would hold {pair.readiness_after:.0%} of the "
            f"essential skills of {role.label!r} (at least {settings.min_readiness:.0%} needed); "
            f"{len(pair.open_skills)} essential skills stay open"
        )
    return Option(
        person=person,
        target=target,
        pair=pair,
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


def _objective_value(option: Option, objective: Objective) -> float:
    # each objective breaks ties on the other quantity, as the planner does
    if objective == "cost":
        return option.pair.cost + 1e-3 * option.hours
    return option.hours + 1e-4 * option.pair.cost


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
    # groups of people with the same options (same plans for every target)
    groups: dict[tuple[PlanTask, ...], list[int]] = defaultdict(list)
    for p, row in enumerate(inputs.options):
        groups[tuple(o.pair.task for o in row)].append(p)
    members = list(groups.values())
    variables: list[tuple[int, int]] = []  # (group, target)
    for g, people in enumerate(members):
        for option in inputs.options[people[0]]:
            if option.eligible and heads[option.target] > 0:
                variables.append((g, option.target))
    n_x, n_t = len(variables), len(inputs.targets)
    n = n_x + n_t  # x then shortfall s_t
    sizes = np.array([len(m) for m in members], dtype=float)
    if n_x == 0:
        cert = Certificate("optimal", objective, 0.0, 0.0, 0.0, ("nobody fits any target",), 0.0)
        return Assignment(tuple(None for _ in inputs.people), cert)
    gx = np.array([g for g, _ in variables])
    tx = np.array([t for _, t in variables])
    rep = [inputs.options[members[g][0]][t] for g, t in variables]
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
    integrality = np.ones(n)
    options = {"mip_rel_gap": 0.0, "time_limit": settings.time_limit, "presolve": True}
    stages: list[str] = []
    all_optimal = True
    priorities = sorted({t.priority for t in inputs.targets})
    for level in priorities:
        c = np.zeros(n)
        members_of_level = [t for t, target in enumerate(inputs.targets) if target.priority == level]
        c[n_x + np.array(members_of_level)] = 1.0
        result = milp(c, integrality=integrality, bounds=bounds, constraints=constraints, options=options)
        if result.x is None:
            raise InvalidPlanInput(f"the assignment solver failed: {result.message}", field="assignment")
        best = round(float(result.fun))
        all_optimal &= result.status == 0
        stages.append(f"priority {level}: shortfall {best} ({'optimal' if result.status == 0 else 'bound'})")
        # keep this level's shortfall at its optimum (integers, so +0.5 is exact) for the next stages
        keep = np.zeros(n)
        keep[n_x + np.array(members_of_level)] = 1.0
        constraints.append(LinearConstraint(sp.csr_matrix(keep), -np.inf, best + 0.5))
    c = np.concatenate([value, np.zeros(n_t)])
    result = milp(c, integrality=integrality, bounds=bounds, constraints=constraints, options=options)
    if result.x is None:
        raise InvalidPlanInput(f"the assignment solver failed: {result.message}", field="assignment")
    optimal = all_optimal and result.status == 0
    bound = float(getattr(result, "mip_dual_bound", result.fun) or result.fun)
    gap = float(getattr(result, "mip_gap", 0.0) or 0.0)
    stages.append(f"{objective}: {float(result.fun):.4f} ({'optimal' if result.status == 0 else 'bound'})")
    counts = np.round(result.x[:n_x]).astype(int)
    target_of: list[int | None] = [None] * len(inputs.people)
    for (g, t), k in zip(variables, counts.tolist(), strict=True):
        if k <= 0:
            continue
        free = [p for p in members[g] if target_of[p] is None]
        for p in free[:k]:
            target_of[p] = t
    cert = Certificate(
        status="optimal" if optimal else "gap",
        objective=objective,
        value=round(float(result.fun), 4),
        bound=round(bound, 4),
        gap=0.0 if optimal else round(gap, 6),
        stages=tuple(stages),
        seconds=round(time.perf_counter() - started, 3),
    )
    return Assignment(tuple(target_of), cert)


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
        return [self.inputs.options[p][t] for p, t in enumerate(self.assignment.target_of) if t is not None]

    def filled(self) -> list[int]:
        counts = Counter(t for t in self.assignment.target_of if t is not None)
        return [counts.get(t, 0) for t in range(len(self.inputs.targets))]

    def best_option(self, person: int) -> Option:
        """The person's best option: the cheapest eligible one, else the one closest to fitting."""
        row = self.inputs.options[person]
        eligible = [o for o in row if o.eligible]
        if eligible:
            return min(eligible, key=lambda o: (_objective_value(o, self.objective), o.target))
        return max(row, key=lambda o: (o.pair.on_time, o.pair.readiness_after, -o.hours, -o.target))

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
        """Seats to buy per course, with the months they start in and the fees."""
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
                    },
                )
                month = (step.start_date or self.inputs.settings.start).strftime("%Y-%m")
                entry["months"][month] += 1
                entry["targets"][self.inputs.targets[option.target].label] += 1
        out = []
        for entry in per_course.values():
            count = sum(entry["months"].values())
            out.append(
                {
                    **{k: v for k, v in entry.items() if k not in ("months", "targets")},
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
        """Per target, the essential skills the courses leave open and how many assigned people need each."""
        need: dict[int, Counter[str]] = defaultdict(Counter)
        for option in self.assigned():
            need[option.target].update(option.pair.open_skills)
        return [
            {
                "target_uri": target.uri,
                "target_label": target.label,
                "skills": [
                    {"skill": s, "people": n} for s, n in sorted(need[t].items(), key=lambda i: (-i[1], i[0]))
                ],
            }
            for t, target in enumerate(self.inputs.targets)
            if need[t]
        ]

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
                "on_the_job_hours_per_level_step": settings.on_the_job_hours,
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
        "target_uri": target.uri,
        "target_label": target.label,
        "plan_id": pair.task.id,
        "hours": round(option.hours, 1),
        "course_hours": pair.course_hours,
        "on_the_job_hours": round(option.on_the_job_hours, 1),
        "cost": pair.cost,
        "courses": len(pair.plan.steps),
        "start_date": pair.task.start.isoformat(),
        "finish_date": pair.finish.isoformat(),
        "readiness_before": pair.readiness_before,
        "readiness_after": pair.readiness_after,
        "open_essential_skills": list(pair.open_skills),
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


def what_if(
    previous: CohortInputs,
    graph: CompetenceGraph,
    courses: Sequence[CourseOption],
    *,
    badges: Sequence[BadgeOption] = (),
    headcounts: Mapping[str, int] | None = None,
    budget: float | None | Literal["settings"] = "settings",
    hours_per_week: float | None = None,
    mapper: ChunkMapper = in_process,
) -> CohortResult:
    """Re-solve with a changed headcount, budget or hours per week, reusing every plan already computed.

    Headcounts and budget change only the MILP. Hours per week change the schedules (finish dates), so the
    plans of the tasks that change are computed (once each) and the rest come from ``previous``.
    """
    inputs = previous
    if hours_per_week is not None:
        settings = replace(previous.settings, hours_per_week=hours_per_week)
        inputs = prepare(
            graph,
            previous.people,
            previous.targets,
            courses,
            settings,
            badges=badges,
            to_confirm=previous.to_confirm,
            cache=previous.plans,
            mapper=mapper,
        )
    return summarise(inputs, headcounts=headcounts, budget=budget)


def iter_persons(inputs: CohortInputs) -> Iterable[tuple[Person, tuple[Option, ...]]]:
    """Each person with their options, in input order."""
    return zip(inputs.people, inputs.options, strict=True)
