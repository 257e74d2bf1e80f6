"""Commands of the courses job: catalogue and badge import, course listing, badge export, tagging evaluation.

``upskill import courses FILE``, ``upskill import badges FILE``, ``upskill courses list [--json]``,
``upskill badges list [--json]``, ``upskill badges export ID``, ``upskill evaluate tagging [--json]``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

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


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def course_import_lines(report: dict[str, Any]) -> list[str]:
    """What ``upskill import courses`` did, in sentences (``ImportReport.as_dict()``; ``--json`` gives it
    whole)."""
    if report["skipped"]:
        held = _plural(report["courses"], "course")
        return [f"Nothing imported: catalogue {report['catalogue']!r} already holds {held}."]
    lines = [
        f"Imported {_plural(report['courses'], 'course')} into catalogue {report['catalogue']!r} from "
        f"{report['file']} ({report['created']:,} new, {report['updated']:,} updated)."
    ]
    skills = report["skills"]
    if skills:
        given, hint, inferred, curated = (
            skills.get(s, 0) for s in ("explicit", "hint", "inferred", "curated")
        )
        without = skills.get("courses_without_skills", 0)
        lines.append(
            f"  Skills: {_plural(given + hint + inferred + curated, 'link')} to ESCO: {given:,} given in the "
            f"file, {hint:,} from the catalogue's tags, {inferred:,} inferred from the course texts, "
            f"{curated:,} curated; "
            + (
                "every course has one."
                if not without
                else f"{_plural(without, 'course')} without any (below)."
            )
        )
    if report["subjects_embedded"]:
        lines.append(
            f"  Subjects: {_plural(report['subjects_embedded'], 'course')} embedded, so that plans judge "
            "whether each is about the target's work."
        )
    if report["prerequisites"]:
        lines.append("  " + prerequisites_sentence(report["prerequisites"]))
    if report["untagged"]:
        lines.append(f"  Courses without skills ({len(report['untagged']):,}):")
        for u in report["untagged"][:20]:
            language = u["language"] or "not stated"
            lines.append(f"    {u['course_id']} (line {u['line']}, language {language}): {u['reason']}")
    return lines + _notes(report["notes"])


def prerequisites_sentence(counts: dict[str, int]) -> str:
    """The counts of ``rebuild_prerequisites`` (the whole catalogue's derived prerequisites) in words."""
    unmet = _plural(counts.get("unmet_requirements", 0), "requirement")
    return (
        "Prerequisites of the whole catalogue, recomputed: "
        f"{counts.get('catalogue', 0):,} stated by catalogues, {counts.get('level', 0):,} by skill level, "
        f"{counts.get('curated', 0):,} by curated rules; {unmet} no course meets (left to the worker's "
        f"profile); of the derived ones, {counts.get('skipped_for_cycles', 0):,} left out to break cycles "
        f"and {counts.get('more_advanced_not_used', 0):,} as more advanced than their course."
    )


def badge_import_lines(report: dict[str, Any]) -> list[str]:
    """What ``upskill import badges`` did, in sentences (``BadgeImportReport.as_dict()``)."""
    if report["skipped"]:
        return [f"Nothing imported: the default badges are already there ({report['badges']:,})."]
    return [
        f"Imported {_plural(report['badges'], 'badge')} from {report['file']} ({report['created']:,} new, "
        f"{report['updated']:,} updated).",
        *_notes(report["notes"]),
    ]


def _notes(notes: list[str], shown: int = 20) -> list[str]:
    if not notes:
        return []
    more = [f"    ... and {len(notes) - shown:,} more (--json lists them all)"] if len(notes) > shown else []
    return [f"  Notes ({len(notes):,}):", *(f"    {note}" for note in notes[:shown]), *more]


def _print_lines(lines: list[str]) -> None:
    console.print(f"[bold]{escape(lines[0])}[/bold]")
    for line in lines[1:]:
        console.print(line, markup=False, highlight=False)


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
        _print_lines(course_import_lines(report.as_dict()))


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
        _print_lines(badge_import_lines(report.as_dict()))


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
