"""Relevance (issue 12): weakly linked courses are not planned on, badges off target are not suggested, labels
are true of the plans they name, and every open skill has an alternative."""

from __future__ import annotations

import pytest

from recommender.planner import BadgeOption, Constraints, plan_paths
from recommender.planner.alternatives import unmet_demand
from recommender.planner.relevance import MIN_EVIDENCE, evidence, relevant_courses, target_weights
from tests.recommender.planner.builders import course, gap_item


def ids(plan) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.course_id for s in plan.steps]


def test_evidence_is_the_probability_that_one_link_is_right_optional_skills_at_half() -> None:
    weights = target_weights([("s1", True), ("s2", False)])
    c = course("c", {"s1": 2, "s2": 2, "x": 2}, confidence={"s1": 0.4, "s2": 0.4, "x": 0.9})
    assert evidence(c, weights) == pytest.approx(1 - (1 - 0.4) * (1 - 0.2))  # x is not the target's
    sure = course("sure", {"s2": 2})  # no confidence: given by the catalogue, counts 1.0
    assert evidence(sure, weights) == 0.5
    assert evidence(course("none", {"x": 2}), weights) == 0.0


def test_a_course_tied_to_the_target_by_one_weak_link_is_never_planned() -> None:
    gap = [gap_item("s1"), gap_item("s2", relation="optional")]
    courses = [
        course("trading", {"s1": 2, "markets": 2}, price=0, hours=2, confidence={"s1": 0.25, "markets": 0.9}),
        course("solid-waste", {"s2": 2}, price=0, hours=2, confidence={"s2": 0.9}),  # optional: 0.45
        course("batteries", {"s1": 2}, price=50, hours=30, confidence={"s1": 0.55}),
    ]
    kept, weak = relevant_courses(courses, target_weights((g.skill_uri, g.essential) for g in gap))
    assert set(weak) == {"trading", "solid-waste"}
    assert "evidence 0.25 < 0.5 (the probability that it teaches one of them" in weak["trading"]
    assert [c.skills for c in kept] == [{"markets": 2}, {}, {"s1": 2}]
    result = plan_paths(gap, courses, Constraints())
    assert all(ids(p) == ["batteries"] for p in result.plans)  # the cheaper, quicker weak ones are not used
    (s2,) = result.best.uncovered_skills
    # named by title for the person reading it, and without the JSON's field names
    assert "on enough evidence ('Course solid-waste' names it in passing)" in s2.reason
    assert {e.course_id for e in result.excluded} >= {"trading", "solid-waste"}


def test_two_weak_links_to_the_target_corroborate_each_other() -> None:
    gap = [gap_item("s1"), gap_item("s2")]
    both = course("both", {"s1": 2, "s2": 2}, confidence={"s1": 0.25, "s2": 0.25})
    assert evidence(both, target_weights([("s1", True), ("s2", True)])) < MIN_EVIDENCE
    three = course("three", {"s1": 2, "s2": 2, "s3": 2}, confidence={"s1": 0.25, "s2": 0.25, "s3": 0.25})
    weights = target_weights([("s1", True), ("s2", True), ("s3", True)])
    assert evidence(three, weights) == pytest.approx(1 - 0.75**3) and evidence(three, weights) >= MIN_EVIDENCE
    assert ids(plan_paths([*gap, gap_item("s3")], [three], Constraints()).best) == ["three"]


def test_a_relevant_course_set_aside_on_the_old_score_scale_is_now_planned_with_its_reason() -> None:
    """The Coursera "Algorithms for Battery Management Systems" of the default catalogue: its links to a
    battery technician's skills (battery chemistry, battery components) had scores 0.067 and 0.066, evidence
    0.13 < 0.15 on the old summed-score scale; as calibrated probabilities (the tagger's two first links) they
    are 0.5 or more and the course is planned on."""
    gap = [gap_item("chemistry"), gap_item("components")]
    weights = target_weights([("chemistry", True), ("components", True)])
    bms = course("bms", {"chemistry": 2, "components": 1}, confidence={"chemistry": 0.78, "components": 0.55})
    assert evidence(bms, weights) == pytest.approx(1 - 0.22 * 0.45)
    assert evidence(bms, weights) >= MIN_EVIDENCE
    kept, weak = relevant_courses([bms], weights)
    assert weak == {} and kept[0].skills == bms.skills
    # the same links with the old scores as confidences are set aside, and say why
    old = course(
        "bms", {"chemistry": 2, "components": 1}, confidence={"chemistry": 0.067, "components": 0.066}
    )
    _, weak = relevant_courses([old], weights)
    assert weak["bms"].startswith("too little evidence that it teaches this target's skills: 2 inferred")
    assert ids(plan_paths(gap, [bms], Constraints()).best) == ["bms"]


def test_labels_are_true_of_the_plans_they_name_and_coinciding_plans_say_so() -> None:
    gap = [gap_item("s1")]
    one = plan_paths(gap, [course("only", {"s1": 2})], Constraints())
    (plan,) = one.plans
    assert plan.labels == ("fastest", "cheapest", "best for you")
    assert "the plans coincide" in plan.explanation
    two = plan_paths(
        gap,
        [
            course("quick-dear", {"s1": 2}, hours=5, price=500),
            course("slow-free", {"s1": 2}, hours=50, price=0),
        ],
        Constraints(),
        scores={"quick-dear": 0.0, "slow-free": 1.0},
    )
    by_label = {label: p for p in two.plans for label in p.labels}
    assert min(p.total_hours for p in two.plans) == by_label["fastest"].total_hours
    assert min(p.total_price for p in two.plans) == by_label["cheapest"].total_price
    assert ids(by_label["best for you"]) == ["slow-free"]
    assert len(two.plans) == 2 and by_label["cheapest"] is by_label["best for you"]


