"""The fast path of ``GET /v1/workers/{id}/recommendations``: a plain request answered without FastAPI's
per-request work, by the route's own function.

Most of these requests are answered from a kept answer (``api.services.worker_learning``): a few
indexed reads, the audit entry's commit and bytes made before. Around that, routing, dependency
resolution (the id, the query model, the graph, plan options and model, the key, the session opener) and
validation cost a FastAPI route ~1 ms of CPU a request on this machine, three times the work itself
(measured in process with py-spy: ``solve_dependencies`` 34 %, routing 12 %, the thread-pool hop 15 %,
the work 17 %). :class:`RecommendationsFastPath`, an ASGI middleware, answers a request that needs none
of that: a GET of that path with a plain id, at most ``target`` and ``limit`` in its query, each once
and valid, a Bearer key, the served objects loaded and due no look for a newer version, and no
``dependency_overrides`` (tests). A kept answer is looked up with those of the requests arriving at the
same time (:class:`KeptBatches`: the keys and workers read in one driver transaction, on the event loop
itself on SQLite, in one thread-pool round trip on PostgreSQL), and sent once its audit entry is
committed, with those of the other batches arriving meanwhile (the process's audit writer,
``api.services.audit.GroupWriter``, or in a server of several processes on SQLite their one committer,
``api.audit_host``); any other answer comes from
:func:`api.http.routers.workers.recommendations_json` (the key checked, the worker read and their scope
checked, the audit entry committed before the answer) in the thread pool, as the route computes it. The
bytes go out with the route's headers.

Every other request, and every request whose work raises (an unknown or revoked key: 401, a worker the
key may not see: 404, a target that is no occupation, the audit entry not written, the database away),
goes on to the app unchanged: the route answers it, with its problem details. Nothing is written by a
request that raises (its transaction rolls back, its audit entry is written only after its answer is
made), so the route's second try is the only one that counts.
"""

from __future__ import annotations

import asyncio
import re
import threading
import weakref
from collections.abc import Awaitable, Callable, MutableMapping
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from fastapi.security.utils import get_authorization_scheme_param
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from api.http.auth import Keyed
from api.http.deps import request_transaction
from api.http.routers import workers
from api.http.schemas.common import MAX_ID
from data.db import KeptConnection

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from api.runtime import Runtime

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: The path, with an id as ``WorkerId`` takes it (1 to 2**31 - 1, no leading zero, no sign).
PATH = re.compile(r"/v1/workers/([1-9][0-9]{0,9})/recommendations")
LIMIT = re.compile(r"[1-9][0-9]{0,2}")
MAX_WORKER_ID = 2**31 - 1
HEADERS = [(b"content-type", b"application/json")]
BODY_HEADERS = frozenset({b"content-length", b"transfer-encoding"})


