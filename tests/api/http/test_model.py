"""GET /v1/model and the hot swap: plans under concurrent requests while artefacts appear, good and bad."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.http import deps
from api.runtime import Runtime
from api.settings import Settings
from recommender.planner import cover
from tests.api.models import other_version_copy, save_model, truncated_copy

PLAN = {
    "current_occupations": ["welder"],
    "target": "battery technician",
    "start": "2027-01-04",
    "hours_per_week": 10,
    "languages": ["en", "de"],
}


@pytest.fixture
def served(client: TestClient, tmp_path: Path) -> Iterator[tuple[TestClient, Runtime]]:
    """The tiny app serving the model of its runtime's artefact folder, looked at on every request."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'jobs.db'}",
        artefact_dir=tmp_path / "artefacts",
        cache_dir=tmp_path / "cache",
    )
    runtime = Runtime(settings)
    runtime.model_slot.check_seconds = 0  # look at the folder at every request
    app: Any = client.app
    del app.dependency_overrides[deps.get_model]
    app.state.runtime = runtime
    yield client, runtime


def test_the_served_model_is_described(served: tuple[TestClient, Runtime]) -> None:
    client, runtime = served
    none = client.get("/v1/model").json()
    assert none["artefact"] is None and "no usable model artefact" in none["problem"]
    path = save_model(runtime.settings.artefact_dir, "ev-adv")
    meta = json.loads(path.read_text())
    described = client.get("/v1/model").json()
    assert described["artefact"] == path.stem and described["problem"] is None
    assert described["data_hash"] == meta["data_hash"] and described["created_at"] == meta["created_at"]
    assert described["metrics"] == meta["metrics"] and described["n_items"] == 3
    assert described["rejected"] == []


def test_plans_under_concurrent_requests_come_whole_from_the_old_or_the_new_model(
    served: tuple[TestClient, Runtime], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, runtime = served
    # every answer is compared whole with a reference: the planner's latency limit (0.1 s of wall time)
    # would let a busy machine stop HiGHS and answer with the greedy's plan, which is not the model's doing
    monkeypatch.setattr(cover, "TIME_LIMIT", 600.0)
    folder = runtime.settings.artefact_dir
    old = save_model(folder, "ev-adv")
    reference_old = client.post("/v1/plans", json=PLAN).json()
    assert old.name in reference_old["ranking"]
    answers: list[tuple[int, dict[str, Any]]] = []
    stop = threading.Event()
    lock = threading.Lock()

    def hammer() -> None:
        while not stop.is_set():
            response = client.post("/v1/plans", json=PLAN)
            with lock:
                answers.append((response.status_code, response.json()))

    threads = [threading.Thread(target=hammer) for _ in range(6)]
    for thread in threads:
        thread.start()
    try:
        _until(lambda: len(answers) >= 12)
        new = save_model(folder, "battery-adv", seed=1)  # appears while requests run
        _until(lambda: any(new.name in body.get("ranking", "") for _, body in answers[-6:]))
        seen = len(answers)
        with caplog.at_level(logging.WARNING, logger="upskill.model"):
            bad = truncated_copy(new)  # then a broken one
            _until(lambda: len(answers) >= seen + 18)
            worse = other_version_copy(new)
            _until(lambda: len(answers) >= seen + 36)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    reference_new = client.post("/v1/plans", json=PLAN).json()
    assert new.name in reference_new["ranking"]
    assert {status for status, _ in answers} == {200}
    from_old = [body for _, body in answers if body == reference_old]
    from_new = [body for _, body in answers if body == reference_new]
    assert len(from_old) + len(from_new) == len(answers), "every answer is one model's, whole"
    assert from_old and from_new
    rankings = [body["ranking"] for _, body in answers]
    assert not [r for r in rankings if bad.name in r or worse.name in r], (
        "the broken artefacts are never served"
    )
    assert all(body == reference_new for _, body in answers[-6:]), "the new model is served at the end"
    described = client.get("/v1/model").json()
    assert described["artefact"] == new.stem
    reasons = {r["artefact"]: r["reason"] for r in described["rejected"]}
    assert "checksum does not match" in reasons[bad.stem] and "format 99" in reasons[worse.stem]
    assert bad.name in caplog.text and worse.name in caplog.text


def _until(condition: Callable[[], bool], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
