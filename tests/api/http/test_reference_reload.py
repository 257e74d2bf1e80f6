"""A running server follows the database's reference data (issue 10): after a catalogue import (here: a
course written by another connection) the next request's look finds the new reference version and the graph
and plan options are loaded again, both at once; the worker page plans with the API's objects and model."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.http.web import routes as web_routes
from api.runtime import Runtime
from data.db import transaction
from data.models import Course, Occupation
from tests.api.conftest import bearer


def _courses(client: TestClient) -> str:
    return str(client.get("/ready").json()["checks"]["plan_options"])


def test_a_course_imported_while_serving_reaches_the_plan_options(
    served: tuple[TestClient, Engine, str],
) -> None:
    client, engine, key = served
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    graph, options = runtime.reference()
    assert options is not None
    before = len(options.courses)
    runtime.check_reference_now()
    client.get("/v1/workers/11/recommendations", headers=bearer(key))  # a look: nothing changed
    assert runtime.reference() == (graph, options)  # the very same objects

    with transaction(engine) as session:  # another process imports a course
        session.add(Course(id="new:course", title="New course", language="en", level=None, hours=3.0))
    client.get("/v1/workers/11/recommendations", headers=bearer(key))
    assert runtime.reference()[1] is options  # not before the next look (every few seconds)
    runtime.check_reference_now()
    client.get("/v1/workers/11/recommendations", headers=bearer(key))
    new_graph, new_options = runtime.reference()
    assert new_options is not None and new_options is not options
    assert len(new_options.courses) == before + 1
    assert new_graph is graph  # served from --snapshot: that graph stays
    assert runtime.plan_options is new_options and f"{before + 1:,} courses" in _courses(client)


class _Runtime:
    problems: dict[str, str] = {}

    def __init__(self, model: Any):
        self.model_now = model

    def current_model(self) -> Any:  # the model a request starting now uses (after a hot swap)
        return self.model_now


def test_the_worker_page_plans_with_the_current_model_not_the_first_one() -> None:
    runtime, graph, options = _Runtime("first"), object(), object()
    assert web_routes.get_loaded(runtime, (graph, options)).model == "first"  # type: ignore[arg-type]
    runtime.model_now = "swapped in"
    loaded = web_routes.get_loaded(runtime, (graph, options))  # type: ignore[arg-type]
    assert (loaded.graph, loaded.options, loaded.model) == (graph, options, "swapped in")


def _matches(client: TestClient, title: str) -> list[str]:
    answer = client.post("/v1/occupations/match", json={"titles": [title], "k": 3})
    assert answer.status_code == 200, answer.text
    return [match["uri"] for match in answer.json()["results"][0]["matches"]]


def test_the_text_matchers_follow_an_import_and_a_request_keeps_the_ones_it_started_with(
    served: tuple[TestClient, Engine, str],
) -> None:
    client, engine, _ = served
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    assert "occ:zeppelin" not in _matches(client, "zeppelin pilot")  # the title matcher loads (first use)
    before = runtime.served()
    matcher = before.text.title_matcher()
    assert before.text.loaded() == ("title_matcher",)  # the skill extractor was never asked for

    with transaction(engine) as session:  # another process imports an occupation
        zeppelin = Occupation(
            uri="occ:zeppelin", preferred_label="zeppelin pilot", isco_code="3153", code="3153.9"
        )
        session.add(zeppelin)
    assert "occ:zeppelin" not in _matches(client, "zeppelin pilot")  # not before the next look
    assert runtime.served().text.title_matcher() is matcher
    runtime.check_reference_now()
    assert _matches(client, "zeppelin pilot")[0] == "occ:zeppelin"

    after = runtime.served()
    assert after.text is not before.text and after.options is not before.options  # swapped together
    assert after.text.loaded() == ("title_matcher",)  # loaded again at the reload, the other not loaded
    assert after.text.title_matcher() is not matcher and runtime.title_matcher is after.text.title_matcher()
    # a request that started before the reload (a cohort's loader) still gets the matcher it started with
    assert before.text.title_matcher() is matcher
    assert "occ:zeppelin" not in [m.uri for m in matcher.match("zeppelin pilot", k=3)]
