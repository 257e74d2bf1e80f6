"""The worker page: ``GET /`` (the form, and below it what the form asked for) and its static files.

The page's work runs in the thread pool, what the form asks for in the process's planning slot like the
JSON API's plans. An empty form computes nothing (first paint is the template alone); the heavy objects are
only needed once the form asks for something, and a server still being prepared says so on the page
instead of failing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import pycountry
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from api.http.deps import ReferenceDep, RuntimeDep, ServedDep, TitleMatcherLoaderDep, planning
from api.http.routers import planning as planning_routes
from api.http.web import cv as cv_panel
from api.http.web import page as pages
from api.http.web.form import DEFAULT_LEVEL, DELIVERY_MODES, LEVELS, WorkerForm
from api.services import calendar
from api.services.plans import PlanOptions
from data.nuts import known_regions
from recommender.errors import InvalidPlanInput, UpskillError
from recommender.graph import CompetenceGraph
from recommender.text.skills import SkillExtractor
from recommender.text.titles import TitleMatcher
from training.artefacts import LoadedModel

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
# The stylesheet is written into each page: one round trip fewer before the first paint (it is 11 KB).
templates.env.globals["stylesheet"] = (HERE / "static" / "app.css").read_text(encoding="utf-8")
router = APIRouter(include_in_schema=False)

#: Field key -> its name in the error summary.
LABELS = {
    "current": "My job now",
    "past": "Past job",
    "skill": "Skill",
    "target": "The job I want",
    "budget": "Budget",
    "currency": "Currency",
    "hours": "Hours a week",
    "start": "Start",
    "deadline": "Finish by",
    "lang": "Languages",
    "mode": "How I can learn",
    "region": "Where I live",
}
KINDS = calendar.KIND_NAMES
#: Languages offered as choices: the catalogue's most common ones, at most this many.
MAX_LANGUAGES = 10


@dataclass(frozen=True)
class Loaded:
    """The heavy objects the page plans with; without the graph or courses, why not (in words)."""

    graph: CompetenceGraph | None
    options: PlanOptions | None
    model: LoadedModel | None
    not_ready: str = ""


def get_loaded(runtime: RuntimeDep, reference: ReferenceDep) -> Loaded:
    """The graph, courses and model once loaded (those of the API's requests: reloaded after an import, the
    model swapped for a newer artefact); while the server is not ready, why (the page says so)."""
    graph, options = reference
    if graph is None or options is None:
        return Loaded(None, None, None, "; ".join(runtime.problems.values()) or "the data is still loading")
    return Loaded(graph, options, runtime.current_model())


LoadedDep = Annotated[Loaded, Depends(get_loaded)]


async def get_extractor(served: ServedDep) -> Callable[[], SkillExtractor | str]:
    """What gives the skill extractor of this request's data (fitted, or read from the cache, on first use),
    or why there is none, in words: called only for a text worth reading."""

    def load() -> SkillExtractor | str:
        try:
            return served.text.skill_extractor()
        except UpskillError as error:
            return str(error)

    return load


ExtractorDep = Annotated[Callable[[], SkillExtractor | str], Depends(get_extractor)]


def _languages(options: PlanOptions | None) -> list[tuple[str, str]]:
    """The catalogue's languages (code, name), most courses first; English and German without a catalogue."""
    if options is None:
        return [("en", "English"), ("de", "German")]
    counts = Counter(course.language for course in options.courses)
    found = []
    for code, _count in counts.most_common():
        language = pycountry.languages.get(alpha_2=code) if len(code) == 2 else None
        if language is not None:
            found.append((code, str(language.name)))
    return found[:MAX_LANGUAGES]


def _currencies(options: PlanOptions | None) -> list[str]:
    return sorted(options.rates.units_per_eur) if options is not None else ["EUR"]


def role_words(role: dict[str, Any]) -> str:
    """An adjacent role's score taken apart, in words."""
    parts = role["parts"]
    shared = round(parts["isco"] * 4)
    isco = (
        "the same ISCO occupation group as yours"
        if shared == 4
        else f"an ISCO code sharing its first {shared} digit{'s' if shared != 1 else ''} with yours"
        if shared
        else "a different ISCO field from yours"
    )
    missing = role["n_missing_essential"]

    def percent(share: float) -> str:  # "26 %", as the page writes every share ("53 % close")
        return f"{round(share * 100)} %"

    return (
        f"you already have {percent(parts['coverage'])} of the skills it requires; "
        f"it uses {percent(parts['reuse'])} of yours; "
        f"its kind of work is {percent(parts['activities'])} like yours; "
        f"{isco}; "
        + (
            f"{missing} essential skill{'s' if missing != 1 else ''} to learn."
            if missing
            else "nothing essential to learn."
        )
    )


