"""A stored worker's plan, recommendations, events, export and deletion over HTTP (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, Table, func, select
from sqlalchemy.orm import Session

from api.http import deps
from api.http.routers import workers as workers_router
from api.services import keys
from api.services.plans import CONTENT_RANKING, load_plan_options
from api.services.worker_learning import EXPORT_SECTIONS
from data.db import transaction
from data.erase import dependent_columns
from data.models import (
    ApiKey,
    Base,
    Cohort,
    CohortPerson,
    Interaction,
    Organisation,
    Worker,
    WorkerSkill,
)
from data.plan_inputs import rate_table
from recommender.idmap import IdMap
from recommender.text.titles import TitleMatcher
from tests.api.conftest import MakeKey, World, bearer

# world.own: a welder (skill:weld at 3) aiming at occ:battery, DE11, English, EUR 500, 5 h a week
OWN_PROFILE = {
    "current_occupations": ["occ:welder"],
    "skills": [{"uri": "skill:weld", "level": 3}],
    "target": "occ:battery",
    "budget": 500,
    "currency": "EUR",
    "hours_per_week": 5,
    "languages": ["en"],
    "region": "DE11",
}


def _event(client: TestClient, world: World, kind: str, course: str, **extra: Any) -> Any:
    body = {"kind": kind, "course_id": course, **extra}
    return client.post(f"/v1/workers/{world.own}/events", json=body, headers=bearer(world.keys["hr"]))


def test_the_workers_plan_is_the_plan_of_their_saved_profile(client: TestClient, world: World) -> None:
    saved = client.get(f"/v1/workers/{world.own}/plan", headers=bearer(world.keys["worker"]))
    assert saved.status_code == 200, saved.text
    anonymous = client.post("/v1/plans", json=OWN_PROFILE)
    assert anonymous.status_code == 200, anonymous.text
    assert saved.json() == anonymous.json()
    assert any(step["course_id"] == "ev-intro" for p in saved.json()["plans"] for step in p["steps"])


def test_completed_and_dismissed_courses_leave_the_plan(client: TestClient, world: World) -> None:
    assert _event(client, world, "completed", "ev-intro").status_code == 201
    assert _event(client, world, "dismissed", "battery-adv").status_code == 201
    plan = client.get(f"/v1/workers/{world.own}/plan", headers=bearer(world.keys["hr"])).json()
    steps = {step["course_id"] for p in plan["plans"] for step in p["steps"]}
    assert not steps & {"ev-intro", "battery-adv"}
    assert "battery-adv" in {e["course_id"] for e in plan["excluded_courses"]}


def test_a_plan_needs_a_target(client: TestClient, world: World) -> None:
    hr = bearer(world.keys["hr"])
    assert client.patch(f"/v1/workers/{world.own}", json={"target": None}, headers=hr).status_code == 200
    response = client.get(f"/v1/workers/{world.own}/plan", headers=hr)
    assert response.status_code == 422 and response.json()["field"] == "target"


def test_recommendations_without_a_model_rank_by_the_gap_share_and_say_so(
    client: TestClient, world: World
) -> None:
    hr = bearer(world.keys["hr"])
    response = client.get(f"/v1/workers/{world.own}/recommendations", headers=hr)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"] is False and body["ranking"] == CONTENT_RANKING
    assert body["target_uri"] == "occ:battery"
    ids = [item["course_id"] for item in body["items"]]
    assert ids == ["ev-intro", "battery-adv"]  # ev-adv is in German, which the worker does not accept
    shares = [item["gap_share"] for item in body["items"]]
    assert shares == sorted(shares, reverse=True) and all(s > 0 for s in shares)
    assert [item["score"] for item in body["items"]] == shares
    assert any("battery chemistry" in why for why in body["items"][0]["why"])

    _event(client, world, "enrolled", "ev-intro")
    after = client.get(f"/v1/workers/{world.own}/recommendations?limit=5", headers=hr).json()
    assert [item["course_id"] for item in after["items"]] == ["battery-adv"]


def test_recommended_prices_are_in_the_workers_currency_as_in_their_plan(
    client: TestClient, world: World
) -> None:
    """The courses are priced in EUR; a worker who pays in CZK sees CZK, converted at the plans' rates."""
    hr = bearer(world.keys["hr"])
    url = f"/v1/workers/{world.own}/recommendations"
    in_euros = {item["course_id"]: item for item in client.get(url, headers=hr).json()["items"]}
    assert {item["currency"] for item in in_euros.values()} == {"EUR"}
    per_eur = rate_table().units_per_eur["CZK"]
    # the same budget (EUR 500) in CZK: the same courses within it
    in_czk = {"currency": "CZK", "budget": 500 * per_eur}
    changed = client.patch(f"/v1/workers/{world.own}", json=in_czk, headers=hr)
    assert changed.status_code == 200, changed.text
    in_crowns = client.get(url, headers=hr).json()["items"]
    assert in_crowns and [item["course_id"] for item in in_crowns] == list(in_euros)
    for item in in_crowns:
        euros = in_euros[item["course_id"]]["price"]
        assert item["currency"] == "CZK" and item["price"] == round(euros * per_eur, 2), item


