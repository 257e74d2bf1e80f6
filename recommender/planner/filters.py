"""Which courses a worker can take at all: language, delivery mode, region, level, currency, dates, limits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from recommender.planner.model import Constraints, CourseOption

#: Delivery modes that need the worker to be somewhere; online courses ignore the region.
PLACE_BOUND_MODES = ("in-person", "blended")


@dataclass(frozen=True)
class Available:
    """A course that passed the constraints, with its price in the plan currency and its first session."""

    course: CourseOption
    price: float
    first_start: date | None


def _region_matches(course_region: str, worker_region: str) -> bool:
    # NUTS codes nest by prefix: a course in "DE1" (Baden-Wuerttemberg) serves a worker in "DE11".
    a, b = course_region.upper(), worker_region.upper()
    return a.startswith(b) or b.startswith(a)


def price_in(course: CourseOption, constraints: Constraints) -> float | None:
    """The course price in the plan currency, or None when no exchange rate is known
    (free is free in any currency)."""
    if course.price == 0 or course.currency.upper() == constraints.currency:
        return course.price
    rate = constraints.exchange_rates.get(course.currency.upper())
    return None if rate is None else course.price * rate


def static_reason(course: CourseOption, constraints: Constraints) -> str | None:
    """Why the worker cannot take this course for what depends on the catalogue and the worker's standing
    terms alone (language, delivery mode, region, level, currency), or None."""
    c = constraints
    if c.languages and course.language not in c.languages:
        return f"taught in {course.language!r}; the worker accepts {', '.join(c.languages)}"
    if c.delivery_modes and course.delivery_mode not in c.delivery_modes:
        return f"delivered {course.delivery_mode}; the worker accepts {', '.join(c.delivery_modes)}"
    if (
        c.region is not None
        and course.delivery_mode in PLACE_BOUND_MODES
        and course.region is not None
        and not _region_matches(course.region, c.region)
    ):
        return f"{course.delivery_mode} in region {course.region}; the worker is in {c.region}"
    if c.levels and course.level is not None and course.level not in c.levels:
        return f"level {course.level!r}; the worker prefers {', '.join(c.levels)}"
    if price_in(course, c) is None:
        return f"priced in {course.currency} and no {course.currency}->{c.currency} exchange rate was given"
    return None


#: How :func:`limit_reason` begins the reasons that name the course's own price, hours or session: what
#: :func:`grouped_reason` finds them by.
OVER_BUDGET, OVER_HOURS, LATE_SESSION = "costs ", "takes ", "next session starts "


def limit_reason(course: CourseOption, price: float, constraints: Constraints) -> str | None:
    """Why the worker cannot take this course (priced ``price`` in the plan currency) for the plan's own
    limits (budget, hours, start and deadline), or None."""
    c = constraints
    if c.budget is not None and price > c.budget + 1e-9:
        if c.budget <= 0:
            return f"{OVER_BUDGET}{price:.2f} {c.currency} and the budget is 0 (free courses only)"
        whole = f"{c.budget:.2f} {c.currency}"
        return f"{OVER_BUDGET}{price:.2f} {c.currency}, more than the whole budget of {whole}"
    if c.max_hours is not None and course.hours > c.max_hours + 1e-9:
        return f"{OVER_HOURS}{course.hours:g} h, more than the maximum of {c.max_hours:g} h"
    if course.start_dates and c.start is not None:
        later = [d for d in course.start_dates if d >= c.start]
        if not later:
            return f"no session starts on or after {c.start.isoformat()}"
        if c.deadline is not None and later[0] > c.deadline:
            return f"{LATE_SESSION}{later[0].isoformat()}, after the deadline {c.deadline.isoformat()}"
    return None


def grouped_reason(reason: str, constraints: Constraints) -> str:
    """``reason`` (of :func:`exclusion_reason` under ``constraints``) as one line for every course it rules
    out, to count courses by: a price, hours or next session over the limit (each course's own in
    :func:`limit_reason`) becomes the limit alone; the other reasons name nothing of the course already."""
    c = constraints
    if c.budget is not None and reason.startswith(OVER_BUDGET):
        if c.budget <= 0:
            return "not free, and the budget is 0 (free courses only)"
        return f"{OVER_BUDGET}more than the whole budget of {c.budget:.2f} {c.currency}"
    if c.max_hours is not None and reason.startswith(OVER_HOURS):
        return f"{OVER_HOURS}more than the maximum of {c.max_hours:g} h"
    if c.deadline is not None and reason.startswith(LATE_SESSION):
        return f"{LATE_SESSION}after the deadline {c.deadline.isoformat()}"
    return reason


def exclusion_reason(course: CourseOption, constraints: Constraints) -> str | None:
    """Why the worker cannot take this course, or None when nothing rules it out (in report order: the
    worker's own exclusions and completed courses, then :func:`static_reason`, then :func:`limit_reason`)."""
    if course.id in constraints.excluded:
        return "excluded by the worker"
    if course.id in constraints.completed:
        return "already completed"
    why = static_reason(course, constraints)
    if why is not None:
        return why
    price = price_in(course, constraints)
    assert price is not None  # static_reason rules out unknown rates
    return limit_reason(course, price, constraints)


def first_session(course: CourseOption, constraints: Constraints) -> date | None:
    """The first session on or after the plan's start (a course with sessions passed the filter has one)."""
    if not course.start_dates:
        return None
    after = [d for d in course.start_dates if constraints.start is None or d >= constraints.start]
    return after[0]


def filter_courses(
    courses: Iterable[CourseOption], constraints: Constraints
) -> tuple[dict[str, Available], dict[str, str]]:
    """Split courses into those available (by id) and those excluded (id -> reason)."""
    available: dict[str, Available] = {}
    excluded: dict[str, str] = {}
    for course in courses:
        reason = exclusion_reason(course, constraints)
        if reason is not None:
            excluded[course.id] = reason
            continue
        price = price_in(course, constraints)
        assert price is not None  # exclusion_reason rules out unknown rates
        available[course.id] = Available(course, price, first_session(course, constraints))
    return available, excluded
