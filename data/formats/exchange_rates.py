"""The exchange-rate table: ``currency,units_per_eur,date,source`` (``#`` comment lines allowed), one row per
ISO 4217 currency, ``units_per_eur`` > 0. The bundled default is ``data/default/exchange_rates.csv``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field

from data.formats.fields import Date, FileModel, validated
from data.formats.reading import csv_rows
from recommender.codes import UnknownCode, currency_code
from recommender.currency import RateTable
from recommender.errors import ImportFormatError

COLUMNS = ("currency", "units_per_eur", "date", "source")


def _currency(value: str) -> str:
    try:
        return currency_code(value)
    except UnknownCode as error:
        raise ValueError(error.message) from None


class RateRow(FileModel):
    """One currency's rate against the euro."""

    currency: Annotated[str, AfterValidator(_currency)]
    units_per_eur: float = Field(gt=0)
    date: Date
    source: str = ""


def read(path: Path) -> RateTable:
    """Read and check a rate table; its date is the latest row's, its source the most common one's."""
    file = str(path)
    rows: dict[str, RateRow] = {}
    for line, raw in csv_rows(path, COLUMNS[:3], optional=COLUMNS[3:], comments=True):
        row = validated(RateRow, raw, file=file, line=line)
        if row.currency in rows:
            raise ImportFormatError(f"{row.currency} is given twice", file=file, line=line, column="currency")
        rows[row.currency] = row
    if not rows:
        raise ImportFormatError("no rates in the file", file=file)
    sources = [row.source for row in rows.values() if row.source and row.source != "definition"]
    source = max(set(sources), key=sources.count) if sources else path.name
    return RateTable(
        {code: row.units_per_eur for code, row in rows.items()},
        date=max(row.date for row in rows.values()).isoformat(),
        source=source,
    )
