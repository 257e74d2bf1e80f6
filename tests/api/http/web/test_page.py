"""The worker page's HTML on the tiny graph (SQLite and PostgreSQL): the plan the JSON API gives, errors in
words next to their field, adjacent roles, the what-if, and a server that is not ready yet."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams

from api.http import deps
from api.http.routers import planning
from api.http.web import routes
from api.http.web.form import WorkerForm
from api.services.plans import load_plan_options
from data.models import Course, CourseSkill
from recommender.graph import CompetenceGraph
from recommender.text.titles import TitleMatcher
from tests.api.http.conftest import BATTERY
from tests.api.http.test_planning_slots import plans_in_a_slot

PLAN: dict[str, str | list[str]] = {
    "current": "welder",
    "target": "battery technician",
    "hours": "10",
    "start": "2027-01-04",
    "lang": ["en", "de"],
    "action": "plan",
}


def _text(html: str, element_id: str) -> str:
    """The text inside the element with this id (to its first closing tag of the same name)."""
    found = re.search(rf'<(\w+)[^>]*\bid="{re.escape(element_id)}"[^>]*>(.*?)</\1>', html, re.S)
    assert found, f"no element #{element_id}"
    return unescape(re.sub(r"<[^>]+>", " ", found.group(2)))


def test_an_empty_form_computes_nothing_and_labels_every_field(page_client: TestClient) -> None:
    response = page_client.get("/")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    ids = set(re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', html))
    labelled = set(re.findall(r'<label for="([^"]+)"', html))
    assert ids and ids <= labelled, f"fields without a label: {ids - labelled}"
    assert "Your plan appears here" in html and "<svg" not in html
    assert "<option selected>EUR</option>" in html and 'value="en"' in html


def test_the_pages_plan_is_computed_in_the_planning_slot(
    page_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As the JSON API's plans, one at a time per process (``api.http.deps.planning``)."""
    computed = plans_in_a_slot(monkeypatch, routes)
    response = page_client.get("/", params=PLAN)
    assert response.status_code == 200, response.text
    assert computed == [True] and "<svg" in response.text
    assert page_client.get("/").status_code == 200 and computed == [True]  # the empty form plans nothing


def test_the_plan_on_the_page_is_the_json_apis(page_client: TestClient) -> None:
    html = page_client.get("/", params=PLAN).text
    api = page_client.post(
        "/v1/plans",
        json={
            "current_occupations": ["occ:welder"],
            "target": "occ:battery",
            "hours_per_week": 10,
            "start": "2027-01-04",
            "languages": ["en", "de"],
        },
    ).json()
    first = api["plans"][0]
    plan = html[html.index(f'id="plan-{first["kind"]}"') :]
    plan = plan[: plan.index("</details>")]
    steps = plan[plan.index('<table class="steps">') :]
    shown = re.findall(r'<th scope="row">([^<]+)</th>', steps)
    assert shown == [step["title"] for step in first["steps"]], "the same courses in the same order"
    assert plan.count('class="bar"') == len(first["steps"]), "one bar per course"
    assert f"finished on\n  <strong>{first['totals']['finish_date']}</strong>" in plan
    assert "EV technician" in plan and "/v1/badges/ev-badge/ob3" in plan
    gap = html[html.index('class="gap"') :]
    assert re.search(r"battery chemistry</th>\s*<td><span class=\"badge missing\">", gap), (
        "the gap, missing first"
    )


def test_each_plan_links_to_itself_as_a_calendar(page_client: TestClient) -> None:
    html = page_client.get("/", params={**PLAN, "deadline": "2027-06-30"}).text
    links = re.findall(r'<a href="(/plan\.ics\?[^"]+)" download>Add this plan to my calendar', html)
    kinds = re.findall(r'<details class="plan" id="plan-([\w-]+)"', html)
    assert kinds and len(links) == len(kinds), "one link a plan"
    link = unescape(links[0])
    query = QueryParams(link.split("?", 1)[1])
    assert query["kind"] == kinds[0] and query["deadline"] == "2027-06-30" and "action" not in query
    response = page_client.get(link)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    plan = html[html.index(f'id="plan-{kinds[0]}"') :]
    plan = plan[: plan.index("</details>")]
    shown = re.findall(r'<th scope="row">([^<]+)</th>', plan)
    events = Calendar.from_ical(response.content).walk("VEVENT")
    courses = [str(e["summary"]) for e in events if not str(e["summary"]).startswith(("Badge", "Deadline"))]
    assert [summary.rsplit(" (", 1)[0] for summary in courses] == shown, "the page's courses, in order"
    assert "Badge earned: EV technician" in {str(e["summary"]) for e in events}


