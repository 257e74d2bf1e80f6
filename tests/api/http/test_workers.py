"""Organisations and workers over HTTP: create, read, change, list, delete; bad input is a located 4xx."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from data.models import Organisation, Worker
from tests.api.conftest import World, bearer

PROFILE = {
    "external_id": "E-100",
    "current_occupation": "welder",  # an exact label, stored as its URI
    "skills": [{"uri": "weld metal parts", "level": 3}, {"uri": "skill:ev", "level": 1}],
    "target": "occ:battery",
    "region": "de11",
    "languages": ["EN", "de"],
    "budget": 800,
    "currency": "eur",
    "hours_per_week": 6,
    "delivery_modes": ["online"],
}


def test_admin_creates_an_organisation_and_hr_reads_only_its_own(client: TestClient, world: World) -> None:
    admin, hr = bearer(world.keys["admin"]), bearer(world.keys["hr"])
    created = client.post("/v1/organisations", json={"name": "  New Motors "}, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "New Motors" and created.json()["workers"] == 0
    again = client.post("/v1/organisations", json={"name": "New Motors"}, headers=admin)
    assert again.status_code == 409 and again.json()["field"] == "name"
    listed = client.get("/v1/organisations", headers=admin).json()
    assert listed["total"] == 3
    own = client.get("/v1/organisations", headers=hr).json()
    assert own["total"] == 1 and own["items"][0]["id"] == world.own_organisation
    assert own["items"][0]["workers"] == 2
    assert client.post("/v1/organisations", json={"name": "x"}, headers=hr).status_code == 403


def test_hr_creates_reads_changes_and_lists_a_worker(client: TestClient, world: World) -> None:
    hr = bearer(world.keys["hr"])
    created = client.post("/v1/workers", json=PROFILE, headers=hr)
    assert created.status_code == 201, created.text
    worker = created.json()
    assert worker["organisation_id"] == world.own_organisation
    assert worker["current_occupation"] == "occ:welder" and worker["target_label"] == "battery technician"
    assert worker["skills"] == [
        {"uri": "skill:ev", "label": "electric vehicles", "level": 1},
        {"uri": "skill:weld", "label": "weld metal parts", "level": 3},
    ]
    assert (worker["region"], worker["languages"], worker["currency"]) == ("DE11", ["en", "de"], "EUR")
    assert client.get(f"/v1/workers/{worker['id']}", headers=hr).json() == worker

    changed = client.patch(
        f"/v1/workers/{worker['id']}",
        json={"skills": [{"uri": "skill:battery", "level": 2}], "budget": None, "hours_per_week": 4},
        headers=hr,
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert [s["uri"] for s in body["skills"]] == ["skill:battery"]  # replaced, not added
    assert body["budget"] is None and body["hours_per_week"] == 4 and body["target"] == "occ:battery"

    page = client.get("/v1/workers?limit=2&offset=1", headers=hr).json()
    assert page["total"] == 3 and len(page["items"]) == 2
    assert {w["organisation_id"] for w in page["items"]} == {world.own_organisation}


def test_a_worker_reads_and_changes_their_own_profile(client: TestClient, world: World) -> None:
    me = bearer(world.keys["worker"])
    mine = client.get(f"/v1/workers/{world.own}", headers=me)
    assert mine.status_code == 200 and mine.json()["external_id"] == "marker-worker-own"
    changed = client.patch(f"/v1/workers/{world.own}", json={"target": "vehicle painter"}, headers=me)
    assert changed.status_code == 200 and changed.json()["target"] == "occ:painter"
    assert client.get("/v1/workers", headers=me).status_code == 403
    assert client.delete(f"/v1/workers/{world.own}", headers=me).status_code == 403


def test_admin_names_the_organisation_and_hr_cannot_name_another(client: TestClient, world: World) -> None:
    body = {**PROFILE, "organisation_id": world.other_organisation}
    created = client.post("/v1/workers", json=body, headers=bearer(world.keys["admin"]))
    assert created.status_code == 201 and created.json()["organisation_id"] == world.other_organisation
    no_org = client.post("/v1/workers", json=PROFILE, headers=bearer(world.keys["admin"]))
    assert no_org.status_code == 422 and no_org.json()["field"] == "organisation_id"


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"skills": [{"uri": "skill:nope", "level": 2}]}, 404, None),
        ({"skills": [{"uri": "skill:weld", "level": 7}]}, 422, "skills[0].level"),
        ({"target": "astronaut"}, 404, None),
        ({"region": "Stuttgart"}, 422, "region"),
        ({"region": "XX99"}, 422, "region"),  # a NUTS code's shape, but no region upskill knows
        ({"languages": ["xx"]}, 422, "languages"),
        ({"currency": "EURO"}, 422, "currency"),
        ({"budget": -1}, 422, "budget"),
        ({"hours_per_week": 0}, 422, "hours_per_week"),
        ({"delivery_modes": ["by post"]}, 422, "delivery_modes[0]"),
        ({"salary": 1}, 422, "salary"),
        ({"external_id": None}, 422, "external_id"),
        ({"skills": None}, 422, "skills"),
        ({"external_id": "marker-worker-colleague"}, 409, "external_id"),
        ({"budget": "lots"}, 422, "budget"),
    ],
)
def test_bad_changes_are_located_4xx_and_change_nothing(
    client: TestClient, world: World, change: dict[str, Any], status: int, field: str | None
) -> None:
    hr = bearer(world.keys["hr"])
    before = client.get(f"/v1/workers/{world.own}", headers=hr).json()
    response = client.patch(f"/v1/workers/{world.own}", json=change, headers=hr)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    if field is not None:
        assert response.json()["field"] == field
    assert client.get(f"/v1/workers/{world.own}", headers=hr).json() == before


def test_a_region_upskill_does_not_know_is_refused_saying_which_it_knows(
    client: TestClient, world: World
) -> None:
    """As a region key's (data.nuts): XX99 has a NUTS code's shape but names no region."""
    hr = bearer(world.keys["hr"])
    unknown = {**PROFILE, "external_id": "w-xx", "region": "xx99"}
    created = client.post("/v1/workers", json=unknown, headers=hr)
    assert created.status_code == 422, created.text
    problem = created.json()
    assert problem["field"] == "region" and "'xx99' is not a NUTS region upskill knows" in problem["detail"]
    assert "DE11 (Stuttgart)" in problem["detail"] and "data/default/nuts_regions.csv" in problem["detail"]
    changed = client.patch(f"/v1/workers/{world.own}", json={"region": "sk02"}, headers=hr)
    assert changed.status_code == 200 and changed.json()["region"] == "SK02"


@pytest.mark.parametrize("path", ["/v1/workers/0", "/v1/workers/abc", "/v1/workers/99999999999"])
def test_bad_worker_ids_are_4xx(client: TestClient, world: World, path: str) -> None:
    response = client.get(path, headers=bearer(world.keys["admin"]))
    assert response.status_code == 422


def test_deleting_an_organisation_removes_its_workers_and_keys(
    client: TestClient, world: World, tiny_session: Session
) -> None:
    response = client.delete(
        f"/v1/organisations/{world.own_organisation}", headers=bearer(world.keys["admin"])
    )
    assert response.status_code == 200, response.text
    assert response.json()["removed"] == {
        "api_keys": 2,  # the hr key and the worker key
        "cohort_people": 2,  # the world's cohort of this organisation, its people and plan
        "cohort_plans": 1,
        "cohorts": 1,
        "organisations": 1,
        "worker_skills": 2,
        "workers": 2,
    }
    assert tiny_session.get(Organisation, world.own_organisation) is None
    assert tiny_session.get(Worker, world.other) is not None
