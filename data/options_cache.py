"""The planner's course and badge options cached on disk, keyed by the reference version of the database.

Reading every course with its skill links and prerequisites, the pricing terms and the badges from the
database takes ~0.4 s (20,000 course rows, ~190,000 skill links); loading what a previous process saved takes
a fraction of that, which a command line pays on every call (``upskill plan``). The cache folder holds one
copy per key, ``plan-options-<key>/options.json`` (see :mod:`data.derived_cache`: the key covers the
reference version, this format, the code that reads the options, the curated skill rules it applies and the
smallest link confidence kept).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from data import derived_cache, subject_vectors
from data.defaults import PLANNING_MIN_CONFIDENCE
from data.plan_inputs import CourseTerms, load_badge_options, load_course_options, load_course_terms
from recommender.planner import BadgeOption, CourseOption, Prerequisite

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

FORMAT = "plan-options 2"
_BUILDERS = (
    "data/options_cache.py",
    "data/plan_inputs.py",
    "data/subject_vectors.py",
    "data/formats/curation.py",
    "data/default/skill_prerequisites.csv",
    "recommender/planner/model.py",
)


@dataclass(frozen=True)
class CatalogueOptions:
    """Every course (sorted by id, priced as its catalogue prices it), what pricing needs beyond it, and the
    microbadges: what the planner chooses from before it is priced for a worker; the subject vectors of
    imported courses (``data.subject_vectors.stored``: id -> float16 bytes)."""

    courses: tuple[CourseOption, ...]
    terms: dict[str, CourseTerms]
    badges: tuple[BadgeOption, ...]
    subjects: dict[str, bytes] = field(default_factory=dict)


def read_options(*, db_session: Session, min_confidence: float = PLANNING_MIN_CONFIDENCE) -> CatalogueOptions:
    """The options in the database: every course (unpriced ones too, the audit price without certificate;
    skill links under ``min_confidence`` left out), their pricing terms and every badge."""
    courses = load_course_options(
        db_session=db_session,
        min_confidence=min_confidence,
        include_unpriced=True,
        with_certificates=False,
    )
    return CatalogueOptions(
        courses=tuple(courses),
        terms=load_course_terms(db_session=db_session),
        badges=tuple(load_badge_options(db_session=db_session)),
        subjects=subject_vectors.stored(db_session),
    )


def cache_key(token: str, min_confidence: float = PLANNING_MIN_CONFIDENCE) -> str:
    """The cache key of a reference-version token and the smallest link confidence kept."""
    return derived_cache.cache_key(token, fmt=f"{FORMAT}\n{min_confidence!r}", builders=_BUILDERS)


def cached_options(
    *, engine: Engine, cache_dir: Path, min_confidence: float = PLANNING_MIN_CONFIDENCE
) -> CatalogueOptions:
    """:func:`read_options` of the database behind ``engine``: from the cache, or read and cached."""
    return derived_cache.cached(
        engine=engine,
        cache_dir=cache_dir,
        kind="plan-options",
        key=lambda token: cache_key(token, min_confidence),
        build=lambda session: read_options(db_session=session, min_confidence=min_confidence),
        save=save,
        load=load,
    )


def save(options: CatalogueOptions, folder: Path) -> None:
    """Write ``options`` into a new ``folder`` as ``options.json``."""
    document = {
        "format": FORMAT,
        "courses": [_course_document(course) for course in options.courses],
        "terms": {
            course_id: [term.certificate_price, term.price_known, term.catalogue]
            for course_id, term in options.terms.items()
        },
        "badges": [_badge_document(badge) for badge in options.badges],
        "subjects": {
            course_id: base64.b64encode(v).decode("ascii") for course_id, v in options.subjects.items()
        },
    }
    folder.mkdir(parents=True)
    (folder / "options.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


def load(folder: Path) -> CatalogueOptions:
    """What :func:`save` wrote into ``folder``; ``ValueError``, ``KeyError`` or ``OSError`` when it cannot
    be read (the cache then reads the database again)."""
    document = json.loads((folder / "options.json").read_text(encoding="utf-8"))
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{folder}: not a {FORMAT!r} document")
    try:
        return CatalogueOptions(
            courses=tuple(_course(values) for values in document["courses"]),
            terms={course_id: CourseTerms(*values) for course_id, values in document["terms"].items()},
            badges=tuple(BadgeOption(**values) for values in document["badges"]),
            subjects={course_id: base64.b64decode(v) for course_id, v in document["subjects"].items()},
        )
    # a field missing or one too many, a list for an object, a vector that is not base64
    except (TypeError, AttributeError, binascii.Error) as error:
        raise ValueError(f"{folder}: {error}") from None


def _course_document(course: CourseOption) -> dict[str, Any]:
    return {
        "id": course.id,
        "title": course.title,
        "hours": course.hours,
        "price": course.price,
        "currency": course.currency,
        "language": course.language,
        "delivery_mode": course.delivery_mode,
        "region": course.region,
        "level": course.level,
        "start_dates": [day.isoformat() for day in course.start_dates],
        "skills": dict(course.skills),
        "prerequisites": [[p.course_id, p.origin] for p in course.prerequisites],
        "confidence": dict(course.confidence),
        "price_stated": course.price_stated,
    }


def _course(values: dict[str, Any]) -> CourseOption:
    values["start_dates"] = tuple(dt.date.fromisoformat(day) for day in values["start_dates"])
    values["prerequisites"] = tuple(Prerequisite(*pair) for pair in values["prerequisites"])
    return CourseOption(**values)


def _badge_document(badge: BadgeOption) -> dict[str, Any]:
    return {
        "id": badge.id,
        "name": badge.name,
        "skills": dict(badge.skills),
        "earned_by": badge.earned_by,
        "courses": list(badge.courses),
        "k": badge.k,
        "required_badges": list(badge.required_badges),
    }
