"""What a worker can do about the skills a plan leaves open, headed for the worker: one wording for the
command line and the web page (plain Python: ``upskill --help`` imports it without numpy)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

#: What a worker can do about a skill a plan leaves open, in the order shown (``planner.alternatives``).
OPEN_WAYS = ("assessment", "funding", "on-the-job", "provider")
#: Headings of the skills a plan leaves open, by the alternative offered, worded for the worker.
OPEN_HEADINGS = {
    "assessment": "Earn by assessment (recognition of prior learning), no course needed:",
    "funding": "Courses teach these further, but your limits rule them out (ask your employer to fund one):",
    "on-the-job": "Learn on the job (supervised practice; courses, where any, go only part of the way):",
    "provider": "Knowledge no course in the catalogue teaches (ask a training provider or your employer's "
    "training centre):",
}
#: The same where the worker asked for free courses only.
FREE_HEADINGS = {
    "on-the-job": "No free course closes these: learn them on the job (ask the training centre; free "
    "courses, where any, go only part of the way):",
    "funding": "No free course teaches these far enough; paid courses do (ask your employer or the training "
    "centre to fund one):",
    "provider": "Knowledge no course at all teaches (ask the training centre):",
}


def open_heading(kind: str, *, free_only: bool) -> str:
    """The heading of the skills left open whose alternative is ``kind``."""
    return (FREE_HEADINGS if free_only else {}).get(kind, OPEN_HEADINGS[kind])


def open_skill_groups(
    uncovered: Sequence[Mapping[str, Any]], *, free_only: bool
) -> list[tuple[str, list[Mapping[str, Any]]]]:
    """A plan answer's ``uncovered_skills`` grouped by what to do instead (heading, skills; essential
    first), as the command line prints them."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for item in sorted(uncovered, key=lambda u: u["relation"] != "essential"):
        kind = (item.get("alternative") or {}).get("kind") or "provider"
        groups.setdefault(kind, []).append(item)
    return [(open_heading(kind, free_only=free_only), groups[kind]) for kind in OPEN_WAYS if kind in groups]
