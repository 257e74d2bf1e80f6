"""One validation style for every file format: a Pydantic model per row or object, its first error turned
into an :class:`ImportFormatError` at the row's line and the field's column, and the field types the formats
share (ids, ESCO skill URIs, proficiency levels, ``;``-separated lists, timestamps).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic_core import ErrorDetails

from recommender.codes import UnknownCode, language_code
from recommender.errors import ImportFormatError
from recommender.gap import MAX_LEVEL

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,119}$")
_SKILL_URI = re.compile(r"^https?://\S+$")


class FileModel(BaseModel):
    """A row or object of a file: unknown fields refused, text stripped, numbers finite, immutable."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False, frozen=True)


Model = TypeVar("Model", bound=BaseModel)


def present(raw: Mapping[str, Any]) -> dict[str, Any]:
    """``raw`` without its empty values (blank text, ``None``, ``[]``), so that defaults apply to them."""
    return {
        key: value
        for key, value in raw.items()
        if value is not None and value != [] and not (isinstance(value, str) and not value.strip())
    }


def validated(model: type[Model], raw: Mapping[str, Any], *, file: str, line: int | None) -> Model:
    """``model`` validated from ``raw`` (empty values left out); the first error as an ImportFormatError.

    Unknown fields are reported before anything else, all of them in one message.
    """
    try:
        return model.model_validate(present(raw))
    except ValidationError as error:
        errors = error.errors(include_url=False)
        unknown = sorted(str(e["loc"][0]) for e in errors if e["type"] == "extra_forbidden")
        if unknown:
            allowed = ", ".join(model.model_fields)
            raise ImportFormatError(
                f"unknown field(s) {', '.join(unknown)}; allowed: {allowed}",
                file=file,
                line=line,
                column=unknown[0],
            ) from None
        first = errors[0]
        column = str(first["loc"][0]) if first["loc"] else None
        raise ImportFormatError(message(first), file=file, line=line, column=column) from None


#: Pydantic error types in the words of the file formats; ``{got!r}`` is the value found, the other fields
#: come from the error's context.
_MESSAGES = {
    "missing": "required value is missing",
    "float_parsing": "expected a number, got {got!r}",
    "float_type": "expected a number, got {got!r}",
    "finite_number": "expected a number, got {got!r}",
    "int_parsing": "expected an integer, got {got!r}",
    "int_type": "expected an integer, got {got!r}",
    "int_from_float": "expected an integer, got {got!r}",
    "greater_than": "must be greater than {gt:g}, got {got!r}",
    "greater_than_equal": "must be at least {ge:g}, got {got!r}",
    "less_than_equal": "must be at most {le:g}, got {got!r}",
    "literal_error": "must be one of {expected}, got {got!r}",
    "string_type": "must be a string, got {got!r}",
    "list_type": "must be a list, got {got!r}",
    "tuple_type": "must be a list, got {got!r}",
    "model_type": "must be an object, got {got!r}",
}


def message(error: ErrorDetails) -> str:
    """A Pydantic error in the words of the file formats: what is wrong, with the value found."""
    kind, ctx, got = error["type"], error.get("ctx", {}), error.get("input")
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", error["msg"]))
    template = _MESSAGES.get(kind, "{msg}, got {got!r}")
    return template.format(**{**ctx, "msg": error["msg"], "got": got})


def _record_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(f"id must be 1-120 letters, digits, '.', '_', ':' or '-', got {value!r}")
    return value


def _skill_uri(value: str) -> str:
    if not _SKILL_URI.match(value):
        raise ValueError(f"expected an ESCO skill URI, got {value!r}")
    return value


def _level(value: Any) -> int:
    """A proficiency level 0..4 from an integer or its digits (not a bool, not 2.5)."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_LEVEL:
        raise ValueError(f"expected a level from 0..{MAX_LEVEL} (0 none, {MAX_LEVEL} expert), got {value!r}")
    return value


def semicolons(value: Any) -> Any:
    """A CSV cell ``a;b`` as the list ``[a, b]``; JSON lists pass."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return value


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"expected an ISO date YYYY-MM-DD like 2026-09-01, got {value!r}") from None


def _language(value: str) -> str:
    try:
        return language_code(value)
    except UnknownCode as error:
        raise ValueError(error.message) from None


def _timestamp(value: Any) -> float:
    """Seconds (or any increasing number) or an ISO 8601 date-time, as seconds."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        pass
    else:
        if number == number and abs(number) != float("inf"):
            return number
    try:
        return dt.datetime.fromisoformat(str(value).strip()).timestamp()
    except ValueError:
        raise ValueError(f"timestamp {value!r} is neither a number nor an ISO 8601 date-time") from None


RecordId = Annotated[str, AfterValidator(_record_id)]
SkillUri = Annotated[str, AfterValidator(_skill_uri)]
Level = Annotated[int, BeforeValidator(_level)]
Date = Annotated[dt.date, BeforeValidator(_date)]
Language = Annotated[str, AfterValidator(_language)]
Timestamp = Annotated[float, BeforeValidator(_timestamp)]
Texts = Annotated[tuple[str, ...], BeforeValidator(semicolons)]
Dates = Annotated[tuple[Date, ...], BeforeValidator(semicolons)]
Languages = Annotated[tuple[Language, ...], BeforeValidator(semicolons)]