class RecommendationsFastPath:
    """ASGI middleware: answers a plain ``GET /v1/workers/{id}/recommendations`` with the route's work and
    no FastAPI dependency resolution; passes every other request, and any that raises, to ``app``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            match = PATH.fullmatch(scope["path"])
            if match is not None:
                answer = await self._answer(scope, int(match.group(1)))
                if answer is not None:
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 200,
                            "headers": [(b"content-length", str(len(answer)).encode()), *HEADERS],
                        }
                    )
                    await send({"type": "http.response.body", "body": answer})
                    return
        await self.app(scope, receive, send)

    async def _answer(self, scope: Scope, worker_id: int) -> bytes | None:
        """The answer's bytes, or None for the route to answer (see the module's docstring)."""
        app = scope.get("app")
        if worker_id > MAX_WORKER_ID or scope.get("root_path") or app is None or app.dependency_overrides:
            return None
        query = _query(scope.get("query_string", b""))
        key = _bearer(scope)
        runtime = getattr(app.state, "runtime", None)
        if query is None or key is None or runtime is None or runtime.reference_due():
            return None
        served, slot = runtime.served(), runtime.model_slot
        if served.graph is None or served.options is None or slot.due():
            return None
        target, limit = query
        question = workers.KeptQuestion(
            key=key,
            worker_id=worker_id,
            target=target,
            limit=limit,
            graph=served.graph,
            options=served.options,
            model=slot.model,
        )
        kept = await _batches(runtime).ask(question)
        if kept is not None:
            return kept
        keyed = Keyed(
            open_session=partial(request_transaction, Request(scope), runtime),
            key=key,
            roles=workers.PERSON_ROLES,
            route=workers.RECOMMENDATIONS,
        )
        work = partial(
            workers.recommendations_json,
            key=keyed,
            worker_id=worker_id,
            target=target,
            limit=limit,
            graph=served.graph,
            options=served.options,
            model=slot.model,
        )
        try:
            answer: bytes = await run_in_threadpool(work)
        except Exception:  # noqa: BLE001 - the route answers it again, with its problem details
            return None
        return answer


#: Batches of kept answers a process reads at once (:class:`KeptBatches`).
BATCHES_AT_ONCE = 1


class KeptBatches:
    """The kept answers of requests arriving together, read together
    (:func:`api.http.routers.workers.kept_recommendations_json`: one driver read transaction), instead of one
    transaction a request; each batch's audit entries handed to the process's audit writer
    (``runtime.audit_writer.submit``: a ``GroupWriter``, or the ``HostWriter`` of ``api.audit_host``), which
    commits them with those of the batches before and after it that arrive while its previous commit waits
    for the disk. A request's answer is given back once its entry is committed (None, for the route to
    answer, when the reads or the commit fail).

    A question waits on the event loop; whenever fewer than :data:`BATCHES_AT_ONCE` batches are being
    read, those waiting go as the next one. No thread waits for a commit: a batch's reads take ~0.1 ms, so
    one batch at a time gathers the questions that arrive meanwhile, and the commits gather the batches.
    On SQLite a batch is read on the event loop itself, on a connection kept for it that never waits for a
    lock (:class:`LoopReads`: in WAL mode a read waits only while a crashed writer's log is recovered;
    then the route answers, in the pool): a few indexed reads on the driver cost less than the pool's
    round trip (~40-60 us of CPU on the loop and in the pool's thread, and the GIL passed twice); on
    PostgreSQL each statement is a round
    trip to the server, made in the pool.
    """

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.waiting: list[tuple[workers.KeptQuestion, asyncio.Future[bytes | None]]] = []
        self.running: set[asyncio.Task[None]] = set()
        self.sqlite = runtime.engine.dialect.name == "sqlite"
        self.reads = LoopReads(runtime.engine) if self.sqlite else None

    async def ask(self, question: workers.KeptQuestion) -> bytes | None:
        """The kept answer to ``question`` (its audit entry committed), or None (the route answers)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bytes | None] = loop.create_future()
        self.waiting.append((question, future))
        if len(self.running) < BATCHES_AT_ONCE:
            self.running.add(loop.create_task(self._run()))
        return await future

    async def _run(self) -> None:
        """Read batches of those waiting until none waits; then no longer counted as running, at once (a
        done callback would leave a question asked before it runs waiting for the next one)."""
        try:
            await self._read_all()
        finally:
            self.running.discard(asyncio.current_task())  # type: ignore[arg-type]

    async def _read_all(self) -> None:
        loop = asyncio.get_running_loop()
        while self.waiting:
            batch, self.waiting = self.waiting, []
            work = partial(
                workers.kept_recommendations_json,
                runtime=self.runtime,
                questions=[question for question, _ in batch],
            )
            found = workers.KeptAnswers([None] * len(batch), [])  # if the reads are cancelled: the route
            try:
                if self.reads is not None:  # SQLite: here, cheaper than the thread pool's round trip
                    found = work(reads=self.reads.transaction)
                else:
                    found = await run_in_threadpool(work)  # PostgreSQL: a round trip to the server
            finally:
                self._commit_then_answer(loop, [future for _, future in batch], found)

    def _commit_then_answer(
        self,
        loop: asyncio.AbstractEventLoop,
        futures: list[asyncio.Future[bytes | None]],
        found: workers.KeptAnswers,
    ) -> None:
        """Answer None (the route) at once; the kept answers once their audit entries are committed."""
        kept: Answers = []
        for future, answer in zip(futures, found.answers, strict=True):
            if answer is None:
                _settle([(future, None)])
            else:
                kept.append((future, answer))
        if not kept:
            return
        unanswered: Answers = [(future, None) for future, _ in kept]

        def committed(error: Exception | None) -> None:  # on the loop (the host's answers) or in a thread
            answers = kept if error is None else unanswered
            if threading.get_ident() == loop_thread:
                _settle(answers)
            else:
                loop.call_soon_threadsafe(_settle, answers)

        loop_thread = threading.get_ident()

        try:
            self.runtime.audit_writer.submit(found.entries, committed)
        except Exception:  # noqa: BLE001 - no answer without its entry: the route answers (or 503)
            _settle(unanswered)


