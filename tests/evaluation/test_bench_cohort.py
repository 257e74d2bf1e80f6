"""The cohort benchmark's store step (the document stored as the API keeps it and read back whole) and its
comparison of the planner's solvers on a cohort's plans."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from evaluation.bench_cohort import document_and_store, solver_choice, tight_budgets
from recommender.cohort import CohortSettings, prepare, summarise
from recommender.graph import CompetenceGraph
from recommender.planner import CourseOption
from recommender.workforce import Person, Target
from tests.recommender.conftest import tiny_data

COURSES = [
    CourseOption("c-battery", "Battery chemistry basics", 20, 100, skills={"skill:battery": 3}),
    CourseOption("c-weld", "Welding", 40, 200, skills={"skill:weld": 3, "skill:join": 3}),
]
TARGETS = [Target("occ:battery", "battery technician", 2), Target("occ:fabricator", "metal fabricator", 2)]
SETTINGS = CohortSettings(start=date(2027, 1, 4), months=6, hours_per_week=4, min_readiness=0.0)


def test_document_and_store_reads_back_every_person_and_plan() -> None:
    graph = CompetenceGraph.from_data(tiny_data())
    people = [Person(f"p{i}", ("occ:welder",) if i % 2 else ("occ:painter",)) for i in range(6)]
    result = summarise(prepare(graph, people, TARGETS, COURSES, SETTINGS))
    figures = document_and_store(result)
    assert figures["people_stored"] == len(people)
    assert figures["plans_stored"] == len(result.to_dict()["plans"]) > 0
    assert min(figures["document_seconds"], figures["store_seconds"], figures["read_seconds"]) >= 0


def test_the_solvers_are_compared_on_the_cohorts_distinct_plans() -> None:
    """Each drawn plan made by both solvers: on a tiny catalogue whose plans are plain they agree."""
    graph = CompetenceGraph.from_data(tiny_data())
    courses = [
        CourseOption("c-battery-2", "Battery chemistry basics", 20, 100, skills={"skill:battery": 2}),
        CourseOption("c-battery-3", "Battery chemistry", 30, 150, skills={"skill:battery": 3}),
        CourseOption("c-ev", "Electric vehicles", 10, 50, skills={"skill:ev": 2}),
        CourseOption("c-join", "Joining", 40, 200, skills={"skill:join": 2, "skill:comm": 2}),
    ]
    people = [Person(f"p{i}", ("occ:welder",) if i % 2 else ("occ:painter",)) for i in range(6)]
    inputs = prepare(graph, people, TARGETS, courses, SETTINGS)
    figures = solver_choice(inputs, courses, [], plans=3)
    assert figures["plans"] == min(3, len(inputs.plans)) > 0
    assert figures["same_courses"] == figures["plans"]
    assert figures["course_hours"]["greedy"] == figures["course_hours"]["auto"] > 0
    assert figures["open_essential_steps"]["greedy"] == figures["open_essential_steps"]["auto"] >= 0
    assert min(figures["cpu_ms_mean"].values()) > 0


def test_tight_budgets_compare_the_free_variants_with_the_plans_with_fees_only() -> None:
    """With no money for fees, only the free variants move anyone (a welder's plan for battery technician
    is a course with fees); with enough, both fill the same seats."""
    graph = CompetenceGraph.from_data(tiny_data())
    people = [Person(f"p{i}", ("occ:welder",)) for i in range(3)]
    basics = [CourseOption("c-battery-2", "Battery basics", 20, 100, skills={"skill:battery": 2})]
    inputs = prepare(graph, people, TARGETS[:1], basics, replace(SETTINGS, budget=1000.0))
    rows = tight_budgets(inputs, budgets=(0.0, 1000.0))
    assert [row["budget"] for row in rows] == [0.0, 1000.0]
    broke, rich = rows
    assert broke["free_variants"]["filled"] == 2 and broke["without"]["filled"] == 0
    assert broke["free_variants"]["cost"] == 0
    assert rich["free_variants"]["filled"] == rich["without"]["filled"] == 2
