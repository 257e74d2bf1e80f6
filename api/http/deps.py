"""The request's dependencies, as ``Annotated`` aliases: the database session and the heavy objects.

The heavy objects come from the :class:`api.runtime.Runtime` the app's lifespan loaded (``app.state``), so
a request never loads them; tests replace any of them with ``app.dependency_overrides[get_graph] = ...``.
Those that only look an object up are ``async def``: FastAPI runs them on the event loop, where a plain
``def`` would cost each request a round trip through the thread pool; what may wait (the session, a look for
a newer model, the text matchers, built on first use) runs in the pool.
The session commits when the route returns and rolls back when it raises (one transaction per request).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.http.errors import NotReady
from api.runtime import Runtime
from api.services.plans import PlanOptions
from recommender.errors import UpskillError
from recommender.graph import CompetenceGraph
from recommender.text.skills import SkillExtractor
from recommender.text.titles import TitleMatcher
from training.artefacts import LoadedModel

#: Seconds one SQL statement of a request may run (PostgreSQL) before it is cancelled.
STATEMENT_TIMEOUT = 15.0


async def get_runtime(request: Request) -> Runtime:
    """The runtime the lifespan loaded."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_session(request: Request, runtime: RuntimeDep) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back when it raises.

    A GET reads one snapshot (a page and its total, a course and its skills: never half an import). A
    statement that runs longer than :data:`STATEMENT_TIMEOUT` is cancelled (503), so no request hangs on a
    stuck database. A request with an API key writes (at least its audit entry, ``api.services.audit``),
    after reading the key: on SQLite it takes the write lock first (:func:`data.db.transaction`).
    """
    with runtime.transaction(
        snapshot=request.method == "GET",
        statement_timeout=STATEMENT_TIMEOUT,
        writes="authorization" in request.headers,
    ) as session:
        yield session


async def get_graph(runtime: RuntimeDep) -> CompetenceGraph:
    """The competence graph (503 until the database holds ESCO)."""
    if not runtime.loaded("graph"):
        raise NotReady(runtime.problems.get("graph", "the competence graph is not loaded"))
    return runtime.graph


async def get_plan_options(runtime: RuntimeDep) -> PlanOptions:
    """The courses and badges the planner chooses from."""
    if not runtime.loaded("plan_options"):
        raise NotReady(runtime.problems.get("plan_options", "the course catalogue is not loaded"))
    return runtime.plan_options


async def get_model(runtime: RuntimeDep) -> LoadedModel | None:
    """The hybrid model for this request, or None (plans then rank by the content score).

    A newer valid artefact replaces the served model before the request starts (the hot swap); the request
    keeps the object it got here until it answers. Between two looks at the artefact folder (one every few
    seconds) this is a lookup, answered on the event loop; the look, which may load a model, runs in the
    thread pool.
    """
    slot = runtime.model_slot
    if not slot.due():
        return slot.model
    return await run_in_threadpool(runtime.current_model)


def get_title_matcher(runtime: RuntimeDep) -> TitleMatcher:
    """The job-title matcher, built on first use (503 until the database holds ESCO)."""
    try:
        return runtime.title_matcher
    except UpskillError as error:
        raise NotReady(str(error)) from None


def get_title_matcher_loader(runtime: RuntimeDep) -> Callable[[], TitleMatcher]:
    """What gives the process's job-title matcher when a request first needs it: loaded once per process
    from the disk cache (``data.text_cache``); raises :class:`UpskillError` when the database has no ESCO."""
    return lambda: runtime.title_matcher


def get_skill_extractor(runtime: RuntimeDep) -> SkillExtractor:
    """The skill extractor, fitted on first use (503 until the database holds ESCO)."""
    try:
        return runtime.skill_extractor
    except UpskillError as error:
        raise NotReady(str(error)) from None


# committed before the response is sent (scope="function"): a client that gets 200 can rely on the write, and
# its next request never starts before this transaction ends (on SQLite it would find the database locked)
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
GraphDep = Annotated[CompetenceGraph, Depends(get_graph)]
PlanOptionsDep = Annotated[PlanOptions, Depends(get_plan_options)]
ModelDep = Annotated[LoadedModel | None, Depends(get_model)]
TitleMatcherDep = Annotated[TitleMatcher, Depends(get_title_matcher)]
TitleMatcherLoaderDep = Annotated[Callable[[], TitleMatcher], Depends(get_title_matcher_loader)]
SkillExtractorDep = Annotated[SkillExtractor, Depends(get_skill_extractor)]
