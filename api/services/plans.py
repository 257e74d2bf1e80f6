"""Learning plans: the planner's inputs (course and badge options), pricing, model scores and plans."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from api.services.profiles import ProfileGap
from data.defaults import PLANNING_MIN_CONFIDENCE
from recommender.errors import UnknownCourse, UpskillError
from recommender.gap import DEFAULT_LEVELS, SkillGap
from recommender.kept import Kept, KeptFor
from recommender.planner import (
    BadgeOption,
    Constraints,
    CourseOption,
    PlanCatalogue,
    PlanResult,
    plan_paths,
)
from recommender.planner.alternatives import UnmetSkill, unmet_demand
from recommender.planner.from_gap import gap_items
from recommender.planner.scores import ScoreIndex, ScoreVector
from recommender.planner.subject import SubjectVectors

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from data.options_cache import CatalogueOptions
    from data.plan_inputs import CourseTerms, PlanCourses, Pricing
    from recommender.currency import Converter, RateTable
    from recommender.graph import CompetenceGraph
    from training.artefacts import LoadedModel


def set_aside_by_reason(set_aside: Iterable[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """(course id, reason) pairs grouped by reason, the commonest reason first, ids sorted: what the command
    line and the web page say about the courses a worker cannot take (thousands share one reason)."""
    by_reason: dict[str, list[str]] = {}
    for course_id, reason in sorted(set_aside):
        by_reason.setdefault(reason, []).append(course_id)
    return sorted(by_reason.items(), key=lambda item: (-len(item[1]), item[0]))


CONTENT_RANKING = "content score (share of the gap a course closes); no trained model, see `upskill train`"


#: Pricings kept per :class:`PlanOptions` (each a few MB: every course re-priced). A server's requests share a
#: handful (the currency, the language set, budget or not), so the hit rate stays high with few kept.
PRICINGS_KEPT = 8


@dataclass(frozen=True)
class PlanOptions:
    """What the planner chooses from, as the catalogues price it: every course (sorted by id; priced for a
    worker per plan), what pricing needs beyond it, the microbadges and the exchange-rate table.

    :meth:`priced` prices the courses for a worker and keeps the last :data:`PRICINGS_KEPT` pricings: the
    options object is loaded once per process and never changed, so what it prices stays right for as long
    as it is served, and goes with it when new options replace it."""

    courses: tuple[CourseOption, ...]
    terms: Mapping[str, CourseTerms]
    badges: tuple[BadgeOption, ...]
    rates: RateTable
    #: The subjects of courses and occupations (``data.subject_vectors``; None: courses are not judged by it).
    subjects: SubjectVectors | None = None
    _priced: Kept[Hashable, _Priced] = field(
        default_factory=lambda: Kept(PRICINGS_KEPT), init=False, repr=False, compare=False
    )

    def priced(self, pricing: Pricing) -> PlanCourses:
        """The courses priced for ``pricing`` (``data.plan_inputs.price_courses``), computed once per set of
        pricing terms; each call gets its own containers (the courses themselves are frozen)."""
        from data.plan_inputs import PlanCourses

        found = self._pricing(pricing).courses
        return PlanCourses(
            options=list(found.options),
            set_aside=dict(found.set_aside),
            certificates=dict(found.certificates),
            price_unknown=set(found.price_unknown),
        )

    def catalogue(self, pricing: Pricing) -> PlanCatalogue:
        """The courses priced for ``pricing`` as the planner's :class:`PlanCatalogue` (checked and indexed
        once, kept with the pricing: its plans share relevance judgements and filter results)."""
        return self._pricing(pricing).catalogue

    def set_aside(self, pricing: Pricing) -> tuple[dict[str, str], ...]:
        """The courses ``pricing`` sets aside, as answers list them (``course_id``, ``reason``; by id), made
        once per pricing: shared by the answers, which never change them."""
        return self._pricing(pricing).set_aside

    def _pricing(self, pricing: Pricing) -> _Priced:
        from data.plan_inputs import price_courses

        key = pricing_key(pricing)
        found = self._priced.get(key)
        if found is None:
            courses = price_courses(self.courses, self.terms, pricing)
            set_aside = tuple({"course_id": k, "reason": v} for k, v in sorted(courses.set_aside.items()))
            found = self._priced.put(key, _Priced(courses, PlanCatalogue(courses.options), set_aside))
        return found


@dataclass(frozen=True)
class _Priced:
    """What :class:`PlanOptions` keeps per pricing: the priced courses, their planner catalogue and the
    answers' list of the courses set aside (~2,000 for a budget: ~1.5-4 ms CPU to make per answer)."""

    courses: PlanCourses
    catalogue: PlanCatalogue
    set_aside: tuple[dict[str, str], ...]


