"""Language and currency codes: ISO 639-1 (``en``, ``de``) and ISO 4217 (``EUR``, ``USD``), checked against
the standards' lists as shipped by ``pycountry``, so that ``german`` or ``XYZ`` is an error saying what is
accepted instead of a filter that silently matches nothing.

``und`` (ISO 639-2 "undetermined") is the one language value outside ISO 639-1: a catalogue that does not
state a course's language says so with it (see ``data/default/FORMATS.md``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pycountry

from recommender.errors import UpskillError

#: A course whose catalogue does not state its language (ISO 639-2 "undetermined").
UNDETERMINED_LANGUAGE = "und"


class UnknownCode(UpskillError):
    """A language or currency code that is not in its ISO list; the message says what is accepted, ``fix``
    which list to use."""

    def __init__(self, message: str, *, field: str | None = None, fix: str):
        self.message = message
        self.field = field
        self.fix = fix
        super().__init__(f"{field}: {message}" if field else message)


def language_code(value: str, *, field: str | None = None, allow_undetermined: bool = False) -> str:
    """The ISO 639-1 code of ``value`` (case-insensitive), or :class:`UnknownCode` naming the code to use."""
    code = value.strip().lower()
    if allow_undetermined and code == UNDETERMINED_LANGUAGE:
        return code
    if len(code) == 2 and pycountry.languages.get(alpha_2=code) is not None:
        return code
    hint = ""
    try:
        found = pycountry.languages.lookup(value.strip())
    except LookupError:
        found = None
    if found is not None and getattr(found, "alpha_2", None):
        hint = f" ({found.name} is {found.alpha_2!r})"
    raise UnknownCode(
        f"unknown language {value!r}: use an ISO 639-1 two-letter code such as 'en', 'de', 'it'{hint}",
        field=field,
        fix="use an ISO 639-1 two-letter language code ('de' for German)",
    )


def language_name(code: str) -> str:
    """``code`` named for a reader: ``Italian ('it')``; a code the list lacks (``und``, ``any``) as itself,
    quoted. A bare ``'it'`` in a sentence reads as the pronoun."""
    found = pycountry.languages.get(alpha_2=code) if len(code) == 2 else None
    # without the list's qualifiers: 'Modern Greek (1453-)' reads 'Modern Greek'
    return f"{found.name.split(' (')[0]} ({code!r})" if found is not None else repr(code)


def languages_taken(codes: Iterable[str]) -> str:
    """What a worker who takes courses in ``codes`` takes, for a reason: ``the worker takes courses in German
    ('de') or English ('en')``."""
    return "the worker takes courses in " + " or ".join(language_name(code) for code in codes)


def currency_code(value: str, *, field: str | None = None) -> str:
    """The ISO 4217 code of ``value`` (case-insensitive), or :class:`UnknownCode` saying what is accepted."""
    code = value.strip().upper()
    if len(code) == 3 and pycountry.currencies.get(alpha_3=code) is not None:
        return code
    raise UnknownCode(
        f"unknown currency {value!r}: use an ISO 4217 three-letter code such as 'EUR', 'USD', 'CZK'",
        field=field,
        fix="use an ISO 4217 three-letter currency code ('EUR' for the euro)",
    )


def language_codes(values: Iterable[str], *, field: str = "languages") -> tuple[str, ...]:
    """Each of ``values`` as its ISO 639-1 code (:func:`language_code`), in order, without repeats."""
    return tuple(dict.fromkeys(language_code(value, field=field) for value in values))


def rates_by_code(rates: Mapping[str, float], *, field: str = "exchange_rates") -> dict[str, float]:
    """``rates`` keyed by ISO 4217 codes (:func:`currency_code`: ``usd`` is ``USD``, ``XYZ`` refused)."""
    return {currency_code(code, field=field): rate for code, rate in rates.items()}


class CodesChecked:
    """A frozen dataclass with ``currency``, ``languages`` and ``exchange_rates`` fields (a cohort's or a
    region's request) whose codes are checked and normalised as it is made, wherever that is (command line
    or API): ``german`` or ``XYZ`` is an :class:`UnknownCode` saying what is accepted, not a filter that
    silently matches no course."""

    currency: str
    languages: tuple[str, ...]
    exchange_rates: Mapping[str, float]

    def __post_init__(self) -> None:
        object.__setattr__(self, "currency", currency_code(self.currency, field="currency"))
        object.__setattr__(self, "languages", language_codes(self.languages))
        object.__setattr__(self, "exchange_rates", rates_by_code(self.exchange_rates))
