"""The FastAPI app: ``create_app()`` builds it; the lifespan loads the heavy objects once per process.

Routes live in ``api/http/routers/`` (one module per area), request and response bodies in
``api/http/schemas/``, dependencies in ``api/http/deps.py``, the mapping of errors to problem details in
``api/http/errors.py``. Routes that compute (gap, plans, adjacent roles) run in the thread pool (plain ``def``
functions, which FastAPI runs there, or :func:`api.http.deps.planning`): the event loop stays free for other
requests (``/health`` answers while a plan is being solved), all sharing the one loaded graph and model. A
process computes one plan at a time (``POST /v1/plans``, a worker's plan, the worker page's answer:
``api.http.deps.PLANS_AT_ONCE``), the others waiting in order, since its threads share one core. CPU is
scaled with processes (``upskill serve --workers N``), each loading its own copy in its lifespan.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager, nullcontext
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from starlette.concurrency import run_in_threadpool

import api.http.routers.admin
import api.http.routers.model
from api.http import auth, deps, errors, suggest
from api.http.fast import RecommendationsFastPath
from api.http.fast_plans import PlansFastPath
from api.http.query import known_query_parameters
from api.http.routers import (
    badges,
    cohorts,
    courses,
    health,
    me,
    occupations,
    organisations,
    planning,
    regions,
    skills,
    text,
    workers,
)
from api.http.staff import pages as staff_pages
from api.runtime import Runtime
from api.services.uploads import MAX_UPLOAD_BYTES
from recommender.scoring import serving_blas_threads

#: BLAS threads of a server process: requests score side by side, each on one core (and the served model
#: scores with one thread: ``training.params``), so a product never waits for threads of its own.
SERVING_BLAS_THREADS = 1
#: Largest request body accepted, in bytes (the largest valid plan request is a few kilobytes).
MAX_BODY_BYTES = 64 * 1024
#: Routes that take lists of texts accept more (their lists and strings are bounded by their schemas too):
#: 1,000 titles of up to 200 characters, 100 texts of up to 10,000.
LARGER_BODIES = {"/v1/occupations/match": 256 * 1024, "/v1/skills/extract": 1024 * 1024}
#: Routes that take input files (a workforce, a region's programmes) accept uploads of up to 8 MB.
UPLOAD_PATHS = ("/v1/cohorts", "/v1/regions/")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyLimit:
    """ASGI middleware: answer 413 to a body longer than ``limit`` bytes, declared or streamed.

    The body is read here, up to the limit, before the app sees it (so a refusal never half-runs a route),
    and handed on whole.
    """

    def __init__(
        self, app: ASGIApp, limit: int = MAX_BODY_BYTES, larger: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.limit = limit
        self.larger = LARGER_BODIES if larger is None else larger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        limit = MAX_UPLOAD_BYTES if path.startswith(UPLOAD_PATHS) else self.larger.get(path, self.limit)
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        body = b""
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, _replay([message], receive), send)
                return
            body += message.get("body", b"")
            if len(body) > limit:
                await self._refuse(scope, receive, send, limit)
                return
            if not message.get("more_body", False):
                break
        whole = {"type": "http.request", "body": body, "more_body": False}
        await self.app(scope, _replay([whole], receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = errors.problem(
            413,
            "too-large",
            "Request body too large",
            f"the request body is larger than {limit} bytes",
            fix=f"send at most {limit} bytes",
            instance=scope.get("path"),
        )
        await response(scope, receive, send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A ``receive`` that first returns ``messages``, then what the client sends next."""
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay


def _include_v1(app: FastAPI, router: APIRouter) -> None:
    """Serve ``router`` under ``/v1``, refusing query parameters its routes do not take
    (``api.http.query``)."""
    app.include_router(router, prefix="/v1", dependencies=[Depends(known_query_parameters)])


def served_app() -> FastAPI:
    """The app ``upskill serve`` runs (uvicorn's factory): :func:`create_app` whose lifespan also freezes what
    it loaded out of the cyclic garbage collector's sight. What was loaded lives as long as the process, and
    each full collection walked it again (the graph and catalogue alone, ~360,000 objects: 150-170 ms of CPU
    holding the GIL, so every request in flight waits; one came every ~400 plans of
    evaluation.bench_planner's real pairs). Other apps (tests; tools that load the app in their own process)
    leave the collector alone: a frozen object is never collected, even once garbage."""
    return create_app(freeze_loaded=True)


def _read_audit_answers_here(runtime: Runtime) -> None:
    """In a worker process of a server whose audit host commits its entries (``api.audit_host``), the
    host's answers read on this event loop (:meth:`~api.audit_host.HostWriter.read_answers_on`)."""
    from api.audit_host import HostWriter

    writer = runtime.audit_writer
    if isinstance(writer, HostWriter):
        writer.read_answers_on(asyncio.get_running_loop())


def create_app(runtime: Runtime | None = None, *, freeze_loaded: bool = False) -> FastAPI:
    """Build the app; the lifespan loads ``runtime`` (default: from the settings) before the first request
    (``freeze_loaded``: then freezes it, see :func:`served_app`)."""

    # The served process (uvicorn calls the factory with no runtime) holds BLAS for its life; an app given
    # its runtime (tests, which run other code in the same process) leaves the process's BLAS limits alone.
    holds_blas = runtime is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.runtime = runtime or Runtime()
        await run_in_threadpool(app.state.runtime.load_all, strict=False)
        setattr(app.state, deps.KEY_CHECK_OPENER, deps.runtime_key_check_opener(app.state.runtime))
        _read_audit_answers_here(app.state.runtime)
        if freeze_loaded:
            gc.collect()
            gc.freeze()
        with serving_blas_threads(SERVING_BLAS_THREADS) if holds_blas else nullcontext():
            yield

    app = FastAPI(
        title="upskill",
        version="1",
        summary="Personalised upskilling paths for the automotive-mobility sector, on ESCO.",
        lifespan=lifespan,
    )
    errors.install(app)
    auth.install(app)  # on a keyed route the key's 401 or 403 before a 422
    suggest.install(app)  # unknown occupations: the title matcher's suggestions too
    for staff_area in (cohorts, regions):  # HR cohorts and regional portfolios
        _include_v1(app, staff_area.router)
    staff_pages.install(app)  # the HR page at /hr, the region page at /region
    _include_v1(app, api.http.routers.model.router)
    _include_v1(app, api.http.routers.admin.router)
    app.include_router(health.router)
    for area in (me, text, occupations, skills, courses, badges, planning, organisations, workers):
        _include_v1(app, area.router)
    from api.http.web import routes as web  # here, not on top: the page is an add-on to the API

    web.install(app)  # the worker page at /
    app.add_middleware(PlansFastPath)  # inside BodyLimit: a plain plan request skips routing
    app.add_middleware(BodyLimit)
    app.add_middleware(RecommendationsFastPath)  # outermost: a plain request skips the rest
    return app
