"""HR cohorts (issue 15): ``POST /v1/cohorts`` plans a workforce transition and keeps it for the key's
organisation; ``GET /v1/cohorts/{id}`` and its parts read it back.

Only HR keys of the owning organisation (and admin keys) read a cohort; anyone else's cohort id answers 404
like an unknown one. Routes that name people record, in the audit log, a use of the data of each of them who
is a worker of the organisation (``api.services.audit``); seats and the timeline are counts and name no one.
Planning a cohort takes seconds to minutes: the solve runs in the thread pool, so the event loop keeps
answering other requests meanwhile.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from api.http import reports
from api.http.auth import AuditDep, Keyed, Principal, keyed, require_roles
from api.http.deps import (
    GraphDep,
    PlanOptionsDep,
    SessionDep,
    TitleMatcherLoaderDep,
    session_reads_only,
    short_write,
)
from api.http.routers.occupations import Limit, Offset
from api.http.schemas.cohorts import (
    AssignmentPage,
    CohortConstraints,
    CohortCreate,
    CohortRead,
    ItemsPage,
    TimelineRead,
)
from api.http.schemas.common import AUTH_PROBLEMS, PROBLEMS
from api.http.uploads import UNSUPPORTED, read_inputs
from api.services import cohorts
from data.cohorts import UnknownCohort
from recommender.errors import InvalidPlanInput

router = APIRouter(
    prefix="/cohorts", tags=["cohorts (HR)"], responses={**PROBLEMS, **AUTH_PROBLEMS, **UNSUPPORTED}
)

HrKey = Annotated[Principal, Depends(require_roles("hr", "admin"))]
#: The reads open their transaction, key check and audit entries in the route (one thread-pool round trip).
HrKeyed = Annotated[Keyed, Depends(keyed("hr", "admin"))]
CohortId = Annotated[
    int, Path(ge=1, le=2**31 - 1, description="the cohort's id (POST /v1/cohorts answers it)")
]
#: Parts of a stored cohort that ``GET /v1/cohorts/{id}`` leaves to the other endpoints.
PARTS = ("assignments", "unassigned", "plans", "seats", "timeline", "on_the_job")

OPENAPI_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": CohortCreate.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["workforce", "targets"],
                    "properties": {
                        "workforce": {"type": "string", "format": "binary", "description": "CSV or JSON"},
                        "targets": {"type": "string", "format": "binary", "description": "CSV or JSON"},
                        **{
                            k: {"type": "string"}
                            for k in CohortConstraints.model_fields
                            if k not in ("workforce", "targets")
                        },
                    },
                }
            },
        },
    }
}


def _owner(principal: Principal, requested: int | None) -> int:
    """The organisation a new cohort belongs to: an HR key's own (naming another reads as unknown); an
    admin key names one."""
    if principal.role == "hr":
        if principal.organisation_id is None:
            raise InvalidPlanInput("this HR key belongs to no organisation", field="Authorization")
        if requested is not None and requested != principal.organisation_id:
            raise cohorts.UnknownOrganisation(str(requested))  # another organisation: as if unknown
        return principal.organisation_id
    if requested is None:
        raise InvalidPlanInput(
            "an admin key names the organisation the cohort is for", field="organisation_id"
        )
    return requested


def _readable_by(principal: Principal, cohort_id: int) -> int | None:
    """The organisation whose cohorts the key reads (None: any, for admin)."""
    if principal.role == "admin":
        return None
    if principal.organisation_id is None:  # the keys' table refuses such an HR key; never read one
        raise UnknownCohort(str(cohort_id))
    return principal.organisation_id


def _summary(document: dict[str, Any]) -> dict[str, Any]:
    cohort_id = document["cohort_id"]
    base = f"/v1/cohorts/{cohort_id}"
    return {
        "id": cohort_id,
        **{k: v for k, v in document.items() if k not in PARTS and k != "cohort_id"},
        "links": {part: f"{base}/{part}" for part in ("assignment", "plans", "seats", "timeline", "report")},
    }


@router.post("", status_code=201, response_model=CohortRead, openapi_extra=OPENAPI_BODY)
@session_reads_only  # the solve takes no write lock: the cohort is kept in a short transaction after it
async def create_cohort(  # noqa: PLR0913 - the request, its key and the dependencies it plans with
    request: Request,
    principal: HrKey,
    db_session: SessionDep,
    graph: GraphDep,
    options: PlanOptionsDep,
    audit: AuditDep,
    title_matcher: TitleMatcherLoaderDep,
) -> Any:
    """Plan a workforce's move into target roles (exact assignment, plans, seats) and keep it."""
    settings, files = await read_inputs(
        request, CohortConstraints, CohortCreate, files=("workforce", "targets")
    )
    organisation_id = _owner(principal, settings.organisation_id)
    plan_request = cohorts.CohortRequest(
        budget=settings.budget,
        currency=settings.currency,
        hours_per_week=settings.hours_per_week,
        months=settings.months,
        start=settings.start or dt.date.today(),
        exchange_rates=settings.exchange_rates,
        objective=settings.objective,
        languages=tuple(settings.languages),
        delivery_modes=tuple(settings.delivery_modes),
        min_readiness=settings.min_readiness,
        on_the_job_hours=settings.on_the_job_hours,
    )

    def solve() -> dict[str, Any]:  # with the request's read-only session: other requests go on meanwhile
        return cohorts.prepare(
            db_session=db_session,
            graph=graph,
            courses=options.courses,
            badges=options.badges,
            subjects=options.subjects,
            organisation_id=organisation_id,
            workforce=files["workforce"],
            targets=files["targets"],
            request=plan_request,
            confirmed=settings.confirmed,
            what_if_changes=settings.what_if,
            # the process's matcher (loaded once from the disk cache), not one built per request
            matcher=lambda: cohorts.title_resolver(title_matcher),
            rates=options.rates,
        )

    def keep(planned: dict[str, Any]) -> dict[str, Any]:  # the cohort and its entries, one short write
        with short_write(db_session) as writer:
            document = cohorts.store(
                db_session=writer, organisation_id=organisation_id, name=settings.name, document=planned
            )
            audit.within(writer).cohort_people("change", cohort_id=document["cohort_id"])  # kept now
        return document

    document = await run_in_threadpool(keep, await run_in_threadpool(solve))
    return _summary(document)


