from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.orm import Session

from data import models
from data.graph_loader import load_graph, load_graph_data
from recommender.errors import UpskillError
from recommender.graph import CompetenceGraph, Concept
from tests.recommender.conftest import required_skills, tiny_data

ESCO_RELATIONS = Path(__file__).resolve().parents[2] / "data" / "esco" / "esco_v1.1.1_relations_csv.zip"


def test_tiny_graph_nodes_and_typed_edges(tiny_graph: CompetenceGraph) -> None:
    g = tiny_graph.graph
    assert g.nodes["occ:welder"]["kind"] == "occupation"
    assert g.nodes["group:eng"]["kind"] == "skill_group"
    assert g.has_edge("occ:welder", "skill:weld", key="essential")
    assert g.has_edge("occ:welder", "skill:comm", key="optional")
    assert g.has_edge("skill:weld", "skill:join", key="broader")
    assert g.has_edge("skill:metal", "group:eng", key="broader")
    # related skills go both ways
    assert g.has_edge("skill:battery", "skill:ev", key="related_essential")
    assert g.has_edge("skill:ev", "skill:battery", key="related_essential")
    assert g.has_edge("occ:welder2", "occ:welder", key="occupation_broader")


def test_requirement_matrix_and_specificity(tiny_graph: CompetenceGraph) -> None:
    assert required_skills(tiny_graph, "occ:fabricator") == {
        "skill:join": "essential",
        "skill:metal": "optional",
        "skill:comm": "essential",
    }
    spec = dict(zip(tiny_graph.skill_uris, tiny_graph.specificity, strict=True))
    # comm is required by four occupations, paint by one: the rare skill weighs more
    assert spec["skill:paint"] > spec["skill:comm"]
    n = len(tiny_graph.occupation_uris)
    assert spec["skill:comm"] == pytest.approx(np.log((1 + n) / (1 + 4)) + 1)


def test_ancestors_are_transitive_and_skip_groups(tiny_graph: CompetenceGraph) -> None:
    weld = tiny_graph.skill_index["skill:weld"]
    ancestors = {tiny_graph.skill_uris[i] for i in tiny_graph.skill_ancestors(weld)}
    assert ancestors == {"skill:join", "skill:metal"}
    related, strength = tiny_graph.skill_related(tiny_graph.skill_index["skill:ev"])
    assert [tiny_graph.skill_uris[i] for i in related] == ["skill:battery"]
    assert strength.tolist() == [2]


def test_dangling_edges_are_skipped_and_counted() -> None:
    data = tiny_data()
    data.occupation_skills.append(("occ:unreleased", "skill:weld", "essential"))
    graph = CompetenceGraph.from_data(data)
    assert graph.metadata["skipped_edges"] == {"essential": 1}
    assert "occ:unreleased" not in graph.occupation_index


def test_snapshot_round_trip(tiny_graph: CompetenceGraph, tmp_path: Path) -> None:
    tiny_graph.save(tmp_path / "snap")
    loaded = CompetenceGraph.load(tmp_path / "snap")
    assert loaded.occupation_uris == tiny_graph.occupation_uris
    assert loaded.skill_uris == tiny_graph.skill_uris
    assert (loaded.requirements != tiny_graph.requirements).nnz == 0
    assert (loaded.ancestors != tiny_graph.ancestors).nnz == 0
    np.testing.assert_array_equal(loaded.specificity, tiny_graph.specificity)
    assert sorted(loaded.graph.edges(keys=True)) == sorted(tiny_graph.graph.edges(keys=True))
    assert loaded.metadata["content_sha256"] == tiny_graph.metadata["content_sha256"]
    assert loaded.labels.search("welder", limit=3) == tiny_graph.labels.search("welder", limit=3)


def test_snapshot_errors_say_what_to_do(tiny_graph: CompetenceGraph, tmp_path: Path) -> None:
    with pytest.raises(UpskillError, match="snapshot file missing"):
        CompetenceGraph.load(tmp_path / "nothing")
    tiny_graph.save(tmp_path / "snap")
    document = json.loads((tmp_path / "snap" / "nodes.json").read_text())
    document["metadata"]["format"] = "something-else/9"
    (tmp_path / "snap" / "nodes.json").write_text(json.dumps(document))
    with pytest.raises(UpskillError, match="rebuild the snapshot"):
        CompetenceGraph.load(tmp_path / "snap")


