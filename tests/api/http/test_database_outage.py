"""The database goes away mid-traffic (PostgreSQL): requests fail fast with a 503 problem, /ready says so,
service resumes by itself when the database is back, and a transaction cut half-way leaves nothing behind:
reads, worker writes (PATCH a worker, POST an event) and their audit entries alike.

The app reaches PostgreSQL through a TCP proxy of the test's own, which can drop every connection and then
refuse new ones (a server that stopped) or accept them and never answer (a server that hangs). Nothing else
is disturbed: other test runs on the same server keep their connections.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, make_url, select
from sqlalchemy.exc import OperationalError

from api.http.app import create_app
from api.runtime import Runtime
from api.settings import Settings
from data.db import transaction
from data.models import AuditEntry, Interaction, Organisation, Worker, WorkerSkill
from recommender.graph import CompetenceGraph
from tests.conftest import POSTGRES_URL, _postgres_engine
from tests.data import filled
from tests.recommender.conftest import tiny_data

pytestmark = pytest.mark.postgres
SCHEMA = f"upskill_outage_{os.getpid()}"
FAST = 6.0  # seconds a request may take while the database is away (connect timeout 3 s, with margin)


class Proxy:
    """A TCP proxy to ``upstream`` on a free local port: ``up``, ``refuse`` or ``hang`` new connections."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.mode = "up"
        self.pairs: list[socket.socket] = []
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.mode == "refuse":
                client.close()
                continue
            with self.lock:
                self.pairs.append(client)
            if self.mode == "hang":
                continue  # accepted, never answered
            server = socket.create_connection(self.upstream)
            with self.lock:
                self.pairs.append(server)
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        for end in (source, target):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def cut(self, mode: str) -> None:
        """Drop every open connection; from now on ``refuse`` or ``hang`` new ones."""
        self.mode = mode
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for end in pairs:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()

    def restore(self) -> None:
        self.cut("up")

    def close(self) -> None:
        self.cut("refuse")
        self.listener.close()


@pytest.fixture
def outage(tmp_path: Path) -> Iterator[tuple[Proxy, Runtime, Engine]]:
    """A migrated PostgreSQL schema with rows, and a runtime that reaches it through a proxy."""
    for engine in _postgres_engine(SCHEMA):
        with engine.begin() as connection:
            filled.fill(connection)
        url = make_url(POSTGRES_URL or "")
        proxy = Proxy((url.host or "127.0.0.1", url.port or 5432))
        through = url.set(port=proxy.port, query={"options": f"-csearch_path={SCHEMA}"})
        settings = Settings(
            database_url=through.render_as_string(hide_password=False),
            artefact_dir=tmp_path / "artefacts",
            cache_dir=tmp_path / "cache",
        )
        snapshot = CompetenceGraph.from_data(tiny_data()).save(tmp_path / "snapshot")
        try:
            yield proxy, Runtime(settings, snapshot=snapshot), engine
        finally:
            proxy.close()


def _timed_get(client: TestClient, path: str) -> tuple[int, dict[str, object], float, str]:
    started = time.perf_counter()
    response = client.get(path)
    return (
        response.status_code,
        response.json(),
        time.perf_counter() - started,
        response.headers["content-type"],
    )


@pytest.mark.parametrize("mode", ["refuse", "hang"])
def test_requests_fail_fast_while_the_database_is_away_and_service_resumes(
    outage: tuple[Proxy, Runtime, Engine], mode: str
) -> None:
    proxy, runtime, _engine = outage
    with TestClient(create_app(runtime)) as client:
        assert client.get("/v1/courses").status_code == 200
        assert client.get("/ready").json()["checks"]["database"]["ok"] is True
        proxy.cut(mode)
        for path in ("/v1/courses", "/v1/courses/edx:hv-1", "/v1/badges"):
            status, body, seconds, content_type = _timed_get(client, path)
            assert status == 503 and content_type == "application/problem+json", (path, body)
            assert body["type"] == "urn:upskill:problem:database-unavailable" and "try again" in str(
                body["fix"]
            )
            assert seconds < FAST, f"{path} took {seconds:.1f} s while the database was away"
        status, body, seconds, _ = _timed_get(client, "/ready")
        checks = body["checks"]
        assert status == 503 and checks["database"]["ok"] is False and seconds < FAST  # type: ignore[index]
        assert client.get("/health").status_code == 200  # the process itself is fine
        proxy.restore()
        status, body, _, _ = _timed_get(client, "/v1/courses")  # the same app, no restart
        assert status == 200 and body["total"] == len(filled.ROWS["courses"])
        assert client.get("/ready").json()["checks"]["database"]["ok"] is True


