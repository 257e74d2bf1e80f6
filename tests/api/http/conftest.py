"""HTTP test fixtures: the app with its heavy objects swapped through ``dependency_overrides``.

``client`` serves the tiny hand-made graph and a few courses and a badge written through ``db_session``
(rolled back at the end; SQLite and PostgreSQL). ``esco_client`` serves the full ESCO graph of the session's
ESCO database, for ranked search and real ids.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.http import deps
from api.http.app import create_app
from api.runtime import Runtime
from api.services import keys
from api.services.plans import PlanOptions, load_plan_options
from api.services.titles import title_matcher
from api.settings import Settings
from data.db import make_engine, migrate, transaction
from data.models import (
    Badge,
    BadgeCourse,
    BadgeSkill,
    Course,
    CoursePrerequisite,
    CourseSkill,
    Occupation,
    Organisation,
    Skill,
    Worker,
)
from recommender.graph import CompetenceGraph
from recommender.text.titles import TitleMatcher
from tests.conftest import rolled_back_session
from tests.data import filled
from tests.recommender import conftest as graph_fixtures
from tests.recommender.conftest import tiny_data

esco_graph = graph_fixtures.esco_graph  # session fixtures of tests/recommender, shared here
tiny_graph = graph_fixtures.tiny_graph

BATTERY, EV = "skill:battery", "skill:ev"


def _tiny_rows(session: Session) -> None:
    """The tiny graph's concepts as rows, three courses (one needs another first) and a badge."""
    data = tiny_data()
    for concept in data.skills:
        session.add(
            Skill(uri=concept.uri, preferred_label=concept.label, alt_labels=list(concept.alt_labels))
        )
    for concept in data.occupations:
        session.add(
            Occupation(
                uri=concept.uri,
                preferred_label=concept.label,
                alt_labels=list(concept.alt_labels),
                isco_code=concept.attributes["isco_code"],
                code=concept.attributes["code"],
                description=f"what a {concept.label} does",
            )
        )
    session.flush()
    courses = [
        ("ev-intro", "EV and battery basics", 10.0, 0.0, "en", "introductory", "online", {EV: 2, BATTERY: 2}),
        (
            "battery-adv",
            "Battery chemistry, advanced",
            20.0,
            200.0,
            "en",
            "advanced",
            "blended",
            {BATTERY: 3},
        ),
        ("ev-adv", "Electric vehicles, advanced", 15.0, 150.0, "de", "advanced", "online", {EV: 3}),
    ]
    for cid, title, hours, price, language, level, mode, taught in courses:
        session.add(
            Course(
                id=cid,
                title=title,
                hours=hours,
                price=price,
                currency="EUR",
                language=language,
                level=level,
                delivery_mode=mode,
            )
        )
        session.flush()
        for uri, level_taught in taught.items():
            session.add(CourseSkill(course_id=cid, skill_uri=uri, level=level_taught))
    session.add(CoursePrerequisite(course_id="ev-adv", prerequisite_id="ev-intro", origin="catalogue"))
    session.add(Badge(id="ev-badge", name="EV technician", earned_by="all", issuer="Test programme"))
    session.flush()
    session.add_all([BadgeCourse(badge_id="ev-badge", course_id=c) for c in ("ev-intro", "ev-adv")])
    session.add(BadgeSkill(badge_id="ev-badge", skill_uri=EV, level=3))
    session.flush()


def tiny_served_database(database: Path, organisation: str) -> Engine:
    """A migrated SQLite file at ``database`` holding the tiny rows, ``organisation`` (id 1) and one worker
    of it (id 1, Katrin: a welder aiming at battery work), for tests that start ``upskill serve`` on it."""
    engine = make_engine(f"sqlite:///{database}")
    migrate(engine)
    with transaction(engine) as session:
        _tiny_rows(session)
        session.add(Organisation(id=1, name=organisation))
        session.flush()
        session.add(
            Worker(
                id=1,
                organisation_id=1,
                external_id="katrin",
                current_occupation_uri="occ:welder",
                target_occupation_uri="occ:battery",
                languages=["en", "de"],
            )
        )
    return engine


