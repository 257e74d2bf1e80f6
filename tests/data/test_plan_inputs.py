"""Planner inputs loaded from the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

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
from data.plan_inputs import (
    DEFAULT_RATES,
    PlanCourses,
    Pricing,
    load_badge_options,
    load_course_options,
    load_course_terms,
    price_courses,
    rate_table,
)
from recommender.currency import Converter, RateTable
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

    courses = load_course_options(db_session=db_session, skill_rules=None)
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
    # the bundled rules back no edge "b needs c" (c teaches nothing): not planned on
    (_, b_ruled, _) = load_course_options(db_session=db_session)
    assert b_ruled.prerequisites == ()

    assert load_badge_options(db_session=db_session) == [
        BadgeOption("x", "X", {}, "k_of_n", ("a", "b"), 1, ()),
        BadgeOption("y", "Y", {S1: 3}, "assessment", (), None, ("x",)),
    ]


def test_a_curated_edge_is_planned_on_only_when_a_rule_backs_it_on_sure_links(
    db_session: Session, tmp_path: Path
) -> None:
    for uri in (S1, S2):
        db_session.add(Skill(uri=uri, preferred_label=uri[-2:], alt_labels=[], description=""))
    for course_id in ("sure", "weak", "basics", "sure-on-shaky", "shaky"):
        db_session.add(Course(id=course_id, title=course_id, hours=1, price=0, currency="EUR", language="en"))
    db_session.flush()
    db_session.add_all(
        [
            CourseSkill(course_id="sure", skill_uri=S1, level=2, confidence=0.6, source="inferred"),
            CourseSkill(course_id="weak", skill_uri=S1, level=2, confidence=0.3, source="inferred"),
            CourseSkill(course_id="basics", skill_uri=S2, level=1, confidence=0.6, source="inferred"),
            CourseSkill(course_id="sure-on-shaky", skill_uri=S1, level=2, confidence=0.6, source="inferred"),
            CourseSkill(course_id="shaky", skill_uri=S2, level=1, confidence=0.3, source="inferred"),
            CoursePrerequisite(course_id="sure", prerequisite_id="basics", origin="curated"),
            CoursePrerequisite(course_id="weak", prerequisite_id="basics", origin="curated"),
            CoursePrerequisite(course_id="sure-on-shaky", prerequisite_id="shaky", origin="curated"),
        ]
    )
    db_session.flush()
    rules = tmp_path / "rules.csv"
    rules.write_text(f"skill_uri,requires_uri,note\n{S1},{S2},s1 needs s2\n", encoding="utf-8")
    courses = {c.id: c for c in load_course_options(db_session=db_session, skill_rules=rules)}
    assert courses["sure"].prerequisites == (Prerequisite("basics", "curated"),)
    assert courses["weak"].prerequisites == ()  # its link to s1 (0.3) is too weak to need s2 first
    # the course to take first names s2 on a weak link only (0.3): no course to take for s2
    assert courses["sure-on-shaky"].prerequisites == ()
    assert courses["weak"].confidence == {S1: 0.3} and courses["shaky"].confidence == {S2: 0.3}


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
    (course,) = load_course_options(db_session=db_session)  # the setting's default floor (0.2)
    assert dict(course.skills) == {S1: 2}
    (everything,) = load_course_options(db_session=db_session, min_confidence=0.0)
    assert dict(everything.skills) == {S1: 2, S2: 2}


def _priced_catalogue(db_session: Session) -> None:
    db_session.add(Skill(uri=S1, preferred_label="s1", alt_labels=[], description=""))
    db_session.add_all(
        [
            # edX audit track: free to take, certificate 49 USD
            Course(
                id="audit",
                title="Audit",
                hours=10,
                price=0,
                certificate_price=49,
                currency="USD",
                language="en",
            ),
            Course(id="usd", title="Paid USD", hours=10, price=100, currency="USD", language="en"),
            Course(id="xau", title="Priced in gold", hours=10, price=1, currency="XAU", language="en"),
            Course(
                id="udemy",
                title="Price and language not stated",
                hours=3,
                currency="USD",
                language="und",
                catalogue="udemy",
                flags=["price-unknown", "language-unknown"],
            ),
        ]
    )
    db_session.flush()


def plan_courses(*, db_session: Session, pricing: Pricing) -> PlanCourses:
    """Every course priced for ``pricing``, as the plan service prices them (api/services/plans.py)."""
    courses = load_course_options(db_session=db_session, include_unpriced=True, with_certificates=False)
    return price_courses(courses, load_course_terms(db_session=db_session), pricing)


RATES = RateTable({"USD": 1.25, "CZK": 25.0}, date="2026-10-30", source="ECB euro reference rates")


def test_prices_are_converted_with_the_table_and_overrides(db_session: Session) -> None:
    _priced_catalogue(db_session)
    priced = plan_courses(db_session=db_session, pricing=Pricing(Converter("EUR", RATES), budget=500))
    options = {o.id: o for o in priced.options}
    # certificates are bought when money is allowed: 49 USD / 1.25 = 39.20 EUR
    assert (options["audit"].price, options["audit"].currency) == (39.2, "EUR")
    assert options["usd"].price == 80.0
    assert "no XAU->EUR rate is known" in priced.set_aside["xau"] and "--rate XAU=" in priced.set_aside["xau"]
    assert priced.set_aside["udemy"] == "price not stated by udemy, so it cannot be planned within a budget"
    in_czk = plan_courses(db_session=db_session, pricing=Pricing(Converter("CZK", RATES, {"USD": 20.0})))
    assert {o.id: o.price for o in in_czk.options}["usd"] == 2000.0  # the worker's --rate wins
    assert in_czk.price_unknown == {"udemy"}  # no budget: planned, its price said to be unknown
    in_czk_options = {o.id: o for o in in_czk.options}
    assert not in_czk_options["udemy"].price_stated and in_czk_options["usd"].price_stated


def test_free_courses_only_plans_the_audit_track_and_says_the_certificate_costs_extra(
    db_session: Session,
) -> None:
    _priced_catalogue(db_session)
    pricing = Pricing(Converter("EUR", RATES), budget=0, languages=("en",))
    priced = plan_courses(db_session=db_session, pricing=pricing)
    options = {o.id: o for o in priced.options}
    assert options["audit"].price == 0.0 and priced.certificates == {"audit": 39.2}
    assert (
        priced.set_aside["udemy"]
        == "language not stated by udemy; the worker takes courses in English ('en')"
    )
    no_certificates = plan_courses(
        db_session=db_session, pricing=Pricing(Converter("EUR", RATES), budget=100, certificates=False)
    )
    assert {o.id: o.price for o in no_certificates.options}["audit"] == 0.0


def test_unpriced_courses_are_left_out_of_the_plain_loader(db_session: Session) -> None:
    _priced_catalogue(db_session)
    plain = {o.id: o for o in load_course_options(db_session=db_session)}
    assert "udemy" not in plain
    assert plain["audit"].price == 49.0  # with the certificate, as before the audit track was modelled


def test_bundled_rate_table_is_dated_and_sourced() -> None:
    table = rate_table(DEFAULT_RATES)
    assert table.date == "2026-10-30" and table.source == "ECB euro reference rates"
    assert table.units_per_eur["EUR"] == 1.0 and 1.0 < table.units_per_eur["USD"] < 1.3
    assert {"CZK", "PLN", "SEK", "RON", "HUF", "GBP", "CHF"} <= set(table.units_per_eur)
