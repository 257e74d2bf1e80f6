"""Store and read back cohort plans, owned by an organisation.

A cohort is saved from its JSON document (``recommender.cohort.CohortResult.to_dict()``): the settings and
the aggregates on ``cohorts``, each distinct plan on ``cohort_plans``, each person on ``cohort_people``.
A person whose id is the ``external_id`` of a worker of the same organisation is linked to that worker, so
deleting the worker deletes them from the cohort (``ON DELETE CASCADE``). Reading a cohort needs the owning
organisation: another organisation's id answers "unknown cohort", whatever the cohort id.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from data.models import Cohort, CohortPerson, CohortPlan, Worker
from recommender.errors import NotFoundError

#: The document's parts about no one person (what ``cohorts.summary`` keeps).
SUMMARY_KEYS = (
    "targets",
    "unfilled",
    "seats",
    "timeline",
    "on_the_job",
    "warnings",
    "what_if",
    "totals",
    "certificate",
    "stats",
)


class UnknownCohort(NotFoundError):
    kind = "cohort"
    fix = (
        "use the id the cohort was kept under (POST /v1/cohorts answers it), with a key of its "
        "organisation: another organisation's cohorts read as unknown"
    )


def save_cohort(*, db_session: Session, organisation_id: int, name: str, document: Mapping[str, Any]) -> int:
    """Store a cohort plan document for ``organisation_id``; return its id (flushed, not committed)."""
    document = json.loads(json.dumps(document, default=str))  # dates as ISO text, as the JSON prints them
    cohort = Cohort(
        organisation_id=organisation_id,
        name=name,
        settings=dict(document["settings"]),
        summary={key: document[key] for key in SUMMARY_KEYS if key in document},
    )
    db_session.add(cohort)
    db_session.flush()
    found = db_session.execute(
        select(Worker.external_id, Worker.id).where(Worker.organisation_id == organisation_id)
    )
    workers = {external_id: worker_id for external_id, worker_id in found}
    # bulk inserts (one multi-row INSERT per batch, no ORM object per row): 10,000 people in one statement
    plans = [
        {
            "cohort_id": cohort.id,
            "plan_id": plan["plan_id"],
            "target_uri": plan["target_uri"],
            "plan": {k: v for k, v in plan.items() if k not in ("plan_id", "people", "target_uri")},
        }
        for plan in document.get("plans", [])
    ]
    if plans:
        db_session.execute(insert(CohortPlan), plans)
    rows = [("assigned", a) for a in document["assignments"]]
    rows += [("unassigned", u) for u in document["unassigned"]]
    rows += [("to_confirm", c) for c in document["to_confirm"]]
    people = [
        {
            "cohort_id": cohort.id,
            "person_id": record["person_id"],
            "worker_id": workers.get(record["person_id"]),
            "status": status,
            "plan_id": record.get("plan_id") if status == "assigned" else None,
            "record": dict(record),
        }
        for status, record in rows
    ]
    if people:
        db_session.execute(insert(CohortPerson), people)
    db_session.flush()
    return cohort.id


def cohort_owner(*, db_session: Session, cohort_id: int) -> int | None:
    """The id of the organisation that owns cohort ``cohort_id``, or None when there is no such cohort."""
    owner: int | None = db_session.scalar(select(Cohort.organisation_id).where(Cohort.id == cohort_id))
    return owner


def load_cohort(*, db_session: Session, organisation_id: int, cohort_id: int) -> dict[str, Any]:
    """The cohort's document as it stands (people deleted since are gone from it), for its organisation."""
    cohort = db_session.scalar(
        select(Cohort).where(Cohort.id == cohort_id, Cohort.organisation_id == organisation_id)
    )
    if cohort is None:
        raise UnknownCohort(str(cohort_id))
    people = db_session.scalars(
        select(CohortPerson).where(CohortPerson.cohort_id == cohort.id).order_by(CohortPerson.id)
    ).all()
    by_status: dict[str, list[dict[str, Any]]] = {"assigned": [], "unassigned": [], "to_confirm": []}
    people_of: dict[str, list[str]] = {}
    for person in people:
        by_status[person.status].append(dict(person.record))
        if person.plan_id is not None:
            people_of.setdefault(person.plan_id, []).append(person.person_id)
    plans = db_session.scalars(
        select(CohortPlan).where(CohortPlan.cohort_id == cohort.id).order_by(CohortPlan.plan_id)
    ).all()
    return {
        "cohort_id": cohort.id,
        "name": cohort.name,
        "created_at": cohort.created_at.isoformat() if cohort.created_at else None,
        "settings": dict(cohort.settings),
        **dict(cohort.summary),
        "assignments": by_status["assigned"],
        "unassigned": by_status["unassigned"],
        "to_confirm": by_status["to_confirm"],
        "plans": [
            {"plan_id": p.plan_id, "target_uri": p.target_uri, "people": people_of[p.plan_id], **dict(p.plan)}
            for p in plans
            if p.plan_id in people_of
        ],
    }


def linked_workers(
    *, db_session: Session, cohort_id: int, person_ids: Iterable[str] | None = None
) -> list[int]:
    """The workers among cohort ``cohort_id``'s people (those of ``person_ids``; None: all), by id."""
    query = select(CohortPerson.worker_id).where(
        CohortPerson.cohort_id == cohort_id, CohortPerson.worker_id.is_not(None)
    )
    if person_ids is not None:
        query = query.where(CohortPerson.person_id.in_(list(person_ids)))
    return sorted({worker_id for worker_id in db_session.scalars(query) if worker_id is not None})


def list_cohorts(*, db_session: Session, organisation_id: int) -> list[dict[str, Any]]:
    """The organisation's cohorts, newest first: id, name, when, seats filled of the headcount."""
    cohorts = db_session.scalars(
        select(Cohort).where(Cohort.organisation_id == organisation_id).order_by(Cohort.id.desc())
    ).all()
    return [
        {
            "cohort_id": c.id,
            "name": c.name,
            "created_at": c.created_at.isoformat() if c.created_at else None,
            "filled": c.summary.get("totals", {}).get("filled"),
            "headcount": c.summary.get("totals", {}).get("headcount"),
        }
        for c in cohorts
    ]