def pricing_key(pricing: Pricing) -> Hashable:
    """Everything ``price_courses`` reads of a :class:`Pricing`: the plan currency, its rate table and the
    worker's rates, whether a budget is set and whether it is 0 (free only), whether certificates are
    bought, and the accepted languages (the reasons for setting a course aside name them)."""
    converter = pricing.converter
    return (
        converter.currency,
        converter.table.date,
        converter.table.source,
        tuple(converter.table.units_per_eur.items()),  # sorted by code (``RateTable``)
        tuple(sorted(converter.overrides.items())),
        pricing.budget is None,
        pricing.free_only,
        pricing.buys_certificates,
        pricing.languages,
    )


def load_plan_options(
    *,
    db_session: Session,
    min_confidence: float = PLANNING_MIN_CONFIDENCE,
    exchange_rates: Path | None = None,
) -> PlanOptions:
    """Load every course (with skills and prerequisites), its pricing terms, the badges and the rates.

    Course-skill links under ``min_confidence`` are left out; the rates come from ``exchange_rates``, else
    the bundled table."""
    from data.options_cache import read_options

    return plan_options(read_options(db_session=db_session, min_confidence=min_confidence), exchange_rates)


def plan_options(catalogue: CatalogueOptions, exchange_rates: Path | None = None) -> PlanOptions:
    """The :class:`PlanOptions` of the catalogue's options (as read from the database, or from the cache of
    ``data.options_cache``), with the rates of ``exchange_rates``, else the bundled table."""
    from data import subject_vectors
    from data.plan_inputs import rate_table

    return PlanOptions(
        courses=catalogue.courses,
        terms=catalogue.terms,
        badges=catalogue.badges,
        rates=rate_table(exchange_rates),
        subjects=subject_vectors.combined(subject_vectors.load(), catalogue.subjects),
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
    solver: str = "auto"
    # From a stored worker's events: courses done and turned down, applied to the courses that can be planned
    # (a course the catalogue no longer offers, or set aside by pricing, is simply not there to plan).
    done: tuple[str, ...] = ()
    dismissed: tuple[str, ...] = ()


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
    set_aside: Sequence[Mapping[str, str]]  # ``priced.set_aside`` as answers list it (PlanOptions.set_aside)
    levels: str = DEFAULT_LEVELS.source  # in words: where the levels the target needs come from

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``upskill plan --json`` and ``POST /v1/plans``."""
        return {
            "target_uri": self.gap.target_uri,
            "target_label": self.gap.target_label,
            "required_levels": self.levels,
            "ranking": self.ranking,
            "prices": self.prices,
            "set_aside": self.set_aside,
            "certificates_optional": dict(sorted(self.priced.certificates.items())),
            "price_not_stated": sorted(self.priced.price_unknown),
            **self.result.to_dict(),
        }


def _known_courses(ids: Sequence[str], courses: Sequence[CourseOption]) -> frozenset[str]:
    if not ids:  # most requests: spares a pass over every course
        return frozenset()
    known = {c.id for c in courses}
    for course_id in ids:
        if course_id not in known:
            raise UnknownCourse(
                course_id, difflib.get_close_matches(course_id, sorted(known), n=5, cutoff=0.5)
            )
    return frozenset(ids)


def _offered(ids: Sequence[str], courses: Sequence[CourseOption]) -> frozenset[str]:
    if not ids:
        return frozenset()
    offered = {c.id for c in courses}
    return frozenset(i for i in ids if i in offered)


def prices_note(converter: Converter) -> str:
    """Say in words which currency and rates the plan's prices are in (rates given with the request first)."""
    currency, table = converter.currency, converter.table.describe()
    given = ", ".join(f"1 {code} = {rate:g} {currency}" for code, rate in converter.overrides.items())
    if given:
        return f"Prices in {currency} at the given rates ({given}), else at {table}."
    usd = converter.rate("USD")
    example = f" (1 USD = {usd:.4f} {currency})" if usd is not None and currency != "USD" else ""
    return f"Prices in {currency} at {table}{example}."


def model_scores(
    *, profile: ProfileGap, model: LoadedModel | None, region: str | None, languages: Sequence[str]
) -> tuple[Mapping[str, float] | None, str]:
    """Score every course for this profile with the trained hybrid model, and say what ranked them.

    Without a model (None: no usable artefact) the planner falls back to its documented content score. The
    scores are the model's array read by course id (``ScoreVector``: no dict of every course per plan).
    """
    if model is None:
        return None, CONTENT_RANKING
    vector = model.score_vector(serving_features(profile=profile, region=region, languages=languages))
    return ScoreVector(vector, _score_index(model)), (
        f"hybrid model {model.path.name} (from the worker's occupation, skills, region and languages)"
    )


#: The position of each course in a model's scores (its items), once per served model (a swap replaces it).
_score_index: KeptFor[LoadedModel, ScoreIndex] = KeptFor(lambda model: ScoreIndex(model.items.ids), 1)


def serving_features(
    *, profile: ProfileGap, region: str | None, languages: Sequence[str]
) -> dict[str, float]:
    """The worker's user features built as training builds them (``training.dataset``): every skill the worker
    holds directly, from their occupations (essential at 3, optional at 2) and declared (at their level, the
    best source winning; ``recommender.gap.holdings``), not the declared skills alone."""
    from recommender.gap import Profile, holdings
    from training.dataset import profile_features

    graph = profile.graph
    held = profile.held
    if held is None:
        held = holdings(graph, Profile(profile.occupations, dict(profile.skills)))
    return profile_features(
        occupations={uri: graph.isco_codes[graph.occupation_index[uri]] for uri in profile.occupations},
        skills={graph.skill_uris[s]: holding.level for s, holding in sorted(held.items())},
        region=region,
        languages=languages,
    )


@dataclass(frozen=True)
class RequestTerms:
    """What a :class:`PlanRequest` makes of the options: the converter into its currency, the pricing, the
    start and the planner's :class:`Constraints` (what :func:`plan` plans within and a stored worker's
    recommendations are filtered by)."""

    converter: Converter
    pricing: Pricing
    start: dt.date
    constraints: Constraints


def request_terms(
    *, options: PlanOptions, request: PlanRequest, today: dt.date | None = None
) -> RequestTerms:
    """Price the courses for ``request`` and turn its limits into the planner's :class:`Constraints`
    (currency, language and exchange-rate codes checked; courses to exclude or counted as completed must
    exist)."""
    from data.plan_inputs import Pricing
    from recommender.codes import currency_code, language_codes, rates_by_code
    from recommender.currency import Converter

    currency = currency_code(request.currency, field="currency")
    languages = language_codes(request.languages)  # in order, without repeats (en, EN, de -> en, de)
    converter = Converter(currency, options.rates, rates_by_code(request.exchange_rates))
    pricing = Pricing(
        converter, budget=request.budget, certificates=request.certificates, languages=languages
    )
    courses = options.catalogue(pricing).courses  # the priced courses, kept with the pricing (no copy)
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
        excluded=_known_courses(request.exclude, courses) | _offered(request.dismissed, courses),
        completed=_known_courses(request.completed, courses) | _offered(request.done, courses),
        objective=request.objective,  # type: ignore[arg-type]
    )
    return RequestTerms(converter, pricing, start, constraints)


