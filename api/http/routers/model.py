"""``GET /v1/model``: the model this process serves, and the newer artefacts it refused and why.

A server swaps in a newer valid artefact between requests (``api.model_slot``); a retrain
(``api/http/routers/admin.py``) writes one.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter

from api.http.deps import RuntimeDep
from api.http.schemas.common import PROBLEMS
from api.http.schemas.model import ModelRead
from api.services import model as model_service

router = APIRouter(tags=["model"], responses=PROBLEMS)


@router.get("/model", response_model=ModelRead)
def read_model(runtime: RuntimeDep) -> Any:
    """Describe the served model (artefact, data hash, metrics, created) and any newer artefact refused."""
    model = runtime.current_model()
    rejected = [asdict(rejection) for rejection in runtime.model_slot.rejected]
    return model_service.describe(model=model, problem=runtime.model_problem, rejected=rejected)