def _left_out(body: Mapping[str, Any]) -> dict[str, list[str]]:
    return {group["reason"]: group["course_ids"] for group in body["left_out"]}


def _plan_left_out(client: TestClient, world: World) -> dict[str, str]:
    """The courses the worker's plan cannot use for their limits (id -> reason), as it lists them."""
    plan = client.get(f"/v1/workers/{world.own}/plan", headers=bearer(world.keys["hr"]))
    assert plan.status_code == 200, plan.text
    found = {item["course_id"]: item["reason"] for item in plan.json()["set_aside"]}
    return found | {item["course_id"]: item["reason"] for item in plan.json()["excluded_courses"]}


@pytest.mark.parametrize(
    ("limits", "ranked", "left_out"),
    [
        # world.own: English, EUR 500, DE11, any delivery mode
        (
            {},
            ["ev-intro", "battery-adv"],
            {"taught in German ('de'); the worker takes courses in English ('en')": ["ev-adv"]},
        ),
        (
            {"budget": 0},
            ["ev-intro"],
            {
                "not free, and the budget is 0 (free courses only)": ["battery-adv"],
                "taught in German ('de'); the worker takes courses in English ('en')": ["ev-adv"],
            },
        ),
        (
            {"budget": None, "delivery_modes": ["online"]},
            ["ev-intro"],
            {
                "delivered blended; the worker accepts online": ["battery-adv"],
                "taught in German ('de'); the worker takes courses in English ('en')": ["ev-adv"],
            },
        ),
        (  # ev-adv needs ev-intro first, taught in English: the plan drops it, so does this
            {"languages": ["de"]},
            [],
            {
                "taught in English ('en'); the worker takes courses in German ('de')": [
                    "battery-adv",
                    "ev-intro",
                ],
                "needs a course first that the worker cannot take (taught in English ('en'); the worker "
                "takes courses in German ('de'))": ["ev-adv"],
            },
        ),
    ],
)
def test_recommendations_leave_out_what_the_workers_limits_rule_out_as_their_plan_does(
    client: TestClient,
    world: World,
    limits: dict[str, Any],
    ranked: list[str],
    left_out: dict[str, list[str]],
) -> None:
    hr = bearer(world.keys["hr"])
    assert client.patch(f"/v1/workers/{world.own}", json=limits, headers=hr).status_code == 200
    body = client.get(f"/v1/workers/{world.own}/recommendations", headers=hr).json()
    assert [item["course_id"] for item in body["items"]] == ranked
    assert body["candidates"] == len(ranked)
    assert _left_out(body) == left_out
    assert [group["count"] for group in body["left_out"]] == [len(ids) for ids in left_out.values()]
    # the plan of the same stored limits cannot use them either, nor leaves out what is recommended (it
    # also drops a course whose prerequisite is left out: ev-adv for a German reader)
    plan_left_out = _plan_left_out(client, world)
    assert {c for ids in left_out.values() for c in ids} <= plan_left_out.keys()
    assert not set(ranked) & plan_left_out.keys()


