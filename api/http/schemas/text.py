"""Free text to ESCO: job titles to occupations (``POST /v1/occupations/match``) and texts to skills
(``POST /v1/skills/extract``). The answers are those of ``upskill occupations match --json`` and ``upskill
skills extract --json``, one per input, in input order."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from api.http.schemas.common import MAX_TEXT, RequestModel

#: Titles per ``POST /v1/occupations/match`` (each at most :data:`MAX_TEXT` characters).
MAX_TITLES = 1_000
#: Texts per ``POST /v1/skills/extract``, and characters per text (a CV or a job ad).
MAX_TEXTS = 100
MAX_TEXT_CHARS = 10_000
MAX_K = 100


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("is empty (only spaces)")
    return value


Title = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT), AfterValidator(_not_blank)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT_CHARS), AfterValidator(_not_blank)]


class TitleMatchCreate(RequestModel):
    titles: list[Title] = Field(
        min_length=1, max_length=MAX_TITLES, description="free-text job titles, in any imported language"
    )
    k: int = Field(10, ge=1, le=MAX_K, description="occupations per title")


class OccupationMatchRead(BaseModel):
    uri: str
    label: str
    score: float = Field(description="calibrated probability that this is the title's occupation")
    reason: str = Field(description="the label that matched best and the title's words found in it")


class TitleResultRead(BaseModel):
    input: str
    resolved: bool = Field(description="whether the best match's score reaches threshold")
    occupation: str | None = Field(description="the occupation the title resolves to (resolved only)")
    matches: list[OccupationMatchRead]


class TitleMatchesRead(BaseModel):
    threshold: float = Field(description="score from which a title resolves without a person confirming it")
    results: list[TitleResultRead]


class SkillExtractCreate(RequestModel):
    texts: list[Text] = Field(
        min_length=1, max_length=MAX_TEXTS, description="sentences, CVs, job ads or course descriptions"
    )
    k: int = Field(20, ge=1, le=MAX_K, description="skills per text")


class ExtractedSkillRead(BaseModel):
    uri: str
    label: str
    score: float = Field(description="in [0, 1]")
    evidence: str = Field(description="the stretch of the text that names the skill")


class TextSkillsRead(BaseModel):
    input: str
    skills: list[ExtractedSkillRead]


class SkillExtractionsRead(BaseModel):
    results: list[TextSkillsRead]
