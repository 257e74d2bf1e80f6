"""Load the planner's inputs (courses and badges as frozen dataclasses) from the database.

Prices become the worker's here (:func:`price_courses`): each course's price is converted into the plan
currency with the exchange-rate table (and the worker's ``--rate`` overrides); the edX audit track is used
for "free courses only" (budget 0) and when certificates are not wanted; courses that cannot be priced or
whose language is not stated are set aside with the reason, for the output to list.

Prerequisite edges of origin ``catalogue`` and ``curated`` are passed on; edges of origin ``level`` are not:
the catalogue derives them for every skill without knowing the worker, while the planner applies level
order itself, knowing what the worker already holds (see ``recommender.planner.build``). A ``curated`` edge
is passed on only when the course teaches the rule's skill, and the prerequisite the skill the rule asks for
first, on links of confidence ``RULE_CONFIDENCE`` or more (the catalogue picks its providers by that bar; a
database imported by older code may hold edges derived from weaker links).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from data.defaults import PLANNING_MIN_CONFIDENCE
from data.formats import exchange_rates
from recommender.codes import UNDETERMINED_LANGUAGE, languages_taken
from recommender.currency import Converter, RateTable
from recommender.errors import ImportFormatError
from recommender.planner import BadgeOption, CourseOption, Prerequisite

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

#: The bundled exchange-rate table (ECB euro reference rates of one day; see the file's header).
DEFAULT_RATES = Path(__file__).parent / "default" / "exchange_rates.csv"

PLANNER_ORIGINS = ("catalogue", "curated")
#: The curated skill rules the catalogue's ``curated`` edges come from (``data.catalogue``).
SKILL_RULES = Path(__file__).parent / "default" / "skill_prerequisites.csv"
#: A curated edge "C needs P" is planned on only when C teaches the rule's skill on a link of at least this
#: confidence (a calibrated probability): such links are right more often than not (67 % on the tagging gold
#: set's dev courses, out of fold; ``python -m evaluation.link_calibration``), while the edges are derived
#: from every link the planner may use (from 0.2: right 47 %), so a weak link to "statistics" made "Abnormal
#: Psychology" need a data-science course first. The same bar for the course taken first: a 0.32 link to
#: "electricity principles" made "Fundamentals of Neuroscience" the prerequisite of "Introduction to
#: Electronics" in 39 of bench_plans' 200 first plans (``evaluation/relevance_review.csv``).
RULE_CONFIDENCE = 0.5
#: Link sources whose confidence the planner weighs (``recommender.planner.relevance``): the tagger's
#: inferences and catalogue tags mapped to ESCO as hints; explicit and curated links are taken as sure.
INFERRED_SOURCES = ("inferred", "hint")


def _dates(course_id: str, values: Sequence[str]) -> tuple[dt.date, ...]:
    try:
        return tuple(dt.date.fromisoformat(v) for v in values)
    except ValueError as error:
        raise ImportFormatError(
            f"course {course_id!r} has a start date that is not an ISO date: {error}",
            file="database table courses",
            column="start_dates",
        ) from None


def rate_table(path: Path | None = None) -> RateTable:
    """The exchange-rate table in ``path`` (``UPSKILL_EXCHANGE_RATES``), else the bundled one."""
    return exchange_rates.read(path or DEFAULT_RATES)


@dataclass(frozen=True)
class Pricing:
    """How a worker pays: the plan currency and rates, the budget (0: free courses only), whether optional
    certificates are bought, and the languages accepted (to set aside courses whose language is unknown)."""

    converter: Converter
    budget: float | None = None
    certificates: bool = True
    languages: tuple[str, ...] = ()

    @property
    def free_only(self) -> bool:
        return self.budget is not None and self.budget <= 0

    @property
    def buys_certificates(self) -> bool:
        return self.certificates and not self.free_only


@dataclass
class PlanCourses:
    """Courses priced for one worker; ``set_aside``: id -> why a course cannot be planned for them;
    ``certificates``: id -> the optional certificate's price (plan currency) where the free audit track is
    planned; ``price_unknown``: ids planned although the catalogue states no price (no budget given)."""

    options: list[CourseOption]
    set_aside: dict[str, str] = field(default_factory=dict)
    certificates: dict[str, float] = field(default_factory=dict)
    price_unknown: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class CourseTerms:
    """What pricing needs beyond a :class:`CourseOption`: the optional certificate's price (audit track),
    whether the catalogue states a price at all, and which catalogue the course comes from."""

    certificate_price: float | None = None
    price_known: bool = True
    catalogue: str = ""


def load_course_terms(*, db_session: Session) -> dict[str, CourseTerms]:
    """The :class:`CourseTerms` of every course, by id."""
    from data.models import Course  # the ORM loads only to read the database: pricing needs none of it

    return {
        course_id: CourseTerms(certificate, "price-unknown" not in (flags or []), catalogue or "")
        for course_id, certificate, flags, catalogue in db_session.execute(
            select(Course.id, Course.certificate_price, Course.flags, Course.catalogue)
        )
    }


def price_courses(
    courses: Sequence[CourseOption], terms: Mapping[str, CourseTerms], pricing: Pricing
) -> PlanCourses:
    """``courses`` (as their catalogues price them) priced in the plan currency for ``pricing``, or set
    aside with the reason."""
    converter = pricing.converter
    result = PlanCourses(options=[])
    for option in courses:
        term = terms.get(option.id, CourseTerms())
        where = term.catalogue or "its catalogue"
        if option.language == UNDETERMINED_LANGUAGE and pricing.languages:
            result.set_aside[option.id] = (
                f"language not stated by {where}; {languages_taken(pricing.languages)}"
            )
            continue
        if not term.price_known:
            if pricing.budget is not None:
                result.set_aside[option.id] = (
                    f"price not stated by {where}, so it cannot be planned within a budget"
                    + (" or as free" if pricing.free_only else "")
                )
                continue
            result.price_unknown.add(option.id)
        certificate = term.certificate_price
        amount = certificate if certificate is not None and pricing.buys_certificates else option.price
        price = converter.convert(amount, option.currency)
        if price is None:
            result.set_aside[option.id] = converter.missing_rate_reason(option.currency)
            continue
        if certificate is not None and not pricing.buys_certificates:
            converted = converter.convert(certificate, option.currency)
            if converted is not None:
                result.certificates[option.id] = converted
        result.options.append(
            replace(option, price=price, currency=converter.currency, price_stated=term.price_known)
        )
    return result


def load_course_options(
    *,
    db_session: Session,
    origins: Sequence[str] = PLANNER_ORIGINS,
    min_confidence: float = PLANNING_MIN_CONFIDENCE,
    include_unpriced: bool = False,
    with_certificates: bool = True,
    skill_rules: Path | None = SKILL_RULES,
) -> list[CourseOption]:
    """Every course with its skills and its prerequisites of the given origins, sorted by id, priced in its
    catalogue's currency: with its optional certificate (the edX verified certificate) unless not
    ``with_certificates`` (then the price to take it: 0 on the audit track).

    Skill links under ``min_confidence`` (default: the ``planning_min_confidence`` setting) are left out, and
    so are ``curated`` edges no rule of ``skill_rules`` backs on a link of ``RULE_CONFIDENCE`` or more.

    Courses whose catalogue states no price (flag ``price-unknown``) are left out unless
    ``include_unpriced``: their price of 0 would read as free. :func:`price_courses` prices them for a worker.
    """
    from data.models import Course, CoursePrerequisite, CourseSkill

    skills: dict[str, dict[str, int]] = defaultdict(dict)
    confidence: dict[str, dict[str, float]] = defaultdict(dict)
    for course_id, uri, level, sure, source in db_session.execute(
        select(
            CourseSkill.course_id,
            CourseSkill.skill_uri,
            CourseSkill.level,
            CourseSkill.confidence,
            CourseSkill.source,
        ).where(CourseSkill.confidence >= min_confidence)
    ):
        skills[course_id][uri] = level
        if source in INFERRED_SOURCES:  # given and curated links are sure: no confidence kept
            confidence[course_id][uri] = min(1.0, max(0.0, float(sure)))
    needs = _skill_rules(skill_rules)

    def supported(course_id: str, required: str) -> bool:
        """Whether a rule (A needs B) backs the curated edge: the course teaches A and the prerequisite
        teaches B, both surely enough."""
        taught = confidence.get(course_id, {})
        provided = confidence.get(required, {})
        offered = skills.get(required, {}).keys()
        return any(
            taught.get(a, 1.0) >= RULE_CONFIDENCE
            and any(provided.get(b, 1.0) >= RULE_CONFIDENCE for b in needs[a] & offered)
            for a in skills.get(course_id, {})
            if a in needs
        )

    prerequisites: dict[str, list[Prerequisite]] = defaultdict(list)
    for course_id, required, origin in db_session.execute(
        select(CoursePrerequisite.course_id, CoursePrerequisite.prerequisite_id, CoursePrerequisite.origin)
        .where(CoursePrerequisite.origin.in_(list(origins)))
        .order_by(CoursePrerequisite.course_id, CoursePrerequisite.prerequisite_id)
    ):
        if origin == "curated" and needs and not supported(course_id, required):
            continue
        prerequisites[course_id].append(Prerequisite(required, origin))
    return [
        CourseOption(
            id=course.id,
            title=course.title,
            hours=course.hours,
            price=(
                course.certificate_price
                if with_certificates and course.certificate_price is not None
                else course.price
            ),
            currency=course.currency,
            language=course.language,
            delivery_mode=course.delivery_mode,
            region=course.region,
            level=course.level,
            start_dates=_dates(course.id, course.start_dates or []),
            skills=skills.get(course.id, {}),
            prerequisites=tuple(prerequisites.get(course.id, [])),
            confidence=confidence.get(course.id, {}),
        )
        for course in db_session.scalars(select(Course).order_by(Course.id))
        if include_unpriced or "price-unknown" not in (course.flags or [])
    ]


def _skill_rules(path: Path | None) -> dict[str, set[str]]:
    """Curated skill rules as skill -> the skills it needs first (empty without a rule file: then every
    curated edge is passed on)."""
    from data.formats.curation import read_skill_rules

    needs: dict[str, set[str]] = defaultdict(set)
    if path is not None and path.is_file():
        for rule in read_skill_rules(path):
            needs[rule.skill_uri].add(rule.requires_uri)
    return dict(needs)


def load_badge_options(*, db_session: Session) -> list[BadgeOption]:
    """Every microbadge with its skills, courses and required badges, sorted by id."""
    from data.models import Badge, BadgeCourse, BadgePrerequisite, BadgeSkill

    skills: dict[str, dict[str, int]] = defaultdict(dict)
    for badge_id, uri, level in db_session.execute(
        select(BadgeSkill.badge_id, BadgeSkill.skill_uri, BadgeSkill.level)
    ):
        skills[badge_id][uri] = level
    courses: dict[str, list[str]] = defaultdict(list)
    for badge_id, course_id in db_session.execute(
        select(BadgeCourse.badge_id, BadgeCourse.course_id).order_by(
            BadgeCourse.badge_id, BadgeCourse.course_id
        )
    ):
        courses[badge_id].append(course_id)
    required: dict[str, list[str]] = defaultdict(list)
    for badge_id, required_id in db_session.execute(
        select(BadgePrerequisite.badge_id, BadgePrerequisite.required_badge_id).order_by(
            BadgePrerequisite.badge_id, BadgePrerequisite.required_badge_id
        )
    ):
        required[badge_id].append(required_id)
    return [
        BadgeOption(
            id=badge.id,
            name=badge.name,
            skills=skills.get(badge.id, {}),
            earned_by=badge.earned_by,  # type: ignore[arg-type]
            courses=tuple(courses.get(badge.id, [])),
            k=badge.k,
            required_badges=tuple(required.get(badge.id, [])),
        )
        for badge in db_session.scalars(select(Badge).order_by(Badge.id))
    ]
