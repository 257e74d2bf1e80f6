"""Background jobs: state on disk any process reads, one running job per kind, failures with the error."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

from api.jobs import Jobs
from recommender.errors import UpskillError


def _finished(jobs: Jobs, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while (state := jobs.get(job_id)) is not None and state["status"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert state is not None
    return state


def test_a_job_runs_in_the_background_and_any_reader_sees_its_result(tmp_path: Path) -> None:
    go = threading.Event()
    then: list[int] = []
    jobs = Jobs(tmp_path)
    job = jobs.start(
        "retrain", lambda: {"artefact": "a.json"} if go.wait(10) else {}, then=lambda: then.append(1)
    )
    assert job["status"] == "running" and (jobs.get(job["id"]) or {}).get("status") == "running"
    assert jobs.start("retrain", dict)["id"] == job["id"], "one job of a kind at a time"
    go.set()
    done = _finished(Jobs(tmp_path), job["id"])  # another process sees the file
    assert done["status"] == "succeeded" and done["result"] == {"artefact": "a.json"} and then == [1]
    assert jobs.start("retrain", dict)["id"] != job["id"], "a new one once it finished"


def test_what_follows_a_job_runs_before_its_success_is_published(tmp_path: Path) -> None:
    jobs = Jobs(tmp_path)
    seen: list[str] = []

    def look() -> None:  # the one job's state, as a reader would see it now
        seen.extend(json.loads(path.read_text())["status"] for path in tmp_path.glob("*.json"))

    job = jobs.start("retrain", dict, then=look)
    assert _finished(jobs, job["id"])["status"] == "succeeded" and seen == ["running"]

    def fails() -> None:
        raise OSError("the artefact folder is gone")

    job = jobs.start("retrain", dict, then=fails)
    assert _finished(jobs, job["id"])["status"] == "succeeded", (
        "the work's result stands; the error is logged"
    )


def test_a_failed_job_keeps_the_error_and_a_dead_process_is_reported(tmp_path: Path) -> None:
    def fail() -> dict[str, Any]:
        raise UpskillError("no interactions to train on")

    jobs = Jobs(tmp_path)
    job = jobs.start("retrain", fail)
    done = _finished(jobs, job["id"])
    assert done["status"] == "failed" and done["error"] == "no interactions to train on"
    orphan = {**done, "id": "f" * 32, "status": "running", "error": None, "pid": 2**22 + 12345}
    (tmp_path / f"{'f' * 32}.json").write_text(json.dumps(orphan))
    state = jobs.get("f" * 32)
    assert state is not None and state["status"] == "failed" and "ended" in state["error"]
    assert jobs.get("../../etc/passwd") is None and jobs.get("0" * 32) is None
