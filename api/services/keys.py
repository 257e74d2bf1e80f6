"""API keys: create (the key is shown once, its SHA-256 stored), revoke, list, and authenticate a request.

A key is ``upsk_`` and 43 random URL-safe characters (``secrets.token_urlsafe(32)``: 256 bits), so a plain
SHA-256 is enough to store it (no salt or slow hash needed for a secret nobody can guess); the first
:data:`PREFIX_LENGTH` characters are kept apart to tell keys apart in lists.

A key has one role and the scope that goes with it: ``admin`` (none), ``hr`` (an organisation), ``region``
(a NUTS code) or ``worker`` (one worker). The database checks the pairing too (``ck_api_keys_scope``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from recommender.errors import InvalidPlanInput, NotFoundError, UpskillError

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

    from data.db import DriverConnection, DriverQuery
    from data.models import ApiKey

ROLES = ("worker", "hr", "region", "admin")
KEY_PREFIX = "upsk_"
PREFIX_LENGTH = 12


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id, its role and its scope (at most one of organisation, region, worker)."""

    key_id: int
    role: str
    organisation_id: int | None
    region: str | None
    worker_id: int | None


class InvalidKeyScope(UpskillError):
    """A key's role and scope do not go together (an hr key without an organisation, ...)."""


class UnknownKey(NotFoundError):
    kind = "key"
    fix = "use the id of a key (`upskill keys list`)"


class UnknownOrganisation(NotFoundError):
    kind = "organisation"
    fix = "use the id of an organisation your key may see (GET /v1/organisations lists them)"


class UnknownWorker(NotFoundError):
    kind = "worker"
    fix = "use the id of a worker your key may see (GET /v1/workers lists them)"


def may_see_organisation(principal: Principal, organisation_id: int) -> bool:
    """Admin sees every organisation; hr its own; no one else any."""
    return principal.role == "admin" or (
        principal.role == "hr" and principal.organisation_id == organisation_id
    )


def may_see_worker(principal: Principal, *, worker_id: int, organisation_id: int) -> bool:
    """Admin sees every worker; hr the workers of its organisation; a worker themself; a region no one."""
    if principal.role == "worker":
        return principal.worker_id == worker_id
    return may_see_organisation(principal, organisation_id)


def hash_key(plaintext: str) -> str:
    """The stored form of a key: its SHA-256, in hex."""
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def region_of_key(value: str) -> str:
    """``value`` as the NUTS code of a region upskill knows (:mod:`data.nuts`), or :class:`InvalidKeyScope`:
    a key for a code that names no region would open nothing."""
    from data.nuts import known_region

    try:
        return known_region(value)
    except InvalidPlanInput as error:
        raise InvalidKeyScope(f"region {error.message}") from None


def create_key(
    db_session: Session,
    *,
    role: str,
    organisation_id: int | None = None,
    region: str | None = None,
    worker_id: int | None = None,
) -> tuple[ApiKey, str]:
    """Create a key of ``role`` with its scope; return the row and the key (shown this once, never stored)."""
    from data.models import ApiKey, Organisation, Worker

    if role not in ROLES:
        raise InvalidKeyScope(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    needed = {"worker": "worker", "hr": "organisation", "region": "region", "admin": None}[role]
    given = {
        name
        for name, value in (("organisation", organisation_id), ("region", region), ("worker", worker_id))
        if value is not None
    }
    if given != ({needed} if needed else set()):
        scope = f"exactly one {needed} (and no other scope)" if needed else "no scope"
        raise InvalidKeyScope(f"{role} keys take {scope}; given: {', '.join(sorted(given)) or 'none'}")
    if organisation_id is not None and db_session.get(Organisation, organisation_id) is None:
        raise UnknownOrganisation(str(organisation_id))
    if worker_id is not None and db_session.get(Worker, worker_id) is None:
        raise UnknownWorker(str(worker_id))
    plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        prefix=plaintext[:PREFIX_LENGTH],
        key_hash=hash_key(plaintext),
        role=role,
        organisation_id=organisation_id,
        region=region_of_key(region) if region is not None else None,
        worker_id=worker_id,
    )
    db_session.add(key)
    db_session.flush()
    return key, plaintext


def revoke_key(db_session: Session, *, key_id: int) -> ApiKey:
    """Revoke a key (it stays listed, with when); revoking a revoked key keeps the first time."""
    from data.models import ApiKey

    key = db_session.get(ApiKey, key_id)
    if key is None:
        raise UnknownKey(str(key_id))
    if key.revoked_at is None:
        key.revoked_at = dt.datetime.now(dt.UTC)
        db_session.flush()
    return key


def authenticate(db_session: Session, *, plaintext: str) -> Principal | None:
    """The principal of a valid key; None for a key that is unknown or revoked.

    Read from the database on every call (one indexed row, through the driver: every keyed request does
    it), so that a revoked key stops working at once, in every process."""
    db_session.flush()  # what the session holds and has not written yet is read too, as by a query
    return key_principal(db_session.connection(), plaintext=plaintext)


def key_principal(connection: Connection | DriverConnection, *, plaintext: str) -> Principal | None:
    """:func:`authenticate` on a connection in a transaction (a Core or a driver one)."""
    rows = _key_by_hash().rows(connection, key_hash=hash_key(plaintext))
    if not rows:
        return None
    key_id, role, organisation_id, region, worker_id, revoked_at = rows[0]
    if revoked_at is not None:
        return None
    return Principal(
        key_id=key_id, role=role, organisation_id=organisation_id, region=region, worker_id=worker_id
    )


@cache
def _key_by_hash() -> DriverQuery:
    from sqlalchemy import bindparam, select

    from data.db import DriverQuery
    from data.models import ApiKey

    return DriverQuery(
        select(
            ApiKey.id, ApiKey.role, ApiKey.organisation_id, ApiKey.region, ApiKey.worker_id, ApiKey.revoked_at
        ).where(ApiKey.key_hash == bindparam("key_hash"))
    )


def describe(key: ApiKey) -> dict[str, Any]:
    """A key as lists show it: never the key, only its prefix."""
    return {
        "id": key.id,
        "prefix": key.prefix,
        "role": key.role,
        "organisation_id": key.organisation_id,
        "region": key.region,
        "worker_id": key.worker_id,
        "created_at": key.created_at.isoformat() if key.created_at else None,
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
    }


def list_keys(db_session: Session, *, worker_id: int | None = None) -> list[dict[str, Any]]:
    """Every key (or those scoped to ``worker_id``), oldest first, as :func:`describe` shows them."""
    from sqlalchemy import select

    from data.models import ApiKey

    query = select(ApiKey).order_by(ApiKey.id)
    if worker_id is not None:
        query = query.where(ApiKey.worker_id == worker_id)
    return [describe(key) for key in db_session.scalars(query)]
