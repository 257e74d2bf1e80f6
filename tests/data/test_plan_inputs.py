"""Planner inputs loaded from the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from data.models import (
    Badge,
    BadgeCourse,
    BadgePrerequisite,
    BadgeSkill,
    Course,
    CoursePrerequisite,
    CourseSkill,
    Skill,
)
from data.plan_inputs import load_badge_options, load_course_options
from recommender.planner import BadgeOption, CourseOption, Prerequisite

S1, S2 = "http://data.europa.eu/esco/skill/s1", "http://data.europa.eu/esco/skill/s2"


def test_courses_and_badges_load_as_planner_inputs_without_level_edges(db_session: Session) -> None:
    for uri in (S1, S2):
        db_session.add(Skill(uri=uri, preferred_label=uri[-2:], alt_labels=[], description=""))
    db_session.add_all(
        [
            Course(
                id="b",
                title="B",
                hours=10,
                price=20,
                currency="EUR",
                language="en",
                start_dates=["2027-02-01"],
            ),
            Course(id="a", title="A", hours=5, price=0, currency="USD", language="de", level="advanced"),
            Course(id="c", title="C", hours=1, language="en", delivery_mode="in-person", region="DE1"),
        ]
    )
    db_session.flush()
    db_session.add_all(
        [
            CourseSkill(course_id="a", skill_uri=S1, level=3),
            CourseSkill(course_id="a", skill_uri=S2, level=1),
            CourseSkill(course_id="b", skill_uri=S1, level=2),
            CoursePrerequisite(course_id="a", prerequisite_id="b", origin="catalogue"),
            CoursePrerequisite(course_id="a", prerequisite_id="c", origin="level"),
            CoursePrerequisite(course_id="b", prerequisite_id="c", origin="curated"),
            Badge(id="x", name="X", earned_by="k_of_n", k=1),
            Badge(id="y", name="Y", earned_by="assessment"),
        ]
    )
    db_session.flush()
    db_session.add_all(
        [
            BadgeCourse(badge_id="x", course_id="a"),
            BadgeCourse(badge_id="x", course_id="b"),
            BadgeSkill(badge_id="y", skill_uri=S1, level=3),
            BadgePrerequisite(badge_id="y", required_badge_id="x"),
        ]
    )
    db_session.flush()

    courses = load_course_options(db_session=db_session)
    assert [c.id for c in courses] == ["a", "b", "c"]
    a, b, c = courses
    assert a == CourseOption(
        "a",
        "A",
        5,
        0,
        "USD",
        "de",
        "online",
        None,
        "advanced",
        (),
        {S1: 3, S2: 1},
        (Prerequisite("b", "catalogue"),),
    )
    assert b.start_dates == (dt.date(2027, 2, 1),) and b.prerequisites == (Prerequisite("c", "curated"),)
    assert (c.delivery_mode, c.region, c.skills) == ("in-person", "DE1", {})

    assert load_badge_options(db_session=db_session) == [
        BadgeOption("x", "X", {}, "k_of_n", ("a", "b"), 1, ()),
        BadgeOption("y", "Y", {S1: 3}, "assessment", (), None, ("x",)),
    ]


def test_links_under_the_planning_confidence_are_not_planned_on(db_session: Session) -> None:
    for uri in (S1, S2):
        db_session.add(Skill(uri=uri, preferred_label=uri[-2:], alt_labels=[], description=""))
    db_session.add(Course(id="t", title="T", hours=3, language="en"))
    db_session.flush()
    db_session.add_all(
        [
            CourseSkill(course_id="t", skill_uri=S1, level=2, confidence=0.30, source="inferred"),
            CourseSkill(course_id="t", skill_uri=S2, level=2, confidence=0.01, source="inferred"),
        ]
    )
    db_session.flush()
    (course,) = load_course_options(db_session=db_session)  # the setting's default floor (0.05)
    assert dict(course.skills) == {S1: 2}
    (everything,) = load_course_options(db_session=db_session, min_confidence=0.0)
    assert dict(everything.skills) == {S1: 2, S2: 2}
