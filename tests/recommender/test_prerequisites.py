"""Prerequisite edges from the catalogue, level order and curated skill rules; cycles."""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recommender import errors
from recommender.prerequisites import (
    LEVEL_ORDER_FROM,
    Edge,
    PrerequisiteCycle,
    SkillPrerequisite,
    TaughtSkill,
    build_graph,
    find_cycles,
    level_needed_first,
    level_requirements,
    more_advanced,
)


def test_level_order_needs_the_level_below_from_the_best_course() -> None:
    taught = [
        TaughtSkill("advanced", "S", 3),
        TaughtSkill("mid-a", "S", 2, confidence=0.5),
        TaughtSkill("mid-b", "S", 2, confidence=0.9),
        TaughtSkill("intro", "S", 1),
    ]
    graph = build_graph(taught=taught)
    # levels 1 and 2 are open entry: only the advanced course needs the level below (LEVEL_ORDER_FROM = 3)
    assert {(e.course_id, e.prerequisite_id, e.origin) for e in graph.edges} == {
        ("advanced", "mid-b", "level"),
    }
    assert graph.unmet == []


def test_requirement_without_a_course_is_left_to_the_worker_profile() -> None:
    graph = build_graph(taught=[TaughtSkill("advanced", "S", 3)])
    assert graph.edges == []
    assert [(r.course_id, r.skill_uri, r.level) for r in graph.unmet] == [("advanced", "S", 2)]
    assert level_requirements([TaughtSkill("intro", "S", 1), TaughtSkill("mid", "S", 2)]) == []
    assert level_needed_first(2) is None and level_needed_first(LEVEL_ORDER_FROM) == LEVEL_ORDER_FROM - 1


def test_curated_rule_links_a_course_to_one_teaching_the_required_skill() -> None:
    taught = [TaughtSkill("power", "power electronics", 2), TaughtSkill("basics", "electronics", 1)]
    rules = [SkillPrerequisite("power electronics", "electronics")]
    graph = build_graph(taught=taught, skill_rules=rules)
    assert [(e.course_id, e.prerequisite_id, e.origin) for e in graph.edges] == [
        ("power", "basics", "curated")
    ]


def test_curated_rule_takes_its_provider_on_a_strong_link_only() -> None:
    # "electronics needs electricity principles": a neuroscience course names electricity principles on a
    # weak link (introductory, so it would win on level); a circuits course teaches them on a strong link
    taught = [
        TaughtSkill("electronics", "electronics", 2, confidence=0.8),
        TaughtSkill("neurons", "electricity principles", 1, confidence=0.32),
        TaughtSkill("circuits", "electricity principles", 2, confidence=0.7),
    ]
    rules = [SkillPrerequisite("electronics", "electricity principles")]
    weak_too = build_graph(taught=taught, skill_rules=rules)
    assert [(e.course_id, e.prerequisite_id) for e in weak_too.edges] == [("electronics", "neurons")]
    graph = build_graph(taught=taught, skill_rules=rules, min_provider_confidence=0.5)
    assert [(e.course_id, e.prerequisite_id) for e in graph.edges] == [("electronics", "circuits")]
    # without a provider on a strong link the requirement is left to the worker's profile: no edge
    graph = build_graph(taught=taught[:2], skill_rules=rules, min_provider_confidence=0.5)
    assert graph.edges == []


def test_catalogue_cycle_is_an_error_listing_its_members() -> None:
    edges = [Edge("a", "b", "catalogue"), Edge("b", "c", "catalogue"), Edge("c", "a", "catalogue")]
    with pytest.raises(PrerequisiteCycle) as error:
        build_graph(taught=[], catalogue_edges=edges)
    assert error.value.cycles == [["a", "b", "c"]] and error.value.members == ["a", "b", "c"]
    assert isinstance(error.value, errors.PrerequisiteCycle)  # one class for the catalogue and the planner
    assert "a -> b -> c -> a" in str(error.value)


def test_derived_edge_that_would_close_a_cycle_is_skipped_and_reported() -> None:
    # "x" needs "y" by the catalogue; level order would make "y" need "x".
    taught = [TaughtSkill("y", "S", 3), TaughtSkill("x", "S", 2)]
    graph = build_graph(taught=taught, catalogue_edges=[Edge("x", "y", "catalogue")])
    assert [(e.course_id, e.prerequisite_id) for e in graph.edges] == [("x", "y")]
    assert [(e.course_id, e.prerequisite_id, e.origin) for e in graph.skipped] == [("y", "x", "level")]
    assert graph.counts()["skipped_for_cycles"] == 1


