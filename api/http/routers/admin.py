"""Admin jobs on the model: ``POST /v1/admin/model/retrain`` and ``GET /v1/admin/jobs/{id}`` (admin keys);
the audit log of personal data: ``GET /v1/admin/audit``.

A retrain runs in a background thread of the process that accepted it (``api.jobs``); its artefact is
swapped in by this process as soon as it is written, and by every other one at its next look
(``api.model_slot``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from api.http.auth import Keyed, keyed
from api.http.deps import RuntimeDep, session_reads_only
from api.http.schemas.common import AUTH_PROBLEMS, PROBLEMS
from api.http.schemas.model import JobRead
from api.http.schemas.people import AuditPage, AuditQuery
from api.services import audit
from api.services import model as model_service
from recommender.errors import NotFoundError

router = APIRouter(tags=["admin"], responses={**PROBLEMS, **AUTH_PROBLEMS})

#: Each route opens its transaction and key check itself (one thread-pool round trip).
Admin = Annotated[Keyed, Depends(keyed("admin"))]
JobId = Annotated[str, Path(max_length=64, description="the id POST /v1/admin/model/retrain answered")]


class UnknownJob(NotFoundError):
    kind = "job"
    fix = "use the id POST /v1/admin/model/retrain answered"


@router.post("/admin/model/retrain", response_model=JobRead, status_code=202)
@session_reads_only  # the request reads the key; the job writes nothing to the database
def retrain(key: Admin, runtime: RuntimeDep) -> Any:
    """Retrain the hybrid model on the database's interactions in the background; answer the job."""

    def work() -> dict[str, Any]:
        with runtime.transaction() as session:
            return model_service.train(db_session=session, settings=runtime.settings)

    with key.open():  # the key checked (401, 403) before the job starts
        return runtime.jobs.start("retrain", work, then=runtime.model_slot.check_now)


@router.get("/admin/jobs/{job_id}", response_model=JobRead)
def read_job(job_id: JobId, key: Admin, runtime: RuntimeDep) -> Any:
    """Read a background job: running, succeeded with its result, or failed with the error."""
    with key.open():
        job = runtime.jobs.get(job_id)
    if job is None:
        raise UnknownJob(job_id)
    return job


@router.get("/admin/audit", response_model=AuditPage)
def read_audit(query: Annotated[AuditQuery, Query()], key: Admin) -> Any:
    """Who (which key) used which worker's data, and when: a page of the audit log, newest first."""
    with key.open() as (db_session, _, _audit):
        items, total = audit.list_entries(
            db_session=db_session,
            worker_id=query.worker_id,
            key_id=query.key_id,
            since=query.since,
            until=query.until,
            limit=query.limit,
            offset=query.offset,
        )
    return {"items": items, "total": total, "limit": query.limit, "offset": query.offset}
