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
    #: What to do instead, when not "use a known id" (see ``api/http/errors.py``).
    fix: str | None = None

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
    fix = "use the id of a course of the catalogue (GET /v1/courses or `upskill courses list` lists them)"


class UnknownBadge(NotFoundError):
    kind = "badge"
    fix = "use the id of a badge (GET /v1/badges or `upskill badges list` lists them)"


class AlreadyExists(UpskillError):
    """Something that must be unique is taken already (an organisation's name, a worker's external id)."""

    def __init__(self, message: str, *, field: str):
        self.message = message
        self.field = field
        super().__init__(f"{field}: {message}")


class InvalidPlanInput(UpskillError):
    """A planner input that cannot work (a negative budget, a deadline before the start), naming the field."""

    def __init__(self, message: str, *, field: str, fix: str | None = None):
        self.message = message
        self.field = field
        self.fix = fix  # what to do, where "correct the field" would not say it
        super().__init__(f"{field}: {message}")


class PrerequisiteCycle(UpskillError):
    """Courses requiring each other in a circle, so none can come first; fix the catalogue's prerequisites.

    The one error for prerequisite cycles, raised by the catalogue's prerequisite graph
    (``recommender.prerequisites``, every cycle found) and by the planner (the first cycle found).
    ``cycles`` lists the members of each cycle in order (each needs the next; the last needs the first);
    ``members`` is the first cycle.
    """

    def __init__(self, cycles: Sequence[Sequence[str]]):
        self.cycles = [list(cycle) for cycle in cycles if cycle]
        self.members = self.cycles[0] if self.cycles else []
        shown = "; ".join(" -> ".join([*cycle, cycle[0]]) for cycle in self.cycles)
        plural = "s" if len(self.cycles) > 1 else ""
        super().__init__(
            f"prerequisite cycle{plural} among courses {shown}: each needs the next first, so no order "
            f"exists; remove one prerequisite edge of each cycle from the catalogue"
        )
