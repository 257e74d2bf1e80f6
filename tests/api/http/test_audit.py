"""The audit log of personal data over HTTP: every use of a worker's data is recorded in its request's
transaction, queried by admin (``GET /v1/admin/audit``), listed in the worker's export, and gone with the
worker (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from api.services import keys
from data.db import transaction
from data.models import AuditEntry, CohortPerson, Worker
from tests.api.conftest import MakeKey, World, bearer
from tests.data import filled


def _entries(session: Session, **where: Any) -> list[tuple[Any, ...]]:
    """(key id, role, action, route, worker id) of the entries matching ``where``, oldest first."""
    query = select(
        AuditEntry.api_key_id, AuditEntry.role, AuditEntry.action, AuditEntry.route, AuditEntry.worker_id
    ).order_by(AuditEntry.id)
    for column, value in where.items():
        query = query.where(getattr(AuditEntry, column) == value)
    return [tuple(row) for row in session.execute(query)]


def _key_id(session: Session, key: str) -> int:
    principal = keys.authenticate(session, plaintext=key)
    assert principal is not None
    return principal.key_id


#: Each route that uses one worker's data: method, path, body, the status it answers, the action recorded.
ROUTES = [
    ("GET", "/v1/workers/{worker_id}", None, 200, "read"),
    ("PATCH", "/v1/workers/{worker_id}", {"budget": 321.0}, 200, "change"),
    ("GET", "/v1/workers/{worker_id}/plan", None, 200, "read"),
    ("GET", "/v1/workers/{worker_id}/recommendations", None, 200, "read"),
    ("POST", "/v1/workers/{worker_id}/events", {"kind": "viewed", "course_id": "ev-intro"}, 201, "change"),
    ("GET", "/v1/workers/{worker_id}/export", None, 200, "export"),
]


@pytest.mark.parametrize("role", ["worker", "hr", "admin"])
@pytest.mark.parametrize(("method", "path", "body", "status", "action"), ROUTES, ids=[r[1] for r in ROUTES])
def test_each_use_of_a_workers_data_is_recorded_with_the_key_role_action_route_and_time(  # noqa: PLR0913
    client: TestClient,
    world: World,
    tiny_session: Session,
    role: str,
    method: str,
    path: str,
    body: Any,
    status: int,
    action: str,
) -> None:
    before = dt.datetime.now(dt.UTC)
    response = client.request(
        method, path.format(worker_id=world.own), json=body, headers=bearer(world.keys[role])
    )
    assert response.status_code == status, response.text
    key_id = _key_id(tiny_session, world.keys[role])
    assert _entries(tiny_session) == [(key_id, role, action, f"{method} {path}", world.own)]
    (when,) = tiny_session.scalars(select(AuditEntry.occurred_at))
    when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)  # SQLite gives back the UTC digits
    assert before - dt.timedelta(seconds=1) <= when <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)


def test_listing_workers_records_a_read_of_each_worker_listed(
    client: TestClient, world: World, tiny_session: Session
) -> None:
    response = client.get("/v1/workers?limit=1", headers=bearer(world.keys["hr"]))
    assert response.status_code == 200, response.text
    (listed,) = [item["id"] for item in response.json()["items"]]
    assert [(a, w) for _, _, a, _, w in _entries(tiny_session)] == [("read", listed)]


def test_creating_a_worker_is_a_change_recorded_for_the_new_worker(
    client: TestClient, world: World, tiny_session: Session
) -> None:
    response = client.post(
        "/v1/workers", json={"external_id": "new-person"}, headers=bearer(world.keys["hr"])
    )
    assert response.status_code == 201, response.text
    assert [(a, w) for _, _, a, _, w in _entries(tiny_session)] == [("change", response.json()["id"])]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("PATCH", "/v1/workers/{own}", {"current_occupation": "no such occupation"}, 404),
        ("PATCH", "/v1/workers/{own}", {"budget": -5}, 422),
        ("POST", "/v1/workers/{own}/events", {"kind": "completed", "course_id": "no-such-course"}, 404),
        ("POST", "/v1/workers/{own}/events", {"kind": "rated", "course_id": "ev-intro"}, 422),
        ("GET", "/v1/workers/{other}", None, 404),  # not the caller's: nothing was read
        ("DELETE", "/v1/workers/{other}", None, 404),
    ],
)
def test_a_request_that_fails_leaves_no_entry(
    client: TestClient,
    world: World,
    tiny_session: Session,
    method: str,
    path: str,
    body: Any,
    status: int,
) -> None:
    url = path.format(own=world.own, other=world.other)
    response = client.request(method, url, json=body, headers=bearer(world.keys["hr"]))
    assert response.status_code == status, response.text
    assert _entries(tiny_session) == []


def test_in_real_transactions_a_read_is_committed_and_a_failed_change_leaves_no_entry(
    served: tuple[TestClient, Engine, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The entry of a change is written before the answer is made; a failure after it rolls both back."""
    from api.services import workers

    client, engine, key = served
    with transaction(engine) as session:
        before = _entries(session)  # the filled rows
        key_id = _key_id(session, key)
    assert client.get("/v1/workers/11", headers=bearer(key)).status_code == 200
    with transaction(engine) as session:  # another connection sees it: committed
        assert _entries(session)[len(before) :] == [(key_id, "hr", "read", "GET /v1/workers/{worker_id}", 11)]

    def broken(**_: Any) -> Any:
        raise RuntimeError("describing the worker failed")

    monkeypatch.setattr(workers, "describe_worker", broken)
    response = client.patch("/v1/workers/11", json={"budget": 99.0}, headers=bearer(key))
    assert response.status_code == 500
    with transaction(engine) as session:
        assert len(_entries(session)) == len(before) + 1  # no entry claims the change
        worker = session.get(Worker, 11)
        assert worker is not None and worker.budget == filled.ROWS["workers"][0]["budget"]


