"""``GET /v1/me``: a key says whose it is (the worker page signs a worker in with it); no key, no answer."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import World


def test_each_key_says_its_role_and_scope(client: TestClient, world: World) -> None:
    worker = client.get("/v1/me", headers={"Authorization": f"Bearer {world.keys['worker']}"})
    assert worker.status_code == 200, worker.text
    assert worker.json() == {
        "role": "worker",
        "organisation_id": None,
        "region": None,
        "worker_id": world.own,
    }
    hr = client.get("/v1/me", headers={"Authorization": f"Bearer {world.keys['hr']}"}).json()
    assert hr["role"] == "hr" and hr["organisation_id"] == world.own_organisation and hr["worker_id"] is None


def test_no_key_or_a_revoked_one_is_refused(client: TestClient, world: World) -> None:
    assert client.get("/v1/me").status_code == 401
    revoked = client.get("/v1/me", headers={"Authorization": f"Bearer {world.keys['revoked']}"})
    assert revoked.status_code == 401 and revoked.headers["content-type"] == "application/problem+json"
