"""Microbadge rules, stacking, and the Open Badges 3.0 Achievement export against the specification."""

from __future__ import annotations

import json

import pytest

from recommender.badges import (
    ACHIEVEMENT_REQUIRED,
    ALIGNMENT_REQUIRED,
    Badge,
    BadgeCycle,
    BadgeRuleError,
    BadgeSkill,
    achievement,
    stacking_cycles,
)

ESCO = "http://data.europa.eu/esco/skill/"
BATTERY = ESCO + "84cc8c9d-db57-42ec-8948-9b632bf06124"


def badge(**changes: object) -> Badge:
    values: dict[str, object] = {
        "id": "ev-battery-basics",
        "name": "Electric vehicle batteries: the basics",
        "description": "You understand how EV batteries work.",
        "criteria": "",
        "earned_by": "k_of_n",
        "skills": (BadgeSkill(BATTERY, 1),),
        "courses": ("c1", "c2", "c3"),
        "k": 2,
        "requires": ("electronics",),
        "issuer": "Skills programme",
    }
    values.update(changes)
    return Badge(**values)  # type: ignore[arg-type]


def test_achievement_has_every_field_the_specification_requires() -> None:
    doc = achievement(
        badge(),
        skill_labels={BATTERY: "battery chemistry"},
        course_titles={"c1": "Batteries", "c2": "Electric cars"},
        badge_names={"electronics": "Electronics fundamentals"},
    )
    json.dumps(doc)  # plain JSON
    assert doc["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert doc["@context"][1].startswith("https://purl.imsglobal.org/spec/ob/v3p0/context")
    for name in (*ACHIEVEMENT_REQUIRED, "achievementType", "alignment"):
        assert doc[name], name
    assert "Achievement" in doc["type"]
    assert doc["id"].startswith("urn:") and doc["id"].endswith("ev-battery-basics")
    assert isinstance(doc["criteria"]["narrative"], str)
    assert "Complete any 2 of these 3 courses" in doc["criteria"]["narrative"]
    assert "- Batteries" in doc["criteria"]["narrative"] and "- c3" in doc["criteria"]["narrative"]
    assert "Electronics fundamentals" in doc["criteria"]["narrative"]
    [alignment] = doc["alignment"]
    for name in ALIGNMENT_REQUIRED:
        assert alignment[name], name
    assert alignment["type"] == ["Alignment"]
    assert alignment["targetFramework"] == "ESCO"
    assert alignment["targetUrl"] == BATTERY
    assert alignment["targetCode"] == "84cc8c9d-db57-42ec-8948-9b632bf06124"
    assert alignment["targetName"] == "battery chemistry"
    assert alignment["targetType"].startswith("ext:")
    assert doc["creator"]["type"] == ["Profile"] and doc["creator"]["name"] == "Skills programme"


def test_assessment_badge_says_how_to_earn_it() -> None:
    doc = achievement(
        badge(earned_by="assessment", k=None, courses=(), requires=()),
        skill_labels={BATTERY: "battery chemistry"},
        course_titles={},
        badge_names={},
    )
    assert (
        doc["criteria"]["narrative"]
        == "Pass a practical assessment with an approved assessor of: battery chemistry."
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"earned_by": "luck"}, "earned_by"),
        ({"skills": ()}, "skills"),
        ({"courses": (), "k": None, "earned_by": "all"}, "courses"),
        ({"k": 4}, "k"),
        ({"k": 0}, "k"),
        ({"earned_by": "all", "k": 2}, "k"),
        ({"requires": ("ev-battery-basics",)}, "requires"),
    ],
)
def test_rules_that_cannot_work_are_refused(changes: dict[str, object], field: str) -> None:
    with pytest.raises(BadgeRuleError) as error:
        badge(**changes).check()
    assert error.value.field == field


def test_stacking_cycles() -> None:
    assert stacking_cycles({"powertrain": ["battery", "electronics"], "battery": [], "electronics": []}) == []
    assert stacking_cycles({"a": ["b"], "b": ["a"], "c": ["a"]}) == [["a", "b"]]
    assert "a -> b -> a" in str(BadgeCycle([["a", "b"]]))
