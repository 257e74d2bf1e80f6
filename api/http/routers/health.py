"""``GET /health`` (the process answers) and ``GET /ready`` (database reachable, graph and model loaded)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.http.deps import RuntimeDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


class Check(BaseModel):
    ok: bool
    detail: str


class Readiness(BaseModel):
    status: str
    checks: dict[str, Check]


@router.get("/health", response_model=Health)
async def health() -> dict[str, str]:
    """Answer while the process is up (no database, no model: a liveness probe)."""
    return {"status": "ok"}


@router.get("/ready", response_model=Readiness, responses={503: {"model": Readiness}})
def ready(runtime: RuntimeDep) -> Any:
    """Say whether requests can be answered: database reachable, graph and model loaded (503 if not)."""
    checks = {name: {"ok": ok, "detail": detail} for name, (ok, detail) in runtime.readiness().items()}
    ok = all(check["ok"] for check in checks.values())
    body = {"status": "ready" if ok else "not ready", "checks": checks}
    return body if ok else JSONResponse(body, status_code=503)
