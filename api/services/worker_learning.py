"""A stored worker's learning: their plan, course recommendations, events, and what is held about them.

The worker's saved profile (occupation, skills, target, region, languages, budget, currency, hours per week,
delivery modes) goes through the same services as an anonymous request: :func:`plan_for_worker` through
``api.services.plans.plan`` (the answer of ``POST /v1/plans``), :func:`recommend_for_worker` through the
hybrid model's cold-start scoring with the features training builds (``training.dataset.profile_features``)
and the worker's history. Events (viewed, enrolled, completed, rated, dismissed) are the interactions the
ranker trains on; a completion adds the course's skills to the worker's at the levels the course teaches.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from api.services import plans, profiles
from recommender.errors import InvalidPlanInput, UnknownCourse

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from data.models import Interaction, Worker
    from recommender.graph import CompetenceGraph
    from recommender.planner import GapItem
    from training.artefacts import LoadedModel

#: Event kinds that say the worker took up a course (the model's positives, in time order, as history).
TAKEN = ("viewed", "enrolled", "completed", "rated")
#: Courses not to recommend again: begun, done or turned down.
SETTLED = ("enrolled", "completed", "dismissed")
#: Where each table holding rows about a worker appears in their export (tests check none is missing).
EXPORT_SECTIONS = {
    "workers": "profile",
    "worker_skills": "profile.skills",
    "interactions": "events",
    "cohort_people": "cohorts",
    "api_keys": "keys",
    "audit_log": "accesses",
}


@dataclass(frozen=True)
class History:
    """A worker's events in time order: (course id, kind)."""

    events: tuple[tuple[str, str], ...]

    def courses(self, kinds: Sequence[str]) -> tuple[str, ...]:
        """Course ids with an event of ``kinds``, each once, in the order first seen."""
        return tuple(dict.fromkeys(course for course, kind in self.events if kind in kinds))


def history(*, db_session: Session, worker_id: int) -> History:
    """The worker's events, oldest first."""
    from sqlalchemy import select

    from data.models import Interaction

    rows = db_session.execute(
        select(Interaction.course_id, Interaction.kind)
        .where(Interaction.worker_id == worker_id)
        .order_by(Interaction.occurred_at, Interaction.id)
    )
    return History(tuple((course, kind) for course, kind in rows))


def _profile(worker: Worker) -> tuple[list[str], dict[str, int]]:
    occupations = [worker.current_occupation_uri] if worker.current_occupation_uri else []
    return occupations, {s.skill_uri: s.proficiency for s in worker.skills}


def _no_target(*, allow_param: bool) -> InvalidPlanInput:
    return InvalidPlanInput(
        "the worker has no target occupation: set it (PATCH /v1/workers/{id} with target)"
        + (" or pass target=" if allow_param else ""),
        field="target",
    )


def stored_features(*, graph: CompetenceGraph, worker: Worker) -> dict[str, float]:
    """The worker's user features exactly as training builds them from the stored rows
    (``training.dataset.from_database``: occupation, its ISCO groups, stored skills, region, languages).
    """
    from training.dataset import profile_features

    occupations, skills = _profile(worker)
    return profile_features(
        occupations={uri: graph.isco_codes[graph.occupation_index[uri]] for uri in occupations},
        skills=skills,
        region=worker.region,
        languages=list(worker.languages or ()),
    )


def plan_for_worker(
    *,
    db_session: Session,
    graph: CompetenceGraph,
    options: plans.PlanOptions,
    model: LoadedModel | None,
    worker: Worker,
    today: dt.date | None = None,
) -> plans.PlanAnswer:
    """Plan toward the worker's target with their saved limits; their completed courses count as done."""
    if worker.target_occupation_uri is None:
        raise _no_target(allow_param=False)
    occupations, skills = _profile(worker)
    profile = profiles.profile_gap(
        graph=graph, target=worker.target_occupation_uri, occupations=occupations, skills=skills
    )
    past = history(db_session=db_session, worker_id=worker.id)
    request = plans.PlanRequest(
        budget=worker.budget,
        currency=worker.currency,
        hours_per_week=worker.hours_per_week or plans.PlanRequest.hours_per_week,
        languages=tuple(worker.languages or ()),
        delivery_modes=tuple(worker.delivery_modes or ()),
        region=worker.region,
        done=past.courses(("completed",)),
        dismissed=past.courses(("dismissed",)),
    )
    return plans.plan(profile=profile, options=options, model=model, request=request, today=today)


