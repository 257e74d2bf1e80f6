"""Regional portfolios: aggregate workforce, demand and programmes in, the published plan out.

``POST /v1/regions/{nuts}/portfolios`` takes ``workforce``, ``demand`` and optionally ``programmes`` as lists
in a JSON body (the JSON forms of ``data/default/FORMATS.md``) or as ``multipart/form-data`` files (CSV or
JSON) with the settings as form fields. The answer is the published plan (``upskill region plan --json``):
every figure of fewer than five people is ``null`` with ``suppressed: true``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.http.schemas.common import Code, RequestModel

MAX_ROWS = 20_000


class PortfolioSettings(RequestModel):
    """``upskill region plan``'s options."""

    budget: float = Field(
        ge=0,
        allow_inf_nan=False,
        description="the funding envelope, in currency; 0 is a what-if: nothing can be funded, and the plan"
        " says what the cheapest pathway would cost",
    )
    currency: Code = "EUR"
    cofinancing: float = Field(0.0, ge=0, lt=1, allow_inf_nan=False, description="share co-financed")
    languages: list[Code] = Field(default_factory=list, max_length=20)
    exchange_rates: dict[str, float] = Field(default_factory=dict, max_length=50)
    max_programmes: int = Field(3, ge=1, le=10, description="programmes a worker may follow at most")
    min_seats: int = Field(5, ge=1, le=1000, description="a programme is funded for at least this many seats")


class PortfolioCreate(PortfolioSettings):
    """A portfolio request sent as JSON: the inputs as lists of objects."""

    workforce: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_ROWS)
    demand: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_ROWS)
    programmes: list[dict[str, Any]] | None = Field(None, min_length=1, max_length=MAX_ROWS)


class PortfolioRead(BaseModel):
    """A kept portfolio: the published plan with its id and region (other keys as the plan has them)."""

    model_config = ConfigDict(extra="allow")

    id: int
    nuts: str
    portfolio: list[dict[str, Any]]
    totals: dict[str, Any]
    certificate: dict[str, Any]