def test_a_course_whose_prerequisite_the_worker_completed_is_recommended(
    client: TestClient, world: World
) -> None:
    """ev-adv needs ev-intro first: a German reader cannot take ev-intro (English), but once it is
    completed ev-adv is open to them, in their recommendations as in their plan."""
    hr = bearer(world.keys["hr"])
    assert client.patch(f"/v1/workers/{world.own}", json={"languages": ["de"]}, headers=hr).status_code == 200
    assert _event(client, world, "completed", "ev-intro").status_code == 201
    body = client.get(f"/v1/workers/{world.own}/recommendations", headers=hr).json()
    assert [item["course_id"] for item in body["items"]] == ["ev-adv"]
    assert "ev-adv" not in _plan_left_out(client, world)


def test_a_free_only_worker_gets_the_free_track_price_and_settled_courses_are_counted(
    client: TestClient, world: World, tiny_session: Session
) -> None:
    """A course with a paid certificate and a free audit track: recommended to a worker who pays nothing at
    the price their plan gives it (0), to one with a budget at the certificate's; an enrolled course is
    counted among those left out, under what the worker did with it."""
    from data.models import Course

    course = tiny_session.get(Course, "battery-adv")
    assert course is not None
    course.price, course.certificate_price = 0.0, 49.0  # free to audit, EUR 49 with the certificate
    tiny_session.flush()
    # new courses: options loaded again, as a server does after an import
    options = load_plan_options(db_session=tiny_session)
    client.app.dependency_overrides[deps.get_plan_options] = lambda: options  # type: ignore[attr-defined]
    hr = bearer(world.keys["hr"])
    url = f"/v1/workers/{world.own}/recommendations"
    prices = {item["course_id"]: item["price"] for item in client.get(url, headers=hr).json()["items"]}
    assert prices == {"ev-intro": 0.0, "battery-adv": 49.0}
    assert client.patch(f"/v1/workers/{world.own}", json={"budget": 0}, headers=hr).status_code == 200
    prices = {item["course_id"]: item["price"] for item in client.get(url, headers=hr).json()["items"]}
    assert prices == {"ev-intro": 0.0, "battery-adv": 0.0}
    assert _event(client, world, "enrolled", "ev-intro").status_code == 201
    body = client.get(url, headers=hr).json()
    assert [item["course_id"] for item in body["items"]] == ["battery-adv"]
    assert _left_out(body) == {
        "taught in German ('de'); the worker takes courses in English ('en')": ["ev-adv"],
        "enrolled already": ["ev-intro"],
    }


def test_a_course_whose_catalogue_states_no_price_is_priced_as_the_plan_prices_it(
    client: TestClient, world: World, tiny_session: Session
) -> None:
    """With no budget, a course whose catalogue states no price is planned and recommended: its price is
    null (not 0, which reads as free) and its reasons say so, as the plan lists it in price_not_stated."""
    from data.models import Course

    course = tiny_session.get(Course, "ev-intro")
    assert course is not None
    course.flags, course.catalogue = ["price-unknown"], "udemy"
    tiny_session.flush()
    options = load_plan_options(db_session=tiny_session)
    client.app.dependency_overrides[deps.get_plan_options] = lambda: options  # type: ignore[attr-defined]
    hr = bearer(world.keys["hr"])
    assert client.patch(f"/v1/workers/{world.own}", json={"budget": None}, headers=hr).status_code == 200
    body = client.get(f"/v1/workers/{world.own}/recommendations", headers=hr).json()
    items = {item["course_id"]: item for item in body["items"]}
    assert items["ev-intro"]["price"] is None
    assert "price not stated by udemy" in items["ev-intro"]["why"]
    assert items["battery-adv"]["price"] == 200.0
    assert not any("not stated" in why for why in items["battery-adv"]["why"])
    plan = client.get(f"/v1/workers/{world.own}/plan", headers=hr).json()
    assert plan["price_not_stated"] == ["ev-intro"]


