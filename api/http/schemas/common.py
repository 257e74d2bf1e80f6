"""What every endpoint shares: pages of lists, the problem body, the size limits of request fields."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

#: Bounds on request fields (bodies are also limited in bytes, see ``api.http.app.MAX_BODY_BYTES``).
MAX_ID = 300  # an ESCO URI is at most 255 characters
MAX_TEXT = 200
MAX_LIST = 200
PAGE_LIMIT = 100

Id = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ID, strip_whitespace=True)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=20, strip_whitespace=True)]


class RequestModel(BaseModel):
    """A request body: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class PageBase(BaseModel):
    """A page of a list: ``items`` from ``offset``, at most ``limit`` of them, of ``total``."""

    total: int
    limit: int
    offset: int


class ValidationItem(BaseModel):
    field: str
    model_config = ConfigDict(extra="allow")


class Problem(BaseModel):
    """An error (RFC 9457 problem details): what is wrong, where, and what to do."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["urn:upskill:problem:unknown-occupation"])
    title: str
    status: int
    detail: str
    instance: str | None = None
    field: str | None = Field(None, description="the request field at fault")
    id: str | None = Field(None, description="the id that is not known")
    suggestions: list[str] | None = Field(None, description="closest known ids or labels")
    errors: list[dict[str, Any]] | None = Field(None, description="every validation error, located")
    parameters: list[str] | None = Field(
        None, description="the query parameters the endpoint takes (when one it does not take was sent)"
    )
    fix: str | None = Field(None, description="what to do")


PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {"application/problem+json": {}}}
    for status in (400, 404, 413, 422, 500, 503)
}
#: The answers of endpoints that need a key (besides ``PROBLEMS``), and of a name or id taken already.
AUTH_PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {"application/problem+json": {}}} for status in (401, 403)
}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem, "content": {"application/problem+json": {}}}
}
