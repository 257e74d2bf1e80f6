"""``upskill cohort plan``: an HR department's workforce transition, optimally (scenario 3).

Reads a workforce file and a target-roles file (formats in ``data/default/FORMATS.md``), plans every distinct
(profile, target) once, assigns people to targets with the exact MILP of :mod:`recommender.cohort`, and
prints the plan, its JSON, a printable HTML report and CSV / XLSX exports. ``--what-if`` re-solves with a
changed budget, hours per week or headcount on the plans already computed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.cli_common import app, console, database, print_json, reports_errors
from api.cli_graph import SnapshotOption, competence_graph
from api.cli_plan import _rates
from api.cli_titles import title_matcher
from data.cohorts import load_cohort, save_cohort
from data.db import transaction
from data.formats.workforce import read_targets, read_workforce
from data.models import Organisation
from data.plan_inputs import load_badge_options, load_course_options
from evaluation.cohort_report import render_html, write_csv, write_xlsx
from recommender.cluster import chunk_mapper
from recommender.cohort import (
    ChunkMapper,
    CohortInputs,
    CohortResult,
    CohortSettings,
    in_process,
    prepare,
    summarise,
    what_if,
)
from recommender.errors import InvalidPlanInput, NotFoundError, UpskillError
from recommender.graph import CompetenceGraph
from recommender.planner import BadgeOption, CourseOption
from recommender.settings import get_settings
from recommender.workforce import TitleResolver, resolve_targets, resolve_workforce

cohort_app = typer.Typer(help="Plan a workforce transition (HR).", no_args_is_help=True)
app.add_typer(cohort_app, name="cohort")


# --- use cases (to move to api/services/cohort.py with the api/ restructure) --------------------------


@dataclass(frozen=True)
class CohortRequest:
    """The organisation's constraints as the command line and the API take them."""

    budget: float | None
    currency: str
    hours_per_week: float
    months: int
    start: dt.date
    exchange_rates: Mapping[str, float] = field(default_factory=dict)
    objective: str = "hours"
    languages: tuple[str, ...] = ()
    delivery_modes: tuple[str, ...] = ()
    min_readiness: float = 0.25
    on_the_job_hours: float | None = None


def _check_currencies(courses: Sequence[CourseOption], request: CohortRequest) -> None:
    """Refuse a plan that would silently leave out every priced course in a currency without a rate."""
    missing: dict[str, int] = {}
    for course in courses:
        code = course.currency.upper()
        if course.price > 0 and code != request.currency.upper() and code not in request.exchange_rates:
            missing[code] = missing.get(code, 0) + 1
    if missing:
        listed = ", ".join(f"{n} courses in {code}" for code, n in sorted(missing.items()))
        example = " ".join(f"--rate {code}=<{request.currency} per {code}>" for code in sorted(missing))
        raise InvalidPlanInput(
            f"the catalogue prices {listed}; give the exchange rate to {request.currency.upper()} "
            f"({example}), "
            "or every such course would be left out",
            field="--rate",
        )


def plan_cohort(
    *,
    graph: CompetenceGraph,
    courses: Sequence[CourseOption],
    badges: Sequence[BadgeOption],
    workforce: Path,
    targets: Path,
    request: CohortRequest,
    mapper: ChunkMapper = in_process,
    matcher: Callable[[], TitleResolver | None] | None = None,
) -> CohortResult:
    """Plan the transition of the people of ``workforce`` into the roles of ``targets``.

    ``matcher`` builds the job-title matcher, called only when some person has no occupation in the file.
    """
    if not courses:
        raise UpskillError("the database holds no courses; run `upskill import courses FILE` first")
    _check_currencies(courses, request)
    records = read_workforce(workforce)
    resolver = matcher() if matcher is not None and any(not r.occupation for r in records) else None
    people = resolve_workforce(graph, records, matcher=resolver)
    roles = resolve_targets(graph, read_targets(targets))
    settings = CohortSettings(
        start=request.start,
        months=request.months,
        hours_per_week=request.hours_per_week,
        budget=request.budget,
        currency=request.currency,
        exchange_rates=dict(request.exchange_rates),
        languages=request.languages,
        delivery_modes=request.delivery_modes,
        objective=request.objective,  # type: ignore[arg-type]
        min_readiness=request.min_readiness,
        on_the_job_hours=request.on_the_job_hours,
    )
    inputs = prepare(
        graph,
        people.people,
        roles,
        courses,
        settings,
        badges=badges,
        to_confirm=people.to_confirm,
        mapper=mapper,
    )
    return summarise(inputs)


