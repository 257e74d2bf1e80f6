"""Inputs and outputs of the regional portfolio planner: plain frozen dataclasses, no database.

A region has a *workforce* (workers per ESCO occupation, aggregates only), a *demand* (headcount per target
occupation by a year, with a priority weight) and training *programmes* (provider offers with the skills they
teach at proficiency levels 0..4, a cost per seat and a number of seats). Money is in one currency per plan.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from recommender.errors import InvalidPlanInput

MAX_LEVEL = 4
#: The smallest group a published figure may describe: a cell of 1..4 people is suppressed.
PRIVACY_THRESHOLD = 5


def _positive(value: float, field_name: str, *, allow_zero: bool = False) -> None:
    ok = math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise InvalidPlanInput(f"must be a number {bound}, got {value!r}", field=field_name)


@dataclass(frozen=True)
class Programme:
    """A training offer: seats at ``cost_per_seat`` that bring each trainee to ``skills`` {uri: level}."""

    id: str
    title: str
    provider: str
    skills: Mapping[str, int]
    cost_per_seat: float
    seats: int
    hours: float
    weeks: float
    language: str = "en"
    delivery_mode: str = "online"
    regions: tuple[str, ...] = ()  # NUTS codes where it runs; empty: anywhere (online)
    courses: tuple[str, ...] = ()  # catalogue courses it bundles (their skills are already in ``skills``)
    currency: str = "EUR"

    def __post_init__(self) -> None:
        _positive(self.cost_per_seat, f"programme[{self.id}].cost_per_seat", allow_zero=True)
        _positive(self.hours, f"programme[{self.id}].hours")
        _positive(self.weeks, f"programme[{self.id}].weeks")
        if not isinstance(self.seats, int) or self.seats < 0:
            raise InvalidPlanInput(
                f"must be a whole number of seats >= 0, got {self.seats!r}",
                field=f"programme[{self.id}].seats",
            )
        for uri, level in self.skills.items():
            if not isinstance(level, int) or not 0 <= level <= MAX_LEVEL:
                raise InvalidPlanInput(
                    f"level of {uri!r} must be an integer 0..{MAX_LEVEL}, got {level!r}",
                    field=f"programme[{self.id}].skills",
                )
        # a plain dict (not a MappingProxyType): problems travel to worker processes, which pickle them
        object.__setattr__(self, "skills", dict(sorted(self.skills.items())))

    def serves(self, region: str | None) -> bool:
        """Whether a worker in NUTS region ``region`` can attend (a code covers the regions below it)."""
        if region is None or not self.regions:
            return True
        return any(region.upper().startswith(code.upper()) for code in self.regions)


@dataclass(frozen=True)
class Occupation:
    """An ESCO occupation with its count: workers in the region, or headcount demanded."""

    uri: str
    label: str
    count: int
    year: int | None = None  # demand only: needed by the end of this year
    weight: float = 1.0  # demand only: priority weight of one worker made ready for it

    def __post_init__(self) -> None:
        if not isinstance(self.count, int) or self.count < 0:
            raise InvalidPlanInput(
                f"must be a whole number >= 0, got {self.count!r}", field=f"{self.label}.count"
            )
        _positive(self.weight, f"{self.label}.weight")


@dataclass(frozen=True)
class Settings:
    """What the region decides besides its data."""

    budget: float
    currency: str = "EUR"
    cofinancing: float = 0.0  # share of each seat's cost paid by another source; the budget pays the rest
    region: str | None = None  # NUTS code; programmes that do not run there are left out
    languages: tuple[str, ...] = ()  # accepted teaching languages; empty: any
    max_programmes: int = 3  # programmes one worker follows at most
    max_hours: float | None = None  # training hours one worker follows at most
    min_seats: int = PRIVACY_THRESHOLD  # a programme is funded for none or at least this many seats
    max_pathways: int = 200  # pathways kept per (origin, target), cheapest first
    time_limit: float = 60.0  # seconds HiGHS may take per solve

    def __post_init__(self) -> None:
        _positive(self.budget, "budget", allow_zero=True)
        if not (math.isfinite(self.cofinancing) and 0.0 <= self.cofinancing < 1.0):
            raise InvalidPlanInput(
                f"must be a share from 0 to below 1 (0.4 = 40 % paid by others), got {self.cofinancing!r}",
                field="cofinancing",
            )
        if self.max_programmes < 1:
            raise InvalidPlanInput(f"must be at least 1, got {self.max_programmes!r}", field="max_programmes")
        if self.max_hours is not None:
            _positive(self.max_hours, "max_hours")
        if self.min_seats < 1:
            raise InvalidPlanInput(f"must be at least 1, got {self.min_seats!r}", field="min_seats")
        if self.max_pathways < 1:
            raise InvalidPlanInput(f"must be at least 1, got {self.max_pathways!r}", field="max_pathways")
        _positive(self.time_limit, "time_limit")

    @property
    def total_spend(self) -> float:
        """The most the funded seats may cost in all (budget plus co-financing)."""
        return self.budget / (1.0 - self.cofinancing)


@dataclass(frozen=True)
class GapSkill:
    """An essential skill of the target that the origin occupation does not hold at the needed level."""

    uri: str
    label: str
    needed_level: int
    credit: float  # what the origin already holds, 0..1 (the gap's credit)
    weight: float  # the gap's weight (relation x specificity)


@dataclass(frozen=True)
class Pathway:
    """Programmes that together close every essential gap skill of one (origin, target) pair."""

    pair: int  # index into the problem's pairs
    programmes: tuple[int, ...]  # indices into the problem's programmes, sorted
    cost: float  # cost of one worker's seats
    hours: float
    weeks: float  # the programmes one after the other


@dataclass(frozen=True)
class Pair:
    """A move from an origin occupation to a target occupation and what stands in its way."""

    origin: int  # index into the problem's origins
    target: int  # index into the problem's targets
    gap: tuple[GapSkill, ...]  # the essential gap, heaviest first
    unteachable: tuple[str, ...]  # gap skill URIs no eligible programme teaches at the needed level
    closable_share: float  # share of the gap's weight the eligible programmes can close, 0..1
    pathways_complete: bool = True  # every minimal pathway within the limits was kept
    # no pathway although every skill is taught: how many programmes a greedy combination closing it takes
    programmes_to_close: int | None = None

    @property
    def ready_without_training(self) -> bool:
        return not self.gap


@dataclass(frozen=True)
class Problem:
    """The pure optimisation input: pairs, their pathways, programmes, supply, demand and settings."""

    origins: tuple[Occupation, ...]
    targets: tuple[Occupation, ...]
    programmes: tuple[Programme, ...]
    pairs: tuple[Pair, ...]
    pathways: tuple[Pathway, ...]
    settings: Settings
    excluded_programmes: Mapping[str, str] = field(default_factory=dict)  # id -> why it cannot be used
    skill_labels: Mapping[str, str] = field(default_factory=dict)


Status = Literal["optimal", "gap", "infeasible"]


@dataclass(frozen=True)
class Certificate:
    """How good the portfolio is: proven optimal, or the gap to the solver's bound."""

    status: Status
    objective: float  # demand-weighted workers made ready
    bound: float  # no portfolio makes more ready (weighted)
    gap: float  # (bound - objective) / max(1, bound)
    solver: str
    seconds: float
    pathways_complete: bool  # every minimal pathway of up to max_programmes was a column
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "objective": round(self.objective, 6),
            "bound": round(self.bound, 6),
            "gap": round(self.gap, 9),
            "solver": self.solver,
            "seconds": round(self.seconds, 3),
            "pathways_complete": self.pathways_complete,
            "message": self.message,
        }


@dataclass(frozen=True)
class Solution:
    """Workers per pathway and the certificate; everything else is derived (:mod:`.report`)."""

    workers: tuple[int, ...]  # per pathway of the problem
    certificate: Certificate

    def seats(self, problem: Problem) -> list[int]:
        seats = [0] * len(problem.programmes)
        for pathway, n in zip(problem.pathways, self.workers, strict=True):
            for p in pathway.programmes:
                seats[p] += n
        return seats

    def cost(self, problem: Problem) -> float:
        return float(sum(p.cost * n for p, n in zip(problem.pathways, self.workers, strict=True)))

    def weighted(self, problem: Problem) -> float:
        return float(
            sum(
                problem.targets[problem.pairs[p.pair].target].weight * n
                for p, n in zip(problem.pathways, self.workers, strict=True)
            )
        )
