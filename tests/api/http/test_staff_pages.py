"""The HR and region pages (``api/http/staff``) and the fragments that draw a kept cohort or portfolio, on the
tiny graph (SQLite and PostgreSQL). The pages in a real browser: ``tests/api/http/web/test_staff_browser.py``.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from data.models import Organisation
from tests.api.conftest import MakeKey, bearer
from tests.api.http.test_cohorts import PEOPLE, SETTINGS, TARGETS
from tests.api.http.test_regions import _plan


def test_the_pages_are_forms_that_need_no_key_to_load(client: TestClient) -> None:
    hr = client.get("/hr")
    assert hr.status_code == 200 and 'id="staff-form"' in hr.text and 'name="workforce"' in hr.text
    assert 'data-kind="cohort"' in hr.text and "/staff/static/staff.js" in hr.text
    # the what-if boxes have no name: the script sends each one filled as what_if=KEY=VALUE
    for key in ("budget", "hours-per-week", "language"):
        assert f'data-what-if="{key}"' in hr.text
    region = client.get("/region")
    assert (
        region.status_code == 200
        and 'name="programmes"' in region.text
        and 'data-kind="portfolio"' in region.text
    )
    assert client.get("/staff/static/staff.js").status_code == 200
    # the region is chosen among those upskill knows (data.nuts), not typed
    assert '<select id="nuts" name="nuts"' in region.text
    assert '<option value="CZ08" selected>Moravskoslezsko (CZ08)</option>' in region.text
    assert '<option value="DE11">Stuttgart (DE11)</option>' in region.text


def test_a_kept_cohort_is_drawn_for_its_organisation_only(
    client: TestClient, tiny_session: Session, api_key: MakeKey
) -> None:
    own, other = Organisation(name="Lombardy plant"), Organisation(name="Other company")
    tiny_session.add_all([own, other])
    tiny_session.flush()
    key = api_key("hr", organisation_id=own.id)
    body = {"name": "spring 2027", "workforce": PEOPLE, "targets": TARGETS, **SETTINGS}
    cohort = client.post("/v1/cohorts", json=body, headers=bearer(key)).json()
    drawn = client.get(f"/hr/cohorts/{cohort['id']}", headers=bearer(key))
    assert drawn.status_code == 200, drawn.text
    assert "3 of 3 seats filled" in drawn.text and "proven optimal" in drawn.text
    assert drawn.text.count("<svg") == 2  # a readiness chart per role
    assert 'id="confirm-form"' in drawn.text and 'data-person="W-5"' in drawn.text  # the title to confirm
    assert f'data-download="/v1/cohorts/{cohort["id"]}/report"' in drawn.text
    # the skills the courses leave open, with what HR can arrange instead
    assert ">Skills the courses leave open, and what to do</h3>" in drawn.text
    assert (
        '<tr><td>electric vehicles</td><td class="num-col">2</td><td>courses teach it further, but not '
        "within these people&#39;s limits (language, dates or budget): buy seats beyond them, or ask a "
        "provider for one that fits</td></tr>"
    ) in drawn.text
    assert "What if" not in drawn.text  # none asked for
    # each person's courses, in order, on their row
    plans = client.get(f"/v1/cohorts/{cohort['id']}/plans", headers=bearer(key)).json()["items"]
    with_courses = next(plan for plan in plans if plan["steps"])
    titles = "; ".join(step["title"] for step in with_courses["steps"])
    person = with_courses["people"][0]
    assert re.search(
        rf"<tr><td>{person}</td><td>[^<]*</td><td>[^<]*</td><td>{re.escape(titles)}</td>", drawn.text
    )
    # the "compare with" boxes: the what-if next to the plan, each figure as the totals read
    body["what_if"] = ["budget=0"]
    compared = client.post("/v1/cohorts", json=body, headers=bearer(key)).json()
    page = " ".join(client.get(f"/hr/cohorts/{compared['id']}", headers=bearer(key)).text.split())
    assert '<h3 id="whatif-title">What if budget=0</h3>' in page
    fees = compared["what_if"]["plan"]["cost"]
    row = '<tr><th scope="row">{}</th> <td class="num-col">{}</td> <td class="num-col">{}</td></tr>'
    assert row.format("fees", f"EUR {fees:,.0f}", "EUR 0") in page
    assert row.format("budget", "EUR 1,000", "EUR 0") in page
    # with no money for fees, people move on free courses only, and the page says so
    body.pop("what_if")
    broke = client.post("/v1/cohorts", json={**body, "budget": 0}, headers=bearer(key)).json()
    assert broke["totals"]["on_free_courses"] > 0
    page = " ".join(client.get(f"/hr/cohorts/{broke['id']}", headers=bearer(key)).text.split())
    assert f"{broke['totals']['on_free_courses']} of the people moving take free courses only" in page
    assert '<small class="hint">(free courses only)</small>' in page
    stranger = client.get(
        f"/hr/cohorts/{cohort['id']}", headers=bearer(api_key("hr", organisation_id=other.id))
    )
    assert stranger.status_code == 404 and "W-1" not in stranger.text
    assert client.get(f"/hr/cohorts/{cohort['id']}").status_code == 401


def test_the_hr_pages_seats_to_buy_say_how_many_for_each_role_and_at_what_cost() -> None:
    """Each course's seats per role, the most first, with their fees where the course has a price (scenario
    3's page listed 'automotive electrician, battery assembler, battery test technician', without a
    count)."""
    from api.http.staff.pages import templates

    seats = [
        {"title": "Electric Cars: Technology", "seats": 48, "first_month": "2027-01", "currency": "EUR",
         "price_per_seat": 0.0, "total_price": 0.0,
         "for_targets": {"automotive electrician": 14, "battery assembler": 28,
                         "battery test technician": 6}},
        {"title": "Introduction to Electronics", "seats": 34, "first_month": "2027-01", "currency": "EUR",
         "price_per_seat": 131.58, "total_price": 4473.72,
         "for_targets": {"battery assembler": 28, "battery test technician": 1}},
    ]  # fmt: skip
    document = {
        "cohort_id": 1,
        "totals": {"filled": 9, "headcount": 9, "assigned": 9, "people": 9, "course_hours": 0,
                   "on_the_job_hours": 0, "currency": "EUR", "cost": 0, "budget": None},
        "certificate": {"status": "optimal"},
        "targets": [], "unfilled": [], "seats": seats, "assignments": [], "to_confirm": [],
    }  # fmt: skip
    page = templates.env.get_template("_cohort.html").render(c=document, chart="", open_top=5)
    assert (
        "<td>battery assembler: 28 seats; automotive electrician: 14 seats; "
        "battery test technician: 6 seats</td>" in page
    )
    assert (
        "<td>battery assembler: 28 seats (EUR 3,684); battery test technician: 1 seat (EUR 132)</td>" in page
    )


def test_the_hr_page_shows_the_most_needed_open_skills_of_each_role() -> None:
    """The fragment shows the 5 open skills of each role most people need (the report has them all), each
    way with its people where they differ; a cohort kept before the ways shows a dash."""
    from api.http.staff.pages import templates

    ways = [
        {"kind": "on-the-job", "text": "train them on the job", "badge_id": None, "people": 7},
        {"kind": "funding", "text": "buy seats beyond their limits", "badge_id": None, "people": 2},
    ]
    skills = [{"skill": "battery chemistry", "people": 9, "instead": ways}]
    skills += [{"skill": f"skill {k}", "people": 8 - k, "instead": ways[:1]} for k in range(5)]
    skills += [{"skill": "old skill", "people": 1}]  # kept before the ways
    document = {
        "cohort_id": 1,
        "name": "spring",
        "totals": {"filled": 9, "headcount": 9, "assigned": 9, "people": 9, "course_hours": 0,
                   "on_the_job_hours": 0, "currency": "EUR", "cost": 0, "budget": None},
        "certificate": {"status": "optimal"},
        "targets": [], "unfilled": [], "seats": [], "assignments": [], "to_confirm": [],
        "on_the_job": [
            {"target_uri": "occ:a", "target_label": "battery assembler", "skills": skills},
            {"target_uri": "occ:b", "target_label": "electrician", "skills": skills[-1:]},
        ],
    }  # fmt: skip
    page = templates.env.get_template("_cohort.html").render(c=document, chart="")
    assert "the 5 most needed per role; the report\nlists all 8" in page
    assert "battery assembler (7 skills)" in page and "electrician (1 skill)" in page
    assert (
        '<tr><td>battery chemistry</td><td class="num-col">9</td><td><ul class="ways">'
        "<li>for 7: train them on the job</li><li>for 2: buy seats beyond their limits</li></ul></td></tr>"
    ) in page
    assert "<td>skill 3</td>" in page and "<td>skill 4</td>" not in page  # the 6th of its role
    assert '<tr><td>old skill</td><td class="num-col">1</td><td>–</td></tr>' in page
    assert "people stay" not in page and 'class="status failed"' not in page  # none stay, nothing to heed
    document["on_the_job"] = []  # nothing left open: no section
    assert "Skills the courses leave open" not in templates.env.get_template("_cohort.html").render(
        c=document, chart=""
    )


def test_a_kept_portfolio_is_drawn_for_its_region_only(client: TestClient, api_key: MakeKey) -> None:
    key = api_key("region", region="CZ08")
    plan = _plan(client, key).json()
    drawn = client.get(f"/region/cz08/portfolios/{plan['id']}", headers=bearer(key))
    assert drawn.status_code == 200, drawn.text
    assert "Battery and EV" in drawn.text and drawn.text.count("data:image/png;base64,") >= 3
    assert "report?format=pdf" in drawn.text
    other = client.get(
        f"/region/SK02/portfolios/{plan['id']}", headers=bearer(api_key("region", region="SK02"))
    )
    assert other.status_code == 404 and "Battery and EV" not in other.text


def test_a_kept_portfolio_says_what_to_commission_and_what_to_do_meanwhile(
    client: TestClient, api_key: MakeKey
) -> None:
    key = api_key("region", region="CZ08")
    demand = "occupation,headcount,year\nbattery technician,50,2028\nmetal fabricator,10,2028\n"
    plan = _plan(client, key, demand=demand).json()
    (comm,) = [r for r in plan["supply_gap"] if r["skill"] == "communicate with customers"]
    assert comm["instead"]["kind"] == "on-the-job" and "fund work-based learning" in comm["instead"]["text"]
    drawn = client.get(f"/region/CZ08/portfolios/{plan['id']}", headers=bearer(key)).text
    assert "What to commission next" in drawn and '<th scope="col">What to commission or fund</th>' in drawn
    assert f"<td>{comm['instead']['text']}</td>".replace("'", "&#39;") in drawn
    assert "your" not in drawn.split("What to commission next")[1]
    # the counts the page and its supply-gap chart show are explained under the table
    assert "Demand out of reach: the demand for the roles that no current occupation can reach" in drawn
    assert "Moves blocked: how many moves from a current occupation to a demanded role" in drawn
    assert (
        "Privacy, so that no one can be picked out of a small group: a figure that describes 1 to 4 people "
        "is not shown" in drawn
    )


def test_the_hr_page_says_what_to_heed_and_who_stays() -> None:
    """The warnings the command line prints as notes (people who get no course at all) and how many people
    stay, of whom how many fit no role, are on the page too; the report names them."""
    from api.http.staff.pages import templates

    warning = "2 of the people moving get no course at all: ... (2 take courses only in Italian ('it'))."
    stay = [
        {"person_id": "W-7", "fits_a_target": False},
        {"person_id": "W-8", "fits_a_target": True},
        {"person_id": "W-9", "fits_a_target": True},
    ]
    document = {
        "cohort_id": 1, "name": "spring",
        "totals": {"filled": 2, "headcount": 2, "assigned": 2, "people": 5, "course_hours": 0,
                   "on_the_job_hours": 0, "currency": "EUR", "cost": 0, "budget": None},
        "certificate": {"status": "optimal"}, "targets": [], "unfilled": [], "seats": [], "assignments": [],
        "to_confirm": [], "on_the_job": [], "warnings": [warning], "unassigned": stay,
    }  # fmt: skip
    page = " ".join(templates.env.get_template("_cohort.html").render(c=document, chart="").split())
    assert '<p class="status failed">2 of the people moving get no course at all' in page
    assert "3 people stay: 1 fit no role well, 2 fit a role but are not needed for the seats." in page
