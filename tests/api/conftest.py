"""Fixtures for every API test: keys (``api_key``) and a small world of organisations, workers and keys.

``api_key(role, organisation_id=None, region=None, worker_id=None)`` creates a key in the test's rolled-back
``db_session`` and returns it, ready for ``{"Authorization": f"Bearer {key}"}`` (:func:`bearer`).
``world`` holds two organisations with workers, a cohort each, a portfolio for each of two regions and a key
per role, for the access matrix and for tests of endpoints that take an id. ``client`` (the app on the tiny
graph, see ``tests/api/http/conftest.py``) shares the same session, so what the fixtures write is what the
requests see.
"""

from __future__ import annotations

import functools
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from api.services import keys
from data.cohorts import save_cohort
from data.models import Organisation, Worker, WorkerSkill
from data.region_store import save_portfolio
from recommender.graph import CompetenceGraph
from tests.api.http import conftest as http_fixtures

client = http_fixtures.client  # the app on the tiny graph, shared here for tests/api/*.py
tiny_session = http_fixtures.tiny_session
tiny_graph = http_fixtures.tiny_graph

MakeKey = Callable[..., str]


def bearer(key: str) -> dict[str, str]:
    """The headers that send ``key``."""
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def api_key(db_session: Session) -> MakeKey:
    """``api_key(role, organisation_id=None, region=None, worker_id=None) -> key`` (in the test's session)."""

    def make(
        role: str,
        organisation_id: int | None = None,
        region: str | None = None,
        worker_id: int | None = None,
    ) -> str:
        _, plaintext = keys.create_key(
            db_session, role=role, organisation_id=organisation_id, region=region, worker_id=worker_id
        )
        return plaintext

    return make


@dataclass(frozen=True)
class World:
    """Organisations A (own) and B (other); workers ``own`` and ``colleague`` of A, ``other`` of B; keys.

    Keys: ``admin``; ``hr`` of A; ``worker`` of ``own``; ``region`` of ``own_region`` (where ``own`` works);
    ``revoked`` (an admin key, revoked). Each worker's ``external_id`` is a unique marker string: a response
    that contains it leaks that worker.
    """

    own_organisation: int
    other_organisation: int
    own: int
    colleague: int
    other: int
    own_region: str
    other_region: str
    markers: dict[int, str]  # worker id -> external_id
    organisation_names: dict[int, str]
    keys: dict[str, str]  # role (and "revoked") -> key
    cohorts: dict[int, int] = field(default_factory=dict)  # organisation id -> its cohort's id
    portfolios: dict[str, int] = field(default_factory=dict)  # NUTS code -> its portfolio's id
    resource_markers: dict[tuple[str, int], str] = field(default_factory=dict)  # (kind, id) -> marker


@functools.cache
def cohort_document(marker: str) -> dict[str, Any]:
    """A real cohort plan on the tiny graph whose people ids start with ``marker`` (computed once)."""
    from recommender.cohort import CohortSettings, prepare, summarise
    from recommender.planner import CourseOption
    from recommender.workforce import Person, Target
    from tests.recommender.conftest import tiny_data

    graph = CompetenceGraph.from_data(tiny_data())
    courses = [CourseOption("c-battery", "Battery chemistry", 20, 100, skills={"skill:battery": 3})]
    people = [Person(f"{marker}-1", ("occ:welder",)), Person(f"{marker}-2", ("occ:painter",))]
    settings = CohortSettings(start=date(2027, 1, 4), months=6, hours_per_week=4, min_readiness=0)
    result = summarise(
        prepare(graph, people, [Target("occ:battery", "battery technician", 1)], courses, settings)
    )
    document: dict[str, Any] = json.loads(json.dumps(result.to_dict(), default=str))
    return document


_PORTFOLIOS: dict[str, str] = {}


