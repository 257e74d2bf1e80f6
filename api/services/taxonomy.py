"""The ESCO taxonomy as reference data: search occupations and skills, and read one with its relations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from recommender.errors import UnknownOccupation, UnknownSkill
from recommender.graph import ESSENTIAL, CompetenceGraph

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

ESCO_OCCUPATION = "http://data.europa.eu/esco/occupation/"
ESCO_SKILL = "http://data.europa.eu/esco/skill/"


def _resolve(raw: str, known: dict[str, int], base: str) -> str | None:
    """An id as given (a URI) or as the UUID tail of an ESCO URI; None when neither is known."""
    value = raw.strip()
    if value in known:
        return value
    if "/" not in value and base + value in known:
        return base + value
    return None


def occupation_uri(*, graph: CompetenceGraph, occupation_id: str) -> str:
    """Resolve an occupation id (ESCO URI or its UUID tail) to the URI; unknown ids raise with suggestions."""
    uri = _resolve(occupation_id, graph.occupation_index, ESCO_OCCUPATION)
    if uri is None:
        raise UnknownOccupation(occupation_id, graph.labels.suggestions(occupation_id, kind="occupation"))
    return uri


def skill_uri(*, graph: CompetenceGraph, skill_id: str) -> str:
    """Resolve a skill id (ESCO URI or its UUID tail) to the URI; unknown ids raise with suggestions."""
    uri = _resolve(skill_id, graph.skill_index, ESCO_SKILL)
    if uri is None:
        raise UnknownSkill(skill_id, graph.labels.suggestions(skill_id, kind="skill"))
    return uri


def search(
    *, graph: CompetenceGraph, kind: str, query: str | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Find one page of occupations or skills and how many there are in all.

    Ranked by label match (typos tolerated) when ``query`` is given, else ordered by label.
    """
    items: list[dict[str, Any]]
    if query is not None and query.strip():
        hits = graph.labels.search(query, kind=kind, limit=len(graph.labels))
        page = hits[offset : offset + limit]
        items = [
            {"uri": h.uri, "label": h.label, "matched_label": h.matched_label, "score": h.score} for h in page
        ]
        total = len(hits)
    else:
        uris = graph.occupation_uris if kind == "occupation" else graph.skill_uris
        labels = graph.occupation_labels if kind == "occupation" else graph.skill_labels
        ordered = sorted(zip(labels, uris, strict=True))
        items = [{"uri": uri, "label": label} for label, uri in ordered[offset : offset + limit]]
        total = len(ordered)
    for item in items:
        attributes = graph.attributes(item["uri"])
        if kind == "occupation":
            item["isco_code"] = str(attributes.get("isco_code", ""))
        else:
            item["skill_type"] = attributes.get("skill_type")
    return items, total


def occupation(*, db_session: Session, graph: CompetenceGraph, occupation_id: str) -> dict[str, Any]:
    """Read one occupation with its broader occupations and its required skills, essential and optional."""
    from data.reference import occupation_row

    uri = occupation_uri(graph=graph, occupation_id=occupation_id)
    row = occupation_row(db_session=db_session, uri=uri)
    if row is None:
        raise UnknownOccupation(occupation_id)
    skills, relations = graph.requirements_of(uri)
    required: dict[str, list[dict[str, str]]] = {"essential": [], "optional": []}
    for index, relation in zip(skills.tolist(), relations.tolist(), strict=True):
        name = "essential" if relation == ESSENTIAL else "optional"
        skill = graph.skill_uris[index]
        required[name].append({"uri": skill, "label": graph.label(skill), "relation": name})
    for entries in required.values():
        entries.sort(key=lambda entry: entry["label"])
    broader = [{"uri": b, "label": graph.label(b)} for b in graph.occupation_parent.get(uri, [])]
    return {
        **row,
        "broader": broader,
        "essential_skills": required["essential"],
        "optional_skills": required["optional"],
    }


def skill(*, db_session: Session, graph: CompetenceGraph, skill_id: str) -> dict[str, Any]:
    """Read one skill with its broader skills (or groups), related skills and how many occupations need it."""
    from data.reference import broader_skills, skill_row

    uri = skill_uri(graph=graph, skill_id=skill_id)
    row = skill_row(db_session=db_session, uri=uri)
    if row is None:
        raise UnknownSkill(skill_id)
    index = graph.skill_index[uri]
    related_indices, strengths = graph.skill_related(index)
    related = [
        {
            "uri": graph.skill_uris[i],
            "label": graph.skill_labels[i],
            "relation": "essential" if strength == 2 else "optional",
        }
        for i, strength in zip(related_indices.tolist(), strengths.tolist(), strict=True)
    ]
    requirements = graph.requirements
    column = requirements.indices == index
    essential = int((requirements.data[column] == ESSENTIAL).sum())
    return {
        **row,
        "broader": [
            {"uri": b, "label": graph.label(b)} for b in broader_skills(db_session=db_session, uri=uri)
        ],
        "related": sorted(related, key=lambda entry: entry["label"]),
        "required_by": {"essential": essential, "optional": int(column.sum()) - essential},
    }
