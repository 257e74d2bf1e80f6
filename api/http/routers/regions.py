"""Regional portfolios (issue 16): ``POST /v1/regions/{nuts}/portfolios`` chooses the programmes to fund and
keeps the published plan under the region; ``GET .../portfolios/{id}`` and ``.../report`` read it back.

A region key works for its own NUTS code only (another region's code or portfolio answers 404, as if it did
not exist); admin keys for any. A region only ever sees aggregates: every figure of fewer than five people
is ``null`` with ``suppressed: true`` in every answer and in the report (the kept plan is the published one,
so nothing smaller is stored). Planning runs in the thread pool: the event loop stays free.
"""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.http import reports
from api.http.auth import Keyed, Principal, keyed, require_roles
from api.http.deps import GraphDep, PlanOptionsDep, SessionDep, session_reads_only, short_write
from api.http.schemas.common import AUTH_PROBLEMS, PROBLEMS
from api.http.schemas.regions import PortfolioCreate, PortfolioRead, PortfolioSettings
from api.http.uploads import UNSUPPORTED, read_inputs
from api.services import region as regions
from data.nuts import nuts_code, unknown_region
from recommender.errors import InvalidPlanInput, NotFoundError

router = APIRouter(
    prefix="/regions", tags=["regions"], responses={**PROBLEMS, **AUTH_PROBLEMS, **UNSUPPORTED}
)

RegionKey = Annotated[Principal, Depends(require_roles("region", "admin"))]
#: The reads open their transaction and key check in the route (one thread-pool round trip).
RegionKeyed = Annotated[Keyed, Depends(keyed("region", "admin"))]
Nuts = Annotated[str, Path(min_length=2, max_length=5, description="the region's NUTS code, e.g. CZ08")]
PortfolioId = Annotated[int, Path(ge=1, le=2**31 - 1)]

OPENAPI_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": PortfolioCreate.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["workforce", "demand", "budget"],
                    "properties": {
                        **{
                            name: {"type": "string", "format": "binary", "description": "CSV or JSON"}
                            for name in ("workforce", "demand", "programmes")
                        },
                        **{k: {"type": "string"} for k in PortfolioSettings.model_fields},
                    },
                }
            },
        },
    }
}


class UnknownRegion(NotFoundError):
    kind = "region"
    fix = (
        "a region key acts for its own NUTS region only: put that code in the path "
        "(`upskill keys list` shows each key's region); another region's reads as unknown"
    )


def _region(principal: Principal, nuts: str) -> str:
    """The NUTS code, when the key may act for it; another region's code reads as unknown."""
    code = nuts_code(nuts, field="nuts")
    if principal.role != "admin" and (principal.region or "").upper() != code:
        raise UnknownRegion(code)
    why = unknown_region(code)  # an admin naming a code of no region upskill knows
    if why is not None:
        raise InvalidPlanInput(why, field="nuts")
    return code


@router.post("/{nuts}/portfolios", status_code=201, response_model=PortfolioRead, openapi_extra=OPENAPI_BODY)
@session_reads_only  # the solve takes no write lock: the portfolio is kept in a short transaction after it
async def create_portfolio(
    nuts: Nuts,
    request: Request,
    principal: RegionKey,
    db_session: SessionDep,
    graph: GraphDep,
    options: PlanOptionsDep,
) -> Any:
    """Choose the programmes to fund within the budget and keep the published plan for the region."""
    code = _region(principal, nuts)
    settings, files = await read_inputs(
        request,
        PortfolioSettings,
        PortfolioCreate,
        files=("workforce", "demand"),
        optional=("programmes",),
    )
    request_settings = regions.RegionRequest(
        workforce=FilePath(files["workforce"].name),  # the service reads the uploads instead
        demand=FilePath(files["demand"].name),
        budget=settings.budget,
        currency=settings.currency,
        cofinancing=settings.cofinancing,
        region=code,
        languages=tuple(settings.languages),
        exchange_rates=settings.exchange_rates,
        max_programmes=settings.max_programmes,
        min_seats=settings.min_seats,
    )

    def solve() -> dict[str, Any]:  # with the request's read-only session: other requests go on meanwhile
        return regions.prepare_portfolio(
            db_session=db_session,
            graph=graph,
            courses=options.courses,
            badges=options.badges,
            rates=options.rates,
            nuts=code,
            workforce=files["workforce"],
            demand=files["demand"],
            programmes=files.get("programmes"),
            request=request_settings,
        )

    def keep(plan: dict[str, Any]) -> dict[str, Any]:  # the portfolio, one short write
        with short_write(db_session) as writer:
            return regions.store_portfolio(db_session=writer, nuts=code, plan=plan)

    return await run_in_threadpool(keep, await run_in_threadpool(solve))


def kept(
    db_session: SessionDep, principal: Principal, nuts: str, portfolio_id: int
) -> tuple[str, dict[str, Any]]:
    """The region's code and its kept portfolio, if the key may read it (else 404 as if unknown)."""
    code = _region(principal, nuts)
    return code, regions.stored_portfolio(db_session=db_session, nuts=code, portfolio_id=portfolio_id)


@router.get("/{nuts}/portfolios/{portfolio_id}", response_model=PortfolioRead)
def read_portfolio(nuts: Nuts, portfolio_id: PortfolioId, key: RegionKeyed) -> Any:
    """Read a kept portfolio: seats per programme, made ready per role and origin, unmet demand, curve."""
    with key.open() as (db_session, principal, _audit):
        code, plan = kept(db_session, principal, nuts, portfolio_id)
    return {"id": portfolio_id, "nuts": code, **plan}


@router.get(
    "/{nuts}/portfolios/{portfolio_id}/report",
    response_class=Response,
    responses=reports.responses("html", "pdf"),
)
def read_report(
    nuts: Nuts,
    portfolio_id: PortfolioId,
    key: RegionKeyed,
    format: reports.ReportFormat = "html",
) -> Response:
    """The evidence report for a funding application, with charts and a methods section."""
    with key.open() as (db_session, principal, _audit):
        code, plan = kept(db_session, principal, nuts, portfolio_id)
    content = regions.report(plan=plan, nuts=code, kind=format)
    return reports.report_response(content, name=f"portfolio-{code}-{portfolio_id}", format=format)
