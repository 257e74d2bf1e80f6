"""Domain exceptions. Each says what is wrong, where, and what to do; ``api/errors.py`` maps them to HTTP."""

from __future__ import annotations

from collections.abc import Sequence


class UpskillError(Exception):
    """Base of every error upskill raises on purpose."""


class ImportFormatError(UpskillError):
    """Bad input in an imported file, located by file, line (1-based, physical) and column."""

    def __init__(self, message: str, *, file: str, line: int | None = None, column: str | None = None):
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        where = file
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {message}")


class NotFoundError(UpskillError):
    """An id or label that is not known, with the closest known matches to try instead."""

    kind = "item"

    def __init__(self, query: str, suggestions: Sequence[str] = ()):
        self.query = query
        self.suggestions = list(suggestions)
        hint = f"; closest matches: {', '.join(self.suggestions)}" if self.suggestions else ""
        super().__init__(f"unknown {self.kind} {query!r}{hint}")


class UnknownOccupation(NotFoundError):
    kind = "occupation"


class UnknownSkill(NotFoundError):
    kind = "skill"


class UnknownCourse(NotFoundError):
    kind = "course"


class UnknownBadge(NotFoundError):
    kind = "badge"


class InvalidPlanInput(UpskillError):
    """A planner input that cannot work (a negative budget, a deadline before the start), naming the field."""

    def __init__(self, message: str, *, field: str):
        self.message = message
        self.field = field
        super().__init__(f"{field}: {message}")


class PrerequisiteCycle(UpskillError):
    """Courses requiring each other in a circle, so none can come first; fix the catalogue's prerequisites."""

    def __init__(self, members: Sequence[str]):
        self.members = list(members)
        circle = " -> ".join([*self.members, self.members[0]]) if self.members else ""
        super().__init__(
            f"prerequisite cycle among courses {circle}: each needs the next first, so no order exists; "
            "remove one of these prerequisite edges from the catalogue"
        )
