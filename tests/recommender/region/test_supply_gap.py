"""The supply gap says, per skill no programme teaches at the level needed, what the region can commission or
fund meanwhile: the single-worker plan's alternatives (``recommender.planner.alternatives``) worded for the
region (issue 12), at the highest level any blocked role needs."""

from __future__ import annotations

from dataclasses import replace

from recommender.gap import RequiredLevels
from recommender.graph import CompetenceGraph
from recommender.planner import BadgeOption
from recommender.region.model import Occupation, Settings
from recommender.region.outcome import roles_blocked, supply_gap
from recommender.region.pathways import build_problem
from tests.recommender.region.test_pathways import PROGRAMMES, _problem

COMM = "skill:comm"  # essential for the fabricator at advanced (3); the programme "talk" teaches it to 2


def test_a_badge_earned_by_assessment_is_what_to_do_instead(tiny_graph: CompetenceGraph) -> None:
    problem = _problem(tiny_graph)
    rpl = BadgeOption("rpl-comm", "Customer communication", {COMM: 3}, earned_by="assessment")
    by_course = BadgeOption("course-comm", "Talking", {COMM: 3}, earned_by="all", courses=("talk",))
    (row,) = supply_gap(problem, badges=[by_course, rpl])
    assert row["skill_uri"] == COMM and row["needed_level"] == 3 and row["taught_level"] == 2
    assert row["instead"]["kind"] == "assessment" and row["instead"]["badge_id"] == "rpl-comm"
    assert row["instead"]["text"] == (
        "fund assessments for the badge 'Customer communication' (recognition of prior learning): it "
        "recognises it at advanced (level 3), no programme needed"
    )
    # a badge no higher than the programmes already teach is no way round them
    low = BadgeOption("rpl-basic", "Talking basics", {COMM: 2}, earned_by="assessment")
    assert supply_gap(problem, badges=[low])[0]["instead"]["kind"] == "on-the-job"


def test_without_a_badge_on_the_job_or_a_provider(tiny_graph: CompetenceGraph) -> None:
    problem = _problem(tiny_graph)
    (row,) = supply_gap(problem)
    assert row["instead"] == {
        "kind": "on-the-job",
        "text": "programmes teach it up to intermediate (level 2): commission one to advanced (level 3), or "
        "fund work-based learning with employers for the rest",
        "badge_id": None,
    }
    # taught nowhere: knowledge is commissioned from a provider, a practical skill learnt at work
    untaught = replace(problem, programmes=tuple(p for p in problem.programmes if p.id != "talk"))
    (row,) = supply_gap(untaught, skill_types={COMM: "knowledge"})
    assert row["taught_level"] == 0 and row["instead"]["kind"] == "provider"
    assert row["instead"]["text"] == "no programme teaches it: commission a provider to develop one"
    (row,) = supply_gap(untaught, skill_types={COMM: "skill/competence"})
    assert row["instead"]["kind"] == "on-the-job" and "fund work-based learning" in row["instead"]["text"]
    # the region's reader: nothing is said to a worker
    assert all("your" not in r["instead"]["text"] for r in supply_gap(problem) + supply_gap(untaught))


def test_the_level_needed_is_the_highest_of_the_roles_it_blocks(tiny_graph: CompetenceGraph) -> None:
    """Communicating with customers blocks the fabricator (advanced, the first move) and the painter (expert,
    by the organisation's table): the row needs expert, lists each role's level, and what to commission
    reaches expert (it was the first move's level)."""
    demand = [
        Occupation("occ:fabricator", "metal fabricator", 5, 2028),
        Occupation("occ:painter", "vehicle painter", 8, 2028),
    ]
    problem = build_problem(
        tiny_graph,
        [Occupation("occ:welder", "welder", 20)],
        demand,
        PROGRAMMES,
        Settings(budget=1000, region="CZ08", languages=("en",)),
        {"occ:painter": RequiredLevels(skills={COMM: 4})},
    )
    assert [next(s.needed_level for s in p.gap if s.uri == COMM) for p in problem.pairs] == [3, 4]
    row = next(r for r in supply_gap(problem) if r["skill_uri"] == COMM)
    assert row["needed_level"] == 4 and row["taught_level"] == 2 and row["moves_blocked"] == 2
    assert row["needed_levels"] == {"metal fabricator": 3, "vehicle painter": 4}
    assert row["targets"] == ["metal fabricator", "vehicle painter"]
    assert "commission one to expert (level 4)" in row["instead"]["text"]
    assert roles_blocked(row) == "metal fabricator (level 3), vehicle painter (level 4)"
    # one level for every role (or a plan kept before needed_levels): the roles alone
    assert roles_blocked({**row, "needed_levels": {"metal fabricator": 4, "vehicle painter": 4}}) == (
        "metal fabricator, vehicle painter"
    )
    assert roles_blocked({"targets": ["metal fabricator"]}) == "metal fabricator"