def _add_taxonomy(session: Session) -> None:
    session.add_all(
        [
            models.Skill(uri="skill:a", preferred_label="repair brakes", alt_labels=["fix brakes"]),
            models.Skill(uri="skill:b", preferred_label="diagnose engines", alt_labels=[]),
            models.Occupation(
                uri="occ:m", isco_code="7231", code="7231.1", preferred_label="mechanic", alt_labels=[]
            ),
        ]
    )
    session.flush()
    session.add(
        models.OccupationSkill(occupation_uri="occ:m", skill_uri="skill:a", relation_type="essential")
    )
    session.flush()


def test_loader_without_courses_or_badges(db_session: Session) -> None:
    _add_taxonomy(db_session)
    graph = load_graph(db_session=db_session)
    counts = graph.counts()
    assert counts["nodes_course"] == 0 and counts["nodes_badge"] == 0
    assert required_skills(graph, "occ:m") == {"skill:a": "essential"}
    assert graph.attributes("occ:m")["isco_code"] == "7231"


def test_loader_adds_courses_and_badges(db_session: Session) -> None:
    _add_taxonomy(db_session)
    db_session.add_all(
        [
            models.Course(id="c1", title="Brakes 101", language="en", hours=10.0, level="introductory"),
            models.Course(id="c2", title="Brakes 201", language="en", hours=20.0, level="intermediate"),
            models.Badge(id="b1", name="Brake specialist"),
        ]
    )
    db_session.flush()
    db_session.add_all(
        [
            models.CourseSkill(course_id="c1", skill_uri="skill:a", level=1, confidence=0.8),
            models.CourseSkill(course_id="c2", skill_uri="skill:a", level=3, confidence=1.0),
            models.CoursePrerequisite(course_id="c2", prerequisite_id="c1"),
            models.BadgeSkill(badge_id="b1", skill_uri="skill:a", level=3),
            models.BadgeCourse(badge_id="b1", course_id="c2"),
        ]
    )
    db_session.flush()
    data = load_graph_data(db_session=db_session)
    assert [c.uri for c in data.courses] == ["c1", "c2"]
    graph = CompetenceGraph.from_data(data)
    g = graph.graph
    assert g.nodes["c1"]["kind"] == "course" and g.nodes["b1"]["kind"] == "badge"
    teaches = g.get_edge_data("c1", "skill:a", key="teaches")
    assert teaches["level"] == 1 and teaches["confidence"] == pytest.approx(0.8)
    assert g.has_edge("c2", "c1", key="course_prerequisite")
    assert g.get_edge_data("b1", "skill:a", key="badge_skill")["level"] == 3
    assert g.has_edge("b1", "c2", key="badge_course")
    assert graph.counts()["edges_teaches"] == 2


def test_from_data_keeps_first_kind_for_a_reused_id() -> None:
    data = tiny_data()
    data.courses.append(Concept("skill:weld", "a course with a clashing id"))
    graph = CompetenceGraph.from_data(data)
    assert "skill:weld" in graph.skill_index
    assert graph.counts()["nodes_course"] == len(data.courses) - 1  # the clashing one is not a course


def test_esco_graph_matches_the_release_files(esco_graph: CompetenceGraph) -> None:
    assert len(esco_graph.occupation_uris) == 3007
    assert len(esco_graph.skill_uris) == 13896
    with zipfile.ZipFile(ESCO_RELATIONS) as archive, archive.open("occupationSkillRelations.csv") as raw:
        rows = list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8")))
    expected = {
        (r["occupationUri"], r["skillUri"])
        for r in rows
        if r["occupationUri"] in esco_graph.occupation_index and r["skillUri"] in esco_graph.skill_index
    }
    assert esco_graph.requirements.nnz == len(expected)
    essential = sum(
        1
        for r in rows
        if r["relationType"] == "essential" and r["occupationUri"] in esco_graph.occupation_index
    )
    assert int((esco_graph.requirements.data == 2).sum()) == essential
