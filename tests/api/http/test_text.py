"""Free text over HTTP: job titles to occupations and texts to skills, in input order, with bounded inputs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.http import deps
from api.http.app import LARGER_BODIES, MAX_BODY_BYTES, create_app
from api.http.schemas.text import MAX_TEXT_CHARS, MAX_TEXTS, MAX_TITLES
from data import skill_texts
from data.title_index import load_title_matcher
from recommender.text.skills import SkillExtractor
from recommender.text.titles import RESOLVE_THRESHOLD
from tests.api.http.test_app import _runtime
from tests.api.http.test_reference import assert_problem


@pytest.fixture
def text_client(client: TestClient, tiny_session: Session) -> Iterator[TestClient]:
    """The tiny app with a title matcher and a skill extractor built from its database rows."""
    matcher = load_title_matcher(db_session=tiny_session)
    extractor = SkillExtractor().fit(skill_texts.from_database(db_session=tiny_session))
    app = client.app
    app.dependency_overrides[deps.get_title_matcher] = lambda: matcher  # type: ignore[attr-defined]
    app.dependency_overrides[deps.get_skill_extractor] = lambda: extractor  # type: ignore[attr-defined]
    yield client


def test_titles_are_matched_in_input_order_and_resolved_from_the_threshold(text_client: TestClient) -> None:
    titles = ["Metal Welder (m/f/d)", "zzqx vvbn", "Battery Technician", "Metal Welder (m/f/d)"]
    response = text_client.post("/v1/occupations/match", json={"titles": titles, "k": 3})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["threshold"] == RESOLVE_THRESHOLD
    results = body["results"]
    assert [r["input"] for r in results] == titles
    assert all(len(r["matches"]) == 3 for r in results)
    assert (
        results[0]["matches"][0]["uri"] == "occ:welder"
        and "metal welder" in results[0]["matches"][0]["reason"]
    )
    assert results[2]["matches"][0]["uri"] == "occ:battery"
    assert results[0] == results[3], "the same title gets the same answer"
    for result in results:
        scores = [m["score"] for m in result["matches"]]
        assert scores == sorted(scores, reverse=True)
        best = result["matches"][0]
        assert result["resolved"] == (best["score"] >= RESOLVE_THRESHOLD)
        assert result["occupation"] == (best["uri"] if result["resolved"] else None)
    assert not results[1]["resolved"] and results[1]["occupation"] is None


def test_skills_are_extracted_per_text_with_evidence(text_client: TestClient) -> None:
    texts = ["Five years of welding and battery chemistry work.", "nothing relevant here"]
    response = text_client.post("/v1/skills/extract", json={"texts": texts, "k": 5})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["input"] for r in results] == texts
    found = {s["uri"]: s for s in results[0]["skills"]}
    assert {"skill:weld", "skill:battery"} <= set(found)
    assert found["skill:weld"]["evidence"] == "welding"
    assert found["skill:battery"]["evidence"] == "battery chemistry"
    assert all(0 < s["score"] <= 1 for s in results[0]["skills"])
    assert results[1]["skills"] == []


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/occupations/match", {"titles": []}, "titles"),
        ("/v1/occupations/match", {"titles": ["welder"] * (MAX_TITLES + 1)}, "titles"),
        ("/v1/occupations/match", {"titles": ["welder", "x" * 201]}, "titles[1]"),
        ("/v1/occupations/match", {"titles": ["   "]}, "titles[0]"),
        ("/v1/occupations/match", {"titles": ["welder"], "k": 0}, "k"),
        ("/v1/occupations/match", {"titles": ["welder"], "k": 101}, "k"),
        ("/v1/occupations/match", {"titles": "welder"}, "titles"),
        ("/v1/occupations/match", {"titles": ["welder"], "limit": 3}, "limit"),
        ("/v1/skills/extract", {"texts": ["welding"] * (MAX_TEXTS + 1)}, "texts"),
        ("/v1/skills/extract", {"texts": ["welding", "w" * (MAX_TEXT_CHARS + 1)]}, "texts[1]"),
        ("/v1/skills/extract", {"texts": [""]}, "texts[0]"),
        ("/v1/skills/extract", {"texts": [3]}, "texts[0]"),
        ("/v1/skills/extract", {}, "texts"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    text_client: TestClient, path: str, body: dict[str, object], field: str
) -> None:
    problem = assert_problem(text_client.post(path, json=body), 422)
    assert problem["field"] == field, problem


def test_a_thousand_titles_fit_in_one_call_and_larger_bodies_are_refused(text_client: TestClient) -> None:
    titles = [f"senior metal welder number {n:04d} " + "x" * 60 for n in range(MAX_TITLES)]
    response = text_client.post("/v1/occupations/match", json={"titles": titles, "k": 1})
    assert len(response.request.content) > MAX_BODY_BYTES  # larger than other routes take
    assert response.status_code == 200, response.text
    assert [r["input"] for r in response.json()["results"]] == titles
    limit = LARGER_BODIES["/v1/occupations/match"]
    problem = assert_problem(
        text_client.post("/v1/occupations/match", json={"titles": ["w" * 200] * (limit // 200)}), 413
    )
    assert str(limit) in str(problem["detail"])
    assert_problem(
        text_client.post("/v1/gap", json={"target": "welder", "skills": [], "x": "y" * MAX_BODY_BYTES}), 413
    )


def test_without_esco_the_text_routes_answer_503(tmp_path: Path) -> None:
    with TestClient(create_app(_runtime(tmp_path))) as client:  # the lifespan runs
        for path, body in (
            ("/v1/occupations/match", {"titles": ["welder"]}),
            ("/v1/skills/extract", {"texts": ["welding"]}),
        ):
            problem = assert_problem(client.post(path, json=body), 503)
            assert "upskill import esco" in str(problem["detail"])