def test_one_course_away_hints_only_for_badges_of_the_target() -> None:
    gap = [gap_item("s1")]
    courses = [course("c1", {"s1": 2}), course("agile", {"scrum": 2})]
    badges = [
        BadgeOption("agile-work", "Agile project work", {"scrum": 2}, "all", ("agile",)),
        BadgeOption("s1-badge", "S1 and more", {"s1": 2, "scrum": 1}, "all", ("c1", "agile")),
    ]
    plan = plan_paths(gap, courses, Constraints(), badges=badges).best
    assert [b.badge_id for b in plan.badges_one_course_away] == ["s1-badge"]


def test_every_open_skill_gets_an_alternative_and_they_add_up_to_unmet_demand() -> None:
    gap = [
        gap_item("taught-low", needed=3),
        gap_item("knowledge"),
        gap_item("practice"),
        gap_item("assessed"),
        gap_item("paid"),
    ]
    gap[1] = type(gap[1])("knowledge", "battery fluids", "essential", 2, 0, 1.0, "knowledge")
    gap[2] = type(gap[2])("practice", "operate test equipment", "optional", 2, 0, 1.0, "skill/competence")
    courses = [course("intro", {"taught-low": 2}, price=0), course("dear", {"paid": 2}, price=900)]
    badges = [BadgeOption("hv", "High-voltage safety", {"assessed": 2}, "assessment")]
    plan = plan_paths(gap, courses, Constraints(budget=0), badges=badges).best
    kinds = {u.skill_uri: u.alternative.kind for u in plan.uncovered_skills if u.alternative}
    assert kinds == {
        "taught-low": "on-the-job",
        "knowledge": "provider",
        "practice": "on-the-job",
        "assessed": "assessment",
        "paid": "funding",
    }
    assert {u.skill_uri: u.catalogue_level for u in plan.uncovered_skills}["taught-low"] == 2
    assert plan.outcomes == (
        "label of taught-low: apply it on routine tasks, with occasional guidance (intermediate)",
    )
    demand = unmet_demand([(plan, 7), (plan, 5)])
    assert {u.skill_uri: (u.people, u.essential) for u in demand}["practice"] == (12, 0)
    assert demand[0].essential == 12 and demand[0].alternatives


def test_a_plan_short_of_a_badge_by_one_course_takes_it_when_it_fits_its_limits() -> None:
    # "deep" closes the gap alone; "intro" adds nothing to it but earns, with "deep", the target's badge
    gap = [gap_item("s1"), gap_item("s2", relation="optional")]
    courses = [
        course("deep", {"s1": 2, "s2": 2}, price=200, hours=70),
        course("intro", {"s1": 1}, price=40, hours=18),
        course("dearer-intro", {"s1": 1}, price=90, hours=18),
    ]
    badges = [
        BadgeOption("basics", "Batteries: the basics", {"s1": 1}, "all", ("deep", "intro")),
        BadgeOption("basics-2", "Batteries, again", {"s1": 1}, "all", ("deep", "dearer-intro")),
    ]
    plain = plan_paths(gap, courses, Constraints(objective="cost")).best
    assert ids(plain) == ["deep"] and not plain.badges_earned

    plan = plan_paths(gap, courses, Constraints(objective="cost", budget=300), badges=badges).best
    assert sorted(ids(plan)) == ["deep", "intro"]  # the cheaper of the two badges' courses
    assert [e.badge_id for e in plan.badges_earned] == ["basics"]
    assert plan.total_price == 240
    (added,) = [s for s in plan.steps if s.course_id == "intro"]
    assert "Added to earn the badge 'Batteries: the basics'" in added.reason
    assert "'Course intro' is added to earn the badge 'Batteries: the basics'" in plan.explanation
    # the certificate describes the selection before the badge's course was added, and says so
    assert plan.certificate.added_after == ("intro",) and plain.certificate.added_after == ()
    assert plan.to_dict()["certificate"]["added_after"] == ["intro"]
    assert plan.covered_skills == plain.covered_skills


def test_no_course_is_added_for_a_badge_beyond_the_budget_or_when_the_plan_earns_one() -> None:
    gap = [gap_item("s1")]
    courses = [course("deep", {"s1": 2}, price=200, hours=70), course("intro", {"s1": 1}, price=40, hours=18)]
    near = BadgeOption("basics", "Batteries: the basics", {"s1": 1}, "all", ("deep", "intro"))
    over = plan_paths(gap, courses, Constraints(budget=220), badges=[near]).best
    assert ids(over) == ["deep"] and [b.badge_id for b in over.badges_one_course_away] == ["basics"]
    too_long = plan_paths(gap, courses, Constraints(max_hours=80), badges=[near]).best
    assert ids(too_long) == ["deep"]
    earned = BadgeOption("deep-badge", "Deep", {"s1": 2}, "all", ("deep",))
    has_one = plan_paths(gap, courses, Constraints(budget=1000), badges=[near, earned]).best
    assert ids(has_one) == ["deep"] and [e.badge_id for e in has_one.badges_earned] == ["deep-badge"]
