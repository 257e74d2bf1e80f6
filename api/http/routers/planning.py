"""Anonymous planning (nothing is stored): ``POST /v1/gap``, ``POST /v1/plans``, ``POST /v1/roles/adjacent``.

The routes compute in the thread pool (plain ``def``, which FastAPI runs there; ``POST /v1/plans`` through
``api.http.deps.planning``, one plan at a time per process), so a plan being solved never blocks the event
loop (see ``api.http.app``). The worker page (``api.http.web``) answers through the same
functions (:func:`gap_answer`, :func:`plans_answer`, :func:`adjacent_answer`), so both give the same plan.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import pydantic_core
from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.http.deps import GraphDep, ModelDep, PlanOptionsDep, planning
from api.http.schemas.common import PROBLEMS
from api.http.schemas.planning import (
    AdjacentCreate,
    AdjacentRoleRead,
    GapCreate,
    GapRead,
    PlanCreate,
    PlansRead,
)
from api.services import calendar, levels, plans, profiles, roles
from api.services.plans import PRICINGS_KEPT, PlanOptions
from recommender.graph import CompetenceGraph
from recommender.kept import KeptFor
from training.artefacts import LoadedModel

router = APIRouter(tags=["planning"], responses=PROBLEMS)


def _profile(body: GapCreate, graph: CompetenceGraph) -> profiles.ProfileGap:
    """The request's profile measured against its target at the levels it gives (else the default)."""
    rules = levels.rules_from_request([(r.occupation, r.skill, r.level) for r in body.required_levels])
    required = levels.required_levels(
        graph=graph, target=body.target, rules=rules, name="the request's required_levels"
    )
    return profiles.profile_gap(
        graph=graph,
        target=body.target,
        occupations=body.current_occupations,
        skills=body.declared(),
        required=required,
    )


def gap_answer(body: GapCreate, graph: CompetenceGraph) -> dict[str, Any]:
    """The gap of the request's profile to its target, as ``POST /v1/gap`` answers it."""
    profile = _profile(body, graph)
    return {**profile.gap.to_dict(), "required_levels": profile.required.source}


def plans_answer(
    body: PlanCreate, graph: CompetenceGraph, options: PlanOptions, model: LoadedModel | None
) -> dict[str, Any]:
    """The plans for the request, as ``POST /v1/plans`` answers them (its region one upskill knows, as
    ``upskill plan --region``'s; a stored worker's region is checked when written, not read)."""
    from data.nuts import known_region

    profile = _profile(body, graph)
    request = plans.PlanRequest(
        budget=body.budget,
        currency=body.currency,
        exchange_rates={code.upper(): rate for code, rate in body.exchange_rates.items()},
        certificates=body.certificates,
        max_hours=body.max_hours,
        hours_per_week=body.hours_per_week,
        start=body.start,
        deadline=body.deadline,
        languages=tuple(body.languages),
        delivery_modes=tuple(body.delivery_modes),
        region=None if body.region is None else known_region(body.region),
        levels=tuple(body.levels),
        exclude=tuple(body.exclude),
        completed=tuple(body.completed),
        objective=body.objective,
        solver=body.solver,
    )
    return plans.plan(profile=profile, options=options, model=model, request=request).to_dict()


def adjacent_answer(body: AdjacentCreate, graph: CompetenceGraph) -> list[dict[str, Any]]:
    """The adjacent roles of the request's profile, as ``POST /v1/roles/adjacent`` answers them."""
    found = roles.adjacent(
        graph=graph,
        occupations=body.current_occupations,
        skills=body.declared(),
        k=body.k,
        sector=body.sector,
        exclude_same_isco=body.exclude_same_isco,
        min_score=body.min_score,
    )
    return [role.to_dict() for role in found]


@router.post("/gap", response_model=GapRead)
def gap(body: GapCreate, graph: GraphDep) -> Any:
    """Compare a profile with a target occupation: every required skill, held, partial or missing, and why."""
    return gap_answer(body, graph)


