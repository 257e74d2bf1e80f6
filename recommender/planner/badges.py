"""Microbadges along a plan: which are earned when, the sequence toward the target, those one course away."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from recommender.planner.model import BadgeEvent, BadgeNearMiss, BadgeOption, CourseOption
from recommender.planner.order import with_requirements
from recommender.planner.selection import TOLERANCE, CoverProblem, Selection, ordered_edges


@dataclass(frozen=True)
class BadgeOutcome:
    earned: tuple[BadgeEvent, ...]
    sequence: tuple[str, ...]
    one_course_away: tuple[BadgeNearMiss, ...]


def _earnable(badge: BadgeOption, done: set[str], levels: Mapping[str, int], earned: set[str]) -> bool:
    if not set(badge.required_badges) <= earned:
        return False
    if badge.earned_by == "all":
        return bool(badge.courses) and set(badge.courses) <= done
    if badge.earned_by == "k_of_n":
        return badge.k is not None and len(set(badge.courses) & done) >= badge.k
    return bool(badge.skills) and all(levels.get(uri, 0) >= lv for uri, lv in badge.skills.items())


def _learn(levels: dict[str, int], course: CourseOption) -> None:
    for uri, level in course.skills.items():
        levels[uri] = max(levels.get(uri, 0), level)


def badge_progress(  # noqa: C901, PLR0913 - each earning rule (all, k of n, assessment) walked per step
    badges: Sequence[BadgeOption],
    steps: Sequence[tuple[str, int]],
    *,
    courses: Mapping[str, CourseOption],
    completed: frozenset[str],
    held_badges: frozenset[str],
    held_levels: Mapping[str, int],
    gap_skills: frozenset[str],
    available: Mapping[str, CourseOption],
    teaching: Mapping[str, Sequence[str]] | None = None,
) -> BadgeOutcome:
    """Walk the plan's steps ``(course_id, end_week)`` in order and record each badge when its rule is met.

    A badge earned by assessment counts as available from the week its skills are all held at their levels.
    Week 0 means before the plan (held already or earned by completed courses). The sequence lists the badges
    the plan earns that recognise a gap skill, in the order earned. A badge is one course away when, after the
    plan, one more available course would earn it (its required badges being earned); only badges that
    recognise a skill of ``gap_skills`` (the target's skills) are suggested so. ``teaching`` (skill URI ->
    ids of the courses naming it, any order: ``PlanCatalogue.teaching``) spares the look for that course
    through every available course (~2,000) for a badge earned by assessment.
    """
    done: set[str] = set()
    levels: dict[str, int] = dict(held_levels)
    for cid in sorted(completed):
        done.add(cid)
        if cid in courses:
            _learn(levels, courses[cid])
    earned: set[str] = set(held_badges)
    events: list[BadgeEvent] = []
    by_id = sorted(badges, key=lambda b: b.id)

    def settle(week: int, course_id: str | None) -> None:
        changed = True
        while changed:  # a badge may unlock another that requires it
            changed = False
            for badge in by_id:
                if badge.id not in earned and _earnable(badge, done, levels, earned):
                    earned.add(badge.id)
                    events.append(
                        BadgeEvent(badge.id, badge.name, week, course_id, badge.earned_by == "assessment")
                    )
                    changed = True

    for bid in sorted(held_badges):
        badge = next((b for b in by_id if b.id == bid), None)
        events.append(BadgeEvent(bid, badge.name if badge else bid, 0, None))
    settle(0, None)
    for cid, end_week in steps:
        done.add(cid)
        _learn(levels, courses[cid])
        settle(end_week, cid)

    sequence = tuple(
        e.badge_id
        for e in events
        if e.week > 0
        and any(uri in gap_skills for uri in next(b for b in by_id if b.id == e.badge_id).skills)
    )
    near: list[BadgeNearMiss] = []
    for badge in by_id:
        if badge.id in earned or not set(badge.required_badges) <= earned:
            continue
        if not badge.skills.keys() & gap_skills:  # only badges that recognise a skill of the target
            continue
        choice: str | None = None
        if badge.earned_by == "all":
            missing = sorted(set(badge.courses) - done)
            if len(missing) == 1 and missing[0] in available:
                choice = missing[0]
        elif badge.earned_by == "k_of_n":
            if badge.k is not None and badge.k - len(set(badge.courses) & done) == 1:
                choice = next((c for c in sorted(badge.courses) if c not in done and c in available), None)
        else:
            lacking = {uri: lv for uri, lv in badge.skills.items() if levels.get(uri, 0) < lv}
            choice = next(
                (
                    cid
                    for cid in _teaching_all(lacking, available, teaching)
                    if cid not in done
                    and all(available[cid].skills.get(u, 0) >= lv for u, lv in lacking.items())
                ),
                None,
            )
        if choice is not None:
            near.append(BadgeNearMiss(badge.id, badge.name, choice, available[choice].title))
    return BadgeOutcome(tuple(events), sequence, tuple(near))


def _teaching_all(
    lacking: Mapping[str, int],
    available: Mapping[str, CourseOption],
    teaching: Mapping[str, Sequence[str]] | None,
) -> list[str]:
    """Ids of the ``available`` courses that may teach every skill of ``lacking``, sorted: all of them, or
    with ``teaching``, those naming one of its skills (a course teaching it at level 1 or more names it)."""
    if teaching is None or not lacking:
        return sorted(available)
    return sorted(cid for cid in teaching.get(min(lacking), ()) if cid in available)


def _own_courses(
    badge: BadgeOption, in_plan: set[str], courses: Mapping[str, CourseOption], held_levels: Mapping[str, int]
) -> set[str] | None:
    """The plan's courses that earn ``badge`` by its own rule (not the badges it requires), or None when the
    plan cannot earn it: all its courses; for k of n, the k shortest chosen; for an assessment, the shortest
    chosen course reaching each level the worker does not hold."""
    if badge.earned_by == "all":
        return set(badge.courses) if badge.courses and set(badge.courses) <= in_plan else None
    if badge.earned_by == "k_of_n":
        mine = sorted(set(badge.courses) & in_plan, key=lambda c: (courses[c].hours, c))
        return set(mine[: badge.k]) if badge.k is not None and len(mine) >= badge.k else None
    own: set[str] = set()
    for uri, level in sorted(badge.skills.items()):
        if held_levels.get(uri, 0) < level:
            reaching = [c for c in in_plan if courses[c].skills.get(uri, 0) >= level]
            if not reaching:
                return None
            own.add(min(reaching, key=lambda c: (courses[c].hours, c)))
    return own


def first_badge_courses(  # noqa: PLR0913 - the plan's courses, their requirements, what the worker holds
    badges: Sequence[BadgeOption],
    chosen: Sequence[str],
    requires: Mapping[str, Sequence[str]],
    *,
    courses: Mapping[str, CourseOption],
    held_badges: frozenset[str],
    held_levels: Mapping[str, int],
    gap_skills: frozenset[str],
) -> frozenset[str]:
    """The plan's courses that earn its quickest badge, with what they require: a worker who starts with
    them earns a first badge early, to keep going (scenario 1). Of the badges recognising a skill of the
    target that ``chosen`` can earn, the one whose courses (and those of the badges it requires) take the
    fewest hours; empty when the plan earns none."""
    in_plan = set(chosen)
    by_id = {b.id: b for b in badges}

    def needs(badge: BadgeOption, seen: frozenset[str]) -> set[str] | None:
        """The chosen courses ``badge`` and the badges it requires need; None when the plan cannot earn it."""
        own = _own_courses(badge, in_plan, courses, held_levels)
        for required in badge.required_badges:
            if own is None or required in held_badges:
                continue
            more = needs(by_id[required], seen | {required}) if required in by_id.keys() - seen else None
            own = None if more is None else own | more
        return own

    best: tuple[float, str, set[str]] | None = None
    for badge in sorted(badges, key=lambda b: b.id):
        if badge.id in held_badges or not badge.skills.keys() & gap_skills:
            continue
        found = needs(badge, frozenset({badge.id}))
        if not found:
            continue
        found = with_requirements(found, requires)
        hours = sum(courses[c].hours for c in found)
        if best is None or (hours, badge.id) < best[:2]:
            best = (hours, badge.id, found)
    return frozenset(best[2]) if best else frozenset()


def with_a_badge(  # noqa: PLR0913 - the selection, the badges and what badge_progress reads
    problem: CoverProblem,
    selection: Selection,
    badges: Sequence[BadgeOption],
    *,
    courses: Mapping[str, CourseOption],
    completed: frozenset[str],
    held_badges: frozenset[str],
    held_levels: Mapping[str, int],
    gap_skills: frozenset[str],
    available: Mapping[str, CourseOption],
    teaching: Mapping[str, Sequence[str]] | None = None,
    known: dict[frozenset[str], BadgeOutcome] | None = None,
) -> tuple[Selection, BadgeNearMiss] | None:
    """``selection`` with one more course that earns a badge, when it earns none that recognises a skill of
    the target and one more candidate course would (the badge is "one course away"), within the money
    budget and the hours, its requirements met by the selection: of those courses, the one of least
    objective cost (then id). None when the selection earns such a badge already or no course fits.

    A worker asked for a plan to the target, and a badge recognising the target's skills is a credential
    the plan would otherwise leave one course short of (issue 12: "earns at least one badge"): the coverage
    is the optimum's, the cost is the optimum's plus that course's. ``teaching``: as
    :func:`badge_progress` takes it; ``known``: the badges of selections looked at before with the same
    other arguments (a plan's kinds: their selections often coincide), by their courses, added to here."""
    ids = problem.ids
    chosen_ids = frozenset(ids[i] for i in selection.chosen)
    outcome = None if known is None else known.get(chosen_ids)
    if outcome is None:
        outcome = badge_progress(
            badges,
            [(cid, 1) for cid in sorted(chosen_ids)],
            courses=courses,
            completed=completed,
            held_badges=held_badges,
            held_levels=held_levels,
            gap_skills=gap_skills,
            available=available,
            teaching=teaching,
        )
        if known is not None:
            known[chosen_ids] = outcome
    if outcome.sequence:
        return None
    index = {cid: i for i, cid in enumerate(ids)}
    best: tuple[tuple[float, str, str], Selection, BadgeNearMiss] | None = None
    for near in outcome.one_course_away:
        i = index.get(near.course_id)
        if i is None or i in selection.chosen:
            continue
        chosen = (*selection.chosen, i)
        if not all(
            limit is None or float(column[list(chosen)].sum()) <= limit * (1 + TOLERANCE)
            for limit, column in ((problem.budget, problem.price), (problem.max_hours, problem.hours))
        ):
            continue
        edges = ordered_edges(problem, chosen)
        if edges is None:
            continue
        key = (float(problem.cost[i]), near.course_id, near.badge_id)
        if best is None or key < best[0]:
            best = (key, Selection(chosen, edges), near)
    return None if best is None else (best[1], best[2])
