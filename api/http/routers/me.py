"""``GET /v1/me``: who a key is (its role and scope), so that a page signing someone in knows whom."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from api.http.auth import Keyed, keyed
from api.http.schemas.common import AUTH_PROBLEMS, PROBLEMS
from api.services.keys import ROLES

router = APIRouter(tags=["access"], responses={**PROBLEMS, **AUTH_PROBLEMS})


class MeRead(BaseModel):
    role: str
    organisation_id: int | None
    region: str | None
    worker_id: int | None


@router.get("/me", response_model=MeRead)
def me(key: Annotated[Keyed, Depends(keyed(*ROLES))]) -> Any:
    """Say whose the key is: its role and scope (the worker page signs a worker in with it)."""
    with key.open() as (_, principal, _audit):
        return {
            "role": principal.role,
            "organisation_id": principal.organisation_id,
            "region": principal.region,
            "worker_id": principal.worker_id,
        }