@router.post("/plans", response_model=PlansRead)
async def plan(body: PlanCreate, graph: GraphDep, options: PlanOptionsDep, model: ModelDep) -> Any:
    """Plan courses (and the badges they earn) that close the gap to the target within the limits given."""
    answer = await planning(lambda: plans_json(plans_answer(body, graph, options, model)))
    return Response(answer, media_type="application/json")


@router.post(
    "/plans/calendar",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}, "description": "the plan as an iCalendar file"}},
)
async def plan_calendar(
    body: PlanCreate,
    graph: GraphDep,
    options: PlanOptionsDep,
    model: ModelDep,
    kind: Annotated[
        str | None,
        Query(
            max_length=20,
            description="which plan: fastest, cheapest or best-for-you (default the first); a plan "
            "coinciding with others is each of them",
        ),
    ] = None,
) -> Response:
    """One of the plans ``POST /v1/plans`` answers with the same body, as an iCalendar file to import into a
    calendar: each course an all-day event over the weeks it runs (marked free time), each badge on the day
    it is earned, the deadline on its day (``api.services.calendar``)."""
    answer = await planning(lambda: plans_answer(body, graph, options, model))
    return calendar_response(answer, kind=kind, start=body.start or dt.date.today())


def calendar_response(answer: dict[str, Any], *, kind: str | None, start: dt.date) -> Response:
    """The plan of ``kind`` in a plans ``answer`` as an iCalendar attachment (this route's and the worker
    page's); raises :class:`~recommender.errors.InvalidPlanInput` when the answer has no such plan."""
    content = calendar.plan_calendar(answer, kind=kind, start=start)
    return Response(
        content,
        media_type=calendar.MEDIA_TYPE,
        headers={"content-disposition": f'attachment; filename="{calendar.file_name(answer, kind)}"'},
    )


def plans_json(answer: dict[str, Any]) -> bytes:
    """The plans answer as JSON, written from the service's dict as it is (``PlansRead`` documents it).

    Not validated against ``PlansRead`` on the way out as FastAPI would: that took ~7 ms CPU of a
    scenario-1 plan's ~35 (its answer is ~280 KB: every course's certificate price and set-aside reason),
    and the JSON is the same bytes (tests/api/http/test_planning.py checks it on every plan it asks for;
    the schema fuzz test checks answers against the schema). The list of the courses set aside, shared by
    the answers of one pricing (``PlanOptions.set_aside``: ~2,000 courses, ~250 KB, 0.4 ms CPU to write of
    a plan's ~12), is written once and its bytes put in place (:func:`_set_aside_json`)."""
    set_aside = answer.get("set_aside")
    if not isinstance(set_aside, tuple) or not set_aside:  # only the options' own lists are kept
        return pydantic_core.to_json(answer)
    keys = list(answer)
    at = keys.index("set_aside")
    parts = [b'"set_aside":' + _set_aside_json(set_aside)]
    if at > 0:
        parts.insert(0, pydantic_core.to_json({key: answer[key] for key in keys[:at]})[1:-1])
    if at < len(keys) - 1:
        parts.append(pydantic_core.to_json({key: answer[key] for key in keys[at + 1 :]})[1:-1])
    return b"{" + b",".join(parts) + b"}"


#: Set-aside lists whose JSON is kept, the last used kept longest (one per pricing the options keep).
SET_ASIDE_KEPT = PRICINGS_KEPT
#: ``pydantic_core.to_json(set_aside)``, written once per list: kept by the list's identity. The options never
#: change a list they answered (``PlanOptions.set_aside``), so its JSON stays right.
_set_aside_kept: KeptFor[tuple[Any, ...], bytes] = KeptFor(pydantic_core.to_json, SET_ASIDE_KEPT)
_set_aside_json = _set_aside_kept


@router.post("/roles/adjacent", response_model=list[AdjacentRoleRead])
def adjacent_roles(body: AdjacentCreate, graph: GraphDep) -> Any:
    """Rank the occupations this profile could move to by how much of its skills transfer."""
    return adjacent_answer(body, graph)
