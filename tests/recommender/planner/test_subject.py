"""A course on a right link but far from the target's world is not planned on for it (its subject's cosine
with the target's, ``recommender.planner.subject``)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from recommender.planner import Constraints, plan_paths
from recommender.planner.catalogue import PlanCatalogue
from recommender.planner.relevance import relevant_courses, target_weights
from recommender.planner.subject import MIN_SUBJECT, SubjectVectors
from tests.recommender.planner.builders import course, gap_item


def vectors() -> SubjectVectors:
    """Unit vectors: 'calculus' close to the engineer, 'primes' at a right angle to it (cosine 0)."""
    return SubjectVectors(
        course_ids=("calculus", "primes"),
        courses=np.array([[0.8, 0.6], [0.0, 1.0]], dtype=np.float16),
        occupation_uris=("occ:engineer", "occ:number-theorist"),
        occupations=np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float16),
    )


def test_a_course_far_from_the_target_is_set_aside_with_its_reason_and_another_taken() -> None:
    gap = [gap_item("maths")]
    courses = [
        course("primes", {"maths": 2}, price=0, hours=5, confidence={"maths": 0.9}),
        course("calculus", {"maths": 2}, price=0, hours=40, confidence={"maths": 0.9}),
        course("no-vector", {"other": 2}, price=0, hours=1),
    ]
    fit = vectors().fit("occ:engineer")
    assert fit is not None and fit.cosines["primes"] < MIN_SUBJECT <= fit.cosines["calculus"]
    # without the subject the quicker course is taken; with it, the one of the target's world
    assert [s.course_id for s in plan_paths(gap, courses, Constraints()).best.steps] == ["primes"]
    result = plan_paths(gap, courses, Constraints(), subject=fit)
    assert [s.course_id for s in result.best.steps] == ["calculus"]
    (primes,) = [e for e in result.excluded if e.course_id == "primes"]
    assert primes.reason.startswith("its subject is far from the target's work: cosine 0.000 < 0.05")
    # for the target whose world it is, it is planned on
    theorist = vectors().fit("occ:number-theorist")
    assert [s.course_id for s in plan_paths(gap, courses, Constraints(), subject=theorist).best.steps] == [
        "primes"
    ]


def test_the_catalogue_judges_the_subject_as_the_plain_pass_and_unknowns_are_not_judged() -> None:
    weights = target_weights([("maths", True)])
    courses = [
        course("primes", {"maths": 2}, confidence={"maths": 0.9}),
        course("unknown", {"maths": 2}, confidence={"maths": 0.9}),  # no vector: not judged by subject
    ]
    fit = vectors().fit("occ:engineer")
    kept, weak = relevant_courses(courses, weights, subject=fit)
    assert set(weak) == {"primes"} and [c.skills for c in kept] == [{}, {"maths": 2}]
    catalogue = PlanCatalogue(courses)
    assert dict(catalogue.relevance(weights, subject=fit).weak) == weak
    assert dict(catalogue.relevance(weights).weak) == {}  # kept apart from the judgement without subject
    assert vectors().fit("occ:unknown") is None


def test_a_skill_only_far_courses_name_is_reported_as_taught_elsewhere_not_as_weak_evidence() -> None:
    gap = [gap_item("maths"), gap_item("proofs")]
    courses = [
        course(
            "primes", {"maths": 2, "proofs": 2}, price=0, hours=5, confidence={"maths": 0.9, "proofs": 0.9}
        ),
        course("calculus", {"maths": 2}, price=0, hours=40, confidence={"maths": 0.9}),
        course("weak", {"proofs": 2}, price=0, hours=5, confidence={"proofs": 0.2}),
    ]
    fit = vectors().fit("occ:engineer")
    (proofs,) = plan_paths(gap, courses, Constraints(), subject=fit).best.uncovered_skills
    # a course far from the target's work is not said to name the skill "in passing": its link is sure
    assert proofs.reason == (
        "no course in the catalogue teaches it on enough evidence ('Course weak' names it in passing; "
        "'Course primes' names it but is about another field)"
    )
    (proofs,) = plan_paths(gap, courses[:2], Constraints(), subject=fit).best.uncovered_skills
    assert proofs.reason == (
        "no course in the catalogue teaches it for this target's work "
        "('Course primes' names it but is about another field)"
    )
    assert proofs.alternative is not None and proofs.alternative.text == (
        "no course in the catalogue teaches label of proofs for this target's work ('Course primes' names it "
        "but is about another field): learn it on the job, with a mentor or the employer's training centre"
    )
    # without the subject judgement the far course teaches it
    assert not plan_paths(gap, courses[:2], Constraints()).best.uncovered_skills


def test_two_set_aside_courses_of_one_title_are_told_apart_by_their_ids() -> None:
    gap = [gap_item("proofs")]
    courses = [
        replace(course("primes", {"proofs": 2}, confidence={"proofs": 0.9}), title="Numbers"),
        replace(course("weak", {"proofs": 2}, confidence={"proofs": 0.2}), title="Numbers"),
    ]
    (proofs,) = plan_paths(
        gap, courses, Constraints(), subject=vectors().fit("occ:engineer")
    ).best.uncovered_skills
    assert proofs.reason == (
        "no course in the catalogue teaches it on enough evidence ('Numbers' (weak) names it in passing; "
        "'Numbers' (primes) names it but is about another field)"
    )
