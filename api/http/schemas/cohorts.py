"""HR cohorts: a workforce and its target roles sent with constraints, the plan kept for the organisation.

``POST /v1/cohorts`` takes the two inputs either as lists in a JSON body (``workforce``, ``targets``: the
JSON forms of ``data/default/FORMATS.md``) or as ``multipart/form-data`` files of those fields (CSV or
JSON), with the constraints as form fields (lists repeated: ``languages=it&languages=en``; ``exchange_rates``
and ``confirmed`` as ``KEY=VALUE`` repeated). The answers are the stored cohort's parts, as ``upskill
cohort show --json`` prints them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.http.schemas.common import Code, PageBase, RequestModel
from recommender.planner.model import HOURS_PER_WEEK_RANGE

#: Most people and target roles a cohort takes over HTTP (a larger workforce: the command line and Dask).
MAX_PEOPLE = 20_000
MAX_TARGETS = 200


class CohortConstraints(RequestModel):
    """The organisation's constraints: ``upskill cohort plan``'s options."""

    name: str = Field("cohort", min_length=1, max_length=200, description="what HR calls this plan")
    budget: float | None = Field(None, ge=0, allow_inf_nan=False, description="course fees, in currency")
    currency: Code = "EUR"
    exchange_rates: dict[str, float] = Field(
        default_factory=dict, max_length=50, description='currency units per unit of another: {"USD": 0.92}'
    )
    hours_per_week: float = Field(
        8.0, ge=HOURS_PER_WEEK_RANGE[0], le=60, allow_inf_nan=False, description="paid training hours"
    )
    months: int = Field(18, ge=1, le=120, description="horizon from the start")
    start: dt.date | None = Field(None, description="first day of training (default: today)")
    objective: Literal["hours", "cost"] = "hours"
    languages: list[Code] = Field(default_factory=list, max_length=20)
    delivery_modes: list[Literal["online", "in-person", "blended"]] = Field(
        default_factory=list, max_length=3
    )
    min_readiness: float = Field(0.25, ge=0, le=1, allow_inf_nan=False)
    on_the_job_hours: float | None = Field(None, ge=0, allow_inf_nan=False)
    confirmed: dict[str, str] = Field(
        default_factory=dict,
        max_length=MAX_PEOPLE,
        description="person id -> the occupation (ESCO URI or exact label) HR confirmed for a listed title",
    )
    what_if: list[str] = Field(
        default_factory=list,
        max_length=10,
        description=(
            "changes to re-solve the plan with and compare, as `upskill cohort plan --what-if`: "
            "budget=AMOUNT (none: no limit), hours-per-week=HOURS, language=CODE (everyone also follows "
            "courses in it), headcount:OCCUPATION=N"
        ),
    )
    organisation_id: int | None = Field(None, description="the owning organisation (admin keys only)")


class CohortCreate(CohortConstraints):
    """A cohort sent as JSON: the workforce and target roles as lists of objects."""

    workforce: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_PEOPLE)
    targets: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_TARGETS)


class CohortRead(BaseModel):
    """A stored cohort plan without its people and plans (``/assignment``, ``/plans``, ``/seats``...)."""

    id: int
    name: str
    organisation_id: int
    created_at: str | None
    settings: dict[str, Any]
    targets: list[dict[str, Any]]
    totals: dict[str, Any]
    certificate: dict[str, Any]
    unfilled: list[dict[str, Any]]
    warnings: list[str]
    what_if: dict[str, Any] | None = Field(
        None, description="the plan and the what-if side by side, when the request asked for one"
    )
    to_confirm: list[dict[str, Any]] = Field(
        description="people left out until HR confirms their occupation, each with candidates"
    )
    stats: dict[str, Any]
    links: dict[str, str]


class AssignmentPage(PageBase):
    """People who move (``items``: person, target, hours, cost, finish) and, in full, who stays and why."""

    items: list[dict[str, Any]]
    unassigned: list[dict[str, Any]]


class ItemsPage(PageBase):
    items: list[dict[str, Any]]


class TimelineRead(BaseModel):
    """Month by month, per target role, how many assigned people have finished their courses."""

    targets: list[dict[str, Any]]
    timeline: list[dict[str, Any]]
