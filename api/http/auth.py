"""Who is calling: the API key of ``Authorization: Bearer <key>`` as a :class:`Principal`, and the roles an
endpoint allows.

``require_roles("hr", "admin")`` is a dependency: a missing, unknown or revoked key answers 401, a key of
another role 403. Whether the principal may see a given worker, organisation or region is decided by the
route or service, which answers 404 for what is not theirs (never the data, never a hint that it exists):
:func:`may_see_worker` and :func:`may_see_organisation` are that rule for workers and organisations.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple

from fastapi import Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.http.deps import (
    AUDIT_LATER,
    SessionDep,
    SessionOpener,
    SessionOpenerDep,
    key_check_opener,
)
from api.http.errors import Forbidden, Unauthorized, UnknownQueryParameters
from api.services import audit, keys
from api.services.keys import Principal, may_see_organisation, may_see_worker

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = [
    "AuditDep",
    "Keyed",
    "Principal",
    "keyed",
    "require_roles",
    "may_see_worker",
    "may_see_organisation",
]

#: The API key of ``Authorization: Bearer <key>``, read by every route that needs one (as its OpenAPI says).
bearer_scheme = HTTPBearer(auto_error=False, description="An API key: `upskill keys create --role ROLE ...`")


BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]


def get_principal(session: SessionDep, credentials: BearerDep) -> Principal:
    """The caller of a valid key; 401 without one."""
    return _principal(session, _presented(credentials))


def _presented(credentials: HTTPAuthorizationCredentials | None) -> str:
    """The key the request presents (at most 200 characters); 401 without one."""
    if credentials is None or not credentials.credentials:
        raise Unauthorized("this endpoint needs an API key (Authorization: Bearer <key>)")
    if credentials.scheme.lower() != "bearer":
        raise Unauthorized(f"the Authorization scheme must be Bearer, not {credentials.scheme!r}")
    return credentials.credentials[:200]


def _principal(session: Session, plaintext: str) -> Principal:
    """The principal of a valid key; 401 for a key that is unknown or revoked."""
    principal = keys.authenticate(session, plaintext=plaintext)
    if principal is None:
        raise Unauthorized("the API key is unknown or revoked")
    return principal


def check_key(db_session: Session, key: str, roles: tuple[str, ...]) -> Principal:
    """The key check of every keyed route: the principal of ``key`` when its role is one of ``roles``; 401
    for a key that is unknown or revoked, 403 for one of another role. The route's own work
    (:meth:`Keyed.open`) and the check before a 422 (:func:`key_refusal`) both call it."""
    return _allowed(_principal(db_session, key), roles)


def _allowed(principal: Principal, roles: tuple[str, ...]) -> Principal:
    """``principal`` when its role is one of ``roles``; 403 otherwise."""
    if principal.role not in roles:
        raise Forbidden(f"a {principal.role} key may not use this endpoint; it needs {' or '.join(roles)}")
    return principal


#: An exception handler as Starlette takes it.
ExceptionHandler = Callable[[Request, Exception], Response | Awaitable[Response]]
#: Attribute of a key dependency (:func:`require_roles`, :func:`keyed`): the roles it lets through.
_ROLES = "upskill_roles"
#: Attribute of an :class:`APIRoute`: the roles its key dependency lets through (``()``: none), once read.
_ROUTE_ROLES = "upskill_key_roles"


def _checked(roles: tuple[str, ...]) -> tuple[str, ...]:
    unknown = set(roles) - set(keys.ROLES)
    if unknown or not roles:
        raise ValueError(f"an endpoint takes roles among {keys.ROLES}, not {sorted(unknown)}")
    return roles


def require_roles(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency that lets through a valid key of one of ``roles`` (401 without a key, 403 otherwise)."""
    _checked(roles)

    async def dependency(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        return _allowed(principal, roles)

    setattr(dependency, _ROLES, roles)
    return dependency


class AuditTrail:
    """Records this request's uses of workers' data in the audit log: the caller's key, the route's template.

    In a transaction that changes data, the entries join it (:mod:`api.services.audit`): committed with what
    the route did, rolled back with it when it fails. A request that only reads takes no write lock: its
    entries wait in the session (:data:`api.http.deps.AUDIT_LATER`) until the route has made its answer,
    then go in a short write transaction of their own, committed before the answer is sent
    (:func:`api.http.deps.get_session`); a route that fails sends no data and records nothing.
    """

    def __init__(self, *, db_session: Session, principal: Principal, route: str):
        self.db_session = db_session
        self.principal = principal
        self.route = route

    def within(self, db_session: Session) -> AuditTrail:
        """This trail writing in ``db_session`` (a short write transaction of the route's own)."""
        return AuditTrail(db_session=db_session, principal=self.principal, route=self.route)

    def __call__(self, action: str, worker_ids: Iterable[int | None]) -> None:
        made = audit.entries(principal=self.principal, action=action, route=self.route, worker_ids=worker_ids)
        later: list[dict[str, Any]] | None = self.db_session.info.get(AUDIT_LATER)
        if later is not None:
            later.extend(made)
        else:
            audit.add(db_session=self.db_session, entries=made)

    def cohort_people(self, action: str, *, cohort_id: int, person_ids: Iterable[str] | None = None) -> None:
        """Record the workers among a cohort's people (``person_ids``; None: all of them)."""
        self(
            action,
            audit.cohort_workers(db_session=self.db_session, cohort_id=cohort_id, person_ids=person_ids),
        )


async def get_audit_trail(
    request: Request, session: SessionDep, principal: Annotated[Principal, Depends(get_principal)]
) -> AuditTrail:
    """The audit trail of this request (the key of ``get_principal``, resolved once per request). Made on the
    event loop: it only names what the route records (a plain ``def`` would cost a thread-pool round trip)."""
    return AuditTrail(
        db_session=session, principal=principal, route=f"{request.method} {route_template(request)}"
    )


class KeyedWork(NamedTuple):
    """What a keyed route works with: the request's session, the caller and the audit trail."""

    db_session: Session
    principal: Principal
    audit: AuditTrail


class Keyed:
    """A keyed route's transaction, key check and audit entries, opened where the route works:

        with keyed.open() as (db_session, principal, audit):
            ...

    opens the request's transaction (:func:`api.http.deps.request_transaction`), checks the key in it (401
    unknown or revoked, 403 of another role), and when the block ends commits and writes the audit entries
    (a read's after its answer is made, before it is sent; 503 and no answer when they cannot be written).
    A plain ``def`` route doing so spends one thread-pool round trip on all of it, where the dependencies
    ``SessionDep``, ``require_roles`` and ``AuditDep`` cost three (the session's start and end, the key
    check) besides the route's own. Nothing of the key is looked up before the block: a route answers
    nothing outside it.
    """

    def __init__(self, *, open_session: SessionOpener, key: str, roles: tuple[str, ...], route: str):
        self._open_session = open_session
        self._key = key
        self._roles = roles
        self._route = route

    @contextmanager
    def open(self) -> Iterator[KeyedWork]:
        with self._open_session() as db_session:
            principal = check_key(db_session, self._key, self._roles)
            yield KeyedWork(
                db_session,
                principal,
                AuditTrail(db_session=db_session, principal=principal, route=self._route),
            )


def keyed(*roles: str) -> Callable[..., Awaitable[Keyed]]:
    """A dependency giving the :class:`Keyed` work of a key of one of ``roles``: 401 at once without a key
    or with another scheme; the key itself is checked when the route opens the work."""
    _checked(roles)

    async def dependency(request: Request, credentials: BearerDep, open_session: SessionOpenerDep) -> Keyed:
        return Keyed(
            open_session=open_session,
            key=_presented(credentials),
            roles=roles,
            route=f"{request.method} {route_template(request)}",
        )

    setattr(dependency, _ROLES, roles)
    return dependency


def route_template(request: Request) -> str:
    """The request's path with its path parameters' values put back as ``{name}`` (the route's template).

    Rebuilt from the path because an included router's route knows its path without the router's prefix.
    The parameters come in the template's order, so each is matched to the first segment after the one
    before it that holds its value.
    """
    from urllib.parse import unquote

    params = list(request.path_params.items())
    segments = request.url.path.split("/")
    for index, segment in enumerate(segments):
        if params and unquote(segment) == str(params[0][1]):
            segments[index] = "{" + params.pop(0)[0] + "}"
    return "/".join(segments)


AuditDep = Annotated[AuditTrail, Depends(get_audit_trail)]


# --- the key before the parameters ---------------------------------------------------------------------


def route_roles(route: APIRoute) -> tuple[str, ...]:
    """The roles the key dependency of ``route`` lets through (``()``: the route needs no key), read from its
    dependency tree once and kept on the route."""
    roles: tuple[str, ...] | None = getattr(route, _ROUTE_ROLES, None)
    if roles is None:
        roles = dependant_roles(route.dependant)
        setattr(route, _ROUTE_ROLES, roles)
    return roles


def dependant_roles(dependant: Dependant) -> tuple[str, ...]:
    """The roles of the first key dependency (:func:`keyed`, :func:`require_roles`) in a route's dependency
    tree, ``()`` without one."""
    pending = [dependant]
    while pending:
        current = pending.pop(0)
        for dependency in current.dependencies:
            if hasattr(dependency.call, _ROLES):
                return tuple(getattr(dependency.call, _ROLES))
        pending.extend(current.dependencies)
    return ()


async def key_refusal(request: Request) -> Unauthorized | Forbidden | None:
    """What the key check of the request's route would answer (no key, another scheme, an unknown or revoked
    key: :class:`Unauthorized`; a key of another role: :class:`Forbidden`), or None when the route needs no
    key or the key may use it. Reads the key with :func:`check_key` in a read-only transaction of its own
    (:func:`api.http.deps.key_check_opener`), in the thread pool."""
    route = request.scope.get("route")
    roles = route_roles(route) if isinstance(route, APIRoute) else ()
    if not roles:
        return None
    try:
        key = _presented(await bearer_scheme(request))
        opener = key_check_opener(request)

        def check() -> None:
            with opener() as db_session:
                check_key(db_session, key, roles)

        await run_in_threadpool(check)
    except (Unauthorized, Forbidden) as refused:
        return refused
    return None


def key_first(handler: ExceptionHandler) -> ExceptionHandler:
    """``handler`` of a 422 (a bad parameter or body) answering the key check's 401 or 403 instead on a route
    that needs a key: a caller without access learns nothing about the parameters. FastAPI validates the
    body's JSON before any dependency, and the parameters before a key :class:`Keyed` checks in the route;
    a router's dependency (``api.http.query``) can refuse a parameter before the key dependency runs."""

    async def answer(request: Request, error: Exception) -> Response:
        refused = await key_refusal(request)
        if refused is None:
            return await _awaited(handler(request, error))
        return await _awaited(request.app.exception_handlers[type(refused)](request, refused))

    return answer


async def _awaited(response: Response | Awaitable[Response]) -> Response:
    return await response if inspect.isawaitable(response) else response


def install(app: FastAPI) -> None:
    """Answer the key check before a 422 on every route that needs a key (:func:`key_first`), after
    ``api.http.errors.install`` has registered the 422 handlers."""
    for kind in (RequestValidationError, UnknownQueryParameters):
        app.add_exception_handler(kind, key_first(app.exception_handlers[kind]))
