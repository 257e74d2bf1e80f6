"""The planner's entry point: gap + catalogue + constraints -> ordered, scheduled, explained learning paths.

:func:`plan_paths` filters the catalogue by the constraints, selects courses (the exact MILP within a time
limit by default, the lazy greedy beyond it: :mod:`recommender.planner.cover`), certifies the selection,
orders it by prerequisites, schedules it in weeks, follows the badges along it, and explains every step. It
returns up to three plans that differ: the worker's objective first (``fastest`` for hours, ``cheapest`` for
cost), then the other one and ``best-ranked``. The three share the candidate set and the optimal coverage;
only the objective cost, and so the cost stage of the selection, differs. The solver works on the problem
without the courses another beats under all three objective costs and with its skills in classes
(:mod:`recommender.planner.reduced`): the same optimum, found sooner; the first plan (which also finds the
coverage) without those its own cost alone beats, as are the later plans that may then need no solve.

Progress is credited by level steps (see :mod:`recommender.planner.build`): a course that brings a gap skill
part of the way counts for the steps it covers. A skill is in ``covered_skills`` when the plan reaches its
needed level; otherwise it is in ``uncovered_skills`` with the level the plan reaches and why it stops there.
Each step lists the skills it advances (``skills_covered``) and the level each reaches (``levels``).

Per-course objective costs (each plus a tiny tie-breaker on the other quantity, so ties go to the course
that is also quicker or cheaper):

* ``cheapest``: price in the plan currency (+ 0.001 per hour);
* ``fastest``: hours (+ 0.0001 per unit of money);
* ``best-ranked``: ``1.05 - score`` with the score min-max normalised to [0, 1] over the available courses
  (+ 0.0001 per hour), so a better-ranked course is cheaper to pick and every course still costs something.
  Scores come from the caller (the hybrid model); without them :func:`content_scores` is used.
"""

from __future__ import annotations

import functools
import itertools
from collections import Counter
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace

import networkx as nx

from recommender.errors import InvalidPlanInput
from recommender.planner.alternatives import alternative, level_name, outcomes
from recommender.planner.badges import BadgeOutcome, badge_progress, first_badge_courses, with_a_badge
from recommender.planner.build import Built, build_problem, held_levels, recost
from recommender.planner.catalogue import AvailableCourses, PlanCatalogue
from recommender.planner.cover import (
    AUTO_LIMIT,
    CERTIFY_EXACT_LIMIT,
    EXACT_LIMIT,
    Coverage,
    CoverProblem,
    Selection,
    Solution,
    Solver,
    Value,
    solve,
    value,
)
from recommender.planner.deadline import kept_by_deadline
from recommender.planner.filters import Available
from recommender.planner.model import (
    HOURS_PER_WEEK_RANGE,
    BadgeOption,
    Certificate,
    Constraints,
    CourseOption,
    DeadlineCheck,
    Exclusion,
    GapItem,
    Plan,
    PlanResult,
    Step,
    UncoveredSkill,
)
from recommender.planner.order import topological_order, with_requirements
from recommender.planner.reduced import Reduction, reduction
from recommender.planner.relevance import target_weights
from recommender.planner.schedule import (
    Slot,
    hours_per_week_needed,
    hours_until,
    schedule,
    week_end,
    week_of,
    week_start,
    weeks_until,
)
from recommender.planner.scores import ScoreVector
from recommender.planner.selection import edges_within
from recommender.planner.subject import SubjectFit

BEST = "best for you"
KINDS = {"cost": ("cheapest", "fastest", BEST), "hours": ("fastest", "cheapest", BEST)}
#: A missed deadline's advice names the optional skills dropping leaves lower only up to this many.
NAMED_OPTIONAL = 5


def content_scores(gap: Sequence[GapItem], courses: Sequence[CourseOption]) -> dict[str, float]:
    """The documented stand-in ranking: the share of the gap a course closes on its own.

    Score = sum over the gap skills of weight x the share of the level steps from held to needed level the
    course covers (essential weights counted twice) / the sum of the weights over the whole gap; in [0, 1].
    """
    weights = {item.skill_uri: item.weight * (2.0 if item.essential else 1.0) for item in gap}
    span = {item.skill_uri: (item.held_level, item.needed_level) for item in gap}
    total = sum(weights.values()) or 1.0

    def share(uri: str, level: int) -> float:
        held, needed = span[uri]
        return 1.0 if needed <= held else max(0, min(level, needed) - held) / (needed - held)

    return {
        c.id: 0.0
        if c.skills.keys().isdisjoint(span.keys())  # most of a catalogue: one set operation each
        else sum(weights[uri] * share(uri, level) for uri, level in c.skills.items() if uri in span) / total
        for c in courses
    }


def _cost_function(kind: str, scores: Mapping[str, float]) -> Callable[[Available], float]:
    if kind == "cheapest":
        return lambda a: a.price + 1e-3 * a.course.hours
    if kind == "fastest":
        return lambda a: a.course.hours + 1e-4 * a.price
    return lambda a: 1.05 - scores.get(a.course.id, 0.0) + 1e-4 * a.course.hours


def _normalised(scores: Mapping[str, float], ids: Sequence[str]) -> dict[str, float]:
    values = [float(scores[i]) for i in ids if i in scores]
    if not values:
        return dict.fromkeys(ids, 0.0)
    lo, hi = min(values), max(values)
    return {i: (float(scores.get(i, lo)) - lo) / (hi - lo) if hi > lo else 1.0 for i in ids}


class _Normalised(Mapping[str, float]):
    """Scores min-max normalised over ``ids`` (what :func:`_normalised` gives, each computed when read):
    ``scores.get(i, default)`` for an id of ``ids``; ``default`` None: the lowest score."""

    def __init__(
        self, scores: Mapping[str, float], ids: Mapping[str, object], lo: float, hi: float, default: float
    ):
        self._scores, self._ids, self._lo, self._hi, self._default = scores, ids, lo, hi, default

    def __getitem__(self, i: str) -> float:
        if i not in self._ids:
            raise KeyError(i)
        lo, hi = self._lo, self._hi
        return (float(self._scores.get(i, self._default)) - lo) / (hi - lo) if hi > lo else 1.0

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


def _normalised_scores(
    gap: Sequence[GapItem],
    scores: Mapping[str, float] | None,
    available: Mapping[str, Available],
    sorted_ids: Sequence[str],
    naming: Sequence[str],
) -> Mapping[str, float]:
    """``_normalised(scores or content_scores(gap, available courses), sorted(available))``, looking only at
    the courses naming a gap skill when the content scores stand in (every other course scores 0)."""
    if scores is not None:
        if isinstance(scores, ScoreVector):  # a model's: one array operation over the available courses
            extent = scores.extent(tuple(sorted_ids))
        else:
            values = [float(scores[i]) for i in sorted_ids if i in scores]
            extent = (min(values), max(values)) if values else None
        if extent is None:
            return dict.fromkeys(sorted_ids, 0.0)
        lo, hi = extent
        return _Normalised(scores, available, lo, hi, lo)
    content = content_scores(gap, [available[c].course for c in naming if c in available])
    values = list(content.values())
    if len(content) < len(available):
        values.append(0.0)
    if not values:
        return {}
    return _Normalised(content, available, min(values), max(values), 0.0)


def plan_paths(  # noqa: C901, PLR0913 - the planner's entry point, being rewritten (issue 11, planner part)
    gap: Sequence[GapItem],
    courses: Sequence[CourseOption] | PlanCatalogue,
    constraints: Constraints,
    *,
    badges: Sequence[BadgeOption] = (),
    scores: Mapping[str, float] | None = None,
    solver: Solver = "auto",
    certify_plans: bool = True,
    alternatives: bool = True,
    what_to_drop: bool = True,
    exact_limit: int = EXACT_LIMIT,
    certify_exact_limit: int = CERTIFY_EXACT_LIMIT,
    subject: SubjectFit | None = None,
) -> PlanResult:
    """Plan learning paths that close ``gap`` with ``courses`` within ``constraints``.

    Parameters
    ----------
    gap : sequence of GapItem
        The target's skills with needed and held levels (from the skill gap).
    courses : sequence of CourseOption, or PlanCatalogue
        The catalogue (all of it: the constraints are applied here, with reasons); a
        :class:`~recommender.planner.catalogue.PlanCatalogue` built once for many plans spares each plan
        the passes over the whole catalogue (a list is made into one here).
    constraints : Constraints
        Budget, hours, dates, languages, exclusions, completed courses, objective.
    badges : sequence of BadgeOption, optional
        Microbadges to follow along the plan.
    scores : mapping of str to float, optional
        Per-course ranking scores (any scale) for the ``best-ranked`` plan; :func:`content_scores` if None.
    solver : {"auto", "greedy", "exact"}
        ``auto`` (default): the exact MILP up to ``cover.AUTO_LIMIT`` relevant candidates within a time
        limit, else the lazy greedy; ``greedy``; or ``exact`` (the MILP only, at most ``exact_limit``).
    certify_plans : bool
        Compare each greedy selection with the MILP optimum, or with the LP bound above
        ``certify_exact_limit`` relevant candidates (a MILP selection comes with its certificate).
    alternatives : bool
        Add the cheapest / fastest / best-ranked plans that differ from the first.
    what_to_drop : bool
        For a plan that misses the deadline, find the courses to drop so that the rest ends in time
        (:func:`~recommender.planner.deadline.kept_by_deadline`; a cohort, which asks only whether a plan is
        on time, spares that search).
    subject : SubjectFit, optional
        The cosine of each course's subject with the target occupation's
        (:meth:`~recommender.planner.subject.SubjectVectors.fit`): a course far from it is not planned on
        for the target (:mod:`~recommender.planner.subject`); None: courses are not judged by subject.

    Returns
    -------
    PlanResult
        The plans, the worker's objective first, and the courses ruled out that teach a gap skill.

    Raises
    ------
    PrerequisiteCycle
        When catalogue prerequisites form a cycle (naming its members).
    InvalidPlanInput
        For duplicate course ids, an unknown solver, or an exact solve above ``exact_limit``.
    """
    if solver not in ("auto", "greedy", "exact"):
        raise InvalidPlanInput(f"must be auto, greedy or exact, got {solver!r}", field="solver")
    catalogue = courses if isinstance(courses, PlanCatalogue) else PlanCatalogue(courses)
    catalogue.check()
    view = catalogue.view(
        target_weights((item.skill_uri, item.essential) for item in gap), constraints, subject
    )
    relevance, filtered, by_id, available = view.relevance, view.filtered, view.courses, view.available
    # the courses that name a skill still to learn, but on too little evidence (reported, never planned on)
    to_learn = {item.skill_uri for item in gap if item.held_level < item.needed_level}
    weakly: dict[str, list[str]] = {}
    for cid in relevance.weak:  # catalogue order
        for uri in sorted(to_learn & catalogue.by_id[cid].skills.keys()):
            weakly.setdefault(uri, []).append(cid)
    named = {cid for ids in weakly.values() for cid in ids}
    weak = {cid: why for cid, why in relevance.weak.items() if cid in named}
    excluded = filtered.excluded
    held = held_levels(gap, [by_id[c] for c in sorted(constraints.completed) if c in by_id])
    kinds = KINDS[constraints.objective] if alternatives else KINDS[constraints.objective][:1]
    norm: Mapping[str, float] = {}
    if BEST in kinds:
        norm = _normalised_scores(gap, scores, available, filtered.sorted_ids, view.naming)
    available_courses = AvailableCourses(available, filtered.sorted_ids)
    # every catalogue course teaching each gap skill, at what level (for the reasons of uncovered skills)
    teachers = view.teachers
    for_deadline = None
    if what_to_drop and constraints.deadline is not None and constraints.start is not None:

        def planned_for_deadline() -> Plan | None:
            """The first plan of the same request with the hours the deadline's weeks allow as a limit (and
            no deadline advice of its own), when it has a course and ends in time; asked for only when a plan
            misses the deadline, and then once."""
            assert constraints.deadline is not None and constraints.start is not None
            allowed = hours_until(constraints.start, constraints.deadline, constraints.hours_per_week)
            limit = allowed if constraints.max_hours is None else min(allowed, constraints.max_hours)
            if limit <= 0:
                return None
            found = plan_paths(
                gap,
                catalogue,
                replace(constraints, max_hours=limit),
                badges=badges,
                scores=scores,
                solver=solver,
                certify_plans=False,
                alternatives=False,
                what_to_drop=False,
                exact_limit=exact_limit,
                certify_exact_limit=certify_exact_limit,
                subject=subject,
            ).plans
            if not found or not found[0].steps or found[0].deadline is None or not found[0].deadline.met:
                return None
            return found[0]

        for_deadline = functools.cache(planned_for_deadline)
    plans: list[Plan] = []
    reached_value: list[tuple[float, float]] = []
    seen: set[frozenset[str]] = set()
    badges_known: dict[frozenset[str], BadgeOutcome] = {}  # the kinds' selections often coincide
    first = build_problem(
        gap,
        available,
        excluded=excluded,
        held=held,
        completed=constraints.completed,
        cost_of=_cost_function(kinds[0], norm),
        budget=constraints.budget,
        max_hours=constraints.max_hours,
        include_optional=constraints.include_optional,
        teachers=view.available_teachers,
    )
    if solver == "exact" and first.problem.n > exact_limit:
        raise InvalidPlanInput(
            f"the exact solver takes at most {exact_limit} candidate courses, this gap has "
            f"{first.problem.n}; use the greedy solver",
            field="solver",
        )
    # the kinds differ only in the objective cost
    problems = [first] + [recost(first, available, _cost_function(kind, norm)) for kind in kinds[1:]]
    open_skills = _OpenSkills(
        first, teachers, excluded, constraints, weakly, relevance.far, badges, catalogue.by_id
    )
    reduced = _reduced([b.problem for b in problems], solver)
    coverage: Coverage | None = None
    coverage_gap: Certificate | None = None
    reaching: tuple[int, ...] = ()  # the selection reaching the coverage, on the problem's own indices
    only: Solution | None = None  # the first kind's, when no other selection reaches its coverage
    for k, (kind, built) in enumerate(zip(kinds, problems, strict=True)):
        problem = built.problem
        solving, reducing = problem, reduced
        if reduced is not None and (k == 0 or only is not None):
            # the first plan, and a later one that may have only the first's courses (not solved then)
            solving, inner = _own_reduced(reduced, problems, k, reaching)
            reducing = reduced.then(inner)
        elif reduced is not None:
            solving = reduced.problem(problem)
        start = reaching if reducing is None else reducing.indices(reaching)
        if only is not None and len(start) == solving.n:
            solution = _the_only_one(solving, start, only)
        else:
            solution = solve(
                solving,
                solver=solver,
                certify_greedy=certify_plans,
                exact_limit=exact_limit,
                certify_exact_limit=certify_exact_limit,
                coverage=coverage,
                start=start,
                coverage_gap=coverage_gap,
                more_plans=k == 0 and len(kinds) > 1,
            )
        if reducing is not None:
            solution = replace(solution, selection=reducing.selection(problem, solution.selection))
        # the coverage of the first (its optimum, or what the time allowed, with its certificate) holds for
        # all the kinds, and its selection reaches it, for HiGHS to start
        if coverage is None and solution.coverage is not None:
            coverage, reaching = solution.coverage, solution.selection.chosen
            coverage_gap = solution.coverage_gap
            only = solution if _only_choice(solving, solution) else None
        selection, for_badge = solution.selection, {}
        badge_step = with_a_badge(
            problem,
            selection,
            badges,
            courses=by_id,
            completed=constraints.completed,
            held_badges=constraints.held_badges,
            held_levels=built.held,
            gap_skills=frozenset(item.skill_uri for item in gap),
            available=available_courses,
            teaching=catalogue.teaching,
            known=badges_known,
        )
        if badge_step is not None:
            selection, near = badge_step
            for_badge = {near.course_id: near.name}
        key = frozenset(problem.ids[i] for i in selection.chosen)
        if plans and key in seen:
            continue
        seen.add(key)
        got = value(problem, selection.chosen)
        reached_value.append((got.essential, got.optional))
        plans.append(
            _assemble(
                kind,
                solution.solver,
                built,
                selection,
                replace(solution.certificate, added_after=tuple(for_badge)),
                gap,
                by_id,
                available,
                constraints,
                badges,
                available_courses,
                open_skills,
                for_badge,
                catalogue.teaching,
                what_to_drop=what_to_drop,
                for_deadline=for_deadline,
            )
        )

    reported = view.reported
    reasons = {**weak, **{c: excluded[c] for c in reported}, **dict(first.not_takeable)}
    labelled = _labelled(plans, reached_value, norm, kinds)
    return PlanResult(tuple(labelled), tuple(Exclusion(c, reasons[c]) for c in sorted(reasons)))


def _only_choice(problem: CoverProblem, solution: Solution) -> bool:
    """Whether ``solution`` (of ``problem``, the first kind's) is the only selection of its courses reaching
    its coverage: it takes every candidate and is proven the cheapest (every course costing something), so
    any other selection, a subset, would be cheaper. Another kind's cost stage would choose it again when
    its own problem (:func:`_own_reduced`) has no other course: it is not solved (saves ~0.4 ms a request on
    bench_http's bodies, where 30 of 101 are such)."""
    certificate = solution.certificate
    return (
        solution.solver == "exact"
        and certificate.method == "milp"
        and certificate.compared == "cost"
        and certificate.ratio == 1.0
        and 0 < len(solution.selection.chosen) == problem.n
        and bool((problem.cost > 0).all())
    )


def _the_only_one(problem: CoverProblem, chosen: tuple[int, ...], first: Solution) -> Solution:
    """The solution of ``problem`` (another kind's, whose candidates are ``chosen``) when ``first`` is
    :func:`_only_choice`: ``chosen``, each requirement met by its first option chosen (the options in this
    kind's order) and its proven optimum's certificate at this kind's cost, as
    :func:`~recommender.planner.cover.solve` would give."""
    cost = value(problem, chosen).cost
    return Solution(
        Selection(chosen, edges_within(problem, chosen)),
        Certificate("milp", 1.0, "cost", cost, cost),
        "exact",
        first.coverage,
    )


def _reduced(problems: Sequence[CoverProblem], solver: Solver) -> Reduction | None:
    """The reduction (:mod:`recommender.planner.reduced`) the kinds' ``problems`` (the same problem under
    their objective costs) are solved on; None: solved as they are (the greedy solver asked for; above
    ``AUTO_LIMIT`` candidates, where the greedy answers; or no candidate covers a skill)."""
    problem = problems[0]
    if solver == "greedy" or not 0 < problem.n <= AUTO_LIMIT:
        return None
    found = reduction(problem, [p.cost for p in problems])
    return found if len(found.weight) else None


