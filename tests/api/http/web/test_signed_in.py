"""The worker page signed in with a worker key (headless Chromium): the saved profile comes back, and a
course marked completed is an event in the worker's own export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.api.http.web.conftest import screenshot, serious_accessibility_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def worker_key(web_database: str) -> Iterator[str]:
    """A worker of a workshop, with only their job stored, and their worker key (removed after the test)."""
    from api.services import keys
    from data.db import make_engine, transaction
    from data.models import Occupation, Organisation, Worker

    engine = make_engine(web_database)
    with transaction(engine) as session:
        diesel = session.scalar(
            select(Occupation.uri).where(Occupation.preferred_label == "diesel engine mechanic")
        )
        organisation = Organisation(name="Stuttgart workshop (browser test)")
        session.add(organisation)
        session.flush()
        worker = Worker(
            organisation_id=organisation.id,
            external_id="katrin",
            region="DE11",
            current_occupation_uri=diesel,
        )
        session.add(worker)
        session.flush()
        _key, plaintext = keys.create_key(session, role="worker", worker_id=worker.id)
        organisation_id = organisation.id
    yield plaintext
    with transaction(engine) as session:
        session.delete(session.get(Organisation, organisation_id))
    engine.dispose()


def _sign_in(page: Any, key: str) -> None:
    page.get_by_text("Have a worker key?").click()
    page.get_by_label("Your worker key").fill(key)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_text("Signed in as").wait_for(state="visible")


def test_a_saved_profile_is_there_again_after_a_reload(page: Any, worker_key: str) -> None:
    page.goto("/")
    _sign_in(page, worker_key)
    assert page.locator("#current").input_value() == "diesel engine mechanic", "the stored job is filled in"
    assert page.locator("#region").input_value() == "DE11", "and where she lives"
    page.locator("#target").fill("automotive battery technician")
    page.locator("#budget").fill("1500")
    page.locator("#hours").fill("5")
    for name in ("English", "German", "online"):
        page.get_by_label(name, exact=True).check()
    page.get_by_role("button", name="Save my profile and plan").click()
    page.locator("#account-status", has_text="Saved").wait_for(state="visible")

    page.goto("/")  # a new visit: the key is still in this tab, the saved profile comes back with its plan
    page.get_by_text("Signed in as").wait_for(state="visible")
    assert page.locator("#target").input_value() == "automotive battery technician"
    assert page.locator("#hours").input_value() == "5" and page.locator("#budget").input_value() == "1500"
    assert page.locator("#region").input_value() == "DE11", "saving the form kept the region"
    assert page.get_by_label("German", exact=True).is_checked() and page.get_by_label("online").is_checked()
    assert not page.get_by_label("Spanish", exact=True).is_checked()
    page.locator("#plan-fastest svg rect").first.wait_for(state="visible")
    assert serious_accessibility_violations(page) == []
    screenshot(page, "signed-in-profile", full_page=True)


def test_a_course_marked_completed_is_in_the_workers_export(
    page: Any, worker_key: str, tmp_path: Path
) -> None:
    page.goto("/?current=diesel+engine+mechanic&target=automotive+battery+technician&hours=6&action=plan")
    _sign_in(page, worker_key)
    first = page.locator("#plan-fastest table.steps tbody tr").first
    course = first.locator("[data-event=completed]").get_attribute("data-course")
    first.get_by_role("button", name="Completed").click()
    first.get_by_text("Marked completed.").wait_for(state="visible")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download everything held about me").click()
    path = tmp_path / "export.json"
    download.value.save_as(path)
    everything = json.loads(path.read_text())
    assert everything["profile"]["external_id"] == "katrin"
    assert [(e["course_id"], e["kind"]) for e in everything["events"]] == [(course, "completed")]
    screenshot(page, "signed-in-event", element=page.locator("#plan-fastest"))
