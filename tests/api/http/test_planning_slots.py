"""``api.http.deps.planning``: a process computes one plan at a time, the others waiting in the order they
came, each in the thread pool (the event loop answers meanwhile); a worker's plan is computed there too, as
``POST /v1/plans``' (the worker page's: ``tests/api/http/web/test_page.py``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeVar

import anyio
import pytest
from fastapi.testclient import TestClient

from api.http.deps import PLANS_AT_ONCE, planning
from api.http.routers import workers
from api.http.schemas.planning import PlansRead
from api.services import plans
from tests.api.conftest import World, bearer

T = TypeVar("T")


def test_plans_run_one_at_a_time_in_the_order_they_came_and_the_loop_stays_free() -> None:
    assert PLANS_AT_ONCE == 1
    events: list[tuple[str, int]] = []
    lock = threading.Lock()
    ticks = 0

    def plan(number: int) -> int:
        with lock:
            events.append(("start", number))
        time.sleep(0.05)  # a plan computing (in a thread of the pool, never on the loop)
        with lock:
            events.append(("end", number))
        return number

    async def main() -> list[int]:
        nonlocal ticks
        answers: list[int] = []

        async def ask(number: int) -> None:
            answers.append(await planning(lambda: plan(number)))

        async with anyio.create_task_group() as group:
            for number in range(4):
                group.start_soon(ask, number)
                await anyio.sleep(0.005)  # they come in this order
            while len(answers) < 4:
                ticks += 1
                await anyio.sleep(0.01)
        return answers

    answers = anyio.run(main)
    assert answers == [0, 1, 2, 3]
    assert events == [(kind, n) for n in range(4) for kind in ("start", "end")]  # never two at once
    assert ticks >= 5  # the loop ran other work while the plans computed


def plans_in_a_slot(monkeypatch: pytest.MonkeyPatch, *routes: ModuleType) -> list[bool]:
    """For each plan computed from now on, whether it was computed in a planning slot: the ``planning`` the
    route modules ``routes`` call, which runs the work it is given in ``api.http.deps.planning`` marked."""
    inside = threading.local()
    computed: list[bool] = []
    plan = plans.plan

    def recorded(*args: Any, **kwargs: Any) -> plans.PlanAnswer:
        computed.append(getattr(inside, "slot", False))
        return plan(*args, **kwargs)

    async def slotted(work: Callable[[], T]) -> T:
        def marked() -> T:
            inside.slot = True
            try:
                return work()
            finally:
                inside.slot = False

        return await planning(marked)

    monkeypatch.setattr(plans, "plan", recorded)
    for module in routes:
        monkeypatch.setattr(module, "planning", slotted)
    return computed


def test_a_workers_plan_is_computed_in_the_planning_slot(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    computed = plans_in_a_slot(monkeypatch, workers)
    saved = client.get(f"/v1/workers/{world.own}/plan", headers=bearer(world.keys["worker"]))
    assert saved.status_code == 200, saved.text
    assert saved.headers["content-type"] == "application/json"
    assert computed == [True]
    PlansRead.model_validate_json(saved.content)