def test_the_export_lists_who_used_the_data_never_a_key(
    client: TestClient, world: World, tiny_session: Session
) -> None:
    client.get(f"/v1/workers/{world.own}", headers=bearer(world.keys["hr"]))
    client.patch(f"/v1/workers/{world.own}", json={"budget": 10.0}, headers=bearer(world.keys["admin"]))
    client.get(f"/v1/workers/{world.colleague}", headers=bearer(world.keys["hr"]))  # not theirs
    response = client.get(f"/v1/workers/{world.own}/export", headers=bearer(world.keys["worker"]))
    assert response.status_code == 200, response.text
    accesses = response.json()["accesses"]
    hr, admin, worker = (_key_id(tiny_session, world.keys[r]) for r in ("hr", "admin", "worker"))
    assert [(a["key_id"], a["role"], a["action"], a["route"]) for a in accesses] == [
        (hr, "hr", "read", "GET /v1/workers/{worker_id}"),
        (admin, "admin", "change", "PATCH /v1/workers/{worker_id}"),
        (worker, "worker", "export", "GET /v1/workers/{worker_id}/export"),
    ]
    assert all(dt.datetime.fromisoformat(a["occurred_at"]).utcoffset() == dt.timedelta(0) for a in accesses)
    assert not any(key in response.text for key in world.keys.values())


def test_deleting_a_worker_removes_their_entries_and_keeps_one_naming_no_one(
    client: TestClient, world: World, tiny_session: Session
) -> None:
    hr = bearer(world.keys["hr"])
    client.get(f"/v1/workers/{world.own}", headers=bearer(world.keys["worker"]))
    client.get(f"/v1/workers/{world.own}/plan", headers=hr)
    client.get(f"/v1/workers/{world.colleague}", headers=hr)
    response = client.delete(f"/v1/workers/{world.own}", headers=hr)
    assert response.status_code == 200, response.text
    assert response.json()["removed"]["audit_log"] == 2
    hr_id = _key_id(tiny_session, world.keys["hr"])
    assert _entries(tiny_session, worker_id=world.own) == []
    assert _entries(tiny_session) == [
        (hr_id, "hr", "read", "GET /v1/workers/{worker_id}", world.colleague),
        (hr_id, "hr", "delete", "DELETE /v1/workers/{worker_id}", None),
    ]


