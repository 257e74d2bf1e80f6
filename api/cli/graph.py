"""``upskill gap``, ``upskill graph``, ``upskill roles adjacent`` and ``upskill evaluate roles``."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import (
    SkillsOption,
    SnapshotOption,
    app,
    console,
    evaluate_app,
    from_and_read_as,
    print_json,
    read_skills,
    reports_errors,
    runtime,
)
from recommender.errors import UpskillError
from recommender.sectors import SECTORS

#: the parts of an adjacent role's score, shown as columns when the terminal has room for them
PARTS = ("skills", "activities", "text", "isco")
WIDE_ENOUGH_FOR_PARTS = 100

roles_app = typer.Typer(help="Occupations a worker could move to.", no_args_is_help=True)
app.add_typer(roles_app, name="roles")
graph_app = typer.Typer(help="The competence graph: snapshots and label search.", no_args_is_help=True)
app.add_typer(graph_app, name="graph")

CurrentOption = Annotated[
    list[str] | None,
    typer.Option("--from", help="Current occupation (repeat for past ones): ESCO URI or exact label."),
]
TargetOption = Annotated[str, typer.Option("--to", help="Target occupation: ESCO URI or exact label.")]


@graph_app.command("snapshot")
@reports_errors
def snapshot_command(
    out: Annotated[Path, typer.Argument(help="Folder to write arrays.npz and nodes.json into.")],
) -> None:
    """Build the graph from the database and save a snapshot for a fast start (``--snapshot`` options)."""
    graph = runtime().graph
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
    hits = runtime(snapshot).graph.labels.search(query, kind=kind, limit=limit)
    if as_json:
        print_json([asdict(hit) for hit in hits])
        return
    from rich.table import Table

    table = Table(title=f"labels matching {query!r}")
    for column in ("score", "kind", "label", "matched label", "uri"):
        table.add_column(column)
    for hit in hits:
        table.add_row(f"{hit.score:.3f}", hit.kind, hit.label, hit.matched_label, hit.uri)
    console.print(table)


@app.command("gap")
@reports_errors
def gap_command(
    to: TargetOption,
    current: CurrentOption = None,
    skills: SkillsOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    snapshot: SnapshotOption = None,
    required_levels: Annotated[
        Path | None,
        typer.Option("--required-levels", help="CSV occupation,skill,level: the organisation's levels."),
    ] = None,
) -> None:
    """Print the skills a target occupation requires, essential first, with what the worker already has."""
    from api.services.levels import levels_from_file
    from api.services.profiles import profile_gap

    if not current and skills is None:
        raise UpskillError("give the current occupation (--from) and/or declared skills (--skills FILE)")
    declared = read_skills(skills)
    graph = runtime(snapshot).graph
    required = levels_from_file(graph=graph, target=to, path=required_levels)
    profile = profile_gap(
        graph=graph, target=to, occupations=current or [], skills=declared, required=required
    )
    result = profile.gap
    if as_json:
        print_json(result.to_dict())
        return
    from rich.table import Table

    origin, read_as = from_and_read_as(profile, current or [], to)
    title = (
        f"gap {origin}to {result.target_label!r}: coverage "
        f"{result.coverage:.1f} %, gap score {result.gap_score:.2f}"
    )
    if read_as:
        title += f"\n({read_as})"
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
    from api.services.roles import adjacent

    declared = read_skills(skills)
    graph = runtime(snapshot).graph
    roles = adjacent(
        graph=graph,
        occupations=[occupation],
        skills=declared,
        k=k,
        sector=sector,
        exclude_same_isco=exclude_same_isco,
        min_score=min_score,
    )
    if as_json:
        print_json([role.to_dict() for role in roles])
        return
    from rich.table import Table

    table = Table(title=f"adjacent roles for {graph.label(graph.resolve_occupation(occupation))!r}")
    # the score's parts need a wide terminal; on a narrow one the occupation's name keeps its room
    parts = console.width >= WIDE_ENOUGH_FOR_PARTS
    table.add_column("#", justify="right")
    table.add_column("occupation", min_width=20)
    for column in ("ISCO", "score", *(PARTS if parts else ()), "coverage", "missing ess."):
        table.add_column(column, justify="right")
    for rank, role in enumerate(roles, start=1):
        shares = (role.skills, role.activities, role.text, role.isco) if parts else ()
        table.add_row(
            str(rank),
            role.label,
            role.isco_code,
            f"{role.score:.3f}",
            *(f"{share:.2f}" for share in shares),
            f"{role.coverage:.2f}",
            str(role.n_missing_essential),
        )
    console.print(table)
    if not parts:
        console.print(
            f"(the score's parts, {', '.join(PARTS)}: in a terminal of {WIDE_ENOUGH_FOR_PARTS} columns or "
            "more, or with --json)"
        )


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
    from api.services.roles import evaluate

    context = runtime(snapshot)
    # only the descriptions proxy reads the database (the others need no database at all)
    session = context.transaction() if proxy == "descriptions" else nullcontext()
    with session as db_session:
        result = evaluate(
            db_session=db_session, graph=context.graph, reference=reference, proxy=proxy, k=k, weights=weights
        )
    if as_json:
        print_json(result)
        return
    from rich.table import Table

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
