"""Who is calling: the API key of ``Authorization: Bearer <key>`` as a :class:`Principal`, and the roles an
endpoint allows.

``require_roles("hr", "admin")`` is a dependency: a missing, unknown or revoked key answers 401, a key of
another role 403. Whether the principal may see a given worker, organisation or region is decided by the
route or service, which answers 404 for what is not theirs (never the data, never a hint that it exists):
:func:`may_see_worker` and :func:`may_see_organisation` are that rule for workers and organisations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.http.deps import SessionDep
from api.http.errors import Forbidden, Unauthorized
from api.services import keys
from api.services.keys import Principal, may_see_organisation, may_see_worker

__all__ = ["Principal", "require_roles", "may_see_worker", "may_see_organisation"]

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


def require_roles(*roles: str) -> Callable[..., Principal]:
    """A dependency that lets through a valid key of one of ``roles`` (401 without a key, 403 otherwise)."""
    unknown = set(roles) - set(keys.ROLES)
    if unknown or not roles:
        raise ValueError(f"require_roles takes roles among {keys.ROLES}, not {sorted(unknown)}")

    def dependency(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if principal.role not in roles:
            raise Forbidden(
                f"a {principal.role} key may not use this endpoint; it needs {' or '.join(roles)}"
            )
        return principal

    return dependency
