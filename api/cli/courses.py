"""Commands of the courses job: catalogue and badge import, course listing, badge export, tagging evaluation.

``upskill import courses FILE``, ``upskill import badges FILE``, ``upskill courses list [--json]``,
``upskill badges list [--json]``, ``upskill badges export ID``, ``upskill evaluate tagging [--json]``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.common import (
    JsonFlag,
    app,
    console,
    evaluate_app,
    import_app,
    print_json,
    reports_errors,
    runtime,
)

courses_app = typer.Typer(help="Look at the course catalogue.", no_args_is_help=True)
badges_app = typer.Typer(help="Look at microbadges and export them as Open Badges 3.0.", no_args_is_help=True)
app.add_typer(courses_app, name="courses")
app.add_typer(badges_app, name="badges")


def _print_report(title: str, report: dict[str, Any]) -> None:
    console.print(f"[bold]{title}[/bold]")
    for key, value in report.items():
        if value in ({}, [], None):
            continue
        if isinstance(value, list):
            console.print(f"  {key}:")
            for item in value[:20]:
                console.print(f"    {item}", markup=False)
        else:
            console.print(f"  {key}: {value}", markup=False)


@import_app.command("courses")
@reports_errors
def import_courses_command(
    path: Annotated[
        Path, typer.Argument(help="Catalogue file: CSV or JSON (data/default/FORMATS.md) or edX CSV.")
    ],
    as_json: JsonFlag = False,
) -> None:
    """Import a course catalogue; courses without skills get ESCO skills inferred from their text."""
    from api.services.catalogue import import_courses

    context = runtime()
    with context.transaction() as session:
        report = import_courses(
            db_session=session,
            path=path,
            min_confidence=context.settings.planning_min_confidence,
            cache_dir=context.settings.cache_dir,
        )
    if as_json:
        print_json(report.as_dict())
    else:
        _print_report(
            f"Imported {report.courses} courses into catalogue {report.catalogue!r}", report.as_dict()
        )


@import_app.command("badges")
@reports_errors
def import_badges_command(
    path: Annotated[Path, typer.Argument(help="Badge file in JSON (data/default/FORMATS.md).")],
    as_json: JsonFlag = False,
) -> None:
    """Import microbadges (their skills, courses and required badges)."""
    from api.services.catalogue import import_badges

    with runtime().transaction() as session:
        report = import_badges(db_session=session, path=path)
    if as_json:
        print_json(report.as_dict())
    else:
        _print_report(f"Imported {report.badges} badges", report.as_dict())


@courses_app.command("list")
@reports_errors
def list_courses_command(as_json: JsonFlag = False) -> None:
    """Every course with hours, price, level, language and its ESCO skills."""
    from api.services.catalogue import list_courses

    with runtime().transaction() as session:
        rows = list_courses(db_session=session)
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table(title=f"{len(rows)} courses")
    for column in ("id", "title", "level", "hours", "price", "skills"):
        table.add_column(column, justify="right" if column in ("hours", "price", "skills") else "left")
    for row in rows:
        table.add_row(
            row["id"],
            row["title"],
            row["level"] or "",
            f"{row['hours']:g}",
            "not stated" if row["price"] is None else f"{row['price']:g} {row['currency']}",
            str(len(row["skills"])),
        )
    console.print(table)


@badges_app.command("list")
@reports_errors
def list_badges_command(as_json: JsonFlag = False) -> None:
    """Every microbadge with how it is earned."""
    from api.services.catalogue import list_badges

    with runtime().transaction() as session:
        rows = list_badges(db_session=session)
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table(title=f"{len(rows)} badges")
    for column in ("id", "name", "earned by", "requires"):
        table.add_column(column)
    for row in rows:
        rule = (
            f"{row['k']} of {len(row['courses'])} courses"
            if row["earned_by"] == "k_of_n"
            else row["earned_by"]
        )
        if row["earned_by"] == "all":
            rule = f"all {len(row['courses'])} courses"
        table.add_row(row["id"], row["name"], rule, ", ".join(row["requires"]))
    console.print(table)


@badges_app.command("export")
@reports_errors
def export_badge_command(
    badge_id: Annotated[str, typer.Argument(help="Badge id, e.g. ev-battery-basics.")],
) -> None:
    """Print a badge as an Open Badges 3.0 Achievement (JSON-LD) aligned to its ESCO skills."""
    from api.services.catalogue import export_badge

    with runtime().transaction() as session:
        print_json(export_badge(db_session=session, badge_id=badge_id))


@evaluate_app.command("tagging")
@reports_errors
def evaluate_tagging_command(
    gold: Annotated[
        Path | None, typer.Option(help="Gold set JSON (default: tests/evaluation/tagging_gold.json).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Precision@5 and recall@10 of the skill tagger and of the label-match baseline on the gold set."""
    from api.services.catalogue import evaluate_tagging

    report = evaluate_tagging(gold=gold, cache_dir=runtime().settings.cache_dir)
    if as_json:
        print_json(report)
        return
    from rich.table import Table

    table = Table(
        title=f"Skill tagging on {report['courses']} hand-labelled courses ({report['gold_skills']} skills)"
    )
    for column in ("tagger", "P@5 test", "P@5 dev", "R@10 test", "P@5 Coursera tags", "seconds"):
        table.add_column(column, justify="left" if column == "tagger" else "right")
    for name, figures in report["taggers"].items():
        independent = figures.get("independent")
        table.add_row(
            name,
            f"{figures['precision_at_5_test']:.3f}",
            f"{figures['precision_at_5_dev']:.3f}",
            f"{figures['recall_at_10_test']:.3f}",
            f"{independent['precision_at_5']:.3f}" if independent else "-",
            f"{figures['seconds']:.1f}",
        )
    console.print(table)
    console.print(
        f"dev / test courses: {report['courses_per_split']['dev']} / {report['courses_per_split']['test']} "
        "(settings are chosen on dev only; per-domain figures in --json)"
    )
    console.print(f"independent reference: {report['independent_reference']}", markup=False)
    console.print(f"texts: {report['texts']}", markup=False)
