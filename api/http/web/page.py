"""What the worker page shows for a filled-in form: the gap, the plans or the adjacent roles, or the errors.

Nothing is planned here: the titles and skills typed are resolved on the competence graph (an unknown one
is an error next to its field, with occupations to pick: the title matcher's for a job title in the person's
own words, and the closest ESCO labels; never a silent guess), the request is
checked by the JSON API's own schemas (``PlanCreate``, ``AdjacentCreate``) and answered by the same
functions as ``POST /v1/gap``, ``/v1/plans`` and ``/v1/roles/adjacent``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from api.http.routers import planning
from api.http.schemas.planning import AdjacentCreate, PlanCreate
from api.http.web.form import FieldError, WorkerForm
from api.http.web.timeline import Timeline, timeline
from api.services.open_skills import open_skill_groups
from api.services.plans import PlanOptions, set_aside_by_reason
from api.services.profiles import read_as
from api.services.titles import with_title_suggestions
from recommender.codes import UnknownCode
from recommender.errors import InvalidPlanInput, NotFoundError, UnknownOccupation, UnknownSkill, UpskillError
from recommender.graph import CompetenceGraph
from recommender.planner.plan import missed_deadline
from recommender.text.titles import TitleMatcher
from training.artefacts import LoadedModel

log = logging.getLogger("upskill.http")

#: API field -> the page's field that holds it (for errors the schemas or the planner report).
FIELD_OF = {
    "budget": "budget",
    "currency": "currency",
    "hours_per_week": "hours",
    "start": "start",
    "deadline": "deadline",
    "languages": "lang",
    "delivery_modes": "mode",
    "region": "region",
    "target": "target",
    "current_occupations": "current",
    "skills": "skill-0",
}
ADJACENT_ROLES = 10
STATUS_ORDER = {"missing": 0, "partial": 1, "held": 2}


@dataclass
class PageAnswer:
    """Everything the page shows below the form."""

    form: WorkerForm
    problem: str = ""  # an error that belongs to no one field, in words
    gap: dict[str, Any] | None = None
    plans: dict[str, Any] | None = None
    timelines: dict[str, Timeline] = field(default_factory=dict)
    adjacent: list[dict[str, Any]] | None = None
    start: dt.date | None = None
    hours: float | None = None
    budget: float | None = None  # None: no limit
    changes: list[str] = field(default_factory=list)  # what-if: what moved since the previous answer
    # the titles of the courses of a plan chosen for the deadline, which the plans shown may not hold
    deadline_titles: dict[str, str] = field(default_factory=dict)
    # (typed, ESCO label) for each occupation typed other than by its ESCO label ("car mechanic")
    read_as: list[tuple[str, str]] = field(default_factory=list)

    @property
    def errors(self) -> dict[str, FieldError]:
        return self.form.errors

    @property
    def titles(self) -> dict[str, str]:
        """Course id -> title, for the courses of the plans (deadline advice and badges name them)."""
        if not self.plans:
            return {}
        shown = {s["course_id"]: s["title"] for plan in self.plans["plans"] for s in plan["steps"]}
        return {**self.deadline_titles, **shown}

    @staticmethod
    def summary(plan: Mapping[str, Any]) -> str:
        """The plan's explanation, where a missed deadline's advice, said in its own box below, is only
        pointed to."""
        deadline = plan["deadline"]
        if deadline is None or deadline["met"]:
            return str(plan["explanation"])
        pointer = " It misses your deadline: what would make it is said below."
        return str(plan["explanation"]).replace(missed_deadline(deadline["explanation"]), pointer)

    def open_groups(self, plan: dict[str, Any]) -> list[tuple[str, list[Mapping[str, Any]]]]:
        """The skills ``plan`` leaves open, grouped by what to do instead, headed as the command line heads
        them."""
        return open_skill_groups(plan["uncovered_skills"], free_only=self.form.free)

    def set_aside_groups(self) -> list[tuple[str, list[str]]]:
        """The courses this worker cannot take, grouped by why, the commonest reason first."""
        items = (self.plans or {}).get("set_aside", [])
        return set_aside_by_reason((item["course_id"], item["reason"]) for item in items)

    def gap_items(self, relation: str) -> list[dict[str, Any]]:
        """The gap's skills of one relation (essential, optional): missing first, then partial, then held."""
        items = [item for item in (self.gap or {}).get("items", []) if item["relation"] == relation]
        return sorted(items, key=lambda item: STATUS_ORDER.get(item["status"], 3))

    @property
    def budget_text(self) -> str:
        return "no limit" if self.budget is None else f"{self.budget:g}"


