"""From workforce, demand and programmes to the pathways the portfolio chooses among.

For every origin occupation with workers and every target occupation with demand (origin and target
different), the *essential gap* is what :func:`recommender.gap.gap_from_holdings` finds: the target's
essential skills that holding the origin occupation does not credit in full (needed at level 3, or at the
level an organisation's table sets for the target: ``api.services.levels``). A programme *closes* a gap
skill when it teaches it at the needed level or above (completing it brings the skill to that level; at the
default level 3, credit through broader or related skills never reaches it, so only direct teaching closes
an essential skill). A worker is *ready* for the target when the programmes on their pathway close every
essential gap skill.

A *pathway* is a minimal set of at most ``max_programmes`` eligible programmes that closes the whole gap
(minimal: dropping any programme leaves a skill open). An optimal portfolio only ever uses minimal pathways
(a superset costs more and takes more seats), so when every minimal pathway is a column the portfolio MILP is
exact for the pathway limits; when a pair has more than ``max_pathways`` of them, the cheapest are kept and
the certificate says the enumeration was cut.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from recommender.gap import DEFAULT_LEVELS, RELATION_WEIGHT, Profile, RequiredLevels, holdings, strengths
from recommender.graph import ESSENTIAL, CompetenceGraph
from recommender.region.model import GapSkill, Occupation, Pair, Pathway, Problem, Programme, Settings

#: Minimal covers enumerated per pair before the enumeration stops (the cheapest ``max_pathways`` are kept).
ENUMERATION_LIMIT = 20_000
#: Search nodes per pair before the enumeration stops (a few hundred milliseconds); the certificate says so.
NODE_LIMIT = 50_000


def eligible_programmes(
    programmes: Sequence[Programme], settings: Settings
) -> tuple[list[Programme], dict[str, str]]:
    """The programmes the region can fund for its workers, and why each other one is left out."""
    kept: list[Programme] = []
    excluded: dict[str, str] = {}
    languages = {language.lower() for language in settings.languages}
    for programme in programmes:
        if programme.currency != settings.currency:
            excluded[programme.id] = (
                f"priced in {programme.currency}, the plan is in {settings.currency}; give an exchange rate"
            )
        elif not programme.serves(settings.region):
            excluded[programme.id] = f"runs in {', '.join(programme.regions)}, not in {settings.region}"
        elif languages and programme.language.lower() not in languages:
            excluded[programme.id] = f"taught in {programme.language!r}, not an accepted language"
        elif programme.seats == 0:
            excluded[programme.id] = "no seats available"
        elif settings.max_hours is not None and programme.hours > settings.max_hours:
            excluded[programme.id] = (
                f"{programme.hours:g} h, more than the {settings.max_hours:g} h per worker"
            )
        else:
            kept.append(programme)
    return kept, excluded


def essential_gap(
    graph: CompetenceGraph,
    target_uri: str,
    strength: NDArray[np.float64],
    required: RequiredLevels = DEFAULT_LEVELS,
) -> tuple[GapSkill, ...]:
    """The target's essential skills not credited in full at the level ``required`` of each, heaviest first.

    ``strength`` is :func:`recommender.gap.strengths` of the origin's holdings, computed once per origin; the
    credit of a skill needed at level ``L`` is ``min(1, strength / L)``, as
    :func:`recommender.gap.gap_from_holdings` gives it.
    """
    idx, rel = graph.requirements_of(target_uri)
    scale = RELATION_WEIGHT["essential"] / (
        float(graph.specificity.mean()) if graph.specificity.size else 1.0
    )
    skills = []
    for s, r in zip(idx.tolist(), rel.tolist(), strict=True):
        if r != ESSENTIAL:
            continue
        uri = graph.skill_uris[s]
        needed = required.level(uri, "essential")
        credit = min(1.0, float(strength[s]) / needed)
        if credit < 1.0:
            skills.append(
                GapSkill(
                    uri=uri,
                    label=graph.skill_labels[s],
                    needed_level=needed,
                    credit=credit,
                    weight=scale * float(graph.specificity[s]),
                )
            )
    skills.sort(key=lambda skill: (-skill.weight, skill.label, skill.uri))
    return tuple(skills)


def minimal_covers(
    closers: Sequence[Sequence[int]],
    *,
    max_size: int,
    limit: int = ENUMERATION_LIMIT,
    max_nodes: int = NODE_LIMIT,
) -> tuple[list[tuple[int, ...]], bool]:
    """Every minimal set of at most ``max_size`` programmes closing every element, each once.

    Parameters
    ----------
    closers : sequence of sequences of int
        ``closers[e]``: the programmes that close element ``e``; each must be non-empty.
    max_size : int
        Most programmes in one cover.
    limit : int
        Stop after this many covers.
    max_nodes : int
        Stop after visiting this many nodes of the search.

    Returns
    -------
    covers : list of tuple of int
        Sorted programme indices per cover; no cover contains another.
    complete : bool
        False when ``limit`` or ``max_nodes`` stopped the enumeration.

    Notes
    -----
    Branch on the open element with the fewest candidate closers; in the branch that takes its ``i``-th
    closer, the closers before it are excluded, so each cover is found once (in the branch of its first
    closer of that element). A branch stops as soon as a chosen programme closes nothing alone (it can only
    stay redundant) or the remaining programmes cannot close the open elements (the widest candidates
    together close too few).
    """
    search = _CoverSearch(closers, max_size=max_size, limit=limit, max_nodes=max_nodes)
    if len(closers) > 0 and all(closers):
        search.visit(frozenset())
    return search.found, search.complete


class _CoverSearch:
    """The depth-first search of :func:`minimal_covers`: the chosen programmes, how many of them close each
    element, the covers found, and whether a limit stopped it."""

    def __init__(
        self, closers: Sequence[Sequence[int]], *, max_size: int, limit: int, max_nodes: int
    ) -> None:
        self.closers = closers
        self.max_size, self.limit, self.max_nodes = max_size, limit, max_nodes
        self.closes: dict[int, list[int]] = {}  # programme -> the elements it closes
        for e, programmes in enumerate(closers):
            for p in programmes:
                self.closes.setdefault(p, []).append(e)
        self.widest = max((len(v) for v in self.closes.values()), default=0)
        self.count = [0] * len(closers)
        self.chosen: list[int] = []
        self.found: list[tuple[int, ...]] = []
        self.complete = True
        self.nodes = 0

    def redundant(self, p: int) -> bool:
        return all(self.count[e] > 1 for e in self.closes[p])

    def visit(self, excluded: frozenset[int]) -> None:
        self.nodes += 1
        if len(self.found) >= self.limit or self.nodes > self.max_nodes:
            self.complete = False
            return
        open_ = [e for e in range(len(self.closers)) if self.count[e] == 0]
        if not open_:
            self.found.append(tuple(sorted(self.chosen)))
            return
        options_of = self.options_if_closable(open_, excluded)
        if options_of is None:
            return
        e = min(open_, key=lambda x: (len(options_of[x]), x))
        options = options_of[e]
        for i, p in enumerate(options):
            self.choose(p, +1)
            if not any(self.redundant(q) for q in self.chosen):
                self.visit(excluded | frozenset(options[:i]))
            self.choose(p, -1)
            if not self.complete:
                return

    def options_if_closable(self, open_: list[int], excluded: frozenset[int]) -> dict[int, list[int]] | None:
        """Each open element's candidate closers, or None when the room left cannot close them all."""
        room = self.max_size - len(self.chosen)
        if room == 0 or len(open_) > room * self.widest:
            return None
        options_of = {e: [p for p in self.closers[e] if p not in excluded] for e in open_}
        reach: dict[int, int] = {}  # candidate -> open elements it closes
        for e in open_:
            for p in options_of[e]:
                reach[p] = reach.get(p, 0) + 1
        if sum(sorted(reach.values(), reverse=True)[:room]) < len(open_):
            return None  # even the ``room`` widest candidates cannot close what is open
        return options_of

    def choose(self, p: int, step: int) -> None:
        """Take programme ``p`` (``step`` +1) or put it back (-1)."""
        if step > 0:
            self.chosen.append(p)
        else:
            self.chosen.pop()
        for x in self.closes[p]:
            self.count[x] += step


