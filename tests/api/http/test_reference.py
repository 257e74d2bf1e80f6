"""Reference data over HTTP: occupations, skills, courses and badges, their ids, filters and pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from data.models import Course
from tests.api.conftest import World
from tests.recommender.conftest import AUTOMOTIVE_BATTERY_TECHNICIAN, VEHICLE_TECHNICIAN

PROBLEM_KEYS = {"type", "title", "status", "detail"}


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """The ``response`` (a test client's) is a problem-details body (RFC 9457) with this status."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert set(body) >= PROBLEM_KEYS and body["status"] == status
    assert str(body["type"]).startswith("urn:upskill:problem:")
    return body


def test_occupation_search_is_ranked_and_typo_tolerant(esco_client: TestClient) -> None:
    response = esco_client.get("/v1/occupations", params={"q": "automotive batery technican", "limit": 5})
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["items"][0]["uri"] == AUTOMOTIVE_BATTERY_TECHNICIAN
    assert page["limit"] == 5 and page["offset"] == 0 and page["total"] >= len(page["items"]) == 5
    scores = [item["score"] for item in page["items"]]
    assert scores == sorted(scores, reverse=True)
    second = esco_client.get(
        "/v1/occupations", params={"q": "automotive batery technican", "offset": 1}
    ).json()
    assert second["items"][0]["uri"] == page["items"][1]["uri"]


def test_occupations_without_a_query_are_listed_by_label(esco_client: TestClient) -> None:
    page = esco_client.get("/v1/occupations", params={"limit": 3}).json()
    assert page["total"] == 3007
    labels = [item["label"] for item in page["items"]]
    assert labels == sorted(labels) and all(item["score"] is None for item in page["items"])


def test_occupation_by_encoded_uri_or_uuid_tail(esco_client: TestClient) -> None:
    by_uri = esco_client.get(f"/v1/occupations/{quote(VEHICLE_TECHNICIAN, safe='')}")
    by_tail = esco_client.get(f"/v1/occupations/{VEHICLE_TECHNICIAN.rsplit('/', 1)[1]}")
    assert by_uri.status_code == 200, by_uri.text
    assert by_uri.json() == by_tail.json()
    occupation = by_uri.json()
    assert occupation["uri"] == VEHICLE_TECHNICIAN and occupation["label"] == "vehicle technician"
    assert occupation["essential_skills"] and occupation["optional_skills"]
    assert {s["relation"] for s in occupation["essential_skills"]} == {"essential"}
    assert occupation["description"] and occupation["isco_code"]


def test_skill_search_and_read(esco_client: TestClient) -> None:
    hits = esco_client.get("/v1/skills", params={"q": "battery chemistry", "limit": 3}).json()
    top = hits["items"][0]
    assert top["label"] == "battery chemistry"
    skill = esco_client.get(f"/v1/skills/{top['uri'].rsplit('/', 1)[1]}").json()
    assert (
        skill["uri"] == top["uri"]
        and skill["required_by"]["essential"] + skill["required_by"]["optional"] > 0
    )
    assert skill["broader"], "ESCO places every skill under a broader skill or group"


def test_unknown_ids_are_404_problems_with_suggestions(esco_client: TestClient) -> None:
    body = assert_problem(esco_client.get("/v1/occupations/vehicle%20tecnician"), 404)
    assert body["type"] == "urn:upskill:problem:unknown-occupation"
    assert body["id"] == "vehicle tecnician" and "vehicle technician" in body["suggestions"]  # type: ignore[operator]
    assert body["fix"]
    assert_problem(esco_client.get("/v1/skills/00000000-0000-0000-0000-000000000000"), 404)
    assert_problem(esco_client.get("/v1/occupations/http://data.europa.eu/esco/skill/x"), 404)


def test_courses_filtered_and_paginated(client: TestClient) -> None:
    every = client.get("/v1/courses").json()
    assert [c["id"] for c in every["items"]] == ["battery-adv", "ev-adv", "ev-intro"] and every["total"] == 3
    page = client.get("/v1/courses", params={"limit": 1, "offset": 1}).json()
    assert [c["id"] for c in page["items"]] == ["ev-adv"] and page["total"] == 3
    english = client.get("/v1/courses", params={"language": "en", "max_price": 100}).json()
    assert [c["id"] for c in english["items"]] == ["ev-intro"]
    teaching = client.get("/v1/courses", params={"skill": "skill:battery", "level": "advanced"}).json()
    assert [c["id"] for c in teaching["items"]] == ["battery-adv"]
    assert (
        client.get("/v1/courses", params={"delivery_mode": "blended", "max_hours": 25}).json()["total"] == 1
    )
    course = client.get("/v1/courses/ev-adv").json()
    assert course["prerequisites"] == [{"id": "ev-intro", "origin": "catalogue"}]
    assert course["skills"][0]["uri"] == "skill:ev"


def test_a_price_not_stated_is_unknown_not_free(client: TestClient, tiny_session: Session) -> None:
    """A course whose catalogue states no price (Udemy's: flag price-unknown, stored as 0) reads as null and
    is never within a max_price; an audit track's free course keeps its certificate's price beside."""
    tiny_session.add(
        Course(
            id="udemy-ev",
            title="EV 101",
            hours=3.0,
            price=0.0,
            currency="USD",
            language="und",
            flags=["price-unknown", "language-unknown"],
        )
    )
    tiny_session.get(Course, "ev-intro").certificate_price = 49.0  # type: ignore[union-attr]
    tiny_session.flush()
    unknown = client.get("/v1/courses/udemy-ev").json()
    assert unknown["price"] is None and unknown["flags"] == ["price-unknown", "language-unknown"]
    free = client.get("/v1/courses", params={"max_price": 0}).json()
    assert [c["id"] for c in free["items"]] == ["ev-intro"] and free["total"] == 1
    assert free["items"][0]["price"] == 0.0 and free["items"][0]["certificate_price"] == 49.0
    assert free["items"][0]["flags"] == []
    assert "udemy-ev" in {c["id"] for c in client.get("/v1/courses", params={"limit": 10}).json()["items"]}


def test_badges_and_their_open_badges_achievement(client: TestClient) -> None:
    page = client.get("/v1/badges").json()
    assert page["total"] == 1 and page["items"][0]["id"] == "ev-badge"
    badge = client.get("/v1/badges/ev-badge").json()
    assert badge["courses"] == ["ev-adv", "ev-intro"] and badge["skills"] == [{"uri": "skill:ev", "level": 3}]
    achievement = client.get("/v1/badges/ev-badge/ob3").json()
    assert achievement["type"] == ["Achievement"] and achievement["alignment"]
    body = assert_problem(client.get("/v1/badges/ev-bdge"), 404)
    assert body["suggestions"] == ["ev-badge"]
    assert_problem(client.get("/v1/courses/nope"), 404)


def test_bad_parameters_are_422_problems_naming_the_field(client: TestClient) -> None:
    cases = {
        "/v1/courses?limit=0": "limit",
        "/v1/courses?limit=1000": "limit",
        "/v1/courses?offset=-1": "offset",
        "/v1/courses?max_price=cheap": "max_price",
        "/v1/courses?max_price=nan": "max_price",
        "/v1/courses?level=expert": "level",
        "/v1/occupations?q=" + "x" * 500: "q",
    }
    for url, field in cases.items():
        body = assert_problem(client.get(url), 422)
        assert body["field"] == field, (url, body)
        assert body["errors"] and body["fix"]


def test_unknown_query_parameters_are_422_problems_naming_them(client: TestClient, world: World) -> None:
    body = assert_problem(client.get("/v1/courses", params={"langauge": "de", "limit": 2}), 422)
    assert body["type"] == "urn:upskill:problem:validation" and body["field"] == "langauge"
    filters = ["delivery_mode", "language", "level", "limit", "max_hours", "max_price", "offset", "skill"]
    assert body["parameters"] == filters  # what the route takes, sorted
    assert [(e["field"], e["in"]) for e in body["errors"]] == [("langauge", "query")]
    assert "langauge" in str(body["fix"]) and "language" in str(body["fix"])
    # a route without query parameters takes none
    body = assert_problem(client.get("/v1/courses/ev-intro?fields=id&x=1"), 422)
    assert body["field"] == "fields" and body["parameters"] == []
    assert [e["field"] for e in body["errors"]] == ["fields", "x"]
    assert "takes no query parameters" in str(body["fix"])
    # a Pydantic model taken as query: its fields are the parameters
    hr = {"Authorization": f"Bearer {world.keys['hr']}"}
    recommendations = f"/v1/workers/{world.own}/recommendations"
    body = assert_problem(client.get(recommendations, params={"limt": 1}, headers=hr), 422)
    assert body["field"] == "limt" and body["parameters"] == ["limit", "target"]
    assert client.get(recommendations, params={"limit": 1}, headers=hr).status_code == 200
    # those a route takes still pass, repeated or empty
    assert client.get("/v1/courses?limit=1&limit=2&language=").status_code == 200
    assert client.get("/v1/courses?").status_code == 200


def test_course_filters_are_checked(client: TestClient) -> None:
    for language in ("german", "xx-nonsense", "xx", "de-x"):
        body = assert_problem(client.get("/v1/courses", params={"language": language}), 422)
        assert body["field"] == "language", body
    body = assert_problem(client.get("/v1/courses?language=german"), 422)
    assert body["type"] == "urn:upskill:problem:unknown-code" and "'de'" in str(body["detail"])
    german = client.get("/v1/courses", params={"language": "DE"}).json()
    assert [c["id"] for c in german["items"]] == ["ev-adv"]
    assert client.get("/v1/courses", params={"language": "und"}).json()["total"] == 0
    body = assert_problem(client.get("/v1/courses", params={"skill": "skill:nope"}), 404)
    assert body["type"] == "urn:upskill:problem:unknown-skill" and body["id"] == "skill:nope"
    tail = "00000000-0000-0000-0000-000000000000"
    assert assert_problem(client.get("/v1/courses", params={"skill": tail}), 404)["id"] == tail
