"""Prices in the worker's currency: a dated table of exchange rates against the euro, and worker-given rates
that override it.

The bundled table (``data/default/exchange_rates.csv``) holds the European Central Bank's euro reference rates
of one day; :class:`RateTable` says which day and where from, so that every converted price can say so too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from recommender.errors import InvalidPlanInput


@dataclass(frozen=True)
class RateTable:
    """Units of each currency per 1 EUR (``{"USD": 1.1172}``), as of ``date``, from ``source``."""

    units_per_eur: Mapping[str, float]
    date: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        rates = {code.upper(): rate for code, rate in self.units_per_eur.items()}
        rates.setdefault("EUR", 1.0)
        for code, rate in rates.items():
            if not (math.isfinite(rate) and rate > 0):
                raise InvalidPlanInput(
                    f"rate of {code} must be a positive number, got {rate!r}", field="rates"
                )
        object.__setattr__(self, "units_per_eur", MappingProxyType(dict(sorted(rates.items()))))

    def describe(self) -> str:
        """Where the rates come from, in words: "ECB euro reference rates of 2026-10-30"."""
        return f"{self.source} of {self.date}" if self.date else self.source or "the given rates"


@dataclass(frozen=True)
class Converter:
    """Converts amounts into ``currency`` with ``table``; ``overrides`` (``--rate USD=0.92``: units of
    ``currency`` per unit of the code) come first."""

    currency: str
    table: RateTable
    overrides: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for code, rate in self.overrides.items():
            if not (math.isfinite(rate) and rate > 0):
                raise InvalidPlanInput(f"rate for {code} must be positive, got {rate!r}", field="--rate")
        object.__setattr__(
            self, "overrides", MappingProxyType({k.upper(): v for k, v in self.overrides.items()})
        )

    def rate(self, code: str) -> float | None:
        """Units of :attr:`currency` per unit of ``code`` (None: neither overrides nor table know it)."""
        code = code.upper()
        if code == self.currency:
            return 1.0
        if code in self.overrides:
            return self.overrides[code]
        per_eur = self.table.units_per_eur
        if code in per_eur and self.currency in per_eur:
            return per_eur[self.currency] / per_eur[code]
        return None

    def convert(self, amount: float, code: str) -> float | None:
        """``amount`` of ``code`` in :attr:`currency`, rounded to cents; free is free; None without a rate."""
        if amount == 0:
            return 0.0
        rate = self.rate(code)
        return None if rate is None else round(amount * rate, 2)

    def missing_rate_reason(self, code: str) -> str:
        """Why a price in ``code`` cannot be converted, and what to do."""
        return (
            f"priced in {code}, and no {code}->{self.currency} rate is known (the table holds "
            f"{self.table.describe()}; pass --rate {code}=<{self.currency} per {code}>)"
        )
