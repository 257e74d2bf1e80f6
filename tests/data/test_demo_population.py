"""The seeded demo population: deterministic, idempotent, and following its documented story."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from data.demo_population import SOURCE_ROLES, TRANSITIONS, generate_demo_population
from data.models import (
    Course,
    CourseSkill,
    Interaction,
    Occupation,
    OccupationSkill,
    Skill,
    Worker,
    WorkerSkill,
)
from tests.conftest import rolled_back_session


def _tiny_world(session: Session) -> None:
    """Every occupation of the story with two essential skills of its own, and a course per skill."""
    labels = sorted(set(SOURCE_ROLES) | {t for ts in TRANSITIONS.values() for t in ts})
    for i, label in enumerate(labels):
        uri = f"http://example.org/occupation/{i}"
        session.add(Occupation(uri=uri, isco_code="8211", code=f"8211.{i}", preferred_label=label))
        for j in range(2):
            skill = f"http://example.org/skill/{i}-{j}"
            session.add(Skill(uri=skill, preferred_label=f"{label} skill {j}"))
            session.flush()
            session.add(OccupationSkill(occupation_uri=uri, skill_uri=skill, relation_type="essential"))
            course = f"course-{i}-{j}"
            session.add(Course(id=course, title=f"{label} {j}", language="en", hours=10, price=0))
            session.flush()
            session.add(
                CourseSkill(course_id=course, skill_uri=skill, level=2, confidence=1, source="explicit")
            )
    session.flush()


def _events(session: Session) -> list[tuple[str, str, str, float | None]]:
    rows = session.execute(
        select(Worker.external_id, Interaction.course_id, Interaction.kind, Interaction.value)
        .join(Worker, Worker.id == Interaction.worker_id)
        .order_by(Worker.external_id, Interaction.occurred_at, Interaction.id)
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_demo_population_is_seeded_idempotent_and_consistent(db_session: Session) -> None:
    _tiny_world(db_session)
    report = generate_demo_population(db_session=db_session, n_workers=40, seed=3)
    assert report.created and report.workers == 40 and report.interactions > 40 * 3
    first = _events(db_session)
    assert not generate_demo_population(db_session=db_session, n_workers=40, seed=3).created
    assert _events(db_session) == first

    kinds = defaultdict(list)
    for worker, course, kind, value in first:
        kinds[(worker, course)].append((kind, value))
    for (_worker, _course), seq in kinds.items():
        names = [k for k, _ in seq]
        if "rated" in names:
            assert "completed" in names and names.index("completed") < names.index("rated")
            rating = seq[names.index("rated")][1]
            assert rating is not None and 1 <= rating <= 5
        if "completed" in names:
            assert names.index("enrolled") < names.index("completed")
    assert db_session.scalar(select(WorkerSkill.worker_id).limit(1)) is not None


def test_same_seed_same_population_other_seed_differs(engine: Engine) -> None:
    results = []
    for seed in (5, 5, 6):
        with rolled_back_session(engine) as session:
            _tiny_world(session)
            generate_demo_population(db_session=session, n_workers=15, seed=seed)
            results.append(_events(session))
    assert results[0] == results[1]
    assert results[0] != results[2]
