"""``api.http.deps.planning``: a process computes one plan at a time, the others waiting in the order they
came, each in the thread pool (the event loop answers meanwhile)."""

from __future__ import annotations

import threading
import time

import anyio

from api.http.deps import PLANS_AT_ONCE, planning


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
