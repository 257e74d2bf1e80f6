"""Skill gap between what a worker holds and what a target occupation requires.

Proficiency scale (integers, used for declared skills, course levels and badge levels alike):

===  ============  ======================================================
 0   none          never used it
 1   basic         knows what it is; can do it with close guidance
 2   intermediate  does it on routine tasks with occasional guidance
 3   advanced      does it independently, as a practising professional
 4   expert        does it in hard cases and teaches it to others
===  ============  ======================================================

ESCO gives no levels, so the level a target needs is a modelling choice, made here and overridable
(:class:`RequiredLevels`: per skill, per relation; an organisation sets them per target occupation, see
``api/services/levels.py``). The default follows the relation:

* an *essential* skill is needed at ``REQUIRED_LEVEL["essential"]`` = 3 (advanced: does it independently).
  Evidence: ESCO defines essential skills as those usually required to perform the occupation, so whoever
  holds the job does them without supervision; and it is the level at which holding an occupation credits
  its own essential skills (``OCCUPATION_LEVEL``), so a practitioner of the target needs nothing, as expected.
* an *optional* skill is needed at 2 (intermediate): ESCO's optional skills are used in some jobs of the
  occupation, not all, so routine use with occasional guidance is what a newcomer needs.

What courses can give is far less: of the default catalogue's 14,199 course-skill links used for planning
(calibrated probability 0.2 or more, before curation), 11,444 teach at level 1, 2,177 at level 2 and 578
(4.1 %) at level 3 (the course levels introductory, intermediate and advanced; a course that states no
level teaches at 1: ``python -m evaluation.course_levels``). So plans raise essential skills to 1 or 2, and
say so: the last step is practice on the job (``recommender.planner.alternatives``). An employer that hires
at level 2 and trains on the job sets ``essential=2``, and the courses teaching at 2 then close those skills.

Holding an occupation (current or past) counts as holding its essential skills at 3 and its optional skills
at 2; a declared skill counts at its declared level; the best source wins.

A required skill the worker does not hold at the needed level can still be credited in part:

* directly, held below the needed level: credit ``level / needed``;
* through the hierarchy: a held *narrower* skill credits its broader skill (ESCO's ``broader`` relation,
  transitively) with ``HIERARCHY_CREDIT`` times its own credit;
* through ESCO's related-skill relation: ``RELATED_CREDIT`` times the held skill's credit.

The credit is the best of these, in [0, 1]: ``held`` at 1, ``partial`` above 0, ``missing`` at 0. Each item
weighs ``RELATION_WEIGHT[relation] * specificity`` (the graph's idf over occupations), so a rare technical
essential skill counts more than a common optional one. ``coverage`` is the weighted share credited (in
percent) and ``gap_score`` the weighted amount still missing, ``sum(weight * (1 - credit))``, in units of
"one average-specificity essential skill" (weights are divided by the mean specificity).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from recommender.errors import UpskillError
from recommender.graph import ESSENTIAL, CompetenceGraph
from recommender.kept import KeptFor

Relation = Literal["essential", "optional"]
Status = Literal["held", "partial", "missing"]
Source = Literal["occupation", "declared", "narrower", "related"]

MAX_LEVEL = 4
PROFICIENCY_LEVELS = {0: "none", 1: "basic", 2: "intermediate", 3: "advanced", 4: "expert"}
REQUIRED_LEVEL: dict[str, int] = {"essential": 3, "optional": 2}
OCCUPATION_LEVEL: dict[str, int] = {"essential": 3, "optional": 2}
RELATION_WEIGHT: dict[str, float] = {"essential": 1.0, "optional": 0.5}
HIERARCHY_CREDIT = 0.5
RELATED_CREDIT = 0.25
_STATUS_ORDER = {"missing": 0, "partial": 1, "held": 2}


@dataclass(frozen=True)
class RequiredLevels:
    """The level a target needs of each of its skills: ``skills`` (URI -> level) first, else by relation.

    ``source`` says in words where the levels come from (printed with the gap and the plan).
    """

    essential: int = REQUIRED_LEVEL["essential"]
    optional: int = REQUIRED_LEVEL["optional"]
    skills: Mapping[str, int] = field(default_factory=dict)
    source: str = "default: essential skills at 3 (advanced), optional at 2 (intermediate)"

    def __post_init__(self) -> None:
        for name, level in (("essential", self.essential), ("optional", self.optional), *self.skills.items()):
            if not isinstance(level, int | np.integer) or not 1 <= int(level) <= MAX_LEVEL:
                raise UpskillError(
                    f"required level of {name!r} must be an integer from 1 (basic) to {MAX_LEVEL} (expert), "
                    f"got {level!r}"
                )

    def level(self, uri: str, relation: str) -> int:
        if uri in self.skills:
            return int(self.skills[uri])
        return self.essential if relation == "essential" else self.optional


DEFAULT_LEVELS = RequiredLevels()


@dataclass(frozen=True)
class Profile:
    """What a worker brings: occupations held (current first, then past) and declared skills 0..4."""

    occupations: tuple[str, ...] = ()
    skills: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Holding:
    """A skill the worker holds directly, at ``level``, and where that comes from."""

    level: int
    source: Literal["occupation", "declared"]
    via: str  # the occupation URI, or the skill URI itself when declared


@dataclass(frozen=True)
class GapItem:
    """One required skill of the target, its status for the worker and why."""

    uri: str
    label: str
    relation: Relation
    required_level: int
    status: Status
    credit: float  # 0..1
    weight: float
    source: Source | None  # what the credit comes from; None when missing
    via: str | None  # the occupation or skill URI the credit comes through
    reason: str  # why it counts as held / partial / missing
    required_because: str  # why the target needs it


@dataclass(frozen=True)
class SkillGap:
    """The gap to ``target_uri``: every required skill (essential first), coverage and gap score."""

    target_uri: str
    target_label: str
    items: tuple[GapItem, ...]
    coverage: float  # percent of the weighted requirements credited, 0..100
    gap_score: float  # weighted amount still missing (0 = nothing to learn)

    @property
    def missing(self) -> list[GapItem]:
        return [item for item in self.items if item.status == "missing"]

    @property
    def partial(self) -> list[GapItem]:
        return [item for item in self.items if item.status == "partial"]

    @property
    def held(self) -> list[GapItem]:
        return [item for item in self.items if item.status == "held"]

    @property
    def gaps(self) -> list[GapItem]:
        """Items still to learn: missing or partial."""
        return [item for item in self.items if item.status != "held"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "target_uri": self.target_uri,
            "target_label": self.target_label,
            "coverage": self.coverage,
            "gap_score": self.gap_score,
            "counts": {
                s: sum(1 for i in self.items if i.status == s) for s in ("held", "partial", "missing")
            },
            "items": [asdict(item) for item in self.items],
        }


def holdings(graph: CompetenceGraph, profile: Profile) -> dict[int, Holding]:
    """Skill index -> best direct holding from the profile's occupations and declared skills.

    Raises
    ------
    UnknownOccupation, UnknownSkill
        For an id that is not in the graph (with the closest label matches).
    UpskillError
        For a declared level outside 0..4.
    """
    held: dict[int, Holding] = {}
    for ref in profile.occupations:
        occupation = graph.resolve_occupation(ref)
        idx, rel = graph.requirements_of(occupation)
        for s, r in zip(idx.tolist(), rel.tolist(), strict=True):
            level = OCCUPATION_LEVEL["essential" if r == ESSENTIAL else "optional"]
            if s not in held or level > held[s].level:
                held[s] = Holding(level, "occupation", occupation)
    for ref, level in profile.skills.items():
        if not isinstance(level, int | np.integer) or not 0 <= int(level) <= MAX_LEVEL:
            raise UpskillError(
                f"skill {ref!r}: proficiency {level!r} is not an integer from 0 (none) to 4 (expert)"
            )
        uri = graph.resolve_skill(ref)
        s = graph.skill_index[uri]
        if int(level) > 0 and (s not in held or int(level) > held[s].level):
            held[s] = Holding(int(level), "declared", uri)
    return held


class _GraphLists:
    """What the gap reads of one graph, as Python values: each skill's broader skills (transitively) and
    related skills as lists, read from the graph's sparse matrices when first asked for and kept (a worker
    holds ~40-60 skills, each read twice a plan request: ~0.1 ms of numpy indexing and ``tolist``), and the
    mean specificity."""

    def __init__(self, graph: CompetenceGraph):
        self.graph = graph
        self.mean_specificity = float(graph.specificity.mean()) if graph.specificity.size else 1.0
        self._known: dict[int, tuple[list[int], list[int]]] = {}

    def around(self, skill: int) -> tuple[list[int], list[int]]:
        """The broader and the related skills of ``skill`` (as ``skill_ancestors`` and ``skill_related``)."""
        found = self._known.get(skill)
        if found is None:
            related, _ = self.graph.skill_related(skill)
            found = self._known[skill] = (self.graph.skill_ancestors(skill).tolist(), related.tolist())
        return found


#: The last graph's lists (a reload replaces them).
_graph_lists: KeptFor[CompetenceGraph, _GraphLists] = KeptFor(_GraphLists, 1)


def _indirect(graph: CompetenceGraph, held: Mapping[int, Holding]) -> dict[int, tuple[float, Source, int]]:
    """Skill index -> (best indirect strength = level x factor, how, through which held skill)."""
    best: dict[int, tuple[float, Source, int]] = {}
    lists = _graph_lists(graph)
    for s, holding in held.items():
        ancestors, related = lists.around(s)
        for broader in ancestors:
            strength = HIERARCHY_CREDIT * holding.level
            if broader not in best or strength > best[broader][0]:
                best[broader] = (strength, "narrower", s)
        for other in related:
            strength = RELATED_CREDIT * holding.level
            if other not in best or strength > best[other][0]:
                best[other] = (strength, "related", s)
    return best


def skill_gap(
    graph: CompetenceGraph,
    target: str,
    *,
    occupations: Sequence[str] = (),
    skills: Mapping[str, int] | None = None,
    required: RequiredLevels = DEFAULT_LEVELS,
) -> SkillGap:
    """Compare a worker (occupations held and/or declared skills 0..4) with a target occupation.

    Parameters
    ----------
    graph : CompetenceGraph
    target : str
        The target occupation: URI or exact label.
    occupations : sequence of str
        Current and past occupations (URIs or exact labels); each credits its essential skills at level 3
        and optional ones at 2.
    skills : mapping of str to int, optional
        Declared skills (URI or exact label) -> proficiency 0..4.
    required : RequiredLevels
        The level the target needs of each skill (default: essential 3, optional 2).

    Returns
    -------
    SkillGap
        Items essential first, then missing, partial, held, then by weight (most specific first).

    Raises
    ------
    UnknownOccupation, UnknownSkill, UpskillError
        See :func:`holdings`.
    """
    target_uri = graph.resolve_occupation(target)
    held = holdings(graph, Profile(tuple(occupations), dict(skills or {})))
    return gap_from_holdings(graph, target_uri, held, required)


def gap_from_holdings(
    graph: CompetenceGraph,
    target_uri: str,
    held: Mapping[int, Holding],
    required: RequiredLevels = DEFAULT_LEVELS,
) -> SkillGap:
    """:func:`skill_gap` for already resolved holdings (what the planner calls in a loop)."""
    indirect = _indirect(graph, held)
    target_label = graph.label(target_uri)
    idx, rel = graph.requirements_of(target_uri)
    mean_specificity = _graph_lists(graph).mean_specificity
    items: list[GapItem] = []
    for s, r in zip(idx.tolist(), rel.tolist(), strict=True):
        relation: Relation = "essential" if r == ESSENTIAL else "optional"
        needed = required.level(graph.skill_uris[s], relation)
        weight = RELATION_WEIGHT[relation] * float(graph.specificity[s]) / mean_specificity
        credit, reason = 0.0, "not held"
        source: Source | None = None
        via: str | None = None
        direct = held.get(s)
        if direct is not None:
            credit = min(1.0, direct.level / needed)
            source, via = direct.source, direct.via
            if direct.source == "occupation":
                reason = f"a skill of {graph.label(direct.via)!r} (level {direct.level})"
            else:
                reason = f"declared at level {direct.level} ({PROFICIENCY_LEVELS[direct.level]})"
            if credit < 1.0:
                reason += f", below the level {needed} needed"
        other = indirect.get(s)
        if other is not None and min(1.0, other[0] / needed) > credit:
            strength, how, through = other
            credit = min(1.0, strength / needed)
            source, via = how, graph.skill_uris[through]
            factor = HIERARCHY_CREDIT if how == "narrower" else RELATED_CREDIT
            kind = "narrower skill" if how == "narrower" else "related skill"
            reason = f"credited {factor:.0%} through the {kind} {graph.skill_labels[through]!r} (held)"
        status: Status = "held" if credit >= 1.0 else ("partial" if credit > 0.0 else "missing")
        items.append(
            GapItem(
                uri=graph.skill_uris[s],
                label=graph.skill_labels[s],
                relation=relation,
                required_level=needed,
                status=status,
                credit=credit,
                weight=weight,
                source=source,
                via=via,
                reason=reason,
                required_because=f"{relation} skill of {target_label!r} (level {needed} needed)",
            )
        )
    items.sort(key=lambda i: (i.relation != "essential", _STATUS_ORDER[i.status], -i.weight, i.label, i.uri))
    total = sum(i.weight for i in items)
    credited = sum(i.weight * i.credit for i in items)
    coverage = 100.0 * credited / total if total > 0 else 100.0
    return SkillGap(
        target_uri=target_uri,
        target_label=target_label,
        items=tuple(items),
        coverage=round(coverage, 4),
        gap_score=round(total - credited, 4),
    )


def strengths(graph: CompetenceGraph, held: Mapping[int, Holding]) -> NDArray[np.float64]:
    """The level every skill is held at, directly or through its broader and related skills (the gap rules).

    Returns
    -------
    ndarray, shape (n_skills,), dtype float64
        Values in [0, 4]; the credit against a needed level ``L`` is ``min(1, strength / L)``.
    """
    strength = np.zeros(len(graph.skill_uris), dtype=np.float64)
    for s, holding in held.items():
        strength[s] = max(strength[s], holding.level)
    for s, (value, _, _) in _indirect(graph, held).items():
        strength[s] = max(strength[s], value)
    return strength


def credit_vectors(
    graph: CompetenceGraph, held: Mapping[int, Holding]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Credit of every skill against the essential and the optional needed level (the gap rules, vectorised).

    Returns
    -------
    essential_credit, optional_credit : ndarray, shape (n_skills,), dtype float64
        Values in [0, 1]; ``gap_from_holdings`` gives the same credit for each required skill.
    """
    strength = strengths(graph, held)
    essential = np.minimum(1.0, strength / REQUIRED_LEVEL["essential"])
    optional = np.minimum(1.0, strength / REQUIRED_LEVEL["optional"])
    return essential, optional
