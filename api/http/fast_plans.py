"""The fast path of ``POST /v1/plans``: a plain request answered by the route's own work without FastAPI's
per-request machinery.

A plan's CPU is mostly the planner's, but around it the route paid, on the event loop and on this machine,
~0.8-1 ms of CPU a request (scenario 1's body, ~10 ms in all; measured in process with py-spy: routing over
the app's routes ~20 % of the loop's share, dependency resolution (the query check, the served objects, the
model) ~30 %, the body read and validated ~10 %). :class:`PlansFastPath`, an ASGI middleware inside
``api.http.app.BodyLimit`` (so a body is never longer than the route takes), answers a request that needs
none of that: a POST of that exact path with no query string, one ``content-type: application/json``
header, a body the route's schema (:class:`~api.http.schemas.planning.PlanCreate`) accepts as the route
reads it (``json.loads``, then the model validated from the result), the served objects loaded and due no
look for a newer version, and no ``dependency_overrides`` (tests). Its answer is computed as the route
computes it (:func:`api.http.routers.planning.plans_answer` and ``plans_json`` through
:func:`api.http.deps.planning`: in the thread pool, one plan at a time per process) and sent with the
route's headers.

Every other request, and every request whose work raises (an unknown occupation or course: 404, bad limits:
422, a graph not loaded: 503), goes on to the app unchanged, its body handed on as it came: the route
answers it, with its problem details. The route is anonymous and writes nothing, so its second try is the
only answer the client sees.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from api.http import deps
from api.http.routers import planning as planning_router
from api.http.schemas.planning import PlanCreate

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PATH = "/v1/plans"
JSON = b"application/json"
HEADERS = [(b"content-type", JSON)]


class PlansFastPath:
    """ASGI middleware: answers a plain ``POST /v1/plans`` with the route's work and no routing or
    dependency resolution; passes every other request, and any whose work raises, to ``app``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != PATH:
            await self.app(scope, receive, send)
            return
        message = await receive()  # the whole body: BodyLimit, outside, hands it on in one message
        answer = await self._answer(scope, message)
        if answer is None:
            await self.app(scope, _replay(message, receive), send)
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", str(len(answer)).encode()), *HEADERS],
            }
        )
        await send({"type": "http.response.body", "body": answer})

    async def _answer(self, scope: Scope, message: Message) -> bytes | None:
        """The answer's bytes, or None for the route to answer (see the module's docstring)."""
        app = scope.get("app")
        if (
            message["type"] != "http.request"
            or message.get("more_body", False)
            or scope.get("query_string")
            or scope.get("root_path")
            or app is None
            or app.dependency_overrides
            or not _json_content(scope)
        ):
            return None
        runtime = getattr(app.state, "runtime", None)
        if runtime is None or runtime.reference_due():
            return None
        served, slot = runtime.served(), runtime.model_slot
        graph, options = served.graph, served.options
        if graph is None or options is None or slot.due():
            return None
        raw = message.get("body", b"")
        if not raw:
            return None
        try:  # as the route reads its body (FastAPI: ``json.loads``, then the body's model validated)
            body = PlanCreate.model_validate(json.loads(raw))
        except Exception:  # noqa: BLE001 - the route says what is wrong, with its problem details
            return None
        model = slot.model

        def work() -> bytes:
            return planning_router.plans_json(planning_router.plans_answer(body, graph, options, model))

        try:
            return await deps.planning(work)
        except Exception:  # noqa: BLE001 - the route answers it again, with its problem details
            return None


def _json_content(scope: Scope) -> bool:
    """Whether the request has exactly one ``content-type`` header, ``application/json``."""
    found = [value for name, value in scope.get("headers", ()) if name == b"content-type"]
    return len(found) == 1 and found[0].lower() == JSON


def _replay(message: Message, receive: Receive) -> Receive:
    """A ``receive`` that first returns ``message``, then what the client sends next."""
    pending = [message]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay
