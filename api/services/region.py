"""Regional portfolios: which training programmes a region funds, the plan it may see, its evidence report."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from api.services.uploads import Upload, as_files
from recommender.codes import CodesChecked
from recommender.errors import InvalidPlanInput, NotFoundError, UpskillError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from recommender.currency import RateTable
    from recommender.gap import RequiredLevels
    from recommender.graph import CompetenceGraph
    from recommender.planner import BadgeOption, CourseOption
    from recommender.region.model import Occupation, Problem

#: The seats each catalogue course offers when no programmes file is given (the report states it).
CATALOGUE_SEATS = 100


@dataclass(frozen=True)
class RegionRequest(CodesChecked):
    """What ``upskill region plan`` and ``POST /v1/regions/{nuts}/portfolios`` take.

    ``exchange_rates`` maps a currency code to units of ``currency`` per unit of it; ``scheduler`` is a Dask
    scheduler address for the budget sweep, else ``processes`` local processes solve it (1: in this one).
    """

    workforce: Path
    demand: Path
    budget: float
    programmes: Path | None = None
    currency: str = "EUR"
    cofinancing: float = 0.0
    region: str | None = None
    languages: tuple[str, ...] = ()
    exchange_rates: Mapping[str, float] = field(default_factory=dict)
    max_programmes: int = 3
    min_seats: int = 5
    catalogue_seats: int = CATALOGUE_SEATS
    scheduler: str | None = None
    processes: int = 1
    report: Path | None = None
    save: bool = False  # keep the published plan under ``region`` (a NUTS code)
    required_levels: Path | None = None  # the organisation's levels table (``api.services.levels``)


@dataclass(frozen=True)
class RegionPlan:
    """The published plan (JSON-ready), where the report went, the problem solved, stage timings, and the
    id the plan is kept under (when saved)."""

    plan: dict[str, Any]
    report: Path | None
    problem: Problem
    timings: dict[str, float]
    portfolio_id: int | None = None


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _releases(db_session: Session) -> dict[str, str]:
    from sqlalchemy import select

    from data.models import Provenance

    rows = db_session.execute(
        select(Provenance.source, Provenance.release).order_by(Provenance.imported_at, Provenance.id)
    )
    return {source: release for source, release in rows}  # the newest import of each source wins


def plan_region(
    *,
    db_session: Session,
    graph: CompetenceGraph,
    courses: Sequence[CourseOption],
    request: RegionRequest,
    badges: Sequence[BadgeOption] = (),
    rates: RateTable | None = None,
) -> RegionPlan:
    """Choose the programmes to fund, publish the plan with small groups suppressed, write the report.

    ``badges``: the catalogue's, for what to fund where no programme teaches a skill (assessments for a
    badge that recognises it). Costs in other currencies are converted at the request's given rates, then
    at ``rates`` (the rate table single plans use); the assumptions say which."""
    from api.services.levels import levels_per_target
    from api.services.plans import prices_note
    from data.formats.region import catalogue_programmes, read_demand, read_programmes, read_workforce
    from recommender.currency import Converter, RateTable
    from recommender.region.model import Settings
    from recommender.region.outcome import outcome
    from recommender.region.pathways import build_problem
    from recommender.region.portfolio import solve
    from recommender.region.publish import publish
    from recommender.region.sweep import sensitivity

    if request.processes < 1:
        raise InvalidPlanInput(f"must be at least 1, got {request.processes}", field="processes")
    if request.save and not request.region:
        raise InvalidPlanInput("a portfolio is kept under its region: give the NUTS code", field="region")
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = now - clock
        clock = now

    settings = Settings(
        budget=request.budget,
        currency=request.currency,
        cofinancing=request.cofinancing,
        region=_region_code(request.region),
        languages=request.languages,
        max_programmes=request.max_programmes,
        min_seats=request.min_seats,
    )
    workforce = read_workforce(request.workforce, graph)
    demand = read_demand(request.demand, graph)
    converter = Converter(settings.currency, rates or RateTable({}), request.exchange_rates)
    known = sorted({*converter.table.units_per_eur, *converter.overrides} - {settings.currency})
    per_unit = {code: rate for code in known if (rate := converter.rate(code)) is not None}
    if request.programmes is not None:
        programmes = read_programmes(
            request.programmes, graph, courses, rates=per_unit, currency=settings.currency
        )
    else:
        if not courses:
            raise UpskillError(
                "no programmes file and no catalogue: pass --programmes FILE or run `upskill run` first"
            )
        programmes = catalogue_programmes(
            courses, seats=request.catalogue_seats, rates=per_unit, currency=settings.currency
        )
    required = levels_per_target(graph=graph, targets=[t.uri for t in demand], path=request.required_levels)
    lap("read inputs")
    problem = build_problem(graph, workforce, demand, programmes, settings, required)
    lap("pathways")
    solution = solve(problem)
    lap("portfolio MILP")
    curve = sensitivity(problem, scheduler=request.scheduler, processes=request.processes)
    lap("budget sweep (20 budgets)")
    types = {uri: str(graph.attributes(uri).get("skill_type") or "") for uri in problem.skill_labels}
    result = replace(outcome(problem, solution, badges=badges, skill_types=types), sensitivity=curve)
    plan = publish(problem, result)
    plan["inputs"] = _inputs(request, db_session)
    plan["assumptions"] = [
        *_assumptions(request, settings),
        prices_note(converter),
        *_levels_assumptions(demand, required),
    ]
    plan["settings"] = {"max_programmes": settings.max_programmes, "min_seats": settings.min_seats}
    lap("publish (suppression)")
    written = None
    if request.report is not None:
        from evaluation.region_report import write_report

        written = write_report(request.report, plan, report_meta(plan, request))
        lap(f"report ({request.report.suffix.lstrip('.')})")
    portfolio_id = None
    if request.save and request.region:
        from data.region_store import save_portfolio

        portfolio_id = save_portfolio(db_session=db_session, nuts=request.region, plan=plan)
    return RegionPlan(plan=plan, report=written, problem=problem, timings=timings, portfolio_id=portfolio_id)


def _levels_assumptions(demand: Sequence[Occupation], required: Mapping[str, RequiredLevels]) -> list[str]:
    """Where the levels each target needs come from, in words (the default and the organisation's)."""
    from recommender.gap import DEFAULT_LEVELS
    from recommender.planner.alternatives import level_name

    own = [
        f"{target.label}: {required[target.uri].source}"
        for target in demand
        if required.get(target.uri, DEFAULT_LEVELS) != DEFAULT_LEVELS
    ]
    note = (
        "A worker is ready for a role when every essential skill of it is held at the level it needs: "
        f"{level_name(DEFAULT_LEVELS.essential)} unless the organisation's table (--required-levels) says "
        "otherwise."
    )
    return [note + (f" Set by the table: {'; '.join(own)}." if own else "")]


def _inputs(request: RegionRequest, db_session: Session) -> dict[str, Any]:
    """The data the plan rests on: files with their sha256, releases of ESCO and the catalogue."""
    releases = _releases(db_session)
    files = {"workforce": request.workforce, "demand": request.demand}
    if request.programmes is not None:
        files["programmes"] = request.programmes
    return {
        "files": {name: {"file": path.name, "sha256": _sha256(path)} for name, path in files.items()},
        "esco": releases.get("esco"),
        "catalogue": releases.get("courses"),
        "programmes": "file" if request.programmes is not None else "catalogue courses",
    }


def _assumptions(request: RegionRequest, settings: Any) -> list[str]:
    notes = [
        f"A worker follows at most {settings.max_programmes} programmes; a programme is funded for at least "
        f"{settings.min_seats} seats or not at all.",
    ]
    if request.programmes is None:
        notes.append(
            "No programmes file: the catalogue's courses serve as programmes, each with "
            f"{request.catalogue_seats} "
            "seats (an assumption, not an offer) at its price per seat, taking hours / 6 weeks."
        )
    if settings.region:
        notes.append(f"Only programmes running in {settings.region} or online are considered.")
    return notes


def report_meta(plan: Mapping[str, Any], request: RegionRequest) -> dict[str, Any]:
    """Title, sources and settings the evidence report prints."""
    return report_meta_of(plan, region=request.region)


def report_meta_of(plan: Mapping[str, Any], *, region: str | None) -> dict[str, Any]:
    """Title, sources and settings the evidence report of a published plan prints."""
    inputs = plan["inputs"]
    name = region.upper() if region else "the region"
    years = sorted({row["year"] for row in plan["unmet_demand"] if row["year"]})
    sources: list[tuple[str, str]] = [("ESCO", inputs["esco"] or "release unknown")]
    if inputs["catalogue"]:
        sources.append(("course catalogue", inputs["catalogue"]))
    for kind, entry in inputs["files"].items():
        sources.append((f"{kind} file", f"{entry['file']}, sha256 {entry['sha256'][:12]}"))
    try:
        version = importlib.metadata.version("upskill")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    t = plan["totals"]
    return {
        "title": f"Training portfolio for {name}",
        "subtitle": (
            f"Budget {t['currency']} {t['budget']:,.0f}"
            + (f" with {t['cofinancing_rate']:.0%} co-financing" if t["cofinancing_rate"] else "")
            + (f"; demand by {years[-1]}" if years else "")
        ),
        "year": years[-1] if years else None,
        "settings": plan["settings"],
        "sources": sources,
        "generated": dt.date.today().isoformat(),
        "version": version,
        "assumptions": plan["assumptions"],
    }


def prepare_portfolio(  # noqa: PLR0913 - the use case's inputs: the catalogue, the region, three files
    *,
    db_session: Session,
    graph: CompetenceGraph,
    courses: Sequence[CourseOption],
    nuts: str,
    workforce: Upload,
    demand: Upload,
    programmes: Upload | None,
    request: RegionRequest,
    badges: Sequence[BadgeOption] = (),
    rates: RateTable | None = None,
) -> dict[str, Any]:
    """Plan a portfolio from uploaded files for region ``nuts``, writing nothing (a read is enough: the solve
    takes seconds, and needs no write lock); :func:`store_portfolio` keeps the plan it returns.
    ``request``'s paths, report and region are replaced by the uploads and ``nuts``."""
    from data.nuts import nuts_code

    code = nuts_code(nuts, field="nuts")
    uploads = [workforce, demand] + ([programmes] if programmes is not None else [])
    with as_files(uploads) as paths:
        result = plan_region(
            db_session=db_session,
            graph=graph,
            courses=courses,
            badges=badges,
            rates=rates,
            request=replace(
                request,
                workforce=paths[0],
                demand=paths[1],
                programmes=paths[2] if programmes is not None else None,
                region=code,
                report=None,
                save=False,
            ),
        )
    return result.plan


def store_portfolio(*, db_session: Session, nuts: str, plan: dict[str, Any]) -> dict[str, Any]:
    """Keep a planned portfolio (:func:`prepare_portfolio`) under region ``nuts``; return it as kept (with
    its ``id``)."""
    from data.nuts import nuts_code
    from data.region_store import save_portfolio

    code = nuts_code(nuts, field="nuts")
    portfolio_id = save_portfolio(db_session=db_session, nuts=code, plan=plan)
    kept = stored_portfolio(db_session=db_session, nuts=code, portfolio_id=portfolio_id)
    return {"id": portfolio_id, "nuts": code, **kept}


def report(*, plan: Mapping[str, Any], nuts: str, kind: str) -> bytes:
    """The evidence report of a kept portfolio as ``html`` or ``pdf`` bytes."""
    from evaluation.region_report import charts, render_html, render_pdf

    meta = report_meta_of(plan, region=nuts)
    images = charts(plan)
    if kind == "pdf":
        return render_pdf(plan, meta, images)
    return render_html(plan, meta, images).encode("utf-8")


def summary_lines(plan: Mapping[str, Any], *, nuts: str) -> list[str]:
    """The evidence report's summary sentences for a kept portfolio."""
    from evaluation.region_report import summary_lines as lines

    return lines(plan, report_meta_of(plan, region=nuts))


def stored_portfolio(*, db_session: Session, nuts: str, portfolio_id: int) -> dict[str, Any]:
    """The published plan kept as ``portfolio_id`` for region ``nuts``; another region's reads as unknown."""
    from data.region_store import get_portfolio

    plan = get_portfolio(db_session=db_session, nuts=nuts, portfolio_id=portfolio_id)
    if plan is None:
        raise UnknownPortfolio(nuts, portfolio_id)
    return plan


def _region_code(region: str | None) -> str | None:
    """The request's NUTS code in capitals, of a region upskill knows (``data.nuts``), or InvalidPlanInput:
    a name (``Moravia``) or a code of no region (``XX99``, a typo of ``CZ08``) would match no programme's
    regions and leave only the online ones, without a word, and ``--save`` would keep the plan where no key
    can read it."""
    if not region:
        return None
    from data.nuts import known_region

    return known_region(region)


class UnknownPortfolio(NotFoundError):
    """No portfolio of that id is kept for that region (another region's reads the same)."""

    kind = "portfolio"
    fix = (
        "use the id the portfolio was kept under (POST /v1/regions/{nuts}/portfolios answers it, "
        "`upskill region plan --save` prints it) with its region's code in the path"
    )

    def __init__(self, nuts: str, portfolio_id: int):
        super().__init__(str(portfolio_id))
        self.args = (f"region {nuts.upper()} has no portfolio {portfolio_id}",)

    def __str__(self) -> str:
        return str(self.args[0])
