"""Training data from the database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from data.models import Course, Interaction, Organisation, Worker
from training.dataset import NoInteractions, from_database, hours_bucket, profile_features


def test_empty_interactions_table_is_said_clearly(db_session: Session) -> None:
    with pytest.raises(NoInteractions, match="no interactions"):
        from_database(db_session=db_session)


def test_workers_courses_and_weights(db_session: Session) -> None:
    org = Organisation(name="Test org")
    db_session.add(org)
    db_session.flush()
    workers = [
        Worker(organisation_id=org.id, external_id=f"w{i}", region="DE11", languages=["de"]) for i in range(2)
    ]
    courses = [
        Course(id=f"c{i}", title=f"Course {i}", language="en", hours=h, level="introductory", provider="edX")
        for i, h in enumerate((3.0, 40.0))
    ]
    db_session.add_all([*workers, *courses])
    db_session.flush()
    when = datetime(2025, 1, 1, tzinfo=UTC)
    events = [
        (workers[0], "c0", "enrolled", None),
        (workers[0], "c0", "completed", None),
        (workers[0], "c1", "dismissed", None),
        (workers[1], "c1", "rated", 5.0),
    ]
    for worker, course, kind, value in events:
        db_session.add(
            Interaction(worker_id=worker.id, course_id=course, kind=kind, value=value, occurred_at=when)
        )
    db_session.flush()
    data = from_database(db_session=db_session)
    assert data.user.size == 2  # (w0, c0) once with its strongest weight; the dismissal is no positive
    weights = {
        (data.users.id(int(u)), data.items.id(int(i))): float(w)
        for u, i, w in zip(data.user, data.item, data.weight, strict=True)
    }
    assert weights == {(str(workers[0].id), "c0"): 2.0, (str(workers[1].id), "c1"): 2.0}
    assert data.item_features is not None and "hours=20-60h" in data.item_features.names
    assert data.user_features is not None and "region=DE11" in data.user_features.names


def test_hours_buckets() -> None:
    assert [hours_bucket(h) for h in (1, 5, 30, 100)] == ["<5h", "5-20h", "20-60h", ">=60h"]


def test_profile_features_name_every_part_of_a_profile() -> None:
    features = profile_features(
        occupations={"occ:diesel": "7231"},
        skills={"skill:engines": 3, "skill:safety": 0},
        region="DE11",
        languages=["de", "en"],
    )
    assert features == {
        "occupation=occ:diesel": 1.0,
        "isco=7": 1.0,
        "isco=72": 1.0,
        "isco=723": 1.0,
        "isco=7231": 1.0,
        "region=DE11": 1.0,
        "language=de": 1.0,
        "language=en": 1.0,
        "skill=skill:engines": 0.75,
        "skill=skill:safety": 0.25,
    }
