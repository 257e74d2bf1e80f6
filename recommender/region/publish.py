"""What the region may see: the outcome's tables with every figure of fewer than five people suppressed.

The people table is origins x (targets + "not trained"): its cells are the workers of each origin made ready
for each target, and those not trained; its row totals are the workforce, its column totals the workers made
ready per target, plus the workers made ready in all and their demand-weighted sum (the certificate's
objective). Everything derived from a hidden figure is hidden with it and reads ``null`` with
``"suppressed": true``.

The portfolio (seats per programme) is the region's purchase and is always published; the planner funds a
programme for at least ``min_seats`` seats (default 5), so no seat count describes fewer than five trainees.
Seats tie the table's cells together (a programme's seats are the workers of every move through it), so the
suppression works on the workers of each pathway and counts the seats among what a reader knows
(:func:`recommender.region.privacy.suppress_figures`): a hidden cell cannot be recovered from the seats
either.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from recommender.region.model import PRIVACY_THRESHOLD, Problem
from recommender.region.outcome import Outcome
from recommender.region.privacy import Figure, Suppressed, suppress_figures

NOT_TRAINED = "not trained"


def people_figures(
    problem: Problem, workers: tuple[int, ...]
) -> tuple[NDArray[np.int64], dict[Figure, NDArray[np.float64]], frozenset[Figure]]:
    """Counts (workers per pathway, then not trained per origin), the published figures over them, and the
    figures always published (seats per programme).

    Figures: ``("cell", o, t)`` (``t == len(targets)``: not trained), ``("row", o)`` the workforce,
    ``("col", t)``, ``("total",)``, ``("sum", "made ready")``, ``("sum", "weighted")`` and ``("seats", p)``.
    """
    n_paths, n_origins, n_targets = len(problem.pathways), len(problem.origins), len(problem.targets)
    values = np.zeros(n_paths + n_origins, dtype=np.int64)
    values[:n_paths] = workers
    origin_of = np.array([problem.pairs[p.pair].origin for p in problem.pathways], dtype=np.int64)
    target_of = np.array([problem.pairs[p.pair].target for p in problem.pathways], dtype=np.int64)
    for o, origin in enumerate(problem.origins):
        values[n_paths + o] = origin.count - int(values[:n_paths][origin_of == o].sum())

    def form(
        paths: NDArray[np.bool_] | None = None, origins: NDArray[np.bool_] | None = None
    ) -> NDArray[np.float64]:
        f = np.zeros(values.shape[0])
        if paths is not None:
            f[:n_paths] = paths
        if origins is not None:
            f[n_paths:] = origins
        return f

    nobody = np.zeros(n_origins, dtype=np.bool_)
    forms: dict[Figure, NDArray[np.float64]] = {}
    for o in range(n_origins):
        for t in range(n_targets):
            forms[("cell", o, t)] = form(paths=(origin_of == o) & (target_of == t))
        forms[("cell", o, n_targets)] = form(origins=np.arange(n_origins) == o)
    for o in range(n_origins):
        forms[("row", o)] = form(paths=origin_of == o, origins=np.arange(n_origins) == o)
    for t in range(n_targets):
        forms[("col", t)] = form(paths=target_of == t, origins=nobody)
    forms[("col", n_targets)] = form(origins=~nobody)
    forms[("total",)] = np.ones(values.shape[0])
    forms[("sum", "made ready")] = form(paths=np.ones(n_paths, dtype=np.bool_))
    weighted = form()
    weighted[:n_paths] = [problem.targets[t].weight for t in target_of]
    forms[("sum", "weighted")] = weighted
    fixed: set[Figure] = set()
    for p in range(len(problem.programmes)):
        forms[("seats", p)] = form(
            paths=np.array([p in path.programmes for path in problem.pathways], dtype=np.bool_)
        )
        fixed.add(("seats", p))
    return values, forms, frozenset(fixed)


def suppression_of(problem: Problem, result: Outcome, *, threshold: int = PRIVACY_THRESHOLD) -> Suppressed:
    """The suppression :func:`publish` applies."""
    values, forms, fixed = people_figures(problem, result.workers)
    return suppress_figures(values, forms, fixed=fixed, threshold=threshold)


def publish(problem: Problem, result: Outcome, *, threshold: int = PRIVACY_THRESHOLD) -> dict[str, Any]:
    """The JSON the region sees (``upskill region plan --json``), suppressed; see the module docstring."""
    s = suppression_of(problem, result, threshold=threshold)
    nt = len(problem.targets)
    pair_programmes = {(r["origin_uri"], r["target_uri"]): r["programmes"] for r in result.made_ready}

    made_ready = []
    for i, origin in enumerate(problem.origins):
        for j, target in enumerate(problem.targets):
            workers = s.published(("cell", i, j))
            made_ready.append(
                {
                    "origin": origin.label,
                    "origin_uri": origin.uri,
                    "target": target.label,
                    "target_uri": target.uri,
                    "workers": None if workers is None else int(workers),
                    "suppressed": workers is None,
                    "programmes": None
                    if workers is None
                    else pair_programmes.get((origin.uri, target.uri), []),
                }
            )
    targets = []
    for j, row in enumerate(result.targets):
        ready = s.published(("col", j))
        targets.append(
            {
                "target": row["target"],
                "target_uri": row["target_uri"],
                "demand": row["demand"],
                "year": row["year"],
                "weight": row["weight"],
                "workers_made_ready": None if ready is None else int(ready),
                "unmet_demand": None if ready is None else row["demand"] - int(ready),
                "cost_per_worker": None if ready is None else row["cost_per_worker"],
                "cheapest_pathway": row["cheapest_pathway"],
                "reachable_from": row["reachable_from"],
                "suppressed": ready is None,
            }
        )
    supply = []
    for i, origin in enumerate(problem.origins):
        workforce = s.published(("row", i))
        remaining = s.published(("cell", i, nt))
        moved = None if workforce is None or remaining is None else workforce - remaining
        supply.append(
            {
                "origin": origin.label,
                "origin_uri": origin.uri,
                "workforce": None if workforce is None else int(workforce),
                "workers_made_ready": None if moved is None else int(moved),
                "not_trained": None if remaining is None else int(remaining),
                "suppressed": workforce is None or remaining is None,
            }
        )
    total_ready = s.published(("sum", "made ready"))
    totals = dict(result.totals)
    totals["workers_made_ready"] = None if total_ready is None else int(total_ready)
    totals["unmet_demand"] = None if total_ready is None else totals["demand"] - int(total_ready)
    if total_ready is None:
        totals["cost_per_worker"] = None
        totals["weighted_made_ready"] = None
    totals["suppressed"] = total_ready is None
    certificate = result.certificate.to_dict()
    if s.published(("sum", "weighted")) is None:
        certificate.update(objective=None, bound=None, suppressed=True)
    sensitivity = [
        {
            "budget": round(p.budget, 2),
            "share": p.share,
            "workers_made_ready": p.workers_made_ready if not 0 < p.workers_made_ready < threshold else None,
            "suppressed": 0 < p.workers_made_ready < threshold,
            "cost": round(p.cost, 2),
            "status": p.status,
            "gap": round(p.gap, 9),
        }
        for p in result.sensitivity
    ]
    return {
        "portfolio": result.portfolio,
        "made_ready": made_ready,
        "unmet_demand": targets,
        "supply": supply,
        "providers": result.providers,
        "supply_gap": result.supply_gap,
        "partial_readiness": result.partial,
        "ready_without_training": result.ready_without_training,
        "excluded_programmes": result.excluded_programmes,
        "sensitivity": sensitivity,
        "totals": totals,
        "certificate": certificate,
        "privacy": {
            "threshold": threshold,
            "suppressed_figures": len(s.hidden),
            "rule": (
                f"figures describing 1 to {threshold - 1} people are suppressed, and complementary figures "
                "so that none can be recovered from the totals or the seats funded"
            ),
        },
    }


#: The parts of a published plan an output shows, for :func:`privacy_note`: ``totals`` (workers made ready in
#: all, cost per worker), ``roles`` (made ready and unmet per role), ``moves`` (per origin and role),
#: ``workforce`` (per origin occupation) and ``sensitivity`` (the budget curve).
SHOWN_PARTS = ("totals", "roles", "moves", "workforce", "sensitivity")


def suppressed_shown(plan: Mapping[str, Any], parts: Collection[str]) -> list[str]:
    """The figures of ``parts`` (:data:`SHOWN_PARTS`) that read "suppressed" in a published plan, in words
    (one phrase per part): what a reader of those parts looks for, not the complementary figures hidden
    with them that no output prints (the plan's ``privacy.suppressed_figures`` counts those too)."""
    found = []
    if "totals" in parts and plan["totals"]["workers_made_ready"] is None:
        found.append("the workers made ready in all and the cost per worker made ready")
    roles = [r["target"] for r in plan["unmet_demand"] if r["suppressed"]]
    if "roles" in parts and roles:
        found.append(f"the workers made ready and the unmet demand for {_listed(roles)}")
    moves = [f"{r['origin']} to {r['target']}" for r in plan["made_ready"] if r["suppressed"]]
    if "moves" in parts and moves:
        found.append(f"the workers made ready from {_listed(moves)}")
    origins = [r["origin"] for r in plan["supply"] if r["suppressed"]]
    if "workforce" in parts and origins:
        found.append(f"the workforce figures of {_listed(origins)}")
    points = [f"{p['share']:.0%}" for p in plan["sensitivity"] if p["suppressed"]]
    if "sensitivity" in parts and points:
        found.append(f"the budget curve's workers made ready at {_listed(points)} of the budget")
    return found


def privacy_note(plan: Mapping[str, Any], parts: Collection[str]) -> str:
    """The privacy rule and what it hides among ``parts`` (:data:`SHOWN_PARTS`), in a regional officer's
    words."""
    threshold = plan["privacy"]["threshold"]
    rule = (
        f"a figure that describes 1 to {threshold - 1} people is not shown, nor any figure from which it "
        "could be worked out (from the totals or the seats funded); each reads 'suppressed'"
    )
    hidden = suppressed_shown(plan, parts)
    here = f"Suppressed here: {'; '.join(hidden)}." if hidden else "Nothing shown here is suppressed."
    return f"Privacy, so that no one can be picked out of a small group: {rule}. {here}"


def _listed(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def nothing_funded(plan: Mapping[str, Any]) -> str | None:
    """Why a published plan funds no programme, with the evidence (what the cheapest pathway costs a worker,
    the fewest seats a programme is funded for), or None when it funds one: a budget of 0, or one too small
    for any programme's minimum seats, is a what-if the region may ask."""
    if plan["portfolio"]:
        return None
    totals = plan["totals"]
    currency = totals["currency"]
    envelope = f"{currency} {totals['budget']:,.0f}"
    pathways = [(r["cheapest_pathway"], r["target"]) for r in plan["unmet_demand"] if r["cheapest_pathway"]]
    if not pathways:
        return (
            f"Nothing can be funded with {envelope}: no programme on offer makes a worker ready for a "
            "demanded role (see what to commission next)."
        )
    cost, role = min(pathways)
    seats = plan.get("settings", {}).get("min_seats")
    at_least = f", and a programme is funded for at least {seats} seats" if seats else ""
    return (
        f"Nothing can be funded with {envelope}: the cheapest pathway makes a worker ready for "
        f"{currency} {cost:,.0f} ({role}){at_least}."
    )
