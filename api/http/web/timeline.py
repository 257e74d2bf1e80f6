"""A plan laid out as a timeline: weeks along the axis, one bar per course, badges as milestones.

Pure geometry for the SVG the template draws (``templates/_timeline.svg.html``): every coordinate is in
the SVG's user units, computed from the plan's JSON (``steps[].start_week``/``end_week``, 1-based weeks,
both included; ``badges[].week``, 0 for a badge already held) and, when there is one, the deadline.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

WIDTH = 720
LEFT = 16  # margin before week 0
RIGHT = 24
TOP = 8
ROW = 40  # one course: its title, then its bar
BAR = 14
BADGE_ROW = 44
AXIS = 40
TICKS = 10  # at most this many labelled weeks on the axis
#: The widest a 12 px character of the page's sans-serif is on average, in user units: a caption's estimated
#: width decides on which side of its bar it is written and how much of a long title it keeps.
CHAR = 6.8
TITLE = 60  # a caption keeps at most this many characters of a course's title
BADGE = 40  # and of a badge's name


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    text: str  # the caption above the bar: its number, title (shortened to fit) and weeks
    text_x: float
    text_y: float
    text_anchor: str  # "start": the caption starts where the bar starts; "end": it ends where the bar ends


@dataclass(frozen=True)
class Milestone:
    week: int
    x: float
    y: float
    text: str  # the badge's name (shortened to fit) and week, beside its diamond
    text_x: float
    text_anchor: str


@dataclass(frozen=True)
class Tick:
    label: str
    x: float


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    weeks: int
    bars: tuple[Bar, ...]
    milestones: tuple[Milestone, ...]
    ticks: tuple[Tick, ...]
    axis_y: float
    deadline_x: float | None  # None: no deadline, or past the right edge is drawn at the edge
    deadline_label: str
    description: str  # the whole timeline in one sentence, for screen readers


def _step(weeks: int) -> int:
    """A round tick spacing (1, 2, 4, 5, 10, 20, ... weeks) giving at most ``TICKS`` ticks."""
    for step in (1, 2, 4, 5, 10, 13, 20, 26, 52, 104):
        if weeks / step <= TICKS:
            return step
    return math.ceil(weeks / TICKS)


def _shorten(title: str, keep: int) -> str:
    return title if len(title) <= keep else title[: max(keep - 1, 1)].rstrip() + "…"


def caption(head: str, title: str, tail: str, left: float, right: float, keep: int) -> tuple[str, float, str]:
    """A caption of at most ``keep`` characters of ``title`` between ``head`` and ``tail``, where it is
    anchored and how: starting at ``left`` when it fits before the right edge, else ending at ``right`` when
    it fits after the left edge, else on the roomier side with the title shortened to fit."""
    text = head + _shorten(title, keep) + tail
    after, before = WIDTH - 4 - left, right - 4  # room for a caption starting at left / ending at right
    if len(text) * CHAR <= after:
        return text, left, "start"
    if len(text) * CHAR <= before:
        return text, right, "end"
    room = int(max(after, before) / CHAR) - len(head) - len(tail)
    text = head + _shorten(title, max(min(room, keep), 8)) + tail
    return (text, left, "start") if after >= before else (text, right, "end")


def timeline(plan: dict[str, Any], *, start: dt.date | None, deadline: dt.date | None) -> Timeline:
    """Lay ``plan`` (one plan of ``POST /v1/plans``) out; ``start`` dates the axis, ``deadline`` is marked."""
    steps = plan["steps"]
    deadline_week = None
    if deadline is not None and start is not None:
        deadline_week = max(0.0, (deadline - start).days / 7)
    weeks = max([int(plan["totals"]["weeks"]), 1, *(s["end_week"] for s in steps)])
    span = max(weeks, math.ceil(deadline_week) if deadline_week is not None else 0)
    scale = (WIDTH - LEFT - RIGHT) / span

    def x(week: float) -> float:
        return round(LEFT + week * scale, 1)

    badges = [b for b in plan["badges"] if b["week"] > 0]
    badge_height = BADGE_ROW if badges else 0
    bars = []
    for index, step in enumerate(steps):
        top = TOP + badge_height + index * ROW
        left, right = x(step["start_week"] - 1), x(step["end_week"])
        when = (
            f"week {step['start_week']}"
            if step["start_week"] == step["end_week"]
            else f"weeks {step['start_week']}–{step['end_week']}"
        )
        width = max(right - left, 3.0)
        detail = f" · {when}, {step['hours']:g} h"
        text, text_x, anchor = caption(f"{index + 1}. ", step["title"], detail, left, left + width, TITLE)
        bars.append(
            Bar(
                x=left,
                y=top + 18,
                width=width,
                text=text,
                text_x=text_x,
                text_y=top + 13,
                text_anchor=anchor,
            )
        )
    milestones = []
    for index, badge in enumerate(badges):
        at = x(badge["week"])
        text, text_x, anchor = caption("", badge["name"], f" (week {badge['week']})", at + 10, at - 10, BADGE)
        milestones.append(
            Milestone(
                week=badge["week"],
                x=at,
                y=TOP + 12 + (index % 2) * 16,
                text=text,
                text_x=text_x,
                text_anchor=anchor,
            )
        )
    axis_y = TOP + badge_height + len(steps) * ROW + 6
    step_weeks = _step(span)
    ticks = [Tick(label=f"week {w}" if w == 0 else str(w), x=x(w)) for w in range(0, span + 1, step_weeks)]
    deadline_x = x(deadline_week) if deadline_week is not None else None
    finish = plan["totals"]["finish_date"]
    description = (
        f"{len(steps)} course{'s' if len(steps) != 1 else ''} over {weeks} week{'s' if weeks != 1 else ''}"
        + (f", finishing {finish}" if finish else "")
        + (f"; {len(badges)} badge{'s' if len(badges) != 1 else ''} earned on the way" if badges else "")
        + (
            f"; deadline {deadline.isoformat()} at week {deadline_week:.0f}"
            if deadline and deadline_week
            else ""
        )
        + ". The table below lists the same steps."
    )
    return Timeline(
        width=WIDTH,
        height=int(axis_y + AXIS),
        weeks=weeks,
        bars=tuple(bars),
        milestones=tuple(milestones),
        ticks=tuple(ticks),
        axis_y=axis_y,
        deadline_x=deadline_x,
        deadline_label=f"deadline {deadline.isoformat()}" if deadline else "",
        description=description,
    )