def plan(
    *,
    profile: ProfileGap,
    options: PlanOptions,
    model: LoadedModel | None,
    request: PlanRequest,
    today: dt.date | None = None,
) -> PlanAnswer:
    """Plan courses (and the badges they earn) that close a profile's gap within the request's limits."""
    terms = request_terms(options=options, request=request, today=today)
    priced = options.priced(terms.pricing)
    if not priced.options and not priced.set_aside:
        raise UpskillError("the database holds no courses; run `upskill import courses FILE` first")
    constraints = terms.constraints
    scores, ranking = model_scores(
        profile=profile, model=model, region=request.region, languages=constraints.languages
    )
    known = _skill_types(profile.graph)
    types = {item.uri: known[item.uri] for item in profile.gap.items}
    result = plan_paths(
        gap_items(profile.gap, types),
        options.catalogue(terms.pricing),
        constraints,
        badges=options.badges,
        scores=scores,
        solver=request.solver,  # type: ignore[arg-type]
        subject=options.subjects.fit(profile.gap.target_uri) if options.subjects is not None else None,
    )
    return PlanAnswer(
        gap=profile.gap,
        start=terms.start,
        ranking=ranking,
        result=result,
        priced=priced,
        prices=prices_note(terms.converter),
        free_only=terms.pricing.free_only,
        levels=profile.required.source,
        set_aside=options.set_aside(terms.pricing),
    )


class _SkillTypes(Mapping[str, str]):
    """ESCO's type of each skill of one graph (``knowledge`` or ``skill/competence``; "" when unknown), read
    from the graph when first asked for and kept (``graph.attributes`` copies a node's attributes: ~0.1 ms
    of a plan to a target of ~700 skills); iterates over the skills asked for so far."""

    def __init__(self, graph: CompetenceGraph):
        self.graph = graph
        self._known: dict[str, str] = {}

    def __getitem__(self, uri: str) -> str:
        found = self._known.get(uri)
        if found is None:
            found = self._known[uri] = str(self.graph.attributes(uri).get("skill_type") or "")
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(dict(self._known))

    def __len__(self) -> int:
        return len(self._known)


#: The last graph's skill types (a reload replaces them).
_skill_types: KeptFor[CompetenceGraph, _SkillTypes] = KeptFor(_SkillTypes, 1)


def unmet_training_demand(answers: Sequence[tuple[PlanAnswer, int]]) -> list[UnmetSkill]:
    """The skills the plans leave open, added up over people: each answer's first plan counts for its number
    of people. What no course teaches (or teaches to the level needed) is the training nobody offers yet;
    the regional planner and HR read it as demand for new programmes."""
    return unmet_demand((answer.result.best, people) for answer, people in answers if answer.result.plans)
