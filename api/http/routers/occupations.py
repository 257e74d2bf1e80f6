"""``GET /v1/occupations`` (ranked, typo-tolerant search) and ``GET /v1/occupations/{id}``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from api.http.deps import GraphDep, SessionDep
from api.http.schemas.common import MAX_ID, MAX_TEXT, PAGE_LIMIT, PROBLEMS
from api.http.schemas.reference import OccupationPage, OccupationRead
from api.services import taxonomy

router = APIRouter(tags=["reference data"], responses=PROBLEMS)

QueryText = Annotated[
    str | None, Query(max_length=MAX_TEXT, description="free text; typos tolerated; ranked best first")
]
Limit = Annotated[int, Query(ge=1, le=PAGE_LIMIT)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
OccupationId = Annotated[str, Path(max_length=MAX_ID, description="ESCO URI (URL-encoded) or its UUID tail")]


@router.get("/occupations", response_model=OccupationPage)
def list_occupations(graph: GraphDep, q: QueryText = None, limit: Limit = 20, offset: Offset = 0) -> Any:
    """List occupations: ranked by how well a label matches ``q``, or by label without ``q``."""
    items, total = taxonomy.search(graph=graph, kind="occupation", query=q, limit=limit, offset=offset)
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@router.get("/occupations/{occupation_id:path}", response_model=OccupationRead)
def read_occupation(occupation_id: OccupationId, graph: GraphDep, db_session: SessionDep) -> Any:
    """Read one occupation with its essential and optional skills."""
    return taxonomy.occupation(db_session=db_session, graph=graph, occupation_id=occupation_id)
