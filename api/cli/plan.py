"""``upskill plan``: a learning path from the current occupation (or skills) to a target occupation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from api.cli.common import (
    SkillsOption,
    SnapshotOption,
    app,
    console,
    err_console,
    from_and_read_as,
    print_json,
    read_skills,
    reports_errors,
    runtime,
)
from api.cli.graph import CurrentOption, TargetOption
from api.services.open_skills import OPEN_WAYS, open_heading
from recommender.errors import InvalidPlanInput, UpskillError

if TYPE_CHECKING:
    from rich.table import Table

    from data.plan_inputs import PlanCourses
    from recommender.planner import Plan, PlanResult

ListOption = list[str] | None


def _date(value: str | None, field: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidPlanInput(f"{value!r} is not a date in the form YYYY-MM-DD", field=field) from None


def parse_rates(values: Sequence[str]) -> dict[str, float]:
    """``--rate CUR=RATE`` values as a mapping of currency code to rate."""
    from recommender.codes import currency_code

    rates: dict[str, float] = {}
    for value in values:
        code, _, amount = value.partition("=")
        try:
            rates[currency_code(code, field="--rate")] = float(amount)
        except ValueError:
            raise InvalidPlanInput(
                f"{value!r} is not CUR=RATE (units of the plan currency per unit of CUR), e.g. USD=0.92",
                field="--rate",
            ) from None
    return rates


#: At most this many course ids are shown per reason a course is set aside (``--json`` lists them all).
SHOWN_PER_REASON = 5


def print_set_aside(priced: PlanCourses) -> None:
    """Say which courses cannot be planned for this worker and why, grouped by reason."""
    from api.services.plans import set_aside_by_reason  # not at import: `upskill --help` loads no numpy

    for reason, ids in set_aside_by_reason(priced.set_aside.items()):
        shown = ", ".join(ids[:SHOWN_PER_REASON])
        more = f" and {len(ids) - SHOWN_PER_REASON} more" if len(ids) > SHOWN_PER_REASON else ""
        console.print(f"  set aside, {len(ids):,} course(s): {reason}: {shown}{more}", soft_wrap=True)


def print_plans(
    result: PlanResult, priced: PlanCourses | None = None, *, limits: str = "", free_only: bool = False
) -> None:
    """Print each plan as a readable timeline, what it leaves open and what to do about it."""
    for number, plan in enumerate(result.plans, start=1):
        labels = list(plan.labels or (plan.kind,))
        named = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
        explanation = plan.explanation.replace(
            "see uncovered_skills", "see 'Not closed by this plan' below"
        ).replace(
            "each is listed in uncovered_skills", "each is listed below under 'Not closed by this plan'"
        )
        console.print(f"\n[bold]Plan {number} ({named})[/]: {explanation}", soft_wrap=True)
        if plan.steps:
            console.print(_timeline(plan, priced))
            unknown = [s for s in plan.steps if priced is not None and s.course_id in priced.price_unknown]
            if unknown:
                console.print(
                    f"  {len(unknown)} course(s) of this plan have no price stated by their catalogue: the "
                    "plan's cost counts them as 0, so it is a lower bound",
                    soft_wrap=True,
                )
        if limits and plan.steps:
            used = f"{plan.total_price:,.2f} {plan.currency} and {plan.total_hours:g} h"
            console.print(f"  Uses {used}{limits}.", soft_wrap=True)
        if plan.outcomes:
            console.print("  When done, you will be able to:")
            for line in plan.outcomes:
                console.print(f"    - {line}", soft_wrap=True)
        for badge in plan.badges_earned:
            when = "already held" if badge.week == 0 else f"week {badge.week}"
            how = " (by assessment)" if badge.by_assessment else ""
            console.print(f"  badge {badge.name!r}: {when}{how}", soft_wrap=True)
        for near in plan.badges_one_course_away:
            console.print(
                f"  badge {near.name!r} is one course away: {near.course_title!r} ({near.course_id})",
                soft_wrap=True,
            )
        _print_open(plan, free_only)
        cert = plan.certificate
        if cert.ratio is not None and cert.method != "none":
            added = ", ".join(repr(step.title) for step in plan.steps if step.course_id in cert.added_after)
            console.print(
                f"  selection certified by {cert.method}: {cert.ratio:.3f} of optimal on {cert.compared}"
                + (f", before {added} was added to earn a badge" if added else ""),
                soft_wrap=True,
            )


def _print_open(plan: Plan, free_only: bool) -> None:
    """The skills the plan leaves open, grouped by what to do instead, essential first."""
    groups: dict[str, list[str]] = {}
    for skill in sorted(plan.uncovered_skills, key=lambda u: not u.essential):
        kind = skill.alternative.kind if skill.alternative else "provider"
        how = f" -> {skill.alternative.text}" if skill.alternative and kind == "assessment" else ""
        groups.setdefault(kind, []).append(f"    {skill.relation}: {skill.label}: {skill.reason}{how}")
    if not groups:
        return
    console.print(f"  Not closed by this plan ({len(plan.uncovered_skills)}), and what to do instead:")
    for way in OPEN_WAYS:
        if way in groups:
            console.print(f"   {open_heading(way, free_only=free_only)}", soft_wrap=True)
            for line in groups[way]:
                console.print(line, soft_wrap=True)


def _timeline(plan: Plan, priced: PlanCourses | None) -> Table:
    from rich.table import Table

    table = Table(show_lines=False)
    for column in ("weeks", "course", "hours", "price", "why"):
        table.add_column(column)
    for step in plan.steps:
        weeks = (
            str(step.start_week) if step.start_week == step.end_week else f"{step.start_week}-{step.end_week}"
        )
        if step.start_date and step.end_date:
            weeks += f"\n{step.start_date.isoformat()}\n{step.end_date.isoformat()}"
        table.add_row(
            weeks,
            step.title,
            f"{step.hours:g}",
            _price(step.course_id, step.price, step.currency, priced),
            step.reason,
        )
    return table


def _price(course_id: str, price: float, currency: str, priced: PlanCourses | None) -> str:
    if priced is not None and course_id in priced.price_unknown:
        return "not stated"
    if priced is not None and course_id in priced.certificates:
        return f"free (audit); certificate {priced.certificates[course_id]:.2f} {currency} extra, optional"
    return f"{price:.2f} {currency}"


@app.command("plan")
@reports_errors
def plan_command(
    to: TargetOption,
    current: CurrentOption = None,
    skills: SkillsOption = None,
    budget: Annotated[float | None, typer.Option("--budget", help="Money to spend, in --currency.")] = None,
    currency: Annotated[
        str,
        typer.Option("--currency", help="Plan currency, ISO 4217 (prices converted with the rate table)."),
    ] = "EUR",
    rate: Annotated[
        ListOption,
        typer.Option("--rate", help="Exchange rate CUR=RATE: plan-currency units per unit of CUR (repeat)."),
    ] = None,
    max_hours: Annotated[float | None, typer.Option("--max-hours", help="Most hours in total.")] = None,
    hours_per_week: Annotated[float, typer.Option("--hours-per-week", help="Hours of study per week.")] = 6.0,
    start: Annotated[
        str | None, typer.Option("--start", help="Start date YYYY-MM-DD (default today).")
    ] = None,
    deadline: Annotated[str | None, typer.Option("--deadline", help="Finish by YYYY-MM-DD.")] = None,
    language: Annotated[ListOption, typer.Option("--language", help="Accepted language (repeat).")] = None,
    delivery_mode: Annotated[
        ListOption, typer.Option("--delivery-mode", help="online | in-person | blended (repeat).")
    ] = None,
    region: Annotated[str | None, typer.Option("--region", help="NUTS code where the worker is.")] = None,
    level: Annotated[
        ListOption, typer.Option("--level", help="introductory | intermediate | advanced (repeat).")
    ] = None,
    exclude: Annotated[ListOption, typer.Option("--exclude", help="Course id to leave out (repeat).")] = None,
    completed: Annotated[
        ListOption, typer.Option("--completed", help="Course id already done (repeat).")
    ] = None,
    objective: Annotated[str, typer.Option("--objective", help="Minimise hours or cost.")] = "hours",
    certificates: Annotated[
        bool,
        typer.Option(
            "--certificates/--no-certificates",
            help="Buy optional certificates (default; never with --budget 0, which plans free audit tracks).",
        ),
    ] = True,
    solver: Annotated[
        str, typer.Option("--solver", help="auto (default: MILP where it answers in time), greedy, exact.")
    ] = "auto",
    required_levels: Annotated[
        Path | None,
        typer.Option(
            "--required-levels",
            help="CSV occupation,skill,level: the organisation's levels for the target (skill may be "
            "essential / optional; default essential 3, optional 2).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a timeline.")] = False,
    calendar_file: Annotated[
        Path | None,
        typer.Option(
            "--calendar",
            help="Also write the first plan as an iCalendar file (.ics) to import into a calendar.",
        ),
    ] = None,
    snapshot: SnapshotOption = None,
) -> None:
    """Plan courses (and the badges they earn) that close the gap to a target occupation."""
    from api.services.levels import levels_from_file
    from api.services.plans import PlanRequest, plan
    from api.services.profiles import profile_gap
    from data.nuts import known_region
    from recommender.codes import currency_code, language_codes

    plan_currency = currency_code(currency, field="--currency")
    languages = language_codes(language or (), field="--language")
    region = None if region is None else known_region(region, field="--region")
    rates = parse_rates(rate or [])
    if not current and skills is None:
        raise UpskillError("give the current occupation (--from) and/or declared skills (--skills FILE)")
    declared = read_skills(skills)
    context = runtime(snapshot)
    required = levels_from_file(graph=context.graph, target=to, path=required_levels)
    profile = profile_gap(
        graph=context.graph, target=to, occupations=current or [], skills=declared, required=required
    )
    request = PlanRequest(
        budget=budget,
        currency=plan_currency,
        exchange_rates=rates,
        certificates=certificates,
        max_hours=max_hours,
        hours_per_week=hours_per_week,
        start=_date(start, "--start"),
        deadline=_date(deadline, "--deadline"),
        languages=languages,
        delivery_modes=tuple(delivery_mode or ()),
        region=region,
        levels=tuple(level or ()),
        exclude=tuple(exclude or ()),
        completed=tuple(completed or ()),
        objective=objective,
        solver=solver,
    )
    answer = plan(profile=profile, options=context.plan_options, model=context.model, request=request)
    if calendar_file is not None:
        _write_calendar(calendar_file, answer.to_dict(), answer.start)
    if as_json:
        print_json(answer.to_dict())
        return
    origin, read_as = from_and_read_as(profile, current or [], to)
    console.print(
        f"Plan {origin}to {answer.gap.target_label!r} (gap coverage now "
        f"{answer.gap.coverage:.1f} %), starting {answer.start.isoformat()}. {answer.prices}",
        soft_wrap=True,
    )
    if read_as:
        console.print(f"  ({read_as}.)", soft_wrap=True)
    if answer.free_only:
        console.print(
            "Free courses only: edX courses are planned on their free audit track; certificates cost extra.",
            soft_wrap=True,
        )
    limits = []
    if budget:
        limits.append(f"{budget:,.2f} {plan_currency}")
    if request.deadline is not None:
        weeks = ((request.deadline - answer.start).days + 1) // 7
        limits.append(f"{weeks * hours_per_week:g} h ({hours_per_week:g} h a week for {weeks} weeks)")
    shown = f" of the {' and '.join(limits)} available" if limits else ""
    print_plans(answer.result, answer.priced, limits=shown, free_only=answer.free_only)
    print_set_aside(answer.priced)
    console.print(f"Levels needed: {answer.levels}.", soft_wrap=True)
    console.print(f"'best for you' ranked by: {answer.ranking}", soft_wrap=True)


def _write_calendar(path: Path, answer: dict[str, Any], start: dt.date) -> None:
    """Write the answer's first plan as an iCalendar file at ``path`` (atomically), and say so on stderr."""
    from api.services.calendar import plan_calendar
    from data.files import write_bytes

    content = plan_calendar(answer, kind=None, start=start)
    try:
        write_bytes(path, content)
    except OSError as error:
        raise UpskillError(f"--calendar: cannot write {path}: {error.strerror or error}") from error
    err_console.print(f"The first plan's calendar is in {path}.", soft_wrap=True)


