"""Organisations and workers (personal data): what is sent to create or change them and what is answered.

A worker's profile has the names of the plan request (``POST /v1/plans``): ``current_occupation``,
``skills`` (``{uri, level}``), ``target``, ``region``, ``languages``, ``budget``, ``currency``,
``hours_per_week``, ``delivery_modes``; occupations and skills are ESCO URIs or exact labels, stored as URIs.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from api.http.schemas.common import MAX_ID, MAX_LIST, PAGE_LIMIT, Code, Id, PageBase, RequestModel
from api.http.schemas.planning import DeclaredSkill
from api.services.audit import check_period
from recommender.planner.model import HOURS_PER_WEEK_RANGE

Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]
Nuts = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}[A-Za-z0-9]{0,3}$", strip_whitespace=True)]
DeliveryMode = Literal["online", "in-person", "blended"]


class OrganisationCreate(RequestModel):
    name: Name


class OrganisationRead(BaseModel):
    id: int
    name: str
    created_at: dt.datetime | None
    workers: int = Field(description="how many workers it has")


class OrganisationPage(PageBase):
    items: list[OrganisationRead]


class WorkerUpdate(RequestModel):
    """Fields to change; a field left out stays as it is; ``skills`` given replaces every skill."""

    external_id: ExternalId | None = Field(None, description="the organisation's own id for the person")
    current_occupation: Id | None = Field(None, description="ESCO occupation URI or exact label")
    skills: list[DeclaredSkill] | None = Field(None, max_length=MAX_LIST)
    target: Id | None = Field(None, description="target occupation: ESCO URI or exact label")
    region: Nuts | None = Field(None, description="NUTS code where the worker is, e.g. DE11")
    languages: list[Code] | None = Field(None, max_length=20, description="ISO 639-1 codes")
    budget: float | None = Field(None, ge=0, allow_inf_nan=False, description="money to spend, in currency")
    currency: Code | None = Field(None, description="ISO 4217 code (default EUR)")
    hours_per_week: float | None = Field(None, ge=HOURS_PER_WEEK_RANGE[0], le=80, allow_inf_nan=False)
    delivery_modes: list[DeliveryMode] | None = Field(None, max_length=3)


class WorkerCreate(WorkerUpdate):
    external_id: ExternalId = Field(description="the organisation's own id for the person (unique in it)")
    organisation_id: int | None = Field(
        None, ge=1, description="the worker's organisation (an hr key's own when left out)"
    )


class SkillLevelRead(BaseModel):
    uri: str
    label: str
    level: int


class WorkerRead(BaseModel):
    id: int
    organisation_id: int
    external_id: str
    current_occupation: str | None
    current_occupation_label: str | None
    skills: list[SkillLevelRead]
    target: str | None
    target_label: str | None
    region: str | None
    languages: list[str]
    budget: float | None
    currency: str
    hours_per_week: float | None
    delivery_modes: list[str]
    created_at: dt.datetime | None


class WorkerPage(PageBase):
    items: list[WorkerRead]


class RemovedRead(BaseModel):
    """What a deletion removed: rows per table."""

    removed: dict[str, int]


class EventCreate(RequestModel):
    """Something the worker did with a course (what the ranker learns from)."""

    kind: Literal["viewed", "enrolled", "completed", "rated", "dismissed"]
    course_id: Id = Field(description="a course id of the catalogue (GET /v1/courses)")
    value: float | None = Field(
        None, ge=1, le=5, allow_inf_nan=False, description="the rating, with kind rated"
    )
    occurred_at: dt.datetime | None = Field(
        None, description="when (default now; a time without zone is UTC)"
    )


class EventRead(BaseModel):
    id: int
    course_id: str
    kind: str
    value: float | None
    occurred_at: dt.datetime


class RaisedSkillRead(BaseModel):
    uri: str
    before: int
    level: int


class EventRecorded(BaseModel):
    event: EventRead
    skills_raised: list[RaisedSkillRead] = Field(
        description="skills a completed course raised, and from what"
    )


class RecommendationQuery(BaseModel):
    """The query of ``GET /v1/workers/{id}/recommendations``."""

    target: str | None = Field(
        None, min_length=1, max_length=MAX_ID, description="target occupation (default the worker's)"
    )
    limit: int = Field(10, ge=1, le=100)


class RecommendationRead(BaseModel):
    course_id: str
    title: str
    hours: float
    price: float | None = Field(
        description="as their plan prices it: in the worker's currency at the plans' exchange rates; null"
        " when the catalogue states no price (their plan lists it in price_not_stated, and `why` says so)"
    )
    currency: str = Field(description="the worker's")
    language: str
    delivery_mode: str
    level: str | None
    score: float = Field(description="the ranking score (the model's, or the gap share without a model)")
    gap_share: float | None = Field(description="share of the weighted gap to the target the course closes")
    why: list[str]


class LeftOutRead(BaseModel):
    reason: str
    count: int = Field(description="courses left out for this reason")
    course_ids: list[str] = Field(description="the first few of them, by id")


class RecommendationsRead(BaseModel):
    worker_id: int
    target_uri: str | None
    target_label: str | None
    ranking: str = Field(description="what ranked the courses")
    model: bool = Field(description="whether the hybrid model ranked them (else the content score)")
    candidates: int = Field(description="courses ranked (before the limit)")
    left_out: list[LeftOutRead] = Field(
        default_factory=list,
        description="courses that would have been ranked (with a target: those teaching a skill of the gap)"
        " but the worker cannot take by their saved limits, as their plan sees them, or settled already:"
        " how many for each reason, commonest first",
    )
    items: list[RecommendationRead]


class CohortMembershipRead(BaseModel):
    cohort_id: int
    cohort_name: str
    organisation_id: int
    person_id: str
    status: str
    plan_id: str | None
    record: dict[str, Any]


class KeyRead(BaseModel):
    id: int
    prefix: str
    role: str
    organisation_id: int | None
    region: str | None
    worker_id: int | None
    created_at: str | None
    revoked_at: str | None


class AccessRead(BaseModel):
    """One use of a person's data through the API (the audit log): which key, its role, what, when (UTC)."""

    key_id: int = Field(description="the id of the API key used (never the key)")
    role: str
    action: str = Field(description="read, change, delete or export")
    route: str = Field(description='the endpoint, e.g. "GET /v1/workers/{worker_id}/plan"')
    occurred_at: dt.datetime


