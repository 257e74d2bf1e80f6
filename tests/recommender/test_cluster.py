"""The same cohort on a 2-worker Dask LocalCluster as in process."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from recommender.cohort import CohortSettings, prepare, summarise
from recommender.errors import UpskillError
from recommender.graph import CompetenceGraph
from recommender.planner import CourseOption
from recommender.workforce import Person, Target

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    # small: two single-threaded worker processes, no dashboard, ports chosen by the system
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, memory_limit="1GiB"
    ) as local:
        yield local


COURSES = [
    CourseOption("c-battery", "Battery chemistry basics", 20, 100, skills={"skill:battery": 3}),
    CourseOption("c-ev", "Electric vehicles", 30, 300, skills={"skill:ev": 3}),
    CourseOption("c-weld", "Welding", 40, 200, skills={"skill:weld": 3, "skill:join": 3}),
    CourseOption("c-talk", "Customer talk", 6, 0, skills={"skill:comm": 3}),
]
PEOPLE = [
    Person(f"p{i}", (occupation,), {"skill:battery": i % 3}, hours_per_week=2 + i % 4)
    for i, occupation in enumerate(["occ:welder", "occ:painter", "occ:fabricator", "occ:welder2"] * 5)
]
TARGETS = [
    Target("occ:battery", "battery technician", 6),
    Target("occ:fabricator", "metal fabricator", 4),
]
SETTINGS = CohortSettings(start=date(2027, 1, 4), months=6, hours_per_week=4, budget=5000, min_readiness=0)


def _same_plan_through(graph: CompetenceGraph, scheduler: str | None, processes: int = 1) -> None:
    from recommender.cluster import chunk_mapper

    here = summarise(prepare(graph, PEOPLE, TARGETS, COURSES, SETTINGS)).to_dict()
    with chunk_mapper(scheduler, processes=processes) as mapper:
        inputs = prepare(graph, PEOPLE, TARGETS, COURSES, SETTINGS, mapper=mapper, chunk_size=3)
    there = summarise(inputs).to_dict()
    assert inputs.stats["plans_computed"] > 3  # several chunks went out
    here["certificate"].pop("seconds"), there["certificate"].pop("seconds")
    assert there == here


def test_a_cluster_gives_the_same_cohort_plan(tiny_graph: CompetenceGraph, cluster: object) -> None:
    _same_plan_through(tiny_graph, cluster.scheduler_address)  # type: ignore[attr-defined]


def test_local_processes_give_the_same_cohort_plan(tiny_graph: CompetenceGraph) -> None:
    _same_plan_through(tiny_graph, None, processes=2)


def test_processes_must_be_positive() -> None:
    from recommender.cluster import chunk_mapper

    with pytest.raises(UpskillError, match="--processes must be at least 1"), chunk_mapper(None, processes=0):
        pass


def test_an_unreachable_scheduler_is_a_clear_error() -> None:
    from recommender.cluster import chunk_mapper

    with (
        pytest.raises(UpskillError, match="cannot reach the Dask scheduler"),
        chunk_mapper("tcp://127.0.0.1:1", timeout="1s"),
    ):
        pass
