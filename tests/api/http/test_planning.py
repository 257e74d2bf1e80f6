"""Anonymous planning over HTTP: the CLI's answers, and clear 4xx problems for bad input (never a 500)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

from api.http import deps
from api.http.routers import planning
from api.http.schemas.planning import PlansRead
from recommender.errors import UpskillError
from recommender.text.titles import TitleMatcher
from tests.api.http.test_reference import assert_problem

KATRIN_LIKE = {"current_occupations": ["welder"], "target": "battery technician"}


@pytest.fixture(autouse=True)
def _plans_json_is_the_schemas(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every plan answered here: the JSON written from the service's dict (not validated on the way out) is
    the very bytes ``PlansRead`` would validate and write."""
    written = planning.plans_json

    def checked(answer: dict[str, Any]) -> bytes:
        made = written(answer)
        assert made == PlansRead.model_validate(answer).model_dump_json().encode()
        return made

    monkeypatch.setattr(planning, "plans_json", checked)


def test_gap_answers_the_cli_json(client: TestClient) -> None:
    response = client.post("/v1/gap", json={**KATRIN_LIKE, "skills": [{"uri": "skill:ev", "level": 3}]})
    assert response.status_code == 200, response.text
    gap = response.json()
    assert gap["target_uri"] == "occ:battery"
    statuses = {item["uri"]: item["status"] for item in gap["items"]}
    assert statuses["skill:ev"] == "held" and statuses["skill:battery"] != "held"
    assert gap["counts"]["held"] >= 1 and 0 <= gap["coverage"] <= 100


def test_gap_works_without_levels_and_takes_the_organisations(client: TestClient) -> None:
    default = client.post("/v1/gap", json=KATRIN_LIKE).json()
    assert default["required_levels"].startswith("default: essential skills at 3 (advanced)")
    needed = {item["uri"]: item["required_level"] for item in default["items"]}
    essential = [item["uri"] for item in default["items"] if item["relation"] == "essential"]
    assert essential and all(needed[uri] == 3 for uri in essential)
    levels = [{"occupation": "battery technician", "skill": "essential", "level": 1}]
    lowered = client.post("/v1/gap", json={**KATRIN_LIKE, "required_levels": levels})
    assert lowered.status_code == 200, lowered.text
    answer = lowered.json()
    assert answer["required_levels"].startswith("the request's required_levels: essential skills at 1")
    assert all(i["required_level"] == 1 for i in answer["items"] if i["relation"] == "essential")
    assert answer["coverage"] >= default["coverage"]
    bad = client.post(
        "/v1/gap", json={**KATRIN_LIKE, "required_levels": [{"skill": "essential", "level": 0}]}
    )
    assert bad.status_code == 422 and "required_levels" in bad.text


