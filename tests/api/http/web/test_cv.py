"""The worker page's "paste your CV" panel on the tiny data (SQLite and PostgreSQL), without JavaScript: the
text is posted, the skills it names come back each with its sentence, and one click adds one to the form."""

from __future__ import annotations

import re
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.http.web import routes
from api.http.web.cv import MAX_CV_CHARS, sentence_around
from data import skill_texts
from recommender.text.skills import SkillExtractor

CV = (
    "Katrin Weber, Stuttgart.\n"
    "2015-2024: diesel engine mechanic at Neckar Motors. I weld metal parts for exhaust systems every week.\n"
    "Since 2024 I study battery chemistry in the evenings. I like hiking."
)
FORM = {"current": "welder", "target": "battery technician", "hours": "8", "lang": ["en"]}


@pytest.fixture
def cv_client(page_client: TestClient, tiny_session: Session) -> TestClient:
    extractor = SkillExtractor().fit(skill_texts.from_database(db_session=tiny_session))
    page_client.app.dependency_overrides[routes.get_extractor] = lambda: lambda: extractor  # type: ignore[attr-defined]
    return page_client


def _suggestions(html: str) -> dict[str, str]:
    """Suggested skill label -> its sentence as shown (the evidence marked with [ ])."""
    found = {}
    for item in re.findall(r'<li class="cv-skill" data-label="([^"]+)">(.*?)</li>', html, re.S):
        label, body = item
        quote = re.search(r'<blockquote class="cv-evidence">(.*?)</blockquote>', body, re.S)
        assert quote, f"no sentence for {label}"
        found[unescape(label)] = unescape(quote.group(1).replace("<mark>", "[").replace("</mark>", "]"))
    return found


def test_the_panel_is_on_the_page_with_its_limit_stated(cv_client: TestClient) -> None:
    html = cv_client.get("/").text
    assert '<form id="cv" method="post" action="/cv#cv-panel">' in html
    assert 'id="cv-text" name="cv" form="cv"' in html and '<label for="cv-text">' in html
    assert f"Up to {MAX_CV_CHARS:,} characters" in html


def test_a_cv_gives_skills_each_with_the_sentence_that_names_it_and_the_form_comes_back(
    cv_client: TestClient,
) -> None:
    response = cv_client.post("/cv", data={**FORM, "cv": CV})
    assert response.status_code == 200, response.text
    found = _suggestions(response.text)
    assert found["weld metal parts"] == "I [weld metal parts] for exhaust systems every week."
    assert found["battery chemistry"] == "Since 2024 I study [battery chemistry] in the evenings."
    assert "hiking" not in " ".join(found.values())
    # nothing is added on its own; the rest of the form is as it was sent
    assert 'name="skill" type="text" value=""' in response.text
    assert 'id="current" name="current" type="text" value="welder"' in response.text
    assert 'id="hours" name="hours" type="text" inputmode="decimal" value="8"' in response.text
    assert CV.splitlines()[1] in unescape(response.text), (
        "the text stays in its box (a POST: not in an address)"
    )


def test_one_click_adds_a_skill_at_the_level_chosen_next_to_it(cv_client: TestClient) -> None:
    first = cv_client.post("/cv", data={**FORM, "cv": CV}).text
    uri = re.search(
        r'name="add" value="([^"]+)"[^>]*>Add<span class="visually-hidden"> battery chemistry', first
    )
    assert uri, "an Add button per suggestion"
    response = cv_client.post(
        "/cv", data={**FORM, "cv": CV, "add": uri.group(1), f"cv_level:{uri.group(1)}": "3"}
    )
    assert response.status_code == 200
    html = response.text
    assert 'name="skill" type="text" value="battery chemistry"' in html
    assert re.search(r'<select id="level-0" name="level">.*?<option value="3" selected>advanced', html, re.S)
    assert "Added “battery chemistry” to your skills." in unescape(html)
    item = re.search(r'data-label="battery chemistry">(.*?)</li>', html, re.S)
    assert item and "In your skills." in item.group(1) and "Add<span" not in item.group(1)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("", "The box is empty: paste your CV"),
        ("   \n ", "The box is empty: paste your CV"),
        (
            "x" * (MAX_CV_CHARS + 1),
            f"Your text has {MAX_CV_CHARS + 1:,} characters; at most {MAX_CV_CHARS:,}",
        ),
    ],
)
def test_an_empty_or_too_long_text_is_said_next_to_the_box(
    cv_client: TestClient, text: str, said: str
) -> None:
    response = cv_client.post("/cv", data={**FORM, "cv": text})
    assert response.status_code == 422
    assert said in unescape(response.text)
    assert 'aria-describedby="cv-hint cv-error" aria-invalid="true"' in response.text
    assert _suggestions(response.text) == {}


def test_without_a_skill_extractor_the_page_says_so(page_client: TestClient) -> None:
    def no_extractor() -> str:
        return "the database holds no ESCO skills"

    page_client.app.dependency_overrides[routes.get_extractor] = lambda: no_extractor  # type: ignore[attr-defined]
    response = page_client.post("/cv", data={"cv": CV})
    assert response.status_code == 503
    assert "Skills cannot be read yet (the database holds no ESCO skills)" in response.text


def test_the_sentence_around_evidence_is_cut_at_sentence_ends_and_long_lines() -> None:
    assert sentence_around("A. B c d. E.", "c") == ("B ", "c", " d.")
    assert sentence_around("no such words", "battery") == ("", "battery", "")
    before, evidence, after = sentence_around("word " * 100 + "battery " + "word " * 100, "battery")
    assert before.startswith("…") and after.endswith("…") and evidence == "battery"
    assert len(before) + len(after) <= 245
