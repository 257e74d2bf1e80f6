"""A seeded, synthetic demo population of workers, so that ``make run`` has something realistic to train on.

The story (every number below is a choice of this generator, not a measurement):

* Three employers of the European automotive-mobility sector, in regions active in automotive skills
  partnerships (NUTS-2): a dealership workshop group in Stuttgart (DE11), a tier-1 powertrain supplier in
  Lombardy (ITC4) and a vehicle assembly plant in Trnava (SK02); a fourth, a service network, spans
  Moravian-Silesia (CZ08), West Sweden (SE23), Centre Romania (RO12) and Silesia (PL22).
* Each worker holds one of the sector's shrinking or stable occupations (``SOURCE_ROLES``). They hold the
  occupation's essential skills at proficiency 2 or 3, each optional skill with probability 0.3, and forget
  any skill with probability 0.1 (noise: nobody matches the taxonomy exactly).
* Each worker aims at one growing role (``TRANSITIONS``: diesel mechanics toward battery and electrician
  roles, assemblers toward battery assembly, ...). What they do in the catalogue follows that aim: a course's
  appeal is the number of the target's missing skills it teaches, plus a popularity term (a seeded Zipf draw
  per course, as real catalogues have a few very popular courses); 3 to 8 courses are drawn by a softmax of
  appeal.
* For a drawn course a worker views it, enrols with probability 0.8, completes an enrolment with probability
  0.45 + 0.1 x (skills it closes, at most 3), and rates a completion 1 to 5, higher when it closed more of the
  gap. Now and then (p = 0.15) they dismiss a course that teaches nothing they lack. Events are dated through
  2025 and 2026, in order per worker.

It is for demonstrations and smoke tests only: no quality claim rests on it alone (the model is evaluated on
the real interaction sets in ``../shared/data/interactions``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from data.models import (
    Course,
    CourseSkill,
    Interaction,
    Occupation,
    OccupationSkill,
    Organisation,
    Worker,
    WorkerSkill,
)

DEMO_PREFIX = "Demo: "
ORGANISATIONS = {
    "Demo: Neckar dealership workshops": ["DE11"],
    "Demo: Lombardy powertrain supplier": ["ITC4"],
    "Demo: Trnava vehicle assembly plant": ["SK02"],
    "Demo: Central European service network": ["CZ08", "SE23", "RO12", "PL22"],
}
REGION_LANGUAGES = {
    "DE11": ["de", "en"],
    "ITC4": ["it", "en"],
    "SK02": ["sk", "en"],
    "CZ08": ["cs", "en"],
    "SE23": ["sv", "en"],
    "RO12": ["ro", "en"],
    "PL22": ["pl", "en"],
}
# ESCO v1.1.1 preferred labels: where the sector's workers are now, with their relative numbers ...
SOURCE_ROLES = {
    "motor vehicle assembler": 5,
    "motor vehicle engine assembler": 3,
    "motor vehicle parts assembler": 3,
    "vehicle technician": 3,
    "diesel engine mechanic": 2,
    "mechatronics assembler": 1,
    "automotive electrician": 1,
}
# ... and the growing roles each of them tends toward.
TRANSITIONS = {
    "motor vehicle assembler": ["battery assembler", "automotive electrician"],
    "motor vehicle engine assembler": ["battery assembler", "mechatronics engineering technician"],
    "motor vehicle parts assembler": ["battery assembler", "battery test technician"],
    "vehicle technician": ["automotive battery technician", "automotive electrician"],
    "diesel engine mechanic": ["automotive battery technician", "automotive electrician"],
    "mechatronics assembler": ["mechatronics engineering technician", "battery test technician"],
    "automotive electrician": ["automotive battery technician", "automotive engineering technician"],
}
START = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class DemoReport:
    created: bool
    organisations: int
    workers: int
    interactions: int


def has_demo_population(*, db_session: Session) -> bool:
    """Whether the demo organisations are already in the database."""
    found = db_session.scalar(
        select(Organisation.id).where(Organisation.name.startswith(DEMO_PREFIX)).limit(1)
    )
    return found is not None


Event = tuple[int, str, str, float | None, datetime]  # worker id, course id, kind, value, when


def _roles(db_session: Session) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The URI of every role the demo names, and each one's skills with their relation."""
    labels = set(SOURCE_ROLES) | {t for ts in TRANSITIONS.values() for t in ts}
    query = select(Occupation.preferred_label, Occupation.uri).where(Occupation.preferred_label.in_(labels))
    occupation_uri = {label: uri for label, uri in db_session.execute(query)}
    missing = sorted(labels - set(occupation_uri))
    if missing:
        raise LookupError(
            f"the demo population needs ESCO occupations {missing}; run `upskill import esco` first"
        )
    requirements: dict[str, dict[str, str]] = {uri: {} for uri in occupation_uri.values()}
    for occ, skill, relation in db_session.execute(
        select(
            OccupationSkill.occupation_uri, OccupationSkill.skill_uri, OccupationSkill.relation_type
        ).where(OccupationSkill.occupation_uri.in_(list(requirements)))
    ):
        requirements[occ][skill] = relation
    return occupation_uri, requirements


