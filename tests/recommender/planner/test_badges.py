"""Which of a plan's courses earn its quickest badge (they go first: a first badge early), and which course
would earn a badge the plan leaves one course short of."""

from __future__ import annotations

from typing import Any

import pytest

from recommender.planner import BadgeOption, badges
from recommender.planner.badges import badge_progress, first_badge_courses
from tests.recommender.planner.builders import course, gap_item

COURSES = {
    c.id: c
    for c in (
        course("a", {"s1": 1}, hours=10),
        course("b", {"s1": 2}, hours=30),
        course("c", {"s2": 2}, hours=5),
        course("d", {"s2": 1}, hours=8),
        course("pre", {"s3": 1}, hours=4),
    )
}
CHOSEN = sorted(COURSES)
REQUIRES = {"a": ["pre"], "b": [], "c": [], "d": [], "pre": []}


def first(badges: list[BadgeOption], **kw: Any) -> frozenset[str]:
    options: dict[str, Any] = {
        "held_badges": frozenset(),
        "held_levels": {},
        "gap_skills": frozenset({"s1", "s2"}),
    }
    options.update(kw)
    return first_badge_courses(badges, CHOSEN, REQUIRES, courses=COURSES, **options)


def test_the_badge_of_fewest_hours_wins_with_what_its_courses_require() -> None:
    slow = BadgeOption("slow", "Slow", {"s1": 2}, "all", ("b",))  # 30 h
    quick = BadgeOption("quick", "Quick", {"s1": 1}, "all", ("a",))  # 10 h + its prerequisite's 4 h
    assert first([slow, quick]) == {"a", "pre"}


def test_k_of_n_takes_the_shortest_and_an_assessment_the_shortest_course_reaching_each_level() -> None:
    two_of_three = BadgeOption("k", "Two of three", {"s1": 1}, "k_of_n", ("a", "b", "c"), k=2)
    assert first([two_of_three]) == {"a", "pre", "c"}  # 14 h + 5 h, not b's 30 h
    assessed = BadgeOption("x", "Assessed", {"s1": 2, "s2": 1}, "assessment")
    assert first([assessed]) == {"b", "c"}  # c (5 h) reaches s2 at 1 before d (8 h)
    assert first([assessed], held_levels={"s1": 2}) == {"c"}  # a level held needs no course


def test_a_badge_the_plan_cannot_earn_or_that_recognises_no_gap_skill_reorders_nothing() -> None:
    missing = BadgeOption("m", "Missing", {"s1": 1}, "all", ("a", "not-chosen"))
    elsewhere = BadgeOption("e", "Elsewhere", {"x": 1}, "all", ("c",))
    held = BadgeOption("h", "Held", {"s2": 1}, "all", ("d",))
    assert first([missing, elsewhere, held], held_badges=frozenset({"h"})) == frozenset()


def test_a_required_badge_brings_its_courses_unless_held() -> None:
    base = BadgeOption("base", "Base", {"s2": 1}, "all", ("d",))
    top = BadgeOption("top", "Top", {"s1": 1}, "all", ("a",), required_badges=("base",))
    # base alone (8 h) is quicker than top with base (22 h); base recognises no gap skill here
    assert first([base, top], gap_skills=frozenset({"s1"})) == {"a", "pre", "d"}
    assert first([base, top], gap_skills=frozenset({"s1"}), held_badges=frozenset({"base"})) == {"a", "pre"}
    loop = BadgeOption("top", "Top", {"s1": 1}, "all", ("a",), required_badges=("top",))
    assert first([loop]) == frozenset()  # a badge requiring itself cannot be earned


def test_the_course_one_assessment_away_is_found_through_the_skill_index_as_through_every_course() -> None:
    courses = {
        c.id: c
        for c in (
            course("a", {"s1": 1}),
            course("b", {"s1": 3, "s2": 2}),
            course("c", {"s1": 3, "s2": 2}),  # the same as b, a later id: b is named
            course("d", {"s2": 3}),
            course("e", {"s3": 2}),
        )
    }
    # the index lists the catalogue's courses (a stripped course, its link left out of ``available``: "c"
    # naming s9 in the index only), in any order, and courses not available ("gone")
    teaching = {"s1": ("c", "gone", "b", "a"), "s2": ("d", "c", "b"), "s3": ("e",), "s9": ("c",)}
    badges = [
        BadgeOption("x", "Both", {"s1": 3, "s2": 2}, "assessment"),
        BadgeOption("y", "Deep", {"s2": 3}, "assessment"),
        BadgeOption("z", "Nobody", {"s1": 4}, "assessment"),
        BadgeOption("w", "Stripped", {"s9": 1}, "assessment"),
    ]

    def near(done: list[str], levels: dict[str, int], index: dict[str, tuple[str, ...]] | None) -> list[str]:
        outcome = badge_progress(
            badges,
            [(cid, 1) for cid in done],
            courses=courses,
            completed=frozenset(),
            held_badges=frozenset(),
            held_levels=levels,
            gap_skills=frozenset({"s1", "s2", "s9"}),
            available=courses,
            teaching=index,
        )
        return [f"{b.badge_id}:{b.course_id}" for b in outcome.one_course_away]

    for done, levels in (([], {}), (["b"], {}), (["a"], {"s1": 3})):
        assert near(done, levels, teaching) == near(done, levels, None)
    assert near(["a"], {"s1": 3}, teaching) == ["x:b", "y:d"]  # s1 held at 3: b is the first to bring s2


def test_the_kinds_of_one_plan_look_at_the_badges_of_a_selection_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The cheapest, fastest and best-ranked selections often coincide: the badges a selection earns (for the
    course one badge away) are walked once per selection, and the plans are those of a walk per kind."""
    from recommender.planner import Constraints, plan_paths

    gap = [gap_item("s1"), gap_item("s2")]
    courses = [course("c1", {"s1": 2}), course("c2", {"s2": 2}), course("c3", {"x": 2})]
    near = [BadgeOption("b-near", "Near", {"s2": 2, "x": 2}, "all", ("c2", "c3"))]
    expected = plan_paths(gap, courses, Constraints(), badges=near)
    walked: list[int] = []
    walk = badges.badge_progress

    def counted(*args: object, **kwargs: object) -> badges.BadgeOutcome:
        walked.append(1)
        return walk(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(badges, "badge_progress", counted)  # the walks of with_a_badge, not of the plans
    again = plan_paths(gap, courses, Constraints(), badges=near)
    assert again == expected and again.to_dict() == expected.to_dict()
    assert [p.labels for p in again.plans] == [("fastest", "cheapest", "best for you")]  # one selection
    assert len(walked) == 1