def parse_what_if(values: Sequence[str], inputs: CohortInputs, graph: CompetenceGraph) -> dict[str, Any]:
    """``budget=N`` (``none``: no limit), ``hours-per-week=H`` and ``headcount:<occupation>=N`` changes."""
    changes: dict[str, Any] = {}
    headcounts: dict[str, int] = {}
    for value in values:
        key, _, amount = value.partition("=")
        key = key.strip()
        try:
            if key == "budget":
                changes["budget"] = None if amount.strip().lower() == "none" else float(amount)
            elif key == "hours-per-week":
                changes["hours_per_week"] = float(amount)
            elif key.startswith("headcount:"):
                uri = graph.resolve_occupation(key.removeprefix("headcount:").strip())
                if uri not in {t.uri for t in inputs.targets}:
                    raise InvalidPlanInput(
                        f"{graph.label(uri)!r} is not one of the targets", field="--what-if"
                    )
                headcounts[uri] = int(amount)
            else:
                raise ValueError(key)
        except ValueError:
            raise InvalidPlanInput(
                f"{value!r} is not budget=AMOUNT, hours-per-week=HOURS or headcount:OCCUPATION=N",
                field="--what-if",
            ) from None
    if headcounts:
        changes["headcounts"] = headcounts
    return changes


def compare(base: CohortResult, changed: CohortResult) -> dict[str, Any]:
    """The figures HR compares between the plan and a what-if."""

    def figures(result: CohortResult) -> dict[str, Any]:
        totals = result.totals()
        return {
            "filled": totals["filled"],
            "headcount": totals["headcount"],
            "hours": totals["hours"],
            "course_hours": totals["course_hours"],
            "cost": totals["cost"],
            "budget": totals["budget"],
            "last_finish": totals["last_finish"],
            "filled_per_target": {
                t.label: n for t, n in zip(result.inputs.targets, result.filled(), strict=True)
            },
            "certificate": result.assignment.certificate.status,
        }

    planned_again = 0 if changed.inputs is base.inputs else changed.inputs.stats["plans_computed"]
    return {"plan": figures(base), "what_if": figures(changed), "plans_computed_again": planned_again}


# --- the command --------------------------------------------------------------------------------------

ListOption = list[str] | None


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
    what: Annotated[
        ListOption,
        typer.Option(
            "--what-if",
            help="budget=N | hours-per-week=H | headcount:OCCUPATION=N (repeat): re-solve and compare.",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the JSON document instead of tables.")
    ] = False,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the printable HTML report here.")
    ] = None,
    csv_dir: Annotated[Path | None, typer.Option("--csv", help="Write CSV exports into this folder.")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Write the XLSX export here.")] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler tcp://HOST:PORT (default UPSKILL_DASK_SCHEDULER)."),
    ] = None,
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
    request = CohortRequest(
        budget=budget,
        currency=currency.upper(),
        hours_per_week=hours_per_week,
        months=months,
        start=start_date,
        exchange_rates=_rates(rate or []),
        objective=objective,
        languages=tuple(language or ()),
        delivery_modes=tuple(delivery_mode or ()),
        min_readiness=min_readiness,
        on_the_job_hours=on_the_job_hours,
    )
    graph = competence_graph(snapshot)
    with transaction(database()) as session:
        courses = load_course_options(db_session=session)
        badges = load_badge_options(db_session=session)
    with chunk_mapper(scheduler or get_settings().dask_scheduler) as mapper:
        result = plan_cohort(
            graph=graph,
            courses=courses,
            badges=badges,
            workforce=workforce,
            targets=targets,
            request=request,
            mapper=mapper,
            matcher=_title_matcher,
        )
        comparison = None
        if what:
            changes = parse_what_if(what, result.inputs, graph)
            changed = what_if(result.inputs, graph, courses, badges=badges, mapper=mapper, **changes)
            comparison = compare(result, changed)
    document = result.to_dict()
    if comparison is not None:
        document["what_if"] = {"changes": list(what or []), **comparison}
    if save is not None:
        with transaction(database()) as session:
            owner = organisation_id(db_session=session, name=str(organisation))
            document["cohort_id"] = save_cohort(
                db_session=session, organisation_id=owner, name=save, document=document
            )
    written = _write_outputs(document, report, csv_dir, xlsx)
    if as_json:
        print_json(document)
        return
    _print_summary(document)
    if comparison is not None:
        _print_comparison(list(what or []), comparison)
    for path in written:
        console.print(f"written: {path}", soft_wrap=True)
    if "cohort_id" in document:
        console.print(f"stored as cohort {document['cohort_id']} of {organisation!r}", soft_wrap=True)