def _catalogue(db_session: Session) -> tuple[list[str], dict[str, set[str]]]:
    """Every course id (sorted) and the skills each teaches."""
    course_ids = list(db_session.scalars(select(Course.id).order_by(Course.id)))
    if not course_ids:
        raise LookupError("the demo population needs a course catalogue; run `upskill import courses` first")
    teaches: dict[str, set[str]] = {c: set() for c in course_ids}
    for course_id, skill in db_session.execute(select(CourseSkill.course_id, CourseSkill.skill_uri)):
        teaches[course_id].add(skill)
    return course_ids, teaches


def _journey(
    rng: np.random.Generator,
    worker_id: int,
    course_ids: list[str],
    closes: NDArray[np.float64],
    log_popularity: NDArray[np.float64],
) -> list[Event]:
    """One worker's events: courses drawn by how much of their gap they close and popularity, each viewed,
    perhaps enrolled, completed and rated; sometimes a useless course dismissed."""
    events: list[Event] = []
    appeal = 1.5 * np.minimum(closes, 3) + 0.5 * log_popularity
    weights = np.exp(appeal - appeal.max())
    n = int(rng.integers(3, 9))
    chosen = rng.choice(
        len(course_ids), size=min(n, len(course_ids)), replace=False, p=weights / weights.sum()
    )
    when = START + timedelta(days=int(rng.integers(0, 300)))
    for index in chosen:
        course, closed = course_ids[int(index)], int(min(closes[index], 3))
        events.append((worker_id, course, "viewed", None, when))
        when += timedelta(hours=int(rng.integers(1, 72)))
        if rng.random() < 0.8:
            events.append((worker_id, course, "enrolled", None, when))
            when += timedelta(days=int(rng.integers(7, 60)))
            if rng.random() < 0.45 + 0.1 * closed:
                events.append((worker_id, course, "completed", None, when))
                rating = float(np.clip(round(2.5 + 0.7 * closed + rng.normal(0, 0.7)), 1, 5))
                events.append((worker_id, course, "rated", rating, when + timedelta(hours=1)))
        when += timedelta(days=int(rng.integers(1, 30)))
    if rng.random() < 0.15:
        useless = [c for c, k in zip(course_ids, closes, strict=True) if k == 0]
        if useless:
            events.append((worker_id, str(rng.choice(useless)), "dismissed", None, when))
    return events


def generate_demo_population(*, db_session: Session, n_workers: int = 600, seed: int = 7) -> DemoReport:
    """Create the demo organisations, workers, skills and interactions once; a second call does nothing."""
    if has_demo_population(db_session=db_session):
        return DemoReport(created=False, organisations=0, workers=0, interactions=0)
    rng = np.random.default_rng(seed)

    occupation_uri, requirements = _roles(db_session)
    course_ids, teaches = _catalogue(db_session)
    popularity = rng.zipf(1.6, size=len(course_ids)).clip(max=200).astype(float)
    log_popularity = np.log1p(popularity)

    organisations = []
    for name in ORGANISATIONS:
        organisation = Organisation(name=name)
        db_session.add(organisation)
        organisations.append(organisation)
    db_session.flush()

    roles = list(SOURCE_ROLES)
    role_p = np.array([SOURCE_ROLES[r] for r in roles], dtype=float)
    role_p /= role_p.sum()
    worker_rows, skill_rows, targets = [], [], []
    for i in range(n_workers):
        org_index = int(rng.integers(len(organisations)))
        region = str(rng.choice(ORGANISATIONS[organisations[org_index].name]))
        role = roles[int(rng.choice(len(roles), p=role_p))]
        worker_rows.append(
            {
                "organisation_id": organisations[org_index].id,
                "external_id": f"demo-{i:05d}",
                "region": region,
                "current_occupation_uri": occupation_uri[role],
                "languages": REGION_LANGUAGES[region],
            }
        )
        held = {}
        for skill, relation in sorted(requirements[occupation_uri[role]].items()):
            if (relation == "essential" or rng.random() < 0.3) and rng.random() >= 0.1:
                held[skill] = int(rng.integers(2, 4))
        skill_rows.append(held)
        targets.append(occupation_uri[str(rng.choice(TRANSITIONS[role]))])
    db_session.execute(insert(Worker), worker_rows)
    worker_ids = list(
        db_session.scalars(
            select(Worker.id)
            .where(Worker.organisation_id.in_([o.id for o in organisations]))
            .order_by(Worker.external_id)
        )
    )
    db_session.execute(
        insert(WorkerSkill),
        [
            {"worker_id": wid, "skill_uri": s, "proficiency": p}
            for wid, held in zip(worker_ids, skill_rows, strict=True)
            for s, p in held.items()
        ],
    )

    events: list[Event] = []
    for wid, held, target in zip(worker_ids, skill_rows, targets, strict=True):
        gap = {s for s in requirements[target] if s not in held}
        closes = np.array([len(teaches[c] & gap) for c in course_ids], dtype=float)
        events.extend(_journey(rng, wid, course_ids, closes, log_popularity))
    db_session.execute(
        insert(Interaction),
        [
            {"worker_id": w, "course_id": c, "kind": k, "value": v, "occurred_at": t}
            for w, c, k, v, t in events
        ],
    )
    db_session.flush()
    return DemoReport(
        created=True, organisations=len(organisations), workers=len(worker_ids), interactions=len(events)
    )
