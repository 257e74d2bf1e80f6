"""Which courses are evidence for a target: a course enters a plan only if it more likely than not teaches
some of the target's skills.

Most course-skill links are inferred from course texts; each inferred link's confidence is the probability
that it is right, calibrated on the tagging gold set's dev courses (``evaluation/TAGGING_GOLD.md``, fitted by
``python -m evaluation.link_calibration``; a Coursera tag hint has the probability measured for the hints
kept). A course whose only tie to a battery technician is one weak link ("Trading: fundamentals of technical
analysis" -> "apply technical communication skills", its tenth link) is not a course for a battery
technician.

The rule: a course's *evidence* for a target is the probability that at least one of its links to the
target's skills (held or not: a course teaching several skills of the job is about the job) is right,
``1 - prod(1 - w * p)`` over those links, the links taken as independent, with ``w`` 1 for an essential skill
and 0.5 for an optional one (ESCO's optional skills are used in some jobs of the occupation only: a course
serving one of them alone is a weaker tie to the job). Below ``MIN_EVIDENCE`` (0.5) its links to the
target's skills are not planned on: one link to an essential skill needs a probability of 0.5 (on the dev
courses, out of fold, the links from 0.5 are right 67 % of the time, 194 of 1,070 links), one to an
optional skill cannot pass alone (two need 0.59 each); weaker links corroborate each other. Links without a
confidence (given by the catalogue, curated) count 1.0, so they always pass. The course stays in the
catalogue for everything else (a prerequisite another course names, say).

A right link can come from another world than the target's: given the target's :class:`.subject.SubjectFit`,
a course whose subject is far from the target's (:data:`.subject.MIN_SUBJECT`) is set aside the same way,
with that reason, whatever its evidence.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping, Sequence
from types import MappingProxyType

from recommender.planner.model import CourseOption
from recommender.planner.subject import SubjectFit

#: The least evidence (probability that the course teaches one of the target's skills) to be planned on.
MIN_EVIDENCE = 0.5
#: What a link to an optional skill of the target counts for, against 1 for an essential one.
OPTIONAL_WEIGHT = 0.5


def evidence(course: CourseOption, target_skills: Mapping[str, float]) -> float:
    """Probability that at least one of ``course``'s links to ``target_skills`` (skill URI -> weight: 1
    essential, 0.5 optional) is right, each link's confidence times its weight, the links independent; a
    link without a confidence counts 1.0."""
    missed = 1.0
    for uri in course.skills:
        if uri in target_skills:
            missed *= 1.0 - course.confidence.get(uri, 1.0) * target_skills[uri]
    return 1.0 - missed


def target_weights(relations: Iterable[tuple[str, bool]]) -> dict[str, float]:
    """Skill URI -> weight in the evidence, from (URI, essential) pairs."""
    return {uri: 1.0 if essential else OPTIONAL_WEIGHT for uri, essential in relations}


def relevant_courses(
    courses: Sequence[CourseOption],
    target_skills: Mapping[str, float],
    *,
    min_evidence: float = MIN_EVIDENCE,
    subject: SubjectFit | None = None,
) -> tuple[list[CourseOption], dict[str, str]]:
    """``courses`` with the links to ``target_skills`` removed where the evidence is too weak or the course's
    subject too far from the target's (``subject``), and why.

    Returns
    -------
    courses : list of CourseOption
        Same order and ids; a course under ``min_evidence`` keeps only its other skills.
    weak : dict of str to str
        Course id -> why its links to the target's skills are not planned on (only courses that had some).
    """
    targets = dict(target_skills)
    kept: list[CourseOption] = []
    weak: dict[str, str] = {}
    for course in courses:
        if course.skills.keys().isdisjoint(targets.keys()):  # most of a catalogue: one set operation each
            kept.append(course)
            continue
        stripped, why = judged(course, targets, min_evidence, subject)
        if why is not None:
            weak[course.id] = why
        kept.append(stripped)
    return kept, weak


def judged(
    course: CourseOption,
    targets: Mapping[str, float],
    min_evidence: float = MIN_EVIDENCE,
    subject: SubjectFit | None = None,
) -> tuple[CourseOption, str | None]:
    """``course`` as planned on for ``targets`` (its links to them removed when the evidence is too weak or
    its subject too far from the target's) and why they were removed (None: kept as it is)."""
    linked = [uri for uri in course.skills if uri in targets]
    if not linked:
        return course, None
    if subject is not None and (far := subject.off_subject(course.id)) is not None:
        return without_skills(course, targets), far
    found = evidence(course, targets)
    if found >= min_evidence:
        return course, None
    why = (
        f"too little evidence that it teaches this target's skills: {len(linked)} inferred link(s), "
        f"evidence {found:.2f} < {min_evidence:g} (the probability that it teaches one of them, from the "
        "links' calibrated confidences, optional skills at half)"
    )
    return without_skills(course, targets), why


def without_skills(course: CourseOption, uris: Container[str]) -> CourseOption:
    """``course`` without its links to ``uris`` (``dataclasses.replace`` would check the whole course again,
    field by field: a target's view strips hundreds of courses)."""
    stripped = object.__new__(CourseOption)
    fields = stripped.__dict__
    fields.update(course.__dict__)
    # subsets of mappings the course checked and sorted, so checked and sorted too
    fields["skills"] = MappingProxyType({u: lv for u, lv in course.skills.items() if u not in uris})
    fields["confidence"] = MappingProxyType({u: c for u, c in course.confidence.items() if u not in uris})
    return stripped


def weakly_linked(courses: Iterable[CourseOption], target_skills: Mapping[str, float]) -> set[str]:
    """Ids of the ``courses`` that teach some of ``target_skills`` on less than ``MIN_EVIDENCE``."""
    return {
        c.id
        for c in courses
        if any(u in target_skills for u in c.skills) and evidence(c, target_skills) < MIN_EVIDENCE
    }
