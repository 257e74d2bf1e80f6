"""What a solved portfolio means for the region: the tables of the JSON and of the evidence report.

Everything here is exact (no suppression); :mod:`recommender.region.privacy` decides what may be published.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from recommender.planner.alternatives import as_dict, for_group, for_region
from recommender.planner.model import BadgeOption
from recommender.region.model import Certificate, Problem, Solution


@dataclass(frozen=True)
class SensitivityPoint:
    """Workers made ready at one budget."""

    budget: float
    share: float  # of the plan's budget
    workers_made_ready: int
    weighted: float
    cost: float
    status: str
    gap: float


@dataclass(frozen=True)
class Outcome:
    """The portfolio and its consequences, as rows (plain dicts) ready to publish."""

    portfolio: list[dict[str, Any]]
    made_ready: list[dict[str, Any]]  # per (origin, target) with workers > 0
    targets: list[dict[str, Any]]  # demand, made ready, unmet, cost per worker
    origins: list[dict[str, Any]]  # workforce, made ready, remaining
    providers: list[dict[str, Any]]
    supply_gap: list[dict[str, Any]]
    partial: list[dict[str, Any]]
    ready_without_training: list[dict[str, Any]]
    excluded_programmes: list[dict[str, Any]]
    totals: dict[str, Any]
    certificate: Certificate
    workers: tuple[int, ...] = ()  # per pathway of the problem (what suppression works on)
    sensitivity: list[SensitivityPoint] = field(default_factory=list)


def outcome(
    problem: Problem,
    solution: Solution,
    *,
    badges: Sequence[BadgeOption] = (),
    skill_types: Mapping[str, str] | None = None,
) -> Outcome:
    """Tables of the portfolio ``solution`` of ``problem``; ``badges`` and ``skill_types`` (ESCO's type of
    each skill) say what to commission or fund where no programme teaches a skill (:func:`supply_gap`)."""
    s = problem.settings
    seats = solution.seats(problem)
    cost_of = [seats[i] * p.cost_per_seat for i, p in enumerate(problem.programmes)]
    portfolio: list[dict[str, Any]] = [
        {
            "programme": p.id,
            "title": p.title,
            "provider": p.provider,
            "seats": seats[i],
            "seats_available": p.seats,
            "cost_per_seat": p.cost_per_seat,
            "cost": round(cost_of[i], 2),
            "hours": p.hours,
            "weeks": p.weeks,
        }
        for i, p in enumerate(problem.programmes)
        if seats[i] > 0
    ]
    portfolio.sort(key=lambda row: (-row["cost"], row["programme"]))

    pair_workers: dict[int, int] = defaultdict(int)
    pair_cost: dict[int, float] = defaultdict(float)
    pair_programmes: dict[int, set[int]] = defaultdict(set)
    for path, n in zip(problem.pathways, solution.workers, strict=True):
        if n > 0:
            pair_workers[path.pair] += n
            pair_cost[path.pair] += n * path.cost
            pair_programmes[path.pair].update(path.programmes)
    made_ready = []
    for k, pair in enumerate(problem.pairs):
        if pair_workers.get(k, 0) > 0:
            origin, target = problem.origins[pair.origin], problem.targets[pair.target]
            made_ready.append(
                {
                    "origin_uri": origin.uri,
                    "origin": origin.label,
                    "target_uri": target.uri,
                    "target": target.label,
                    "workers": pair_workers[k],
                    "cost": round(pair_cost[k], 2),
                    "programmes": sorted(problem.programmes[p].id for p in pair_programmes[k]),
                }
            )

    cheapest: dict[int, float] = {}
    reachable: dict[int, set[str]] = defaultdict(set)
    for path in problem.pathways:
        pair = problem.pairs[path.pair]
        cheapest[pair.target] = min(cheapest.get(pair.target, path.cost), path.cost)
        reachable[pair.target].add(problem.origins[pair.origin].label)
    targets = []
    for t, target in enumerate(problem.targets):
        ready = sum(pair_workers.get(k, 0) for k, pair in enumerate(problem.pairs) if pair.target == t)
        cost = sum(pair_cost.get(k, 0.0) for k, pair in enumerate(problem.pairs) if pair.target == t)
        targets.append(
            {
                "target_uri": target.uri,
                "target": target.label,
                "demand": target.count,
                "year": target.year,
                "weight": target.weight,
                "workers_made_ready": ready,
                "unmet_demand": target.count - ready,
                "cost": round(cost, 2),
                "cost_per_worker": round(cost / ready, 2) if ready else None,
                "cheapest_pathway": cheapest.get(t),
                "reachable_from": sorted(reachable.get(t, ())),
            }
        )
    origins = []
    for o, origin in enumerate(problem.origins):
        moved = sum(pair_workers.get(k, 0) for k, pair in enumerate(problem.pairs) if pair.origin == o)
        origins.append(
            {
                "origin_uri": origin.uri,
                "origin": origin.label,
                "workforce": origin.count,
                "workers_made_ready": moved,
                "remaining": origin.count - moved,
            }
        )

    by_provider: dict[str, dict[str, Any]] = {}
    for row in portfolio:
        entry = by_provider.setdefault(
            row["provider"], {"provider": row["provider"], "seats": 0, "cost": 0.0, "programmes": 0}
        )
        entry["seats"] += row["seats"]
        entry["cost"] = round(entry["cost"] + row["cost"], 2)
        entry["programmes"] += 1
    providers = sorted(by_provider.values(), key=lambda row: (-row["cost"], row["provider"]))

    total_cost = solution.cost(problem)
    workers = sum(pair_workers.values())
    totals = {
        "cost": round(total_cost, 2),
        "currency": s.currency,
        "budget": s.budget,
        "from_budget": round(total_cost * (1.0 - s.cofinancing), 2),
        "cofinancing_rate": s.cofinancing,
        "cofinanced": round(total_cost * s.cofinancing, 2),
        "workers_made_ready": workers,
        "weighted_made_ready": round(solution.weighted(problem), 6),
        "cost_per_worker": round(total_cost / workers, 2) if workers else None,
        "demand": sum(t.count for t in problem.targets),
        "unmet_demand": sum(t.count for t in problem.targets) - workers,
    }
    return Outcome(
        portfolio=portfolio,
        made_ready=made_ready,
        targets=targets,
        origins=origins,
        providers=providers,
        supply_gap=supply_gap(problem, badges=badges, skill_types=skill_types),
        partial=partial_readiness(problem),
        ready_without_training=[
            {"origin": problem.origins[p.origin].label, "target": problem.targets[p.target].label}
            for p in problem.pairs
            if p.ready_without_training
        ],
        excluded_programmes=[
            {"programme": pid, "reason": why} for pid, why in sorted(problem.excluded_programmes.items())
        ],
        totals=totals,
        certificate=solution.certificate,
        workers=solution.workers,
    )


def supply_gap(
    problem: Problem,
    *,
    badges: Sequence[BadgeOption] = (),
    skill_types: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Essential gap skills no eligible programme teaches at the needed level: what to commission next.

    Per skill: the target roles and the moves (origin -> target) it blocks, and ``demand_out_of_reach``,
    the demand of the roles that no origin can reach while the skill is not taught; ranked by the last, then
    by the moves blocked. (No workforce figure: a count per origin could reveal a suppressed one.) The level
    each role needs (``needed_levels``, by role) and ``needed_level``, the highest of them: what a programme
    must teach to unblock every role. And what to commission or fund instead (``instead``: ``kind``,
    ``text``, ``badge_id``, as :func:`recommender.planner.alternatives.for_group` chooses it for the highest
    level and :func:`~recommender.planner.alternatives.for_region` words it): assessments for a badge that
    recognises the skill (``badges``), work-based learning past ``taught_level`` (the highest level an
    eligible programme teaches it at), or a provider to develop a programme (knowledge, by ``skill_types``).
    """
    blocked: dict[str, dict[str, Any]] = {}
    reach: dict[int, list[frozenset[str]]] = {}
    for pair in problem.pairs:
        reach.setdefault(pair.target, []).append(frozenset(pair.unteachable))
        role = problem.targets[pair.target].label
        for uri in pair.unteachable:
            entry = blocked.setdefault(
                uri,
                {
                    "skill_uri": uri,
                    "skill": problem.skill_labels.get(uri, uri),
                    "needed_levels": {},
                    "moves_blocked": 0,
                    "demand_out_of_reach": 0,
                },
            )
            level = next(s.needed_level for s in pair.gap if s.uri == uri)
            entry["needed_levels"][role] = max(entry["needed_levels"].get(role, 0), level)
            entry["moves_blocked"] += 1
    for t, missing in reach.items():
        for uri in frozenset.intersection(*missing):
            blocked[uri]["demand_out_of_reach"] += problem.targets[t].count
    types = skill_types or {}
    rows = []
    for entry in blocked.values():
        uri, levels = entry["skill_uri"], entry.pop("needed_levels")
        needed = max(levels.values())
        taught = max((p.skills.get(uri, 0) for p in problem.programmes), default=0)
        way = for_group(
            uri,
            entry["skill"],
            needed_level=needed,
            catalogue_level=taught,
            badges=badges,
            skill_type=types.get(uri, ""),
        )
        rows.append(
            {
                "skill_uri": uri,
                "skill": entry["skill"],
                "needed_level": needed,
                "needed_levels": dict(sorted(levels.items())),
                "targets": sorted(levels),
                "moves_blocked": entry["moves_blocked"],
                "demand_out_of_reach": entry["demand_out_of_reach"],
                "taught_level": taught,
                "instead": as_dict(way, for_region(way)),
            }
        )
    rows.sort(key=lambda r: (-r["demand_out_of_reach"], -r["moves_blocked"], r["skill"], r["skill_uri"]))
    return rows


