"""ORM tables of upskill (SQLAlchemy 2.x declarative). Every change goes through an Alembic migration.

Outside ids are natural keys: ESCO URIs for the taxonomy, catalogue ids for courses and badges.
Workers and their organisations get surrogate integer keys; everything personal hangs off ``workers``
with ``ON DELETE CASCADE`` so that deleting a worker deletes all their data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

URI = String(255)
RELATION_TYPES = ("essential", "optional")
INTERACTION_KINDS = ("viewed", "enrolled", "completed", "rated", "dismissed")
COURSE_LEVELS = ("introductory", "intermediate", "advanced")
DELIVERY_MODES = ("online", "in-person", "blended")
COHORT_STATUSES = ("assigned", "unassigned", "to_confirm")
SKILL_SOURCES = ("explicit", "hint", "inferred", "curated")
KEY_ROLES = ("worker", "hr", "region", "admin")
AUDIT_ACTIONS = ("read", "change", "delete", "export")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON}


# --- provenance -----------------------------------------------------------------------------------------


class Provenance(Base):
    """One import of one release of a taxonomy or catalogue: which files (sha256), when, what counts."""

    __tablename__ = "provenance"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(40))  # esco | courses | badges | ...
    release: Mapped[str] = mapped_column(String(80))
    location: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))  # of the files together (see data.esco_import)
    files: Mapped[dict[str, Any]] = mapped_column()  # file name -> sha256
    counts: Mapped[dict[str, Any]] = mapped_column()  # table -> rows after the import
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ReferenceVersion(Base):
    """One row: a token that changes with every write to a reference table (see ``data.reference_version``).

    Database triggers set a new random token on each insert, update or delete of the taxonomy, catalogue and
    badge tables, so caches of what is built from them (the competence graph) are keyed by it.
    """

    __tablename__ = "reference_version"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


class PeopleVersion(Base):
    """One row: on SQLite, a token that changes with every write to the API keys or a worker's data (see
    ``data.people_version``), so kept recommendation answers are keyed by it. Unused on PostgreSQL."""

    __tablename__ = "people_version"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


# --- ESCO: skills pillar ------------------------------------------------------------------------------


class Skill(Base):
    __tablename__ = "skills"

    uri: Mapped[str] = mapped_column(URI, primary_key=True)
    preferred_label: Mapped[str] = mapped_column(Text, index=True)
    alt_labels: Mapped[list[str]] = mapped_column(default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    skill_type: Mapped[str | None] = mapped_column(String(40))  # skill/competence | knowledge | None
    reuse_level: Mapped[str | None] = mapped_column(String(40))  # transversal | cross-sector | ...


class SkillGroup(Base):
    __tablename__ = "skill_groups"

    uri: Mapped[str] = mapped_column(URI, primary_key=True)
    code: Mapped[str | None] = mapped_column(String(40))
    preferred_label: Mapped[str] = mapped_column(Text)
    alt_labels: Mapped[list[str]] = mapped_column(default=list)
    description: Mapped[str] = mapped_column(Text, default="")


class SkillBroader(Base):
    """A narrower skill or skill group and its broader skill or skill group (the skills hierarchy)."""

    __tablename__ = "skill_broader"

    narrower_uri: Mapped[str] = mapped_column(URI, primary_key=True)
    broader_uri: Mapped[str] = mapped_column(URI, primary_key=True, index=True)
    narrower_type: Mapped[str] = mapped_column(String(40))  # KnowledgeSkillCompetence | SkillGroup
    broader_type: Mapped[str] = mapped_column(String(40))


class SkillRelation(Base):
    """ESCO's skill-skill relation: related skills, essential or optional. It does not order them."""

    __tablename__ = "skill_relations"
    __table_args__ = (CheckConstraint(_in("relation_type", RELATION_TYPES), name="relation_type"),)

    skill_uri: Mapped[str] = mapped_column(ForeignKey("skills.uri"), primary_key=True)
    related_uri: Mapped[str] = mapped_column(ForeignKey("skills.uri"), primary_key=True, index=True)
    relation_type: Mapped[str] = mapped_column(String(20))


# --- ESCO: occupations pillar -------------------------------------------------------------------------


