"""The HR page (scenario 3) and the region page (scenario 4) in a real browser (headless Chromium).

The server is the worker page's (``tests/api/http/web/conftest.py``: the bundled ESCO, catalogue and badges);
an organisation and the keys are added to its database here. Each test saves screenshots under
``test-artifacts/`` and checks the page with axe-core.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from api.services import keys
from data.db import make_engine, transaction
from data.demo.scenario3 import HERE as DEMO
from data.models import Organisation

# the worker page's browser harness (server, Chromium, screenshots, axe-core) is in this folder's conftest
harness = pytest.importorskip("tests.api.http.web.conftest", reason="the worker page's browser harness")
screenshot, serious_accessibility_violations = harness.screenshot, harness.serious_accessibility_violations

pytestmark = pytest.mark.browser
PLAN_SECONDS = 600  # scenario 3 plans in seconds; a loaded test machine gets time


@pytest.fixture(scope="module")
def staff_keys(web_database: str) -> dict[str, str]:
    engine = make_engine(web_database)
    with transaction(engine) as session:
        plant = Organisation(name="Lombardy powertrain plant")
        session.add(plant)
        session.flush()
        _, hr = keys.create_key(session, role="hr", organisation_id=plant.id)
        _, region = keys.create_key(session, role="region", region="CZ08")
        _, stuttgart = keys.create_key(session, role="region", region="DE11")
    engine.dispose()
    return {"hr": hr, "region": region, "stuttgart": stuttgart}


def _answer(page: Any, selector: str) -> Any:
    """The answer drawn below the form, or the failure the page reports instead."""
    answer = page.locator(f"#staff-answer {selector}")
    either = page.locator(f"#staff-answer {selector}, #staff-status.failed").first
    either.wait_for(timeout=PLAN_SECONDS * 1000)
    failed = page.locator("#staff-status.failed")
    assert not failed.count(), failed.inner_text()
    return answer


def _downloaded(page: Any, button: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("button", name=button).click()
    return Path(info.value.path()).read_bytes()


def test_hr_plans_scenario_3_confirms_a_title_and_downloads_the_report(
    page: Any, staff_keys: dict[str, str]
) -> None:
    page.goto("/hr")
    screenshot(page, "hr-empty")
    page.get_by_role("button", name="Plan the transition").click()
    assert "Type your key first" in page.locator("#staff-status").inner_text()
    page.get_by_label("Your hr key").fill(staff_keys["hr"])
    page.get_by_label("Workforce (CSV or JSON)").set_input_files(str(DEMO / "scenario3_workforce.csv"))
    page.get_by_label("Target roles (CSV or JSON)").set_input_files(str(DEMO / "scenario3_targets.csv"))
    page.get_by_role("button", name="Plan the transition").click()
    cohort = _answer(page, "section.cohort")
    text = cohort.inner_text()
    assert re.search(r"\d+ of 110 seats filled", text), text[:300]
    assert "proven optimal" in text
    assert cohort.locator("figure.chart svg").count() == 4  # a readiness chart per role
    assert cohort.locator("text=Seats to buy").count() == 1
    selects = cohort.locator("#confirm-form select")
    to_confirm = selects.count()
    assert to_confirm >= 1  # titles like "Jolly di linea" are listed, never guessed
    # the skills the courses leave open, the most needed of each role, with what HR can arrange instead
    open_skills = cohort.locator("table[aria-labelledby='open-title']")
    assert open_skills.locator("tbody").count() == 4  # a row group per role
    assert "train them on the job" in open_skills.inner_text() and "your" not in open_skills.inner_text()
    screenshot(page, "hr-open-skills", element=open_skills)
    screenshot(page, "hr-plan", full_page=True)
    assert not serious_accessibility_violations(page)

    # HR confirms the first title with its first candidate, and asks what a smaller budget and English for
    # everyone would change: the plan comes back with one title fewer, and the what-if next to it
    selects.first.select_option(index=1)
    page.get_by_label("Another budget").fill("3000")
    page.get_by_label("Everyone also follows courses in").fill("en")
    page.get_by_role("button", name="Plan again with these occupations").click()
    page.wait_for_function(
        f"document.querySelectorAll('#confirm-form select').length === {to_confirm - 1}"
        " || !!document.querySelector('#staff-status.failed')",
        timeout=PLAN_SECONDS * 1000,
    )
    failed = page.locator("#staff-status.failed")
    assert not failed.count(), failed.inner_text()
    compared = page.locator("table[aria-labelledby='whatif-title']")
    assert page.locator("#whatif-title").inner_text() == "What if budget=3000, language=en"
    assert "EUR 3,000" in compared.get_by_role("row", name="budget EUR").inner_text()
    screenshot(page, "hr-what-if", element=compared)
    assert not serious_accessibility_violations(page)
    report = _downloaded(page, "Download the report (HTML, printable)").decode("utf-8")
    assert "<svg" in report and "Who moves" in report or "<svg" in report and "assignment" in report.lower()
    screenshot(page, "hr-confirmed", full_page=True)


def test_a_bad_file_is_said_on_the_hr_page(page: Any, staff_keys: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "people.csv"
    bad.write_text("person_id,occupation,hours_per_week\nP-1,welder,eight\n", encoding="utf-8")
    page.goto("/hr")
    page.get_by_label("Your hr key").fill(staff_keys["hr"])
    page.get_by_label("Workforce (CSV or JSON)").set_input_files(str(bad))
    page.get_by_label("Target roles (CSV or JSON)").set_input_files(str(DEMO / "scenario3_targets.csv"))
    page.get_by_role("button", name="Plan the transition").click()
    status = page.locator("#staff-status.failed")
    status.wait_for(timeout=PLAN_SECONDS * 1000)
    assert "people.csv, line 2, column 'hours_per_week'" in status.inner_text()
    screenshot(page, "hr-bad-file")


def test_region_plans_scenario_4_and_downloads_the_pdf(page: Any, staff_keys: dict[str, str]) -> None:
    page.goto("/region")
    page.get_by_label("Your region key").fill(staff_keys["region"])
    page.get_by_label("Workforce by occupation (CSV or JSON)").set_input_files(
        str(DEMO / "scenario4_workforce.csv")
    )
    page.get_by_label("Demand (CSV or JSON)").set_input_files(str(DEMO / "scenario4_demand.csv"))
    page.get_by_label("Programmes (optional)").set_input_files(str(DEMO / "scenario4_programmes.csv"))
    page.get_by_role("button", name="Choose the portfolio").click()
    portfolio = _answer(page, "section.portfolio")
    text = portfolio.inner_text()
    assert "Portfolio" in text and "CZ08" in text and "proven optimal" in text
    assert portfolio.locator("figure.chart img").count() >= 3  # made ready, cost per worker, curve, ...
    screenshot(page, "region-portfolio", full_page=True)
    assert not serious_accessibility_violations(page)
    assert _downloaded(page, "Download the evidence report (PDF)").startswith(b"%PDF")
    # another region's key reads nothing of it
    page.get_by_label("Your region key").fill("upsk_not-a-key")
    page.get_by_label("Your region key").dispatch_event("change")
    page.get_by_role("button", name="Download it as HTML").click()
    page.locator("#staff-status.failed").wait_for()
    assert "API key" in page.locator("#staff-status").inner_text()


def test_a_region_key_chooses_its_own_region(page: Any, staff_keys: dict[str, str]) -> None:
    """A region key acts for its own region only: typing it selects that region (Stuttgart's key, DE11, on a
    page whose default is CZ08), so a region other than scenario 4's does not plan for a region it may not
    act for; a key that is no key leaves the choice alone."""
    page.goto("/region")
    region = page.get_by_label("Region", exact=True)
    assert region.input_value() == "CZ08"
    page.get_by_label("Your region key").fill("upsk_not-a-key")
    page.get_by_label("Your region key").dispatch_event("change")
    page.wait_for_load_state("networkidle")
    assert region.input_value() == "CZ08"
    page.get_by_label("Your region key").fill(staff_keys["stuttgart"])
    page.get_by_label("Your region key").dispatch_event("change")
    page.wait_for_function("document.getElementById('nuts').value === 'DE11'")
    page.reload()  # the key kept in this tab chooses it again
    page.wait_for_function("document.getElementById('nuts').value === 'DE11'")
    screenshot(page, "region-key-chooses-region")
    # a key typed and sent at once plans for its own region, not for the default still selected
    page.goto("/region")
    page.evaluate("window.sessionStorage.clear()")
    page.reload()
    assert region.input_value() == "CZ08"
    page.get_by_label("Your region key").fill(staff_keys["stuttgart"])
    page.get_by_label("Workforce by occupation (CSV or JSON)").set_input_files(
        str(DEMO / "scenario4_workforce.csv")
    )
    page.get_by_label("Demand (CSV or JSON)").set_input_files(str(DEMO / "scenario4_demand.csv"))
    page.get_by_role("button", name="Choose the portfolio").click()
    assert "for DE11" in _answer(page, "#portfolio-title").inner_text()
