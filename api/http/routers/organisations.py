"""``/v1/organisations``: admin creates, lists, reads and deletes them; an hr key reads its own."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from api.http.auth import Keyed, keyed
from api.http.routers.occupations import Limit, Offset
from api.http.schemas.common import AUTH_PROBLEMS, CONFLICT, PROBLEMS
from api.http.schemas.people import OrganisationCreate, OrganisationPage, OrganisationRead, RemovedRead
from api.services import workers

router = APIRouter(tags=["organisations"], responses={**PROBLEMS, **AUTH_PROBLEMS})

#: Each route opens its transaction, key check and audit entries itself (one thread-pool round trip).
Admin = Annotated[Keyed, Depends(keyed("admin"))]
HrOrAdmin = Annotated[Keyed, Depends(keyed("hr", "admin"))]
OrganisationId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post("/organisations", response_model=OrganisationRead, status_code=201, responses=CONFLICT)
def create_organisation(body: OrganisationCreate, key: Admin) -> Any:
    """Create an organisation (its workers and hr keys are added next)."""
    with key.open() as (db_session, _, _audit):
        organisation = workers.create_organisation(db_session=db_session, name=body.name)
        return workers.describe_organisation(db_session=db_session, organisation=organisation)


@router.get("/organisations", response_model=OrganisationPage)
def list_organisations(key: HrOrAdmin, limit: Limit = 20, offset: Offset = 0) -> Any:
    """List organisations by id (an hr key: its own)."""
    with key.open() as (db_session, principal, _audit):
        only = principal.organisation_id if principal.role == "hr" else None
        items, total = workers.list_organisations(
            db_session=db_session, only=only, limit=limit, offset=offset
        )
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@router.get("/organisations/{organisation_id}", response_model=OrganisationRead)
def read_organisation(organisation_id: OrganisationId, key: HrOrAdmin) -> Any:
    """Read an organisation and how many workers it has."""
    with key.open() as (db_session, principal, _audit):
        organisation = workers.get_organisation(
            db_session=db_session, organisation_id=organisation_id, principal=principal
        )
        return workers.describe_organisation(db_session=db_session, organisation=organisation)


@router.delete("/organisations/{organisation_id}", response_model=RemovedRead)
def delete_organisation(organisation_id: OrganisationId, key: Admin) -> Any:
    """Delete an organisation with all its workers' data, cohorts and keys; say what was removed."""
    with key.open() as (db_session, _, audit):
        removed = workers.delete_organisation(db_session=db_session, organisation_id=organisation_id)
        audit("delete", [None] * removed.get("workers", 0))  # one entry per worker deleted, naming no one
    return {"removed": removed}