def _portfolio_plan(session: Session, graph: CompetenceGraph, marker: str) -> str:
    if marker in _PORTFOLIOS:
        return _PORTFOLIOS[marker]
    from api.services.region import RegionRequest, plan_region

    with tempfile.TemporaryDirectory() as folder:
        files = {
            "workforce.csv": "occupation,workers\nwelder,40\n",
            "demand.csv": "occupation,headcount,year\nbattery technician,20,2028\n",
            "programmes.csv": "id,title,provider,skills,cost_per_seat,seats,hours,weeks,language,"
            "delivery_mode\n"
            f'{marker},Battery and EV,Centre,"skill:battery@3;skill:ev@4",100,30,40,4,en,online\n',
        }
        for name, text in files.items():
            (Path(folder) / name).write_text(text)
        request = RegionRequest(
            workforce=Path(folder) / "workforce.csv",
            demand=Path(folder) / "demand.csv",
            programmes=Path(folder) / "programmes.csv",
            budget=1000,
        )
        plan = plan_region(db_session=session, graph=graph, courses=[], request=request).plan
    _PORTFOLIOS[marker] = json.dumps(plan)  # text: every test gets its own copy
    return _PORTFOLIOS[marker]


def portfolio_plan(session: Session, graph: CompetenceGraph, marker: str) -> dict[str, Any]:
    """A real published portfolio on the tiny graph whose programme id is ``marker`` (computed once)."""
    plan: dict[str, Any] = json.loads(_portfolio_plan(session, graph, marker))
    return plan


def _worker(session: Session, organisation: int, marker: str, region: str) -> int:
    worker = Worker(
        organisation_id=organisation,
        external_id=marker,
        region=region,
        current_occupation_uri="occ:welder",
        target_occupation_uri="occ:battery",
        languages=["en"],
        budget=500.0,
        hours_per_week=5.0,
    )
    session.add(worker)
    session.flush()
    session.add(WorkerSkill(worker_id=worker.id, skill_uri="skill:weld", proficiency=3))
    session.flush()
    return worker.id


@pytest.fixture
def world(tiny_session: Session, tiny_graph: CompetenceGraph, api_key: MakeKey) -> World:
    """Two organisations, three workers, cohorts, portfolios and a key of each role (see :class:`World`)."""
    session = tiny_session
    names = {"a": "Own Motors (marker-org-a)", "b": "Other Motors (marker-org-b)"}
    organisations = {}
    for tag, name in names.items():
        organisation = Organisation(name=name)
        session.add(organisation)
        session.flush()
        organisations[tag] = organisation.id
    own = _worker(session, organisations["a"], "marker-worker-own", "DE11")
    colleague = _worker(session, organisations["a"], "marker-worker-colleague", "DE11")
    other = _worker(session, organisations["b"], "marker-worker-other", "ITC4")
    revoked_key, revoked = keys.create_key(session, role="admin")
    keys.revoke_key(session, key_id=revoked_key.id)
    cohorts, portfolios, resource_markers = {}, {}, {}
    for tag in ("a", "b"):
        marker = f"marker-cohort-{tag}"
        cohort = save_cohort(
            db_session=session,
            organisation_id=organisations[tag],
            name=marker,
            document=cohort_document(marker),
        )
        cohorts[organisations[tag]] = cohort
        resource_markers[("cohort", cohort)] = marker
    for nuts in ("DE11", "ITC4"):
        marker = f"marker-programme-{nuts.lower()}"
        plan = portfolio_plan(session, tiny_graph, marker)
        portfolios[nuts] = save_portfolio(db_session=session, nuts=nuts, plan=plan)
        resource_markers[("portfolio", portfolios[nuts])] = marker
    return World(
        own_organisation=organisations["a"],
        other_organisation=organisations["b"],
        own=own,
        colleague=colleague,
        other=other,
        own_region="DE11",
        other_region="ITC4",
        markers={
            own: "marker-worker-own",
            colleague: "marker-worker-colleague",
            other: "marker-worker-other",
        },
        organisation_names={organisations[t]: n for t, n in names.items()},
        keys={
            "admin": api_key("admin"),
            "hr": api_key("hr", organisation_id=organisations["a"]),
            "worker": api_key("worker", worker_id=own),
            "region": api_key("region", region="DE11"),
            "revoked": revoked,
        },
        cohorts=cohorts,
        portfolios=portfolios,
        resource_markers=resource_markers,
    )
