from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recommender.errors import UnknownOccupation, UnknownSkill, UpskillError
from recommender.gap import (
    HIERARCHY_CREDIT,
    RELATED_CREDIT,
    Profile,
    credit_vectors,
    holdings,
    skill_gap,
)
from recommender.graph import CompetenceGraph
from tests.recommender.conftest import AUTOMOTIVE_BATTERY_TECHNICIAN, VEHICLE_TECHNICIAN

ESCO_RELATIONS = Path(__file__).resolve().parents[2] / "data" / "esco" / "esco_v1.1.1_relations_csv.zip"


def _occupation_skills_from_release() -> dict[str, dict[str, str]]:
    """occupation URI -> {skill URI: relation}, read straight from the bundled ESCO relations file."""
    out: dict[str, dict[str, str]] = {}
    with zipfile.ZipFile(ESCO_RELATIONS) as archive, archive.open("occupationSkillRelations.csv") as raw:
        for row in csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8")):
            out.setdefault(row["occupationUri"], {})[row["skillUri"]] = row["relationType"]
    return out


def test_known_answer_vehicle_technician_to_automotive_battery_technician(
    esco_graph: CompetenceGraph,
) -> None:
    release = _occupation_skills_from_release()
    current, target = release[VEHICLE_TECHNICIAN], release[AUTOMOTIVE_BATTERY_TECHNICIAN]
    lacking = {s for s, rel in target.items() if rel == "essential" and s not in current}
    essential_in_both = {
        s for s, rel in target.items() if rel == "essential" and current.get(s) == "essential"
    }

    gap = skill_gap(esco_graph, AUTOMOTIVE_BATTERY_TECHNICIAN, occupations=[VEHICLE_TECHNICIAN])

    essential = [i for i in gap.items if i.relation == "essential"]
    assert {i.uri for i in essential} == {s for s, rel in target.items() if rel == "essential"}
    assert {i.uri for i in essential if i.source != "occupation"} == lacking
    assert lacking and {i.uri for i in essential if i.status == "held"} == essential_in_both
    assert len(gap.items) == len(target)
    # essential first
    relations = [i.relation for i in gap.items]
    assert relations == sorted(relations, key=lambda r: r != "essential")
    assert 0.0 < gap.coverage < 100.0


def test_hierarchy_credit_narrower_credits_broader_not_the_reverse(tiny_graph: CompetenceGraph) -> None:
    gap = skill_gap(tiny_graph, "occ:fabricator", occupations=["occ:welder"])
    by_uri = {i.uri: i for i in gap.items}
    join = by_uri["skill:join"]  # essential, needed at 3; weld held at 3 credits half
    assert join.status == "partial" and join.source == "narrower" and join.via == "skill:weld"
    assert join.credit == pytest.approx(HIERARCHY_CREDIT)
    assert "narrower skill 'weld metal parts'" in join.reason
    metal = by_uri["skill:metal"]  # optional, needed at 2; two levels up still credits
    assert metal.status == "partial" and metal.credit == pytest.approx(HIERARCHY_CREDIT * 3 / 2)
    comm = by_uri["skill:comm"]  # optional for the welder (level 2), essential here (3 needed)
    assert (
        comm.status == "partial"
        and comm.source == "occupation"
        and comm.credit == pytest.approx(2 / 3, abs=1e-4)
    )

    reverse = skill_gap(tiny_graph, "occ:welder", skills={"skill:metal": 4})
    assert {i.uri: i.status for i in reverse.items}["skill:weld"] == "missing"


def test_related_skill_credits_part(tiny_graph: CompetenceGraph) -> None:
    gap = skill_gap(tiny_graph, "occ:battery", skills={"skill:ev": 3})
    battery = {i.uri: i for i in gap.items}["skill:battery"]
    assert battery.status == "partial" and battery.source == "related"
    assert battery.credit == pytest.approx(RELATED_CREDIT)


def test_declared_levels_and_explanations(tiny_graph: CompetenceGraph) -> None:
    gap = skill_gap(tiny_graph, "occ:painter", skills={"paint vehicles": 1, "skill:comm": 4})
    items = {i.uri: i for i in gap.items}
    assert items["skill:paint"].status == "partial"
    assert items["skill:paint"].reason == "declared at level 1 (basic), below the level 3 needed"
    assert items["skill:comm"].status == "held"
    assert items["skill:paint"].required_because == "essential skill of 'vehicle painter' (level 3 needed)"
    missing = skill_gap(tiny_graph, "occ:painter", skills={"skill:weld": 0})
    assert [i.status for i in missing.items] == ["missing", "missing"]
    assert missing.coverage == 0.0 and missing.gap_score > 0


