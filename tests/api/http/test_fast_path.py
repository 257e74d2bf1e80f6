"""The fast path of ``GET /v1/workers/{id}/recommendations`` (``api.http.fast``) on the real app (no
``dependency_overrides``): the route's answer with its audit entry committed, and every request it does not
take, or whose work raises, answered by the route as before (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from api.http import fast
from api.http.routers import workers as workers_router
from api.services import keys
from data.db import transaction
from data.models import AuditEntry, Worker, WorkerSkill
from tests.api.conftest import bearer

URL = "/v1/workers/11/recommendations"
ROUTE = "GET /v1/workers/{worker_id}/recommendations"


@pytest.fixture
def app_of(served: tuple[TestClient, Engine, str]) -> tuple[TestClient, Engine, str]:
    """The served app, its worker 11 in the tiny graph's terms (no occupation, no skills, a target)."""
    client, engine, key = served
    with transaction(engine) as session:
        session.query(WorkerSkill).filter_by(worker_id=11).delete()
        worker = session.get(Worker, 11)
        assert worker is not None
        worker.current_occupation_uri, worker.target_occupation_uri = None, "occ:battery"
    return client, engine, key


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Who answered each request of the path: "fast" (the fast path) or "route" (passed on)."""
    answered: list[str] = []
    answer = fast.RecommendationsFastPath._answer

    async def recording(self: fast.RecommendationsFastPath, scope: Any, worker_id: int) -> bytes | None:
        found = await answer(self, scope, worker_id)
        answered.append("route" if found is None else "fast")
        return found

    monkeypatch.setattr(fast.RecommendationsFastPath, "_answer", recording)
    return answered


def _audited(engine: Engine) -> int:
    with transaction(engine) as session:
        return session.scalar(select(func.count()).where(AuditEntry.route == ROUTE)) or 0


def test_a_plain_request_gets_the_routes_answer_and_audit_entry(
    app_of: tuple[TestClient, Engine, str], taken: list[str]
) -> None:
    client, engine, key = app_of
    fast_answer = client.get(URL, headers=bearer(key))
    again = client.get(URL + "?limit=10&target=occ:battery", headers=bearer(key))
    by_route = client.get(URL + "?limit=010", headers=bearer(key))  # the same question, not plain
    assert taken == ["fast", "fast", "route"]
    for response in (fast_answer, again, by_route):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
    assert fast_answer.content == again.content == by_route.content
    assert fast_answer.json()["worker_id"] == 11 and fast_answer.json()["target_uri"] == "occ:battery"
    assert _audited(engine) == 3  # each committed before its answer: seen from another transaction


@pytest.mark.parametrize(
    ("query", "headers", "status"),
    [
        ("?limt=1", None, 422),  # a query parameter the route does not take
        ("?limit=0", None, 422),
        ("?limit=101", None, 422),
        ("?limit=1&limit=2", None, 200),  # the route's reading of a repeated parameter
        ("?target=", None, 422),
        ("?target=astronaut", None, 404),  # the work raises: the route answers
        ("", {"Authorization": "Basic abc"}, 401),
        ("", {}, 401),
        ("", {"Authorization": "Bearer upsk_unknown"}, 401),
        # no access: the key's 401 before any word on the parameters
        ("?limt=1", {}, 401),
        ("?limit=0", {"Authorization": "Bearer upsk_unknown"}, 401),
        ("?target=", {"Authorization": "Basic abc"}, 401),
    ],
)
def test_what_the_fast_path_does_not_answer_the_route_does(
    app_of: tuple[TestClient, Engine, str],
    taken: list[str],
    query: str,
    headers: dict[str, str] | None,
    status: int,
) -> None:
    client, engine, key = app_of
    response = client.get(URL + query, headers=bearer(key) if headers is None else headers)
    assert response.status_code == status, response.text
    assert taken == ["route"]
    if status != 200:
        assert response.headers["content-type"] == "application/problem+json"
        assert _audited(engine) == 0  # a refused read records nothing


def test_a_worker_the_key_may_not_see_is_404_and_a_revoked_key_401(
    app_of: tuple[TestClient, Engine, str], taken: list[str]
) -> None:
    client, engine, key = app_of
    with transaction(engine) as session:
        _, colleague = keys.create_key(session, role="worker", worker_id=12)
    assert client.get(URL, headers=bearer(colleague)).status_code == 404
    assert client.get("/v1/workers/999/recommendations", headers=bearer(key)).status_code == 404
    assert client.get(URL, headers=bearer(key)).status_code == 200
    with transaction(engine) as session:  # revoked by another process: refused at the next request
        principal = keys.authenticate(session, plaintext=key)
        assert principal is not None
        keys.revoke_key(session, key_id=principal.key_id)
    assert client.get(URL, headers=bearer(key)).status_code == 401
    assert client.get(URL + "?limit=0", headers=bearer(key)).status_code == 401  # not 422
    assert client.get(URL + "?limt=1", headers=bearer(key)).status_code == 401
    changed = client.patch(URL.removesuffix("/recommendations"), content=b"{not json", headers=bearer(key))
    assert changed.status_code == 401, changed.text
    assert taken == ["route", "route", "fast", "route", "route", "route"]
    assert _audited(engine) == 1


def test_a_kept_answer_is_read_and_audited_on_the_driver(
    app_of: tuple[TestClient, Engine, str], taken: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second request of a question is answered from the kept answer without the route's session
    (``workers.kept_recommendations_json``), with its own audit entry committed before it is sent."""
    client, engine, key = app_of
    first = client.get(URL, headers=bearer(key))
    assert first.status_code == 200, first.text

    def no_session(**_: Any) -> bytes:
        raise AssertionError("the kept answer was not answered on the driver")

    monkeypatch.setattr(workers_router, "recommendations_json", no_session)
    again = client.get(URL, headers=bearer(key))
    assert again.status_code == 200, again.text
    assert again.content == first.content and taken == ["fast", "fast"]
    assert _audited(engine) == 2
