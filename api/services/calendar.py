"""A plan as an iCalendar file (RFC 5545), for the worker's own calendar: the web page's "Add to my calendar",
``POST /v1/plans/calendar`` and ``upskill plan --calendar FILE``.

Each course is an all-day event over the weeks it runs (the plan says how many hours it takes, not at which
hours of the week, so the events are marked free time: they do not block the worker's calendar), each badge
an all-day event on the last day of the week it is earned in, and a deadline an event on its day, saying
whether the plan meets it. Every event's UID is made from the target, the plan's kind and what the event is,
so importing the same plan again updates its events instead of doubling them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Any

from recommender.errors import InvalidPlanInput
from recommender.planner.plan import BEST

PRODUCT_ID = "-//upskill//learning plan//EN"
#: How the page and the answers name each kind of plan (a plan's ``kind`` and ``labels``).
KIND_NAMES = {"fastest": "Fastest plan", "cheapest": "Cheapest plan", BEST: "Best plan for you"}
MEDIA_TYPE = "text/calendar; charset=utf-8"


def slug(kind: str) -> str:
    """A kind of plan as ids, links and file names write it: ``best for you`` -> ``best-for-you``."""
    return kind.replace(" ", "-")


def chosen_plan(answer: Mapping[str, Any], kind: str | None) -> Mapping[str, Any]:
    """The plan of ``answer`` (a plans answer, as ``POST /v1/plans`` returns it) of this ``kind`` (as its
    ``kind`` or :func:`slug` says it; a plan that coincides with others, its ``labels``, answers for each of
    them); the first plan for None. Raises :class:`InvalidPlanInput` when there is none, naming the kinds
    there are, or when it has no course."""
    plans = answer.get("plans") or []
    if kind is None:
        chosen = plans[0] if plans else None
    else:
        wanted = kind.replace("-", " ")
        matching = [plan for plan in plans if wanted == plan["kind"] or wanted in plan.get("labels", ())]
        if plans and not matching:
            there = ", ".join(sorted({slug(label) for plan in plans for label in plan.get("labels", ())}))
            raise InvalidPlanInput(f"no {kind!r} plan in this answer; it has {there}", field="kind")
        chosen = matching[0] if matching else None
    if chosen is None or not chosen["steps"]:
        raise InvalidPlanInput(
            "no course can be planned within these limits: nothing to put in a calendar",
            field="body",
            fix="relax the limits (budget, languages, delivery modes, region, deadline); the plans answer "
            "to the same body says why each gap skill has no course",
        )
    return chosen


def plan_calendar(
    answer: Mapping[str, Any], *, kind: str | None, start: dt.date, stamp: dt.datetime | None = None
) -> bytes:
    """The plan of ``kind`` (:func:`chosen_plan`) in ``answer`` as an iCalendar file; ``start`` is the plan's
    first day (week 1 starts on it), ``stamp`` the time written as each event's DTSTAMP (now, in UTC, for
    None)."""
    from icalendar import Calendar, Event  # imported only when a calendar is asked for

    plan = chosen_plan(answer, kind)
    target = str(answer.get("target_label") or answer.get("target_uri") or "")
    shown = kind.replace("-", " ") if kind else plan["kind"]
    name = f"{KIND_NAMES.get(shown, shown)} to become {target}"
    stamp = stamp or dt.datetime.now(dt.UTC).replace(microsecond=0)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)

    def event(key: str, summary: str, first: dt.date, last: dt.date, description: str) -> None:
        item = Event()
        uid = hashlib.sha256(f"{answer.get('target_uri')}|{plan['kind']}|{key}".encode()).hexdigest()[:32]
        item.add("uid", f"{uid}@upskill")
        item.add("dtstamp", stamp)
        item.add("dtstart", first)
        item.add("dtend", last + dt.timedelta(days=1))  # all-day events end the day after, exclusive
        item.add("summary", summary)
        item.add("description", f"{description}\n\n{name} (upskill).")
        item.add("transp", "TRANSPARENT")
        item.add("categories", ["upskill"])
        calendar.add_component(item)

    titles = {step["course_id"]: step["title"] for step in plan["steps"]}
    for step in plan["steps"]:
        event(
            f"course|{step['course_id']}",
            f"{step['title']} ({step['hours']:g} h)",
            dt.date.fromisoformat(step["start_date"]),
            dt.date.fromisoformat(step["end_date"]),
            step["reason"],
        )
    for badge in plan["badges"]:
        day = start + dt.timedelta(days=7 * badge["week"] - 1)
        if badge.get("by_assessment"):
            how = "by assessment"
        else:
            how = f"when '{titles.get(badge.get('course_id') or '', 'the course before it')}' is done"
        event(
            f"badge|{badge['badge_id']}",
            f"Badge earned: {badge['name']}",
            day,
            day,
            f"The badge '{badge['name']}' is earned in week {badge['week']}, {how}.",
        )
    deadline = plan.get("deadline")
    if deadline:
        day = dt.date.fromisoformat(deadline["deadline"])
        met = "met" if deadline["met"] else "not met"
        event(
            "deadline",
            f"Deadline to become {target} ({met})",
            day,
            day,
            f"{deadline['explanation'][:1].upper()}{deadline['explanation'][1:]}.",
        )
    return bytes(calendar.to_ical())


def file_name(answer: Mapping[str, Any], kind: str | None) -> str:
    """A file name for the calendar: ``upskill-<target>-<kind>.ics``, in letters, digits and dashes."""
    plan = chosen_plan(answer, kind)
    words = "".join(c if c.isalnum() else "-" for c in str(answer.get("target_label") or "plan").lower())
    return f"upskill-{'-'.join(filter(None, words.split('-')))}-{slug(kind or plan['kind'])}.ics"
