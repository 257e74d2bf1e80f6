"""Microbadges: what one recognises, how it is earned, how badges stack, and its Open Badges 3.0 export.

A badge recognises a set of skills at levels (0..4). It is earned by completing courses (all of a set, or k of
n) or by an assessment, and it may require other badges first (stacking). :func:`achievement` renders a
badge as an Open Badges 3.0 ``Achievement`` (1EdTech, https://www.imsglobal.org/spec/ob/v3p0/#achievement)
whose ``alignment`` points at the ESCO skills.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx

from recommender.errors import UpskillError

EARNED_BY = ("all", "k_of_n", "assessment")
OB3_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
# Required by the specification (section "Achievement" and "Alignment" of Open Badges 3.0).
ACHIEVEMENT_REQUIRED = ("id", "type", "name", "description", "criteria")
ALIGNMENT_REQUIRED = ("type", "targetName", "targetUrl")
LEVEL_NAMES = {0: "awareness", 1: "basic", 2: "intermediate", 3: "advanced", 4: "expert"}


@dataclass(frozen=True)
class BadgeSkill:
    uri: str
    level: int


@dataclass(frozen=True)
class Badge:
    """A microbadge as the core sees it."""

    id: str
    name: str
    description: str
    criteria: str
    earned_by: str
    skills: tuple[BadgeSkill, ...]
    courses: tuple[str, ...] = ()
    k: int | None = None
    requires: tuple[str, ...] = ()
    issuer: str = ""

    def check(self) -> None:
        """Raise :class:`BadgeRuleError` when the earning rule cannot work."""
        if self.earned_by not in EARNED_BY:
            raise BadgeRuleError(
                self.id,
                f"earned_by must be one of {', '.join(EARNED_BY)}, got {self.earned_by!r}",
                "earned_by",
            )
        if not self.skills:
            raise BadgeRuleError(self.id, "a badge must recognise at least one skill", "skills")
        if self.earned_by in ("all", "k_of_n") and not self.courses:
            raise BadgeRuleError(
                self.id, f"earned_by {self.earned_by!r} needs at least one course", "courses"
            )
        if self.earned_by == "k_of_n" and not (self.k is not None and 1 <= self.k <= len(self.courses)):
            raise BadgeRuleError(
                self.id, f"k must be between 1 and {len(self.courses)} (its courses), got {self.k!r}", "k"
            )
        if self.earned_by != "k_of_n" and self.k is not None:
            raise BadgeRuleError(self.id, "k is only for earned_by 'k_of_n'", "k")
        if self.id in self.requires:
            raise BadgeRuleError(self.id, "a badge cannot require itself", "requires")


class BadgeRuleError(UpskillError):
    """A badge whose earning rule cannot work; ``field`` names the offending field."""

    def __init__(self, badge_id: str, message: str, field: str):
        self.badge_id = badge_id
        self.field = field
        super().__init__(f"badge {badge_id!r}: {message}")


class BadgeCycle(UpskillError):
    """Badges that require each other."""

    def __init__(self, cycles: Sequence[Sequence[str]]):
        self.cycles = [list(c) for c in cycles]
        shown = "; ".join(" -> ".join([*c, c[0]]) for c in self.cycles)
        super().__init__(
            f"badge requirement cycle(s): {shown}. A badge cannot require itself, even indirectly."
        )


def stacking_cycles(requires: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """Groups of badges that (transitively) require each other, members sorted."""
    graph = nx.DiGraph()
    graph.add_edges_from((badge, required) for badge, needs in requires.items() for required in needs)
    return sorted(
        sorted(c)
        for c in nx.strongly_connected_components(graph)
        if len(c) > 1 or graph.has_edge(next(iter(c)), next(iter(c)))
    )


def criteria_narrative(
    badge: Badge,
    course_titles: Mapping[str, str],
    badge_names: Mapping[str, str],
    skill_labels: Mapping[str, str] | None = None,
) -> str:
    """The earning rule in words a worker understands (Markdown, as Open Badges allows)."""
    lines = []
    titles = [f"- {course_titles.get(course, course)}" for course in badge.courses]
    if badge.earned_by == "all":
        count = {1: "this course", 2: "both of these courses"}.get(
            len(titles), f"all {len(titles)} of these courses"
        )
        lines.append(f"Complete {count}:")
        lines.extend(titles)
    elif badge.earned_by == "k_of_n":
        lines.append(f"Complete any {badge.k} of these {len(titles)} courses:")
        lines.extend(titles)
    else:
        labels = skill_labels or {}
        shown = ", ".join(labels.get(skill.uri, skill.uri) for skill in badge.skills)
        lines.append(f"Pass a practical assessment with an approved assessor of: {shown}.")
        if titles:
            lines.append("These courses prepare for it:")
            lines.extend(titles)
    if badge.requires:
        lines.append(
            "You need these badges first: " + ", ".join(badge_names.get(b, b) for b in badge.requires) + "."
        )
    if badge.criteria:
        lines.append(badge.criteria)
    return "\n".join(lines)


def achievement(
    badge: Badge,
    *,
    skill_labels: Mapping[str, str],
    course_titles: Mapping[str, str],
    badge_names: Mapping[str, str],
    base_id: str = "urn:upskill:badge:",
    issuer_id: str = "urn:upskill:issuer:",
) -> dict[str, Any]:
    """The badge as an Open Badges 3.0 ``Achievement`` (JSON-LD), aligned to its ESCO skills."""
    alignment = [
        {
            "type": ["Alignment"],
            "targetName": skill_labels.get(skill.uri, skill.uri),
            "targetUrl": skill.uri,
            "targetCode": skill.uri.rstrip("/").rsplit("/", 1)[-1],
            "targetFramework": "ESCO",
            "targetType": "ext:ESCOSkill",
            "targetDescription": f"level {skill.level} ({LEVEL_NAMES.get(skill.level, skill.level)})",
        }
        for skill in badge.skills
    ]
    document: dict[str, Any] = {
        "@context": list(OB3_CONTEXT),
        "id": f"{base_id}{badge.id}",
        "type": ["Achievement"],
        "achievementType": "Badge",
        "name": badge.name,
        "description": badge.description,
        "criteria": {"narrative": criteria_narrative(badge, course_titles, badge_names, skill_labels)},
        "alignment": alignment,
        "tag": ["microbadge", badge.earned_by],
    }
    if badge.issuer:
        slug = "".join(ch if ch.isalnum() else "-" for ch in badge.issuer.lower()).strip("-")
        document["creator"] = {"id": f"{issuer_id}{slug}", "type": ["Profile"], "name": badge.issuer}
    return document
