"""Admin model jobs over HTTP: a retrain runs in the background, its artefact is then served; keys checked."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.runtime import Runtime
from api.services import model as model_service
from recommender.errors import UpskillError
from tests.api.conftest import MakeKey, bearer
from tests.api.http.test_model import PLAN, served
from tests.api.http.test_reference import assert_problem
from tests.api.models import save_model

__all__ = ["served"]


def _wait(client: TestClient, job: str, headers: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = client.get(f"/v1/admin/jobs/{job}", headers=headers).json()
        if state["status"] != "running":
            return state  # type: ignore[no-any-return]
        time.sleep(0.2)
    raise AssertionError(f"job {job} still running")


def test_a_retrain_runs_in_the_background_and_its_artefact_is_served(
    served: tuple[TestClient, Runtime], api_key: MakeKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, runtime = served
    started = threading.Event()

    def train(**kwargs: Any) -> dict[str, Any]:
        started.wait(10)  # the answer is sent before training ends
        return {"artefact": str(save_model(kwargs["settings"].artefact_dir, "battery-adv"))}

    monkeypatch.setattr(model_service, "train", train)
    admin = bearer(api_key("admin"))
    response = client.post("/v1/admin/model/retrain", headers=admin)
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["status"] == "running" and job["kind"] == "retrain" and job["result"] is None
    again = client.post("/v1/admin/model/retrain", headers=admin).json()
    assert again["id"] == job["id"], "one retrain at a time: the running one is answered"
    started.set()
    done = _wait(client, job["id"], admin)
    assert done["status"] == "succeeded" and done["error"] is None and done["finished_at"]
    artefact = Path(done["result"]["artefact"])
    assert client.get("/v1/model").json()["artefact"] == artefact.stem
    assert artefact.name in client.post("/v1/plans", json=PLAN).json()["ranking"]


def test_a_failed_retrain_says_why(
    served: tuple[TestClient, Runtime], api_key: MakeKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _ = served

    def train(**kwargs: Any) -> dict[str, Any]:
        raise UpskillError("the database holds no interactions to train on")

    monkeypatch.setattr(model_service, "train", train)
    admin = bearer(api_key("admin"))
    job = client.post("/v1/admin/model/retrain", headers=admin).json()
    done = _wait(client, job["id"], admin)
    assert done["status"] == "failed" and done["error"] == "the database holds no interactions to train on"
    assert client.get("/v1/model").json()["artefact"] is None


def test_admin_routes_need_an_admin_key(served: tuple[TestClient, Runtime], api_key: MakeKey) -> None:
    client, _ = served
    for method, path in (("post", "/v1/admin/model/retrain"), ("get", f"/v1/admin/jobs/{'0' * 32}")):
        assert_problem(client.request(method, path), 401)
        assert_problem(client.request(method, path, headers=bearer(api_key("region", region="DE11"))), 403)
    admin = bearer(api_key("admin"))
    problem = assert_problem(client.get(f"/v1/admin/jobs/{'0' * 32}", headers=admin), 404)
    assert problem["id"] == "0" * 32 and "POST /v1/admin/model/retrain" in problem["fix"]
    assert_problem(client.get("/v1/admin/jobs/..%2F..%2Fetc", headers=admin), 404)
