"""The model lifecycle: the served model (``GET /v1/model``) and background jobs (a retrain)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class RejectedArtefactRead(BaseModel):
    artefact: str = Field(description="the artefact's name (its metadata file without .json)")
    reason: str = Field(description="why it cannot be used (truncated, corrupt, another format version)")
    rejected_at: str


class ModelRead(BaseModel):
    artefact: str | None = Field(description="the served artefact; null: no usable artefact (see problem)")
    created_at: str | None
    data_hash: str | None = Field(description="SHA-256 of the interactions and features it was trained on")
    format_version: int | None
    metrics: dict[str, Any] = Field(description="validation metrics recorded at training")
    n_users: int | None
    n_items: int | None
    n_interactions: int | None
    problem: str | None = Field(description="why no model is served, when none is")
    rejected: list[RejectedArtefactRead] = Field(
        description="newer artefacts this process refused, newest first (the served model stayed)"
    )


class JobRead(BaseModel):
    id: str
    kind: str
    status: Literal["running", "succeeded", "failed"]
    created_at: str
    finished_at: str | None
    result: dict[str, Any] | None = Field(description="what the job made (a retrain: the artefact)")
    error: str | None
