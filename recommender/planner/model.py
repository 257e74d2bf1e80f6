"""Inputs and outputs of the learning-path planner: plain frozen dataclasses, independent of the database.

Proficiency levels follow the gap's scale: 0 none, 1 basic, 2 intermediate, 3 advanced, 4 expert. A course
"teaches skill S at level L" when completing it brings S to L. Prices are amounts in one currency per plan.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any, Literal

from recommender.errors import InvalidPlanInput
from recommender.prerequisites import LEVEL_ORDER_FROM

MAX_LEVEL = 4
#: A course teaching a gap skill at this level or above needs the skill one level below first (level order):
#: the project's one rule, defined in :mod:`recommender.prerequisites`.
ADVANCED_LEVEL = LEVEL_ORDER_FROM

Relation = Literal["essential", "optional"]
Objective = Literal["hours", "cost"]
EarnedBy = Literal["all", "k_of_n", "assessment"]
RELATIONS = ("essential", "optional")
OBJECTIVES = ("hours", "cost")
#: The dates a plan may start or end by: a schedule counted in weeks from a start near the calendar's end
#: would run past year 9999.
FIRST_DATE, LAST_DATE = date(2000, 1, 1), date(2100, 12, 31)
# Study time a week a plan accepts: at least a quarter of an hour (less could stretch a plan past the
# calendar's end), at most the hours a week has.
HOURS_PER_WEEK_RANGE = (0.25, 168.0)
EARNED_BY = ("all", "k_of_n", "assessment")


def _frozen_levels(value: Mapping[str, int], *, field_name: str) -> Mapping[str, int]:
    for uri, level in value.items():
        if not isinstance(level, int) or not 0 <= level <= MAX_LEVEL:
            raise InvalidPlanInput(
                f"level of {uri!r} must be an integer 0..{MAX_LEVEL}, got {level!r}", field=field_name
            )
    return MappingProxyType(dict(sorted(value.items())))


def _check_level(value: int, *, field_name: str) -> None:
    if not isinstance(value, int) or not 0 <= value <= MAX_LEVEL:
        raise InvalidPlanInput(f"must be an integer 0..{MAX_LEVEL}, got {value!r}", field=field_name)


@dataclass(frozen=True)
class GapItem:
    """One skill the target requires: how much the worker needs and already holds."""

    skill_uri: str
    label: str
    relation: Relation
    needed_level: int = 2
    held_level: int = 0
    weight: float = 1.0
    skill_type: str = ""  # ESCO's: "knowledge" or "skill/competence" ("" when unknown)

    def __post_init__(self) -> None:
        if self.relation not in RELATIONS:
            raise InvalidPlanInput(
                f"must be essential or optional, got {self.relation!r}", field="gap.relation"
            )
        _check_level(self.needed_level, field_name=f"gap[{self.skill_uri}].needed_level")
        _check_level(self.held_level, field_name=f"gap[{self.skill_uri}].held_level")
        if not (math.isfinite(self.weight) and self.weight > 0):
            raise InvalidPlanInput(f"must be a positive number, got {self.weight!r}", field="gap.weight")

    @property
    def essential(self) -> bool:
        return self.relation == "essential"


@dataclass(frozen=True)
class Prerequisite:
    """A course that must be completed before another; ``origin`` is catalogue, level or curated."""

    course_id: str
    origin: str = "catalogue"


@dataclass(frozen=True)
class CourseOption:
    """A course the planner may choose, with the skills it teaches as ``{skill_uri: level}``."""

    id: str
    title: str
    hours: float
    price: float = 0.0
    currency: str = "EUR"
    language: str = "en"
    delivery_mode: str = "online"
    region: str | None = None
    level: str | None = None
    start_dates: tuple[date, ...] = ()
    skills: Mapping[str, int] = field(default_factory=dict)
    prerequisites: tuple[Prerequisite, ...] = ()
    #: How sure the catalogue is of each skill link, in [0, 1]; a skill not listed here is sure (1.0): given
    #: by the catalogue or a curator. Inferred links carry the tagger's confidence (``planner.relevance``).
    confidence: Mapping[str, float] = field(default_factory=dict)
    #: False when the catalogue states no price (flag ``price-unknown``): the course is planned at ``price`` 0
    #: (only when no budget is given) and its texts say the price is not stated, never that it costs 0.
    price_stated: bool = True

    def __post_init__(self) -> None:
        if not (math.isfinite(self.hours) and self.hours > 0):
            raise InvalidPlanInput(
                f"must be a positive number of hours, got {self.hours!r}", field=f"course[{self.id}].hours"
            )
        if not (math.isfinite(self.price) and self.price >= 0):
            raise InvalidPlanInput(
                f"must be a price >= 0, got {self.price!r}", field=f"course[{self.id}].price"
            )
        object.__setattr__(
            self, "skills", _frozen_levels(self.skills, field_name=f"course[{self.id}].skills")
        )
        object.__setattr__(self, "start_dates", tuple(sorted(self.start_dates)))
        object.__setattr__(self, "prerequisites", tuple(self.prerequisites))
        for uri, value in self.confidence.items():
            if not (math.isfinite(value) and 0.0 <= value <= 1.0):
                raise InvalidPlanInput(
                    f"confidence of {uri!r} must be in [0, 1], got {value!r}",
                    field=f"course[{self.id}].confidence",
                )
        object.__setattr__(self, "confidence", MappingProxyType(dict(sorted(self.confidence.items()))))


@dataclass(frozen=True)
class BadgeOption:
    """A microbadge: recognises skills at levels; earned by all its courses, k of them, or an assessment."""

    id: str
    name: str
    skills: Mapping[str, int] = field(default_factory=dict)
    earned_by: EarnedBy = "all"
    courses: tuple[str, ...] = ()
    k: int | None = None
    required_badges: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.earned_by not in EARNED_BY:
            raise InvalidPlanInput(
                f"must be one of {', '.join(EARNED_BY)}, got {self.earned_by!r}",
                field=f"badge[{self.id}].earned_by",
            )
        if self.earned_by == "k_of_n" and not (self.k is not None and 1 <= self.k <= len(self.courses)):
            raise InvalidPlanInput(
                f"k must be between 1 and the number of courses ({len(self.courses)}), got {self.k!r}",
                field=f"badge[{self.id}].k",
            )
        object.__setattr__(self, "skills", _frozen_levels(self.skills, field_name=f"badge[{self.id}].skills"))
        object.__setattr__(self, "courses", tuple(self.courses))
        object.__setattr__(self, "required_badges", tuple(self.required_badges))


def check_hours_per_week(hours: float) -> None:
    """Raise :class:`InvalidPlanInput` unless ``hours`` lies in :data:`HOURS_PER_WEEK_RANGE`."""
    low, high = HOURS_PER_WEEK_RANGE
    if not (math.isfinite(hours) and low <= hours <= high):
        raise InvalidPlanInput(
            f"must be between {low:g} and {high:g} hours a week, got {hours!r}", field="hours_per_week"
        )


@dataclass(frozen=True)
class Constraints:
    """What the worker can spend and accept. Empty tuples mean "any"; ``None`` means "no limit".

    ``exchange_rates`` maps a currency code to how many units of ``currency`` one unit of it is worth; a
    priced course in another currency without a rate is excluded with that reason.
    """

    budget: float | None = None
    currency: str = "EUR"
    exchange_rates: Mapping[str, float] = field(default_factory=dict)
    max_hours: float | None = None
    hours_per_week: float = 6.0
    start: date | None = None
    deadline: date | None = None
    languages: tuple[str, ...] = ()
    delivery_modes: tuple[str, ...] = ()
    region: str | None = None
    levels: tuple[str, ...] = ()
    excluded: frozenset[str] = frozenset()
    completed: frozenset[str] = frozenset()
    held_badges: frozenset[str] = frozenset()
    objective: Objective = "hours"
    include_optional: bool = True

    def __post_init__(self) -> None:  # noqa: C901 - one check per constraint field, each with its own message
        if self.budget is not None and not (math.isfinite(self.budget) and self.budget >= 0):
            raise InvalidPlanInput(f"must be an amount >= 0, got {self.budget!r}", field="budget")
        if self.max_hours is not None and not (math.isfinite(self.max_hours) and self.max_hours > 0):
            raise InvalidPlanInput(
                f"must be a positive number of hours, got {self.max_hours!r}", field="max_hours"
            )
        check_hours_per_week(self.hours_per_week)
        if self.objective not in OBJECTIVES:
            raise InvalidPlanInput(f"must be hours or cost, got {self.objective!r}", field="objective")
        for name in ("start", "deadline"):
            when = getattr(self, name)
            if when is not None and not FIRST_DATE <= when <= LAST_DATE:
                raise InvalidPlanInput(
                    f"must be a date from {FIRST_DATE} to {LAST_DATE}, got {when}", field=name
                )
        if self.deadline is not None and self.start is None:
            raise InvalidPlanInput("a deadline needs a start date to count weeks from", field="deadline")
        if self.deadline is not None and self.start is not None and self.deadline < self.start:
            raise InvalidPlanInput(f"{self.deadline} is before the start date {self.start}", field="deadline")
        if len(self.currency) != 3 or not self.currency.isalpha():
            raise InvalidPlanInput(
                f"must be a 3-letter ISO 4217 code, got {self.currency!r}", field="currency"
            )
        for code, rate in self.exchange_rates.items():
            if not (math.isfinite(rate) and rate > 0):
                raise InvalidPlanInput(
                    f"rate for {code} must be positive, got {rate!r}", field="exchange_rates"
                )
        object.__setattr__(self, "currency", self.currency.upper())
        object.__setattr__(
            self,
            "exchange_rates",
            MappingProxyType({k.upper(): v for k, v in sorted(self.exchange_rates.items())}),
        )
        for name in ("excluded", "completed", "held_badges"):
            object.__setattr__(self, name, frozenset(getattr(self, name)))
        for name in ("languages", "delivery_modes", "levels"):
            object.__setattr__(self, name, tuple(getattr(self, name)))


# --- outputs ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exclusion:
    """A course the planner could not use, and why."""

    course_id: str
    reason: str


AlternativeKind = Literal["assessment", "on-the-job", "provider", "funding"]
#: Why on the job (``Way.case``): the courses that teach the skill far enough need more of it first than the
#: others bring (``prerequisites``), they teach it part of the way (``partial``), or none takes it further
#: (``untaught``); ``""`` for the other kinds.
WayCase = Literal["", "prerequisites", "partial", "untaught"]


@dataclass(frozen=True)
class Way:
    """What can be done for a skill no course closes, as facts: each reader's sentence is worded from them
    (``recommender.planner.alternatives``: a worker's, HR's, a region's).

    ``taught_level``: for ``partial``, the level the courses take it to; otherwise the highest level any
    course teaches it at (0: none). ``badge_level``: the level the badge (``assessment``) recognises.
    ``set_aside``: where no course teaches it but some name it, how and which, in words ("on enough evidence
    ('Data Science: Probability' names it in passing)").
    """

    kind: AlternativeKind
    skill: str  # its label
    needed_level: int
    case: WayCase = ""
    taught_level: int = 0
    held_level: int = 0
    badge_id: str | None = None
    badge_name: str = ""
    badge_level: int = 0
    set_aside: str = ""


@dataclass(frozen=True)
class Alternative:
    """What a worker can do for a skill no plannable course closes.

    ``kind``: ``assessment`` (a badge earned by assessment: recognition of prior learning), ``on-the-job``
    (supervised practice at work), ``provider`` (ask a training provider or the employer's training centre:
    no course in the catalogue teaches it) or ``funding`` (only courses the worker's limits rule out teach
    it). ``text`` says it to the worker; ``way`` keeps the facts, for another reader's wording.
    """

    kind: AlternativeKind
    text: str
    badge_id: str | None = None
    way: Way | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class UncoveredSkill:
    """A gap skill the plan does not close, and why (never dropped silently).

    ``reached_level`` is the level the plan raises it to (``held_level`` when no step advances it);
    ``catalogue_level`` the highest level any course of the catalogue teaches it at (0: none teaches it);
    ``alternative`` what the worker can do instead.
    """

    skill_uri: str
    label: str
    relation: Relation
    reason: str
    needed_level: int = 0
    held_level: int = 0
    reached_level: int = 0
    catalogue_level: int = 0
    alternative: Alternative | None = None

    @property
    def essential(self) -> bool:
        return self.relation == "essential"


@dataclass(frozen=True)
class Certificate:
    """How close the chosen selection is to optimal.

    ``compared`` names the first criterion on which the selection is measured: ``essential coverage``,
    ``optional coverage`` (weighted skills covered; ratio = selection / optimum) or ``cost`` (the objective at
    equal coverage; ratio = optimum / selection). ``method`` is ``milp`` (exact optimum), ``lp`` (the LP
    relaxation, so ``ratio`` is a lower bound of the true ratio) or ``none``. ``ratio`` is 1.0 when optimal.
    ``added_after``: courses the plan took after the certified selection (to earn a badge the selection left
    one course short of), which the certificate does not describe.
    """

    method: Literal["milp", "lp", "none"]
    ratio: float | None
    compared: str
    value: float | None = None
    bound: float | None = None
    added_after: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    """One course of the plan, in order, with its weeks and the reasons it is there.

    ``skills_covered`` are the gap skills this step advances beyond what the worker and the earlier steps
    reached (closing them or raising them part of the way); ``levels`` gives the level each one reaches.
    """

    course_id: str
    title: str
    hours: float
    price: float
    currency: str
    start_week: int
    end_week: int
    start_date: date | None
    end_date: date | None
    skills_covered: tuple[str, ...]
    prerequisites: tuple[str, ...]
    required_by: tuple[str, ...]
    reason: str
    levels: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class BadgeEvent:
    """A microbadge earned: at ``week`` (0 = already held before the plan), completed by ``course_id``."""

    badge_id: str
    name: str
    week: int
    course_id: str | None
    by_assessment: bool = False


@dataclass(frozen=True)
class BadgeNearMiss:
    """A badge one course away from the plan's end state."""

    badge_id: str
    name: str
    course_id: str
    course_title: str


@dataclass(frozen=True)
class DeadlineCheck:
    """Whether the plan finishes by the deadline and, if not, what would make it: ``drop``, the courses whose
    absence lets the rest end in time; ``instead``, the courses of a plan chosen for the deadline (the same
    request with the hours its weeks allow as a limit), when it reaches more of the gap than dropping does."""

    deadline: date
    met: bool
    earliest_finish: date | None
    drop: tuple[str, ...] = ()
    hours_per_week_needed: float | None = None
    explanation: str = ""
    instead: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    """A learning path: ordered, scheduled steps plus everything the worker should know about it."""

    kind: str
    objective: str
    solver: str
    currency: str
    steps: tuple[Step, ...]
    total_hours: float
    total_price: float
    weeks: int
    finish_date: date | None
    covered_skills: tuple[str, ...]
    uncovered_skills: tuple[UncoveredSkill, ...]
    already_held: tuple[str, ...]
    badges_earned: tuple[BadgeEvent, ...]
    badge_sequence: tuple[str, ...]
    badges_one_course_away: tuple[BadgeNearMiss, ...]
    certificate: Certificate
    deadline: DeadlineCheck | None
    explanation: str
    #: Every label true of this plan among the plans shown (``fastest``, ``cheapest``, ``best for you``);
    #: more than one when plans coincide.
    labels: tuple[str, ...] = ()
    #: In words, what the worker will be able to do when done (one line per level reached).
    outcomes: tuple[str, ...] = ()

    @property
    def feasible(self) -> bool:
        """True when every essential gap skill is closed and the deadline (if any) is met."""
        essential_missing = any(item.relation == "essential" for item in self.uncovered_skills)
        return not essential_missing and (self.deadline is None or self.deadline.met)

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON-ready data (the shape ``upskill plan --json`` prints)."""

        def iso(day: date | None) -> str | None:
            return day.isoformat() if day else None

        return {
            "kind": self.kind,
            "labels": list(self.labels or (self.kind,)),
            "outcomes": list(self.outcomes),
            "objective": self.objective,
            "solver": self.solver,
            "feasible": self.feasible,
            "explanation": self.explanation,
            "steps": [
                {
                    "course_id": s.course_id,
                    "title": s.title,
                    "hours": s.hours,
                    "price": s.price,
                    "currency": s.currency,
                    "start_week": s.start_week,
                    "end_week": s.end_week,
                    "start_date": iso(s.start_date),
                    "end_date": iso(s.end_date),
                    "skills_covered": list(s.skills_covered),
                    "levels": dict(s.levels),
                    "prerequisites": list(s.prerequisites),
                    "reason": s.reason,
                }
                for s in self.steps
            ],
            "badges": [
                {
                    "badge_id": b.badge_id,
                    "name": b.name,
                    "week": b.week,
                    "course_id": b.course_id,
                    "by_assessment": b.by_assessment,
                }
                for b in self.badges_earned
            ],
            "badge_sequence": list(self.badge_sequence),
            "badges_one_course_away": [
                {
                    "badge_id": b.badge_id,
                    "name": b.name,
                    "course_id": b.course_id,
                    "course_title": b.course_title,
                }
                for b in self.badges_one_course_away
            ],
            "uncovered_skills": [
                {
                    "uri": u.skill_uri,
                    "label": u.label,
                    "relation": u.relation,
                    "needed_level": u.needed_level,
                    "held_level": u.held_level,
                    "reached_level": u.reached_level,
                    "catalogue_level": u.catalogue_level,
                    "reason": u.reason,
                    "alternative": None
                    if u.alternative is None
                    else {
                        "kind": u.alternative.kind,
                        "text": u.alternative.text,
                        "badge_id": u.alternative.badge_id,
                    },
                }
                for u in self.uncovered_skills
            ],
            "covered_skills": list(self.covered_skills),
            "already_held": list(self.already_held),
            "totals": {
                "hours": self.total_hours,
                "price": self.total_price,
                "currency": self.currency,
                "weeks": self.weeks,
                "finish_date": iso(self.finish_date),
            },
            "certificate": {
                "method": self.certificate.method,
                "ratio": self.certificate.ratio,
                "compared": self.certificate.compared,
                "value": self.certificate.value,
                "bound": self.certificate.bound,
                "added_after": list(self.certificate.added_after),
            },
            "deadline": None
            if self.deadline is None
            else {
                "deadline": self.deadline.deadline.isoformat(),
                "met": self.deadline.met,
                "earliest_finish": iso(self.deadline.earliest_finish),
                "drop": list(self.deadline.drop),
                "instead": list(self.deadline.instead),
                "hours_per_week_needed": self.deadline.hours_per_week_needed,
                "explanation": self.deadline.explanation,
            },
        }


@dataclass(frozen=True)
class PlanResult:
    """The plans (first: the worker's objective; then cheapest / fastest / best-ranked when they differ)."""

    plans: tuple[Plan, ...]
    excluded: tuple[Exclusion, ...]

    @property
    def best(self) -> Plan:
        return self.plans[0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "plans": [plan.to_dict() for plan in self.plans],
            "excluded_courses": [{"course_id": e.course_id, "reason": e.reason} for e in self.excluded],
        }
