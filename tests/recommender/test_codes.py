"""ISO language and currency codes: accepted in any case, anything else a clear error."""

from __future__ import annotations

import pytest

from recommender.codes import (
    UnknownCode,
    currency_code,
    language_code,
    language_codes,
    language_name,
    rates_by_code,
)
from recommender.currency import Converter, RateTable


def test_codes_are_checked_against_the_iso_lists() -> None:
    assert language_code("DE") == "de" and currency_code("eur") == "EUR"
    with pytest.raises(UnknownCode, match=r"ISO 639-1 .*\(German is 'de'\)"):
        language_code("german", field="--language")
    with pytest.raises(UnknownCode, match="ISO 639-1"):
        language_code("xx")
    assert language_code("und", allow_undetermined=True) == "und"
    with pytest.raises(UnknownCode, match="--currency: unknown currency 'XYZ': use an ISO 4217"):
        currency_code("XYZ", field="--currency")


def test_lists_of_codes_are_checked_each() -> None:
    assert language_codes(["EN", "de", "en"]) == ("en", "de")  # in order, once each
    with pytest.raises(UnknownCode, match="languages: unknown language 'german'"):
        language_codes(["en", "german"])
    assert rates_by_code({"usd": 0.9, "CZK": 0.04}) == {"USD": 0.9, "CZK": 0.04}
    with pytest.raises(UnknownCode, match="exchange_rates: unknown currency 'XYZ'"):
        rates_by_code({"USD": 0.9, "XYZ": 1.0})


def test_a_language_is_named_for_a_reader() -> None:
    assert language_name("it") == "Italian ('it')" and language_name("el") == "Modern Greek ('el')"
    assert language_name("und") == "'und'" and language_name("any") == "'any'"


def test_converter_goes_through_the_euro_and_overrides_win() -> None:
    table = RateTable({"USD": 1.25, "CZK": 25.0}, date="2026-10-30", source="ECB")
    assert Converter("EUR", table).convert(100, "USD") == 80.0
    assert Converter("CZK", table).convert(100, "USD") == 2000.0  # 100 / 1.25 * 25
    assert Converter("CZK", table, {"USD": 21.0}).convert(100, "USD") == 2100.0
    assert Converter("EUR", table).convert(0, "XAU") == 0.0  # free is free in any currency
    assert Converter("EUR", table).convert(5, "XAU") is None
    assert Converter("JPY", table).rate("USD") is None
