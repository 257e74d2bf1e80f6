"""Shared builders for the planner tests."""

from __future__ import annotations

from datetime import date

from recommender.planner import CourseOption, GapItem, Prerequisite

START = date(2027, 1, 4)  # a Monday


def gap_item(
    uri: str, relation: str = "essential", needed: int = 2, held: int = 0, weight: float = 1.0
) -> GapItem:
    return GapItem(uri, f"label of {uri}", relation, needed, held, weight)  # type: ignore[arg-type]


def course(
    cid: str,
    skills: dict[str, int],
    *,
    hours: float = 10.0,
    price: float = 100.0,
    requires: tuple[str, ...] = (),
    **kwargs: object,
) -> CourseOption:
    return CourseOption(
        cid,
        f"Course {cid}",
        hours,
        price,
        skills=skills,
        prerequisites=tuple(Prerequisite(p) for p in requires),
        **kwargs,  # type: ignore[arg-type]
    )
