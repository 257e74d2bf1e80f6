"""``GET /v1/courses`` (filtered, paginated) and ``GET /v1/courses/{id}``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from api.http.deps import SessionDep
from api.http.routers.occupations import Limit, Offset
from api.http.schemas.common import MAX_ID, PROBLEMS
from api.http.schemas.reference import CoursePage, CourseRead
from api.services import catalogue

router = APIRouter(tags=["reference data"], responses=PROBLEMS)


@router.get("/courses", response_model=CoursePage)
def list_courses(  # noqa: PLR0913 - FastAPI: one parameter per query parameter of GET /v1/courses
    db_session: SessionDep,
    language: Annotated[str | None, Query(max_length=10, description="ISO 639-1 code, e.g. en")] = None,
    level: Literal["introductory", "intermediate", "advanced"] | None = None,
    delivery_mode: Literal["online", "in-person", "blended"] | None = None,
    max_price: Annotated[
        float | None,
        Query(ge=0, allow_inf_nan=False, description="a stated price at most this (no course without one)"),
    ] = None,
    max_hours: Annotated[float | None, Query(gt=0, allow_inf_nan=False)] = None,
    skill: Annotated[
        str | None,
        Query(max_length=MAX_ID, description="ESCO skill URI or its UUID tail: courses teaching it"),
    ] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Any:
    """List courses (by id) that match every filter given, with their ESCO skills."""
    items, total = catalogue.find_courses(
        db_session=db_session,
        language=language,
        level=level,
        delivery_mode=delivery_mode,
        max_price=max_price,
        max_hours=max_hours,
        skill=skill,
        limit=limit,
        offset=offset,
    )
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@router.get("/courses/{course_id}", response_model=CourseRead)
def read_course(course_id: Annotated[str, Path(max_length=MAX_ID)], db_session: SessionDep) -> Any:
    """Read one course with its ESCO skills and prerequisites."""
    return catalogue.course(db_session=db_session, course_id=course_id)
