"""Fixtures for every API test: keys (``api_key``) and a small world of organisations, workers and keys.

``api_key(role, organisation_id=None, region=None, worker_id=None)`` creates a key in the test's rolled-back
``db_session`` and returns it, ready for ``{"Authorization": f"Bearer {key}"}`` (:func:`bearer`).
``world`` holds two organisations with workers and a key per role, for the access matrix and for tests of
endpoints that take an id. ``client`` (the app on the tiny graph, see ``tests/api/http/conftest.py``) shares
the same session, so what the fixtures write is what the requests see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from api.services import keys
from data.models import Organisation, Worker, WorkerSkill
from tests.api.http import conftest as http_fixtures

client = http_fixtures.client  # the app on the tiny graph, shared here for tests/api/*.py
tiny_session = http_fixtures.tiny_session
tiny_graph = http_fixtures.tiny_graph

MakeKey = Callable[..., str]


def bearer(key: str) -> dict[str, str]:
    """The headers that send ``key``."""
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def api_key(db_session: Session) -> MakeKey:
    """``api_key(role, organisation_id=None, region=None, worker_id=None) -> key`` (in the test's session)."""

    def make(
        role: str,
        organisation_id: int | None = None,
        region: str | None = None,
        worker_id: int | None = None,
    ) -> str:
        _, plaintext = keys.create_key(
            db_session, role=role, organisation_id=organisation_id, region=region, worker_id=worker_id
        )
        return plaintext

    return make


@dataclass(frozen=True)
class World:
    """Organisations A (own) and B (other); workers ``own`` and ``colleague`` of A, ``other`` of B; keys.

    Keys: ``admin``; ``hr`` of A; ``worker`` of ``own``; ``region`` of ``own_region`` (where ``own`` works);
    ``revoked`` (an admin key, revoked). Each worker's ``external_id`` is a unique marker string: a response
    that contains it leaks that worker.
    """

    own_organisation: int
    other_organisation: int
    own: int
    colleague: int
    other: int
    own_region: str
    other_region: str
    markers: dict[int, str]  # worker id -> external_id
    organisation_names: dict[int, str]
    keys: dict[str, str]  # role (and "revoked") -> key


def _worker(session: Session, organisation: int, marker: str, region: str) -> int:
    worker = Worker(
        organisation_id=organisation,
        external_id=marker,
        region=region,
        current_occupation_uri="occ:welder",
        target_occupation_uri="occ:battery",
        languages=["en"],
        budget=500.0,
        hours_per_week=5.0,
    )
    session.add(worker)
    session.flush()
    session.add(WorkerSkill(worker_id=worker.id, skill_uri="skill:weld", proficiency=3))
    session.flush()
    return worker.id


@pytest.fixture
def world(tiny_session: Session, api_key: MakeKey) -> World:
    """Two organisations, three workers and a key of each role (see :class:`World`)."""
    session = tiny_session
    names = {"a": "Own Motors (marker-org-a)", "b": "Other Motors (marker-org-b)"}
    organisations = {}
    for tag, name in names.items():
        organisation = Organisation(name=name)
        session.add(organisation)
        session.flush()
        organisations[tag] = organisation.id
    own = _worker(session, organisations["a"], "marker-worker-own", "DE11")
    colleague = _worker(session, organisations["a"], "marker-worker-colleague", "DE11")
    other = _worker(session, organisations["b"], "marker-worker-other", "ITC4")
    revoked_key, revoked = keys.create_key(session, role="admin")
    keys.revoke_key(session, key_id=revoked_key.id)
    return World(
        own_organisation=organisations["a"],
        other_organisation=organisations["b"],
        own=own,
        colleague=colleague,
        other=other,
        own_region="DE11",
        other_region="ITC4",
        markers={
            own: "marker-worker-own",
            colleague: "marker-worker-colleague",
            other: "marker-worker-other",
        },
        organisation_names={organisations[t]: n for t, n in names.items()},
        keys={
            "admin": api_key("admin"),
            "hr": api_key("hr", organisation_id=organisations["a"]),
            "worker": api_key("worker", worker_id=own),
            "region": api_key("region", region="DE11"),
            "revoked": revoked,
        },
    )
