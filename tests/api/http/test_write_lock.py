"""Only changes take the write lock (issue 17's follow-up): keyed reads run beside each other and beside a
long cohort solve; a read's audit entry is committed before its answer is sent, or the answer is a 503.

The real app, one transaction per request, on a filled database of the test's own (``served``: SQLite
and PostgreSQL). The tests wait on events, not on the clock: under the old design
(every keyed request began with ``BEGIN IMMEDIATE`` on SQLite) the second of two keyed reads waited for the
first's lock, and every request waited for a cohort's (or a regional portfolio's) solve.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from api.services import audit, cohorts, keys, region, workers
from data.db import ReadOnlyTransaction, make_engine, migrate, transaction
from data.models import Organisation, Worker
from recommender.errors import InvalidPlanInput
from tests.api.conftest import bearer
from tests.api.http.test_audit import _entries
from tests.api.http.test_cohorts import PEOPLE, SETTINGS, TARGETS
from tests.api.http.test_regions import _plan

WAIT = 20.0  # seconds any step may wait for another before the test fails (never reached when it passes)


def test_two_keyed_reads_are_inside_their_routes_at_the_same_time(
    served: tuple[TestClient, Engine, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each read waits inside its route until the other one is there too: with a write lock per keyed
    request the second could not begin while the first held it."""
    client, engine, key = served
    both_inside = threading.Barrier(2, timeout=WAIT)
    describe = workers.describe_worker

    def meeting(**kwargs: Any) -> Any:
        both_inside.wait()
        return describe(**kwargs)

    monkeypatch.setattr(workers, "describe_worker", meeting)
    with transaction(engine) as session:
        before = len(_entries(session, worker_id=11))
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: client.get("/v1/workers/11", headers=bearer(key)), range(2)))
    assert [answer.status_code for answer in answers] == [200, 200], [a.text for a in answers]
    with transaction(engine) as session:  # each read's entry was committed before its answer
        assert len(_entries(session, worker_id=11)) == before + 2


def test_a_cohort_solve_holds_no_lock_reads_and_changes_go_on_meanwhile(
    served: tuple[TestClient, Engine, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """While POST /v1/cohorts is solving, a keyed read and a keyed change are answered; then the cohort is
    kept (a short write of its own), and the change made meanwhile is kept too."""
    client, engine, key = served
    solving, release = threading.Event(), threading.Event()

    def slow_solve(**_: Any) -> dict[str, Any]:
        solving.set()
        assert release.wait(WAIT), "the test never released the solve"
        raise InvalidPlanInput("the solve found nothing to plan", field="targets")

    monkeypatch.setattr(cohorts, "prepare", slow_solve)
    body = {"name": "q1", "workforce": PEOPLE, "targets": TARGETS, **SETTINGS}
    with ThreadPoolExecutor(1) as pool:
        cohort = pool.submit(client.post, "/v1/cohorts", json=body, headers=bearer(key))
        assert solving.wait(WAIT)
        read = client.get("/v1/workers/11", headers=bearer(key))
        changed = client.patch("/v1/workers/11", json={"budget": 123.0}, headers=bearer(key))
        assert not cohort.done()  # both answered while the solve was still running
        release.set()
        assert cohort.result(WAIT).status_code == 422
    assert (read.status_code, changed.status_code) == (200, 200), (read.text, changed.text)
    with transaction(engine) as session:
        worker = session.get(Worker, 11)
        assert worker is not None and worker.budget == 123.0


def test_a_portfolio_solve_holds_no_lock_reads_and_changes_go_on_meanwhile(
    served: tuple[TestClient, Engine, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """While POST /v1/regions/{nuts}/portfolios is solving, a keyed read and a keyed change are answered;
    then the portfolio is kept (a short write of its own) and reads back, and the change is kept too."""
    client, engine, key = served
    with transaction(engine) as session:
        _, region_key = keys.create_key(session, role="region", region="CZ08")
    solving, release = threading.Event(), threading.Event()
    prepare = region.prepare_portfolio

    def slow_solve(**kwargs: Any) -> dict[str, Any]:
        solving.set()
        assert release.wait(WAIT), "the test never released the solve"
        return prepare(**kwargs)

    monkeypatch.setattr(region, "prepare_portfolio", slow_solve)
    with ThreadPoolExecutor(1) as pool:
        portfolio = pool.submit(_plan, client, region_key)
        assert solving.wait(WAIT)
        read = client.get("/v1/workers/11", headers=bearer(key))
        changed = client.patch("/v1/workers/11", json={"budget": 321.0}, headers=bearer(key))
        assert not portfolio.done()  # both answered while the solve was still running
        release.set()
        made = portfolio.result(WAIT)
    assert (read.status_code, changed.status_code) == (200, 200), (read.text, changed.text)
    assert made.status_code == 201, made.text
    kept = client.get(f"/v1/regions/CZ08/portfolios/{made.json()['id']}", headers=bearer(region_key))
    assert kept.status_code == 200 and kept.json() == made.json()
    with transaction(engine) as session:
        worker = session.get(Worker, 11)
        assert worker is not None and worker.budget == 321.0


def test_a_read_whose_audit_entry_cannot_be_written_answers_503_without_the_data(
    served: tuple[TestClient, Engine, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, engine, key = served

    def locked(**_: Any) -> None:
        raise OperationalError("INSERT INTO audit_log ...", {}, Exception("database is locked"))

    with transaction(engine) as session:
        before = _entries(session)
    monkeypatch.setattr(audit, "add", locked)
    response = client.get("/v1/workers/11", headers=bearer(key))
    assert response.status_code == 503, response.text
    assert response.json()["type"].endswith("audit-unavailable")
    assert not {"organisation_id", "skills", "budget"} & set(response.json())  # none of the worker's data
    with transaction(engine) as session:
        assert _entries(session) == before


def test_a_read_only_transaction_refuses_to_write(tmp_path: Any) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'ro.db'}")
    migrate(engine)
    with pytest.raises(ReadOnlyTransaction, match="Organisation"), transaction(engine, read_only=True) as s:
        s.add(Organisation(name="never"))
        s.flush()
    with transaction(engine) as session:
        assert session.query(Organisation).count() == 0
