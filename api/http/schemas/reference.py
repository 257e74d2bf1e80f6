"""Reference data as the API answers it: occupations, skills, courses, microbadges."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from api.http.schemas.common import PageBase


class ConceptBase(BaseModel):
    uri: str = Field(description="the ESCO URI (also accepted URL-encoded or as its UUID tail)")
    label: str


class SearchHit(ConceptBase):
    """One ranked label-search hit: the concept, the label that matched and the score in [0, 1]."""

    matched_label: str
    score: float


class OccupationSummary(ConceptBase):
    isco_code: str
    score: float | None = Field(None, description="search score when the list answers a query")
    matched_label: str | None = None


class OccupationPage(PageBase):
    items: list[OccupationSummary]


class RequiredSkill(ConceptBase):
    relation: Literal["essential", "optional"]


class OccupationRead(ConceptBase):
    alt_labels: list[str]
    description: str
    code: str
    isco_code: str
    broader: list[ConceptBase]
    essential_skills: list[RequiredSkill]
    optional_skills: list[RequiredSkill]


class SkillSummary(ConceptBase):
    skill_type: str | None = None
    score: float | None = Field(None, description="search score when the list answers a query")
    matched_label: str | None = None


class SkillPage(PageBase):
    items: list[SkillSummary]


class RelatedSkill(ConceptBase):
    relation: Literal["essential", "optional"]


class SkillRead(ConceptBase):
    alt_labels: list[str]
    description: str
    skill_type: str | None
    reuse_level: str | None
    broader: list[ConceptBase]
    related: list[RelatedSkill]
    required_by: dict[str, int] = Field(description="how many occupations require it, essential / optional")


class CourseSkillRead(BaseModel):
    uri: str
    level: int
    confidence: float
    source: str


class CoursePrerequisiteRead(BaseModel):
    id: str
    origin: str


class CourseRead(BaseModel):
    id: str
    title: str
    provider: str
    hours: float
    price: float | None = Field(
        description="the price to take the course, in currency; null when the catalogue states none (flag "
        "price-unknown: unknown, not free)"
    )
    certificate_price: float | None = Field(
        description="an optional certificate's price, where the course itself costs price (edX's audit track)"
    )
    currency: str
    level: str | None
    language: str
    delivery_mode: str
    catalogue: str
    skills: list[CourseSkillRead]
    prerequisites: list[CoursePrerequisiteRead]
    flags: list[str] = Field(description="what the catalogue does not state (data/default/FORMATS.md)")


class CoursePage(PageBase):
    items: list[CourseRead]


class BadgeSkillRead(BaseModel):
    uri: str
    level: int


class BadgeRead(BaseModel):
    id: str
    name: str
    earned_by: str
    k: int | None
    courses: list[str]
    requires: list[str]
    skills: list[BadgeSkillRead]


class BadgePage(PageBase):
    items: list[BadgeRead]


#: The Open Badges 3.0 Achievement (JSON-LD) is answered as the standard defines it.
Achievement = dict[str, Any]
