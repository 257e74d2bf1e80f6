"""A plan as an iCalendar file (``api.services.calendar``), read back with icalendar's own parser."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from icalendar import Calendar

from api.services.calendar import file_name, plan_calendar
from recommender.errors import InvalidPlanInput

START = dt.date(2027, 1, 4)
STAMP = dt.datetime(2026, 12, 7, 6, 0, tzinfo=dt.UTC)


def _step(course_id: str, title: str, hours: float, first: str, last: str) -> dict[str, Any]:
    return {
        "course_id": course_id,
        "title": title,
        "hours": hours,
        "start_date": first,
        "end_date": last,
        "reason": f"Raises essential skill battery chemistry; {title}.",
    }


def _answer() -> dict[str, Any]:
    """Two plans to 'battery technician': the fastest (also the best for you) and a cheaper one."""
    fastest = {
        "kind": "fastest",
        "labels": ["fastest", "best for you"],
        "steps": [
            _step("safety", "Workshop safety, part 1", 4, "2027-01-04", "2027-01-10"),
            _step("ev-adv", "Electric vehicles, advanced", 15, "2027-01-11", "2027-02-07"),
        ],
        "badges": [
            {"badge_id": "ev-badge", "name": "EV technician", "week": 5, "course_id": "ev-adv"},
            {"badge_id": "held", "name": "Safety first", "week": 1, "course_id": None, "by_assessment": True},
        ],
        "deadline": {
            "deadline": "2027-01-31",
            "met": False,
            "explanation": "the plan finishes 2027-02-07 at the earliest, after the deadline 2027-01-31",
        },
    }
    cheapest = {
        "kind": "cheapest",
        "labels": ["cheapest"],
        "steps": [_step("ev-intro", "EV basics", 30, "2027-01-04", "2027-01-31")],
        "badges": [],
        "deadline": None,
    }
    return {"target_uri": "occ:battery", "target_label": "battery technician", "plans": [fastest, cheapest]}


def _events(content: bytes) -> dict[str, Any]:
    calendar = Calendar.from_ical(content)
    return {str(event["summary"]): event for event in calendar.walk("VEVENT")}


def test_each_course_runs_over_its_days_each_badge_and_the_deadline_on_theirs() -> None:
    content = plan_calendar(_answer(), kind=None, start=START, stamp=STAMP)
    calendar = Calendar.from_ical(content)
    assert calendar["x-wr-calname"] == "Fastest plan to become battery technician"
    events = _events(content)
    assert sorted(events) == [
        "Badge earned: EV technician",
        "Badge earned: Safety first",
        "Deadline to become battery technician (not met)",
        "Electric vehicles, advanced (15 h)",
        "Workshop safety, part 1 (4 h)",
    ]
    course = events["Electric vehicles, advanced (15 h)"]
    # an all-day event ends the day after its last day (RFC 5545: DTEND is exclusive)
    assert course.decoded("dtstart") == dt.date(2027, 1, 11)
    assert course.decoded("dtend") == dt.date(2027, 2, 8)
    assert str(course["description"]).startswith("Raises essential skill battery chemistry; Electric")
    assert str(course["transp"]) == "TRANSPARENT", "study weeks do not block the worker's calendar"
    badge = events["Badge earned: EV technician"]
    assert badge.decoded("dtstart") == dt.date(2027, 2, 7), "the last day of week 5"
    assert "when 'Electric vehicles, advanced' is done" in str(badge["description"])
    assert "by assessment" in str(events["Badge earned: Safety first"]["description"])
    deadline = events["Deadline to become battery technician (not met)"]
    assert deadline.decoded("dtstart") == dt.date(2027, 1, 31)
    assert str(deadline["description"]).startswith("The plan finishes 2027-02-07 at the earliest")
    assert all(event.decoded("dtstamp") == STAMP for event in events.values())


def test_the_same_plan_keeps_its_uids_so_a_new_import_updates_it() -> None:
    first = _events(plan_calendar(_answer(), kind=None, start=START, stamp=STAMP))
    later = _events(plan_calendar(_answer(), kind=None, start=START, stamp=STAMP + dt.timedelta(days=3)))
    uids = {summary: str(event["uid"]) for summary, event in first.items()}
    assert uids == {summary: str(event["uid"]) for summary, event in later.items()}
    assert len(set(uids.values())) == len(uids), "one UID per event"
    other = _events(plan_calendar(_answer(), kind="cheapest", start=START, stamp=STAMP))
    assert not set(uids.values()) & {str(event["uid"]) for event in other.values()}


def test_a_kind_picks_its_plan_also_through_the_labels_of_a_plan_that_coincides() -> None:
    cheapest = _events(plan_calendar(_answer(), kind="cheapest", start=START, stamp=STAMP))
    assert list(cheapest) == ["EV basics (30 h)"], "no badge and no deadline in that plan"
    best = Calendar.from_ical(plan_calendar(_answer(), kind="best-for-you", start=START, stamp=STAMP))
    assert best["x-wr-calname"] == "Best plan for you to become battery technician"
    assert "Workshop safety, part 1 (4 h)" in {str(e["summary"]) for e in best.walk("VEVENT")}
    assert file_name(_answer(), "best-for-you") == "upskill-battery-technician-best-for-you.ics"
    assert file_name(_answer(), None) == "upskill-battery-technician-fastest.ics"


def test_no_such_plan_or_no_course_is_a_clear_error() -> None:
    answer = _answer()
    answer["plans"] = answer["plans"][:1]
    with pytest.raises(InvalidPlanInput, match="no 'cheapest' plan in this answer; it has best-for-you, fas"):
        plan_calendar(answer, kind="cheapest", start=START)
    answer["plans"][0]["steps"] = []
    with pytest.raises(InvalidPlanInput, match="no course can be planned within these limits: nothing"):
        plan_calendar(answer, kind=None, start=START)
    with pytest.raises(InvalidPlanInput, match="nothing to put in a calendar"):
        plan_calendar({"plans": []}, kind=None, start=START)
