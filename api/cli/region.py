"""``upskill region plan``: the programmes a region funds, the workers they make ready, the report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from api.cli.common import SnapshotOption, app, console, err_console, print_json, reports_errors, runtime
from api.cli.plan import parse_rates

if TYPE_CHECKING:
    from rich.table import Table

region_app = typer.Typer(help="Regional training portfolios (funded programmes, evidence report).")
app.add_typer(region_app, name="region")

ListOption = list[str] | None
# never "<5": a figure hidden so that a small one cannot be recovered from the totals describes five or more
SUPPRESSED = "suppressed"


def _n(value: Any) -> str:
    return SUPPRESSED if value is None else f"{value:,.0f}"


def _table(title: str, header: list[str], rows: list[list[str]]) -> Table:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for i, column in enumerate(header):
        table.add_column(column, justify="right" if i >= 2 else "left")
    for row in rows:
        table.add_row(*row)
    return table


def _money(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _per_worker(totals: dict[str, Any], currency: str) -> str:
    """The cost per worker made ready; none when no one is made ready (nothing is suppressed then)."""
    if totals["cost_per_worker"] is not None:
        return f"{currency} {totals['cost_per_worker']:,.0f} per worker made ready"
    if totals.get("suppressed"):
        return "cost per worker made ready suppressed"
    return "no cost per worker: no one is made ready"


def _how_sure(plan: dict[str, Any]) -> str:
    """How good the choice of programmes is, in the region's words (as ``upskill cohort plan`` says it for
    an assignment); the solver's own account stays in ``--json``'s ``certificate``."""
    c = plan["certificate"]
    weighted = len({r["weight"] for r in plan["unmet_demand"]}) > 1
    more = "more workers ready" + (", each role counted by its weight in the demand file" if weighted else "")
    if c["status"] == "optimal":
        sure = f"No other choice of programmes within the budget makes {more} (proven by the solver)"
    elif c["status"] == "gap":
        sure = (
            "The best choice of programmes found in the time allowed: at most "
            f"{c['gap']:.1%} from the best possible"
        )
    else:
        return "The solver found no choice of programmes in the time allowed; its account is in --json."
    if not c["pathways_complete"]:
        sure += (
            " among the pathways found; the search for pathways was cut for some moves, so one it did not "
            "reach could do better"
        )
    return sure + "."


def print_region_plan(plan: dict[str, Any]) -> None:
    """The plan as the region reads it: totals, portfolio, roles, moves, what to commission next."""
    t = plan["totals"]
    cur = t["currency"]
    ready = (
        f"[bold]{t['workers_made_ready']:,} workers made ready[/] for"
        if t["workers_made_ready"] is not None
        else "[bold]Workers made ready: suppressed[/] (privacy, below);"
    )
    console.print(
        f"\n{ready} {t['demand']:,} demanded; "
        f"{cur} {t['cost']:,.0f} spent ({cur} {t['from_budget']:,.0f} of the {cur} {t['budget']:,.0f} "
        f"budget), {_per_worker(t, cur)}. {_how_sure(plan)}",
        soft_wrap=True,
    )
    from recommender.region.publish import nothing_funded, privacy_note

    none = nothing_funded(plan)
    if none is not None:
        console.print(none, soft_wrap=True)
    portfolio = [
        [
            f"{r['title']} [{r['programme']}]",
            r["provider"],
            f"{r['seats']:,}",
            f"{r['seats_available']:,}",
            _money(r["cost_per_seat"]),
            _money(r["cost"]),
        ]
        for r in plan["portfolio"]
    ]
    header = ["programme", "provider", "seats", "available", f"per seat ({cur})", f"cost ({cur})"]
    console.print(_table("Portfolio: seats to fund", header, portfolio))
    roles = [
        [
            r["target"],
            str(r["year"]),
            f"{r['demand']:,}",
            _n(r["workers_made_ready"]),
            _n(r["unmet_demand"]),
            "suppressed" if r["suppressed"] else _money(r["cost_per_worker"]),
            _money(r["cheapest_pathway"]),
        ]
        for r in plan["unmet_demand"]
    ]
    header = ["role", "by", "demand", "made ready", "unmet", f"per worker ({cur})", f"cheapest ({cur})"]
    console.print(_table("Demand per role", header, roles))
    moves = [[r["origin"], r["target"], _n(r["workers"])] for r in plan["made_ready"] if r["workers"] != 0]
    console.print(_table("Workers made ready by origin and role", ["from", "to", "workers"], moves))
    if plan["supply_gap"]:
        from recommender.region.outcome import SUPPLY_GAP_COUNTS, roles_blocked

        gap = [
            [
                r["skill"],
                roles_blocked(r),
                str(r["needed_level"]),
                str(r["moves_blocked"]),
                f"{r['demand_out_of_reach']:,}",
            ]
            for r in plan["supply_gap"]
        ]
        header = ["skill", "roles it blocks", "level", "moves blocked", "demand out of reach"]
        title = "What to commission next: skills no programme teaches at the level needed"
        console.print(_table(title, header, gap))
        for heading, meaning in SUPPLY_GAP_COUNTS:
            console.print(f"  {heading}: {meaning}.", soft_wrap=True)
        instead = [r for r in plan["supply_gap"] if r.get("instead")]  # none in a plan kept before them
        if instead:
            console.print("What to commission or fund meanwhile:")
            for r in instead:
                console.print(f"  {r['skill']}: {r['instead']['text']}", soft_wrap=True)
    curve = ", ".join(f"{p['share']:.0%}: {_n(p['workers_made_ready'])}" for p in plan["sensitivity"][1::2])
    console.print(f"Budget sensitivity (share of the budget: workers made ready): {curve}", soft_wrap=True)
    # what this prints: the totals, the roles, the moves and the budget curve (not the workforce per origin)
    console.print(privacy_note(plan, ("totals", "roles", "moves", "sensitivity")), soft_wrap=True)


@region_app.command("plan")
@reports_errors
def plan_command(
    workforce: Annotated[Path, typer.Option("--workforce", help="Workers per occupation: CSV or JSON.")],
    demand: Annotated[Path, typer.Option("--demand", help="Demand per target occupation: CSV or JSON.")],
    budget: Annotated[float, typer.Option("--budget", help="The envelope, in --currency.")],
    programmes: Annotated[
        Path | None,
        typer.Option(
            "--programmes", help="Programmes the region can fund (default: the catalogue's courses)."
        ),
    ] = None,
    currency: Annotated[str, typer.Option("--currency", help="Currency of the budget and the plan.")] = "EUR",
    cofinancing: Annotated[
        float, typer.Option("--cofinancing", help="Share of each seat paid by others, 0 to below 1.")
    ] = 0.0,
    region: Annotated[
        str | None, typer.Option("--region", help="NUTS code (only programmes running there).")
    ] = None,
    language: Annotated[
        ListOption, typer.Option("--language", help="Accepted teaching language (repeat).")
    ] = None,
    rate: Annotated[
        ListOption,
        typer.Option("--rate", help="Exchange rate CUR=RATE: plan-currency units per CUR (repeat)."),
    ] = None,
    max_programmes: Annotated[
        int, typer.Option("--max-programmes", help="Programmes per worker at most.")
    ] = 3,
    min_seats: Annotated[int, typer.Option("--min-seats", help="Seats a funded programme has at least.")] = 5,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the evidence report: .html or .pdf.")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Dask scheduler address for the budget sweep.")
    ] = None,
    processes: Annotated[
        int, typer.Option("--processes", help="Local processes for the sweep (1: here).")
    ] = 1,
    save: Annotated[
        bool, typer.Option("--save", help="Keep the published plan under --region in the database.")
    ] = False,
    required_levels: Annotated[
        Path | None,
        typer.Option(
            "--required-levels",
            help="CSV occupation,skill,level: the levels the target roles need (skill may be essential; "
            "default: essential skills at 3).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
    snapshot: SnapshotOption = None,
) -> None:
    """Choose the programmes and seats to fund that make the most demand-weighted workers ready."""
    from api.services.region import RegionRequest, plan_region

    context = runtime(snapshot)
    request = RegionRequest(
        workforce=workforce,
        demand=demand,
        programmes=programmes,
        budget=budget,
        currency=currency,
        cofinancing=cofinancing,
        region=region,
        languages=tuple(language or ()),
        exchange_rates=parse_rates(rate or []),
        max_programmes=max_programmes,
        min_seats=min_seats,
        scheduler=scheduler,
        processes=processes,
        report=report,
        save=save,
        required_levels=required_levels,
    )
    with context.transaction() as session:
        result = plan_region(
            db_session=session,
            graph=context.graph,
            courses=context.plan_options.courses,
            badges=context.plan_options.badges,
            rates=context.plan_options.rates,
            request=request,
        )
    if as_json:
        print_json(result.plan)
    else:
        print_region_plan(result.plan)
    notes = err_console if as_json else console
    if result.report is not None:
        notes.print(f"report written to {result.report}")
    if result.portfolio_id is not None:
        notes.print(f"portfolio {result.portfolio_id} kept for region {region}")


@region_app.command("show")
@reports_errors
def show_command(
    portfolio_id: Annotated[int, typer.Argument(help="The id `region plan --save` printed.")],
    region: Annotated[str, typer.Option("--region", help="The region's NUTS code.")],
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the evidence report: .html or .pdf.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
) -> None:
    """Show a kept portfolio of the region (only that region's), and write its report."""
    from api.services.region import report_meta_of, stored_portfolio

    context = runtime()
    with context.transaction() as session:
        plan = stored_portfolio(db_session=session, nuts=region, portfolio_id=portfolio_id)
    if as_json:
        print_json(plan)
    else:
        print_region_plan(plan)
    if report is not None:
        from evaluation.region_report import write_report

        written = write_report(report, plan, report_meta_of(plan, region=region))
        (err_console if as_json else console).print(f"report written to {written}")
