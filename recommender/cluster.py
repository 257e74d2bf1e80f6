"""Map the cohort's plan tasks over a Dask distributed cluster (``recommender.cohort.prepare``'s ``mapper``).

Without a scheduler address the tasks run in this process (:func:`recommender.cohort.in_process`), or in
``processes`` local worker processes (:class:`ProcessMapper`, one per core is what pays). With one
(``--scheduler tcp://HOST:PORT`` or ``UPSKILL_DASK_SCHEDULER``), the catalogue is scattered to every worker
once and chunks of distinct plan tasks are mapped over the workers; the answers are the same, in the same
order. Workers need upskill installed (``pip install -e .`` on each machine) so that they can import
``recommender``; nothing else (no database) is needed on them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
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


_CATALOGUE: list[Catalogue] = []  # the catalogue of a local worker process, set once when it starts


def _keep_catalogue(catalogue: Catalogue) -> None:
    _CATALOGUE[:] = [catalogue]


def _plan_here(func: Callable[[Sequence[PlanTask], Catalogue], list[TaskPlan]], chunk: list[PlanTask]) -> Any:
    return func(chunk, _CATALOGUE[0])


class ProcessMapper:
    """Map plan chunks over ``processes`` local worker processes (the catalogue sent to each once)."""

    def __init__(self, processes: int):
        self.processes = processes

    def __call__(
        self,
        func: Callable[[Sequence[PlanTask], Catalogue], list[TaskPlan]],
        chunks: list[list[PlanTask]],
        catalogue: Catalogue,
    ) -> list[list[TaskPlan]]:
        if len(chunks) < 2:
            return in_process(func, chunks, catalogue)
        with ProcessPoolExecutor(
            max_workers=min(self.processes, len(chunks)),
            initializer=_keep_catalogue,
            initargs=(catalogue,),
        ) as pool:
            return list(pool.map(_plan_here, [func] * len(chunks), chunks))


@contextmanager
def chunk_mapper(scheduler: str | None, *, processes: int = 1, timeout: str = "10s") -> Iterator[ChunkMapper]:
    """A mapper for ``scheduler`` (``tcp://HOST:PORT``), connected for the block; without one, ``processes``
    local processes (1: in this process)."""
    if processes < 1:
        raise UpskillError(f"--processes must be at least 1, got {processes}")
    if not scheduler:
        yield in_process if processes == 1 else ProcessMapper(processes)
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