def test_weighted_score_and_coverage(tiny_graph: CompetenceGraph) -> None:
    gap = skill_gap(tiny_graph, "occ:fabricator", occupations=["occ:welder"])
    total = sum(i.weight for i in gap.items)
    credited = sum(i.weight * i.credit for i in gap.items)
    assert gap.coverage == pytest.approx(100 * credited / total, abs=1e-3)
    assert gap.gap_score == pytest.approx(total - credited, abs=1e-3)


def test_unknown_and_invalid_inputs(tiny_graph: CompetenceGraph) -> None:
    with pytest.raises(UnknownOccupation, match="closest matches: welder"):
        skill_gap(tiny_graph, "weldr", occupations=[])
    with pytest.raises(UnknownOccupation):
        skill_gap(tiny_graph, "occ:welder", occupations=["occ:nobody"])
    with pytest.raises(UnknownSkill, match="metalworking"):
        skill_gap(tiny_graph, "occ:welder", skills={"metalwork": 2})
    with pytest.raises(UpskillError, match="0 \\(none\\) to 4 \\(expert\\)"):
        skill_gap(tiny_graph, "occ:welder", skills={"skill:weld": 5})


def test_credit_vectors_agree_with_the_gap(tiny_graph: CompetenceGraph) -> None:
    held = holdings(tiny_graph, Profile(("occ:welder",), {"skill:ev": 2}))
    essential, optional = credit_vectors(tiny_graph, held)
    for target in tiny_graph.occupation_uris:
        gap = skill_gap(tiny_graph, target, occupations=["occ:welder"], skills={"skill:ev": 2})
        for item in gap.items:
            vector = essential if item.relation == "essential" else optional
            assert vector[tiny_graph.skill_index[item.uri]] == pytest.approx(item.credit, abs=1e-4)


# --- properties on the full ESCO graph ---------------------------------------------------------------

N_OCCUPATIONS = 3007
N_SKILLS = 13896
PROPERTY = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY
@given(occupation=st.integers(0, N_OCCUPATIONS - 1))
def test_gap_of_an_occupation_to_itself_is_empty(esco_graph: CompetenceGraph, occupation: int) -> None:
    uri = esco_graph.occupation_uris[occupation]
    gap = skill_gap(esco_graph, uri, occupations=[uri])
    assert gap.gaps == []
    assert gap.coverage == 100.0 and gap.gap_score == 0.0


@PROPERTY
@given(
    current=st.integers(0, N_OCCUPATIONS - 1),
    target=st.integers(0, N_OCCUPATIONS - 1),
    declared=st.dictionaries(st.integers(0, N_SKILLS - 1), st.integers(0, 4), max_size=5),
    added=st.integers(0, N_SKILLS - 1),
    level=st.integers(0, 4),
)
def test_coverage_never_falls_when_a_skill_is_added(
    esco_graph: CompetenceGraph, current: int, target: int, declared: dict[int, int], added: int, level: int
) -> None:
    occupations = [esco_graph.occupation_uris[current]]
    skills = {esco_graph.skill_uris[s]: lvl for s, lvl in declared.items()}
    target_uri = esco_graph.occupation_uris[target]
    before = skill_gap(esco_graph, target_uri, occupations=occupations, skills=skills)
    more = dict(skills)
    uri = esco_graph.skill_uris[added]
    more[uri] = max(level, more.get(uri, 0))
    after = skill_gap(esco_graph, target_uri, occupations=occupations, skills=more)
    assert after.coverage >= before.coverage
    assert after.gap_score <= before.gap_score + 1e-9
    credits_before = {i.uri: i.credit for i in before.items}
    assert all(i.credit >= credits_before[i.uri] for i in after.items)


def test_same_input_same_output(esco_graph: CompetenceGraph) -> None:
    first = skill_gap(esco_graph, AUTOMOTIVE_BATTERY_TECHNICIAN, occupations=[VEHICLE_TECHNICIAN])
    second = skill_gap(esco_graph, AUTOMOTIVE_BATTERY_TECHNICIAN, occupations=[VEHICLE_TECHNICIAN])
    assert first == second
    assert np.isfinite(first.gap_score)


def test_past_occupations_add_up(tiny_graph: CompetenceGraph) -> None:
    current_only = skill_gap(tiny_graph, "occ:fabricator", occupations=["occ:welder"])
    with_past = skill_gap(tiny_graph, "occ:fabricator", occupations=["occ:welder", "vehicle painter"])
    comm = {i.uri: i for i in with_past.items}["skill:comm"]
    # essential for the painter (level 3) beats optional for the welder (level 2)
    assert comm.status == "held" and comm.via == "occ:painter"
    assert with_past.coverage > current_only.coverage
