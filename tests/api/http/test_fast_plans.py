"""The fast path of ``POST /v1/plans`` (``api.http.fast_plans``) on the real app (no
``dependency_overrides``): the route's very bytes and headers for a plain request, and every request it does
not take, or whose work raises, answered by the route as before."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.http import fast_plans
from api.http.app import MAX_BODY_BYTES, create_app
from api.runtime import Runtime
from api.settings import Settings
from recommender.graph import CompetenceGraph
from tests.api.http.conftest import tiny_served_database, who_answers
from tests.recommender.conftest import tiny_data

URL = "/v1/plans"
BODY = {
    "current_occupations": ["welder"],
    "target": "battery technician",
    "budget": 500,
    "start": "2027-01-04",
    "hours_per_week": 10,
    "languages": ["en", "de"],
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The real app on a SQLite file holding the tiny rows (three courses, a badge), the tiny graph served."""
    folder: Path = tmp_path_factory.mktemp("fast-plans")
    tiny_served_database(folder / "tiny.db", "Plans GmbH")
    settings = Settings(
        database_url=f"sqlite:///{folder / 'tiny.db'}",
        artefact_dir=folder / "artefacts",
        cache_dir=folder / "cache",
    )
    snapshot = CompetenceGraph.from_data(tiny_data()).save(folder / "snapshot")
    with TestClient(
        create_app(Runtime(settings, snapshot=snapshot)), raise_server_exceptions=False
    ) as client:
        yield client


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Who answered each plan request: "fast" (the fast path) or "route" (passed on)."""
    return who_answers(monkeypatch, fast_plans.PlansFastPath)


def _post(client: TestClient, body: Any, content_type: str = "application/json", query: str = "") -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(URL + query, content=data, headers={"content-type": content_type})


def test_a_plain_request_gets_the_routes_bytes_and_headers(served: TestClient, taken: list[str]) -> None:
    fast = _post(served, BODY)
    by_route = _post(served, BODY, content_type="application/json; charset=utf-8")  # not plain: the route
    assert taken == ["fast", "route"]
    for response in (fast, by_route):
        assert response.status_code == 200, response.text
    assert fast.content == by_route.content
    assert fast.headers.items() == by_route.headers.items()
    answer = fast.json()
    assert answer["target_uri"] == "occ:battery" and answer["plans"][0]["steps"]


@pytest.mark.parametrize(
    ("body", "content_type", "query", "status"),
    [
        ({**BODY, "budget": -1}, "application/json", "", 422),  # the schema refuses it
        ({**BODY, "colour": "blue"}, "application/json", "", 422),  # an unknown field
        (b'{"target": ', "application/json", "", 422),  # not JSON
        (b"", "application/json", "", 422),  # no body
        ([BODY], "application/json", "", 422),
        (BODY, "text/plain", "", 422),  # not sent as JSON
        (BODY, "application/json", "?limit=1", 422),  # a query parameter the route does not take
        ({**BODY, "target": "astronaut"}, "application/json", "", 404),  # the work raises: the route answers
        ({**BODY, "exclude": ["no-such-course"]}, "application/json", "", 404),
        ({**BODY, "currency": "XXQ"}, "application/json", "", 422),
    ],
)
def test_what_the_fast_path_does_not_answer_the_route_does(
    served: TestClient, taken: list[str], body: Any, content_type: str, query: str, status: int
) -> None:
    response = _post(served, body, content_type, query)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert taken == ["route"]


def test_an_oversized_body_is_refused_before_the_fast_path(served: TestClient, taken: list[str]) -> None:
    response = _post(served, {**BODY, "exclude": ["x" * 100] * (MAX_BODY_BYTES // 100)})
    assert response.status_code == 413
    assert taken == []