def _own_reduced(
    reduced: Reduction, problems: Sequence[Built], k: int, reaching: tuple[int, ...]
) -> tuple[CoverProblem, Reduction]:
    """Kind ``k``'s problem (``problems[k]``) on ``reduced`` (:func:`_reduced`, for every kind), reduced
    further under its own cost alone, and that further reduction (a reduction of ``reduced``'s problem): a
    smaller problem (the heaviest bench_http bodies' first plans: 66 -> 57 candidates, 60 -> 54), solved
    sooner. Of courses alike under it, the one lowest under the other kinds' costs is kept, so that the
    kinds take the same of twin courses; the courses of ``reaching`` (the first selection, on the problem's
    own indices: the later kinds' start) are kept."""
    kept = list(reduced.kept)
    problem = reduced.problem(problems[k].problem)
    ties = [b.problem.cost[kept] for j, b in enumerate(problems) if j != k]
    inner = reduction(problem, [problem.cost], ties=ties, keep=reduced.indices(reaching))
    return inner.problem(problem), inner


def _labelled(
    plans: Sequence[Plan],
    reached: Sequence[tuple[float, float]],
    norm: Mapping[str, float],
    kinds: Sequence[str],
) -> list[Plan]:
    """The plans with every label true of them, among those reaching the most skills; the rest dropped.

    ``fastest``: fewest hours (then weeks); ``cheapest``: lowest price (then hours); ``best for you``: the
    highest mean ranking score of its courses. A plan that none of these names (another shown plan reaches
    as much and beats it on its own criterion) is not shown. When one plan earns several labels, the plans
    coincide and its explanation says so.
    """
    if not plans:
        return []
    top = max(reached)
    best = [
        p
        for p, r in zip(plans, reached, strict=True)
        if r[0] >= top[0] * (1 - 1e-7) and r[1] >= top[1] * (1 - 1e-7)
    ]

    def mean_score(plan: Plan) -> float:
        return sum(norm.get(s.course_id, 0.0) for s in plan.steps) / max(1, len(plan.steps))

    criteria: dict[str, Callable[[Plan], tuple[float, ...]]] = {
        "fastest": lambda p: (p.total_hours, p.weeks),
        "cheapest": lambda p: (p.total_price, p.total_hours),
        BEST: lambda p: (-mean_score(p), p.total_hours),
    }
    order = list(kinds)
    labels: dict[int, list[str]] = {}
    for kind in order:
        key = criteria[kind]
        winner = min(range(len(best)), key=lambda i: (key(best[i]), order.index(best[i].kind)))
        labels.setdefault(winner, []).append(kind)
    result: list[Plan] = []
    first = {i: min(order.index(k) for k in names) for i, names in labels.items()}
    for i, plan in sorted(enumerate(best), key=lambda ip: first.get(ip[0], len(order))):
        if i not in labels:
            continue
        names = tuple(labels[i])
        text = plan.explanation
        if len(names) > 1 and plan.steps:
            text += f" It is the {_joined(names)} plan at once: the plans coincide."
        result.append(replace(plan, kind=names[0], labels=names, explanation=text))
    return result