class AuditEntryRead(AccessRead):
    id: int
    worker_id: int | None = Field(description="whose data; null: a worker deleted (no one is named)")


class AuditQuery(BaseModel):
    """The query of ``GET /v1/admin/audit``: every filter given must hold; times without a zone are UTC."""

    model_config = ConfigDict(extra="forbid")

    worker_id: int | None = Field(None, ge=1, le=2**31 - 1, description="entries about this worker")
    key_id: int | None = Field(None, ge=1, le=2**31 - 1, description="entries of this API key")
    since: dt.datetime | None = Field(None, description="from this time on (ISO 8601, included)")
    until: dt.datetime | None = Field(None, description="up to this time (ISO 8601, included)")
    limit: int = Field(50, ge=1, le=PAGE_LIMIT)
    offset: int = Field(0, ge=0, le=1_000_000)

    @model_validator(mode="after")
    def _period(self) -> AuditQuery:
        check_period(self.since, self.until)  # its InvalidAuditQuery is a ValueError: a located 422
        return self


class AuditPage(PageBase):
    items: list[AuditEntryRead]


class WorkerExport(BaseModel):
    """Everything held about a person (GDPR access): profile, events, cohort memberships, keys, and who
    used their data."""

    exported_at: dt.datetime
    profile: WorkerRead
    events: list[EventRead]
    cohorts: list[CohortMembershipRead]
    keys: list[KeyRead]
    accesses: list[AccessRead] = Field(description="who used this person's data, oldest first")