def test_the_best_plan_for_you_is_named_so_and_its_ids_and_link_have_no_space(
    page_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The planner's kind ``best for you`` has spaces; ids (which aria-labelledby splits on spaces) and the
    calendar link write it ``best-for-you``."""
    answer = planning.plans_answer

    def best_for_you(*args: Any, **kwargs: Any) -> dict[str, Any]:
        plans = answer(*args, **kwargs)
        plans["plans"] = plans["plans"][:1]
        plans["plans"][0].update(kind="best for you", labels=["best for you"])
        return plans

    monkeypatch.setattr(planning, "plans_answer", best_for_you)
    html = page_client.get("/", params=PLAN).text
    assert '<span class="kind">Best plan for you</span>' in html
    assert 'id="plan-best-for-you"' in html and 'aria-labelledby="plan-best-for-you-svg-title ' in html
    assert not re.findall(r'\bid="[^"]*\s[^"]*"', html), "no id has a space"
    link = unescape(re.findall(r'<a href="(/plan\.ics\?[^"]+)" download>', html)[0])
    assert QueryParams(link.split("?", 1)[1])["kind"] == "best-for-you"
    calendar = page_client.get(link)
    assert calendar.status_code == 200, calendar.text
    assert "X-WR-CALNAME:Best plan for you to become battery technician" in calendar.text


def test_a_calendar_for_a_form_with_errors_says_them_in_words(page_client: TestClient) -> None:
    response = page_client.get("/plan.ics", params={**PLAN, "hours": "-1", "kind": "fastest"})
    assert response.status_code == 422 and response.headers["content-type"].startswith("text/plain")
    assert response.text.startswith("No calendar: Hours a week: “-1” is not a number more than 0")
    unknown = page_client.get("/plan.ics", params={**PLAN, "kind": "quickest"})
    assert unknown.status_code == 422
    assert unknown.text.startswith("No calendar: no 'quickest' plan in this answer; it has")
    misspelt = page_client.get("/plan.ics", params={**PLAN, "target": "batery technican"})
    assert misspelt.status_code == 422 and "battery technician" in misspelt.text, "with what to pick"


def test_a_misspelt_title_is_an_error_next_to_its_field_with_closest_labels(page_client: TestClient) -> None:
    response = page_client.get("/", params={**PLAN, "current": "weldr"})
    assert response.status_code == 422
    html = response.text
    error = _text(html, "current-error")
    assert "No ESCO occupation is called “weldr”" in error
    assert 'name="fix" value="current|welder"' in html, "one click picks the closest label"
    assert 'aria-describedby="current-hint current-error" aria-invalid="true"' in html
    assert "<svg" not in html, "no plan from a guess"
    picked = page_client.get(
        "/", params={**PLAN, "current": "weldr", "action": "", "fix": "current|welder", "asked": "plan"}
    )
    assert picked.status_code == 200 and 'id="plan-' in picked.text


def test_an_occupation_named_by_another_esco_label_says_what_it_was_read_as(page_client: TestClient) -> None:
    # "metal welder" is an alternative label of welder (the tiny graph)
    html = page_client.get("/", params={**PLAN, "current": "metal welder"}).text
    assert "“metal welder” is read as the ESCO occupation “welder”." in unescape(html)
    assert 'id="plan-' in html
    assert "is read as" not in page_client.get("/", params=PLAN).text


def test_a_plan_of_no_course_says_so_without_zero_totals(page_client: TestClient) -> None:
    # no course of the tiny catalogue is in Italian
    html = unescape(page_client.get("/", params={**PLAN, "lang": ["it"]}).text)
    headline = re.search(r'<p class="headline">(.*?)</p>', html, re.S)
    assert headline and " ".join(re.sub(r"<[^>]+>", "", headline.group(1)).split()).startswith(
        "No course can be planned for you:"
    )
    assert "No course can be planned: none of the" in html and "taught only by courses these limits" in html
    assert not re.search(r"\b0 (courses|hours|h)\b", html) and "Total:" not in html


def test_a_job_title_in_own_words_gets_the_title_matchers_occupations_to_pick(
    esco_client: TestClient, esco_graph: CompetenceGraph, esco_matcher: TitleMatcher
) -> None:
    overrides = esco_client.app.dependency_overrides  # type: ignore[attr-defined]
    overrides[deps.get_title_matcher_loader] = lambda: lambda: esco_matcher
    options = overrides[deps.get_plan_options]()  # the client's: no courses
    overrides[routes.get_loaded] = lambda: routes.Loaded(esco_graph, options, None)
    asked = {**PLAN, "current": "Kfz-Mechatroniker", "target": "automotive battery technican"}
    response = esco_client.get("/", params=asked)
    assert response.status_code == 422
    html = response.text
    assert "No ESCO occupation is called “Kfz-Mechatroniker”" in _text(html, "current-error")
    picks = re.findall(r'name="fix" value="current\|([^"]+)"', html)
    assert picks[0] == "vehicle technician", "the matcher's match comes first, though its label is far"
    assert "mechatronics engineer" in picks and len(picks) == len(set(picks)) <= 5  # and the closest labels
    assert 'name="fix" value="target|automotive battery technician"' in html
    assert "<svg" not in html, "no plan from a guess"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"hours": "lots"}, "hours", "“lots” is not a number more than 0"),
        ({"hours": "0"}, "hours", "is not a number more than 0"),
        ({"hours": "0.0001"}, "hours", "0.25"),  # a plan past the calendar's end was a 500
        ({"budget": "-5"}, "budget", "is not a number 0 or more"),
        ({"start": "2027-13-01"}, "start", "is not a date"),
        ({"start": "9999-12-31"}, "start", "Must be a date from 2000-01-01 to 2100-12-31, got 9999-12-31"),
        ({"deadline": "2026-12-01"}, "deadline", "2026-12-01 is before the start date 2027-01-04"),
        ({"currency": "XYZ"}, "currency", "XYZ"),
        ({"target": ""}, "target", "Choose where you want to go"),
        ({"current": ""}, "current", "Type your job title"),
    ],
)
def test_bad_input_is_said_in_words_next_to_the_field(
    page_client: TestClient, change: dict[str, str], field: str, words: str
) -> None:
    response = page_client.get("/", params={**PLAN, **change})
    assert response.status_code == 422, response.text[:500]
    assert words in _text(response.text, f"{field}-error")
    assert f'href="#{field}"' in response.text, "the error summary links to the field"


def test_where_the_person_lives_goes_with_the_plan_and_stays_picked(
    page_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The region picked (any case in the address) is the plan request's, as the JSON API's ``region``
    (in-person courses elsewhere left out), and stays selected; a code of no region upskill knows is said at
    the field."""
    from api.http.routers import planning

    asked: list[str | None] = []
    answer = planning.plans_answer

    def recording(body: Any, *args: Any) -> Any:
        asked.append(body.region)
        return answer(body, *args)

    monkeypatch.setattr(planning, "plans_answer", recording)
    response = page_client.get("/", params={**PLAN, "region": "sk02"})
    assert response.status_code == 200, response.text[:500]
    assert asked == ["SK02"] and '<option value="SK02" selected>' in response.text
    assert "<svg" in response.text
    wrong = page_client.get("/", params={**PLAN, "region": "XX99"})
    assert wrong.status_code == 422
    assert "'XX99' is not a NUTS region upskill knows" in _text(wrong.text, "region-error")
    assert 'href="#region"' in wrong.text and '<option value="XX99" selected>' in wrong.text


def test_where_could_i_go_lists_roles_in_words_with_one_click_to_choose(page_client: TestClient) -> None:
    html = page_client.get("/", params={"current": "welder", "action": "explore"}).text
    roles = re.findall(r'name="choose" value="([^"]+)"', html)
    assert roles and roles[0] == "pipe welder"
    assert "of the skills it requires" in html and "the same ISCO occupation group as yours" in html
    assert re.search(r"you already have \d+ % of the skills it requires; it uses \d+ % of yours", html), (
        "shares written as the page's score is ('53 % close')"
    )
    chosen = page_client.get("/", params={**PLAN, "action": "", "choose": "vehicle painter"}).text
    assert "From where you are to vehicle painter" in chosen and 'value="vehicle painter"' in chosen


def test_what_if_says_what_moved(page_client: TestClient) -> None:
    first = page_client.get("/", params=PLAN).text
    previous = dict(re.findall(r'<input type="hidden" name="(prev_\w+)" value="([^"]*)">', first))
    assert previous["prev_hours"] == "10" and previous["prev_budget"] == "no limit"
    again = page_client.get("/", params={**PLAN, **previous, "hours": "2", "budget": "0"}).text
    changes = _text(again, "results")
    assert "Hours a week: 10 → 2." in changes and "Budget: no limit → 0." in changes
    assert "weeks later" in changes or "Finish: still" in changes


def test_a_server_still_loading_says_so_on_the_page(page_client: TestClient) -> None:
    not_ready = routes.Loaded(None, None, None, "graph: no ESCO yet")
    page_client.app.dependency_overrides[routes.get_loaded] = lambda: not_ready  # type: ignore[attr-defined]
    assert page_client.get("/").status_code == 200, "the form shows while the data loads"
    response = page_client.get("/", params=PLAN)
    assert response.status_code == 503 and "not ready yet (graph: no ESCO yet)" in response.text


def test_the_form_reads_back_what_was_typed() -> None:
    params = QueryParams(
        "current=welder&past=painter&past=&skill=battery+chemistry&level=3&skill=ev&level=9"
        "&lang=EN&mode=online&mode=teleport&free=1&action=plan&fix=past-0|vehicle+painter"
    )
    form = WorkerForm.from_query(params)
    assert form.past == ["vehicle painter"] and form.skills == [("battery chemistry", 3), ("ev", 2)]
    assert form.languages == ["en"] and form.modes == ["online"] and form.free
    again = WorkerForm.from_query(QueryParams(form.query()))
    assert again.query() == form.query()
    assert routes.KINDS["fastest"] == "Fastest plan"
    # the API's and the CLI's name for it, in an address written by hand, is read too (and written as lang)
    form = WorkerForm.from_query(QueryParams("current=welder&language=de&lang=en"))
    assert form.languages == ["en", "de"] and ("lang", "de") in form.query()


@pytest.mark.parametrize("free", [False, True])
def test_what_no_course_covers_is_grouped_by_what_to_do_instead(page_client: TestClient, free: bool) -> None:
    """Each skill a plan leaves open is listed under what the worker can do about it, headed as the command
    line heads it (and worded for free courses only when those were asked for)."""
    from api.services.open_skills import open_heading

    params = {**PLAN, "lang": ["it"], **({"free": "1"} if free else {})}
    html = unescape(page_client.get("/", params=params).text)
    body = {
        "current_occupations": ["occ:welder"],
        "target": "occ:battery",
        "hours_per_week": 10,
        "start": "2027-01-04",
        "languages": ["it"],
        **({"budget": 0} if free else {}),
    }
    plans = page_client.post("/v1/plans", json=body).json()["plans"]
    open_items = [(plan, item) for plan in plans for item in plan["uncovered_skills"]]
    assert open_items, "the case needs a plan that leaves skills open"
    assert "What to do: ask your employer" not in html, "no longer one sentence for every skill"
    # The headline counts what the plan leaves open: not "no course covers" (some are taught, in other
    # languages).
    count = len(plans[0]["uncovered_skills"])
    headline = " ".join(html[html.index('class="headline"') :].split("</p>")[0].split())
    skills = f"{count} skill{'s' if count != 1 else ''}"
    assert not plans[0]["steps"], "no course is in Italian"
    assert f"No course can be planned for you</strong>: {skills} to close another way (see below)" in headline
    assert "no course here covers" not in html
    # the plans' explanations point at the list below, never at the JSON's field name
    assert "uncovered_skills" not in html
    for plan, item in open_items:
        section = html[html.index(f'id="plan-{plan["kind"]}"') :]
        section = section[: section.index("</details>")]
        heading = open_heading(item["alternative"]["kind"], free_only=free)
        assert "What this plan does not close, and what to do instead" in section
        under = section[section.index(heading) :]
        reason = item["reason"].replace(": see excluded_courses", "")  # the page has no such list
        assert f"<strong>{item['label']}</strong> ({item['relation']}): {reason}" in under, item


def test_courses_left_out_are_listed_once_per_reason_with_their_count(
    page_client: TestClient, tiny_session: Session, tiny_graph: CompetenceGraph
) -> None:
    """Thousands of courses can share one reason (a language the listing does not state): the page says each
    reason once, with how many courses it rules out and a few of their ids, as the command line does."""
    tiny_session.add_all(
        Course(
            id=f"udemy-{n}",
            title=f"Listing {n}",
            hours=3,
            currency="USD",
            language="und",
            catalogue="udemy",
            flags=["price-unknown", "language-unknown"],
        )
        for n in range(7)
    )
    tiny_session.flush()
    loaded = routes.Loaded(tiny_graph, load_plan_options(db_session=tiny_session), None)
    page_client.app.dependency_overrides[routes.get_loaded] = lambda: loaded  # type: ignore[attr-defined]
    html = unescape(page_client.get("/", params={**PLAN, "lang": ["it"]}).text)
    listed = html[html.index("left out for you") :].split("</details>")[0]
    assert "7 courses left out for you" in html
    reason = "language not stated by udemy; the worker takes courses in Italian ('it')"
    assert listed.count(reason) == 1
    assert f"<li>7: {reason}\n    (udemy-0, udemy-1, udemy-2, udemy-3, udemy-4 and 2 more)</li>" in listed


def test_a_course_whose_catalogue_states_no_price_is_not_called_free(
    page_client: TestClient, tiny_session: Session, tiny_graph: CompetenceGraph
) -> None:
    """With no budget, a course whose catalogue states no price is planned at 0, which is not known to be
    free: its price reads 'not stated' and the plan's total says one course has none, as upskill plan and
    the answer's price_not_stated say (the page read 'free')."""
    course = tiny_session.get(Course, "ev-intro")
    assert course is not None
    course.flags, course.catalogue = ["price-unknown"], "udemy"
    tiny_session.flush()
    loaded = routes.Loaded(tiny_graph, load_plan_options(db_session=tiny_session), None)
    page_client.app.dependency_overrides[routes.get_loaded] = lambda: loaded  # type: ignore[attr-defined]
    html = page_client.get("/", params=PLAN).text
    row = re.search(
        r'<th scope="row">EV and battery basics</th>\s*<td>[^<]*</td>\s*<td>[^<]*</td>\s*<td>([^<]*)</td>',
        html,
    )
    assert row is not None and row.group(1) == "not stated"
    totals = [
        unescape(re.sub(r"<[^>]+>|\s+", " ", t))
        for t in re.findall(r'<p class="totals">(.*?)</p>', html, re.S)
    ]
    with_it = [t for t in totals if "no price stated" in t or "price not stated" in t]
    assert with_it, totals
    assert not any(" free" in t for t in with_it)


def test_a_missed_deadline_offers_a_plan_chosen_for_it(
    page_client: TestClient, tiny_session: Session, tiny_graph: CompetenceGraph
) -> None:
    """At 4 h a week no course of the plan (10 h and more each) ends in the 2 weeks to the deadline, so no
    drop helps; a 5-hour battery course not in the plan does: the page names it as the plan for the
    deadline."""
    tiny_session.add(Course(id="battery-short", title="Battery basics, short", hours=5, language="en"))
    tiny_session.flush()
    tiny_session.add(CourseSkill(course_id="battery-short", skill_uri=BATTERY, level=1))
    tiny_session.flush()
    loaded = routes.Loaded(tiny_graph, load_plan_options(db_session=tiny_session), None)
    page_client.app.dependency_overrides[routes.get_loaded] = lambda: loaded  # type: ignore[attr-defined]
    html = page_client.get("/", params={**PLAN, "hours": "4", "deadline": "2027-01-17"}).text
    advice = html[html.index('<div class="deadline"') :].split("</div>")[0]
    assert "cannot be met" in advice and "Or drop these courses" not in advice
    summary = re.findall(r'<p class="explanation">(.*?)</p>', html, re.S)[0]
    assert "It misses your deadline: what would make it is said below." in summary
    assert "Deadline not met" not in summary and "chosen for the deadline" not in summary  # said in the box
    assert (
        "Or take a plan chosen for the deadline, which reaches more of what you lack than dropping courses: "
        "<strong>Battery basics, short</strong>." in advice
    )
    body = {
        "current_occupations": ["occ:welder"],
        "target": "occ:battery",
        "hours_per_week": 4,
        "start": "2027-01-04",
        "deadline": "2027-01-17",
        "languages": ["en", "de"],
    }
    page_client.app.dependency_overrides[deps.get_plan_options] = lambda: loaded.options  # type: ignore[attr-defined]
    plans = page_client.post("/v1/plans", json=body).json()["plans"]  # the API says the same
    assert plans[0]["deadline"]["instead"] == ["battery-short"] and plans[0]["deadline"]["drop"] == []
