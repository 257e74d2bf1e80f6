"""Competence-graph fixtures: the full ESCO graph (built once per session) and a tiny hand-made one.

Use ``esco_graph`` in any test that needs real ESCO data; it is read-only, never mutate it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from data.db import transaction
from data.graph_loader import load_graph
from recommender.graph import ESSENTIAL, CompetenceGraph, Concept, GraphData

ESCO_OCCUPATION = "http://data.europa.eu/esco/occupation/"
VEHICLE_TECHNICIAN = ESCO_OCCUPATION + "4ad4024e-d1d3-4dea-b6d1-2c7948111dce"
AUTOMOTIVE_BATTERY_TECHNICIAN = ESCO_OCCUPATION + "06bd6285-13ed-4ea7-90cc-e9638a0600a9"


@pytest.fixture(scope="session")
def esco_graph(esco_engine: Engine) -> Iterator[CompetenceGraph]:
    """The competence graph of the full bundled ESCO v1.1.1 release (no courses or badges)."""
    with transaction(esco_engine) as session:
        graph = load_graph(db_session=session)
    yield graph


def tiny_data() -> GraphData:
    """Seven skills, four occupations, a skill hierarchy and a related pair, for hand-checked answers.

    Hierarchy (narrower -> broader): weld -> join metals -> metalworking; battery chemistry is related
    (essential) to electric vehicles.
    """
    skill = "skill:"
    return GraphData(
        skills=[
            Concept(skill + "weld", "weld metal parts", ("welding",)),
            Concept(skill + "join", "join metals", ("metal joining",)),
            Concept(skill + "metal", "metalworking", ()),
            Concept(skill + "comm", "communicate with customers", ("talk to clients",)),
            Concept(skill + "battery", "battery chemistry", ()),
            Concept(skill + "ev", "electric vehicles", ("EV technology",)),
            Concept(skill + "paint", "paint vehicles", ()),
        ],
        skill_groups=[Concept("group:eng", "engineering skills", ())],
        occupations=[
            Concept("occ:welder", "welder", ("metal welder",), {"isco_code": "7212", "code": "7212.1"}),
            Concept("occ:fabricator", "metal fabricator", (), {"isco_code": "7214", "code": "7214.1"}),
            Concept(
                "occ:battery",
                "battery technician",
                ("EV battery tech",),
                {"isco_code": "7412", "code": "7412.1"},
            ),
            Concept("occ:painter", "vehicle painter", (), {"isco_code": "7132", "code": "7132.1"}),
            Concept("occ:welder2", "pipe welder", (), {"isco_code": "7212", "code": "7212.1.1"}),
        ],
        skill_broader=[
            (skill + "weld", skill + "join"),
            (skill + "join", skill + "metal"),
            (skill + "metal", "group:eng"),
        ],
        skill_relations=[(skill + "battery", skill + "ev", "essential")],
        occupation_broader=[("occ:welder2", "occ:welder")],
        occupation_skills=[
            ("occ:welder", skill + "weld", "essential"),
            ("occ:welder", skill + "comm", "optional"),
            ("occ:fabricator", skill + "join", "essential"),
            ("occ:fabricator", skill + "metal", "optional"),
            ("occ:fabricator", skill + "comm", "essential"),
            ("occ:battery", skill + "battery", "essential"),
            ("occ:battery", skill + "ev", "essential"),
            ("occ:battery", skill + "comm", "optional"),
            ("occ:painter", skill + "paint", "essential"),
            ("occ:painter", skill + "comm", "essential"),
            ("occ:welder2", skill + "weld", "essential"),
            ("occ:welder2", skill + "metal", "essential"),
        ],
    )


@pytest.fixture(scope="session")
def tiny_graph() -> CompetenceGraph:
    return CompetenceGraph.from_data(tiny_data())


def required_skills(graph: CompetenceGraph, occupation_uri: str) -> dict[str, str]:
    """``{skill URI: "essential" | "optional"}`` for an occupation, read off the requirement matrix."""
    indices, relations = graph.requirements_of(occupation_uri)
    return {
        graph.skill_uris[i]: ("essential" if r == ESSENTIAL else "optional")
        for i, r in zip(indices.tolist(), relations.tolist(), strict=True)
    }