def _not_found(error: NotFoundError, typed: str, what: str) -> FieldError:
    if error.suggestions:
        return FieldError(
            f"No ESCO {what} is called “{typed}”. Did you mean one of these?", tuple(error.suggestions)
        )
    return FieldError(f"No ESCO {what} is called “{typed}”, nor anything close: try other or fewer words.")


class _Occupations:
    """Typed occupations resolved on the graph; an unknown one is given the title matcher's suggestions too
    (``titles`` gives the matcher; without it, or when it cannot load, the closest labels alone)."""

    def __init__(self, graph: CompetenceGraph, titles: Callable[[], TitleMatcher] | None) -> None:
        self.graph, self.titles = graph, titles
        self.read_as: list[tuple[str, str]] = []

    def resolve(self, form: WorkerForm, key: str, typed: str) -> str | None:
        """The URI of the occupation ``typed`` in ``form``'s field ``key``, or None with the error there;
        ``read_as`` keeps what an occupation typed other than by its label was read as."""
        try:
            uri = self.graph.resolve_occupation(typed)
        except UnknownOccupation as error:
            form.errors[key] = _not_found(self._suggesting(error), typed, "occupation")
            return None
        self.read_as += read_as(self.graph, [typed], [uri])
        return uri

    def _suggesting(self, error: UnknownOccupation) -> UnknownOccupation:
        if self.titles is None:
            return error
        try:
            return with_title_suggestions(error, matcher=self.titles)
        except UpskillError:
            return error  # no matcher without ESCO in the database
        except Exception:  # the field's error is still shown, without the matcher's suggestions
            log.warning("title suggestions left out on the worker page", exc_info=True)
            return error


def _resolve_profile(form: WorkerForm, occupations: _Occupations) -> tuple[list[str], list[dict[str, Any]]]:
    """The occupation URIs and declared skills typed, each unknown one an error on its field."""
    graph = occupations.graph
    uris = []
    for key, typed in form.occupation_fields():
        uri = occupations.resolve(form, key, typed)
        if uri is not None:
            uris.append(uri)
    skills = []
    for index, (typed, level) in enumerate(form.skills):
        try:
            skills.append({"uri": graph.resolve_skill(typed), "level": level})
        except UnknownSkill as error:
            form.errors[f"skill-{index}"] = _not_found(error, typed, "skill")
    return uris, skills


def _schema_errors(form: WorkerForm, error: ValidationError) -> None:
    for item in error.errors():
        location = [part for part in item.get("loc", ()) if isinstance(part, str)]
        key = FIELD_OF.get(location[0], "") if location else ""
        message = str(item.get("msg", "")).removeprefix("Value error, ")
        if key:
            form.errors.setdefault(key, FieldError(message[:1].upper() + message[1:] + "."))


def answer(
    form: WorkerForm,
    *,
    graph: CompetenceGraph,
    options: PlanOptions,
    model: LoadedModel | None,
    titles: Callable[[], TitleMatcher] | None = None,
) -> PageAnswer:
    """Answer the form: adjacent roles (``explore``), the gap and plans (``plan``), or the errors found.
    ``titles`` gives the job-title matcher, asked only for an occupation typed that is not an ESCO label."""
    page = PageAnswer(form)
    if not form.action:
        return page
    resolver = _Occupations(graph, titles)
    occupations, skills = _resolve_profile(form, resolver)
    if not form.current and not form.past and not form.skills and "current" not in form.errors:
        form.errors["current"] = FieldError(
            "Type your job title, or add a skill you have, so we know where you start."
        )
    if form.action == "explore":
        if not form.errors:
            question = AdjacentCreate(current_occupations=occupations, skills=skills, k=ADJACENT_ROLES)
            page.adjacent = planning.adjacent_answer(question, graph)
        return page
    body = _plan_request(page, occupations, skills, resolver)
    page.read_as = resolver.read_as
    if body is not None:
        _plan(page, body, graph=graph, options=options, model=model)
    return page


