"""The people-version token (SQLite) changes with every committed write to an API key or a worker's data,
whoever makes it, and not with an audit entry; PostgreSQL keeps none (``data.people_version``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, text, update
from sqlalchemy.orm import Session

from api.services import audit, keys
from data.db import transaction
from data.models import ApiKey, Course, Interaction, Organisation, Skill, Worker, WorkerSkill
from data.people_version import PEOPLE_TABLES, install_triggers, people_version
from tests.conftest import rolled_back_session

WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def _token(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return people_version(connection)


def _reference(session: Session) -> None:
    session.add(Skill(uri="skill:x", preferred_label="x", alt_labels=[], description=""))
    session.add(Course(id="c1", title="c", hours=1.0, price=0.0, currency="EUR", language="en"))


#: One committed write of each kind to the people tables, in an order that works.
WRITES: list[Callable[[Session], object]] = [
    lambda s: s.add(Organisation(id=1, name="o")),
    lambda s: s.add(Worker(id=5, organisation_id=1, external_id="w5", languages=[])),
    lambda s: s.execute(update(Worker).where(Worker.id == 5).values(region="DE11")),
    lambda s: s.add(WorkerSkill(worker_id=5, skill_uri="skill:x", proficiency=2)),
    lambda s: s.execute(update(WorkerSkill).values(proficiency=3)),
    lambda s: s.execute(delete(WorkerSkill)),
    lambda s: s.add(Interaction(worker_id=5, course_id="c1", kind="viewed", occurred_at=WHEN)),
    lambda s: s.execute(update(Interaction).values(kind="enrolled")),
    lambda s: s.execute(delete(Interaction)),
    lambda s: keys.create_key(s, role="worker", worker_id=5),
    lambda s: s.execute(update(ApiKey).values(revoked_at=WHEN)),  # a key revoked
    lambda s: s.execute(update(Organisation).values(name="p")),
    lambda s: s.execute(delete(Worker)),  # its key goes with it (the foreign key's cascade)
    lambda s: s.execute(delete(Organisation)),
]


def test_each_write_to_a_key_or_a_workers_data_renews_the_token_and_an_audit_entry_does_not(
    fresh_engine: Engine,
) -> None:
    with transaction(fresh_engine) as session:
        _reference(session)
    if fresh_engine.dialect.name != "sqlite":
        for write in WRITES[:2]:
            with transaction(fresh_engine) as session:
                write(session)
        assert _token(fresh_engine) is None, "PostgreSQL keeps no people version"
        with fresh_engine.begin() as connection:
            assert install_triggers(connection) == []
        return
    seen = [_token(fresh_engine)]
    for write in WRITES[:-2]:
        with transaction(fresh_engine) as session:
            write(session)
        seen.append(_token(fresh_engine))
    assert None not in seen and len(set(seen)) == len(seen), "each committed write draws a new token"
    with transaction(fresh_engine) as session:
        principal = keys.Principal(key_id=1, role="worker", organisation_id=None, region=None, worker_id=5)
        audit.record(db_session=session, principal=principal, action="read", route="GET /", worker_ids=[5])
    assert _token(fresh_engine) == seen[-1], "an audit entry leaves the token alone"
    for write in WRITES[-2:]:
        with transaction(fresh_engine) as session:
            write(session)
        seen.append(_token(fresh_engine))
    assert len(set(seen)) == len(seen), "deletions draw new tokens"
    with fresh_engine.begin() as connection:
        assert install_triggers(connection) == [], "installing again creates nothing"
        names = {name for (name,) in connection.execute(text("SELECT name FROM sqlite_master"))}
    assert {
        f"people_version_{table}_{op}" for table in PEOPLE_TABLES for op in ("insert", "update", "delete")
    } <= names


def test_a_rolled_back_write_leaves_the_token(engine: Engine) -> None:
    with rolled_back_session(engine) as session:
        start = people_version(session.connection())
        nested = session.begin_nested()
        session.add(Organisation(name="rolled back"))
        session.flush()
        if engine.dialect.name == "sqlite":
            assert people_version(session.connection()) != start
        nested.rollback()
        assert people_version(session.connection()) == start
