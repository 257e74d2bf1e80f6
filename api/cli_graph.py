"""``upskill gap``, ``upskill roles adjacent`` and ``upskill evaluate roles`` (the competence-graph job)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from api.cli_common import app, console, database, evaluate_app, print_json, reports_errors
from data.db import transaction
from data.formats import declared_skills, role_reference
from data.graph_loader import load_graph, occupation_descriptions
from evaluation.roles import (
    description_reference,
    evaluate_roles,
    hierarchy_reference,
    minor_group_reference,
    parse_weights,
)
from recommender.adjacent import adjacent_roles
from recommender.errors import UpskillError
from recommender.gap import Profile, SkillGap, skill_gap
from recommender.graph import CompetenceGraph
from recommender.sectors import SECTORS, sector_uris

roles_app = typer.Typer(help="Occupations a worker could move to.", no_args_is_help=True)
app.add_typer(roles_app, name="roles")
graph_app = typer.Typer(help="The competence graph: snapshots and label search.", no_args_is_help=True)
app.add_typer(graph_app, name="graph")

SnapshotOption = Annotated[
    Path | None,
    typer.Option("--snapshot", help="Load the graph from a snapshot folder instead of the database."),
]
SkillsOption = Annotated[
    Path | None,
    typer.Option(
        "--skills",
        help="CSV with columns skill,level: ESCO skill URI or exact label, level 0 (none) to 4 (expert).",
    ),
]


def competence_graph(snapshot: Path | None = None) -> CompetenceGraph:
    """The graph from a snapshot, or built from the configured database (which must hold ESCO)."""
    if snapshot is not None:
        return CompetenceGraph.load(snapshot)
    with transaction(database()) as session:
        graph = load_graph(db_session=session)
    if not graph.occupation_uris:
        raise UpskillError("the database holds no ESCO occupations; run `upskill import esco` first")
    return graph


@dataclass(frozen=True)
class ProfileGap:
    """What the ``--from`` / ``--skills`` / ``--to`` options describe, resolved on the competence graph."""

    graph: CompetenceGraph
    occupations: tuple[str, ...]  # URIs
    skills: dict[str, int]  # as declared: URI or label -> level 0..4
    gap: SkillGap


def profile_gap(
    to: str, current: list[str] | None, skills: Path | None, snapshot: Path | None = None
) -> ProfileGap:
    """The gap from the occupations given with ``--from`` and/or a ``--skills`` file to the target ``to``."""
    if not current and skills is None:
        raise UpskillError("give the current occupation (--from) and/or declared skills (--skills FILE)")
    declared = declared_skills.read(skills) if skills is not None else {}
    graph = competence_graph(snapshot)
    gap = skill_gap(graph, to, occupations=current or [], skills=declared)
    occupations = tuple(graph.resolve_occupation(o) for o in current or [])
    return ProfileGap(graph, occupations, declared, gap)


@graph_app.command("snapshot")
@reports_errors
def snapshot_command(
    out: Annotated[Path, typer.Argument(help="Folder to write arrays.npz and nodes.json into.")],
) -> None:
    """Build the graph from the database and save a snapshot for a fast start (``--snapshot`` options)."""
    graph = competence_graph()
    graph.save(out)
    counts = graph.counts()
    console.print(
        f"snapshot written to {out}: {counts['nodes_occupation']:,} occupations, {counts['nodes_skill']:,} "
        f"skills, {counts['nodes_course']:,} courses, {counts['nodes_badge']:,} badges"
    )


@graph_app.command("search")
@reports_errors
def search_command(
    query: Annotated[str, typer.Argument(help="Free text; typos are tolerated.")],
    kind: Annotated[str | None, typer.Option("--kind", help="occupation or skill")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    snapshot: SnapshotOption = None,
) -> None:
    """Search occupation and skill labels (preferred and alternative), best match first."""
    if kind not in (None, "occupation", "skill"):
        raise UpskillError(f"--kind must be occupation or skill, not {kind!r}")
    hits = competence_graph(snapshot).labels.search(query, kind=kind, limit=limit)
    if as_json:
        print_json([asdict(hit) for hit in hits])
        return
    table = Table(title=f"labels matching {query!r}")
    for column in ("score", "kind", "label", "matched label", "uri"):
        table.add_column(column)
    for hit in hits:
        table.add_row(f"{hit.score:.3f}", hit.kind, hit.label, hit.matched_label, hit.uri)
    console.print(table)


@app.command("gap")
@reports_errors
def gap_command(
    to: Annotated[str, typer.Option("--to", help="Target occupation: ESCO URI or exact label.")],
    current: Annotated[
        list[str] | None,
        typer.Option("--from", help="Current occupation (repeat for past ones): ESCO URI or exact label."),
    ] = None,
    skills: SkillsOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    snapshot: SnapshotOption = None,
) -> None:
    """Print the skills a target occupation requires, essential first, with what the worker already has."""
    result = profile_gap(to, current, skills, snapshot).gap
    if as_json:
        print_json(result.to_dict())
        return
    title = (
        f"gap to {result.target_label!r}: coverage {result.coverage:.1f} %, gap score {result.gap_score:.2f}"
    )
    table = Table(title=title)
    for column in ("relation", "status", "skill", "why it counts"):
        table.add_column(column)
    style = {"held": "green", "partial": "yellow", "missing": "red"}
    for item in result.items:
        table.add_row(item.relation, f"[{style[item.status]}]{item.status}[/]", item.label, item.reason)
    console.print(table)


@roles_app.command("adjacent")
@reports_errors
def adjacent_command(
    occupation: Annotated[str, typer.Argument(help="Current occupation: ESCO URI or exact label.")],
    k: Annotated[int, typer.Option("--k", min=1, help="How many occupations.")] = 10,
    sector: Annotated[
        str | None, typer.Option("--sector", help=f"Only occupations of a sector: {', '.join(SECTORS)}.")
    ] = None,
    exclude_same_isco: Annotated[
        bool, typer.Option("--exclude-same-isco", help="Leave out the current ISCO unit group.")
    ] = False,
    min_score: Annotated[float, typer.Option("--min-score", help="Leave out scores below this.")] = 0.0,
    skills: SkillsOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    snapshot: SnapshotOption = None,
) -> None:
    """Rank the occupations a worker could move to by how much of their skills transfer."""
    declared = declared_skills.read(skills) if skills is not None else {}
    members = sector_uris(sector) if sector is not None else None
    graph = competence_graph(snapshot)
    roles = adjacent_roles(
        graph,
        occupation=occupation,
        profile=Profile(skills=declared),
        k=k,
        sector=members,
        exclude_same_isco=exclude_same_isco,
        min_score=min_score,
    )
    if as_json:
        print_json([role.to_dict() for role in roles])
        return
    table = Table(title=f"adjacent roles for {graph.label(graph.resolve_occupation(occupation))!r}")
    for column in (
        "#",
        "occupation",
        "ISCO",
        "score",
        "skills",
        "activities",
        "text",
        "isco",
        "coverage",
        "missing ess.",
    ):
        table.add_column(column, justify="left" if column == "occupation" else "right")
    for rank, role in enumerate(roles, start=1):
        table.add_row(
            str(rank),
            role.label,
            role.isco_code,
            f"{role.score:.3f}",
            f"{role.skills:.2f}",
            f"{role.activities:.2f}",
            f"{role.text:.2f}",
            f"{role.isco:.2f}",
            f"{role.coverage:.2f}",
            str(role.n_missing_essential),
        )
    console.print(table)


@evaluate_app.command("roles")
@reports_errors
def evaluate_roles_command(
    reference: Annotated[
        Path | None,
        typer.Option("--reference", help="CSV of pairs source_uri,related_uri (ESCO occupation URIs)."),
    ] = None,
    proxy: Annotated[
        str | None,
        typer.Option(
            "--proxy",
            help="Instead of a file, a proxy reference derived from ESCO: 'hierarchy' (parent, children "
            "and siblings in the ESCO occupation hierarchy), 'descriptions' (nearest TF-IDF neighbours "
            "of the occupation descriptions) or 'minor-groups' (same ISCO minor group, other unit group; "
            "the source's unit group is left out of the ranking).",
        ),
    ] = None,
    k: Annotated[int, typer.Option("--k", min=1)] = 10,
    weights: Annotated[
        str | None,
        typer.Option(
            "--weights",
            help="Facet weights to evaluate instead of the built-in ones, e.g. "
            "'skills=1,activities=0.5,text=1,isco=0.2' (facets left out weigh 0).",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object instead of a table.")
    ] = False,
    snapshot: SnapshotOption = None,
) -> None:
    """Recall@k and MRR of adjacent roles against a reference, next to plain Jaccard over required skills."""
    proxies = ("hierarchy", "descriptions", "minor-groups")
    if (reference is None) == (proxy is None):
        raise UpskillError(f"give exactly one of --reference PAIRS.csv or --proxy {'|'.join(proxies)}")
    if proxy is not None and proxy not in proxies:
        raise UpskillError(f"unknown proxy {proxy!r}; use one of {', '.join(proxies)}")
    chosen = parse_weights(weights) if weights is not None else None
    pairs = role_reference.read(reference) if reference is not None else None
    graph = competence_graph(snapshot)
    if proxy == "hierarchy":
        pairs = hierarchy_reference(graph)
    elif proxy == "descriptions":
        with transaction(database()) as session:
            pairs = description_reference(occupation_descriptions(db_session=session))
    elif proxy == "minor-groups":
        pairs = minor_group_reference(graph)
    assert pairs is not None
    result = evaluate_roles(graph, pairs, k=k, exclude_same_isco=proxy == "minor-groups", weights=chosen)
    if as_json:
        print_json(result)
        return
    table = Table(title=f"adjacent roles vs reference ({result['n_sources']} sources, k={k})")
    for column in ("ranking", f"recall@{k}", "MRR", "recall gain vs Jaccard"):
        table.add_column(column, justify="left" if column == "ranking" else "right")

    def gain(value: float | None) -> str:
        return "" if value is None else f"{value:+.1%}"

    table.add_row(
        "upskill score",
        f"{result['recall_at_k']:.4f}",
        f"{result['mrr']:.4f}",
        gain(result["relative_recall_gain"]),
    )
    for kind, title in (("ablations", "without {}"), ("facets", "{} alone")):
        for facet, figures in result[kind].items():
            table.add_row(
                title.format(facet),
                f"{figures['recall_at_k']:.4f}",
                f"{figures['mrr']:.4f}",
                gain(figures["relative_recall_gain"]),
            )
    table.add_row(
        "Jaccard baseline", f"{result['baseline']['recall_at_k']:.4f}", f"{result['baseline']['mrr']:.4f}", ""
    )
    console.print(table)