class IscoGroup(Base):
    __tablename__ = "isco_groups"

    uri: Mapped[str] = mapped_column(URI, primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    preferred_label: Mapped[str] = mapped_column(Text)
    alt_labels: Mapped[list[str]] = mapped_column(default=list)
    description: Mapped[str] = mapped_column(Text, default="")


class Occupation(Base):
    __tablename__ = "occupations"

    uri: Mapped[str] = mapped_column(URI, primary_key=True)
    isco_code: Mapped[str] = mapped_column(String(10), index=True)  # the ISCO unit group, e.g. "7231"
    code: Mapped[str] = mapped_column(String(40))  # the ESCO code, e.g. "7231.3"
    preferred_label: Mapped[str] = mapped_column(Text, index=True)
    alt_labels: Mapped[list[str]] = mapped_column(default=list)
    description: Mapped[str] = mapped_column(Text, default="")


class OccupationLabel(Base):
    """An occupation's labels in a language other than the release's English (``occupations_de.csv`` ...).

    The English labels stay on :class:`Occupation`; each further language imported adds one row per
    occupation, so that titles in that language match (``recommender.text.titles``).
    """

    __tablename__ = "occupation_labels"

    occupation_uri: Mapped[str] = mapped_column(
        ForeignKey("occupations.uri", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(10), primary_key=True)  # ISO 639-1, e.g. "de"
    preferred_label: Mapped[str] = mapped_column(Text)
    alt_labels: Mapped[list[str]] = mapped_column(default=list)


class OccupationBroader(Base):
    """An occupation or ISCO group and its broader occupation or ISCO group."""

    __tablename__ = "occupation_broader"

    narrower_uri: Mapped[str] = mapped_column(URI, primary_key=True)
    broader_uri: Mapped[str] = mapped_column(URI, primary_key=True, index=True)
    narrower_type: Mapped[str] = mapped_column(String(40))  # Occupation | ISCOGroup
    broader_type: Mapped[str] = mapped_column(String(40))


class OccupationSkill(Base):
    """An occupation's essential or optional skill.

    ``occupation_uri`` has no foreign key: ESCO v1.1.1 relates 67 skills to one occupation
    (``a9e54177-...``) that it declares only in its occupation hierarchy, not in ``occupations_en.csv``.
    The importer checks that every URI here is declared by the release; loaders keep the relations of
    occupations that have a row in ``occupations``.
    """

    __tablename__ = "occupation_skills"
    __table_args__ = (CheckConstraint(_in("relation_type", RELATION_TYPES), name="relation_type"),)

    occupation_uri: Mapped[str] = mapped_column(URI, primary_key=True)
    skill_uri: Mapped[str] = mapped_column(ForeignKey("skills.uri"), primary_key=True, index=True)
    relation_type: Mapped[str] = mapped_column(String(20))


# --- courses and microbadges --------------------------------------------------------------------------


class Course(Base):
    __tablename__ = "courses"
    __table_args__ = (
        CheckConstraint(f"level IS NULL OR {_in('level', COURSE_LEVELS)}", name="level"),
        CheckConstraint(_in("delivery_mode", DELIVERY_MODES), name="delivery_mode"),
        CheckConstraint("hours > 0", name="hours_positive"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint(
            "certificate_price IS NULL OR certificate_price >= 0", name="certificate_not_negative"
        ),
    )

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    provider: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(10))  # ISO 639-1, e.g. "en"
    level: Mapped[str | None] = mapped_column(String(20))
    hours: Mapped[float] = mapped_column(Float)
    price: Mapped[float] = mapped_column(Float, default=0.0)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    delivery_mode: Mapped[str] = mapped_column(String(20), default="online")
    region: Mapped[str | None] = mapped_column(String(20))  # NUTS code where in-person, None = anywhere
    start_dates: Mapped[list[str]] = mapped_column(default=list)  # ISO dates; empty = self-paced
    funding_schemes: Mapped[list[str]] = mapped_column(default=list)
    catalogue: Mapped[str] = mapped_column(String(80), default="")
    # The price of an optional certificate when the course itself costs ``price`` (edX audit track: 0).
    certificate_price: Mapped[float | None] = mapped_column(Float)
    tags: Mapped[list[str]] = mapped_column(default=list)  # the catalogue's own skill tags, as written
    flags: Mapped[list[str]] = mapped_column(default=list)  # what the catalogue did not state (FORMATS.md)
    # The sentence vector of the course's title and summary (float16, ``data.subject_vectors``), embedded at
    # import for a course the vendored vectors do not hold; None: theirs, or not embedded.
    subject: Mapped[bytes | None] = mapped_column(LargeBinary)

    skills: Mapped[list[CourseSkill]] = relationship(
        back_populates="course", cascade="all, delete-orphan", passive_deletes=True
    )


class CourseSkill(Base):
    __tablename__ = "course_skills"
    __table_args__ = (
        CheckConstraint("confidence >= 0 AND confidence <= 1", name="confidence_unit"),
        CheckConstraint(_in("source", SKILL_SOURCES), name="source"),
    )

    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    skill_uri: Mapped[str] = mapped_column(ForeignKey("skills.uri"), primary_key=True, index=True)
    level: Mapped[int] = mapped_column(Integer, default=2)  # proficiency taught, 0..4 (see recommender.gap)
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    source: Mapped[str] = mapped_column(String(20), default="explicit")

    course: Mapped[Course] = relationship(back_populates="skills")


class CoursePrerequisite(Base):
    __tablename__ = "course_prerequisites"

    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    prerequisite_id: Mapped[str] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    origin: Mapped[str] = mapped_column(String(20), default="catalogue")  # catalogue | level | curated


class Badge(Base):
    """A microbadge: recognises skills at levels; earned by courses (all, or k of n) or an assessment."""

    __tablename__ = "badges"
    __table_args__ = (CheckConstraint(_in("earned_by", ("all", "k_of_n", "assessment")), name="earned_by"),)

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    criteria: Mapped[str] = mapped_column(Text, default="")
    earned_by: Mapped[str] = mapped_column(String(20), default="all")
    k: Mapped[int | None] = mapped_column(Integer)  # for k_of_n
    issuer: Mapped[str] = mapped_column(Text, default="")


class BadgeSkill(Base):
    __tablename__ = "badge_skills"

    badge_id: Mapped[str] = mapped_column(ForeignKey("badges.id", ondelete="CASCADE"), primary_key=True)
    skill_uri: Mapped[str] = mapped_column(ForeignKey("skills.uri"), primary_key=True)
    level: Mapped[int] = mapped_column(Integer, default=2)


class BadgeCourse(Base):
    __tablename__ = "badge_courses"

    badge_id: Mapped[str] = mapped_column(ForeignKey("badges.id", ondelete="CASCADE"), primary_key=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)


class BadgePrerequisite(Base):
    """Badges stack: ``badge_id`` requires ``required_badge_id`` first."""

    __tablename__ = "badge_prerequisites"

    badge_id: Mapped[str] = mapped_column(ForeignKey("badges.id", ondelete="CASCADE"), primary_key=True)
    required_badge_id: Mapped[str] = mapped_column(
        ForeignKey("badges.id", ondelete="CASCADE"), primary_key=True
    )


# --- people -------------------------------------------------------------------------------------------


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Worker(Base):
    __tablename__ = "workers"
    __table_args__ = (UniqueConstraint("organisation_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    external_id: Mapped[str] = mapped_column(String(120))  # the organisation's own id for the person
    region: Mapped[str | None] = mapped_column(String(20))  # NUTS-2 code
    current_occupation_uri: Mapped[str | None] = mapped_column(ForeignKey("occupations.uri"))
    languages: Mapped[list[str]] = mapped_column(default=list)
    # The aim and the limits the worker's saved plan is made with (``GET /v1/workers/{id}/plan``). The target
    # has no foreign key, like ``occupation_skills``: it is checked against the graph when written, and a
    # taxonomy re-import must not be blocked by someone's aim.
    target_occupation_uri: Mapped[str | None] = mapped_column(URI)
    budget: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3), default="EUR", server_default="EUR")
    hours_per_week: Mapped[float | None] = mapped_column(Float)
    delivery_modes: Mapped[list[str]] = mapped_column(default=list, server_default="[]")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    skills: Mapped[list[WorkerSkill]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class WorkerSkill(Base):
    __tablename__ = "worker_skills"
    __table_args__ = (CheckConstraint("proficiency BETWEEN 0 AND 4", name="proficiency_scale"),)

    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"), primary_key=True)
    skill_uri: Mapped[str] = mapped_column(ForeignKey("skills.uri"), primary_key=True)
    proficiency: Mapped[int] = mapped_column(Integer)


class Interaction(Base):
    __tablename__ = "interactions"
    __table_args__ = (
        CheckConstraint(_in("kind", INTERACTION_KINDS), name="kind"),
        Index("ix_interactions_worker_time", "worker_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"))
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[float | None] = mapped_column(Float)  # a rating 1..5 for kind="rated"
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApiKey(Base):
    """An API key: its role and scope (an organisation, a NUTS region or a worker), never the key itself.

    Only the SHA-256 of the key is stored (keys are long random tokens, so a plain hash suffices); ``prefix``
    is its first characters, shown to tell keys apart. A revoked key stays, with when it was revoked.
    Deleting the organisation or the worker a key is scoped to deletes the key.
    """

    __tablename__ = "api_keys"
    __table_args__ = (
        CheckConstraint(_in("role", KEY_ROLES), name="role"),
        CheckConstraint(
            "(role = 'admin' AND organisation_id IS NULL AND region IS NULL AND worker_id IS NULL)"
            " OR (role = 'hr' AND organisation_id IS NOT NULL AND region IS NULL AND worker_id IS NULL)"
            " OR (role = 'region' AND organisation_id IS NULL AND region IS NOT NULL AND worker_id IS NULL)"
            " OR (role = 'worker' AND organisation_id IS NULL AND region IS NULL AND worker_id IS NOT NULL)",
            name="scope",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(10))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    region: Mapped[str | None] = mapped_column(String(5))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """One use of a worker's personal data through the API: which key (and its role), what, whose, when.

    Written in the transaction of the request it describes, so a change that fails leaves no entry and an
    entry is never missing for a change that was made. ``occurred_at`` is UTC. The entries about a worker go
    with the worker (``ON DELETE CASCADE``, and ``data.erase``): on SQLite a deleted worker's id can be
    given to the next worker, who must never inherit them. A deletion leaves one entry with no worker
    (``worker_id`` NULL): which key deleted a worker, and when, but nothing about the person. The entries
    of a key go with the key (keys are revoked, not deleted, unless their organisation or worker is).
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        CheckConstraint(_in("action", AUDIT_ACTIONS), name="action"),
        CheckConstraint(_in("role", KEY_ROLES), name="role"),
        Index("ix_audit_log_worker_time", "worker_id", "occurred_at"),
        Index("ix_audit_log_key_time", "api_key_id", "occurred_at"),
        Index("ix_audit_log_time", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(10))  # the key's role when it was used
    action: Mapped[str] = mapped_column(String(10))  # read, change, delete or export
    route: Mapped[str] = mapped_column(String(120))  # "GET /v1/workers/{worker_id}/plan"
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"))


# --- regions ------------------------------------------------------------------------------------------------


class RegionPortfolio(Base):
    """A region's training portfolio as the region may see it: the published plan, small groups suppressed.

    Only the published JSON is kept (never the exact small figures), under the region's NUTS code; reading
    one needs the same code (``data.region_store``).
    """

    __tablename__ = "region_portfolios"
    __table_args__ = (CheckConstraint("length(nuts) BETWEEN 2 AND 5", name="nuts_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nuts: Mapped[str] = mapped_column(String(5), index=True)
    budget: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20))  # the certificate: optimal, gap or infeasible
    workers_made_ready: Mapped[int | None] = mapped_column(Integer)  # None when suppressed
    plan: Mapped[dict[str, Any]] = mapped_column()  # the published JSON of ``upskill region plan --json``
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


# --- cohort plans (issue 15) ------------------------------------------------------------------------------


class Cohort(Base):
    """A workforce transition plan an organisation's HR made: its settings and the aggregates (no person).

    The people are rows of ``cohort_people``; a person who is a worker of the organisation is linked to the
    worker, so that deleting the worker deletes them from every cohort.
    """

    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    settings: Mapped[dict[str, Any]] = mapped_column()
    summary: Mapped[dict[str, Any]] = mapped_column()  # targets, seats, timeline, totals, certificate ...
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CohortPlan(Base):
    """One distinct learning plan of a cohort (shared by the people with the same starting point)."""

    __tablename__ = "cohort_plans"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    target_uri: Mapped[str] = mapped_column(URI)
    plan: Mapped[dict[str, Any]] = mapped_column()


class CohortPerson(Base):
    """One person of a cohort: assigned (with the plan), staying (with the best option) or to confirm."""

    __tablename__ = "cohort_people"
    __table_args__ = (
        UniqueConstraint("cohort_id", "person_id"),
        CheckConstraint(_in("status", COHORT_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[str] = mapped_column(String(120))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    plan_id: Mapped[str | None] = mapped_column(String(40))
    record: Mapped[dict[str, Any]] = mapped_column()  # the person's entry of the cohort document