def load(db_session: SessionDep, principal: Principal, cohort_id: int) -> dict[str, Any]:
    """The kept cohort ``cohort_id`` if the key may read it (else 404 as if unknown)."""
    owner = _readable_by(principal, cohort_id)
    return cohorts.read(db_session=db_session, organisation_id=owner, cohort_id=cohort_id)


def _people(records: list[dict[str, Any]]) -> list[str]:
    """The person ids of a cohort document's entries."""
    return [str(record["person_id"]) for record in records]


@router.get("/{cohort_id}", response_model=CohortRead)
def read_cohort(cohort_id: CohortId, key: HrKeyed) -> Any:
    """Read a kept cohort: settings, targets filled, totals, certificate, titles to confirm."""
    with key.open() as (db_session, principal, audit):
        document = load(db_session, principal, cohort_id)
        audit.cohort_people("read", cohort_id=cohort_id, person_ids=_people(document["to_confirm"]))
    return _summary(document)


@router.get("/{cohort_id}/assignment", response_model=AssignmentPage)
def read_assignment(cohort_id: CohortId, key: HrKeyed, limit: Limit = 100, offset: Offset = 0) -> Any:
    """Who moves to which role (a page), with hours, fees and finish date; and who stays, and why."""
    with key.open() as (db_session, principal, audit):
        document = load(db_session, principal, cohort_id)
        rows = document["assignments"]
        shown = _people(rows[offset : offset + limit]) + _people(document["unassigned"])
        audit.cohort_people("read", cohort_id=cohort_id, person_ids=shown)
    return {
        "items": rows[offset : offset + limit],
        "total": len(rows),
        "limit": limit,
        "offset": offset,
        "unassigned": document["unassigned"],
    }


@router.get("/{cohort_id}/plans", response_model=ItemsPage)
def read_plans(cohort_id: CohortId, key: HrKeyed, limit: Limit = 20, offset: Offset = 0) -> Any:
    """The distinct learning plans (a page), each with the people who follow it and its reasons."""
    with key.open() as (db_session, principal, audit):
        rows = load(db_session, principal, cohort_id)["plans"]
        shown = [person for plan in rows[offset : offset + limit] for person in plan["people"]]
        audit.cohort_people("read", cohort_id=cohort_id, person_ids=shown)
    return {"items": rows[offset : offset + limit], "total": len(rows), "limit": limit, "offset": offset}


@router.get("/{cohort_id}/seats", response_model=ItemsPage)
def read_seats(cohort_id: CohortId, key: HrKeyed, limit: Limit = 100, offset: Offset = 0) -> Any:
    """Seats to buy per course (a page): how many, in which months, the fees, for which roles."""
    with key.open() as (db_session, principal, _audit):
        rows = load(db_session, principal, cohort_id)["seats"]
    return {"items": rows[offset : offset + limit], "total": len(rows), "limit": limit, "offset": offset}


@router.get("/{cohort_id}/timeline", response_model=TimelineRead)
def read_timeline(cohort_id: CohortId, key: HrKeyed) -> Any:
    """Month by month, per role, how many people assigned have finished their courses."""
    with key.open() as (db_session, principal, _audit):
        document = load(db_session, principal, cohort_id)
    return {"targets": document["targets"], "timeline": document["timeline"]}


@router.get("/{cohort_id}/report", response_class=HTMLResponse)
def read_report(cohort_id: CohortId, key: HrKeyed) -> Response:
    """The printable HTML report: readiness chart per role, costs, seats, the assignment and each plan."""
    with key.open() as (db_session, principal, audit):
        document = load(db_session, principal, cohort_id)
        audit.cohort_people("read", cohort_id=cohort_id)  # the report names every person of the cohort
        return reports.report_response(cohorts.report_html(document), name=f"cohort-{cohort_id}")
