"""The plan service (issue 12): serving features built as training builds them, the ranking deciding what is
proposed, the organisation's levels, and unmet training demand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest
from numpy.typing import NDArray

from api.services import levels as level_service
from api.services import plans as plan_service
from api.services.profiles import profile_gap
from data.plan_inputs import CourseTerms, Pricing, price_courses, rate_table
from recommender.currency import Converter
from recommender.errors import ImportFormatError
from recommender.graph import CompetenceGraph
from recommender.idmap import IdMap
from recommender.planner import CourseOption
from tests.recommender.conftest import tiny_data

START = dt.date(2027, 1, 4)


@pytest.fixture(scope="module")
def graph() -> CompetenceGraph:
    return CompetenceGraph.from_data(tiny_data())


class SkillAwareModel:
    """Stands in for a trained model: it favours course "b" for people who hold skill:paint (the painter's
    essential skill), as a model trained on workers holding their occupation's skills would; it records the
    features it was given."""

    path = Path("fake-model.npz")

    def __init__(self) -> None:
        self.seen: list[Mapping[str, float]] = []

    items = IdMap(["a", "b"])

    def score_vector(self, features: Mapping[str, float], history: Sequence[str] = ()) -> NDArray[np.float32]:
        self.seen.append(dict(features))
        painter = features.get("skill=skill:paint", 0.0) > 0
        return np.array([0.0, 1.0] if painter else [1.0, 0.0], dtype=np.float32)  # a, b


def options() -> plan_service.PlanOptions:
    courses = (
        CourseOption("a", "Battery chemistry, quick", 5.0, 0.0, skills={"skill:battery": 2, "skill:ev": 2}),
        CourseOption("b", "Battery chemistry, long", 40.0, 0.0, skills={"skill:battery": 2, "skill:ev": 2}),
    )
    return plan_service.PlanOptions(courses=courses, terms={}, badges=(), rates=rate_table())


def test_serving_features_hold_the_skills_of_the_occupation(graph: CompetenceGraph) -> None:
    profile = profile_gap(
        graph=graph, target="occ:battery", occupations=["occ:painter"], skills={"skill:weld": 1}
    )
    features = plan_service.serving_features(profile=profile, region="DE11", languages=["de"])
    # as training.dataset builds them: the occupation, its ISCO prefixes, every skill held (level / 4)
    assert features["occupation=occ:painter"] == 1.0 and features["isco=71"] == 1.0
    assert features["skill=skill:paint"] == 0.75 and features["skill=skill:comm"] == 0.75  # essential: 3
    assert features["skill=skill:weld"] == 0.25  # declared at 1
    assert features["region=DE11"] == 1.0 and features["language=de"] == 1.0


def test_the_ranking_changes_what_is_proposed(graph: CompetenceGraph) -> None:
    profile = profile_gap(graph=graph, target="occ:battery", occupations=["occ:painter"])
    request = plan_service.PlanRequest(start=START)
    model = SkillAwareModel()
    ranked = plan_service.plan(profile=profile, options=options(), model=cast(Any, model), request=request)
    content = plan_service.plan(profile=profile, options=options(), model=None, request=request)

    def best_for_you(answer: plan_service.PlanAnswer) -> list[str]:
        (plan,) = [p for p in answer.result.plans if "best for you" in p.labels]
        return [s.course_id for s in plan.steps]

    assert model.seen and model.seen[0]["skill=skill:paint"] == 0.75
    assert best_for_you(ranked) == ["b"]  # the model's choice, from the occupation's skills
    assert best_for_you(content) == ["a"]  # the content score ties; the quicker course wins
    assert "hybrid model" in ranked.ranking and ranked.to_dict()["required_levels"].startswith("default")


def test_a_worker_plan_sets_aside_a_course_far_from_the_target_subject(graph: CompetenceGraph) -> None:
    """The plan service judges courses by their subject against the target's when the options hold the
    vectors (``data.subject_vectors``): the quick course "a", far from a battery technician's world, is set
    aside with the reason and the long one taken."""
    from dataclasses import replace

    from recommender.planner.subject import SubjectVectors

    subjects = SubjectVectors(
        course_ids=("a", "b"),
        courses=np.array([[0.0, 1.0], [1.0, 0.0]], dtype=np.float16),
        occupation_uris=("occ:battery",),
        occupations=np.array([[1.0, 0.0]], dtype=np.float16),
    )
    profile = profile_gap(graph=graph, target="occ:battery", occupations=["occ:painter"])
    request = plan_service.PlanRequest(start=START)
    plain = plan_service.plan(profile=profile, options=options(), model=None, request=request)
    assert [s.course_id for s in plain.result.best.steps] == ["a"]
    judged = plan_service.plan(
        profile=profile, options=replace(options(), subjects=subjects), model=None, request=request
    )
    assert [s.course_id for s in judged.result.best.steps] == ["b"]
    (a,) = [e for e in judged.result.excluded if e.course_id == "a"]
    assert "its subject is far from the target's work" in a.reason


def test_organisation_levels_override_the_default_most_specific_first(
    graph: CompetenceGraph, tmp_path: Path
) -> None:
    table = tmp_path / "levels.csv"
    table.write_text(
        "occupation,skill,level\n,essential,2\nbattery technician,essential,2\n"
        "battery technician,battery chemistry,4\n,electric vehicles,1\n",
        encoding="utf-8",
    )
    rules = level_service.read_level_table(table)
    required = level_service.required_levels(graph=graph, target="occ:battery", rules=rules)
    assert (required.essential, required.optional) == (2, 2)
    assert dict(required.skills) == {"skill:battery": 4}  # electric vehicles at 1 is less specific than 2
    gap = profile_gap(graph=graph, target="occ:battery", occupations=["occ:painter"], required=required).gap
    assert {i.uri: i.required_level for i in gap.items} == {
        "skill:battery": 4,
        "skill:ev": 2,
        "skill:comm": 2,
    }
    other = level_service.required_levels(graph=graph, target="occ:welder", rules=rules)
    assert other.essential == 2 and not other.skills


def test_a_bad_level_row_is_located(tmp_path: Path) -> None:
    table = tmp_path / "levels.csv"
    table.write_text("occupation,skill,level\n,essential,5\n", encoding="utf-8")
    with pytest.raises(ImportFormatError, match=r"levels.csv, line 2, column 'level'.*from 1 \(basic\) to 4"):
        level_service.read_level_table(table)


def test_unmet_training_demand_adds_up_the_open_skills(graph: CompetenceGraph) -> None:
    request = plan_service.PlanRequest(start=START)
    only_a = plan_service.PlanOptions(courses=options().courses[:1], terms={}, badges=(), rates=rate_table())
    painter = plan_service.plan(
        profile=profile_gap(graph=graph, target="occ:battery", occupations=["occ:painter"]),
        options=only_a,
        model=None,
        request=request,
    )
    welder = plan_service.plan(
        profile=profile_gap(graph=graph, target="occ:battery", occupations=["occ:welder"]),
        options=only_a,
        model=None,
        request=request,
    )
    demand = {u.skill_uri: u for u in plan_service.unmet_training_demand([(painter, 6), (welder, 4)])}
    # course "a" brings both essential skills to 2 of the 3 needed: 10 people, the rest on the job
    assert set(demand) == {"skill:battery", "skill:ev"}
    battery = demand["skill:battery"]
    assert (battery.people, battery.essential, battery.catalogue_level, battery.needed_level) == (
        10,
        10,
        2,
        3,
    )
    assert dict(battery.alternatives) == {"on-the-job": 10}


def priced_options() -> plan_service.PlanOptions:
    """USD and EUR courses, one of unstated language, one unpriced, one with an optional certificate."""
    courses = (
        CourseOption("eur", "In euros", 5.0, 100.0, currency="EUR", skills={"skill:ev": 2}),
        CourseOption("usd", "In dollars", 5.0, 100.0, currency="USD", skills={"skill:ev": 2}),
        CourseOption("und", "Language unstated", 5.0, 10.0, currency="USD", language="und"),
        CourseOption("unpriced", "No price stated", 5.0, 0.0, currency="USD"),
        CourseOption("audit", "Audit track", 5.0, 0.0, currency="USD"),
    )
    terms = {
        "unpriced": CourseTerms(price_known=False, catalogue="coursera"),
        "audit": CourseTerms(certificate_price=50.0, catalogue="edx"),
    }
    return plan_service.PlanOptions(courses=courses, terms=terms, badges=(), rates=rate_table())


PRICINGS: dict[str, dict[str, Any]] = {
    "EUR, en/de, budget": dict(currency="EUR", budget=1500.0, languages=("en", "de")),
    "EUR, en/de, other budget": dict(currency="EUR", budget=900.0, languages=("en", "de")),
    "EUR, any language, no budget": dict(currency="EUR"),
    "EUR, free only": dict(currency="EUR", budget=0.0),
    "EUR, no certificates": dict(currency="EUR", certificates=False),
    "USD": dict(currency="USD", budget=1500.0),
    "EUR, own USD rate": dict(currency="EUR", budget=1500.0, overrides={"USD": 0.5}),
}


def _pricing(currency: str, overrides: Mapping[str, float] | None = None, **terms: Any) -> Pricing:
    return Pricing(Converter(currency, rate_table(), dict(overrides or {})), **terms)


def test_pricing_is_kept_per_pricing_terms_and_equals_pricing_anew() -> None:
    options = priced_options()
    answers = {}
    for name, terms in PRICINGS.items():
        pricing = _pricing(**terms)
        kept = options.priced(pricing)
        assert kept == price_courses(options.courses, options.terms, pricing), name  # the reference
        again = options.priced(pricing)
        assert again == kept and all(a is b for a, b in zip(again.options, kept.options, strict=True))
        answers[name] = kept
    # two budgets above 0 price alike; each other set of terms differs from the first somewhere
    assert len(options._priced) == len(PRICINGS) - 1
    first = answers["EUR, en/de, budget"]
    assert answers["EUR, en/de, other budget"] == first
    for name, answer in answers.items():
        if name not in ("EUR, en/de, budget", "EUR, en/de, other budget"):
            assert answer != first, name


def test_kept_pricings_are_bounded_private_to_their_options_and_safe_to_change() -> None:
    options = priced_options()
    pricing = _pricing("EUR", budget=1500.0)
    mine = options.priced(pricing)
    mine.options.clear()
    mine.set_aside["eur"] = "changed by a caller"
    assert options.priced(pricing) == price_courses(options.courses, options.terms, pricing)
    for rate in range(plan_service.PRICINGS_KEPT + 3):
        options.priced(_pricing("EUR", overrides={"USD": 0.5 + rate / 100}))
    assert len(options._priced) == plan_service.PRICINGS_KEPT
    fresh = priced_options()  # options loaded anew (a new catalogue) start with nothing kept
    assert (
        len(fresh._priced) == 0 and fresh.priced(pricing).options[0] is not options.priced(pricing).options[0]
    )


def test_a_language_given_twice_is_accepted_once() -> None:
    """en, EN, de, en is en, de: the plan's reasons say 'the worker takes courses in English ('en') or German
    ('de')' (they said 'en, en, de') and the request prices the catalogue as en, de does, from the same kept
    pricing."""
    options = priced_options()
    repeated = plan_service.PlanRequest(currency="EUR", budget=1500.0, languages=("en", "EN", "de", "en"))
    plain = plan_service.PlanRequest(currency="EUR", budget=1500.0, languages=("en", "de"))
    terms = plan_service.request_terms(options=options, request=repeated, today=dt.date(2027, 1, 4))
    assert terms.constraints.languages == terms.pricing.languages == ("en", "de")
    plan_service.request_terms(options=options, request=plain, today=dt.date(2027, 1, 4))
    assert len(options._priced) == 1
