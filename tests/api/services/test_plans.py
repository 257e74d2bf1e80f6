"""The plan service (issue 12): serving features built as training builds them, the ranking deciding what is
proposed, the organisation's levels, and unmet training demand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import pytest

from api.services import levels as level_service
from api.services import plans as plan_service
from api.services.profiles import profile_gap
from data.plan_inputs import rate_table
from recommender.errors import ImportFormatError
from recommender.graph import CompetenceGraph
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

    def scores_new(self, features: Mapping[str, float], history: Sequence[str] = ()) -> dict[str, float]:
        self.seen.append(dict(features))
        painter = features.get("skill=skill:paint", 0.0) > 0
        return {"a": 0.0 if painter else 1.0, "b": 1.0 if painter else 0.0}


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
