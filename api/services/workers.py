"""Organisations and their workers (personal data): create, read, change, list, delete.

A worker's profile is what their saved plan is made from: the current occupation and skills with levels,
the target occupation, region (NUTS), languages and the plan's limits (budget, currency, hours per week,
delivery modes). Occupations and skills are given as ESCO URIs or exact labels, resolved on the competence
graph and stored as URIs. Who may see what is the caller's to check (``api.http.auth``); these functions
take ids they are allowed to use. Deleting removes every dependent row and says how many per table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from api.services.keys import (
    Principal,
    UnknownOrganisation,
    UnknownWorker,
    may_see_organisation,
    may_see_worker,
)
from recommender.errors import AlreadyExists, InvalidPlanInput

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from data.models import Organisation, Worker
    from recommender.graph import CompetenceGraph

#: The profile fields a worker has, with the names of the plan request.
PROFILE_FIELDS = (
    "external_id",
    "current_occupation",
    "skills",
    "target",
    "region",
    "languages",
    "budget",
    "currency",
    "hours_per_week",
    "delivery_modes",
)


# --- organisations ------------------------------------------------------------------------------------


def create_organisation(*, db_session: Session, name: str) -> Organisation:
    """Create an organisation (names are unique)."""
    from sqlalchemy import select

    from data.models import Organisation

    if db_session.scalar(select(Organisation.id).where(Organisation.name == name)) is not None:
        raise AlreadyExists(f"an organisation named {name!r} exists already", field="name")
    organisation = Organisation(name=name)
    db_session.add(organisation)
    db_session.flush()
    return organisation


def get_organisation(
    *, db_session: Session, organisation_id: int, principal: Principal | None = None
) -> Organisation:
    """The organisation, or :class:`UnknownOrganisation` (also when ``principal`` may not see it)."""
    from data.models import Organisation

    if principal is not None and not may_see_organisation(principal, organisation_id):
        raise UnknownOrganisation(str(organisation_id))  # never a hint that it exists
    organisation = db_session.get(Organisation, organisation_id)
    if organisation is None:
        raise UnknownOrganisation(str(organisation_id))
    return organisation


def describe_organisation(*, db_session: Session, organisation: Organisation) -> dict[str, Any]:
    """An organisation with how many workers it has."""
    from sqlalchemy import func, select

    from data.models import Worker

    workers = db_session.scalar(
        select(func.count()).select_from(Worker).where(Worker.organisation_id == organisation.id)
    )
    return {
        "id": organisation.id,
        "name": organisation.name,
        "created_at": organisation.created_at,
        "workers": int(workers or 0),
    }


def list_organisations(
    *, db_session: Session, only: int | None = None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """A page of organisations by id (just ``only`` when given) and how many there are."""
    from sqlalchemy import select

    from data.models import Organisation
    from data.queries import page

    query = select(Organisation)
    if only is not None:
        query = query.where(Organisation.id == only)
    found, total = page(db_session, query, order_by=Organisation.id, limit=limit, offset=offset)
    return [describe_organisation(db_session=db_session, organisation=o) for o in found], total


def delete_organisation(*, db_session: Session, organisation_id: int) -> dict[str, int]:
    """Delete an organisation with its workers, their data, its cohorts and keys; count rows per table."""
    from data.erase import erase

    get_organisation(db_session=db_session, organisation_id=organisation_id)
    return erase(db_session=db_session, table="organisations", key=organisation_id)


# --- workers ------------------------------------------------------------------------------------------


def get_worker(*, db_session: Session, worker_id: int, principal: Principal | None = None) -> Worker:
    """The worker, or :class:`UnknownWorker` (also when ``principal`` may not see them: never a hint)."""
    from data.models import Worker

    worker = db_session.get(Worker, worker_id)
    if worker is None or (
        principal is not None
        and not may_see_worker(principal, worker_id=worker.id, organisation_id=worker.organisation_id)
    ):
        raise UnknownWorker(str(worker_id))
    return worker


def _skill_levels(graph: CompetenceGraph, skills: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Declared skills as URIs with levels (a skill given twice, or by URI and label, at its higher level)."""
    levels: dict[str, int] = {}
    for skill in skills:
        uri = graph.resolve_skill(skill["uri"])
        levels[uri] = max(int(skill["level"]), levels.get(uri, 0))
    return levels


#: Fields that may not be null (a list is emptied with []).
REQUIRED = ("external_id", "skills", "languages", "currency", "delivery_modes")


def _setters(graph: CompetenceGraph) -> dict[str, tuple[str, Callable[[Any], Any]]]:
    """Each plain profile field: the worker's attribute and how a value is checked and stored."""
    from data.nuts import known_region
    from recommender.codes import currency_code, language_codes

    return {
        "current_occupation": ("current_occupation_uri", graph.resolve_occupation),
        "target": ("target_occupation_uri", graph.resolve_occupation),
        "region": ("region", known_region),
        "languages": (
            "languages",
            lambda values: list(language_codes(values)),
        ),
        "currency": ("currency", lambda value: currency_code(value, field="currency")),
        "budget": ("budget", float),
        "hours_per_week": ("hours_per_week", float),
        "delivery_modes": ("delivery_modes", lambda values: list(dict.fromkeys(values))),
    }