def recommend_for_worker(
    *,
    db_session: Session,
    graph: CompetenceGraph,
    options: plans.PlanOptions,
    model: LoadedModel | None,
    worker: Worker,
    target: str | None = None,
    limit: int = 10,
) -> dict[str, Any]:
    """Rank courses for the worker, each with why: by the hybrid model when there is one, else by the share of
    the gap to the target a course closes (the planner's content score; then a target is needed).

    With a target (``target`` or the worker's), only courses that teach a skill of the gap are ranked. Courses
    the worker enrolled in, completed or dismissed are left out, as are courses in languages they do not
    accept (when they gave any).
    """
    from recommender.planner.from_gap import gap_items
    from recommender.planner.plan import content_scores

    occupations, skills = _profile(worker)
    past = history(db_session=db_session, worker_id=worker.id)
    settled = set(past.courses(SETTLED))
    languages = set(worker.languages or ())
    courses = [
        c for c in options.courses if c.id not in settled and (not languages or c.language in languages)
    ]
    target_uri = graph.resolve_occupation(target) if target else worker.target_occupation_uri
    gap = None
    content: dict[str, float] = {}
    if target_uri is not None:
        profile = profiles.profile_gap(graph=graph, target=target_uri, occupations=occupations, skills=skills)
        gap = {item.skill_uri: item for item in gap_items(profile.gap)}
        content = content_scores(list(gap.values()), courses)
        courses = [c for c in courses if content[c.id] > 0]
    elif model is None:
        raise _no_target(allow_param=True)
    scores: Mapping[str, float]
    if model is not None:
        features = stored_features(graph=graph, worker=worker)
        taken = [c for c in past.courses(TAKEN) if c in model.items]
        scores = model.scores_new(features, history=taken)
        ranking = f"hybrid model {model.path.name} (the worker's features and {len(taken)} courses taken)"
    else:
        scores = content
        ranking = plans.CONTENT_RANKING
    ranked = sorted(courses, key=lambda c: (-scores.get(c.id, float("-inf")), -content.get(c.id, 0.0), c.id))
    items = []
    for rank, course in enumerate(ranked[:limit], start=1):
        why = _taught(graph, course.skills, gap, graph.label(target_uri) if target_uri else "")
        if model is not None:
            why.append(f"rank {rank} of {len(ranked)} by the hybrid model for this profile and history")
        else:
            why.append(f"closes {content[course.id]:.0%} of the weighted gap on its own")
        items.append(
            {
                "course_id": course.id,
                "title": course.title,
                "hours": course.hours,
                "price": course.price,
                "currency": course.currency,
                "language": course.language,
                "delivery_mode": course.delivery_mode,
                "level": course.level,
                "score": float(scores.get(course.id, 0.0)),
                "gap_share": content.get(course.id) if gap is not None else None,
                "why": why,
            }
        )
    return {
        "worker_id": worker.id,
        "target_uri": target_uri,
        "target_label": graph.label(target_uri) if target_uri else None,
        "ranking": ranking,
        "model": model is not None,
        "candidates": len(ranked),
        "items": items,
    }


def _taught(
    graph: CompetenceGraph, skills: Mapping[str, int], gap: Mapping[str, GapItem] | None, target_label: str
) -> list[str]:
    """What a course teaches, in words: the gap skills it raises (with a target), else all its skills."""
    if gap is None:
        return [f"teaches {', '.join(graph.label(uri) for uri in sorted(skills)) or 'no tagged skills'}"]
    return [
        f"teaches {item.label} to level {level} (held {item.held_level}, {item.relation} for "
        f"{target_label} at {item.needed_level})"
        for uri, level in sorted(skills.items())
        if (item := gap.get(uri)) is not None and level > item.held_level
    ]


# --- events -------------------------------------------------------------------------------------------


