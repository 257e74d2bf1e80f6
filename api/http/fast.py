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
``dependency_overrides`` (tests). It runs :func:`api.http.routers.workers.recommendations_json` (the
key checked, the worker read and their scope checked, the audit entry committed before the answer) in
the thread pool as the route does, and sends its bytes with the route's headers.

Every other request, and every request whose work raises (an unknown or revoked key: 401, a worker the
key may not see: 404, a target that is no occupation, the audit entry not written, the database away),
goes on to the app unchanged: the route answers it, with its problem details. Nothing is written by a
request that raises (its transaction rolls back, its audit entry is written only after its answer is
made), so the route's second try is the only one that counts.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from functools import partial
from typing import Any
from urllib.parse import parse_qsl

from fastapi.security.utils import get_authorization_scheme_param
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from api.http.auth import Keyed
from api.http.deps import request_transaction
from api.http.routers import workers
from api.http.schemas.common import MAX_ID

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
        keyed = Keyed(
            open_session=partial(request_transaction, Request(scope), runtime),
            key=key,
            roles=workers.PERSON_ROLES,
            route=workers.RECOMMENDATIONS,
        )
        question = {
            "worker_id": worker_id,
            "target": target,
            "limit": limit,
            "graph": served.graph,
            "options": served.options,
            "model": slot.model,
        }

        def work() -> bytes:
            kept = workers.kept_recommendations_json(runtime=runtime, key=key, **question)
            return kept if kept is not None else workers.recommendations_json(key=keyed, **question)

        try:
            answer: bytes = await run_in_threadpool(work)
        except Exception:  # noqa: BLE001 - the route answers it again, with its problem details
            return None
        return answer


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