def _target(form: WorkerForm, occupations: _Occupations) -> str | None:
    """The target occupation's URI, or None with the error on its field."""
    if not form.target:
        form.errors["target"] = FieldError(
            "Choose where you want to go, or press “Show me where I could go”."
        )
        return None
    return occupations.resolve(form, "target", form.target)


def _plan_request(
    page: PageAnswer, occupations: list[str], skills: list[dict[str, Any]], resolver: _Occupations
) -> PlanCreate | None:
    """The plan request the form makes, checked by the API's schema; None when a field is wrong."""
    form = page.form
    target = _target(form, resolver)
    hours = form.number("hours", required=True, positive=True)
    budget = 0.0 if form.free else form.number("budget", required=False, positive=False)
    start, deadline = form.date("start"), form.date("deadline")
    if form.errors or target is None or hours is None:
        return None
    try:
        body = PlanCreate(
            current_occupations=occupations,
            skills=skills,
            target=target,
            budget=budget,
            currency=form.currency,
            hours_per_week=hours,
            start=start or dt.date.today(),
            deadline=deadline,
            languages=form.languages,
            delivery_modes=form.modes,
            region=form.region or None,
        )
    except ValidationError as error:
        _schema_errors(form, error)
        if not form.errors:
            page.problem = str(error)
        return None
    page.start, page.hours, page.budget = body.start, hours, budget
    return body


def _plan(
    page: PageAnswer,
    body: PlanCreate,
    *,
    graph: CompetenceGraph,
    options: PlanOptions,
    model: LoadedModel | None,
) -> None:
    """Ask for the gap and the plans; lay each plan out as a timeline; an error goes to its field."""
    try:
        page.gap = planning.gap_answer(body, graph)
        page.plans = planning.plans_answer(body, graph, options, model)
    except (InvalidPlanInput, UnknownCode) as error:
        key = FIELD_OF.get((error.field or "").lstrip("-").replace("-", "_"), "")
        if key:
            page.form.errors[key] = FieldError(error.message[:1].upper() + error.message[1:] + ".")
        else:
            page.problem = str(error)
        page.gap = page.plans = None
        return
    except UpskillError as error:
        page.problem = str(error)
        page.gap = page.plans = None
        return
    for plan in page.plans["plans"]:
        page.timelines[plan["kind"]] = timeline(plan, start=body.start, deadline=body.deadline)
    instead = {c for plan in page.plans["plans"] if plan["deadline"] for c in plan["deadline"]["instead"]}
    if instead:
        page.deadline_titles = {course.id: course.title for course in options.courses if course.id in instead}
    page.changes = _changes(page)


def _changes(page: PageAnswer) -> list[str]:
    """What moved since the previous answer (the what-if), in words; nothing on a first answer."""
    before = page.form.previous
    if not page.plans or not page.plans["plans"] or not before or page.hours is None:
        return []
    totals = page.plans["plans"][0]["totals"]
    said = []
    if before.get("hours") not in (None, f"{page.hours:g}"):
        said.append(f"Hours a week: {before['hours']} → {page.hours:g}.")
    if before.get("budget", "no limit") != page.budget_text:
        said.append(f"Budget: {before.get('budget', 'no limit')} → {page.budget_text}.")
    finish = totals["finish_date"] or ""
    if before.get("finish") and before["finish"] != finish:
        weeks_before = int(before.get("weeks", "0") or 0)
        delta = totals["weeks"] - weeks_before
        moved = f"{abs(delta)} week{'s' if abs(delta) != 1 else ''} {'later' if delta > 0 else 'earlier'}"
        said.append(f"Finish: {before['finish']} → {finish} ({moved}).")
    elif before.get("finish"):
        said.append(f"Finish: still {finish}.")
    price = f"{totals['price']:.2f}"
    if before.get("price") and before["price"] != price:
        said.append(f"Cost: {totals['currency']} {before['price']} → {price}.")
    return said
