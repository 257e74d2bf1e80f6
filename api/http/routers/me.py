"""``GET /v1/me``: who a key is (its role and scope), so that a page signing someone in knows whom."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from api.http.auth import Principal, require_roles
from api.http.schemas.common import AUTH_PROBLEMS, PROBLEMS
from api.services.keys import ROLES

router = APIRouter(tags=["access"], responses={**PROBLEMS, **AUTH_PROBLEMS})


class MeRead(BaseModel):
    role: str
    organisation_id: int | None
    region: str | None
    worker_id: int | None


@router.get("/me", response_model=MeRead)
def me(principal: Annotated[Principal, Depends(require_roles(*ROLES))]) -> Any:
    """Say whose the key is: its role and scope (the worker page signs a worker in with it)."""
    return {
        "role": principal.role,
        "organisation_id": principal.organisation_id,
        "region": principal.region,
        "worker_id": principal.worker_id,
    }
