"""The request's dependencies, as ``Annotated`` aliases: the database session and the heavy objects.

The heavy objects come from the :class:`api.runtime.Runtime` the app's lifespan loaded (``app.state``), so
a request never loads them; tests replace any of them with ``app.dependency_overrides[get_graph] = ...``.
Those that only look an object up are ``async def``: FastAPI runs them on the event loop, where a plain
``def`` would cost each request a round trip through the thread pool; what may wait (the session, a look for
a newer model, the text matchers, built on first use) runs in the pool.
The session commits when the route returns and rolls back when it raises (one transaction per request).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import partial
from typing import Annotated, Any, TypeVar

from anyio import CapacityLimiter, to_thread
from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.http.errors import AuditNotRecorded, NotReady
from api.runtime import Runtime, Served
from api.services.plans import PlanOptions
from recommender.errors import UpskillError
from recommender.graph import CompetenceGraph
from recommender.text.skills import SkillExtractor
from recommender.text.titles import TitleMatcher
from training.artefacts import LoadedModel

#: Seconds one SQL statement of a request may run (PostgreSQL) before it is cancelled.
STATEMENT_TIMEOUT = 15.0
#: Methods that never change data: their requests only read.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: ``Session.info`` keys of a request's read-only session: the audit entries to write once the route has
#: answered (``api.http.auth.AuditTrail``), and what opens a short write transaction (:func:`short_write`).
AUDIT_LATER = "upskill_audit_later"
WRITER = "upskill_writer"
_READS_ONLY = "upskill_session_reads_only"
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
T = TypeVar("T")
#: Opens a request's transaction: a block that commits when it ends, rolls back when it raises.
SessionOpener = Callable[[], AbstractContextManager[Session]]


#: Plans a process computes at once (``POST /v1/plans``, ``GET /v1/workers/{id}/plan``, the worker page's
#: answers): one, as a process computes on one core (the GIL;
#: ``upskill serve`` runs a process per core). The others wait for it in the order they came, each then
#: computed at full speed, instead of time-slicing the core with it: a plan's latency is the plans ahead of
#: it plus its own, not its own times how many share the core (see :func:`planning`).
PLANS_AT_ONCE = 1


#: Each event loop's planning slots (a server process has one loop; a test client may run each request in
#: a loop of its own, and an anyio limiter belongs to the loop that waits on it).
_planning_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


async def planning(work: Callable[[], T]) -> T:
    """``work`` (a plan's computation) in the thread pool, once one of the process's :data:`PLANS_AT_ONCE`
    planning slots is free (first come, first served): CPU-bound, so it never blocks the event loop, and
    never time-slices the process's core with another plan."""
    loop = asyncio.get_running_loop()
    slots = _planning_slots.get(loop)
    if slots is None:  # the loop's first plan: nothing awaited between the look and the store
        slots = _planning_slots[loop] = CapacityLimiter(PLANS_AT_ONCE)
    return await to_thread.run_sync(work, limiter=slots)


async def get_runtime(request: Request) -> Runtime:
    """The runtime the lifespan loaded."""
    return runtime_of(request)


def runtime_of(request: Request) -> Runtime:
    """The runtime the lifespan loaded. The dependencies every keyed read resolves take the request and read
    it here, not through :data:`RuntimeDep`: FastAPI spends some tens of microseconds a request on each
    dependency it resolves (even one it resolved before in the request), on this route about as much as
    the whole of ``GET /health``."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_session(request: Request, runtime: RuntimeDep) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back when it raises
    (:func:`request_transaction`)."""
    with request_transaction(request, runtime) as session:
        yield session


@contextmanager
def request_transaction(request: Request, runtime: Runtime) -> Iterator[Session]:
    """The request's one transaction: committed when the block ends, rolled back when it raises.

    A GET reads one snapshot (a page and its total, a course and its skills: never half an import). A
    statement that runs longer than :data:`STATEMENT_TIMEOUT` is cancelled (503), so no request hangs on a
    stuck database.

    Only a request that changes data takes the write lock (on SQLite, at its start: ``BEGIN IMMEDIATE``,
    :func:`data.db.transaction`; one such transaction at a time, each short): one with an API key and a
    method other than GET/HEAD/OPTIONS, unless its route is marked :func:`session_reads_only`. Every other
    request only reads (a write raises), so reads run beside each other and beside a writer; the audit
    entries of a keyed read (``api.http.auth.AuditTrail``) are written after the route has made its answer,
    in a short write transaction of their own, committed before the answer is sent: when they cannot be
    written the request answers 503 (:class:`AuditNotRecorded`) and sends no data.
    """
    changes = _changes(request)
    later: list[dict[str, Any]] = []
    with runtime.transaction(
        snapshot=request.method == "GET",
        statement_timeout=STATEMENT_TIMEOUT,
        writes=changes,
        read_only=not changes,
    ) as session:
        if not changes:
            session.info[AUDIT_LATER] = later
            session.info[WRITER] = lambda: runtime.transaction(
                writes=True, statement_timeout=STATEMENT_TIMEOUT
            )
        yield session
    if later:
        try:
            runtime.audit_writer.write(later)  # with those of other requests finishing now: one commit
        except Exception as error:
            raise AuditNotRecorded(error) from error


async def get_session_opener(request: Request) -> SessionOpener:
    """What opens the request's transaction (:func:`request_transaction`) where the route works: a route that
    opens it itself (``api.http.auth.Keyed``) spends one thread-pool round trip on the session, the key
    check, its work and the audit entries, where :data:`SessionDep` (a generator run in the pool when it
    starts and when it ends) and a route of its own take three. Made on the event loop: it only names what
    to open. Tests give their own session with ``dependency_overrides`` (as for :func:`get_session`)."""
    return partial(request_transaction, request, runtime_of(request))


#: ``app.state`` attribute: what opens a read-only transaction of the app's database in which a request's key
#: is checked outside its route (``api.http.auth.key_refusal``, before a 422). The lifespan sets it from the
#: runtime (:func:`runtime_key_check_opener`); an app serving a session of its own (tests, without a
#: lifespan) sets it to open that session.
KEY_CHECK_OPENER = "key_check_opener"


def runtime_key_check_opener(runtime: Runtime) -> SessionOpener:
    """A read-only transaction of ``runtime``'s database, cut after :data:`STATEMENT_TIMEOUT`."""
    return partial(runtime.transaction, read_only=True, statement_timeout=STATEMENT_TIMEOUT)


def key_check_opener(request: Request) -> SessionOpener:
    """What opens the read-only transaction that checks the request's key outside its route
    (:data:`KEY_CHECK_OPENER`)."""
    opener: SessionOpener = getattr(request.app.state, KEY_CHECK_OPENER)
    return opener


def _changes(request: Request) -> bool:
    """Whether the request's transaction changes data (see :func:`get_session`)."""
    if request.method in READ_METHODS or "authorization" not in request.headers:
        return False
    endpoint = getattr(request.scope.get("route"), "endpoint", None)
    return not getattr(endpoint, _READS_ONLY, False)


def session_reads_only(endpoint: Endpoint) -> Endpoint:
    """Mark a keyed POST/PATCH/DELETE route whose request session only reads: it holds no write lock while
    it works (a cohort's solve takes minutes), and writes what it keeps in a short transaction of its own
    (:func:`short_write`)."""
    setattr(endpoint, _READS_ONLY, True)
    return endpoint


@contextmanager
def short_write(db_session: Session) -> Iterator[Session]:
    """A short write transaction beside the request's read-only ``db_session``, committed when the block
    ends. A session that is not the request's own read-only one (a test's, given through
    ``dependency_overrides``) is its own writer."""
    opener: Callable[[], AbstractContextManager[Session]] | None = db_session.info.get(WRITER)
    if opener is None:
        yield db_session
        return
    with opener() as session:
        yield session


async def get_served(request: Request) -> Served:
    """The graph, plan options and text matchers of this request, read together (one reference version).

    When the database's reference data changed (an import while serving), they are loaded again first, in
    the thread pool, by the request that noticed (:meth:`api.runtime.Runtime.refresh_reference`); between
    two looks (one query every few seconds) this is a lookup, answered on the event loop.
    """
    runtime = runtime_of(request)
    if runtime.reference_due():
        await run_in_threadpool(runtime.refresh_reference)
    return runtime.served()


ServedDep = Annotated[Served, Depends(get_served)]


async def get_reference(served: ServedDep) -> tuple[CompetenceGraph | None, PlanOptions | None]:
    """The graph and plan options of this request, read together (None: not loaded)."""
    return served.graph, served.options


ReferenceDep = Annotated[tuple[CompetenceGraph | None, PlanOptions | None], Depends(get_reference)]


async def get_graph(request: Request, served: ServedDep) -> CompetenceGraph:
    """The competence graph (503 until the database holds ESCO)."""
    if served.graph is None:
        raise NotReady(runtime_of(request).problems.get("graph", "the competence graph is not loaded"))
    return served.graph


async def get_plan_options(request: Request, served: ServedDep) -> PlanOptions:
    """The courses and badges the planner chooses from."""
    if served.options is None:
        problem = runtime_of(request).problems.get("plan_options", "the course catalogue is not loaded")
        raise NotReady(problem)
    return served.options


async def get_model(request: Request) -> LoadedModel | None:
    """The hybrid model for this request, or None (plans then rank by the content score).

    A newer valid artefact replaces the served model before the request starts (the hot swap); the request
    keeps the object it got here until it answers. Between two looks at the artefact folder (one every few
    seconds) this is a lookup, answered on the event loop; the look, which may load a model, runs in the
    thread pool.
    """
    runtime = runtime_of(request)
    slot = runtime.model_slot
    if not slot.due():
        return slot.model
    return await run_in_threadpool(runtime.current_model)


def get_title_matcher(served: ServedDep) -> TitleMatcher:
    """The job-title matcher of this request's data, built on first use (503 until the database holds
    ESCO)."""
    try:
        return served.text.title_matcher()
    except UpskillError as error:
        raise NotReady(str(error)) from None


async def get_title_matcher_loader(served: ServedDep) -> Callable[[], TitleMatcher]:
    """What gives the job-title matcher of this request's data when the request first needs it: loaded once
    per reference version from the disk cache (``data.text_cache``); raises :class:`UpskillError` when the
    database has no ESCO. A reload meanwhile does not change what it gives."""
    return served.text.title_matcher


def get_skill_extractor(served: ServedDep) -> SkillExtractor:
    """The skill extractor of this request's data, fitted on first use (503 until the database holds
    ESCO)."""
    try:
        return served.text.skill_extractor()
    except UpskillError as error:
        raise NotReady(str(error)) from None


# committed before the response is sent (scope="function"): a client that gets 200 can rely on the write, and
# its next request never starts before this transaction ends (on SQLite it would find the database locked)
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SessionOpenerDep = Annotated[SessionOpener, Depends(get_session_opener)]
GraphDep = Annotated[CompetenceGraph, Depends(get_graph)]
PlanOptionsDep = Annotated[PlanOptions, Depends(get_plan_options)]
ModelDep = Annotated[LoadedModel | None, Depends(get_model)]
TitleMatcherDep = Annotated[TitleMatcher, Depends(get_title_matcher)]
TitleMatcherLoaderDep = Annotated[Callable[[], TitleMatcher], Depends(get_title_matcher_loader)]
SkillExtractorDep = Annotated[SkillExtractor, Depends(get_skill_extractor)]