def test_recommendations_need_a_target_or_a_model(client: TestClient, world: World) -> None:
    hr = bearer(world.keys["hr"])
    client.patch(f"/v1/workers/{world.own}", json={"target": None}, headers=hr)
    response = client.get(f"/v1/workers/{world.own}/recommendations", headers=hr)
    assert response.status_code == 422 and response.json()["field"] == "target"
    toward = client.get(f"/v1/workers/{world.own}/recommendations?target=vehicle painter", headers=hr)
    assert toward.status_code == 200 and toward.json()["target_uri"] == "occ:painter"
    unknown = client.get(f"/v1/workers/{world.own}/recommendations?target=astronaut", headers=hr)
    assert unknown.status_code == 404 and unknown.json()["id"] == "astronaut"


def test_an_unknown_target_gets_the_suggestions_an_anonymous_plan_gets(
    esco_client: TestClient, esco_matcher: TitleMatcher
) -> None:
    """One handler of unknown occupations (``api.http.suggest``, the title matcher's suggestions before and
    after the closest labels) answers a worker's recommendations toward a misspelt or own-words target as it
    answers ``POST /v1/plans``: 'kfz mechatroniker' gets vehicle technician first, not the closest labels."""
    overrides = esco_client.app.dependency_overrides  # type: ignore[attr-defined]
    overrides[deps.get_title_matcher_loader] = lambda: lambda: esco_matcher  # built once, not per request
    with overrides[deps.get_session_opener]()() as session:
        organisation = Organisation(name="Neckar Motors")
        session.add(organisation)
        session.flush()
        worker = Worker(organisation_id=organisation.id, external_id="katrin", languages=["de"])
        session.add(worker)
        session.flush()
        _, key = keys.create_key(session, role="hr", organisation_id=organisation.id)
    for target in ("kfz mechatroniker", "battery technican", "zzzz"):
        url = f"/v1/workers/{worker.id}/recommendations?target={target}"
        recommendations = esco_client.get(url, headers=bearer(key))
        assert recommendations.status_code == 404, recommendations.text
        plans = esco_client.post("/v1/plans", json={"target": target, "current_occupations": ["welder"]})
        assert plans.status_code == 404, plans.text
        assert recommendations.json()["suggestions"] == plans.json()["suggestions"], target
        assert recommendations.json()["type"] == "urn:upskill:problem:unknown-occupation"
    assert recommendations.json()["id"] == "zzzz"
    kfz = esco_client.get(
        f"/v1/workers/{worker.id}/recommendations?target=kfz mechatroniker", headers=bearer(key)
    )
    assert kfz.json()["suggestions"][0] == "vehicle technician"


class RecordingModel:
    """Stands in for a loaded model: records what it is asked and scores courses in a fixed order."""

    def __init__(self, scores: Mapping[str, float]) -> None:
        self.fixed = dict(scores)
        self.items = IdMap(sorted(scores))
        self.path = Path("hybrid-test.json")
        self.calls: list[tuple[dict[str, float], list[str]]] = []

    def score_vector(self, features: Mapping[str, float], history: Sequence[str] = ()) -> np.ndarray:
        self.calls.append((dict(features), list(history)))
        return np.array([self.fixed[course] for course in self.items.ids])

    def item_positions(self, item_ids: Sequence[str]) -> np.ndarray:
        return np.array([self.items.index(i) if i in self.items else -1 for i in item_ids], dtype=np.int64)


