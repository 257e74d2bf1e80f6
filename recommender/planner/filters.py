"""Which courses a worker can take at all: language, delivery mode, region, level, currency, dates, limits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from recommender.codes import UNDETERMINED_LANGUAGE, language_name, languages_taken
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
        taught = (
            "its language is not stated"
            if course.language == UNDETERMINED_LANGUAGE
            else f"taught in {language_name(course.language)}"
        )
        return f"{taught}; {languages_taken(c.languages)}"
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


@dataclass(frozen=True)
class LimitBreach:
    """Why a course is over one of the plan's own limits, as figures: which limit (``kind``), the course's
    own figure (``own``: its price in the plan currency, its hours, its next session; None when no session
    starts in time) and the limit's (``limit``: the budget, the maximum hours, the plan's start or its
    deadline). :meth:`text` words it for the course, :meth:`grouped` for every course over the same limit."""

    kind: Literal["budget", "hours", "no-session", "late-session"]
    own: float | date | None
    limit: float | date
    currency: str = ""

    def text(self) -> str:
        """The reason for this course, naming its own figure."""
        if self.kind == "budget":
            if not self.limit:
                return f"costs {self.own:,.2f} {self.currency} and the budget is 0 (free courses only)"
            return f"costs {self.own:,.2f} {self.currency}, more than the whole budget of {self._budget()}"
        if self.kind == "hours":
            return f"takes {self.own:g} h, more than the maximum of {self.limit:g} h"
        if self.kind == "no-session":
            return f"no session starts on or after {self._day(self.limit)}"
        return f"next session starts {self._day(self.own)}, after the deadline {self._day(self.limit)}"

    def grouped(self) -> str:
        """The reason for every course over this limit: the limit alone (answers count courses by it)."""
        if self.kind == "budget":
            if not self.limit:
                return "not free, and the budget is 0 (free courses only)"
            return f"costs more than the whole budget of {self._budget()}"
        if self.kind == "hours":
            return f"takes more than the maximum of {self.limit:g} h"
        if self.kind == "late-session":
            return f"next session starts after the deadline {self._day(self.limit)}"
        return self.text()  # names nothing of the course already

    def _budget(self) -> str:
        return f"{self.limit:,.2f} {self.currency}"

    @staticmethod
    def _day(value: float | date | None) -> str:
        assert isinstance(value, date)
        return value.isoformat()


def limit_breach(course: CourseOption, price: float, constraints: Constraints) -> LimitBreach | None:
    """Which of the plan's own limits (budget, hours, start and deadline) the course, priced ``price`` in
    the plan currency, is over, with the figures; None when it is within them."""
    c = constraints
    if c.budget is not None and price > c.budget + 1e-9:
        return LimitBreach("budget", price, max(c.budget, 0.0), c.currency)
    if c.max_hours is not None and course.hours > c.max_hours + 1e-9:
        return LimitBreach("hours", course.hours, c.max_hours)
    if course.start_dates and c.start is not None:
        later = [d for d in course.start_dates if d >= c.start]
        if not later:
            return LimitBreach("no-session", None, c.start)
        if c.deadline is not None and later[0] > c.deadline:
            return LimitBreach("late-session", later[0], c.deadline)
    return None


def limit_reason(course: CourseOption, price: float, constraints: Constraints) -> str | None:
    """Why the worker cannot take this course (priced ``price`` in the plan currency) for the plan's own
    limits (budget, hours, start and deadline), or None: :func:`limit_breach` in words."""
    breach = limit_breach(course, price, constraints)
    return None if breach is None else breach.text()


def grouped_reason(course: CourseOption, reason: str, constraints: Constraints) -> str:
    """``reason`` (why :func:`exclusion_reason` rules ``course`` out under ``constraints``) as one line for
    every course it rules out, to count courses by: over a limit of the plan's own (:func:`limit_breach`,
    whose figures name the course's own price, hours or next session), the limit alone; any other reason
    names nothing of the course already and stays as it is."""
    price = price_in(course, constraints)
    breach = None if price is None else limit_breach(course, price, constraints)
    return breach.grouped() if breach is not None and breach.text() == reason else reason


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
    """Split courses into those available (by id) and those excluded (id -> reason).

    :func:`exclusion_reason` for each course, with the constraints read once: the reasons are worded by it
    (and :func:`first_session` dates a course with sessions) only for the courses a check may concern."""
    c = constraints
    gone, completed, currency = c.excluded, c.completed, c.currency
    standing = bool(c.languages or c.delivery_modes or c.region is not None or c.levels)
    # what :func:`limit_breach` compares a course's price and hours with (None: no limit)
    most_price = None if c.budget is None else c.budget + 1e-9
    most_hours = None if c.max_hours is None else c.max_hours + 1e-9
    dated = c.start is not None
    available: dict[str, Available] = {}
    excluded: dict[str, str] = {}
    for course in courses:
        cid = course.id
        if cid in gone or cid in completed or standing:
            reason = exclusion_reason(course, c)
            if reason is not None:
                excluded[cid] = reason
                continue
            price = price_in(course, c)
        else:
            price = course.price
            if price != 0 and course.currency.upper() != currency:
                price = price_in(course, c)
                if price is None:
                    excluded[cid] = static_reason(course, c) or ""
                    continue
            if (
                (most_price is not None and price > most_price)
                or (most_hours is not None and course.hours > most_hours)
                or (dated and course.start_dates)
            ):
                reason = limit_reason(course, price, c)
                if reason is not None:
                    excluded[cid] = reason
                    continue
        assert price is not None  # exclusion_reason rules out unknown rates
        first = first_session(course, c) if course.start_dates else None
        available[cid] = Available(course, price, first)
    return available, excluded