def test_plans_answer_the_cli_json(client: TestClient) -> None:
    body = {**KATRIN_LIKE, "start": "2027-01-04", "hours_per_week": 10, "languages": ["en", "de"]}
    response = client.post("/v1/plans", json=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["target_uri"] == "occ:battery" and answer["ranking"].startswith("content score")
    best = answer["plans"][0]
    steps = [step["course_id"] for step in best["steps"]]
    assert steps.index("ev-intro") < steps.index("ev-adv"), "a prerequisite comes first"
    assert [badge["badge_id"] for badge in best["badges"]] == ["ev-badge"]
    assert best["totals"]["currency"] == "EUR" and best["steps"][0]["start_date"] == "2027-01-04"


def test_a_plan_as_a_calendar_holds_the_plans_courses_on_their_days(client: TestClient) -> None:
    body = {**KATRIN_LIKE, "start": "2027-01-04", "hours_per_week": 10, "deadline": "2027-06-30"}
    plan = client.post("/v1/plans", json=body).json()["plans"][0]
    response = client.post("/v1/plans/calendar", json=body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    name = f"upskill-battery-technician-{plan['kind']}.ics"
    assert response.headers["content-disposition"] == f'attachment; filename="{name}"'
    events = Calendar.from_ical(response.content).walk("VEVENT")
    courses = [e for e in events if not str(e["summary"]).startswith(("Badge earned: ", "Deadline "))]
    assert [(e.decoded("dtstart").isoformat(), str(e["summary"])) for e in courses] == [
        (s["start_date"], f"{s['title']} ({s['hours']:g} h)") for s in plan["steps"]
    ]
    summaries = {str(e["summary"]) for e in events}
    assert {f"Badge earned: {b['name']}" for b in plan["badges"]} <= summaries
    assert "Deadline to become battery technician (met)" in summaries
    assert len(events) == len(plan["steps"]) + len(plan["badges"]) + 1
    wrong = client.post("/v1/plans/calendar", params={"kind": "quickest"}, json=body)
    assert_problem(wrong, 422)
    assert wrong.json()["field"] == "kind"
    nothing = client.post("/v1/plans/calendar", json={**body, "languages": ["it"]})
    assert_problem(nothing, 422)
    assert "nothing to put in a calendar" in nothing.json()["detail"] and nothing.json()["field"] == "body"
    assert nothing.json()["fix"].startswith("relax the limits")


def test_plans_take_the_organisations_levels_and_say_what_to_do_instead(client: TestClient) -> None:
    body = {**KATRIN_LIKE, "start": "2027-01-04", "budget": 0}
    default = client.post("/v1/plans", json=body).json()
    assert default["required_levels"].startswith("default: essential skills at 3")
    plan = default["plans"][0]
    assert plan["labels"] and plan["labels"][0] == plan["kind"]
    assert all(u["alternative"]["kind"] for u in plan["uncovered_skills"])
    levels = [{"occupation": "battery technician", "skill": "essential", "level": 1}]
    lowered = client.post("/v1/plans", json={**body, "required_levels": levels})
    assert lowered.status_code == 200, lowered.text
    answer = lowered.json()
    assert answer["required_levels"].startswith("the request's required_levels: essential skills at 1")
    assert {u["relation"] for u in answer["plans"][0]["uncovered_skills"]} <= {"optional"}
    bad = client.post("/v1/plans", json={**body, "required_levels": [{"skill": "essential", "level": 7}]})
    assert bad.status_code == 422 and "required_levels" in bad.text
    unknown = client.post(
        "/v1/plans", json={**body, "required_levels": [{"skill": "skill:nope", "level": 2}]}
    )
    assert unknown.status_code in (400, 404, 422) and "skill:nope" in unknown.text


def test_plan_limits_are_applied(client: TestClient) -> None:
    body = {
        **KATRIN_LIKE,
        "start": "2027-01-04",
        "budget": 0,
        "languages": ["en"],
        "exclude": ["battery-adv"],
    }
    answer = client.post("/v1/plans", json=body).json()
    assert {s["course_id"] for p in answer["plans"] for s in p["steps"]} <= {"ev-intro"}
    reasons = {e["course_id"]: e["reason"] for e in answer["excluded_courses"]}
    assert "ev-adv" in reasons and "battery-adv" in reasons


def test_an_unknown_code_says_which_list_to_use(client: TestClient) -> None:
    """The fix of an unknown code names the list of its own kind: a currency's is not a language's."""
    currency = assert_problem(client.post("/v1/plans", json={**KATRIN_LIKE, "currency": "XYZ"}), 422)
    assert currency["field"] == "currency" and "ISO 4217" in currency["fix"] and "639" not in currency["fix"]
    rates = assert_problem(client.post("/v1/plans", json={**KATRIN_LIKE, "exchange_rates": {"XYZ": 1}}), 422)
    assert "ISO 4217" in rates["fix"]
    language = assert_problem(client.post("/v1/plans", json={**KATRIN_LIKE, "languages": ["german"]}), 422)
    assert "ISO 639-1" in language["fix"] and "4217" not in language["fix"]


def test_a_plan_region_is_a_known_nuts_code_in_any_case(client: TestClient) -> None:
    """As a worker profile's region (data.nuts): a code of no region upskill knows is refused, saying which
    it knows, and a known one is read in any case."""
    problem = assert_problem(client.post("/v1/plans", json={**KATRIN_LIKE, "region": "xx99"}), 422)
    assert "'xx99' is not a NUTS region upskill knows" in problem["detail"]
    assert "DE11 (Stuttgart)" in problem["detail"] and "data/default/nuts_regions.csv" in problem["detail"]
    answer = client.post("/v1/plans", json={**KATRIN_LIKE, "region": " de11"})
    assert answer.status_code == 200, answer.text
    as_given = client.post("/v1/plans", json={**KATRIN_LIKE, "region": "DE11"}).json()
    assert answer.json()["plans"] == as_given["plans"]


def test_adjacent_roles(client: TestClient) -> None:
    response = client.post("/v1/roles/adjacent", json={"current_occupations": ["welder"], "k": 2})
    assert response.status_code == 200, response.text
    roles = response.json()
    assert len(roles) == 2 and roles[0]["uri"] == "occ:welder2"
    assert roles[0]["score"] >= roles[1]["score"] and set(roles[0]["parts"]) >= {"skills", "isco"}


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        ("/v1/gap", {"target": "battery technician"}, 422, "body"),  # no profile at all
        ("/v1/gap", {**KATRIN_LIKE, "colour": "red"}, 422, "colour"),
        ("/v1/gap", {**KATRIN_LIKE, "skills": [{"uri": "skill:ev", "level": 9}]}, 422, "skills[0].level"),
        ("/v1/gap", {**KATRIN_LIKE, "current_occupations": "welder"}, 422, "current_occupations"),
        ("/v1/gap", {**KATRIN_LIKE, "target": "x" * 1000}, 422, "target"),
        ("/v1/gap", {**KATRIN_LIKE, "current_occupations": ["w"] * 500}, 422, "current_occupations"),
        ("/v1/plans", {**KATRIN_LIKE, "budget": -5}, 422, "budget"),
        ("/v1/plans", {**KATRIN_LIKE, "hours_per_week": 0}, 422, "hours_per_week"),
        ("/v1/plans", {**KATRIN_LIKE, "hours_per_week": 0.0001}, 422, "hours_per_week"),  # was a 500
        ("/v1/plans", {**KATRIN_LIKE, "hours_per_week": 169}, 422, "hours_per_week"),
        ("/v1/plans", {**KATRIN_LIKE, "start": "30/06/2027"}, 422, "start"),
        ("/v1/plans", {**KATRIN_LIKE, "start": "9999-12-31"}, 422, "start"),  # was a 500: past year 9999
        ("/v1/plans", {**KATRIN_LIKE, "start": "2027-01-04", "deadline": "9999-12-31"}, 422, "deadline"),
        ("/v1/plans", {**KATRIN_LIKE, "solver": "magic"}, 422, "solver"),
        ("/v1/plans", {**KATRIN_LIKE, "start": "2027-06-01", "deadline": "2027-01-01"}, 422, "deadline"),
        ("/v1/plans", {**KATRIN_LIKE, "exchange_rates": {"USD": -1}}, 422, "exchange_rates.USD"),
        ("/v1/plans", {**KATRIN_LIKE, "exchange_rates": {"XYZ": 1}}, 422, "exchange_rates"),  # was ignored
        ("/v1/plans", {**KATRIN_LIKE, "region": "XX99"}, 422, "region"),  # a NUTS code's shape, no region
        ("/v1/plans", {**KATRIN_LIKE, "region": "Stuttgart"}, 422, "region"),  # a city, not a NUTS code
        ("/v1/roles/adjacent", {**KATRIN_LIKE, "k": 0}, 422, "k"),
        ("/v1/roles/adjacent", {"current_occupations": ["welder"], "sector": "space"}, 422, "sector"),
    ],
)
def test_invalid_bodies_are_422_problems_naming_the_field(
    client: TestClient, path: str, body: dict[str, object], status: int, field: str
) -> None:
    problem = assert_problem(client.post(path, json=body), status)
    assert problem["field"] == field, problem