@router.get("/", response_class=HTMLResponse)
async def worker_page(request: Request, loaded: LoadedDep, titles: TitleMatcherLoaderDep) -> HTMLResponse:
    """The worker page: the form, and the plan, the gap or the roles it asked for (an occupation typed that is
    no ESCO label gets the title matcher's suggestions, the matcher loaded on first use). A form that asks
    for something is answered in the process's planning slot (``api.http.deps.planning``), in turn with
    the API's plans; the empty form in the thread pool."""
    form = WorkerForm.from_query(request.query_params)
    work = partial(_worker_page, request, form, loaded, titles)
    return await (planning(work) if form.action else run_in_threadpool(work))


def _worker_page(
    request: Request, form: WorkerForm, loaded: Loaded, titles: Callable[[], TitleMatcher]
) -> HTMLResponse:
    options = loaded.options
    answer = pages.PageAnswer(form)
    status = 200
    if form.action:
        if loaded.graph is not None and options is not None:
            answer = pages.answer(
                form, graph=loaded.graph, options=options, model=loaded.model, titles=titles
            )
        else:
            answer.problem = f"The service is not ready yet ({loaded.not_ready}). Try again in a minute."
            status = 503
    if form.errors:
        status = 422
    return _render(request, answer, options, status=status)


@router.get("/plan.ics")
async def plan_calendar(
    request: Request, loaded: LoadedDep, titles: TitleMatcherLoaderDep, kind: str | None = None
) -> Response:
    """The page's plan of ``kind`` as an iCalendar file ("Add to my calendar": the form's query, the plan
    computed as the page computes it); a form the page would show errors for gets them as plain text."""
    form = WorkerForm.from_query(request.query_params)
    form.action = "plan"
    if loaded.graph is None or loaded.options is None:
        return PlainTextResponse(f"The service is not ready yet ({loaded.not_ready}).", status_code=503)
    graph, options = loaded.graph, loaded.options
    work = partial(pages.answer, form, graph=graph, options=options, model=loaded.model, titles=titles)
    answer = await planning(work)
    problems = [
        f"{LABELS.get(key.split('-')[0], key)}: {e.message}"
        + (f" {'; '.join(e.suggestions)}." if e.suggestions else "")
        for key, e in form.errors.items()
    ]
    if answer.problem:
        problems.append(answer.problem)
    if problems or answer.plans is None or answer.start is None:
        return PlainTextResponse("No calendar: " + " ".join(problems or ["no plan"]), status_code=422)
    try:
        return planning_routes.calendar_response(answer.plans, kind=kind, start=answer.start)
    except InvalidPlanInput as error:
        return PlainTextResponse(f"No calendar: {error.message}.", status_code=422)


@router.post("/cv", response_class=HTMLResponse)
async def read_cv(request: Request, loaded: LoadedDep, extractor: ExtractorDep) -> HTMLResponse:
    """The worker page with the skills a pasted CV or job ad names (the form's other fields come along);
    with ``add`` (a skill's URI), that one added to the worker's skills at the level chosen next to it."""
    posted = await request.form()
    form = WorkerForm.from_query(posted)
    text = str(posted.get("cv") or "")
    add = str(posted.get("add") or "")
    level = str(posted.get(f"cv_level:{add}") or "") if add else ""
    cv = cv_panel.CvAnswer(text=text, error=cv_panel.check_text(text))
    status = 422 if cv.error else 200
    found = await run_in_threadpool(extractor) if not cv.error else None  # fitted on first use: slow once
    if isinstance(found, str):
        cv.error, status = f"Skills cannot be read yet ({found}). Try again in a minute.", 503
    elif found is not None:
        cv = await run_in_threadpool(
            cv_panel.read_cv,
            text,
            extractor=found,
            form=form,
            add_uri=add,
            add_level=int(level) if level.isdigit() else None,
        )
        status = 422 if cv.error else 200
    return _render(request, pages.PageAnswer(form), loaded.options, status=status, cv=cv)


def _render(
    request: Request,
    answer: pages.PageAnswer,
    options: PlanOptions | None,
    *,
    status: int,
    cv: cv_panel.CvAnswer | None = None,
) -> HTMLResponse:
    form = answer.form
    return templates.TemplateResponse(
        request,
        "index.html",
        {
            "page": answer,
            "form": form,
            "errors": form.errors,
            "labels": LABELS,
            "kinds": KINDS,
            "titles": answer.titles,
            "levels": LEVELS,
            "modes": DELIVERY_MODES,
            "languages": _languages(options),
            "currencies": _currencies(options),
            "regions": list(known_regions().items()),
            "role_words": role_words,
            "cv": cv or cv_panel.CvAnswer(),
            "default_level": DEFAULT_LEVEL,
            "max_cv_chars": cv_panel.MAX_CV_CHARS,
        },
        status_code=status,
    )


def install(app: FastAPI) -> None:
    """Serve the page at ``/`` and its CSS and script under ``/static``."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="web-static")
