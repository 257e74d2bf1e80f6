"""PlanCatalogue: its index, relevance judgements and filter results equal the plain passes over the
catalogue (``filter_courses``, ``relevant_courses``, ``build_problem`` without the index), and a catalogue
reused for many plans gives the plans a fresh list gives, on random catalogues."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import fields, replace
from datetime import date, timedelta

import numpy as np
import pytest

from recommender.errors import InvalidPlanInput, PrerequisiteCycle
from recommender.planner import Constraints, CourseOption, GapItem, PlanCatalogue, Prerequisite, plan_paths
from recommender.planner.build import build_problem, held_levels
from recommender.planner.catalogue import Courses
from recommender.planner.filters import filter_courses
from recommender.planner.plan import _cost_function, _normalised, _normalised_scores, content_scores
from recommender.planner.relevance import relevant_courses, target_weights
from recommender.planner.scores import ScoreIndex, ScoreVector
from tests.recommender.planner.builders import START, course

SKILLS = [f"http://data.europa.eu/esco/skill/s{k}" for k in range(14)]


def random_catalogue(rng: random.Random, n: int) -> list[CourseOption]:
    courses: list[CourseOption] = []
    for k in range(n):
        cid = f"c{rng.randrange(10**6):06d}-{k}"  # catalogue order is not id order
        taught = rng.sample(SKILLS, rng.randint(0, 4))
        earlier = [c.id for c in courses]
        courses.append(
            CourseOption(
                cid,
                f"Course {cid}",
                float(rng.choice([2, 4.5, 10, 36, 80])),
                rng.choice([0, 0.0, 19.99, 49.0, 120.0, 900.0, 2500.0]),
                currency=rng.choice(["EUR", "EUR", "USD", "GBP"]),
                language=rng.choice(["en", "en", "de", "cs"]),
                delivery_mode=rng.choice(["online", "online", "in-person", "blended"]),
                region=rng.choice([None, "DE1", "CZ08", "SK02"]),
                level=rng.choice([None, "introductory", "intermediate", "advanced"]),
                start_dates=tuple(
                    START + timedelta(days=rng.randrange(-60, 400)) for _ in range(rng.choice([0, 0, 1, 2]))
                ),
                skills={uri: rng.randint(1, 4) for uri in taught},
                confidence={
                    uri: rng.choice([0.05, 0.08, 0.12, 0.2, 0.6]) for uri in taught if rng.random() < 0.7
                },
                prerequisites=tuple(
                    Prerequisite(p, rng.choice(["catalogue", "level"]))
                    for p in (rng.sample(earlier, 1) if earlier and rng.random() < 0.15 else [])
                ),
            )
        )
    return courses


def random_gap(rng: random.Random) -> list[GapItem]:
    return [
        GapItem(
            uri,
            f"label of {uri}",
            rng.choice(["essential", "optional"]),  # type: ignore[arg-type]
            needed,
            rng.randint(0, needed),
            rng.choice([0.5, 1.0, 2.0]),
        )
        for uri in rng.sample(SKILLS, rng.randint(1, 8))
        for needed in (rng.randint(1, 4),)
    ]


def random_constraints(rng: random.Random, courses: list[CourseOption]) -> Constraints:
    ids = [c.id for c in courses]
    start = rng.choice([None, START, START + timedelta(days=90)])
    return Constraints(
        budget=rng.choice([None, 0.0, 100.0, 1500.0]),
        currency=rng.choice(["EUR", "USD"]),
        exchange_rates=rng.choice([{}, {"USD": 0.9}, {"USD": 0.9, "GBP": 1.2, "EUR": 1.1}]),
        max_hours=rng.choice([None, 40.0, 300.0]),
        hours_per_week=rng.choice([3.0, 6.0, 8.0]),
        start=start,
        deadline=None if start is None else rng.choice([None, start + timedelta(days=rng.randrange(0, 400))]),
        languages=rng.choice([(), ("en",), ("en", "de")]),
        delivery_modes=rng.choice([(), ("online",), ("online", "blended")]),
        region=rng.choice([None, "DE11", "CZ08"]),
        levels=rng.choice([(), ("introductory", "intermediate")]),
        excluded=frozenset(rng.sample(ids, min(len(ids), rng.choice([0, 0, 2])))),
        completed=frozenset(rng.sample(ids, min(len(ids), rng.choice([0, 0, 1])))),
        objective=rng.choice(["hours", "cost"]),  # type: ignore[arg-type]
        include_optional=rng.choice([True, False]),
    )


@pytest.mark.parametrize("seed", range(12))
def test_index_filter_and_relevance_equal_the_plain_passes(seed: int) -> None:
    rng = random.Random(seed)
    courses = random_catalogue(rng, rng.choice([0, 5, 40, 150]))
    catalogue = PlanCatalogue(courses)
    for uri in SKILLS:
        assert catalogue.teaching.get(uri, ()) == tuple(c.id for c in courses if uri in c.skills)
    for _ in range(8):
        constraints = random_constraints(rng, courses) if courses else Constraints()
        filtered = catalogue.filtered(constraints)
        available, excluded = filter_courses(courses, constraints)
        assert list(filtered.available.items()) == list(available.items())
        assert list(filtered.excluded.items()) == list(excluded.items())
        assert filtered.sorted_ids == tuple(sorted(available))
        assert catalogue.filtered(replace(constraints, hours_per_week=9.5)) is filtered  # kept, shared

        gap = random_gap(rng)
        uris = {item.skill_uri for item in gap}
        assert catalogue.naming(uris) == [c.id for c in courses if uris & c.skills.keys()]
        weights = target_weights((item.skill_uri, item.essential) for item in gap)
        relevance = catalogue.relevance(weights)
        kept, weak = relevant_courses(courses, weights)
        assert list(relevance.weak.items()) == list(weak.items())
        adjusted = Courses(catalogue.by_id, relevance.stripped)
        assert [adjusted[c.id] for c in courses] == kept
        assert catalogue.relevance(dict(reversed(weights.items()))) is relevance


@pytest.mark.parametrize("seed", range(8))
def test_a_target_view_and_build_problem_with_it_equal_the_passes_over_every_course(seed: int) -> None:
    rng = random.Random(100 + seed)
    courses = random_catalogue(rng, 120)
    catalogue = PlanCatalogue(courses)
    for _ in range(6):
        gap = random_gap(rng)
        uris = {item.skill_uri for item in gap}
        constraints = random_constraints(rng, courses)
        weights = target_weights((item.skill_uri, item.essential) for item in gap)
        kept, _ = relevant_courses(courses, weights)
        available, excluded = filter_courses(kept, constraints)
        view = catalogue.view(weights, constraints)
        assert catalogue.view(dict(weights), replace(constraints, hours_per_week=1.5)) is view
        assert dict(view.available) == available and dict(view.filtered.excluded) == excluded
        teachers: dict[str, list[tuple[str, int]]] = {uri: [] for uri in uris}
        for option in kept:
            for uri, level in option.skills.items():
                if uri in teachers:
                    teachers[uri].append((option.id, level))
        assert {u: list(t) for u, t in view.teachers.items()} == teachers
        assert view.reported == {c.id for c in kept if c.id in excluded and uris & c.skills.keys()}
        held = held_levels(gap, [view.courses[c] for c in sorted(constraints.completed)])
        args = {
            "excluded": excluded,
            "held": held,
            "completed": constraints.completed,
            "cost_of": _cost_function("fastest", {}),
            "budget": constraints.budget,
            "max_hours": constraints.max_hours,
            "include_optional": constraints.include_optional,
        }
        plain = build_problem(gap, available, **args)  # type: ignore[arg-type]
        indexed = build_problem(gap, view.available, teachers=view.available_teachers, **args)  # type: ignore[arg-type]
        assert plain.targets == indexed.targets and plain.units == indexed.units
        assert plain.held == indexed.held and plain.not_takeable == indexed.not_takeable
        for f in fields(plain.problem):
            a, b = getattr(plain.problem, f.name), getattr(indexed.problem, f.name)
            assert np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b, f.name


@pytest.mark.parametrize("seed", range(6))
def test_normalised_scores_equal_the_plain_normalisation(seed: int) -> None:
    rng = random.Random(200 + seed)
    courses = random_catalogue(rng, 80)
    catalogue = PlanCatalogue(courses)
    for _ in range(6):
        gap = random_gap(rng)
        constraints = random_constraints(rng, courses)
        filtered = catalogue.filtered(constraints)
        available = filtered.available
        naming = catalogue.naming({item.skill_uri for item in gap})
        model = {c.id: rng.random() for c in courses if rng.random() < 0.8}
        ids = list(model) + ["not-in-the-catalogue"]
        vector = ScoreVector(
            np.array([model.get(i, 9.0) for i in ids], dtype=np.float32), ScoreIndex(ids)
        )  # as a model gives them: float32, in its own order, with items the catalogue lacks
        as_read = {i: float(np.float32(model.get(i, 9.0))) for i in ids}
        for scores in (None, model, {}, vector):
            if scores is None:
                plain: Mapping[str, float] = content_scores(gap, [a.course for a in available.values()])
            else:
                plain = as_read if scores is vector else scores
            expected = _normalised(plain, sorted(available))
            got = _normalised_scores(gap, scores, available, filtered.sorted_ids, naming)
            assert dict(got) == expected
            assert all(got.get(c.id, 0.0) == expected.get(c.id, 0.0) for c in courses)


@pytest.mark.parametrize("seed", range(5))
def test_a_catalogue_reused_for_many_plans_gives_the_plans_of_a_fresh_list(seed: int) -> None:
    rng = random.Random(300 + seed)
    courses = random_catalogue(rng, 60)
    catalogue = PlanCatalogue(courses)
    for _ in range(8):
        gap = random_gap(rng)
        constraints = random_constraints(rng, courses)
        scores = rng.choice([None, {c.id: rng.random() for c in courses}])
        for solver in ("auto", "greedy"):
            fresh = plan_paths(gap, courses, constraints, scores=scores, solver=solver)  # type: ignore[arg-type]
            reused = plan_paths(gap, catalogue, constraints, scores=scores, solver=solver)  # type: ignore[arg-type]
            assert reused == fresh
            assert reused.to_dict() == fresh.to_dict()


def test_a_bad_catalogue_is_refused_when_planned_on_in_the_same_order_as_before() -> None:
    gap = [GapItem("s", "s", "essential", 2, 0)]
    twice = PlanCatalogue([course("a", {"s": 2}), course("a", {"s": 1})])  # building never raises
    with pytest.raises(InvalidPlanInput, match="appears twice"):
        plan_paths(gap, twice, Constraints())
    cyclic = PlanCatalogue([course("a", {"s": 2}, requires=("b",)), course("b", {"s": 1}, requires=("a",))])
    with pytest.raises(PrerequisiteCycle):
        plan_paths(gap, cyclic, Constraints())
    with pytest.raises(PrerequisiteCycle):  # every time
        plan_paths(gap, cyclic, Constraints())
    with pytest.raises(InvalidPlanInput, match="auto, greedy or exact"):  # the solver is checked first
        plan_paths(gap, cyclic, Constraints(), solver="fast")  # type: ignore[arg-type]


def test_deadline_is_a_date_in_the_filter_key() -> None:
    courses = [course("a", {"s": 2}, start_dates=(START + timedelta(days=30),))]
    catalogue = PlanCatalogue(courses)
    early = catalogue.filtered(Constraints(start=START, deadline=START + timedelta(days=10)))
    late = catalogue.filtered(Constraints(start=START, deadline=date(2028, 1, 1)))
    assert "a" in early.excluded and "a" in late.available


def test_grouped_reasons_count_the_courses_over_a_limit_as_one() -> None:
    """Each course over the budget, the hours or the deadline has its own reason (its price, hours or next
    session); grouped, the courses over one limit share one line, and other reasons stay as they are."""
    from recommender.planner.filters import grouped_reason

    courses = [
        course("dear", {"s": 2}, price=300.0),
        course("dearer", {"s": 2}, price=450.5),
        course("long", {"s": 2}, price=10.0, hours=80.0),
        course("late", {"s": 2}, price=10.0, start_dates=(START + timedelta(days=90),)),
        course("german", {"s": 2}, price=10.0, language="de"),
        course("fine", {"s": 2}, price=10.0),
    ]
    constraints = Constraints(
        budget=200.0, max_hours=40.0, start=START, deadline=START + timedelta(days=30), languages=("en",)
    )
    _, excluded = filter_courses(courses, constraints)
    assert excluded["dear"] != excluded["dearer"]  # each names its own price
    by_id = {c.id: c for c in courses}
    grouped = {cid: grouped_reason(by_id[cid], why, constraints) for cid, why in excluded.items()}
    assert grouped == {
        "dear": "costs more than the whole budget of 200.00 EUR",
        "dearer": "costs more than the whole budget of 200.00 EUR",
        "long": "takes more than the maximum of 40 h",
        "late": f"next session starts after the deadline {(START + timedelta(days=30)).isoformat()}",
        "german": excluded["german"],
    }
    free_only = Constraints(budget=0.0)
    _, excluded = filter_courses(courses, free_only)
    assert {grouped_reason(by_id[cid], why, free_only) for cid, why in excluded.items()} == {
        "not free, and the budget is 0 (free courses only)"
    }
    assert len(excluded) == len(courses)
    # grouped by what the reason is, not by how its words begin: a reason of another kind that begins as a
    # limit's does ("takes ...") is not taken for one
    assert grouped_reason(by_id["long"], "takes a lab in person; the worker is online", constraints) == (
        "takes a lab in person; the worker is online"
    )