def organisation_id(*, db_session: Session, name: str) -> int:
    """The id of the organisation called ``name``; an unknown name is an error listing the known ones."""
    found = db_session.scalar(select(Organisation.id).where(Organisation.name == name))
    if found is None:
        known = list(db_session.scalars(select(Organisation.name).order_by(Organisation.name)))
        raise UnknownOrganisation(name, known[:10])
    return found


class UnknownOrganisation(NotFoundError):
    kind = "organisation"


@cohort_app.command("show")
@reports_errors
def show_command(
    cohort_id: Annotated[int, typer.Argument(help="The stored cohort's id.")],
    organisation: Annotated[str, typer.Option("--organisation", help="The organisation that owns it.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the JSON document instead of tables.")
    ] = False,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the printable HTML report here.")
    ] = None,
    csv_dir: Annotated[Path | None, typer.Option("--csv", help="Write CSV exports into this folder.")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Write the XLSX export here.")] = None,
) -> None:
    """Show a stored cohort plan of an organisation (people deleted since are gone from it)."""
    with transaction(database()) as session:
        owner = organisation_id(db_session=session, name=organisation)
        document = load_cohort(db_session=session, organisation_id=owner, cohort_id=cohort_id)
    written = _write_outputs(document, report, csv_dir, xlsx)
    if as_json:
        print_json(document)
        return
    _print_summary(document)
    for path in written:
        console.print(f"written: {path}", soft_wrap=True)


def _title_matcher() -> TitleResolver | None:
    """The job-title matcher, or None when the database holds no ESCO (a ``--snapshot`` run): titles are then
    resolved on the graph's labels (exact label, or a confident label search)."""
    try:
        return title_matcher()
    except UpskillError:
        return None


def _write_outputs(
    document: dict[str, Any], report: Path | None, csv_dir: Path | None, xlsx: Path | None
) -> list[Path]:
    import json

    plain = json.loads(json.dumps(document, default=str))  # dates as text, as the JSON reader gets them
    written = []
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(render_html(plain), encoding="utf-8")
        written.append(report)
    if csv_dir is not None:
        written.extend(write_csv(plain, csv_dir))
    if xlsx is not None:
        written.append(write_xlsx(plain, xlsx))
    return written


def _print_summary(document: dict[str, Any]) -> None:
    totals, cert, s = document["totals"], document["certificate"], document["settings"]
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
        + f"; {sum(c['seats'] for c in document['seats'])} seats in {len(document['seats'])} courses.",
        soft_wrap=True,
    )
    status = "optimal" if cert["status"] == "optimal" else f"gap {cert['gap']:.4%} (bound {cert['bound']})"
    console.print(f"Assignment certificate: {status} ({'; '.join(cert['stages'])}).", soft_wrap=True)
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
    if document["to_confirm"]:
        console.print(
            f"{len(document['to_confirm'])} job titles to confirm (left out until the file names the "
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


def _print_comparison(changes: list[str], comparison: dict[str, Any]) -> None:
    table = Table(title=f"what if {', '.join(changes)}")
    for column in ("", "plan", "what-if"):
        table.add_column(column, justify="left" if not column else "right")
    base, changed = comparison["plan"], comparison["what_if"]
    for key in ("filled", "hours", "course_hours", "cost", "budget", "last_finish", "certificate"):
        table.add_row(key.replace("_", " "), str(base[key]), str(changed[key]))
    for label in base["filled_per_target"]:
        table.add_row(
            f"  {label}", str(base["filled_per_target"][label]), str(changed["filled_per_target"][label])
        )
    table.add_row("plans computed again", "", str(comparison["plans_computed_again"]))
    console.print(table)
