"""Learning plans: the planner's inputs (course and badge options), pricing, model scores and plans."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from api.services.profiles import ProfileGap
from recommender.errors import UnknownCourse, UpskillError
from recommender.gap import SkillGap
from recommender.planner import BadgeOption, Constraints, CourseOption, PlanResult, plan_paths
from recommender.planner.from_gap import gap_items

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from data.plan_inputs import CourseTerms, PlanCourses
    from recommender.currency import Converter, RateTable
    from training.artefacts import LoadedModel

CONTENT_RANKING = "content score (share of the gap a course closes); no trained model, see `upskill train`"


@dataclass(frozen=True)
class PlanOptions:
    """What the planner chooses from, as the catalogues price it: every course (sorted by id; priced for a
    worker per plan), what pricing needs beyond it, the microbadges and the exchange-rate table."""

    courses: tuple[CourseOption, ...]
    terms: Mapping[str, CourseTerms]
    badges: tuple[BadgeOption, ...]
    rates: RateTable


def load_plan_options(*, db_session: Session) -> PlanOptions:
    """Load every course (with skills and prerequisites), its pricing terms, the badges and the rates."""
    from data.plan_inputs import load_badge_options, load_course_options, load_course_terms, rate_table

    return PlanOptions(
        courses=tuple(
            load_course_options(db_session=db_session, include_unpriced=True, with_certificates=False)
        ),
        terms=load_course_terms(db_session=db_session),
        badges=tuple(load_badge_options(db_session=db_session)),
        rates=rate_table(),
    )


@dataclass(frozen=True)
class PlanRequest:
    """What a worker can spend and accept, as ``upskill plan`` and ``POST /v1/plans`` take it.

    ``currency`` and ``languages`` are ISO codes (checked here); ``start`` None starts today;
    ``exchange_rates`` maps a currency code to units of the plan currency per unit of it (before the bundled
    table); ``certificates`` buys the optional certificates (never with a budget of 0: free audit tracks).
    """

    budget: float | None = None
    currency: str = "EUR"
    exchange_rates: Mapping[str, float] = field(default_factory=dict)
    certificates: bool = True
    max_hours: float | None = None
    hours_per_week: float = 6.0
    start: dt.date | None = None
    deadline: dt.date | None = None
    languages: tuple[str, ...] = ()
    delivery_modes: tuple[str, ...] = ()
    region: str | None = None
    levels: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    completed: tuple[str, ...] = ()
    objective: str = "hours"
    solver: str = "greedy"


@dataclass(frozen=True)
class PlanAnswer:
    """The plans for one profile and target, with the gap, the prices used and what ranked the courses."""

    gap: SkillGap
    start: dt.date
    ranking: str
    result: PlanResult
    priced: PlanCourses
    prices: str  # in words: the currency and the rates the prices were converted with
    free_only: bool

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``upskill plan --json`` and ``POST /v1/plans``."""
        return {
            "target_uri": self.gap.target_uri,
            "target_label": self.gap.target_label,
            "ranking": self.ranking,
            "prices": self.prices,
            "set_aside": [{"course_id": k, "reason": v} for k, v in sorted(self.priced.set_aside.items())],
            "certificates_optional": dict(sorted(self.priced.certificates.items())),
            "price_not_stated": sorted(self.priced.price_unknown),
            **self.result.to_dict(),
        }


def _known_courses(ids: Sequence[str], courses: Sequence[CourseOption]) -> frozenset[str]:
    known = {c.id for c in courses}
    for course_id in ids:
        if course_id not in known:
            raise UnknownCourse(
                course_id, difflib.get_close_matches(course_id, sorted(known), n=5, cutoff=0.5)
            )
    return frozenset(ids)


def prices_note(converter: Converter) -> str:
    """Say in words which currency and rates the plan's prices are in."""
    usd = converter.rate("USD")
    example = (
        f" (1 USD = {usd:.4f} {converter.currency})"
        if usd is not None and converter.currency != "USD"
        else ""
    )
    return f"Prices in {converter.currency} at {converter.table.describe()}{example}."


def model_scores(
    *, profile: ProfileGap, model: LoadedModel | None, region: str | None, languages: Sequence[str]
) -> tuple[dict[str, float] | None, str]:
    """Score every course for this profile with the trained hybrid model, and say what ranked them.

    Without a model (None: no usable artefact) the planner falls back to its documented content score.
    """
    if model is None:
        return None, CONTENT_RANKING
    from training.dataset import profile_features

    graph = profile.graph
    features = profile_features(
        occupations={uri: graph.isco_codes[graph.occupation_index[uri]] for uri in profile.occupations},
        skills={graph.resolve_skill(skill): level for skill, level in profile.skills.items()},
        region=region,
        languages=languages,
    )
    return model.scores_new(features), f"hybrid model {model.path.name} (from the worker's features)"


def plan(
    *,
    profile: ProfileGap,
    options: PlanOptions,
    model: LoadedModel | None,
    request: PlanRequest,
    today: dt.date | None = None,
) -> PlanAnswer:
    """Plan courses (and the badges they earn) that close a profile's gap within the request's limits."""
    from data.plan_inputs import Pricing, price_courses
    from recommender.codes import currency_code, language_code
    from recommender.currency import Converter

    currency = currency_code(request.currency, field="currency")
    languages = tuple(language_code(value, field="languages") for value in request.languages)
    converter = Converter(currency, options.rates, dict(request.exchange_rates))
    pricing = Pricing(
        converter, budget=request.budget, certificates=request.certificates, languages=languages
    )
    priced = price_courses(options.courses, options.terms, pricing)
    courses = priced.options
    if not courses and not priced.set_aside:
        raise UpskillError("the database holds no courses; run `upskill import courses FILE` first")
    start = request.start or today or dt.date.today()
    constraints = Constraints(
        budget=request.budget,
        currency=currency,
        max_hours=request.max_hours,
        hours_per_week=request.hours_per_week,
        start=start,
        deadline=request.deadline,
        languages=languages,
        delivery_modes=request.delivery_modes,
        region=request.region,
        levels=request.levels,
        excluded=_known_courses(request.exclude, courses),
        completed=_known_courses(request.completed, courses),
        objective=request.objective,  # type: ignore[arg-type]
    )
    scores, ranking = model_scores(profile=profile, model=model, region=request.region, languages=languages)
    result = plan_paths(
        gap_items(profile.gap),
        courses,
        constraints,
        badges=options.badges,
        scores=scores,
        solver=request.solver,  # type: ignore[arg-type]
    )
    return PlanAnswer(
        gap=profile.gap,
        start=start,
        ranking=ranking,
        result=result,
        priced=priced,
        prices=prices_note(converter),
        free_only=pricing.free_only,
    )
