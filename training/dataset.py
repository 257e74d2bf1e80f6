"""Build the training data from the database: workers x courses, with worker and course metadata.

Interaction kinds weigh differently (a completion says more than a view); ``dismissed`` is a negative signal
and is not a training positive. Each (worker, course) pair is one interaction, at its first time, with the
largest weight of its events.

Worker features: current occupation, its ISCO unit group and the broader ISCO groups (1 to 3 digits), skills
held (weight = proficiency / 4, at least 0.25), region, languages. Course features: skills taught, level,
provider, language, delivery mode, an hours bucket, catalogue.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select

from recommender.errors import UpskillError
from training.interactions import InteractionData, build_data

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

KIND_WEIGHTS = {"viewed": 0.5, "enrolled": 1.0, "completed": 2.0}
HOURS_BUCKETS = ((5, "<5h"), (20, "5-20h"), (60, "20-60h"))


class NoInteractions(UpskillError):
    """The database holds no interactions to train on."""


def _weight(kind: str, value: float | None) -> float | None:
    if kind == "rated":
        return max(float(value or 0.0), 1.0) / 2.5
    return KIND_WEIGHTS.get(kind)


def hours_bucket(hours: float) -> str:
    """A coarse duration class, so that courses of similar length share a feature."""
    for bound, label in HOURS_BUCKETS:
        if hours < bound:
            return label
    return ">=60h"


def profile_features(
    *,
    occupations: Mapping[str, str],
    skills: Mapping[str, int],
    region: str | None = None,
    languages: Sequence[str] = (),
) -> dict[str, float]:
    """A worker's user features as the model is trained on them.

    ``occupations`` maps occupation URIs to their ISCO unit-group code, ``skills`` skill URIs to a
    proficiency 0..4. Names: ``occupation=<uri>``, ``isco=<prefix>`` (every prefix), ``region=``,
    ``language=``, ``skill=<uri>`` (weight proficiency / 4, at least 0.25).
    """
    feats: dict[str, float] = {}
    for uri, code in occupations.items():
        feats[f"occupation={uri}"] = 1.0
        for digits in range(1, len(code) + 1):
            feats[f"isco={code[:digits]}"] = 1.0
    if region:
        feats[f"region={region}"] = 1.0
    for language in languages:
        feats[f"language={language}"] = 1.0
    for uri, level in skills.items():
        feats[f"skill={uri}"] = max(level / 4.0, 0.25)
    return feats


def from_database(*, db_session: Session) -> InteractionData:
    """Read interactions and metadata into :class:`InteractionData`; refuse an empty interactions table."""
    # the ORM loads only here: a plan's worker features (profile_features) need none of it
    from data.models import Course, CourseSkill, Interaction, Occupation, Worker, WorkerSkill

    session = db_session
    pairs: dict[tuple[str, str], tuple[float, float]] = {}
    rows = session.execute(
        select(
            Interaction.worker_id,
            Interaction.course_id,
            Interaction.kind,
            Interaction.value,
            Interaction.occurred_at,
        )
    )
    for worker_id, course_id, kind, value, occurred_at in rows:
        weight = _weight(kind, value)
        if weight is None:
            continue
        key = (str(worker_id), course_id)
        when = occurred_at.timestamp()
        old = pairs.get(key)
        pairs[key] = (min(when, old[0]), max(weight, old[1])) if old else (when, weight)
    if not pairs:
        raise NoInteractions(
            "the database has no interactions (enrolments, completions, ratings) to train on: import "
            "interactions or generate the demo population first (see `upskill --help`)"
        )
    user_features: dict[str, dict[str, float]] = defaultdict(dict)
    isco = dict(session.execute(select(Occupation.uri, Occupation.isco_code)).all())
    held: dict[int, dict[str, int]] = defaultdict(dict)
    for worker_id, skill_uri, level in session.execute(
        select(WorkerSkill.worker_id, WorkerSkill.skill_uri, WorkerSkill.proficiency)
    ):
        held[worker_id][skill_uri] = level
    for worker in session.scalars(select(Worker)):
        occupations = [worker.current_occupation_uri] if worker.current_occupation_uri else []
        user_features[str(worker.id)] = profile_features(
            occupations={uri: isco.get(uri) or "" for uri in occupations},
            skills=held.get(worker.id, {}),
            region=worker.region,
            languages=worker.languages or [],
        )
    item_features: dict[str, dict[str, float]] = defaultdict(dict)
    for course in session.scalars(select(Course)):
        feats = item_features[course.id]
        described: tuple[tuple[str, str | None], ...] = (
            ("level", course.level),
            ("provider", course.provider),
            ("language", course.language),
            ("delivery", course.delivery_mode),
            ("catalogue", course.catalogue),
            ("hours", hours_bucket(course.hours)),
        )
        for name, label in described:
            if label:
                feats[f"{name}={label}"] = 1.0
    for course_id, skill_uri, confidence in session.execute(
        select(CourseSkill.course_id, CourseSkill.skill_uri, CourseSkill.confidence)
    ):
        item_features[course_id][f"skill={skill_uri}"] = max(float(confidence), 0.1)
    triples = [(user, item, when, weight) for (user, item), (when, weight) in pairs.items()]
    return build_data(
        "database",
        triples,
        has_time=True,
        user_features=dict(user_features),
        item_features=dict(item_features),
    )
