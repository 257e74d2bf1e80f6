"""Background jobs (a model retrain) run in a thread of the process that accepted them.

Each job's state is a small JSON file, ``<folder>/<id>.json``, rewritten atomically (:mod:`data.files`) as
the job moves from ``running`` to ``succeeded`` (with its result) or ``failed`` (with the error), so any
worker process of the server answers ``GET /v1/admin/jobs/{id}``, not only the one running it. A job whose
process ended before it finished (the server was stopped) is reported ``failed`` with that reason.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from data import files
from recommender.errors import UpskillError

log = logging.getLogger("upskill.jobs")

_ID = re.compile(r"^[0-9a-f]{32}$")


def _now() -> str:
    return datetime.now(UTC).isoformat()


class Jobs:
    """The jobs of one folder; :meth:`start` runs one in a new thread, :meth:`get` reads any job's state."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._running: dict[str, str] = {}  # kind -> id of the job of that kind running in this process

    def start(
        self, kind: str, work: Callable[[], dict[str, Any]], *, then: Callable[[], None] | None = None
    ) -> dict[str, Any]:
        """Run ``work`` in a background thread and return the job's state; while a job of the same
        ``kind`` runs in this process, return that one instead of starting another. ``then`` runs after
        ``work`` succeeded and before the job's state says so."""
        with self._lock:
            running = self._running.get(kind)
            if running is not None:
                state = self.get(running)
                if state is not None:
                    return state
            job: dict[str, Any] = {
                "id": secrets.token_hex(16),
                "kind": kind,
                "status": "running",
                "created_at": _now(),
                "finished_at": None,
                "result": None,
                "error": None,
                "pid": os.getpid(),
            }
            self._write(job)
            self._running[kind] = job["id"]
        threading.Thread(target=self._run, args=(job, work, then), name=f"job-{kind}", daemon=True).start()
        return job

    def get(self, job_id: str) -> dict[str, Any] | None:
        """A job's state, or None when there is no such job."""
        if not _ID.match(job_id):
            return None
        try:
            job: dict[str, Any] = json.loads((self.folder / f"{job_id}.json").read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        if job["status"] == "running" and not _alive(int(job["pid"])):
            job = {
                **job,
                "status": "failed",
                "error": "the server process running it ended before it finished",
            }
        return job

    def _run(
        self, job: dict[str, Any], work: Callable[[], dict[str, Any]], then: Callable[[], None] | None
    ) -> None:
        try:
            result = work()
        except Exception as error:  # noqa: BLE001 - a job's failure is its result, reported by GET
            if not isinstance(error, UpskillError):
                log.exception("job %s (%s) failed", job["id"], job["kind"])
            done = {**job, "status": "failed", "error": str(error) or type(error).__name__}
        else:
            done = {**job, "status": "succeeded", "result": result}
            if then is not None:
                # before the state says succeeded: a reader who sees it sees what follows from it (the new
                # model served by this process), not a moment before
                try:
                    then()
                except Exception:  # noqa: BLE001 - the work's result stands; the follow-up is logged
                    log.exception("job %s (%s): what follows its success failed", job["id"], job["kind"])
        done["finished_at"] = _now()
        with self._lock:
            self._write(done)
            self._running.pop(job["kind"], None)

    def _write(self, job: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        files.write_text(self.folder / f"{job['id']}.json", json.dumps(job, default=str))


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
