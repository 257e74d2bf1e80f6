"""The worker page in a real browser (headless Chromium), as Katrin (scenario 1) uses it.

Each test saves what it ends on as ``test-artifacts/*.png``; axe-core checks the page for serious and
critical accessibility violations at each stage worth checking.
"""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

import pytest

from tests.api.http.web.conftest import screenshot, serious_accessibility_violations

pytestmark = pytest.mark.browser

KATRIN = {
    "current": "diesel engine mechanic",
    "target": "automotive battery technician",
    "budget": "1500",
    "hours": "6",
    "start": "2027-01-04",
    "deadline": "2027-09-30",
}


def _pick(page: Any, field: str, typed: str, label: str, *, keyboard: bool, shot: str = "") -> None:
    """Type into a suggesting field and pick ``label`` from the list, with the keyboard or the mouse."""
    box = page.locator(f"#{field}")
    box.click()
    box.press_sequentially(typed, delay=20)
    option = page.locator(f"#{field}-list [role=option]", has_text=label).first
    option.wait_for(state="visible")
    assert box.get_attribute("aria-expanded") == "true"
    if shot:
        screenshot(page, shot)
    if keyboard:
        for _ in range(10):
            box.press("ArrowDown")
            active = box.get_attribute("aria-activedescendant")
            if active and page.locator(f"#{active}").get_attribute("data-value") == label:
                break
        box.press("Enter")
    else:
        option.click()
    assert box.input_value() == label
    assert page.locator(f"#{field}-list").is_hidden()


def _fill_katrin(page: Any) -> None:
    _pick(page, "current", "disel engine mech", KATRIN["current"], keyboard=True, shot="first-screen")
    _pick(page, "target", "automotive battery tech", KATRIN["target"], keyboard=False)
    for field in ("budget", "hours", "start", "deadline"):
        page.locator(f"#{field}").fill(KATRIN[field])
    for name in ("English", "German", "online", "blended"):
        page.get_by_label(name, exact=True).check()


