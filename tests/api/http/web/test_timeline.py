"""The timeline's geometry, checked by hand on a small plan."""

from __future__ import annotations

import datetime as dt

from api.http.web.timeline import CHAR, LEFT, RIGHT, WIDTH, timeline

PLAN = {
    "steps": [
        {"title": "Safety first", "start_week": 1, "end_week": 2, "hours": 8.0},
        {"title": "Batteries", "start_week": 3, "end_week": 10, "hours": 40.0},
    ],
    "badges": [
        {"name": "held before", "week": 0},
        {"name": "Battery basics", "week": 10},
    ],
    "totals": {"weeks": 10, "finish_date": "2027-03-14"},
}


def test_weeks_map_onto_the_width_and_bars_follow_the_steps() -> None:
    line = timeline(PLAN, start=dt.date(2027, 1, 4), deadline=None)
    scale = (WIDTH - LEFT - RIGHT) / 10
    first, second = line.bars
    assert (first.x, first.width) == (LEFT, round(2 * scale, 1))
    assert second.x == round(LEFT + 2 * scale, 1) and second.x + second.width <= WIDTH - RIGHT + 0.1
    assert second.y > first.y and line.axis_y > second.y
    assert [m.text for m in line.milestones] == ["Battery basics (week 10)"], (
        "a badge held before is no milestone"
    )
    assert line.milestones[0].x == round(LEFT + 10 * scale, 1)
    assert [t.label for t in line.ticks] == ["week 0", *(str(week) for week in range(1, 11))]
    assert line.deadline_x is None
    assert line.description.startswith("2 courses over 10 weeks, finishing 2027-03-14; 1 badge earned")


def test_a_deadline_past_the_plan_widens_the_axis_and_is_marked() -> None:
    line = timeline(PLAN, start=dt.date(2027, 1, 4), deadline=dt.date(2027, 5, 31))  # 21 weeks
    assert line.deadline_x == WIDTH - RIGHT
    assert line.ticks[-1].label == "20" and line.bars[1].x + line.bars[1].width < WIDTH / 2 + 40
    assert "deadline 2027-05-31 at week 21" in line.description


def test_a_caption_stays_inside_the_timeline() -> None:
    """A late course's caption ends where its bar ends; one too long for either side is shortened."""
    title = "Mechatronics Revolution: Fundamentals and Core Concepts"
    plan = {
        "steps": [
            {"title": "Safety first", "start_week": 1, "end_week": 40, "hours": 8.0},
            {"title": "Robotics " * 20, "start_week": 41, "end_week": 60, "hours": 90.0},
            {"title": title, "start_week": 61, "end_week": 100, "hours": 112.0},
        ],
        "badges": [],
        "totals": {"weeks": 100, "finish_date": None},
    }
    first, long_one, late = timeline(plan, start=dt.date(2027, 1, 4), deadline=None).bars
    assert (first.text, first.text_x, first.text_anchor) == (
        "1. Safety first · weeks 1–40, 8 h",
        LEFT,
        "start",
    )
    assert late.text == f"3. {title} · weeks 61–100, 112 h"
    assert (late.text_anchor, late.text_x) == ("end", late.x + late.width)
    assert long_one.text.startswith("2. Robotics Robotics") and "…" in long_one.text
    assert long_one.text.endswith(" · weeks 41–60, 90 h")
    for bar in (first, long_one, late):
        start = bar.text_x if bar.text_anchor == "start" else bar.text_x - len(bar.text) * CHAR
        assert start >= 0 and start + len(bar.text) * CHAR <= WIDTH, bar.text