def record_event(
    *,
    db_session: Session,
    worker: Worker,
    course_id: str,
    kind: str,
    value: float | None = None,
    occurred_at: dt.datetime | None = None,
) -> tuple[Interaction, list[dict[str, Any]]]:
    """Store an event as an interaction; a completion raises the worker's skills to the course's levels.

    Returns the interaction and the skills it raised (uri, level before, level now).
    """
    from data.models import INTERACTION_KINDS, Course, CourseSkill, Interaction, WorkerSkill

    now = dt.datetime.now(dt.UTC)
    if occurred_at is not None and occurred_at.tzinfo is None:
        occurred_at = occurred_at.replace(tzinfo=dt.UTC)  # a time without a zone is UTC
    if occurred_at is not None and occurred_at > now + dt.timedelta(minutes=5):
        raise InvalidPlanInput(f"{occurred_at.isoformat()} is in the future", field="occurred_at")
    if kind not in INTERACTION_KINDS:
        raise InvalidPlanInput(f"unknown kind {kind!r}; one of {', '.join(INTERACTION_KINDS)}", field="kind")
    if (kind == "rated") != (value is not None):
        raise InvalidPlanInput("a rating 1..5 goes with kind 'rated', and only with it", field="value")
    course = db_session.get(Course, course_id)
    if course is None:
        raise UnknownCourse(course_id)
    event = Interaction(
        worker_id=worker.id,
        course_id=course.id,
        kind=kind,
        value=value,
        occurred_at=occurred_at or now,
    )
    db_session.add(event)
    raised: list[dict[str, Any]] = []
    if kind == "completed":
        from sqlalchemy import select

        held = {s.skill_uri: s for s in worker.skills}
        taught = db_session.execute(
            select(CourseSkill.skill_uri, CourseSkill.level)
            .where(CourseSkill.course_id == course.id)
            .order_by(CourseSkill.skill_uri)
        )
        for uri, level in taught:
            level = max(0, min(int(level), 4))
            before = held[uri].proficiency if uri in held else 0
            if level <= before:
                continue
            if uri in held:
                held[uri].proficiency = level
            else:
                worker.skills.append(WorkerSkill(skill_uri=uri, proficiency=level))
            raised.append({"uri": uri, "before": before, "level": level})
    db_session.flush()
    return event, raised


def describe_event(event: Interaction) -> dict[str, Any]:
    return {
        "id": event.id,
        "course_id": event.course_id,
        "kind": event.kind,
        "value": event.value,
        "occurred_at": event.occurred_at,
    }


# --- GDPR export --------------------------------------------------------------------------------------


def export_worker(*, db_session: Session, graph: CompetenceGraph | None, worker: Worker) -> dict[str, Any]:
    """Everything held about the worker: profile and skills, events, cohort memberships, their keys, and
    who used their data (the audit log: key id, role, action, route, when; never a key)."""
    from sqlalchemy import select

    from api.services import audit, keys
    from api.services.workers import describe_worker
    from data.models import Cohort, CohortPerson, Interaction

    events = db_session.scalars(
        select(Interaction)
        .where(Interaction.worker_id == worker.id)
        .order_by(Interaction.occurred_at, Interaction.id)
    )
    memberships = db_session.execute(
        select(CohortPerson, Cohort.name, Cohort.organisation_id)
        .join(Cohort, Cohort.id == CohortPerson.cohort_id)
        .where(CohortPerson.worker_id == worker.id)
        .order_by(CohortPerson.id)
    )
    return {
        "exported_at": dt.datetime.now(dt.UTC),
        "profile": describe_worker(graph=graph, worker=worker),
        "events": [describe_event(e) for e in events],
        "cohorts": [
            {
                "cohort_id": person.cohort_id,
                "cohort_name": name,
                "organisation_id": organisation_id,
                "person_id": person.person_id,
                "status": person.status,
                "plan_id": person.plan_id,
                "record": dict(person.record),
            }
            for person, name, organisation_id in memberships
        ],
        "keys": keys.list_keys(db_session, worker_id=worker.id),
        "accesses": audit.accesses_of(db_session=db_session, worker_id=worker.id),
    }
