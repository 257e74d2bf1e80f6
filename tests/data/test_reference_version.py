"""The reference-version token changes with every committed write to a reference table, and only then."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Engine, Table, delete, update

from data.db import transaction
from data.models import Base, Course, Interaction, Organisation, Skill, Worker
from data.reference_version import REFERENCE_TABLES, install_triggers, reference_version
from tests.conftest import rolled_back_session

#: Tables that are not reference data: writing them must not invalidate the graph cache.
NOT_REFERENCE = (
    "provenance",
    "reference_version",
    "people_version",  # the people data's token (data.people_version)
    "organisations",
    "workers",
    "worker_skills",
    "interactions",
    "region_portfolios",  # a region's published plan, not what the graph is built from
    "cohorts",  # an organisation's workforce plans
    "cohort_plans",
    "cohort_people",
    "api_keys",  # who may call the API
    "audit_log",  # who used which worker's data
)


def test_every_table_is_classified() -> None:
    tables = set(Base.metadata.tables)
    assert set(REFERENCE_TABLES) | set(NOT_REFERENCE) == tables, (
        "a table is neither reference data (data.reference_version.REFERENCE_TABLES) nor listed in "
        f"NOT_REFERENCE here: {sorted(tables - set(REFERENCE_TABLES) - set(NOT_REFERENCE))}"
    )
    assert not set(REFERENCE_TABLES) & set(NOT_REFERENCE)


def _token(engine: Engine) -> str:
    with engine.connect() as connection:
        return reference_version(connection)


def test_each_kind_of_reference_write_renews_the_token_and_personal_writes_do_not(
    fresh_engine: Engine,
) -> None:
    seen = [_token(fresh_engine)]
    writes = [
        lambda s: s.add(Skill(uri="skill:x", preferred_label="x", alt_labels=[], description="")),
        lambda s: s.execute(update(Skill).where(Skill.uri == "skill:x").values(preferred_label="y")),
        lambda s: s.add(Course(id="c1", title="c", hours=1.0, price=0.0, currency="EUR", language="en")),
        lambda s: s.execute(delete(Skill).where(Skill.uri == "skill:x")),
    ]
    for write in writes:
        with transaction(fresh_engine) as session:
            write(session)
        seen.append(_token(fresh_engine))
    assert len(set(seen)) == len(seen), "each committed write to a reference table draws a new token"

    with transaction(fresh_engine) as session:
        organisation = Organisation(name="o")
        session.add(organisation)
        session.flush()
        worker = Worker(organisation_id=organisation.id, external_id="w1", languages=[])
        session.add(worker)
        session.flush()
        when = datetime(2026, 1, 1, tzinfo=UTC)
        session.add(Interaction(worker_id=worker.id, course_id="c1", kind="viewed", occurred_at=when))
    assert _token(fresh_engine) == seen[-1], "writing personal data leaves the token alone"
    with fresh_engine.begin() as connection:
        assert install_triggers(connection) == [], "installing again creates nothing"


def test_a_rolled_back_write_restores_the_old_token_and_a_later_write_draws_a_new_one(engine: Engine) -> None:
    with rolled_back_session(engine) as session:
        start = reference_version(session)
        nested = session.begin_nested()
        session.add(Skill(uri="skill:rb", preferred_label="rb", alt_labels=[], description=""))
        session.flush()
        rolled_back = reference_version(session)
        assert rolled_back != start
        nested.rollback()
        assert reference_version(session) == start
        session.add(Skill(uri="skill:rb2", preferred_label="rb2", alt_labels=[], description=""))
        session.flush()
        assert reference_version(session) not in (start, rolled_back)


def test_a_bulk_write_in_one_transaction_renews_the_token(fresh_engine: Engine) -> None:
    """Many statements in one transaction (as an import runs them) end with a new token."""
    before = _token(fresh_engine)
    rows = [
        {"uri": f"skill:{i}", "preferred_label": f"s{i}", "alt_labels": [], "description": ""}
        for i in range(3000)
    ]
    with transaction(fresh_engine) as session:
        session.execute(cast(Table, Skill.__table__).insert(), rows)
    assert _token(fresh_engine) != before