def test_unknown_occupations_skills_and_courses_are_404_problems(client: TestClient) -> None:
    problem = assert_problem(client.post("/v1/gap", json={**KATRIN_LIKE, "target": "batery technician"}), 404)
    assert problem["type"] == "urn:upskill:problem:unknown-occupation"
    assert problem["id"] == "batery technician" and problem["suggestions"] == ["battery technician"]
    skills = {**KATRIN_LIKE, "skills": [{"uri": "skill:nope", "level": 2}]}
    assert_problem(client.post("/v1/gap", json=skills), 404)
    excluded = {**KATRIN_LIKE, "exclude": ["ev-intr"]}
    unknown = assert_problem(client.post("/v1/plans", json=excluded), 404)
    assert unknown["suggestions"] == ["ev-intro"]
    assert unknown["fix"].startswith("use the id of a course of the catalogue (GET /v1/courses")  # not ESCO's


def test_unknown_occupations_get_the_title_matchers_suggestions(
    esco_client: TestClient, esco_matcher: TitleMatcher
) -> None:
    overrides = esco_client.app.dependency_overrides  # type: ignore[attr-defined]
    overrides[deps.get_title_matcher_loader] = lambda: lambda: esco_matcher  # built once, not per request
    misspelt = {"current_occupations": ["welder"], "target": "battery technican"}
    problem = assert_problem(esco_client.post("/v1/plans", json=misspelt), 404)
    assert (
        problem["type"] == "urn:upskill:problem:unknown-occupation" and problem["id"] == "battery technican"
    )
    suggestions = problem["suggestions"]
    assert "automotive battery technician" in suggestions
    assert len(suggestions) == len(set(suggestions)) <= 5
    # a title in the user's own words: the matcher's confident match comes first, though its label is far
    own_words = {"current_occupations": ["kfz mechatroniker"], "target": "automotive battery technician"}
    problem = assert_problem(esco_client.post("/v1/gap", json=own_words), 404)
    assert problem["id"] == "kfz mechatroniker"
    assert problem["suggestions"][0] == "vehicle technician"  # type: ignore[index]
    assert "mechatronics engineer" in problem["suggestions"]  # type: ignore[operator]  # the closest label
    assert "vehicle technician" in str(problem["detail"])
    # an id is no job title: the closest labels alone
    by_id = assert_problem(esco_client.get("/v1/occupations/00000000-0000-0000-0000-000000000000"), 404)
    assert by_id["id"] == "00000000-0000-0000-0000-000000000000"


