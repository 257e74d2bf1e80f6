"""Workforce transitions for HR (scenario 3): plan a cohort, what-ifs, and plans stored per organisation."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from api.services.uploads import Upload, as_files
from recommender.codes import CodesChecked, language_code, language_name
from recommender.errors import InvalidPlanInput, NotFoundError, UpskillError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from recommender.cohort import ChunkMapper, CohortInputs, CohortResult
    from recommender.currency import Converter, RateTable
    from recommender.graph import CompetenceGraph
    from recommender.planner import BadgeOption, CourseOption
    from recommender.planner.subject import SubjectVectors
    from recommender.workforce import PersonRecord, TitleResolver


@dataclass(frozen=True)
class CohortRequest(CodesChecked):
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
    required_levels: Path | None = None  # the organisation's levels table (``api.services.levels``)


def _rates(courses: Sequence[CourseOption], request: CohortRequest, table: RateTable | None) -> Converter:
    """The converter into the request's currency (its given rates first, then ``table``: the bundled or
    configured rate table, as a single plan uses); refuse a plan that would silently leave out every priced
    course in a currency neither knows."""
    from recommender.currency import Converter, RateTable

    converter = Converter(request.currency, table or RateTable({}), request.exchange_rates)
    missing: dict[str, int] = {}
    for course in courses:
        code = course.currency.upper()
        if course.price > 0 and converter.rate(code) is None:
            missing[code] = missing.get(code, 0) + 1
    if missing:
        listed = ", ".join(f"{n} courses in {code}" for code, n in sorted(missing.items()))
        example = " ".join(f"--rate {code}=<{request.currency} per {code}>" for code in sorted(missing))
        raise InvalidPlanInput(
            f"the catalogue prices {listed}; the rate table has no rate to {request.currency}: "
            f"give it ({example}), or every such course would be left out",
            field="--rate",
        )
    return converter


def plan_cohort(  # noqa: PLR0913 - keyword-only: catalogue, the two files, the request, how to plan
    *,
    graph: CompetenceGraph,
    courses: Sequence[CourseOption],
    badges: Sequence[BadgeOption],
    subjects: SubjectVectors | None,
    workforce: Path,
    targets: Path,
    request: CohortRequest,
    mapper: ChunkMapper,
    matcher: Callable[[], TitleResolver | None] | None = None,
    confirmed: Mapping[str, str] | None = None,
    rates: RateTable | None = None,
) -> CohortResult:
    """Plan the transition of the people of ``workforce`` into the roles of ``targets``.

    Prices are converted at the request's given rates, then at ``rates`` (the rate table single plans use);
    ``subjects`` judges courses by their subject as single plans do (``PlanOptions.subjects``).

    ``matcher`` builds the job-title matcher, called only when some person has no occupation in the file.
    ``confirmed`` maps person ids to the occupation (ESCO URI or exact label) HR confirmed for them: it
    replaces the file's occupation, so a title listed to confirm is planned on the next run.
    """
    from api.services.levels import levels_per_target
    from data.formats.workforce import read_targets, read_workforce
    from recommender.cohort import CohortSettings, prepare, summarise
    from recommender.workforce import resolve_targets, resolve_workforce

    if not courses:
        raise UpskillError("the database holds no courses; run `upskill import courses FILE` first")
    converter = _rates(courses, request, rates)
    priced_in = {course.currency.upper() for course in courses if course.price > 0} - {converter.currency}
    records = _confirm(read_workforce(workforce), confirmed or {})
    resolver = matcher() if matcher is not None and any(not r.occupation for r in records) else None
    people = resolve_workforce(graph, records, matcher=resolver)
    roles = resolve_targets(graph, read_targets(targets))
    levels = levels_per_target(graph=graph, targets=[r.uri for r in roles], path=request.required_levels)
    settings = CohortSettings(
        start=request.start,
        months=request.months,
        hours_per_week=request.hours_per_week,
        budget=request.budget,
        currency=request.currency,
        exchange_rates={code: converter.rate(code) or 0.0 for code in sorted(priced_in)},
        languages=request.languages,
        delivery_modes=request.delivery_modes,
        objective=request.objective,  # type: ignore[arg-type]
        min_readiness=request.min_readiness,
        on_the_job_hours=request.on_the_job_hours,
        required_levels=levels,
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
        subjects=subjects,
    )
    return summarise(inputs)


def _confirm(records: list[PersonRecord], confirmed: Mapping[str, str]) -> list[PersonRecord]:
    """The records with the occupations HR confirmed; a person id not in the file is an error."""
    from dataclasses import replace

    unknown = sorted(set(confirmed) - {r.person_id for r in records})
    if unknown:
        raise InvalidPlanInput(
            f"confirmed occupations name people who are not in the workforce file: {', '.join(unknown[:5])}",
            field="confirmed",
        )
    return [
        replace(r, occupation=confirmed[r.person_id].strip()) if r.person_id in confirmed else r
        for r in records
    ]


def parse_what_if(
    values: Sequence[str], inputs: CohortInputs, graph: CompetenceGraph, *, field: str = "--what-if"
) -> dict[str, Any]:
    """``budget=N`` (``none``: no limit), ``hours-per-week=H``, ``language=CODE`` (everyone also follows
    courses in that language) and ``headcount:<occupation>=N`` changes, as :func:`recommender.cohort.what_if`
    takes them; errors name ``field``."""
    changes: dict[str, Any] = {}
    headcounts: dict[str, int] = {}
    for value in values:
        key, _, amount = (part.strip() for part in value.partition("="))
        if key.startswith("headcount:"):
            try:
                uri = graph.resolve_occupation(key.removeprefix("headcount:").strip())
            except NotFoundError as error:  # a field of the request, not a resource it names
                raise InvalidPlanInput(f"{value!r}: {error}", field=field) from None
            if uri not in {t.uri for t in inputs.targets}:
                raise InvalidPlanInput(f"{graph.label(uri)!r} is not one of the targets", field=field)
            headcounts[uri] = _number(value, amount, int, field)
        elif key == "budget":
            changes["budget"] = None if amount.lower() == "none" else _number(value, amount, float, field)
        elif key == "hours-per-week":  # the range as the plan's own: CohortSettings checks it
            changes["hours_per_week"] = _number(value, amount, float, field)
        elif key == "language":
            changes["language"] = language_code(amount, field=field)
        else:
            raise InvalidPlanInput(
                f"{value!r} is not budget=AMOUNT, hours-per-week=HOURS, language=CODE or "
                "headcount:OCCUPATION=N",
                field=field,
            )
    if headcounts:
        changes["headcounts"] = headcounts
    return changes


def _number(value: str, amount: str, kind: type[int] | type[float], field: str) -> Any:
    """``amount`` of the change ``value`` as a finite number >= 0 of ``kind``."""
    try:
        number = kind(amount)
    except ValueError:
        number = -1
    if not 0 <= number < math.inf:
        raise InvalidPlanInput(f"{value!r}: the amount must be a number >= 0", field=field)
    return number


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
            "without_course": len(result.shut_out()),
            "on_free_courses": totals["on_free_courses"],
        }

    planned_again = 0 if changed.inputs is base.inputs else changed.inputs.stats["plans_computed"]
    return {"plan": figures(base), "what_if": figures(changed), "plans_computed_again": planned_again}


#: Up to this many people, a cohort where people get no course is re-solved with the language that opens
#: the most courses to them, and the plan says what it would change; above, it names the what-if to ask
#: for: the re-solve plans the changed people's tasks again (10,000 synthetic people, 20 % Czech only:
#: `upskill cohort plan` 21 s without it, 45 s with it, 2026-12-07).
LANGUAGE_WHAT_IF_PEOPLE = 2_000


def plan(  # noqa: PLR0913 - keyword-only: plan_cohort's inputs and the what-if changes
    *,
    graph: CompetenceGraph,
    courses: Sequence[CourseOption],
    badges: Sequence[BadgeOption],
    subjects: SubjectVectors | None,
    workforce: Path,
    targets: Path,
    request: CohortRequest,
    what_if_changes: Sequence[str] = (),
    what_if_field: str = "--what-if",
    mapper: ChunkMapper | None = None,
    matcher: Callable[[], TitleResolver | None] | None = None,
    confirmed: Mapping[str, str] | None = None,
    rates: RateTable | None = None,
) -> dict[str, Any]:
    """Plan a cohort and, with ``what_if_changes``, re-solve it changed; return the JSON document (its
    settings say which rates converted the prices). A change that is not understood is an error naming
    ``what_if_field`` (the option or the request field it came in)."""
    from api.services.plans import prices_note
    from recommender.cohort import in_process, language_to_add, language_what_if, what_if

    chunks = mapper or in_process
    result = plan_cohort(
        graph=graph,
        courses=courses,
        badges=badges,
        subjects=subjects,
        workforce=workforce,
        targets=targets,
        request=request,
        mapper=chunks,
        matcher=matcher,
        confirmed=confirmed,
        rates=rates,
    )
    document = result.to_dict()
    document["settings"]["exchange_rates"] = dict(result.inputs.settings.exchange_rates)
    document["settings"]["prices"] = prices_note(_rates(courses, request, rates))
    language = language_to_add(result, courses)
    if language is not None and len(result.inputs.people) > LANGUAGE_WHAT_IF_PEOPLE:
        document["warnings"].append(
            f"What courses in {language_name(language)} too would change is a what-if: language={language}."
        )
    elif language is not None:  # people get no course, maybe for their languages: would one more help?
        changed = what_if(result.inputs, graph, courses, badges=badges, mapper=chunks, language=language)
        if len(changed.shut_out()) < len(result.shut_out()):
            document["warnings"].append(language_what_if(result, changed, language))
    if what_if_changes:
        changes = parse_what_if(what_if_changes, result.inputs, graph, field=what_if_field)
        changed = what_if(result.inputs, graph, courses, badges=badges, mapper=chunks, **changes)
        document["what_if"] = {"changes": list(what_if_changes), **compare(result, changed)}
    return document


def prepare(  # noqa: PLR0913 - the use case's inputs: the catalogue, the owner, two files, the constraints
    *,
    db_session: Session,
    graph: CompetenceGraph,
    courses: Sequence[CourseOption],
    badges: Sequence[BadgeOption],
    subjects: SubjectVectors | None,
    organisation_id: int,
    workforce: Upload,
    targets: Upload,
    request: CohortRequest,
    confirmed: Mapping[str, str] | None = None,
    what_if_changes: Sequence[str] = (),
    matcher: Callable[[], TitleResolver | None] | None = None,
    rates: RateTable | None = None,
) -> dict[str, Any]:
    """Plan a cohort from uploaded files for ``organisation_id`` (with ``what_if_changes`` compared, as the
    request field ``what_if``), writing nothing (a read is enough: the
    solve may take minutes, and needs no write lock); :func:`store` keeps the document it returns."""
    from data.models import Organisation

    if db_session.get(Organisation, organisation_id) is None:
        raise UnknownOrganisation(str(organisation_id))
    with as_files([workforce, targets]) as (workforce_file, targets_file):
        document = plan(
            graph=graph,
            courses=courses,
            badges=badges,
            subjects=subjects,
            workforce=workforce_file,
            targets=targets_file,
            request=request,
            matcher=matcher,
            confirmed=confirmed,
            what_if_changes=what_if_changes,
            what_if_field="what_if",
            rates=rates,
        )
    for entry in document["to_confirm"]:  # located in the client's file, not the temporary one
        entry["file"], entry["line"] = workforce.where(entry["line"]), workforce.line(entry["line"])
    return document


def store(
    *, db_session: Session, organisation_id: int, name: str, document: dict[str, Any]
) -> dict[str, Any]:
    """Keep a planned cohort (:func:`prepare`) for ``organisation_id``; return it as stored."""
    from data.cohorts import load_cohort, save_cohort
    from data.models import Organisation

    if db_session.get(Organisation, organisation_id) is None:  # deleted while the cohort was planned
        raise UnknownOrganisation(str(organisation_id))
    cohort_id = save_cohort(
        db_session=db_session, organisation_id=organisation_id, name=name, document=document
    )
    document = load_cohort(db_session=db_session, organisation_id=organisation_id, cohort_id=cohort_id)
    return {**document, "organisation_id": organisation_id}


def read(*, db_session: Session, organisation_id: int | None, cohort_id: int) -> dict[str, Any]:
    """A stored cohort of ``organisation_id`` (None: of any organisation, for an administrator); another
    organisation's cohort reads as unknown."""
    from data.cohorts import UnknownCohort, cohort_owner, load_cohort

    owner = cohort_owner(db_session=db_session, cohort_id=cohort_id)
    if owner is None or (organisation_id is not None and owner != organisation_id):
        raise UnknownCohort(str(cohort_id))
    document = load_cohort(db_session=db_session, organisation_id=owner, cohort_id=cohort_id)
    document["organisation_id"] = owner
    return document