def _joined(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _assemble(  # noqa: C901, PLR0913 - one plan from the planner's parts (planner rewrite: issue 11)
    kind: str,
    solver: str,
    built: Built,
    selection: Selection,
    certificate: Certificate,
    gap: Sequence[GapItem],
    by_id: Mapping[str, CourseOption],
    available: Mapping[str, Available],
    constraints: Constraints,
    badges: Sequence[BadgeOption],
    available_courses: Mapping[str, CourseOption],
    open_skills: _OpenSkills,
    for_badge: Mapping[str, str],
    teaching: Mapping[str, Sequence[str]],
    *,
    what_to_drop: bool,
    for_deadline: Callable[[], Plan | None] | None = None,
) -> Plan:
    """One plan of ``selection``; ``for_badge``: the course added to earn a badge (id -> the badge's name,
    :func:`~recommender.planner.badges.with_a_badge`), said in its step's reason; ``teaching``: the
    catalogue's courses naming each skill (``PlanCatalogue.teaching``, for ``badge_progress``);
    ``for_deadline``: the plan chosen for the deadline, offered when the plan misses it and that plan
    reaches more than dropping courses (:func:`_deadline_check`)."""
    problem, targets = built.problem, built.targets
    ids = problem.ids
    chosen = [ids[i] for i in selection.chosen]
    requires = {ids[i]: sorted({ids[p] for p, _ in selection.edges[i]}) for i in selection.chosen}
    why_needed: dict[str, list[str]] = {}
    for i in selection.chosen:
        for provider, req in selection.edges[i]:
            # a course prerequisite names the very course this is: only a level's requirement says more
            how = f"level order: {req.label}" if req.origin == "level" else f"{req.origin} prerequisite"
            why_needed.setdefault(ids[provider], []).append(f"{by_id[ids[i]].title} ({how})")

    # level each chosen course brings each target skill to (only levels above what the worker holds count)
    reach: dict[str, dict[str, int]] = {}
    for i in selection.chosen:
        levels: dict[str, int] = {}
        for u in problem.covers[i]:
            t, level = built.units[u]
            uri = targets[t].skill_uri
            levels[uri] = max(levels.get(uri, 0), level)
        reach[ids[i]] = levels
    essential_uris = {t.skill_uri for t in targets if t.essential}
    # The courses of the quickest badge go first among ready ones (a first badge early, to keep going), then
    # those serving an essential skill, directly or as a prerequisite of one, then the shorter (an 18-hour
    # introduction before a 78-hour specialisation teaching the same level).
    badge_first = first_badge_courses(
        badges,
        chosen,
        requires,
        courses=by_id,
        held_badges=constraints.held_badges,
        held_levels=built.held,
        gap_skills=frozenset(item.skill_uri for item in gap),
    )
    serves_essential = with_requirements({c for c in chosen if reach[c].keys() & essential_uris}, requires)
    order = topological_order(
        chosen,
        _basics_first(chosen, requires, reach, badge_first),
        key=lambda c: (c not in badge_first, c not in serves_essential, by_id[c].hours, c),
    )

    start = constraints.start
    earliest: dict[str, int] = {}
    for c in chosen:
        first = available[c].first_start
        if start is not None and first is not None:
            earliest[c] = week_of(start, first)
    hours = {c: by_id[c].hours for c in chosen}
    slots: dict[str, Slot] = schedule(order, hours, requires, constraints.hours_per_week, earliest)
    position = {c: k for k, c in enumerate(order)}
    order = sorted(order, key=lambda c: (slots[c].start_week, position[c]))

    label = {item.skill_uri: item.label for item in gap}
    relation = {item.skill_uri: item.relation for item in gap}
    dependents: dict[str, list[str]] = {}
    for c, ps in requires.items():
        for p in ps:
            dependents.setdefault(p, []).append(c)
    needed = {t.skill_uri: t.needed_level for t in targets}
    reached: dict[str, int] = {t.skill_uri: built.held.get(t.skill_uri, 0) for t in targets}
    steps: list[Step] = []
    for c in order:
        course, slot = by_id[c], slots[c]
        raised = {u: lv for u, lv in reach[c].items() if lv > reached[u]}
        new = sorted(raised, key=lambda u: (relation[u] != "essential", u))
        reached.update(raised)
        steps.append(
            Step(
                course_id=c,
                title=course.title,
                hours=course.hours,
                price=round(available[c].price, 2),
                currency=constraints.currency,
                start_week=slot.start_week,
                end_week=slot.end_week,
                start_date=week_start(start, slot.start_week) if start else None,
                end_date=week_end(start, slot.end_week) if start else None,
                skills_covered=tuple(new),
                levels=tuple((u, raised[u]) for u in new),
                prerequisites=tuple(requires[c]),
                required_by=tuple(sorted(dependents.get(c, ()))),
                reason=_step_reason(
                    c,
                    new,
                    raised,
                    needed,
                    label,
                    relation,
                    requires,
                    why_needed,
                    by_id,
                    available,
                    slot,
                    constraints,
                )
                + (
                    f" Added to earn the badge '{for_badge[c]}', which the rest of the plan leaves one course"
                    " short of."
                    if c in for_badge
                    else ""
                ),
            )
        )

    total_hours = float(sum(hours.values()))
    total_price = round(float(sum(available[c].price for c in chosen)), 2)
    weeks = max((s.end_week for s in slots.values()), default=0)
    finish = week_end(start, weeks) if start and weeks else None

    covered = [t.skill_uri for t in targets if reached[t.skill_uri] >= t.needed_level]
    missing = [t for t in targets if reached[t.skill_uri] < t.needed_level]
    uncovered = [open_skills.get(gap_item, reached[gap_item.skill_uri]) for gap_item in missing]
    already = tuple(item.skill_uri for item in gap if built.held.get(item.skill_uri, 0) >= item.needed_level)
    target_uris, held_already = {t.skill_uri for t in targets}, set(already)
    for item in () if constraints.include_optional else gap:
        if item.skill_uri not in target_uris and item.skill_uri not in held_already:
            uncovered.append(
                UncoveredSkill(
                    item.skill_uri,
                    item.label,
                    item.relation,
                    "optional skills were not requested",
                    needed_level=item.needed_level,
                    held_level=built.held.get(item.skill_uri, 0),
                    reached_level=built.held.get(item.skill_uri, 0),
                )
            )

    outcome = badge_progress(
        badges,
        [
            (s.course_id, s.end_week)
            for s in sorted(steps, key=lambda s: (s.end_week, order.index(s.course_id)))
        ],
        courses=by_id,
        completed=constraints.completed,
        held_badges=constraints.held_badges,
        held_levels=built.held,
        gap_skills=frozenset(label),
        available=available_courses,
        teaching=teaching,
    )

    def stays_lower(kept: Sequence[str]) -> list[str]:  # the gap skills only the dropped courses raise
        kept_reach = {u: max([built.held.get(u, 0), *(reach[c].get(u, 0) for c in kept)]) for u in reached}
        lower = [t for t in targets if kept_reach[t.skill_uri] < reached[t.skill_uri]]
        essential = [t.label for t in lower if t.relation == "essential"]
        optional = [t.label for t in lower if t.relation == "optional"]
        # every essential skill by name; optional ones by name only while they are few (a big gap's plan
        # listed 40, twice on the page)
        said = [f"{_joined(essential)} (essential)"] if essential else []
        if len(optional) > NAMED_OPTIONAL:
            said.append(f"{len(optional)} optional skills")
        elif optional:
            said.append(f"{_joined(optional)} (optional)")
        return said

    deadline = _deadline_check(
        constraints,
        order,
        hours,
        requires,
        earliest,
        weeks,
        problem,
        {ids[i]: problem.covers[i] for i in selection.chosen},
        {c: f"'{by_id[c].title}'" for c in chosen},
        stays_lower if what_to_drop else None,
        for_deadline,
    )
    can_do = outcomes(reached, built.held, label)
    plan = Plan(
        kind=kind,
        objective=constraints.objective,
        solver=solver,
        currency=constraints.currency,
        steps=tuple(steps),
        total_hours=total_hours,
        total_price=total_price,
        weeks=weeks,
        finish_date=finish,
        covered_skills=tuple(covered),
        uncovered_skills=tuple(uncovered),
        already_held=already,
        badges_earned=outcome.earned,
        badge_sequence=outcome.sequence,
        badges_one_course_away=outcome.one_course_away,
        certificate=certificate,
        deadline=deadline,
        explanation="",
        outcomes=can_do,
    )
    plan = _with_explanation(plan, targets, constraints.budget)
    for c, badge in for_badge.items():
        plan = replace(
            plan,
            explanation=plan.explanation
            + f" '{by_id[c].title}' is added to earn the badge '{badge}' (the rest of the plan is one course"
            " short of it).",
        )
    return plan


def _basics_first(
    chosen: Sequence[str],
    requires: Mapping[str, Sequence[str]],
    reach: Mapping[str, Mapping[str, int]],
    badge_first: frozenset[str],
) -> dict[str, list[str]]:
    """``requires`` plus an order for learning: a course that teaches a skill at a lower level than another
    chosen course goes before it ("Batteries: the basics" before "Battery Management Systems"), unless a
    requirement already puts them the other way round or it would hold back a course of the quickest badge
    (``badge_first``: those courses go first). These are only for the order; a step's prerequisites stay the
    requirements."""
    graph = nx.DiGraph()
    graph.add_nodes_from(chosen)
    graph.add_edges_from((p, c) for c in chosen for p in requires[c])

    def lower(a: str, b: str) -> bool:
        """Whether ``a`` teaches some skill at a lower level than ``b`` does."""
        return any(level < reach[b].get(uri, 0) for uri, level in reach[a].items())

    for low, high in itertools.permutations(sorted(chosen), 2):
        # not both ways round, and not against the requirements (an edge low -> high would close a cycle)
        if high in badge_first and low not in badge_first:
            continue
        if lower(low, high) and not lower(high, low) and not nx.has_path(graph, high, low):
            graph.add_edge(low, high)
    return {c: sorted(graph.predecessors(c)) for c in chosen}


def _money(amount: float, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def _raised_text(
    uris: Sequence[str], raised: Mapping[str, int], needed: Mapping[str, int], label: Mapping[str, str]
) -> str:
    return ", ".join(
        label[u] if raised[u] >= needed[u] else f"{label[u]} (to level {raised[u]} of {needed[u]})"
        for u in uris
    )


def _step_reason(  # noqa: PLR0913 - one step's reason from the plan's parts (planner rewrite: issue 11)
    c: str,
    new: Sequence[str],
    raised: Mapping[str, int],
    needed: Mapping[str, int],
    label: Mapping[str, str],
    relation: Mapping[str, str],
    requires: Mapping[str, Sequence[str]],
    why_needed: Mapping[str, Sequence[str]],
    by_id: Mapping[str, CourseOption],
    available: Mapping[str, Available],
    slot: Slot,
    constraints: Constraints,
) -> str:
    parts: list[str] = []
    for kind in ("essential", "optional"):
        of_kind = [u for u in new if (relation[u] == "essential") == (kind == "essential")]
        closes = [u for u in of_kind if raised[u] >= needed[u]]
        partly = [u for u in of_kind if raised[u] < needed[u]]
        for verb, uris in (("closes", closes), ("raises", partly)):
            if uris:
                plural = "s" if len(uris) > 1 else ""
                parts.append(f"{verb} {kind} skill{plural} {_raised_text(uris, raised, needed, label)}")
    text = "; ".join(parts) + "." if parts else "Advances no gap skill on its own."
    text = text[0].upper() + text[1:]
    if c in why_needed:
        text += f" Needed first by {'; '.join(why_needed[c])}."
    if requires[c]:
        plural = "s" if len(requires[c]) > 1 else ""
        text += f" Comes after {', '.join(by_id[p].title for p in requires[c])} (its prerequisite{plural})."
    first = available[c].first_start
    if first is not None:
        text += f" First session {first.isoformat()}."
    weeks = (
        f"week {slot.start_week}"
        if slot.start_week == slot.end_week
        else f"weeks {slot.start_week}-{slot.end_week}"
    )
    cost = (
        f"costs {by_id[c].hours:g} h and {_money(available[c].price, constraints.currency)}"
        if available[c].course.price_stated
        else f"costs {by_id[c].hours:g} h; price not stated by its catalogue"
    )
    text += f" Runs {weeks}; {cost}."
    return text


class _OpenSkills:
    """The skills plans leave open, with why and what to do instead, shared by the plans of one call: each
    depends only on the skill, the level its plan reaches and the call's inputs (the real pairs' heaviest
    targets leave ~300 skills open in each of three plans)."""

    def __init__(  # noqa: PLR0913 - the inputs the reasons and alternatives depend on
        self,
        built: Built,
        teachers: Mapping[str, Sequence[tuple[str, int]]],
        excluded: Mapping[str, str],
        constraints: Constraints,
        weakly: Mapping[str, list[str]],
        far: frozenset[str],
        badges: Sequence[BadgeOption],
        catalogue: Mapping[str, CourseOption],
    ):
        self.built, self.teachers, self.excluded = built, teachers, excluded
        self.constraints, self.catalogue = constraints, catalogue
        # skill -> the courses naming it whose links are set aside; those of them set aside for subject
        self.weakly, self.far = weakly, far
        # the only badges alternatives.choose looks at for a skill: those earned by assessment naming it
        self.assessed: dict[str, list[BadgeOption]] = {}
        for badge in badges:
            if badge.earned_by == "assessment":
                for uri in badge.skills:
                    self.assessed.setdefault(uri, []).append(badge)
        self._known: dict[tuple[str, int], UncoveredSkill] = {}

    def get(self, item: GapItem, reached: int) -> UncoveredSkill:
        """``item`` left open at the level ``reached``."""
        key = (item.skill_uri, reached)
        if (known := self._known.get(key)) is None:
            # said only where no course teaches it
            set_aside = "" if self.teachers.get(item.skill_uri) else self._set_aside(item.skill_uri)
            why, ruled_out = self._reason(item, reached, set_aside)
            held = self.built.held.get(item.skill_uri, 0)
            taught = max((lv for _, lv in self.teachers.get(item.skill_uri, ())), default=0)
            skill = UncoveredSkill(
                item.skill_uri, item.label, item.relation, why, item.needed_level, held, reached, taught
            )
            badges = self.assessed.get(item.skill_uri, ())
            way = alternative(
                skill, badges=badges, ruled_out=ruled_out, skill_type=item.skill_type, set_aside=set_aside
            )
            known = UncoveredSkill(
                item.skill_uri, item.label, item.relation, why, item.needed_level, held, reached, taught, way
            )
            self._known[key] = known
        return known

    def _title(self, cid: str) -> str:
        return f"'{self.catalogue[cid].title}'" if cid in self.catalogue else cid

    def _shared_titles(self, cids: Iterable[str]) -> set[str]:
        """The titles more than one of ``cids`` has (a sentence naming them adds their ids)."""
        titles = Counter(self._title(cid) for cid in cids)
        return {title for title, n in titles.items() if n > 1}

    def _titles(self, cids: Sequence[str], shared: Container[str], shown: int = 3) -> str:
        """'A', 'B', 'C' and 2 more: the first ``shown`` courses by title, with its id where another course of
        the sentence has the same title (in ``shared``)."""
        titles = [
            self._title(cid) + (f" ({cid})" if self._title(cid) in shared else "") for cid in cids[:shown]
        ]
        more = f" and {len(cids) - shown} more" if len(cids) > shown else ""
        return f"{', '.join(titles)}{more}"

    def _naming(self, cids: Sequence[str], what: str, shared: Container[str]) -> str:
        """'A', 'B', 'C' and 2 more name ``what`` (:meth:`_titles`); "" for none."""
        if not cids:
            return ""
        verb = "names" if len(cids) == 1 else "name"
        return f"{self._titles(cids, shared)} {verb} {what}"

    def _ruled_out(self, ruled_out: Sequence[tuple[str, str]], shown: int = 3) -> str:
        """The courses by title, those ruled out for the same reason together: "'A', 'B' (taught in English
        ('en'); the worker takes courses in French ('fr')); 'C' (needs ... first)", the ``shown`` reasons most
        courses share and ``shown`` courses of each."""
        grouped: dict[str, list[str]] = {}
        for cid, why in ruled_out:
            grouped.setdefault(why, []).append(cid)
        by_reason = sorted(grouped.items(), key=lambda group: -len(group[1]))  # stable: then as given
        shared = self._shared_titles(cid for _, cids in by_reason[:shown] for cid in cids[:shown])
        groups = [f"{self._titles(cids, shared, shown)} ({why})" for why, cids in by_reason[:shown]]
        left = sum(len(cids) for _, cids in by_reason[shown:])
        return "; ".join(groups) + (f"; and {left} more for other reasons" if left else "")

    def _set_aside(self, uri: str) -> str:
        """How the courses naming skill ``uri`` are set aside for the target, and which ("" for none): "on
        enough evidence ('A' names it in passing)", "for this target's work ('B' names it but is about another
        field)", or both."""
        named = self.weakly.get(uri, [])
        if not named:
            return ""
        weak = [cid for cid in named if cid not in self.far]
        far = [cid for cid in named if cid in self.far]
        shared = self._shared_titles(weak[:3] + far[:3])
        said = "; ".join(
            filter(
                None,
                [
                    self._naming(weak, "it in passing", shared),
                    self._naming(far, "it but is about another field", shared),
                ],
            )
        )
        how = "on enough evidence" if weak else "for this target's work"
        return f"{how} ({said})"

    def _reason(self, item: GapItem, reached: int, set_aside: str) -> tuple[str, bool]:
        """Why ``item`` stays below its needed level (prefixed with how far the plan raises it, if at all),
        and whether courses teaching it further exist but the worker's limits rule them out. Courses are
        named by their titles (a person reads this; the ids are in the plan's excluded courses)."""
        built, excluded, constraints = self.built, self.excluded, self.constraints
        held = built.held.get(item.skill_uri, 0)
        prefix = f"raised to {level_name(reached)}: " if reached > held else ""
        teaching = self.teachers.get(item.skill_uri, ())
        if not teaching:
            return prefix + " ".join(
                filter(None, ["no course in the catalogue teaches it", set_aside])
            ), False
        further = sorted(cid for cid, lv in teaching if lv > reached)
        if not further:
            top = max(lv for _, lv in teaching)
            needs = f"the target needs {level_name(item.needed_level)}"
            if prefix and top == reached:
                return (
                    f"raised to {level_name(reached)}, the highest level the catalogue teaches; {needs}",
                    False,
                )
            return prefix + f"the catalogue teaches it up to {level_name(top)}; {needs}", False
        ruled = [(cid, excluded.get(cid) or built.not_takeable.get(cid)) for cid in further]
        ruled_out = [(cid, why) for cid, why in ruled if why is not None]
        if len(ruled_out) == len(further):
            limited = any(cid in excluded for cid in further)  # else only unmeetable requirements block them
            above = f" above {level_name(reached)}" if reached else ""
            return (
                prefix + f"every course teaching it{above} is ruled out: {self._ruled_out(ruled_out)}",
                limited,
            )
        limits = []
        if constraints.budget is not None:
            limits.append(f"budget {_money(constraints.budget, constraints.currency)}")
        if constraints.max_hours is not None:
            limits.append(f"at most {constraints.max_hours:g} h")
        return prefix + (
            f"courses teaching it above level {reached} do not fit the remaining "
            f"{' and '.join(limits) or 'limits'} after the "
            f"{'essential skills' if item.relation == 'essential' else 'essential and better-value skills'}"
        ), True


def _reaches_more(problem: CoverProblem, courses: Sequence[str], than: Sequence[str]) -> bool:
    """Whether ``courses`` reach more of ``problem``'s gap than ``than`` do: more essential weight, or as much
    and more optional weight (cost aside); courses that are no candidate of ``problem`` reach nothing."""
    index = {c: i for i, c in enumerate(problem.ids)}

    def reached(ids: Sequence[str]) -> Value:
        return replace(value(problem, [index[c] for c in ids if c in index]), cost=0.0)

    return reached(courses).better_than(reached(than))


def _deadline_check(  # noqa: PLR0913 - the plan's schedule and what its courses reach
    constraints: Constraints,
    order: Sequence[str],
    hours: Mapping[str, float],
    requires: Mapping[str, Sequence[str]],
    earliest: Mapping[str, int],
    weeks: int,
    problem: CoverProblem,
    covers: Mapping[str, frozenset[int]],
    titles: Mapping[str, str],
    stays_lower: Callable[[Sequence[str]], list[str]] | None,
    for_deadline: Callable[[], Plan | None] | None = None,
) -> DeadlineCheck | None:
    """Whether the plan ends by the deadline; if not, the weekly hours that would finish the whole plan and
    (unless ``stays_lower``, the gap skills a part of the plan leaves lower, is None) the courses to drop so
    that what is left ends in time and reaches the most (:func:`.deadline.kept_by_deadline`), or, when the
    plan ``for_deadline`` gives (chosen among all the courses, not only this plan's) reaches more of the gap
    (``problem``'s weights, essential first), its courses instead."""
    if constraints.deadline is None or constraints.start is None:
        return None
    start, deadline = constraints.start, constraints.deadline
    available_weeks = weeks_until(start, deadline)
    finish = week_end(start, weeks) if weeks else start
    if weeks <= available_weeks:
        return DeadlineCheck(
            deadline, True, finish, explanation=f"finishes {finish.isoformat()}, by the deadline"
        )
    hpw = constraints.hours_per_week
    kept = (
        kept_by_deadline(
            order, hours, requires, earliest, hpw, available_weeks, covers, problem.weight, problem.essential
        )
        if stays_lower is not None
        else None
    )
    text = (
        f"the plan needs {weeks} weeks at {hpw:g} h per week and finishes {finish.isoformat()} at the "
        f"earliest, after the deadline {deadline.isoformat()}"
    )
    drop: tuple[str, ...] = ()
    if kept and stays_lower is not None:
        drop = tuple(c for c in order if c not in kept)
        lower = stays_lower(kept)
        done = week_end(
            start, max(slot.end_week for slot in schedule(kept, hours, requires, hpw, earliest).values())
        )
        text += (
            f"; dropping {_joined([titles[c] for c in drop])} would finish by the deadline with the other "
            f"{len(kept)} course{'s' if len(kept) != 1 else ''} ({sum(hours[c] for c in kept):g} h, done "
            f"{done.isoformat()})" + (f", leaving {_joined(lower)} lower" if lower else "")
        )
    elif kept is not None:
        text += f"; no course of the plan ends by the deadline at {hpw:g} h per week"
    instead: tuple[str, ...] = ()
    on_time = for_deadline() if for_deadline is not None else None
    if on_time is not None and _reaches_more(problem, [s.course_id for s in on_time.steps], kept or ()):
        instead = tuple(s.course_id for s in on_time.steps)
        ends = on_time.finish_date.isoformat() if on_time.finish_date else "in time"
        named = _joined(["'" + s.title + "'" for s in on_time.steps])
        text += (
            f"; a plan chosen for the deadline reaches more than dropping courses: {named} "
            f"({on_time.total_hours:g} h, done {ends})"
        )
    needed = hours_per_week_needed(order, hours, requires, available_weeks, earliest)
    if needed is not None and needed > HOURS_PER_WEEK_RANGE[1]:
        needed = None  # more hours than a week has
    if needed is not None:
        text += f"; or study {needed:g} h per week"
    else:
        text += "; no number of hours a week finishes the whole plan in time"
    return DeadlineCheck(deadline, False, finish, drop, needed, text, instead)


#: A plan using less than this share of the budget says why the rest is left (what the catalogue lacks).
UNSPENT_SHARE = 0.5


def unspent_budget_note(plan: Plan, budget: float | None) -> str:
    """Why a plan that leaves essential skills open uses less than half the budget, in words ("" otherwise).

    The open essential skills are sorted by what stands in the way: the catalogue teaches them only below
    the level needed (``catalogue_level``), no course teaches them, or a course teaches them further but is
    not open to the worker (its reason is in ``uncovered_skills``). Money cannot buy the first two.
    """
    open_essential = [u for u in plan.uncovered_skills if u.essential]
    if budget is None or budget <= 0 or not open_essential or plan.total_price >= UNSPENT_SHARE * budget:
        return ""
    capped: dict[int, list[str]] = {}
    untaught: list[str] = []
    ruled_out: list[str] = []
    for skill in open_essential:
        if skill.catalogue_level == 0:
            untaught.append(skill.label)
        elif skill.reached_level >= skill.catalogue_level:
            capped.setdefault(skill.catalogue_level, []).append(skill.label)
        else:
            ruled_out.append(skill.label)
    untaught.sort()
    ruled_out.sort()
    parts = [
        f"{len(labels)} taught by the catalogue only up to {level_name(level)} ({', '.join(sorted(labels))})"
        for level, labels in sorted(capped.items())
    ]
    if untaught:
        parts.append(f"{len(untaught)} taught by no course ({', '.join(untaught)})")
    if ruled_out:
        parts.append(
            f"{len(ruled_out)} taught further only by courses not open to you ({', '.join(ruled_out)})"
        )
    used, whole = _money(plan.total_price, plan.currency), _money(budget, plan.currency)
    return (
        f"Only {used} of the {whole} budget is used: of the {len(open_essential)} essential skills left "
        f"open, {'; '.join(parts)}. No budget buys what the catalogue does not teach: what to do instead "
        "is given with each skill."
    )


def _with_explanation(plan: Plan, targets: Sequence[GapItem], budget: float | None = None) -> Plan:
    n_ess = sum(1 for t in targets if t.essential)
    n_opt = len(targets) - n_ess
    covered = set(plan.covered_skills)
    got_ess = sum(1 for t in targets if t.essential and t.skill_uri in covered)
    got_opt = sum(1 for t in targets if not t.essential and t.skill_uri in covered)
    partial_ess = sum(1 for u in plan.uncovered_skills if u.essential and u.reached_level > u.held_level)
    partial_opt = sum(1 for u in plan.uncovered_skills if not u.essential and u.reached_level > u.held_level)
    if not targets:
        text = "The worker already holds every gap skill at the needed level: nothing to learn."
    elif not plan.steps:
        why = _why_none(plan.uncovered_skills)
        text = (
            f"No course can be planned: none of the {len(targets)} gap skills can be covered under these "
            f"constraints{why}; each is listed in uncovered_skills with the reason."
        )
    else:
        when = f", finishing {plan.finish_date.isoformat()}" if plan.finish_date else ""
        text = (
            f"{len(plan.steps)} course{'s' if len(plan.steps) != 1 else ''}, {plan.total_hours:g} h, "
            f"{_money(plan.total_price, plan.currency)}, "
            f"{plan.weeks} week{'s' if plan.weeks != 1 else ''}{when}; "
            f"closes {got_ess} of {n_ess} essential and {got_opt} of {n_opt} optional gap skills"
        )
        if partial_ess or partial_opt:
            text += f" and raises {partial_ess} essential and {partial_opt} optional ones part of the way"
        text += "."
        if got_ess < n_ess:
            text += f" {n_ess - got_ess} essential skill(s) stay open: see uncovered_skills."
    if plan.steps and (note := unspent_budget_note(plan, budget)):
        text += f" {note}"
    if plan.deadline is not None and not plan.deadline.met:
        text += missed_deadline(plan.deadline.explanation)
    return replace(plan, explanation=text)


#: Why a skill a plan of no course leaves open, as its first sentence counts them.
_WHY_OPEN = {
    "limits": "taught only by courses these limits rule out",
    "untaught": "taught by no course in the catalogue",
    "first": "taught only by courses that need more of it first than any course gives",
    "other": "open for other reasons",
}


def _why_open(skill: UncoveredSkill) -> str:
    way = skill.alternative.way if skill.alternative is not None else None
    if skill.alternative is not None and skill.alternative.kind == "funding":
        return "limits"
    if skill.catalogue_level == 0:
        return "untaught"
    return "first" if way is not None and way.case == "prerequisites" else "other"


def _why_none(uncovered: Sequence[UncoveredSkill]) -> str:
    """ " (3 are taught only by courses these limits rule out, 2 taught by no course in the catalogue)": why
    a plan of no course leaves its skills open ("" when nothing is open)."""
    kinds = Counter(_why_open(u) for u in uncovered)
    said: list[str] = []
    for kind, phrase in _WHY_OPEN.items():
        if n := kinds[kind]:
            verb = "" if said else ("is " if n == 1 else "are ")  # the first part carries the verb
            said.append(f"{n} {verb}{phrase}")
    return " (" + ", ".join(said) + ")" if said else ""


def missed_deadline(explanation: str) -> str:
    """The sentence a plan's explanation says a missed deadline with (``DeadlineCheck.explanation``); the
    worker page, which says the advice in a box of its own, takes it out of the summary."""
    return f" Deadline not met: {explanation}."