def test_without_a_title_matcher_the_closest_labels_are_suggested(client: TestClient) -> None:
    def no_matcher() -> TitleMatcher:
        raise UpskillError("the database holds no ESCO occupations: run `upskill import esco` first")

    overrides = client.app.dependency_overrides  # type: ignore[attr-defined]
    overrides[deps.get_title_matcher_loader] = lambda: no_matcher
    problem = assert_problem(client.post("/v1/gap", json={**KATRIN_LIKE, "target": "batery technician"}), 404)
    assert problem["id"] == "batery technician" and problem["suggestions"] == ["battery technician"]


def test_malformed_and_oversized_bodies(client: TestClient) -> None:
    problem = assert_problem(
        client.post("/v1/gap", content=b"{not json", headers={"content-type": "application/json"}), 422
    )
    # where it stopped parsing, said as such (not as a field named "[1]")
    assert problem["field"] == "body"
    assert problem["detail"].startswith("body: the body is not JSON: ")
    assert "at character 1" in problem["detail"]
    assert_problem(client.post("/v1/gap", content=b"[]", headers={"content-type": "application/json"}), 422)
    huge = json.dumps({**KATRIN_LIKE, "skills": [{"uri": "s" * 200, "level": 1}] * 500})
    problem = assert_problem(
        client.post("/v1/gap", content=huge.encode(), headers={"content-type": "application/json"}), 413
    )
    assert problem["fix"]


def test_unknown_paths_and_methods_are_problems(client: TestClient) -> None:
    assert assert_problem(client.get("/v1/nothing-here"), 404)["type"] == "urn:upskill:problem:not-found"
    assert_problem(client.get("/v1/gap"), 405)


def test_a_plan_being_solved_does_not_hold_up_the_event_loop(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Planning runs in the thread pool (a plain ``def`` route): while one plan is being solved, /health and
    another route are answered (the solve here waits until they have been)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from api.services import plans

    solving, release = threading.Event(), threading.Event()
    plan = plans.plan

    def slow_plan(**kwargs: object) -> object:
        solving.set()
        assert release.wait(20), "never released"
        return plan(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(plans, "plan", slow_plan)
    with ThreadPoolExecutor(1) as pool:
        answer = pool.submit(client.post, "/v1/plans", json=KATRIN_LIKE)
        assert solving.wait(20)
        assert client.get("/health").status_code == 200
        assert client.post("/v1/gap", json=KATRIN_LIKE).status_code == 200
        assert not answer.done()
        release.set()
        assert answer.result(20).status_code == 200