class LoopReads(KeptConnection):
    """The read transactions of an event loop's batches of kept answers on SQLite (:class:`KeptBatches`), on
    one DB-API connection of ``engine``'s kept for them, that never waits for a lock (``busy_timeout`` 0; in
    WAL mode a read waits only while a crashed writer's log is recovered: then the reads raise and the route
    answers, in the pool). A pooled connection's checkout, its busy timeout set and given back, and the
    rollback that resets it on return cost 40-55 us of the ~50-65 of a batch's transaction (its BEGIN, the
    people version's read and COMMIT: 7-10 us on a kept connection), measured in process on a copy of the
    served database (3,000 transactions, alternated three times, load 3); a batch holds 1-2 requests at 8
    connections. Used by the loop's thread alone (no lock)."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, setup="PRAGMA busy_timeout = 0")


#: Requests waiting for their answers, and the answers (None: the route answers).
Answers = list[tuple[asyncio.Future[bytes | None], bytes | None]]


def _settle(answers: Answers) -> None:
    """Give each waiting request its answer (one whose client went away has no one waiting)."""
    for future, answer in answers:
        if not future.done():
            future.set_result(answer)


#: Each event loop's batches (a server process has one loop; a test client may run each request in a loop
#: of its own, and a future belongs to the loop that awaits it).
_kept_batches: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, KeptBatches] = weakref.WeakKeyDictionary()


def _batches(runtime: Runtime) -> KeptBatches:
    """The running loop's batches of ``runtime``'s kept answers."""
    loop = asyncio.get_running_loop()
    batches = _kept_batches.get(loop)
    if batches is None or batches.runtime is not runtime:
        batches = _kept_batches[loop] = KeptBatches(runtime)
    return batches


def _query(raw: bytes) -> tuple[str | None, int] | None:
    """``target`` and ``limit`` of a query string that holds at most these, each once and valid as the
    route's ``RecommendationQuery`` takes them (else None: the route decides)."""
    if not raw:
        return None, 10
    try:
        pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return None
    found = dict(pairs)
    if len(found) != len(pairs) or not set(found) <= {"target", "limit"}:
        return None
    target = found.get("target")
    limit = found.get("limit", "10")
    if target is not None and not 1 <= len(target) <= MAX_ID or not LIMIT.fullmatch(limit):
        return None
    if int(limit) > 100:
        return None
    return target, int(limit)


def _bearer(scope: Scope) -> str | None:
    """The key of an ``Authorization: Bearer <key>`` header, as the route reads it (else None; also for a
    request with a body: the route refuses one that is too long, ``api.http.app.BodyLimit``)."""
    values = []
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            values.append(value)
        elif name in BODY_HEADERS:
            return None
    if len(values) != 1:
        return None
    scheme, credentials = get_authorization_scheme_param(values[0].decode("latin-1"))
    if scheme.lower() != "bearer" or not credentials:
        return None
    return credentials[:200]
