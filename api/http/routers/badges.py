"""``GET /v1/badges``, ``GET /v1/badges/{id}`` and ``GET /v1/badges/{id}/ob3`` (Open Badges 3.0)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from api.http.deps import SessionDep
from api.http.routers.occupations import Limit, Offset
from api.http.schemas.common import MAX_ID, PROBLEMS
from api.http.schemas.reference import Achievement, BadgePage, BadgeRead
from api.services import catalogue

router = APIRouter(tags=["reference data"], responses=PROBLEMS)

BadgeId = Annotated[str, Path(max_length=MAX_ID, description="badge id, e.g. ev-battery-basics")]


@router.get("/badges", response_model=BadgePage)
def list_badges(db_session: SessionDep, limit: Limit = 20, offset: Offset = 0) -> Any:
    """List microbadges (by id) with how each is earned."""
    items, total = catalogue.find_badges(db_session=db_session, limit=limit, offset=offset)
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@router.get("/badges/{badge_id}", response_model=BadgeRead)
def read_badge(badge_id: BadgeId, db_session: SessionDep) -> Any:
    """Read one microbadge: its skills, courses and the badges it requires."""
    return catalogue.badge(db_session=db_session, badge_id=badge_id)


@router.get("/badges/{badge_id}/ob3", response_model=Achievement)
def read_badge_achievement(badge_id: BadgeId, db_session: SessionDep) -> Any:
    """Read one microbadge as an Open Badges 3.0 Achievement (JSON-LD) aligned to its ESCO skills."""
    return catalogue.export_badge(db_session=db_session, badge_id=badge_id)
