"""Anonymous planning: the gap, plans and adjacent roles for a profile sent with the request (nothing stored).

Field names are those of ``upskill plan`` (issue 10): ``current_occupations`` (ESCO URIs or exact labels),
``skills`` (``{uri, level}``: an ESCO skill URI or exact label, 0 none .. 4 expert), ``target``, and the
plan's limits. The answers are the command line's JSON (``upskill gap --json``, ``upskill plan --json``,
``upskill roles adjacent --json``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from api.http.schemas.common import MAX_LIST, Code, Id, RequestModel
from recommender.planner.model import HOURS_PER_WEEK_RANGE


class DeclaredSkill(RequestModel):
    uri: Id = Field(description="ESCO skill URI or exact label")
    level: int = Field(ge=0, le=4, description="0 none, 1 basic, 2 intermediate, 3 advanced, 4 expert")


class ProfileBase(RequestModel):
    current_occupations: list[Id] = Field(
        default_factory=list, max_length=10, description="current (first) and past occupations"
    )
    skills: list[DeclaredSkill] = Field(default_factory=list, max_length=MAX_LIST)

    @model_validator(mode="after")
    def _someone(self) -> ProfileBase:
        if not self.current_occupations and not self.skills:
            raise ValueError("give current_occupations and/or skills: the profile the gap is measured from")
        return self

    def declared(self) -> dict[str, int]:
        """Declared skills as the services take them (a skill given twice counts at its higher level)."""
        levels: dict[str, int] = {}
        for skill in self.skills:
            levels[skill.uri] = max(skill.level, levels.get(skill.uri, 0))
        return levels


class RequiredLevelIn(RequestModel):
    occupation: Id | None = Field(None, description="target occupation of the row; none: every target")
    skill: Id = Field(description="ESCO skill URI or exact label, or essential / optional")
    level: int = Field(ge=1, le=4, description="1 basic, 2 intermediate, 3 advanced, 4 expert")


class GapCreate(ProfileBase):
    target: Id = Field(description="target occupation: ESCO URI or exact label")
    required_levels: list[RequiredLevelIn] = Field(
        default_factory=list,
        max_length=MAX_LIST,
        description="the organisation's levels for the target; none given: the default, essential skills at "
        "3 (advanced) and optional ones at 2 (intermediate)",
    )


class GapItemRead(BaseModel):
    uri: str
    label: str
    relation: Literal["essential", "optional"]
    required_level: int
    status: Literal["held", "partial", "missing"]
    credit: float
    weight: float
    source: str | None
    via: str | None
    reason: str
    required_because: str


class GapRead(BaseModel):
    target_uri: str
    target_label: str
    required_levels: str = Field(description="where the levels the target needs come from")
    coverage: float = Field(description="percent of the weighted requirements held")
    gap_score: float
    counts: dict[str, int]
    items: list[GapItemRead]


Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class PlanCreate(GapCreate):
    budget: NonNegative | None = Field(None, description="money to spend, in currency")
    currency: Code = Field("EUR", description="plan currency, ISO 4217 (prices converted at the rate table)")
    exchange_rates: dict[Code, Positive] = Field(
        default_factory=dict, max_length=50, description="units of the plan currency per unit of each code"
    )
    certificates: bool = Field(True, description="buy optional certificates (never with a budget of 0)")
    max_hours: Positive | None = None
    hours_per_week: float = Field(
        6.0,
        ge=HOURS_PER_WEEK_RANGE[0],
        le=HOURS_PER_WEEK_RANGE[1],
        allow_inf_nan=False,
        description="hours of study a week",
    )
    start: dt.date | None = Field(None, description="default today")
    deadline: dt.date | None = None
    languages: list[Code] = Field(default_factory=list, max_length=20)
    delivery_modes: list[Literal["online", "in-person", "blended"]] = Field(
        default_factory=list, max_length=3
    )
    region: Code | None = Field(None, description="NUTS code where the worker is")
    levels: list[Literal["introductory", "intermediate", "advanced"]] = Field(
        default_factory=list, max_length=3
    )
    exclude: list[Id] = Field(
        default_factory=list, max_length=MAX_LIST, description="course ids to leave out"
    )
    completed: list[Id] = Field(default_factory=list, max_length=MAX_LIST, description="course ids done")
    objective: Literal["hours", "cost"] = "hours"
    solver: Literal["auto", "greedy", "exact"] = Field(
        "auto", description="auto: the exact MILP where it answers in time, else the greedy"
    )


class StepRead(BaseModel):
    course_id: str
    title: str
    hours: float
    price: float
    currency: str
    start_week: int
    end_week: int
    start_date: str | None
    end_date: str | None
    skills_covered: list[str]
    levels: dict[str, int]
    prerequisites: list[str]
    reason: str


class BadgeEarnedRead(BaseModel):
    badge_id: str
    name: str
    week: int
    course_id: str | None
    by_assessment: bool


class BadgeNearRead(BaseModel):
    badge_id: str
    name: str
    course_id: str
    course_title: str


class AlternativeRead(BaseModel):
    kind: Literal["assessment", "on-the-job", "provider", "funding"]
    text: str
    badge_id: str | None


class UncoveredRead(BaseModel):
    uri: str
    label: str
    relation: str
    needed_level: int
    held_level: int
    reached_level: int
    catalogue_level: int = Field(description="highest level any course of the catalogue teaches it (0: none)")
    reason: str
    alternative: AlternativeRead | None = Field(description="what to do instead of a course")


class TotalsRead(BaseModel):
    hours: float
    price: float
    currency: str
    weeks: int
    finish_date: str | None


class CertificateRead(BaseModel):
    method: str
    ratio: float | None
    compared: str | None
    value: float | None
    bound: float | None
    added_after: list[str] = Field(
        default_factory=list,
        description="courses taken after the certified selection (to earn a badge): not described by it",
    )


class DeadlineRead(BaseModel):
    deadline: str
    met: bool
    earliest_finish: str | None
    drop: list[str] = Field(
        description="when the deadline is missed: the courses (ids) whose absence lets the rest of the plan"
        " end by the deadline while reaching the most of the gap, essential skills first (empty: no part ends"
        " in time); the explanation names the skills that then stay lower"
    )
    instead: list[str] = Field(
        default_factory=list,
        description="when the deadline is missed: the courses (ids, in order) of a plan chosen for the"
        " deadline (the same request with the hours its weeks allow as a limit), when it reaches more of the"
        " gap than dropping courses does; empty otherwise",
    )
    hours_per_week_needed: float | None
    explanation: str


class PlanRead(BaseModel):
    kind: str
    labels: list[str] = Field(description="every label true of the plan: fastest, cheapest, best for you")
    outcomes: list[str] = Field(description="what the worker will be able to do when done")
    objective: str
    solver: str
    feasible: bool
    explanation: str
    steps: list[StepRead]
    badges: list[BadgeEarnedRead]
    badge_sequence: list[str]
    badges_one_course_away: list[BadgeNearRead]
    uncovered_skills: list[UncoveredRead]
    covered_skills: list[str]
    already_held: list[str]
    totals: TotalsRead
    certificate: CertificateRead
    deadline: DeadlineRead | None


class ExcludedRead(BaseModel):
    course_id: str
    reason: str


class SetAsideRead(BaseModel):
    course_id: str
    reason: str


class PlansRead(BaseModel):
    target_uri: str
    target_label: str
    required_levels: str = Field(description="where the levels the target needs come from")
    ranking: str = Field(description="what ranked the courses of the 'best for you' plan")
    prices: str = Field(description="the currency and the exchange rates the prices are in")
    set_aside: list[SetAsideRead] = Field(description="courses not plannable for the worker, and why")
    certificates_optional: dict[str, float] = Field(description="course id -> optional certificate's price")
    price_not_stated: list[str]
    plans: list[PlanRead]
    excluded_courses: list[ExcludedRead]


class AdjacentCreate(ProfileBase):
    k: int = Field(10, ge=1, le=100)
    sector: Literal["automotive-mobility"] | None = None
    exclude_same_isco: bool = False
    min_score: float = Field(0.0, ge=0.0, le=1.0)


class AdjacentRoleRead(BaseModel):
    uri: str
    label: str
    isco_code: str
    score: float
    parts: dict[str, float]
    weights: dict[str, float]
    gap_score: float
    n_missing_essential: int