def roles_blocked(row: Mapping[str, Any]) -> str:
    """The roles a supply-gap skill blocks, each with the level it needs where they differ (the row's
    ``needed_level`` is the highest)."""
    levels = row.get("needed_levels") or {}  # none in a plan kept before them
    if len(set(levels.values())) > 1:
        return ", ".join(f"{role} (level {level})" for role, level in levels.items())
    return ", ".join(row["targets"])


def partial_readiness(problem: Problem) -> list[dict[str, Any]]:
    """Moves no pathway completes (partial readiness): the share of the essential gap programmes can close."""
    with_pathway = {path.pair for path in problem.pathways}
    limit = problem.settings.max_programmes
    rows: list[dict[str, Any]] = []
    for k, pair in enumerate(problem.pairs):
        if pair.ready_without_training or k in with_pathway:
            continue
        if pair.unteachable:
            reason = "no eligible programme teaches these skills at the level needed"
        else:
            reason = (
                f"every skill is taught, but it takes a combination of {pair.programmes_to_close} "
                f"programmes to close the whole gap (at most {limit} per worker)"
            )
        rows.append(
            {
                "origin": problem.origins[pair.origin].label,
                "target": problem.targets[pair.target].label,
                "essential_gap_skills": len(pair.gap),
                "closable_skills": len(pair.gap) - len(pair.unteachable),
                "closable_share": round(pair.closable_share, 4),
                "missing": [problem.skill_labels.get(uri, uri) for uri in pair.unteachable],
                "programmes_to_close": pair.programmes_to_close,
                "reason": reason,
            }
        )
    rows.sort(key=lambda r: (-r["closable_share"], r["target"], r["origin"]))
    return rows


#: What the supply-gap table's two counts mean, as every output that shows them explains them (command line,
#: region page, report): the column heading, then its meaning.
SUPPLY_GAP_COUNTS = (
    (
        "moves blocked",
        "how many moves from a current occupation to a demanded role need the skill: until a programme "
        "teaches it at the level needed, no worker can be made ready along them",
    ),
    (
        "demand out of reach",
        "the demand for the roles that no current occupation can reach without the skill (0: each role it "
        "blocks can still be reached by another move)",
    ),
)
