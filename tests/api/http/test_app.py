"""The app itself: health, readiness, the lifespan's runtime, OpenAPI, and a 500 that tells nothing."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.http import deps
from api.http.app import create_app, served_app
from api.runtime import Runtime
from api.settings import Settings
from data.db import make_engine, migrate
from recommender.graph import CompetenceGraph
from tests.api.conftest import bearer
from tests.api.http.test_reference import assert_problem
from tests.recommender.conftest import tiny_data


def _runtime(tmp_path: Path, snapshot: Path | None = None) -> Runtime:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    settings = Settings(database_url=url, artefact_dir=tmp_path / "artefacts", cache_dir=tmp_path / "cache")
    return Runtime(settings, snapshot=snapshot)


def test_health_and_readiness_say_what_is_missing(tmp_path: Path) -> None:
    with TestClient(create_app(_runtime(tmp_path))) as client:  # the lifespan runs
        assert client.get("/health").json() == {"status": "ok"}
        ready = client.get("/ready")
        assert ready.status_code == 503
        checks = ready.json()["checks"]
        assert checks["database"]["ok"] is True
        assert checks["graph"]["ok"] is False and "upskill import esco" in checks["graph"]["detail"]
        assert checks["model"]["ok"] is False
        problem = assert_problem(
            client.post("/v1/gap", json={"target": "x", "current_occupations": ["y"]}), 503
        )
        assert "upskill import esco" in str(problem["detail"])


def test_the_lifespan_loads_the_runtime_once(tmp_path: Path) -> None:
    snapshot = CompetenceGraph.from_data(tiny_data()).save(tmp_path / "snapshot")
    runtime = _runtime(tmp_path, snapshot)
    with TestClient(create_app(runtime)) as client:
        assert runtime.loaded("graph") and runtime.loaded("plan_options")
        checks = client.get("/ready").json()["checks"]
        assert checks["graph"]["ok"] and checks["database"]["ok"]
        gap = client.post("/v1/gap", json={"target": "battery technician", "current_occupations": ["welder"]})
        assert gap.status_code == 200 and gap.json()["target_uri"] == "occ:battery"


def test_the_served_process_keeps_what_it_loaded_out_of_full_collections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app uvicorn serves (``served_app``) freezes what its lifespan loaded, so that no full collection
    of the cyclic garbage collector walks the graph and catalogue again in a request; any other app (tests,
    schemathesis running the lifespan of one made with no runtime) leaves the collector alone."""
    runtime = _runtime(tmp_path, CompetenceGraph.from_data(tiny_data()).save(tmp_path / "snapshot"))
    monkeypatch.setattr("api.http.app.Runtime", lambda: runtime)
    before = gc.get_freeze_count()
    with TestClient(create_app()):
        assert runtime.loaded("graph") and gc.get_freeze_count() == before
    runtime = _runtime(tmp_path, CompetenceGraph.from_data(tiny_data()).save(tmp_path / "snapshot2"))
    try:
        with TestClient(served_app()) as client:
            assert client.get("/health").json() == {"status": "ok"}
            assert runtime.loaded("graph") and gc.get_freeze_count() > before
    finally:
        gc.unfreeze()


def test_openapi_documents_the_versioned_endpoints(tmp_path: Path) -> None:
    client = TestClient(create_app())
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/v1/occupations", "/v1/occupations/{occupation_id}", "/v1/gap", "/v1/plans", "/health"):
        assert path in paths, sorted(paths)
    assert client.get("/docs").status_code == 200


def test_an_unexpected_error_is_a_500_problem_without_internals(tmp_path: Path) -> None:
    app = create_app()

    def broken() -> CompetenceGraph:
        raise RuntimeError("secret internal detail")

    app.dependency_overrides[deps.get_graph] = broken
    client = TestClient(app, raise_server_exceptions=False)
    response = client.post("/v1/gap", json={"target": "x", "current_occupations": ["y"]})
    problem = assert_problem(response, 500)
    assert "secret" not in response.text and problem["type"] == "urn:upskill:problem:internal"


def test_the_key_check_before_a_422_reads_the_apps_database_whatever_the_overrides(
    served: tuple[TestClient, Engine, str],
) -> None:
    """The check that answers a keyless caller's bad request with 401 reads keys where the served app does,
    through the same check as the route, never through ``dependency_overrides`` (a test's wiring)."""
    client, _, key = served

    def nowhere() -> Any:
        raise AssertionError("the key check opened the overridden session opener")

    client.app.dependency_overrides[deps.get_session_opener] = lambda: nowhere  # type: ignore[attr-defined]
    unknown = client.get("/v1/workers/11/recommendations?limit=0", headers=bearer("upsk_not-a-key"))
    assert unknown.status_code == 401, unknown.text
    assert unknown.json()["type"] == "urn:upskill:problem:unauthorized"
    admin_only = client.get(
        "/v1/admin/audit?limit=0", headers=bearer(key)
    )  # the hr key, read in its database
    assert admin_only.status_code == 403, admin_only.text
