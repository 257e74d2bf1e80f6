"""API keys: shown once, stored as a hash, scoped by role, revoked for good (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.services import keys
from data.models import ApiKey, Organisation, Worker


@pytest.fixture
def organisation(db_session: Session) -> int:
    found = Organisation(name="Keys Motors")
    db_session.add(found)
    db_session.flush()
    return found.id


def test_the_key_is_long_random_and_only_its_hash_is_stored(db_session: Session, organisation: int) -> None:
    key, plaintext = keys.create_key(db_session, role="hr", organisation_id=organisation)
    _, second = keys.create_key(db_session, role="hr", organisation_id=organisation)
    assert plaintext.startswith("upsk_") and len(plaintext) >= 45 and plaintext != second
    stored = db_session.scalars(select(ApiKey)).all()
    assert {k.key_hash for k in stored} == {
        hashlib.sha256(p.encode()).hexdigest() for p in (plaintext, second)
    }
    assert all(plaintext not in repr(vars(k)) for k in stored)
    assert key.prefix == plaintext[: keys.PREFIX_LENGTH]
    assert "key_hash" not in keys.describe(key) and plaintext not in str(keys.list_keys(db_session))


def test_authenticate_gives_the_scope_and_refuses_unknown_and_revoked(
    db_session: Session, organisation: int
) -> None:
    key, plaintext = keys.create_key(db_session, role="hr", organisation_id=organisation)
    principal = keys.authenticate(db_session, plaintext=plaintext)
    assert principal == keys.Principal(
        key_id=key.id, role="hr", organisation_id=organisation, region=None, worker_id=None
    )
    assert keys.authenticate(db_session, plaintext=plaintext + "x") is None
    assert keys.authenticate(db_session, plaintext="") is None
    first = keys.revoke_key(db_session, key_id=key.id).revoked_at
    assert first is not None and keys.authenticate(db_session, plaintext=plaintext) is None
    assert keys.revoke_key(db_session, key_id=key.id).revoked_at == first  # revoking again keeps the time


@pytest.mark.parametrize(
    ("role", "scope", "message"),
    [
        ("hr", {}, "hr keys take exactly one organisation"),
        ("admin", {"region": "DE11"}, "admin keys take no scope; given: region"),
        ("region", {"region": "Stuttgart"}, r"'Stuttgart' is not a NUTS region .*DE11 \(Stuttgart\)"),
        # a code's shape, but no region upskill knows: refused, naming the ones it knows
        (
            "region",
            {"region": "XX99"},
            r"'XX99' is not a NUTS region upskill knows.*CZ08 \(Moravskoslezsko\)",
        ),
        ("worker", {"organisation_id": 1}, "worker keys take exactly one worker"),
        ("boss", {}, "unknown role 'boss'"),
    ],
)
def test_a_role_without_its_scope_is_refused(
    db_session: Session, role: str, scope: dict[str, object], message: str
) -> None:
    with pytest.raises(keys.InvalidKeyScope, match=message):
        keys.create_key(db_session, role=role, **scope)  # type: ignore[arg-type]


def test_unknown_scopes_are_named(db_session: Session) -> None:
    with pytest.raises(keys.UnknownOrganisation, match="unknown organisation '999'"):
        keys.create_key(db_session, role="hr", organisation_id=999)
    with pytest.raises(keys.UnknownWorker, match="unknown worker '999'"):
        keys.create_key(db_session, role="worker", worker_id=999)
    with pytest.raises(keys.UnknownKey):
        keys.revoke_key(db_session, key_id=999)


def test_region_codes_are_upper_case(db_session: Session) -> None:
    key, plaintext = keys.create_key(db_session, role="region", region="de11")
    assert key.region == "DE11"
    principal = keys.authenticate(db_session, plaintext=plaintext)
    assert principal is not None and principal.region == "DE11"


def test_the_database_refuses_a_role_with_the_wrong_scope(db_session: Session) -> None:
    db_session.add(ApiKey(prefix="upsk_x", key_hash="0" * 64, role="hr"))
    with pytest.raises(IntegrityError):
        db_session.flush()


def test_a_workers_key_goes_with_the_worker(db_session: Session, organisation: int) -> None:
    worker = Worker(organisation_id=organisation, external_id="w1", languages=[])
    db_session.add(worker)
    db_session.flush()
    key, _ = keys.create_key(db_session, role="worker", worker_id=worker.id)
    assert [k["id"] for k in keys.list_keys(db_session, worker_id=worker.id)] == [key.id]
