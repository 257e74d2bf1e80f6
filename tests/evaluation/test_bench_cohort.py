"""The cohort benchmark's store step: the document stored as the API keeps it and read back whole."""

from __future__ import annotations

from datetime import date

from evaluation.bench_cohort import document_and_store
from recommender.cohort import CohortSettings, prepare, summarise
from recommender.graph import CompetenceGraph
from recommender.planner import CourseOption
from recommender.workforce import Person, Target
from tests.recommender.conftest import tiny_data


def test_document_and_store_reads_back_every_person_and_plan() -> None:
    graph = CompetenceGraph.from_data(tiny_data())
    courses = [
        CourseOption("c-battery", "Battery chemistry basics", 20, 100, skills={"skill:battery": 3}),
        CourseOption("c-weld", "Welding", 40, 200, skills={"skill:weld": 3, "skill:join": 3}),
    ]
    people = [Person(f"p{i}", ("occ:welder",) if i % 2 else ("occ:painter",)) for i in range(6)]
    targets = [
        Target("occ:battery", "battery technician", 2),
        Target("occ:fabricator", "metal fabricator", 2),
    ]
    settings = CohortSettings(start=date(2027, 1, 4), months=6, hours_per_week=4, min_readiness=0.0)
    result = summarise(prepare(graph, people, targets, courses, settings))
    figures = document_and_store(result)
    assert figures["people_stored"] == len(people)
    assert figures["plans_stored"] == len(result.to_dict()["plans"]) > 0
    assert min(figures["document_seconds"], figures["store_seconds"], figures["read_seconds"]) >= 0