def _api_plan(base: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{base}/v1/plans", data=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        answer: dict[str, Any] = json.load(response)
    return answer


def test_scenario_1_from_an_empty_form_to_a_timeline(page: Any, web_url: str) -> None:
    page.goto("/")
    assert page.locator("h1").inner_text() == "Plan your next job"
    assert "Your plan appears here" in page.locator("#results").inner_text()
    assert serious_accessibility_violations(page) == []

    _fill_katrin(page)
    page.get_by_role("button", name="Make my plan", exact=True).last.click()
    page.locator("#plan-fastest svg rect").first.wait_for(state="visible")

    title = page.locator("#results-title").inner_text()
    assert title == "From where you are to automotive battery technician"
    assert page.locator("#status").inner_text() == "", "the status line ends when the answer is there"
    assert "missing" in page.locator(".gap").inner_text()
    fastest = page.locator("#plan-fastest")
    rows = fastest.locator("table.steps tbody tr")
    bars = fastest.locator("svg rect.bar")
    assert rows.count() >= 1 and bars.count() == rows.count(), "one bar per course"
    totals = fastest.locator(".totals").inner_text()
    assert "finished on 2027-" in totals and "hours" in totals
    assert fastest.locator(".explanation").inner_text()
    reasons = fastest.locator("table.steps tbody tr td:last-child").all_inner_texts()
    assert all(reason.strip() for reason in reasons), "each step says why it is there"

    # the page shows the JSON API's plan: same courses in the same order
    api = _api_plan(
        web_url,
        {
            "current_occupations": [KATRIN["current"]],
            "target": KATRIN["target"],
            "budget": 1500,
            "hours_per_week": 6,
            "start": KATRIN["start"],
            "deadline": KATRIN["deadline"],
            "languages": ["en", "de"],
            "delivery_modes": ["online", "blended"],
        },
    )
    assert [s["title"] for s in api["plans"][0]["steps"]] == fastest.locator(
        "table.steps tbody th"
    ).all_inner_texts()
    assert api["plans"][0]["kind"] == "fastest"
    assert serious_accessibility_violations(page) == []
    screenshot(page, "plan-timeline", element=fastest)

    # what-if: more hours a week, and the finish date moves
    finish_before = api["plans"][0]["totals"]["finish_date"]
    hours = page.locator("#whatif-hours")
    hours.fill("12")
    hours.dispatch_event("change")
    page.locator(".changes").wait_for(state="visible")
    changes = page.locator(".changes").inner_text()
    assert "Hours a week: 6 → 12." in changes
    assert f"Finish: {finish_before} → " in changes or f"Finish: still {finish_before}" in changes
    assert page.locator("#whatif-hours").input_value() == "12"
    screenshot(page, "what-if", full_page=True)


def test_a_misspelt_job_title_is_named_next_to_its_field_with_labels_to_pick(page: Any) -> None:
    page.goto("/")
    page.locator("#current").fill("disel enigne mechanic")
    page.locator("#target").fill(KATRIN["target"])
    page.locator("#hours").press("Enter")  # Enter in a field makes the plan

    summary = page.locator("#error-summary")
    summary.wait_for(state="visible")
    assert page.evaluate("document.activeElement.id") == "error-summary", "focus moves to the errors"
    error = page.locator("#current-error")
    assert "No ESCO occupation is called “disel enigne mechanic”" in error.inner_text()
    assert page.locator("#current").get_attribute("aria-invalid") == "true"
    assert "current-error" in (page.locator("#current").get_attribute("aria-describedby") or "")
    assert page.locator("#results svg").count() == 0, "no plan is made from a guess"
    assert serious_accessibility_violations(page) == []
    screenshot(page, "misspelt-title", full_page=True)

    error.get_by_role("button", name="diesel engine mechanic", exact=True).click()
    page.locator("#plan-fastest svg rect").first.wait_for(state="visible")
    assert page.locator("#current").input_value() == "diesel engine mechanic"
    assert page.locator("#error-summary").count() == 0


def test_an_impossible_deadline_gives_the_earliest_date_and_what_to_drop(page: Any) -> None:
    query = "&".join(
        f"{key}={value.replace(' ', '+')}" for key, value in {**KATRIN, "deadline": "2027-03-15"}.items()
    )
    page.goto(f"/?{query}&lang=en&lang=de&action=plan")
    deadline = page.locator("#plan-fastest .deadline")
    assert deadline.is_visible()
    text = deadline.inner_text()
    assert "Your deadline, 2027-03-15, cannot be met" in text
    assert "The earliest you can finish with this plan: 2027-" in text
    assert "To finish by the deadline, study" in text
    # ten weeks at 6 h: the part of the plan that ends in time, and what dropping the rest leaves lower
    assert "Or drop these courses:" in text and "would finish by the deadline with the other" in text
    assert re.search(r"leaving [a-z ,]+ \(essential\)[a-z ,()]* lower", text), text
    assert page.locator("#plan-fastest svg .deadline-line").count() == 1
    assert serious_accessibility_violations(page) == []
    screenshot(page, "impossible-deadline", element=page.locator("#plan-fastest"))


def test_printed_or_saved_as_a_pdf_the_page_holds_what_was_asked_and_the_plans_not_the_forms(
    page: Any,
) -> None:
    """Katrin prints her plan for the employer who pays: every plan on paper (a plan she closed too, and
    closed again after), what she asked for, and none of the forms."""
    pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 reads the PDF: `make test` installs it")
    query = "&".join(f"{key}={value.replace(' ', '+')}" for key, value in KATRIN.items())
    page.goto(f"/?{query}&lang=en&lang=de&action=plan")
    first = page.locator("details.plan").first
    titles = first.locator("table.steps th[scope=row]").all_inner_texts()
    first.locator("summary").click()
    assert titles and first.get_attribute("open") is None
    document = pdfium.PdfDocument(page.pdf(format="A4"))
    text = " ".join(" ".join(sheet.get_textpage().get_text_range().split()) for sheet in document)
    assert (
        "Asked for: from diesel engine mechanic to automotive battery technician; budget 1500 EUR; 6 hours a "
        "week from 2027-01-04, finished by 2027-09-30; in en, de." in text
    )
    assert "The courses, in order" in text and all(" ".join(t.split()) in text for t in titles), (
        "the closed plan is printed open"
    )
    for form_words in ("What I can give", "Make my plan", "What if", "Add this plan to my calendar"):
        assert form_words not in text
    assert first.get_attribute("open") is None, "closed again after printing"
    page.emulate_media(media="print")
    screenshot(page, "printed-plan", full_page=True)


def test_where_could_i_go_ranks_roles_in_words_and_one_click_plans_for_one(page: Any) -> None:
    page.goto("/")
    page.locator("#current").fill(KATRIN["current"])
    page.get_by_role("button", name="Show me where I could go").click()
    roles = page.locator("ol.roles > li")
    roles.first.wait_for(state="visible")
    assert roles.count() == 10
    first = roles.first
    label = first.locator("h3").inner_text()
    assert "% close" in first.inner_text() and "of the skills it requires" in first.inner_text()
    assert serious_accessibility_violations(page) == []
    screenshot(page, "where-could-i-go", full_page=True)
    button = first.get_by_role("button", name=re.compile(f"^Choose this role.*{re.escape(label)}$"))
    button.click()
    page.locator("#results-title", has_text=label).wait_for(state="visible")
    assert page.locator("#target").input_value() == label


def test_phone_width_keyboard_order_and_no_sideways_scrolling(browser: Any, web_url: str) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, base_url=web_url)
    tab = context.new_page()
    try:
        query = "&".join(f"{key}={value.replace(' ', '+')}" for key, value in KATRIN.items())
        tab.goto(f"/?{query}&action=plan")
        tab.locator("#plan-fastest svg").wait_for(state="visible")
        assert tab.evaluate("document.documentElement.scrollWidth") <= 375, "the page never scrolls sideways"
        screenshot(tab, "phone", full_page=True)

        tab.goto("/")
        order = []
        for _ in range(17):
            tab.keyboard.press("Tab")
            focused = "document.activeElement.id || document.activeElement.textContent.trim()"
            order.append(tab.evaluate(focused))
        assert order[:13] == [
            "Skip to the form",
            "upskill",
            "Have a worker key? Sign in to keep your profile and plan",
            "cv-text",
            "Find my skills",
            "current",
            "past-0",
            "Add another past job",
            "skill-0",
            "level-0",
            "Add another skill",
            "target",
            "Show me where I could go",
        ]
        assert order[13:17] == ["budget", "currency", "region", "free"]
    finally:
        context.close()


