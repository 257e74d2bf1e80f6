"""The adapter from the skill gap of recommender.gap to planner gap items."""

from __future__ import annotations

from recommender.gap import GapItem as GapEntry
from recommender.gap import SkillGap
from recommender.planner import GapItem
from recommender.planner.from_gap import gap_items


def entry(uri: str, relation: str, needed: int, credit: float, weight: float) -> GapEntry:
    status = "held" if credit >= 1 else ("partial" if credit > 0 else "missing")
    return GapEntry(uri, uri.upper(), relation, needed, status, credit, weight, None, None, "", "")  # type: ignore[arg-type]


def test_levels_weights_and_order_carry_over() -> None:
    gap = SkillGap(
        "occ:t",
        "target",
        (
            entry("s:held", "essential", 3, 1.0, 1.5),
            entry("s:two-thirds", "essential", 3, 2 / 3, 1.0),
            entry("s:related", "optional", 2, 0.25, 0.5),
            entry("s:common", "optional", 2, 0.0, 0.0),
        ),
        50.0,
        1.0,
    )
    assert gap_items(gap) == [
        GapItem("s:held", "S:HELD", "essential", 3, 3, 1.5),
        GapItem("s:two-thirds", "S:TWO-THIRDS", "essential", 3, 2, 1.0),
        GapItem("s:related", "S:RELATED", "optional", 2, 0, 0.5),
        GapItem("s:common", "S:COMMON", "optional", 2, 0, 1e-6),
    ]