def build_problem(
    graph: CompetenceGraph,
    workforce: Sequence[Occupation],
    demand: Sequence[Occupation],
    programmes: Sequence[Programme],
    settings: Settings,
    required: Mapping[str, RequiredLevels] | None = None,
) -> Problem:
    """Gaps, pathways and their costs for every (origin, target) pair with workers and demand.

    ``workforce`` and ``demand`` hold resolved ESCO occupation URIs (``CompetenceGraph.resolve_occupation``);
    ``required`` the levels each target occupation needs (by URI; a target not in it: the default levels).
    """
    required = required or {}
    eligible, excluded = eligible_programmes(programmes, settings)
    teachers: dict[str, list[tuple[int, int]]] = {}  # skill -> (programme index, level taught)
    for i, programme in enumerate(eligible):
        for uri, level in programme.skills.items():
            teachers.setdefault(uri, []).append((i, level))
    origins = tuple(workforce)
    targets = tuple(demand)
    pairs: list[Pair] = []
    pathways: list[Pathway] = []
    labels: dict[str, str] = {}
    for o, origin in enumerate(origins):
        if origin.count == 0:
            continue
        strength = strengths(graph, holdings(graph, Profile((origin.uri,))))
        for t, target in enumerate(targets):
            if target.count == 0 or target.uri == origin.uri:
                continue
            gap = essential_gap(graph, target.uri, strength, required.get(target.uri, DEFAULT_LEVELS))
            labels.update((skill.uri, skill.label) for skill in gap)
            closers = [
                [i for i, level in teachers.get(skill.uri, ()) if level >= skill.needed_level]
                for skill in gap
            ]
            total = sum(skill.weight for skill in gap)
            closable = sum(skill.weight for skill, c in zip(gap, closers, strict=True) if c)
            unteachable = tuple(skill.uri for skill, c in zip(gap, closers, strict=True) if not c)
            complete = True
            needed = None
            if gap and not unteachable:
                covers, complete = minimal_covers(closers, max_size=settings.max_programmes)
                found = [_pathway(len(pairs), cover, eligible) for cover in covers]
                found = [p for p in found if settings.max_hours is None or p.hours <= settings.max_hours]
                found.sort(key=lambda p: (p.cost, p.hours, p.programmes))
                if len(found) > settings.max_pathways:
                    found, complete = found[: settings.max_pathways], False
                pathways.extend(found)
                if not found:
                    needed = _greedy_cover_size(closers)
            pairs.append(
                Pair(
                    origin=o,
                    target=t,
                    gap=gap,
                    unteachable=unteachable,
                    closable_share=closable / total if total > 0 else 1.0,
                    pathways_complete=complete,
                    programmes_to_close=needed,
                )
            )
    return Problem(
        origins=origins,
        targets=targets,
        programmes=tuple(eligible),
        pairs=tuple(pairs),
        pathways=tuple(pathways),
        settings=settings,
        excluded_programmes=excluded,
        skill_labels=labels,
    )


def _greedy_cover_size(closers: Sequence[Sequence[int]]) -> int:
    """Programmes in a greedy cover (each time the one closing most open elements): a way to close it all."""
    open_ = set(range(len(closers)))
    closes: dict[int, set[int]] = {}
    for e, programmes in enumerate(closers):
        for p in programmes:
            closes.setdefault(p, set()).add(e)
    size = 0
    while open_:
        best = max(sorted(closes), key=lambda p: len(closes[p] & open_))
        open_ -= closes[best]
        size += 1
    return size


def _pathway(pair: int, cover: tuple[int, ...], programmes: Sequence[Programme]) -> Pathway:
    chosen = [programmes[i] for i in cover]
    return Pathway(
        pair=pair,
        programmes=cover,
        cost=sum(p.cost_per_seat for p in chosen),
        hours=sum(p.hours for p in chosen),
        weeks=sum(p.weeks for p in chosen),
    )