def test_no_answer_ends_the_wait_with_words_not_an_endless_spinner(page: Any) -> None:
    page.goto("/")
    page.locator("#current").fill(KATRIN["current"])
    page.locator("#target").fill(KATRIN["target"])
    page.route("**/?*action=plan*", lambda route: route.abort("connectionrefused"))
    page.get_by_role("button", name="Make my plan", exact=True).last.click()
    status = page.locator("#status.failed")
    status.wait_for(state="visible")
    assert status.inner_text().startswith("Could not reach upskill")
    assert page.evaluate("document.activeElement.id") == "status", "the message is where the focus goes"
    assert page.get_by_role("button", name="Make my plan", exact=True).last.is_enabled(), "one can try again"


CV = """Katrin Weber, diesel engine mechanic, Stuttgart.
2016-2024, Neckar Motors: I repaired diesel engines and maintained hybrid drivetrains.
I diagnosed engine faults with diagnostic equipment and advised customers on repairs.
Certified to work on high-voltage systems of electric vehicles."""


def test_paste_your_cv_suggests_skills_with_their_sentence_and_one_key_adds_one(page: Any) -> None:
    page.goto("/")
    page.get_by_role("button", name="Find my skills").click()  # nothing pasted yet
    error = page.locator("#cv-error")
    error.wait_for(state="visible")
    assert "The box is empty: paste your CV" in error.inner_text()
    assert page.evaluate("document.activeElement.id") == "cv-text", "the focus goes to the box to fill"

    page.locator("#cv-text").fill(CV)
    page.get_by_role("button", name="Find my skills").click()
    found = page.locator("#cv-found")
    found.wait_for(state="visible", timeout=300_000)  # the first use fits the skill extractor
    items = page.locator(".cv-skill")
    assert items.count() >= 3
    quotes = items.locator(".cv-evidence").all_inner_texts()
    marks = items.locator(".cv-evidence mark").all_inner_texts()
    for quote, mark in zip(quotes, marks, strict=True):  # each skill with the sentence of the CV naming it
        assert mark and mark in quote and quote.strip(" …") in CV, (quote, mark)
    assert page.locator("#skill-0").input_value() == "", "nothing is added on its own"
    assert serious_accessibility_violations(page) == []

    first = items.first
    label = first.get_attribute("data-label")
    first.locator("select").select_option(label="advanced")
    first.get_by_role("button", name=f"Add {label} to my skills").focus()
    page.keyboard.press("Enter")
    first.locator(".cv-added").wait_for(state="visible")
    assert first.locator(".cv-added").inner_text() == "In your skills (advanced)."
    assert page.locator("#skill-0").input_value() == label
    assert page.locator("#level-0").input_value() == "3"
    assert page.locator("#skill-1").input_value() == "", "an empty skill row stays last"
    assert serious_accessibility_violations(page) == []
    screenshot(page, "cv-skills", element=page.locator("#cv-panel"))


def test_paste_your_cv_works_without_javascript(browser: Any, web_url: str) -> None:
    context = browser.new_context(java_script_enabled=False, base_url=web_url)
    context.set_default_timeout(300_000)
    tab = context.new_page()
    try:
        tab.goto("/?current=diesel+engine+mechanic&hours=8")  # what the form had sent comes along
        tab.locator("#cv-text").fill(CV)
        tab.get_by_role("button", name="Find my skills").click()
        tab.locator("#cv-found").wait_for(state="visible")
        assert tab.url.endswith("/cv#cv-panel") and "repaired" not in tab.url, (
            "the text is never in an address"
        )
        assert tab.locator("#current").input_value() == "diesel engine mechanic"
        assert tab.locator("#hours").input_value() == "8"
        first = tab.locator(".cv-skill").first
        label = first.get_attribute("data-label")
        first.get_by_role("button", name=f"Add {label} to my skills").click()
        tab.locator("#cv-status", has_text="Added").wait_for(state="visible")
        assert tab.locator("#skill-0").input_value() == label
        assert tab.locator(".cv-skill").first.locator(".cv-added").inner_text() == "In your skills."
    finally:
        context.close()
