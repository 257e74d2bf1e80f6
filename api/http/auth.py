"""Who is calling: the API key of ``Authorization: Bearer <key>`` as a :class:`Principal`, and the roles an
endpoint allows.

``require_roles("hr", "admin")`` is a dependency: a missing, unknown or revoked key answers 401, a key of
another role 403. Whether the principal may see a given worker, organisation or region is decided by the
route or service, which answers 404 for what is not theirs (never the data, never a hint that it exists):
:func:`may_see_worker` and :func:`may_see_organisation` are that rule for workers and organisations.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.http.deps import SessionDep
from api.http.errors import Forbidden, Unauthorized
from api.services import audit, keys
from api.services.keys import Principal, may_see_organisation, may_see_worker

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["AuditDep", "Principal", "require_roles", "may_see_worker", "may_see_organisation"]

_bearer = HTTPBearer(auto_error=False, description="An API key: `upskill keys create --role ROLE ...`")


def get_principal(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller of a valid key; 401 without one."""
    if credentials is None or not credentials.credentials:
        raise Unauthorized("this endpoint needs an API key (Authorization: Bearer <key>)")
    if credentials.scheme.lower() != "bearer":
        raise Unauthorized(f"the Authorization scheme must be Bearer, not {credentials.scheme!r}")
    principal = keys.authenticate(session, plaintext=credentials.credentials[:200])
    if principal is None:
        raise Unauthorized("the API key is unknown or revoked")
    return principal


def require_roles(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency that lets through a valid key of one of ``roles`` (401 without a key, 403 otherwise)."""
    unknown = set(roles) - set(keys.ROLES)
    if unknown or not roles:
        raise ValueError(f"require_roles takes roles among {keys.ROLES}, not {sorted(unknown)}")

    async def dependency(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if principal.role not in roles:
            raise Forbidden(
                f"a {principal.role} key may not use this endpoint; it needs {' or '.join(roles)}"
            )
        return principal

    return dependency


class AuditTrail:
    """Records this request's uses of workers' data in the audit log: the caller's key, the route's template.

    The entries join the request's transaction (:mod:`api.services.audit`): committed with what the route
    did, rolled back with it when it fails.
    """

    def __init__(self, *, db_session: Session, principal: Principal, route: str):
        self.db_session = db_session
        self.principal = principal
        self.route = route

    def __call__(self, action: str, worker_ids: Iterable[int | None]) -> None:
        audit.record(
            db_session=self.db_session,
            principal=self.principal,
            action=action,
            route=self.route,
            worker_ids=worker_ids,
        )

    def cohort_people(self, action: str, *, cohort_id: int, person_ids: Iterable[str] | None = None) -> None:
        """Record the workers among a cohort's people (``person_ids``; None: all of them)."""
        audit.record_cohort_people(
            db_session=self.db_session,
            principal=self.principal,
            action=action,
            route=self.route,
            cohort_id=cohort_id,
            person_ids=person_ids,
        )


def get_audit_trail(
    request: Request, session: SessionDep, principal: Annotated[Principal, Depends(get_principal)]
) -> AuditTrail:
    """The audit trail of this request (the key of ``get_principal``, resolved once per request)."""
    return AuditTrail(
        db_session=session, principal=principal, route=f"{request.method} {route_template(request)}"
    )


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