def test_a_transaction_cut_half_way_writes_nothing(outage: tuple[Proxy, Runtime, Engine]) -> None:
    proxy, runtime, engine = outage
    with pytest.raises(OperationalError), runtime.transaction() as session:
        organisation = Organisation(name="cut half-way")
        session.add(organisation)
        session.flush()
        worker = Worker(organisation_id=organisation.id, external_id="P-9", languages=["de"])
        session.add(worker)
        session.flush()
        proxy.cut("refuse")
        session.add(WorkerSkill(worker_id=worker.id, skill_uri=filled.SKILL, proficiency=3))
        session.flush()
    proxy.restore()
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).where(Organisation.name == "cut half-way")) == 0
        assert session.scalar(select(func.count()).where(Worker.external_id == "P-9")) == 0
        assert session.scalar(select(func.count()).select_from(WorkerSkill)) == len(
            filled.ROWS["worker_skills"]
        )
    with runtime.transaction() as session:  # and the runtime's engine works again
        assert session.scalar(select(func.count()).select_from(Worker)) == len(filled.ROWS["workers"])


def _worker_state(engine: Engine) -> tuple[Any, ...]:
    """Worker 11's profile limits, skills and events, and every audit entry: what a write could touch."""
    with transaction(engine) as session:
        worker = session.get(Worker, 11)
        assert worker is not None
        skills = session.execute(
            select(WorkerSkill.skill_uri, WorkerSkill.proficiency).where(WorkerSkill.worker_id == 11)
        ).all()
        events = session.execute(
            select(Interaction.kind, Interaction.course_id).where(Interaction.worker_id == 11)
        )
        entries = session.execute(select(AuditEntry.action, AuditEntry.route, AuditEntry.worker_id)).all()
        return worker.budget, worker.hours_per_week, sorted(skills), sorted(events.all()), sorted(entries)


WRITES = [
    ("PATCH", "/v1/workers/11", {"budget": 1.0, "hours_per_week": 2.0}, 200),
    ("POST", "/v1/workers/11/events", {"kind": "completed", "course_id": "edx:hv-1"}, 201),
]


def _hr_key(engine: Engine) -> dict[str, str]:
    from api.services import keys

    with transaction(engine) as session:
        _, plaintext = keys.create_key(session, role="hr", organisation_id=7)  # worker 11's organisation
    return {"Authorization": f"Bearer {plaintext}"}


@pytest.mark.parametrize("mode", ["refuse", "hang"])
def test_worker_writes_answer_503_while_the_database_is_away_and_write_nothing(
    outage: tuple[Proxy, Runtime, Engine], mode: str
) -> None:
    proxy, runtime, engine = outage
    headers = _hr_key(engine)
    before = _worker_state(engine)
    with TestClient(create_app(runtime)) as client:
        assert client.get("/v1/workers/11", headers=headers).status_code == 200
        after_read = _worker_state(engine)
        proxy.cut(mode)
        for method, path, body, _ in WRITES:
            started = time.perf_counter()
            response = client.request(method, path, json=body, headers=headers)
            seconds = time.perf_counter() - started
            assert response.status_code == 503, (path, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["type"] == "urn:upskill:problem:database-unavailable"
            assert seconds < FAST, f"{method} {path} took {seconds:.1f} s while the database was away"
        proxy.restore()
        assert _worker_state(engine) == after_read  # neither write, nor an entry claiming one
        for method, path, body, status in WRITES:  # the same app writes again
            assert client.request(method, path, json=body, headers=headers).status_code == status
    budget, hours, skills, events, entries = _worker_state(engine)
    assert (budget, hours) == (1.0, 2.0) and events == sorted([*before[3], ("completed", "edx:hv-1")])
    assert dict(skills)[filled.SKILL] == 3  # the completion raised it (edx:hv-1 teaches it at 3)
    assert [e for e in entries if e[0] == "change"] == sorted(
        [
            ("change", "PATCH /v1/workers/{worker_id}", 11),
            ("change", "POST /v1/workers/{worker_id}/events", 11),
        ]
    )


@pytest.mark.parametrize(
    ("service", "name", "write"), [("workers", "update_worker", 0), ("worker_learning", "record_event", 1)]
)
def test_a_worker_write_cut_half_way_leaves_nothing_behind(
    outage: tuple[Proxy, Runtime, Engine],
    monkeypatch: pytest.MonkeyPatch,
    service: str,
    name: str,
    write: int,
) -> None:
    """The database goes away after the route has written the change (flushed) and before its audit entry
    and commit: 503, and after recovery neither the change nor the entry is there."""
    import importlib

    proxy, runtime, engine = outage
    headers = _hr_key(engine)
    module = importlib.import_module(f"api.services.{service}")
    original = getattr(module, name)

    def then_cut(**kwargs: object) -> object:
        result = original(**kwargs)
        kwargs["db_session"].flush()  # type: ignore[attr-defined]
        proxy.cut("refuse")
        return result

    monkeypatch.setattr(module, name, then_cut)
    before = _worker_state(engine)
    method, path, body, _ = WRITES[write]
    with TestClient(create_app(runtime)) as client:
        response = client.request(method, path, json=body, headers=headers)
        assert response.status_code == 503, response.text
        assert response.json()["type"] == "urn:upskill:problem:database-unavailable"
        proxy.restore()
        assert _worker_state(engine) == before
        monkeypatch.setattr(module, name, original)
        assert client.get("/v1/workers/11", headers=headers).status_code == 200  # serving again
