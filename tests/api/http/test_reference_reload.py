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
from data.models import Course
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