def test_recommendations_with_a_model_use_the_features_training_builds(
    client: TestClient, world: World, tiny_session: Session
) -> None:
    from training.dataset import from_database

    model = RecordingModel({"ev-intro": 0.1, "battery-adv": 0.9, "ev-adv": 0.5})
    client.app.dependency_overrides[deps.get_model] = lambda: model  # type: ignore[attr-defined]
    _event(client, world, "viewed", "ev-adv", occurred_at="2026-01-01T10:00:00")
    _event(client, world, "rated", "ev-adv", value=4, occurred_at="2026-01-02T10:00:00Z")
    response = client.get(f"/v1/workers/{world.own}/recommendations", headers=bearer(world.keys["worker"]))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"] is True and "hybrid-test.json" in body["ranking"]
    assert [item["course_id"] for item in body["items"]] == ["battery-adv", "ev-intro"]  # the model's order
    assert [item["score"] for item in body["items"]] == [0.9, 0.1]

    (features, history), *_ = model.calls
    data = from_database(db_session=tiny_session)
    assert data.user_features is not None
    row = data.user_features.matrix[data.users.index(str(world.own))]
    trained = {
        data.user_features.names[j]: pytest.approx(float(v))
        for j, v in zip(row.indices, row.data, strict=True)
    }
    assert features == trained  # the worker's features exactly as training builds them
    assert history == ["ev-adv"]


