"""The worker page's form: its query parameters read into a :class:`WorkerForm`, each value as typed.

The page is a GET form (a plan is a question, not a change: the address can be bookmarked, shared and
reloaded), so everything arrives as query parameters. Values are kept as typed, so that a page with an
error shows what the person wrote next to the message. Numbers are read here; the rest is checked by the
JSON API's own request schemas (:mod:`api.http.web.page`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import ImmutableMultiDict

#: Skill levels as the API numbers them (``skills[].level``), in words.
LEVELS = ("none", "basic", "intermediate", "advanced", "expert")
DEFAULT_LEVEL = 2
#: At most this many past occupations besides the current one (the API takes 10 occupations).
MAX_PAST = 9
MAX_SKILLS = 50
MAX_TEXT = 200
DELIVERY_MODES = ("online", "blended", "in-person")
ACTIONS = ("plan", "explore")


@dataclass(frozen=True)
class FieldError:
    """What is wrong with one field, in words, and the values to pick instead (one click each)."""

    message: str
    suggestions: tuple[str, ...] = ()


@dataclass
class WorkerForm:
    """The page's form as the person filled it in (strings as typed)."""

    current: str = ""
    past: list[str] = field(default_factory=list)
    skills: list[tuple[str, int]] = field(default_factory=list)
    target: str = ""
    budget: str = ""
    currency: str = "EUR"
    #: NUTS code of where the person lives (in-person courses elsewhere are left out; empty: not said)
    region: str = ""
    hours: str = "6"
    start: str = ""
    deadline: str = ""
    languages: list[str] = field(default_factory=list)
    modes: list[str] = field(default_factory=list)
    free: bool = False
    action: str = ""
    #: what the previous answer said (finish date, weeks, price, hours a week, budget), for the what-if
    previous: dict[str, str] = field(default_factory=dict)
    errors: dict[str, FieldError] = field(default_factory=dict)

    @classmethod
    def from_query(cls, params: ImmutableMultiDict[str, Any]) -> WorkerForm:
        """Read the form from the page's query parameters, or the same fields posted with the CV panel
        (unknown ones are ignored, as a form's are)."""

        def one(name: str, default: str = "") -> str:
            return (params.get(name) or default).strip()[:MAX_TEXT]

        def many(name: str) -> list[str]:
            return [value.strip()[:MAX_TEXT] for value in params.getlist(name)]

        levels = many("level")
        skills = []
        for index, label in enumerate(many("skill")):
            level = levels[index] if index < len(levels) else ""
            skills.append(
                (label, int(level) if level.isdigit() and int(level) < len(LEVELS) else DEFAULT_LEVEL)
            )
        form = cls(
            current=one("current"),
            past=[value for value in many("past") if value],
            skills=[(label, level) for label, level in skills if label],
            target=one("target"),
            budget=one("budget"),
            currency=one("currency", "EUR").upper() or "EUR",
            region=one("region").upper(),
            hours=one("hours", "6"),
            start=one("start"),
            deadline=one("deadline"),
            # "language" as the JSON API and the CLI call it, for an address written by hand
            languages=[value.lower() for value in many("lang") + many("language") if value],
            modes=[value for value in many("mode") if value in DELIVERY_MODES],
            free=params.get("free") in ("1", "on", "true"),
            action=one("action") if one("action") in ACTIONS else "",
            previous={
                key: one(f"prev_{key}")
                for key in ("finish", "weeks", "price", "hours", "budget")
                if one(f"prev_{key}")
            },
        )
        for fix in many("fix"):  # a suggestion picked: "field|value" replaces the field's value, asks again
            key, _, value = fix.partition("|")
            form.replace(key, value)
            if not form.action and one("asked") in ACTIONS:
                form.action = one("asked")
        if one("choose"):  # an adjacent role picked as the target: plan for it
            form.target = one("choose")
            form.action = "plan"
        form.past = form.past[:MAX_PAST]
        form.skills = form.skills[:MAX_SKILLS]
        return form

    def replace(self, key: str, value: str) -> None:
        """Set the field ``key`` (``current``, ``target``, ``past-2``, ``skill-0``) to ``value``."""
        value = value.strip()[:MAX_TEXT]
        name, _, position = key.partition("-")
        index = int(position) if position.isdigit() else -1
        if name == "current":
            self.current = value
        elif name == "target":
            self.target = value
        elif name == "past" and 0 <= index < len(self.past):
            self.past[index] = value
        elif name == "skill" and 0 <= index < len(self.skills):
            self.skills[index] = (value, self.skills[index][1])

    # -- the values, read --------------------------------------------------------------------------------

    def number(self, key: str, *, required: bool, positive: bool) -> float | None:
        """The number typed in ``key`` (``budget``, ``hours``), or None with an error kept for the field."""
        raw = getattr(self, key).replace(",", ".").replace(" ", "")
        if not raw:
            if required:
                self.errors[key] = FieldError("Enter a number of hours a week, for example 6.")
            return None
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < 0 or (positive and value == 0):
            example = "6" if key == "hours" else "1500 (or leave it empty for no limit)"
            least = "more than 0" if positive else "0 or more"
            self.errors[key] = FieldError(
                f"“{getattr(self, key)}” is not a number {least}: enter, for example, {example}."
            )
            return None
        return value

    def date(self, key: str) -> dt.date | None:
        """The date in ``key`` (``start``, ``deadline``; ISO as a date field sends it), or None."""
        raw = getattr(self, key)
        if not raw:
            return None
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            self.errors[key] = FieldError(
                f"“{raw}” is not a date: use the date picker or write it as 2027-01-04."
            )
            return None

    def occupation_fields(self) -> list[tuple[str, str]]:
        """The occupations typed, each with its field key: the current one first, then the past ones."""
        fields = [("current", self.current)] if self.current else []
        return fields + [(f"past-{index}", value) for index, value in enumerate(self.past)]

    # -- the form written back as query parameters ----------------------------------------------------

    def query(self, *, without: Iterable[str] = ()) -> list[tuple[str, str]]:
        """The form as query parameters (what a link or a hidden-field copy of the form carries)."""
        leave = set(without)
        pairs: list[tuple[str, str]] = [("current", self.current)]
        pairs += [("past", value) for value in self.past]
        for label, level in self.skills:
            pairs += [("skill", label), ("level", str(level))]
        pairs += [
            ("target", self.target),
            ("budget", self.budget),
            ("currency", self.currency),
            ("region", self.region),
            ("hours", self.hours),
            ("start", self.start),
            ("deadline", self.deadline),
        ]
        pairs += [("lang", value) for value in self.languages]
        pairs += [("mode", value) for value in self.modes]
        if self.free:
            pairs.append(("free", "1"))
        if self.action:
            pairs.append(("action", self.action))
        return [(key, value) for key, value in pairs if key not in leave and value != ""]