#: The sample ``make run`` ends with: scenario 1 of ../shared/SCENARIOS.md. Katrin, a diesel engine mechanic
#: in Stuttgart (NUTS DE11), wants to become an automotive battery technician within nine months, studying six
#: hours a week, online (or blended near Stuttgart), in English or German; her employer pays up to EUR 1,500.
SAMPLE: dict[str, Any] = {
    "current": ["diesel engine mechanic"],
    "to": "automotive battery technician",
    "budget": 1500.0,
    "currency": "EUR",
    "hours_per_week": 6.0,
    "start": "2027-01-04",
    "deadline": "2027-10-03",  # nine months after the start
    "language": ["en", "de"],
    "delivery_mode": ["online", "blended"],
    "region": "DE11",
}


def print_sample_plan() -> None:
    """Print the sample plan (for the end of ``upskill run``); needs ESCO and the catalogue loaded."""
    console.print(
        f"\nSample plan (scenario 1): Katrin, a {SAMPLE['current'][0]} in Stuttgart ({SAMPLE['region']}), "
        f"moving into the role of {SAMPLE['to']} by {SAMPLE['deadline']}: employer budget "
        f"{SAMPLE['currency']} {SAMPLE['budget']:,.0f}, {SAMPLE['hours_per_week']:g} h per week, "
        f"{' or '.join(SAMPLE['delivery_mode'])} courses in English or German.",
        soft_wrap=True,
    )
    plan_command(**SAMPLE)