def test_a_new_worker_never_sees_a_deleted_ones_entries_even_with_their_id(
    client: TestClient, world: World, tiny_session: Session
) -> None:
    """On SQLite a deleted worker's id goes to the next worker created; PostgreSQL never reuses one."""
    hr = bearer(world.keys["hr"])
    first = client.post("/v1/workers", json={"external_id": "first"}, headers=hr).json()["id"]
    client.get(f"/v1/workers/{first}", headers=hr)
    client.get(f"/v1/workers/{first}/export", headers=hr)
    assert client.delete(f"/v1/workers/{first}", headers=hr).status_code == 200
    second = client.post("/v1/workers", json={"external_id": "second"}, headers=hr).json()["id"]
    if tiny_session.get_bind().dialect.name == "sqlite":
        assert second == first  # the case this test is about
    accesses = client.get(f"/v1/workers/{second}/export", headers=hr).json()["accesses"]
    assert [a["route"] for a in accesses] == [
        "POST /v1/workers",
        "GET /v1/workers/{worker_id}/export",
    ]
    page = client.get(f"/v1/admin/audit?worker_id={second}", headers=bearer(world.keys["admin"])).json()
    assert page["total"] == 2


def _link_own_to_cohort(session: Session, world: World) -> int:
    cohort = world.cohorts[world.own_organisation]
    session.add(
        CohortPerson(
            cohort_id=cohort,
            person_id="marker-worker-own",
            worker_id=world.own,
            status="to_confirm",
            record={
                "person_id": "marker-worker-own",
                "file": "workforce.csv",
                "line": 2,
                "job_title": "Schweisser",
                "why": "no occupation matches well enough",
                "candidates": [{"uri": "occ:welder", "label": "welder", "score": 0.6}],
            },
        )
    )
    session.flush()
    return cohort


@pytest.mark.parametrize(
    ("part", "recorded"),
    [("", True), ("/assignment", False), ("/report", True), ("/seats", False), ("/timeline", False)],
)
def test_cohort_routes_record_the_workers_they_name(
    client: TestClient, world: World, tiny_session: Session, part: str, recorded: bool
) -> None:
    """The worker waits for a title to be confirmed: named in the summary and the report, not in the
    assignment; seats and the timeline are counts."""
    cohort = _link_own_to_cohort(tiny_session, world)
    response = client.get(f"/v1/cohorts/{cohort}{part}", headers=bearer(world.keys["hr"]))
    assert response.status_code == 200, response.text
    expected = [("read", f"GET /v1/cohorts/{{cohort_id}}{part}", world.own)] if recorded else []
    assert [(a, r, w) for _, _, a, r, w in _entries(tiny_session)] == expected


# --- GET /v1/admin/audit ----------------------------------------------------------------------------------


def _audit(client: TestClient, world: World, query: str) -> Any:
    return client.get(f"/v1/admin/audit{query}", headers=bearer(world.keys["admin"]))