def report_html(document: Mapping[str, Any]) -> str:
    """The printable HTML report of a cohort plan document."""
    import json

    from evaluation.cohort_report import render_html

    plain = json.loads(json.dumps(document, default=str))  # dates as text, as the JSON reader gets them
    name = document.get("name")
    title = "Workforce transition plan"
    return render_html(plain, title=f"{title}: {name}" if name else title)


def save(*, db_session: Session, organisation: str, name: str, document: dict[str, Any]) -> int:
    """Store a cohort plan under ``name`` for the organisation called ``organisation``; return its id."""
    from data.cohorts import save_cohort

    owner = organisation_id(db_session=db_session, name=organisation)
    return save_cohort(db_session=db_session, organisation_id=owner, name=name, document=document)


def show(*, db_session: Session, organisation: str, cohort_id: int) -> dict[str, Any]:
    """Read a stored cohort plan of the organisation called ``organisation``."""
    from data.cohorts import load_cohort

    owner = organisation_id(db_session=db_session, name=organisation)
    return load_cohort(db_session=db_session, organisation_id=owner, cohort_id=cohort_id)


def title_resolver(load: Callable[[], TitleResolver]) -> TitleResolver | None:
    """The job-title matcher ``load`` gives, or None when the database holds no ESCO (titles then resolve on
    the graph's labels: exact label, or a confident label search)."""
    try:
        return load()
    except UpskillError:
        return None


def organisation_id(*, db_session: Session, name: str) -> int:
    """Find the id of the organisation called ``name``; an unknown name raises listing the known ones."""
    from sqlalchemy import select

    from data.models import Organisation

    found = db_session.scalar(select(Organisation.id).where(Organisation.name == name))
    if found is None:
        known = list(db_session.scalars(select(Organisation.name).order_by(Organisation.name)))
        raise UnknownOrganisation(name, known[:10])
    return found


class UnknownOrganisation(NotFoundError):
    kind = "organisation"
    fix = "use the id or name of an existing organisation (GET /v1/organisations lists them)"
