"""The HR page (``/hr``, issue 15) and the region page (``/region``, issue 16).

Each page is a form and a place for its answer. The form is sent by the page's script to the JSON API
(``POST /v1/cohorts``, ``POST /v1/regions/{nuts}/portfolios``) with the key the user typed, kept in this
browser tab only (``sessionStorage``) and sent only in the ``Authorization`` header; the answer is drawn
here, server-side, from the kept cohort or portfolio (``/hr/cohorts/{id}``, ``/region/{nuts}/portfolios/
{id}``: fragments behind the same keys and ownership checks as the API), so the page shows what the API
keeps. The reports download through the API's own report endpoints.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from api.http.auth import AuditDep, Principal, require_roles
from api.http.deps import SessionDep
from api.http.routers import cohorts as cohort_routes
from api.http.routers import regions as region_routes
from api.http.web import routes as web_routes
from api.services import region as regions

HERE = Path(__file__).parent
# the pages extend the worker page's base.html and carry its stylesheet (one look, one stylesheet)
templates = Jinja2Templates(directory=[HERE / "templates", web_routes.HERE / "templates"])
templates.env.globals["stylesheet"] = web_routes.templates.env.globals["stylesheet"]
router = APIRouter(include_in_schema=False)

HrKey = Annotated[Principal, Depends(require_roles("hr", "admin"))]
RegionKey = Annotated[Principal, Depends(require_roles("region", "admin"))]


@router.get("/hr", response_class=HTMLResponse)
@router.get("/region", response_class=HTMLResponse)
def upload_page(request: Request) -> HTMLResponse:
    """The HR page (``hr.html``: upload the workforce and target roles) or the region page (``region.html``:
    workforce, demand and programmes; the region chosen among those upskill knows, the key's own once it is
    typed), as the path names it; both sign in with the role's key and plan."""
    from data.nuts import known_regions

    page = request.url.path.strip("/")
    context = {"regions": list(known_regions().items())} if page == "region" else {}
    return templates.TemplateResponse(request, f"{page}.html", context)


@router.get("/hr/cohorts/{cohort_id}", response_class=HTMLResponse)
def hr_cohort(
    request: Request,
    cohort_id: cohort_routes.CohortId,
    principal: HrKey,
    db_session: SessionDep,
    audit: AuditDep,
) -> HTMLResponse:
    """A kept cohort drawn for the HR page: titles to confirm, assignment, readiness chart, seats."""
    from evaluation.cohort_report import readiness_svg
    from recommender.cohort import WHAT_IF_FIGURES

    document = cohort_routes.load(db_session, principal, cohort_id)
    audit.cohort_people("read", cohort_id=cohort_id)  # the page names every person of the cohort
    chart = readiness_svg(document["timeline"], document["targets"])
    # each person's plan on their row: its courses in order (the report gives each plan whole)
    courses_of = {plan["plan_id"]: [step["title"] for step in plan["steps"]] for plan in document["plans"]}
    context = {"c": document, "chart": chart, "compared": WHAT_IF_FIGURES, "courses_of": courses_of}
    return templates.TemplateResponse(request, "_cohort.html", context)


@router.get("/region/{nuts}/portfolios/{portfolio_id}", response_class=HTMLResponse)
def region_portfolio(
    request: Request,
    nuts: region_routes.Nuts,
    portfolio_id: region_routes.PortfolioId,
    principal: RegionKey,
    db_session: SessionDep,
) -> HTMLResponse:
    """A kept portfolio drawn for the region page: totals, seats to fund, charts, unmet demand."""
    from evaluation.region_report import charts
    from recommender.region.outcome import SUPPLY_GAP_COUNTS
    from recommender.region.publish import privacy_note

    code, plan = region_routes.kept(db_session, principal, nuts, portfolio_id)
    images = [(caption, base64.b64encode(png).decode("ascii")) for caption, png in charts(plan)]
    context: dict[str, Any] = {"p": plan, "nuts": code, "id": portfolio_id, "images": images}
    context["summary"] = regions.summary_lines(plan, nuts=code)
    # the page shows the totals, the roles and the budget curve (charts); its supply-gap chart, the moves
    context["privacy"] = privacy_note(plan, ("totals", "roles", "sensitivity"))
    context["supply_gap_counts"] = SUPPLY_GAP_COUNTS
    return templates.TemplateResponse(request, "_portfolio.html", context)


def install(app: FastAPI) -> None:
    """Serve the pages, their fragments and their static files (``/staff/static``)."""
    app.include_router(router)
    app.mount("/staff/static", StaticFiles(directory=HERE / "static"), name="staff-static")