def test_admin_queries_the_log_by_worker_key_and_period_in_pages_newest_first(
    client: TestClient, world: World, tiny_session: Session
) -> None:
    hr, worker = bearer(world.keys["hr"]), bearer(world.keys["worker"])
    client.get(f"/v1/workers/{world.own}", headers=hr)
    client.get(f"/v1/workers/{world.colleague}", headers=hr)
    client.get(f"/v1/workers/{world.own}/plan", headers=worker)
    hr_id, worker_id = _key_id(tiny_session, world.keys["hr"]), _key_id(tiny_session, world.keys["worker"])

    everything = _audit(client, world, "").json()
    assert everything["total"] == 3
    assert [(e["key_id"], e["worker_id"], e["route"]) for e in everything["items"]] == [
        (worker_id, world.own, "GET /v1/workers/{worker_id}/plan"),
        (hr_id, world.colleague, "GET /v1/workers/{worker_id}"),
        (hr_id, world.own, "GET /v1/workers/{worker_id}"),
    ]
    by_worker = _audit(client, world, f"?worker_id={world.own}").json()
    assert [e["key_id"] for e in by_worker["items"]] == [worker_id, hr_id]
    by_both = _audit(client, world, f"?worker_id={world.own}&key_id={hr_id}").json()
    assert by_both["total"] == 1 and by_both["items"][0]["role"] == "hr"
    second_page = _audit(client, world, "?limit=2&offset=2").json()
    assert (second_page["total"], len(second_page["items"]), second_page["limit"]) == (3, 1, 2)
    assert second_page["items"][0]["worker_id"] == world.own

    first = dt.datetime.fromisoformat(everything["items"][-1]["occurred_at"])
    last = dt.datetime.fromisoformat(everything["items"][0]["occurred_at"])
    hour = dt.timedelta(hours=1)
    in_berlin = (first - hour).astimezone(dt.timezone(dt.timedelta(hours=1))).isoformat()
    assert _audit(client, world, "?since=" + in_berlin.replace("+", "%2B")).json()["total"] == 3
    assert _audit(client, world, f"?since={(last + hour).isoformat()[:19]}").json()["total"] == 0
    assert _audit(client, world, f"?until={(first - hour).isoformat()[:19]}").json()["total"] == 0
    naive_after = (last + hour).isoformat()[:19]  # no zone: UTC
    assert _audit(client, world, f"?until={naive_after}").json()["total"] == 3


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?limit=0", "limit"),
        ("?limit=101", "limit"),
        ("?offset=-1", "offset"),
        ("?worker_id=0", "worker_id"),
        ("?key_id=abc", "key_id"),
        ("?since=yesterday", "since"),
        ("?since=2027-01-02T00:00:00&until=2027-01-01T00:00:00", "until"),
        ("?colour=blue", "colour"),
    ],
)
def test_bad_audit_queries_answer_422_naming_the_parameter(
    client: TestClient, world: World, query: str, field: str
) -> None:
    response = _audit(client, world, query)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in response.text


@pytest.mark.parametrize("role", ["worker", "hr", "region"])
def test_only_admin_reads_the_log(client: TestClient, world: World, role: str) -> None:
    client.get(f"/v1/workers/{world.own}", headers=bearer(world.keys["hr"]))
    response = client.get("/v1/admin/audit", headers=bearer(world.keys[role]))
    assert response.status_code == 403
    assert "marker-worker-own" not in response.text and "/v1/workers" not in response.text


def test_deleting_an_organisation_leaves_one_entry_per_worker_naming_no_one(
    client: TestClient, world: World, tiny_session: Session, api_key: MakeKey
) -> None:
    client.get(f"/v1/workers/{world.own}", headers=bearer(world.keys["hr"]))  # goes with the hr key
    client.get(f"/v1/workers/{world.other}", headers=bearer(world.keys["admin"]))  # stays
    response = client.delete(
        f"/v1/organisations/{world.own_organisation}", headers=bearer(world.keys["admin"])
    )
    assert response.status_code == 200, response.text
    admin = _key_id(tiny_session, world.keys["admin"])
    route = "DELETE /v1/organisations/{organisation_id}"
    assert _entries(tiny_session) == [
        (admin, "admin", "read", "GET /v1/workers/{worker_id}", world.other),
        (admin, "admin", "delete", route, None),
        (admin, "admin", "delete", route, None),
    ]
    assert tiny_session.scalar(select(func.count()).select_from(AuditEntry)) == 3
