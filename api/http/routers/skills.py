"""``GET /v1/skills`` (ranked, typo-tolerant search) and ``GET /v1/skills/{id}``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from api.http.deps import GraphDep, SessionDep
from api.http.routers.occupations import Limit, Offset, QueryText
from api.http.schemas.common import MAX_ID, PROBLEMS
from api.http.schemas.reference import SkillPage, SkillRead
from api.services import taxonomy

router = APIRouter(tags=["reference data"], responses=PROBLEMS)

SkillId = Annotated[str, Path(max_length=MAX_ID, description="ESCO URI (URL-encoded) or its UUID tail")]


@router.get("/skills", response_model=SkillPage)
def list_skills(graph: GraphDep, q: QueryText = None, limit: Limit = 20, offset: Offset = 0) -> Any:
    """List skills: ranked by how well a label matches ``q``, or by label without ``q``."""
    items, total = taxonomy.search(graph=graph, kind="skill", query=q, limit=limit, offset=offset)
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@router.get("/skills/{skill_id:path}", response_model=SkillRead)
def read_skill(skill_id: SkillId, graph: GraphDep, db_session: SessionDep) -> Any:
    """Read one skill with its broader and related skills and how many occupations require it."""
    return taxonomy.skill(db_session=db_session, graph=graph, skill_id=skill_id)
