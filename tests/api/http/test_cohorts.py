"""``/v1/cohorts``: HR plans a workforce transition over HTTP (JSON or uploaded files), kept per organisation.

The app serves the tiny graph and its three courses (``tests/api/http/conftest.py``) on SQLite and
PostgreSQL; keys come from ``api_key`` (``tests/api/conftest.py``).
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from data.models import Organisation
from tests.api.conftest import MakeKey, bearer

WORKFORCE_CSV = """person_id,job_title,occupation,skills,hours_per_week,languages
W-1,Saldatore,welder,,,en
W-2,Saldatore,welder,battery chemistry@2,,en
W-3,Verniciatore,vehicle painter,,4,en
W-4,Carpentiere metallico,metal fabricator,,,en
W-5,Jolly di linea,,,,en
"""
TARGETS_CSV = "occupation,headcount\nbattery technician,2\nmetal fabricator,1\n"
SETTINGS = {"budget": 1000, "currency": "EUR", "hours_per_week": 8, "months": 6, "start": "2027-01-04"}
PEOPLE = [
    {"person_id": "W-1", "job_title": "Saldatore", "occupation": "welder", "languages": ["en"]},
    {"person_id": "W-2", "occupation": "welder", "skills": {"battery chemistry": 2}, "languages": ["en"]},
    {"person_id": "W-3", "occupation": "metal fabricator", "languages": ["en"]},
    {"person_id": "W-5", "job_title": "Jolly di linea", "languages": ["en"]},
]
TARGETS = [
    {"occupation": "battery technician", "headcount": 2},
    {"occupation": "metal fabricator", "headcount": 1},
]


@pytest.fixture
def organisations(tiny_session: Session) -> tuple[int, int]:
    own, other = Organisation(name="Lombardy plant"), Organisation(name="Other company")
    tiny_session.add_all([own, other])
    tiny_session.flush()
    return own.id, other.id


def _json_cohort(client: TestClient, key: str, **extra: Any) -> Any:
    body = {"name": "spring 2027", "workforce": PEOPLE, "targets": TARGETS, **SETTINGS, **extra}
    return client.post("/v1/cohorts", json=body, headers=bearer(key))


def test_an_hr_key_plans_a_cohort_from_json_and_reads_every_part(
    client: TestClient, organisations: tuple[int, int], api_key: MakeKey
) -> None:
    key = api_key("hr", organisation_id=organisations[0])
    created = _json_cohort(client, key)
    assert created.status_code == 201, created.text
    cohort = created.json()
    assert cohort["organisation_id"] == organisations[0] and cohort["name"] == "spring 2027"
    assert cohort["certificate"]["status"] == "optimal"
    assert {t["target_label"]: t["filled"] for t in cohort["targets"]} == {
        "battery technician": 2,
        "metal fabricator": 1,
    }
    # the title that resolves to no occupation is listed for HR, with candidates, and not planned
    assert [c["person_id"] for c in cohort["to_confirm"]] == ["W-5"]
    assert cohort["to_confirm"][0]["candidates"]
    base = f"/v1/cohorts/{cohort['id']}"
    assert client.get(base, headers=bearer(key)).json() == cohort
    assignment = client.get(f"{base}/assignment?limit=2", headers=bearer(key)).json()
    assert assignment["total"] == 3 and len(assignment["items"]) == 2
    assert {"person_id", "target_uri", "hours", "cost", "finish_date"} <= assignment["items"][0].keys()
    moved = {a["person_id"] for a in client.get(f"{base}/assignment", headers=bearer(key)).json()["items"]}
    assert moved | {u["person_id"] for u in assignment["unassigned"]} == {"W-1", "W-2", "W-3"}
    plans = client.get(f"{base}/plans", headers=bearer(key)).json()
    assert plans["total"] >= 1 and all(p["people"] for p in plans["items"])
    seats = client.get(f"{base}/seats", headers=bearer(key)).json()
    assert sum(s["seats"] for s in seats["items"]) >= 1
    timeline = client.get(f"{base}/timeline", headers=bearer(key)).json()
    assert len(timeline["timeline"]) == 6 * 2 and timeline["timeline"][-1]["ready"] <= 2
    report = client.get(f"{base}/report", headers=bearer(key))
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    assert "<svg" in report.text and "spring 2027" in report.text
    assert report.headers["content-disposition"] == f'inline; filename="cohort-{cohort["id"]}.html"'


def test_confirming_a_title_plans_that_person(
    client: TestClient, organisations: tuple[int, int], api_key: MakeKey
) -> None:
    key = api_key("hr", organisation_id=organisations[0])
    cohort = _json_cohort(client, key, confirmed={"W-5": "welder"}).json()
    assert cohort["to_confirm"] == []
    assignment = client.get(f"/v1/cohorts/{cohort['id']}/assignment", headers=bearer(key)).json()
    everyone = {a["person_id"] for a in assignment["items"]} | {
        u["person_id"] for u in assignment["unassigned"]
    }
    assert "W-5" in everyone
    unknown = _json_cohort(client, key, confirmed={"W-9": "welder"})
    assert unknown.status_code == 422 and unknown.json()["field"] == "confirmed"


def test_uploaded_csv_files_plan_the_same_cohort(
    client: TestClient, organisations: tuple[int, int], api_key: MakeKey
) -> None:
    key = api_key("hr", organisation_id=organisations[0])
    form = {**{k: str(v) for k, v in SETTINGS.items()}, "name": "from files", "languages": ["en"]}
    created = client.post(
        "/v1/cohorts",
        data=form,
        files={
            "workforce": ("people.csv", WORKFORCE_CSV.encode(), "text/csv"),
            "targets": ("roles.csv", TARGETS_CSV.encode(), "text/csv"),
        },
        headers=bearer(key),
    )
    assert created.status_code == 201, created.text
    cohort = created.json()
    assert cohort["name"] == "from files" and cohort["settings"]["budget"] == 1000
    assert cohort["totals"]["filled"] == 3 and [c["job_title"] for c in cohort["to_confirm"]] == [
        "Jolly di linea"
    ]


def test_a_what_if_is_re_solved_kept_and_read_back(
    client: TestClient, organisations: tuple[int, int], api_key: MakeKey
) -> None:
    """The request's ``what_if`` changes (the HR page's "compare with" boxes) are compared with the plan,
    kept with the cohort and read back."""
    key = api_key("hr", organisation_id=organisations[0])
    created = _json_cohort(client, key, what_if=["budget=0", "hours-per-week=4"])
    assert created.status_code == 201, created.text
    cohort = created.json()
    what_if = cohort["what_if"]
    assert what_if["changes"] == ["budget=0", "hours-per-week=4"]
    assert what_if["plan"]["budget"] == 1000 and what_if["what_if"]["budget"] == 0
    assert what_if["what_if"]["cost"] == 0 and what_if["plan"]["filled"] == cohort["totals"]["filled"]
    assert what_if["plans_computed_again"] > 0  # fewer hours a week: new schedules
    assert client.get(f"/v1/cohorts/{cohort['id']}", headers=bearer(key)).json()["what_if"] == what_if
    assert _json_cohort(client, key).json()["what_if"] is None
    # a change not understood is located in the request's field, never a 500
    for change in (
        "seats=3",
        "budget=-5",
        "budget=nan",
        "language=german",
        "headcount:battery technician=-1",
        "headcount:=3",
        "headcount:flying saucer pilot=1",
    ):
        refused = _json_cohort(client, key, what_if=[change])
        assert refused.status_code == 422 and refused.json()["field"] == "what_if", (change, refused.text)
    for hours in ("0", "inf"):  # checked as the plan's own hours a week are
        refused = _json_cohort(client, key, what_if=[f"hours-per-week={hours}"])
        assert refused.status_code == 422 and "hours" in refused.json()["detail"], refused.text


def test_bad_input_is_a_located_problem_never_a_500(
    client: TestClient, organisations: tuple[int, int], api_key: MakeKey
) -> None:
    key = api_key("hr", organisation_id=organisations[0])
    bad_file = client.post(
        "/v1/cohorts",
        data={"budget": "100"},
        files={
            "workforce": (
                "people.csv",
                b"person_id,occupation,hours_per_week\nW-1,welder,eight\n",
                "text/csv",
            ),
            "targets": ("roles.csv", TARGETS_CSV.encode(), "text/csv"),
        },
        headers=bearer(key),
    )
    assert bad_file.status_code == 422, bad_file.text
    assert bad_file.headers["content-type"] == "application/problem+json"
    assert "people.csv, line 2, column 'hours_per_week'" in bad_file.json()["detail"]
    assert "upskill-upload" not in bad_file.text  # never the server's temporary path
    bad_item = _json_cohort(client, key, workforce=[*PEOPLE, {"person_id": "W-9", "occupation": "astronaut"}])
    assert bad_item.status_code == 422 and "workforce[4]" in bad_item.json()["detail"]
    missing = client.post(
        "/v1/cohorts",
        data={"budget": "1"},
        files={"targets": ("t.csv", b"x", "text/csv")},
        headers=bearer(key),
    )
    assert missing.status_code == 422 and missing.json()["field"] == "workforce"
    xlsx = ("p.xlsx", b"x", "application/octet-stream")
    wrong_type = client.post(
        "/v1/cohorts",
        data={"budget": "1"},
        files={"workforce": xlsx, "targets": ("t.csv", b"x", "text/csv")},
        headers=bearer(key),
    )
    assert wrong_type.status_code == 422 and ".csv nor a .json" in wrong_type.json()["detail"]
    text = client.post("/v1/cohorts", content=b"hello", headers={**bearer(key), "content-type": "text/plain"})
    assert text.status_code == 415
    assert _json_cohort(client, key, months=0).json()["field"] == "months"
    # codes as a single plan's: 'german' or 'XYZ' is refused, not a filter that matches no course
    for extra, field in (
        ({"languages": ["german"]}, "languages"),
        ({"currency": "XYZ"}, "currency"),
        ({"exchange_rates": {"XYZ": 1}}, "exchange_rates"),
        ({"start": "9999-06-01"}, "start"),  # its horizon ran past year 9999: a 500
    ):
        refused = _json_cohort(client, key, **extra)
        assert refused.status_code == 422 and refused.json()["field"] == field, refused.text
    assert _json_cohort(client, key, organisation_id=organisations[1]).status_code == 404


def test_only_the_owning_organisation_and_admin_read_a_cohort(
    client: TestClient, organisations: tuple[int, int], api_key: MakeKey
) -> None:
    own, other = organisations
    cohort = _json_cohort(client, api_key("hr", organisation_id=own)).json()
    base = f"/v1/cohorts/{cohort['id']}"
    for part in ("", "/assignment", "/plans", "/seats", "/timeline", "/report"):
        stranger = client.get(base + part, headers=bearer(api_key("hr", organisation_id=other)))
        assert stranger.status_code == 404 and "W-1" not in stranger.text, part
        assert client.get(base + part, headers=bearer(api_key("admin"))).status_code == 200, part
        assert client.get(base + part, headers=bearer(api_key("region", region="ITC4"))).status_code == 403
        assert client.get(base + part).status_code == 401
    unknown = client.get("/v1/cohorts/999999", headers=bearer(api_key("admin")))
    assert unknown.status_code == 404
    # what to do for a cohort, not for an ESCO item
    assert "POST /v1/cohorts" in unknown.json()["fix"] and "ESCO" not in unknown.json()["fix"]
    # an admin key names the organisation; without it the request is refused
    admin = api_key("admin")
    assert _json_cohort(client, admin).status_code == 422
    made = _json_cohort(client, admin, organisation_id=other)
    assert made.status_code == 201 and made.json()["organisation_id"] == other
    no_organisation = _json_cohort(client, admin, organisation_id=10**6)
    assert no_organisation.status_code == 404 and "GET /v1/organisations" in no_organisation.json()["fix"]
