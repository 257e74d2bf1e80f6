"""Stored cohorts: read back whole by their organisation only; deleting a worker removes them from cohorts."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from data.cohorts import UnknownCohort, list_cohorts, load_cohort, save_cohort
from data.models import Organisation, Worker
from recommender.cohort import CohortSettings, prepare, summarise
from recommender.graph import CompetenceGraph
from recommender.planner import CourseOption
from recommender.workforce import Person, Target
from tests.recommender.conftest import tiny_data


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    graph = CompetenceGraph.from_data(tiny_data())
    courses = [CourseOption("c-battery", "Battery chemistry", 20, 100, skills={"skill:battery": 3})]
    people = [Person(f"P-{i}", ("occ:welder" if i % 2 else "occ:painter",)) for i in range(6)]
    targets = [Target("occ:battery", "battery technician", 3)]
    settings = CohortSettings(start=date(2027, 1, 4), months=6, hours_per_week=4, min_readiness=0)
    return json.loads(
        json.dumps(summarise(prepare(graph, people, targets, courses, settings)).to_dict(), default=str)
    )


def _organisations(db_session: Session) -> tuple[int, int]:
    mine, other = Organisation(name="Lombardy plant"), Organisation(name="Someone else")
    db_session.add_all([mine, other])
    db_session.flush()
    db_session.add_all([Worker(organisation_id=mine.id, external_id=f"P-{i}") for i in (0, 1)])
    db_session.add(Worker(organisation_id=other.id, external_id="P-2"))
    db_session.flush()
    return mine.id, other.id


def test_a_cohort_reads_back_as_saved(db_session: Session, document: dict[str, Any]) -> None:
    mine, _ = _organisations(db_session)
    cohort_id = save_cohort(
        db_session=db_session, organisation_id=mine, name="2027 transition", document=document
    )
    loaded = load_cohort(db_session=db_session, organisation_id=mine, cohort_id=cohort_id)
    for key in (
        "settings",
        "targets",
        "seats",
        "timeline",
        "totals",
        "certificate",
        "assignments",
        "unassigned",
    ):
        assert loaded[key] == document[key], key
    assert sorted(loaded["plans"], key=lambda p: p["plan_id"]) == sorted(
        document["plans"], key=lambda p: p["plan_id"]
    )
    assert list_cohorts(db_session=db_session, organisation_id=mine)[0]["cohort_id"] == cohort_id


def test_only_the_owner_reads_a_cohort(db_session: Session, document: dict[str, Any]) -> None:
    mine, other = _organisations(db_session)
    cohort_id = save_cohort(db_session=db_session, organisation_id=mine, name="x", document=document)
    with pytest.raises(UnknownCohort):
        load_cohort(db_session=db_session, organisation_id=other, cohort_id=cohort_id)
    assert list_cohorts(db_session=db_session, organisation_id=other) == []


def test_deleting_a_worker_removes_them_from_cohorts(db_session: Session, document: dict[str, Any]) -> None:
    mine, _ = _organisations(db_session)
    cohort_id = save_cohort(db_session=db_session, organisation_id=mine, name="x", document=document)
    db_session.execute(delete(Worker).where(Worker.organisation_id == mine, Worker.external_id == "P-1"))
    db_session.expire_all()
    loaded = load_cohort(db_session=db_session, organisation_id=mine, cohort_id=cohort_id)
    people = {r["person_id"] for r in loaded["assignments"] + loaded["unassigned"]}
    assert "P-1" not in people and "P-0" in people and len(people) == 5
    assert all("P-1" not in p["people"] for p in loaded["plans"])