def _apply(db_session: Session, graph: CompetenceGraph, worker: Worker, changes: Mapping[str, Any]) -> None:
    """Set the profile fields in ``changes`` (checked, labels resolved); None clears an optional field."""
    from data.models import WorkerSkill

    unknown = sorted(set(changes) - set(PROFILE_FIELDS))
    if unknown:
        raise InvalidPlanInput(f"not a profile field: {', '.join(unknown)}", field=unknown[0])
    for name in REQUIRED:
        if name in changes and changes[name] is None:
            raise InvalidPlanInput("may not be null (send a value, or [] for a list)", field=name)
    if "external_id" in changes:
        _unique_external_id(db_session, worker.organisation_id, changes["external_id"], worker.id)
        worker.external_id = changes["external_id"]
    for name, (attribute, convert) in _setters(graph).items():
        if name in changes:
            value = changes[name]
            setattr(worker, attribute, None if value is None else convert(value))
    if "skills" in changes:
        levels = _skill_levels(graph, changes["skills"])
        worker.skills = [
            WorkerSkill(skill_uri=uri, proficiency=level) for uri, level in sorted(levels.items())
        ]


def _unique_external_id(
    db_session: Session, organisation_id: int, external_id: str, worker_id: int | None
) -> None:
    from sqlalchemy import select

    from data.models import Worker

    other = db_session.scalar(
        select(Worker.id).where(Worker.organisation_id == organisation_id, Worker.external_id == external_id)
    )
    if other is not None and other != worker_id:
        raise AlreadyExists(
            f"the organisation has a worker with external_id {external_id!r} already", field="external_id"
        )


def create_worker(
    *, db_session: Session, graph: CompetenceGraph, organisation_id: int, profile: Mapping[str, Any]
) -> Worker:
    """Create a worker of ``organisation_id`` with ``profile`` (the fields of :data:`PROFILE_FIELDS`)."""
    from data.models import Worker

    get_organisation(db_session=db_session, organisation_id=organisation_id)
    _unique_external_id(db_session, organisation_id, profile["external_id"], None)
    worker = Worker(organisation_id=organisation_id, external_id=profile["external_id"], languages=[])
    db_session.add(worker)
    _apply(
        db_session, graph, worker, {k: v for k, v in profile.items() if v is not None and k != "external_id"}
    )
    db_session.flush()
    return worker


def update_worker(
    *, db_session: Session, graph: CompetenceGraph, worker: Worker, changes: Mapping[str, Any]
) -> Worker:
    """Change the profile fields in ``changes``; ``skills`` replaces every skill; None clears a field."""
    _apply(db_session, graph, worker, changes)
    db_session.flush()
    return worker


def describe_worker(*, graph: CompetenceGraph | None, worker: Worker) -> dict[str, Any]:
    """A worker's profile as the API answers it (labels from the graph when one is given)."""

    def label(uri: str | None) -> str | None:
        if uri is None:
            return None
        return graph.label(uri) if graph is not None else uri

    return {
        "id": worker.id,
        "organisation_id": worker.organisation_id,
        "external_id": worker.external_id,
        "current_occupation": worker.current_occupation_uri,
        "current_occupation_label": label(worker.current_occupation_uri),
        "skills": [
            {"uri": s.skill_uri, "label": label(s.skill_uri), "level": s.proficiency}
            for s in sorted(worker.skills, key=lambda s: s.skill_uri)
        ],
        "target": worker.target_occupation_uri,
        "target_label": label(worker.target_occupation_uri),
        "region": worker.region,
        "languages": list(worker.languages or []),
        "budget": worker.budget,
        "currency": worker.currency,
        "hours_per_week": worker.hours_per_week,
        "delivery_modes": list(worker.delivery_modes or []),
        "created_at": worker.created_at,
    }


def list_workers(
    *,
    db_session: Session,
    graph: CompetenceGraph | None,
    organisation_id: int | None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    """A page of workers by id (of ``organisation_id`` when given) and how many there are."""
    from sqlalchemy import select

    from data.models import Worker
    from data.queries import page

    query = select(Worker)
    if organisation_id is not None:
        query = query.where(Worker.organisation_id == organisation_id)
    found, total = page(db_session, query, order_by=Worker.id, limit=limit, offset=offset)
    return [describe_worker(graph=graph, worker=w) for w in found], total


def delete_worker(*, db_session: Session, worker_id: int) -> dict[str, int]:
    """Delete a worker and everything held about them (skills, events, cohort rows, keys); count per table."""
    from data.erase import erase

    get_worker(db_session=db_session, worker_id=worker_id)
    return erase(db_session=db_session, table="workers", key=worker_id)
