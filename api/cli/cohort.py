"""``upskill cohort plan`` and ``upskill cohort show``: an HR department's workforce transition (scenario 3).

Reads a workforce file and a target-roles file (formats in ``data/default/FORMATS.md``), plans every distinct
(profile, target) once, assigns people to targets with the exact MILP of :mod:`recommender.cohort`, and
prints the plan, its JSON, a printable HTML report and CSV / XLSX exports. ``--what-if`` re-solves with a
changed budget, hours per week, headcount or one more language everyone follows, on the plans already
computed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.common import SnapshotOption, app, console, print_json, reports_errors, runtime
from api.cli.plan import parse_rates
from recommender.errors import InvalidPlanInput, UpskillError

cohort_app = typer.Typer(help="Plan a workforce transition (HR).", no_args_is_help=True)
app.add_typer(cohort_app, name="cohort")

ListOption = list[str] | None
JsonOption = Annotated[bool, typer.Option("--json", help="Print the JSON document instead of tables.")]
ReportOption = Annotated[Path | None, typer.Option("--report", help="Write the printable HTML report here.")]
CsvOption = Annotated[Path | None, typer.Option("--csv", help="Write CSV exports into this folder.")]
XlsxOption = Annotated[Path | None, typer.Option("--xlsx", help="Write the XLSX export here.")]


@cohort_app.command("plan")
@reports_errors
def plan_command(
    workforce: Annotated[Path, typer.Option("--workforce", help="Workforce CSV or JSON (FORMATS.md).")],
    targets: Annotated[Path, typer.Option("--targets", help="Target roles CSV or JSON (FORMATS.md).")],
    budget: Annotated[
        float | None, typer.Option("--budget", help="Course fees budget, in --currency.")
    ] = None,
    currency: Annotated[str, typer.Option("--currency", help="Budget currency (ISO 4217).")] = "EUR",
    rate: Annotated[
        ListOption, typer.Option("--rate", help="Exchange rate CUR=RATE: --currency units per unit of CUR.")
    ] = None,
    hours_per_week: Annotated[
        float,
        typer.Option("--hours-per-week", help="Paid training hours a week (unless a person's row says)."),
    ] = 8.0,
    months: Annotated[int, typer.Option("--months", help="Horizon: months from the start.")] = 18,
    start: Annotated[str | None, typer.Option("--start", help="First day of training, YYYY-MM-DD.")] = None,
    objective: Annotated[
        str, typer.Option("--objective", help="Minimise training hours or course fees.")
    ] = "hours",
    language: Annotated[
        ListOption,
        typer.Option("--language", help="Course language for people whose row lists none (repeat)."),
    ] = None,
    delivery_mode: Annotated[
        ListOption, typer.Option("--delivery-mode", help="online | in-person | blended (repeat).")
    ] = None,
    min_readiness: Annotated[
        float,
        typer.Option(
            "--min-readiness", help="Share of a role's essential skills a person must reach to fit it."
        ),
    ] = 0.25,
    on_the_job_hours: Annotated[
        float | None,
        typer.Option(
            "--on-the-job-hours",
            help="On-the-job hours per missing level of an essential skill (default: from the plans).",
        ),
    ] = None,
    required_levels: Annotated[
        Path | None,
        typer.Option(
            "--required-levels",
            help="CSV occupation,skill,level: the levels the target roles need (skill may be essential / "
            "optional; default essential 3, optional 2).",
        ),
    ] = None,
    what: Annotated[
        ListOption,
        typer.Option(
            "--what-if",
            help=(
                "budget=N | hours-per-week=H | language=CODE | headcount:OCCUPATION=N (repeat): re-solve "
                "and compare."
            ),
        ),
    ] = None,
    as_json: JsonOption = False,
    report: ReportOption = None,
    csv_dir: CsvOption = None,
    xlsx: XlsxOption = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler tcp://HOST:PORT (default UPSKILL_DASK_SCHEDULER)."),
    ] = None,
    processes: Annotated[
        int,
        typer.Option("--processes", help="Without --scheduler: local processes that plan (1: this one)."),
    ] = 1,
    save: Annotated[
        str | None, typer.Option("--save", help="Store the plan under this name for --organisation.")
    ] = None,
    organisation: Annotated[
        str | None, typer.Option("--organisation", help="The organisation (name) that owns the stored plan.")
    ] = None,
    snapshot: SnapshotOption = None,
) -> None:
    """Assign a workforce to target roles (fewest training hours, headcounts, budget) with each plan."""
    if save is not None and organisation is None:
        raise UpskillError("--save needs --organisation: the organisation whose HR owns the plan")
    try:
        start_date = dt.date.fromisoformat(start) if start else dt.date.today()
    except ValueError:
        raise InvalidPlanInput(f"{start!r} is not a date in the form YYYY-MM-DD", field="--start") from None
    from api.services import cohorts
    from recommender.cluster import chunk_mapper

    request = cohorts.CohortRequest(
        budget=budget,
        currency=currency,
        hours_per_week=hours_per_week,
        months=months,
        start=start_date,
        exchange_rates=parse_rates(rate or []),
        objective=objective,
        languages=tuple(language or ()),
        delivery_modes=tuple(delivery_mode or ()),
        min_readiness=min_readiness,
        on_the_job_hours=on_the_job_hours,
        required_levels=required_levels,
    )
    context = runtime(snapshot)
    options = context.plan_options

    def matcher() -> Any:
        # the process's matcher, kept on disk between runs (fitted again only when the taxonomy changes)
        return cohorts.title_resolver(lambda: context.title_matcher)

    with chunk_mapper(scheduler or context.settings.dask_scheduler, processes=processes) as mapper:
        document = cohorts.plan(
            graph=context.graph,
            courses=options.courses,
            badges=options.badges,
            subjects=options.subjects,
            workforce=workforce,
            targets=targets,
            request=request,
            what_if_changes=what or (),
            mapper=mapper,
            matcher=matcher,
            rates=options.rates,
        )
    if save is not None:
        with context.transaction() as session:
            document["cohort_id"] = cohorts.save(
                db_session=session, organisation=str(organisation), name=save, document=document
            )
    written = _write_outputs(document, report, csv_dir, xlsx)
    if as_json:
        print_json(document)
        return
    _print_summary(document)
    if "what_if" in document:
        _print_comparison(list(what or []), document["what_if"], document["totals"]["currency"])
    for path in written:
        console.print(f"written: {path}", soft_wrap=True)
    if "cohort_id" in document:
        console.print(f"stored as cohort {document['cohort_id']} of {organisation!r}", soft_wrap=True)


@cohort_app.command("show")
@reports_errors
def show_command(
    cohort_id: Annotated[int, typer.Argument(help="The stored cohort's id.")],
    organisation: Annotated[str, typer.Option("--organisation", help="The organisation that owns it.")],
    as_json: JsonOption = False,
    report: ReportOption = None,
    csv_dir: CsvOption = None,
    xlsx: XlsxOption = None,
) -> None:
    """Show a stored cohort plan of an organisation (people deleted since are gone from it)."""
    from api.services import cohorts

    with runtime().transaction() as session:
        document = cohorts.show(db_session=session, organisation=organisation, cohort_id=cohort_id)
    written = _write_outputs(document, report, csv_dir, xlsx)
    if as_json:
        print_json(document)
        return
    _print_summary(document)
    for path in written:
        console.print(f"written: {path}", soft_wrap=True)


def _write_outputs(
    document: dict[str, Any], report: Path | None, csv_dir: Path | None, xlsx: Path | None
) -> list[Path]:
    import json

    from evaluation.cohort_report import write_csv, write_html, write_xlsx

    plain = json.loads(json.dumps(document, default=str))  # dates as text, as the JSON reader gets them
    written = []
    if report is not None:
        written.append(write_html(plain, report))
    if csv_dir is not None:
        written.extend(write_csv(plain, csv_dir))
    if xlsx is not None:
        written.append(write_xlsx(plain, xlsx))
    return written


def _how_decided(document: dict[str, Any]) -> str:
    """How the assignment was chosen and how sure it is, in HR's words, with the figures as the totals
    print them (the solver's own account stays in the document's ``certificate.stages``)."""
    totals, cert, targets = document["totals"], document["certificate"], document["targets"]
    levels = sorted({t["priority"] for t in targets})

    def empty(level: int | None) -> str:
        chosen = [t for t in targets if level is None or t["priority"] == level]
        seats = sum(t["headcount"] for t in chosen)
        left = seats - sum(t["filled"] for t in chosen)
        return f"{left:,} of {seats:,} seat{'s' if seats != 1 else ''} left empty" if left else "all filled"

    if len(levels) == 1:
        seats = f"first as many seats filled as the people and the budget allow ({empty(None)})"
    else:
        seats = (
            "first as many seats filled as the people and the budget allow, the most urgent roles first ("
            + ("; ".join(f"priority {level}: {empty(level)}" for level in levels))
            + ")"
        )
    if totals.get("on_free_courses"):
        seats += (
            f", then as few people as possible on free courses only where the budget does not pay their "
            f"plans' fees ({totals['on_free_courses']:,})"
        )
    if cert["objective"] == "cost":
        least = f"the lowest course fees ({totals['currency']} {totals['cost']:,.2f})"
    else:
        least = f"the fewest training hours ({totals['hours']:,.0f} h, courses and on the job)"
    sure = (
        "no other assignment does better (proven by the solver)"
        if cert["status"] == "optimal"
        else f"the best found in the time allowed: at most {cert['gap']:.1%} from the best possible"
    )
    return f"How people were assigned: {seats}, then {least}; {sure}."


def _print_summary(document: dict[str, Any]) -> None:
    totals, s = document["totals"], document["settings"]
    currency = totals["currency"]
    budget = f"{currency} {s['budget']:,.0f}" if s["budget"] is not None else "no budget limit"
    console.print(
        f"Workforce transition from {s['start']} to {s['horizon_end']} ({s['months']} months, "
        f"{s['hours_per_week']:g} h a week, {budget}): {totals['assigned']} of {totals['people']} people "
        "move, "
        f"{totals['filled']} of {totals['headcount']} seats filled.",
        soft_wrap=True,
    )
    for t in document["targets"]:
        chosen = [a for a in document["assignments"] if a["target_uri"] == t["target_uri"]]
        console.print(
            f"  {t['target_label']}: {t['filled']} of {t['headcount']} seats; "
            f"{sum(a['course_hours'] for a in chosen):,.0f} course h, "
            f"{sum(a['on_the_job_hours'] for a in chosen):,.0f} on-the-job h, "
            f"{currency} {sum(a['cost'] for a in chosen):,.0f}; courses done by "
            f"{max((a['finish_date'] for a in chosen), default='-')}",
            soft_wrap=True,
        )
    _print_totals(document)
    console.print(_how_decided(document), soft_wrap=True)
    for u in document["unfilled"]:
        console.print(
            f"  short: {u['target_label']}: {u['shortfall']} of {u['headcount']} seats empty ({u['why']})",
            soft_wrap=True,
        )
    for warning in document["warnings"]:
        console.print(f"  note: {warning}", soft_wrap=True)
    no_fit = [u for u in document["unassigned"] if not u["fits_a_target"]]
    if no_fit:
        console.print(f"{len(no_fit)} people fit no role well:", soft_wrap=True)
        for u in no_fit[:20]:
            console.print(f"  {u['person_id']} ({u['job_title']}): {u['why']}", soft_wrap=True)
        if len(no_fit) > 20:
            console.print(f"  ... and {len(no_fit) - 20} more (see --json or --report)")
    spare = sum(1 for u in document["unassigned"] if u["fits_a_target"])
    if spare:
        console.print(f"{spare} more people fit a role but are not needed for the seats (see the report).")
    _print_open_skills(document.get("on_the_job") or [])
    if document["to_confirm"]:
        console.print(
            f"{len(document['to_confirm'])} job title{'s' if len(document['to_confirm']) != 1 else ''} to "
            "confirm (left out until the file names the "
            "occupation):",
            soft_wrap=True,
        )
        for c in document["to_confirm"]:
            options = (
                "; ".join(f"{k['label']} ({k['score']:.2f})" for k in c["candidates"]) or "no close label"
            )
            console.print(
                f"  line {c['line']}: {c['person_id']} {c['job_title']!r}: {options}", soft_wrap=True
            )


#: The open skills printed per role (the most people first); the report and the JSON list them all.
OPEN_SKILLS_SHOWN = 3


def _print_totals(document: dict[str, Any]) -> None:
    totals, s = document["totals"], document["settings"]
    currency = totals["currency"]
    console.print(
        f"Totals: {totals['course_hours']:,.0f} course hours + {totals['on_the_job_hours']:,.0f} on-the-job "
        f"hours (at {s['on_the_job_hours_per_level_step']:g} h a missing level: "
        f"{s['on_the_job_hours_from']}); "
        "fees "
        f"{currency} {totals['cost']:,.2f}"
        + (
            f", {currency} {totals['budget_left']:,.2f} of the budget left"
            if totals["budget_left"] is not None
            else ""
        )
        + f"; {sum(c['seats'] for c in document['seats'])} seats in {len(document['seats'])} "
        + ("course." if len(document["seats"]) == 1 else "courses."),
        soft_wrap=True,
    )
    if s.get("prices"):  # stored before the cohort's rates were recorded: not said
        console.print(f"  {s['prices']}", soft_wrap=True)


def _print_open_skills(blocks: list[dict[str, Any]]) -> None:
    """Per role, the skills the courses leave open that most people need, and what to do instead (each
    way with its people where they differ)."""
    total = sum(len(b["skills"]) for b in blocks)
    if not total:
        return
    cut = any(len(b["skills"]) > OPEN_SKILLS_SHOWN for b in blocks)
    console.print(
        "Skills the courses leave open, and what to do"
        + (
            f" (the {OPEN_SKILLS_SHOWN} most needed per role; all {total} in --report and in --json's "
            "on_the_job):"
            if cut
            else ":"
        ),
        soft_wrap=True,
    )
    for block in blocks:
        if not block["skills"]:
            continue
        n = len(block["skills"])
        console.print(f"  {block['target_label']} ({n} skill{'s' if n > 1 else ''}):", soft_wrap=True)
        for k in block["skills"][:OPEN_SKILLS_SHOWN]:
            ways = k.get("instead") or []  # none in a cohort kept before them
            if len(ways) == 1:
                console.print(
                    f"    {k['skill']} ({k['people']}): {ways[0]['text']}", soft_wrap=True, markup=False
                )
                continue
            console.print(f"    {k['skill']} ({k['people']}):" + ("" if ways else " -"), soft_wrap=True)
            for way in ways:
                console.print(f"      {way['people']}: {way['text']}", soft_wrap=True, markup=False)


def _print_comparison(changes: list[str], comparison: dict[str, Any], currency: str) -> None:
    """The plan and the what-if side by side, each row named and its figures as the totals print them."""
    from rich.table import Table

    from recommender.cohort import WHAT_IF_FIGURES

    def figure(value: Any, money: bool = False) -> str:
        if value is None:
            return "-"
        if isinstance(value, int | float) and not isinstance(value, bool):
            return f"{value:,.2f}" if money else f"{value:,.0f}"
        return str(value)

    table = Table(title=f"what if {', '.join(changes)}")
    for column in ("", "plan", "what-if"):
        table.add_column(column, justify="left" if not column else "right")
    base, changed = comparison["plan"], comparison["what_if"]
    for key, label, kind in WHAT_IF_FIGURES:
        money = kind == "money"
        label = f"{label} ({currency})" if money else label
        table.add_row(label, figure(base[key], money), figure(changed[key], money))
    for label in base["filled_per_target"]:
        table.add_row(
            f"  {label}", str(base["filled_per_target"][label]), str(changed["filled_per_target"][label])
        )
    table.add_row("plans computed again", "", str(comparison["plans_computed_again"]))
    console.print(table)