def test_an_answer_is_computed_again_only_when_what_it_is_computed_from_changed(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same question about an unchanged worker is answered from the kept answer (the model is not
    asked again); a changed profile, a new event, another target or limit is computed afresh."""
    model = RecordingModel({"ev-intro": 0.1, "battery-adv": 0.9, "ev-adv": 0.5})
    client.app.dependency_overrides[deps.get_model] = lambda: model  # type: ignore[attr-defined]
    hr = bearer(world.keys["hr"])
    url = f"/v1/workers/{world.own}/recommendations"

    def ask(query: str = "") -> Any:
        response = client.get(url + query, headers=hr)
        assert response.status_code == 200, response.text
        return response.json()

    rendered: list[int] = []
    render = workers_router._recommendations_json

    def counting(answer: dict[str, Any]) -> bytes:
        rendered.append(1)
        return render(answer)

    monkeypatch.setattr(workers_router, "_recommendations_json", counting)
    first = ask()
    assert ask() == first and len(model.calls) == 1  # kept
    assert len(rendered) == 1  # and its JSON with it: not validated and serialised again
    assert ask("?limit=1")["items"] == first["items"][:1] and len(model.calls) == 2
    _event(client, world, "dismissed", "battery-adv")
    after_event = ask()
    assert len(model.calls) == 3 and "battery-adv" not in [i["course_id"] for i in after_event["items"]]
    changed = client.patch(url.removesuffix("/recommendations"), json={"region": "SE23"}, headers=hr)
    assert changed.status_code == 200, changed.text
    ask()
    assert len(model.calls) == 4  # computed again
    client.patch(
        url.removesuffix("/recommendations"), json={"skills": [{"uri": "skill:ev", "level": 3}]}, headers=hr
    )
    ask()
    assert len(model.calls) == 5 and ask("?target=vehicle painter")["target_uri"] == "occ:painter"
    assert len(model.calls) == 6


def test_a_completion_raises_the_workers_skills_to_the_courses_levels(
    client: TestClient, world: World, tiny_session: Session
) -> None:
    client.patch(
        f"/v1/workers/{world.own}",
        json={"skills": [{"uri": "skill:weld", "level": 3}, {"uri": "skill:ev", "level": 3}]},
        headers=bearer(world.keys["hr"]),
    )
    response = _event(client, world, "completed", "ev-intro")  # teaches skill:ev and skill:battery at 2
    assert response.status_code == 201, response.text
    assert response.json()["skills_raised"] == [{"uri": "skill:battery", "before": 0, "level": 2}]
    levels = {
        s["uri"]: s["level"]
        for s in client.get(f"/v1/workers/{world.own}", headers=bearer(world.keys["hr"])).json()["skills"]
    }
    assert levels == {"skill:weld": 3, "skill:ev": 3, "skill:battery": 2}
    again = _event(client, world, "completed", "ev-intro")
    assert again.status_code == 201 and again.json()["skills_raised"] == []
    stored = tiny_session.scalars(
        select(Interaction.kind).where(Interaction.worker_id == world.own).order_by(Interaction.id)
    ).all()
    assert stored == ["completed", "completed"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"kind": "completed", "course_id": "no-such-course"}, 404, None),
        ({"kind": "bookmarked", "course_id": "ev-intro"}, 422, "kind"),
        ({"kind": "rated", "course_id": "ev-intro"}, 422, "value"),
        ({"kind": "viewed", "course_id": "ev-intro", "value": 3}, 422, "value"),
        ({"kind": "rated", "course_id": "ev-intro", "value": 9}, 422, "value"),
        ({"kind": "viewed", "course_id": "ev-intro", "occurred_at": "yesterday"}, 422, "occurred_at"),
        (
            {"kind": "viewed", "course_id": "ev-intro", "occurred_at": "2999-01-01T00:00:00Z"},
            422,
            "occurred_at",
        ),
        ({"kind": "viewed"}, 422, "course_id"),
        ({"kind": "viewed", "course_id": "ev-intro", "extra": 1}, 422, "extra"),
    ],
)
def test_bad_events_are_located_4xx_and_store_nothing(
    client: TestClient,
    world: World,
    tiny_session: Session,
    body: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    response = client.post(f"/v1/workers/{world.own}/events", json=body, headers=bearer(world.keys["hr"]))
    assert response.status_code == status, response.text
    if field is None:
        assert response.json()["id"] == body["course_id"]
    else:
        assert response.json()["field"] == field
    count = select(func.count()).select_from(Interaction).where(Interaction.worker_id == world.own)
    assert tiny_session.scalar(count) == 0


def _cohort_member(session: Session, world: World) -> None:
    cohort = Cohort(organisation_id=world.own_organisation, name="EV move", settings={}, summary={})
    session.add(cohort)
    session.flush()
    session.add(
        CohortPerson(
            cohort_id=cohort.id,
            person_id="marker-worker-own",
            worker_id=world.own,
            status="assigned",
            plan_id="p1",
            record={"person_id": "marker-worker-own"},
        )
    )
    session.flush()


def test_the_export_holds_everything_about_the_person(
    client: TestClient, world: World, tiny_session: Session, api_key: MakeKey
) -> None:
    _cohort_member(tiny_session, world)
    second_key = api_key("worker", worker_id=world.own)
    _event(client, world, "completed", "ev-intro")
    response = client.get(f"/v1/workers/{world.own}/export", headers=bearer(world.keys["worker"]))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["profile"]["external_id"] == "marker-worker-own"
    assert {s["uri"] for s in body["profile"]["skills"]} == {"skill:weld", "skill:ev", "skill:battery"}
    assert [(e["kind"], e["course_id"]) for e in body["events"]] == [("completed", "ev-intro")]
    assert [(c["cohort_name"], c["status"]) for c in body["cohorts"]] == [("EV move", "assigned")]
    assert len(body["keys"]) == 2 and all(k["worker_id"] == world.own for k in body["keys"])
    assert second_key not in response.text and world.keys["worker"] not in response.text
    assert "key_hash" not in response.text
    assert "marker-worker-colleague" not in response.text and "marker-worker-other" not in response.text


def test_every_table_about_a_worker_has_a_place_in_the_export() -> None:
    tables = {table for table, _ in dependent_columns("workers")} | {"workers"}
    assert tables == set(EXPORT_SECTIONS), "a table refers to workers: add it to the export (EXPORT_SECTIONS)"


def test_deleting_a_worker_leaves_no_row_about_them_in_any_table(
    client: TestClient, world: World, tiny_session: Session, api_key: MakeKey
) -> None:
    _cohort_member(tiny_session, world)
    api_key("worker", worker_id=world.own)
    _event(client, world, "completed", "ev-intro")
    _event(client, world, "rated", "ev-intro", value=5)
    response = client.delete(f"/v1/workers/{world.own}", headers=bearer(world.keys["hr"]))
    assert response.status_code == 200, response.text
    assert response.json()["removed"] == {
        "api_keys": 2,
        "audit_log": 2,  # the two events recorded above
        "cohort_people": 1,
        "interactions": 2,
        "worker_skills": 3,
        "workers": 1,
    }
    referring = [
        (table, column)
        for table in Base.metadata.tables.values()
        for column in table.columns
        if any(fk.column.table.name == "workers" for fk in column.foreign_keys)
        or (column.name == "worker_id" and table.name != "workers")
    ]
    assert {t.name for t, _ in referring} >= {
        "worker_skills",
        "interactions",
        "cohort_people",
        "api_keys",
        "audit_log",
    }
    for table, column in referring:
        left = tiny_session.scalar(select(func.count()).select_from(table).where(column == world.own))
        assert left == 0, f"{table.name}.{column.name} still holds rows of the deleted worker"
    assert tiny_session.get(Worker, world.own) is None
    assert tiny_session.get(Worker, world.colleague) is not None  # only them
    assert client.get(f"/v1/workers/{world.own}", headers=bearer(world.keys["worker"])).status_code == 401
    assert client.delete(f"/v1/workers/{world.own}", headers=bearer(world.keys["hr"])).status_code == 404
    assert tiny_session.scalar(select(func.count()).select_from(Interaction)) == 0


def test_a_change_written_to_the_tables_directly_is_seen_by_the_next_answer(
    client: TestClient, world: World, tiny_session: Session
) -> None:
    """A kept answer is keyed by the worker's row, skills and events as the request reads them: a change
    made without the API (an import, another process) gives a fresh answer too."""
    model = RecordingModel({"ev-intro": 0.1, "battery-adv": 0.9, "ev-adv": 0.5})
    client.app.dependency_overrides[deps.get_model] = lambda: model  # type: ignore[attr-defined]
    hr = bearer(world.keys["hr"])
    url = f"/v1/workers/{world.own}/recommendations"

    def ask() -> int:
        response = client.get(url, headers=hr)
        assert response.status_code == 200, response.text
        tiny_session.expire_all()  # the next write stands for another process's: no object kept from here
        return len(model.calls)

    assert ask() == 1 and ask() == 1
    workers_table, skills_table = cast(Table, Worker.__table__), cast(Table, WorkerSkill.__table__)
    tiny_session.execute(workers_table.update().where(workers_table.c.id == world.own).values(region="DE21"))
    assert ask() == 2
    tiny_session.execute(
        skills_table.insert().values(worker_id=world.own, skill_uri="skill:ev", proficiency=1)
    )
    assert ask() == 3
    tiny_session.execute(
        cast(Table, Interaction.__table__)
        .insert()
        .values(worker_id=world.own, course_id="ev-intro", kind="viewed", occurred_at=dt.datetime.now(dt.UTC))
    )
    assert ask() == 4 and ask() == 4


def test_a_key_revoked_by_another_process_is_refused_at_once(served: tuple[TestClient, Engine, str]) -> None:
    """Every request reads its key's row: a key revoked elsewhere (``upskill keys revoke``) answers 401 on
    the next request, with no delay."""
    client, engine, key = served
    assert client.get("/v1/workers/11", headers=bearer(key)).status_code == 200
    with transaction(engine) as session:
        found = session.scalar(select(ApiKey.id).where(ApiKey.key_hash == keys.hash_key(key)))
        assert found is not None
        keys.revoke_key(session, key_id=found)
    for path in ("/v1/workers/11", "/v1/workers/11/recommendations"):
        assert client.get(path, headers=bearer(key)).status_code == 401, path