def who_answers(monkeypatch: pytest.MonkeyPatch, middleware: type) -> list[str]:
    """Who answered each request a fast-path middleware (``api.http.fast``, ``api.http.fast_plans``) looked
    at, in order: "fast" (the middleware itself) or "route" (passed on to the route)."""
    answered: list[str] = []
    answer = middleware._answer  # type: ignore[attr-defined]

    async def recording(self: object, *args: Any) -> bytes | None:
        found: bytes | None = await answer(self, *args)
        answered.append("route" if found is None else "fast")
        return found

    monkeypatch.setattr(middleware, "_answer", recording)
    return answered


@pytest.fixture
def tiny_session(db_session: Session) -> Session:
    _tiny_rows(db_session)
    return db_session


def _client(graph: CompetenceGraph, session: Session, options: PlanOptions) -> Iterator[TestClient]:
    app = create_app()

    def one_session() -> Iterator[Session]:
        yield session

    app.dependency_overrides[deps.get_session] = one_session
    app.dependency_overrides[deps.get_session_opener] = lambda: lambda: nullcontext(session)
    # the key check before a 422 reads keys in this session too (the lifespan would give the runtime's)
    setattr(app.state, deps.KEY_CHECK_OPENER, lambda: nullcontext(session))
    app.dependency_overrides[deps.get_graph] = lambda: graph
    app.dependency_overrides[deps.get_plan_options] = lambda: options
    app.dependency_overrides[deps.get_model] = lambda: None
    # the title matcher over the test rows (the app's own is the runtime's, over its database)
    app.dependency_overrides[deps.get_title_matcher_loader] = lambda: (
        lambda: title_matcher(db_session=session)
    )
    yield TestClient(app)  # no lifespan: every heavy object comes from the overrides


@pytest.fixture
def client(tiny_session: Session, tiny_graph: CompetenceGraph) -> Iterator[TestClient]:
    """The app on the tiny graph, with rows in a rolled-back session (SQLite and PostgreSQL)."""
    yield from _client(tiny_graph, tiny_session, load_plan_options(db_session=tiny_session))


@pytest.fixture
def esco_client(esco_engine: Engine, esco_graph: CompetenceGraph) -> Iterator[TestClient]:
    """The app on the full ESCO release (SQLite), no courses."""
    with rolled_back_session(esco_engine) as session:
        yield from _client(esco_graph, session, load_plan_options(db_session=session))


@pytest.fixture(scope="session")
def esco_matcher(esco_engine: Engine) -> TitleMatcher:
    """The title matcher over the full ESCO release, built once for the session's tests."""
    with rolled_back_session(esco_engine) as session:
        return title_matcher(db_session=session)


@pytest.fixture
def served(fresh_engine: Engine, tmp_path: Path) -> Iterator[tuple[TestClient, Engine, str]]:
    """The real app (its own transaction per request) on a filled database of this test's own, and an hr
    key of the organisation of worker 11 (``tests/data/filled.py``)."""
    with fresh_engine.begin() as connection:
        filled.fill(connection)
    with transaction(fresh_engine) as session:
        _, key = keys.create_key(session, role="hr", organisation_id=7)  # the filled rows' organisation
    url = fresh_engine.url
    if url.get_backend_name() == "postgresql":  # the fixture's schema, as the runtime's own URL says it
        url = url.set(query={"options": f"-csearch_path=upskill_fresh_{os.getpid()}"})
    settings = Settings(
        database_url=url.render_as_string(hide_password=False),
        artefact_dir=tmp_path / "artefacts",
        cache_dir=tmp_path / "cache",
    )
    snapshot = CompetenceGraph.from_data(tiny_data()).save(tmp_path / "snapshot")
    with TestClient(
        create_app(Runtime(settings, snapshot=snapshot)), raise_server_exceptions=False
    ) as client:
        yield client, fresh_engine, key
