"""Course prerequisites from three origins, with cycles detected and reported.

ESCO has no prerequisite relation, so an edge "course C needs course P first" comes from

* ``catalogue``: the catalogue says so;
* ``level``: C teaches skill S at level L >= ``LEVEL_ORDER_FROM`` (3, advanced), so it needs S at level
  L - 1, which a course teaching S at exactly L - 1 provides (the best such course: highest confidence, then
  fewest hours, then id) or the worker's profile provides (see :func:`level_requirements`);
* ``curated``: a curated file says skill A needs skill B; a course teaching A (and not B) then needs the best
  course teaching B on a link of confidence ``min_provider_confidence`` or more (lowest level first, then
  highest confidence): a course that only names B in passing is no course to take for B first.

Catalogue and curated edges are the word of people: a cycle among them is an error listing its members
(:class:`recommender.errors.PrerequisiteCycle`, the same error the planner raises).
Derived edges (``level``, ``curated`` skill rules) that would close a cycle are skipped and reported.

**No dead ends**: a prerequisite more advanced than the course that needs it (an advanced course before an
introductory one, by the courses' levels) would make the course open only to those who could take the
harder one first. Such an edge is never used: a derived edge takes the best provider that is not more advanced
(or, without one, leaves the requirement to the worker's profile), and the edges left out are reported
(:attr:`PrerequisiteGraph.too_advanced`). The catalogue import does the same for a catalogue's own edges.
Every other requirement can be met by someone: there are no cycles, and a worker may declare any skill at
any level (0-4), so a skill no course teaches is a requirement of the profile, not a dead end.

The level-order rule is the one rule of the project, used here for the catalogue's derived edges and by the
planner (``recommender.planner.build``, which applies it knowing the worker's held levels): on the 0-4 scale
(none, basic, intermediate, advanced, expert), **a course teaching S at level L >= 3 needs S at level L - 1
first; courses teaching at levels 1 and 2 are open entry**. Introductory and intermediate courses rarely ask
for more than interest (the default catalogue teaches 89% of its skill links at levels 1-2), while an advanced
course assumes the intermediate level; requiring level 1 before every level-2 course would send most workers
through introductory courses they do not need.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx

from recommender.errors import PrerequisiteCycle

ORIGINS = ("catalogue", "level", "curated")
#: Level order: a course teaching a skill at this level or above needs the level below first.
LEVEL_ORDER_FROM = 3
#: The order of course levels; a course without a level is comparable with none.
COURSE_LEVEL_RANK = {"introductory": 1, "intermediate": 2, "advanced": 3}

__all__ = [
    "COURSE_LEVEL_RANK",
    "LEVEL_ORDER_FROM",
    "ORIGINS",
    "Edge",
    "PrerequisiteCycle",
    "PrerequisiteGraph",
    "Requirement",
    "SkillPrerequisite",
    "TaughtSkill",
    "build_graph",
    "find_cycles",
    "level_needed_first",
    "level_requirements",
    "more_advanced",
]


def more_advanced(prerequisite_level: str | None, course_level: str | None) -> bool:
    """Whether a course of ``prerequisite_level`` is more advanced than one of ``course_level``."""
    first = COURSE_LEVEL_RANK.get(prerequisite_level or "")
    then = COURSE_LEVEL_RANK.get(course_level or "")
    return first is not None and then is not None and first > then


def level_needed_first(level: int) -> int | None:
    """The level of a skill a course teaching it at ``level`` needs first (level order), or None."""
    return level - 1 if level >= LEVEL_ORDER_FROM else None


@dataclass(frozen=True)
class TaughtSkill:
    """A course teaches a skill at a level (0..4) with a confidence in [0, 1]."""

    course_id: str
    skill_uri: str
    level: int
    confidence: float = 1.0


@dataclass(frozen=True)
class SkillPrerequisite:
    """A curated rule: ``skill_uri`` needs ``requires_uri`` first (``line``: where the rule file says so)."""

    skill_uri: str
    requires_uri: str
    line: int | None = None


@dataclass(frozen=True)
class Requirement:
    """Course ``course_id`` needs ``skill_uri`` at ``level`` before it starts."""

    course_id: str
    skill_uri: str
    level: int


@dataclass(frozen=True)
class Edge:
    """``course_id`` needs ``prerequisite_id`` first; ``origin`` is catalogue, level or curated."""

    course_id: str
    prerequisite_id: str
    origin: str
    reason: str = ""
    line: int | None = None  # of the curated rule behind a curated edge


@dataclass
class PrerequisiteGraph:
    """The accepted edges, the derived edges skipped because they closed a cycle, unmet requirements (left
    to the worker's profile), and the derived edges not used because the prerequisite was more advanced."""

    edges: list[Edge] = field(default_factory=list)
    skipped: list[Edge] = field(default_factory=list)
    unmet: list[Requirement] = field(default_factory=list)
    too_advanced: list[Edge] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        by_origin = {origin: sum(edge.origin == origin for edge in self.edges) for origin in ORIGINS}
        return {
            **by_origin,
            "skipped_for_cycles": len(self.skipped),
            "unmet_requirements": len(self.unmet),
            "more_advanced_not_used": len(self.too_advanced),
        }


def find_cycles(edges: Iterable[Edge]) -> list[list[str]]:
    """Each group of courses that require each other (a strongly connected part), members sorted."""
    graph = nx.DiGraph()
    graph.add_edges_from((edge.course_id, edge.prerequisite_id) for edge in edges)
    cycles = [
        sorted(component)
        for component in nx.strongly_connected_components(graph)
        if len(component) > 1 or graph.has_edge(next(iter(component)), next(iter(component)))
    ]
    return sorted(cycles)


def level_requirements(taught: Iterable[TaughtSkill]) -> list[Requirement]:
    """What each course needs by level order: skill S at L - 1 for every S it teaches at L >= 3."""
    return sorted(
        {
            Requirement(item.course_id, item.skill_uri, below)
            for item in taught
            if (below := level_needed_first(item.level)) is not None
        },
        key=lambda r: (r.course_id, r.skill_uri, r.level),
    )


def _providers(taught: Iterable[TaughtSkill], hours: dict[str, float]) -> dict[tuple[str, int], list[str]]:
    by_key: dict[tuple[str, int], list[TaughtSkill]] = defaultdict(list)
    for item in taught:
        by_key[(item.skill_uri, item.level)].append(item)
    return {
        key: [
            i.course_id
            for i in sorted(items, key=lambda i: (-i.confidence, hours.get(i.course_id, 0), i.course_id))
        ]
        for key, items in by_key.items()
    }


def build_graph(
    *,
    taught: Sequence[TaughtSkill],
    catalogue_edges: Sequence[Edge] = (),
    skill_rules: Sequence[SkillPrerequisite] = (),
    hours: dict[str, float] | None = None,
    levels: Mapping[str, str | None] | None = None,
    not_providers: frozenset[str] = frozenset(),
    min_provider_confidence: float = 0.0,
) -> PrerequisiteGraph:
    """All prerequisite edges; raise :class:`PrerequisiteCycle` if the catalogue's own edges cycle.

    A curated rule's provider must teach the required skill on a link of ``min_provider_confidence`` or more
    (without one, the requirement is left to the worker's profile).

    ``levels`` gives each course's level (introductory, intermediate, advanced or None): a derived edge to a
    more advanced course is not used (see the module docstring). ``not_providers`` are never made another
    course's prerequisite by a derived edge (courses whose price or language is not stated: many workers
    could not take them, and the course needing them would be closed to those workers too).
    """
    cycles = find_cycles(catalogue_edges)
    if cycles:
        raise PrerequisiteCycle(cycles)
    derived = _DerivedEdges(
        PrerequisiteGraph(edges=list(dict.fromkeys(catalogue_edges))), levels or {}, not_providers
    )
    derived.add_level_edges(taught, _providers(taught, hours or {}))
    derived.add_curated_edges(
        taught, skill_rules, [t for t in taught if t.confidence >= min_provider_confidence]
    )
    return derived.result


class _DerivedEdges:
    """Derived edges added to the catalogue's own, each only if it closes no cycle and is not harder."""

    def __init__(
        self, result: PrerequisiteGraph, levels: Mapping[str, str | None], not_providers: frozenset[str]
    ) -> None:
        self.result = result
        self.levels = levels
        self.not_providers = not_providers
        self.graph = nx.DiGraph()
        self.graph.add_edges_from((e.course_id, e.prerequisite_id) for e in result.edges)
        self.present = {(e.course_id, e.prerequisite_id) for e in result.edges}

    def harder(self, prerequisite_id: str, course_id: str) -> bool:
        return more_advanced(self.levels.get(prerequisite_id), self.levels.get(course_id))

    def offer(self, edge: Edge) -> None:
        """Add ``edge`` unless it is a loop, already there, or would close a cycle (then it is skipped)."""
        pair = (edge.course_id, edge.prerequisite_id)
        if edge.course_id == edge.prerequisite_id or pair in self.present:
            return
        graph = self.graph
        if (
            edge.prerequisite_id in graph
            and edge.course_id in graph
            and nx.has_path(graph, edge.prerequisite_id, edge.course_id)
        ):
            self.result.skipped.append(edge)
            return
        graph.add_edge(*pair)
        self.present.add(pair)
        self.result.edges.append(edge)

    def add_level_edges(
        self, taught: Sequence[TaughtSkill], providers: Mapping[tuple[str, int], list[str]]
    ) -> None:
        """A course teaching a skill at level n needs a provider of level n-1 (the best one not harder)."""
        for need in level_requirements(taught):
            candidates = [
                c
                for c in providers.get((need.skill_uri, need.level), [])
                if c != need.course_id and c not in self.not_providers
            ]
            reason = f"{need.skill_uri} at level {need.level}"
            usable = [c for c in candidates if not self.harder(c, need.course_id)]
            if usable:
                self.offer(Edge(need.course_id, usable[0], "level", reason))
                continue
            if candidates:
                self.result.too_advanced.append(Edge(need.course_id, candidates[0], "level", reason))
            self.result.unmet.append(need)

    def add_curated_edges(
        self,
        taught: Sequence[TaughtSkill],
        skill_rules: Sequence[SkillPrerequisite],
        providers: Sequence[TaughtSkill],
    ) -> None:
        """A course teaching a skill with a curated rule needs the best provider of the required skill (among
        ``providers``: the links strong enough to take a course for)."""
        teaches: dict[str, set[str]] = defaultdict(set)
        best_for_skill: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
        for item in taught:
            teaches[item.course_id].add(item.skill_uri)
        for item in providers:
            best_for_skill[item.skill_uri].append((item.level, -item.confidence, item.course_id))
        rules: dict[str, list[SkillPrerequisite]] = defaultdict(list)
        for rule in skill_rules:
            rules[rule.skill_uri].append(rule)
        for course_id in sorted(teaches):
            for skill in sorted(teaches[course_id]):
                for rule in sorted(rules.get(skill, []), key=lambda r: r.requires_uri):
                    if rule.requires_uri not in teaches[course_id]:
                        self._offer_curated(course_id, skill, rule, best_for_skill.get(rule.requires_uri, []))

    def _offer_curated(
        self,
        course_id: str,
        skill: str,
        rule: SkillPrerequisite,
        providers: list[tuple[float, float, str]],
    ) -> None:
        options = sorted(c for c in providers if c[2] != course_id and c[2] not in self.not_providers)
        allowed = [option for option in options if not self.harder(option[2], course_id)]
        reason = f"{skill} needs {rule.requires_uri}"
        if allowed:
            self.offer(Edge(course_id, allowed[0][2], "curated", reason, rule.line))
        elif options:
            self.result.too_advanced.append(Edge(course_id, options[0][2], "curated", reason, rule.line))
