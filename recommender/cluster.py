"""Map the cohort's plan tasks over a Dask distributed cluster (``recommender.cohort.prepare``'s ``mapper``).

Without a scheduler address the tasks run in this process (:func:`recommender.cohort.in_process`). With one
(``--scheduler tcp://HOST:PORT`` or ``UPSKILL_DASK_SCHEDULER``), the catalogue is scattered to every worker
once and chunks of distinct plan tasks are mapped over the workers; the answers are the same, in the same
order. Workers need upskill installed (``pip install -e .`` on each machine) so that they can import
``recommender``; nothing else (no database) is needed on them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from recommender.cohort import Catalogue, ChunkMapper, PlanTask, TaskPlan, in_process
from recommender.errors import UpskillError


class DaskMapper:
    """Map plan chunks over the workers of a ``distributed.Client``."""

    def __init__(self, client: Any):
        self.client = client

    def __call__(
        self,
        func: Callable[[Sequence[PlanTask], Catalogue], list[TaskPlan]],
        chunks: list[list[PlanTask]],
        catalogue: Catalogue,
    ) -> list[list[TaskPlan]]:
        shared = self.client.scatter(catalogue, broadcast=True, hash=False)
        futures = self.client.map(func, chunks, catalogue=shared, pure=False)
        results: list[list[TaskPlan]] = self.client.gather(futures)
        return results


@contextmanager
def chunk_mapper(scheduler: str | None, *, timeout: str = "10s") -> Iterator[ChunkMapper]:
    """A mapper for ``scheduler`` (``tcp://HOST:PORT``), connected for the block; in process when None."""
    if not scheduler:
        yield in_process
        return
    from distributed import Client

    try:
        client = Client(scheduler, timeout=timeout)
    except (OSError, TimeoutError) as error:
        raise UpskillError(
            f"cannot reach the Dask scheduler at {scheduler}: {error}; start one (`dask scheduler`) and "
            "workers (`dask worker ADDRESS`), or leave --scheduler / UPSKILL_DASK_SCHEDULER unset to run here"
        ) from None
    try:
        yield DaskMapper(client)
    finally:
        client.close()