def test_find_cycles_sees_self_loops_and_ignores_chains() -> None:
    assert find_cycles([Edge("a", "a", "catalogue")]) == [["a"]]
    assert find_cycles([Edge("a", "b", "catalogue"), Edge("b", "c", "catalogue")]) == []


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("abcdef"), st.sampled_from("STU"), st.integers(0, 4), st.floats(0, 1)),
        max_size=25,
    )
)
def test_accepted_edges_never_form_a_cycle_and_keep_their_origin(
    rows: list[tuple[str, str, int, float]],
) -> None:
    taught = [TaughtSkill(*row) for row in rows]
    rules = [SkillPrerequisite("S", "T"), SkillPrerequisite("T", "U")]
    graph = build_graph(taught=taught, skill_rules=rules)
    digraph = nx.DiGraph((e.course_id, e.prerequisite_id) for e in graph.edges)
    assert nx.is_directed_acyclic_graph(digraph)
    assert all(e.origin in ("level", "curated") and e.course_id != e.prerequisite_id for e in graph.edges)
    assert graph == build_graph(taught=taught, skill_rules=rules)


def test_a_prerequisite_more_advanced_than_the_course_is_not_used() -> None:
    # The introductory battery course teaches hybrid architecture; the only course teaching the skill the rule
    # asks for first is advanced: the edge would shut everyone who cannot take the advanced course out.
    taught = [
        TaughtSkill("batteries-intro", "hybrid architecture", 1),
        TaughtSkill("hybrid-advanced", "combustion engines", 3),
        TaughtSkill("engines-mid", "combustion engines", 2, confidence=0.2),
    ]
    rules = [SkillPrerequisite("hybrid architecture", "combustion engines", line=4)]
    levels = {"batteries-intro": "introductory", "hybrid-advanced": "advanced", "engines-mid": "intermediate"}
    graph = build_graph(taught=taught, skill_rules=rules, levels=levels)
    # the best course for the rule is engines-mid (lowest level first), intermediate: still more advanced
    assert [(e.course_id, e.prerequisite_id, e.origin) for e in graph.edges] == [
        ("hybrid-advanced", "engines-mid", "level")
    ]
    assert [(e.course_id, e.prerequisite_id, e.line) for e in graph.too_advanced] == [
        ("batteries-intro", "engines-mid", 4)
    ]
    assert graph.counts()["more_advanced_not_used"] == 1
    # an introductory provider is used; a requirement only a harder course meets is left to the profile
    taught += [TaughtSkill("engines-intro", "combustion engines", 1)]
    levels |= {"engines-intro": "introductory"}
    graph = build_graph(taught=taught, skill_rules=rules, levels=levels)
    assert ("batteries-intro", "engines-intro", "curated") in {
        (e.course_id, e.prerequisite_id, e.origin) for e in graph.edges
    }
    graph = build_graph(
        taught=[TaughtSkill("mid", "S", 3), TaughtSkill("adv", "S", 2)],
        levels={"mid": "intermediate", "adv": "advanced"},
    )
    assert graph.edges == [] and [(r.course_id, r.level) for r in graph.unmet] == [("mid", 2)]
    assert [(e.course_id, e.prerequisite_id, e.origin) for e in graph.too_advanced] == [
        ("mid", "adv", "level")
    ]
    assert more_advanced("advanced", "introductory") and not more_advanced(None, "introductory")
    assert not more_advanced("introductory", "advanced")


def test_courses_not_open_to_all_are_never_made_a_prerequisite() -> None:
    taught = [TaughtSkill("adv", "S", 3), TaughtSkill("udemy", "S", 2), TaughtSkill("b", "T", 1)]
    rules = [SkillPrerequisite("T", "S")]
    graph = build_graph(taught=taught, skill_rules=rules)
    assert {(e.course_id, e.prerequisite_id) for e in graph.edges} == {("adv", "udemy"), ("b", "udemy")}
    graph = build_graph(taught=taught, skill_rules=rules, not_providers=frozenset({"udemy"}))
    assert {(e.course_id, e.prerequisite_id) for e in graph.edges} == {("b", "adv")}
    assert [(r.course_id, r.level) for r in graph.unmet] == [("adv", 2)]  # left to the worker's profile
