"""The supply gap says, per skill no programme teaches at the level needed, what a worker can do meanwhile:
the single-worker plan's alternatives (``recommender.planner.alternatives``), issue 12."""

from __future__ import annotations

from dataclasses import replace

from recommender.graph import CompetenceGraph
from recommender.planner import BadgeOption
from recommender.region.outcome import supply_gap
from tests.recommender.region.test_pathways import _problem

COMM = "skill:comm"  # essential for the fabricator at advanced (3); the programme "talk" teaches it to 2


def test_a_badge_earned_by_assessment_is_what_to_do_instead(tiny_graph: CompetenceGraph) -> None:
    problem = _problem(tiny_graph)
    rpl = BadgeOption("rpl-comm", "Customer communication", {COMM: 3}, earned_by="assessment")
    by_course = BadgeOption("course-comm", "Talking", {COMM: 3}, earned_by="all", courses=("talk",))
    (row,) = supply_gap(problem, badges=[by_course, rpl])
    assert row["skill_uri"] == COMM and row["needed_level"] == 3 and row["taught_level"] == 2
    assert row["instead"]["kind"] == "assessment" and row["instead"]["badge_id"] == "rpl-comm"
    assert "'Customer communication' by assessment (recognition of prior learning)" in row["instead"]["text"]
    # a badge no higher than the programmes already teach is no way round them
    low = BadgeOption("rpl-basic", "Talking basics", {COMM: 2}, earned_by="assessment")
    assert supply_gap(problem, badges=[low])[0]["instead"]["kind"] == "on-the-job"


def test_without_a_badge_on_the_job_or_a_provider(tiny_graph: CompetenceGraph) -> None:
    problem = _problem(tiny_graph)
    (row,) = supply_gap(problem)
    assert row["instead"] == {
        "kind": "on-the-job",
        "text": "courses teach it up to intermediate (level 2); reach advanced (level 3) by supervised "
        "practice on the job",
        "badge_id": None,
    }
    # taught nowhere: knowledge is asked of a provider, a practical skill learnt on the job
    untaught = replace(problem, programmes=tuple(p for p in problem.programmes if p.id != "talk"))
    (row,) = supply_gap(untaught, skill_types={COMM: "knowledge"})
    assert row["taught_level"] == 0 and row["instead"]["kind"] == "provider"
    assert "ask a training provider" in row["instead"]["text"]
    (row,) = supply_gap(untaught, skill_types={COMM: "skill/competence"})
    assert row["instead"]["kind"] == "on-the-job" and "learn it on the job" in row["instead"]["text"]
