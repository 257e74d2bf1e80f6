"""What the region may see: the outcome's tables with every figure of fewer than five people suppressed.

The people table (:mod:`recommender.region.privacy`) is origins x (targets + "not trained"): its cells are the
workers of each origin made ready for each target, and those not trained; its row totals are the workforce,
its column totals the workers made ready per target, plus the workers made ready in all and their
demand-weighted sum (the certificate's objective). Everything derived from a hidden figure is hidden with it
and reads ``null`` with ``"suppressed": true``.

The portfolio (seats per programme) is the region's purchase and is always published; the planner funds a
programme for at least ``min_seats`` seats (default 5), so no seat count describes fewer than five trainees.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from recommender.region.model import PRIVACY_THRESHOLD, Problem
from recommender.region.outcome import Outcome
from recommender.region.privacy import Suppressed, suppress

NOT_TRAINED = "not trained"


def people_table(problem: Problem, result: Outcome) -> tuple[np.ndarray, np.ndarray]:
    """The true table origins x (targets + not trained), and the demand weight of each column (0 last)."""
    origin_index = {o.uri: i for i, o in enumerate(problem.origins)}
    target_index = {t.uri: i for i, t in enumerate(problem.targets)}
    table = np.zeros((len(problem.origins), len(problem.targets) + 1), dtype=np.int64)
    for row in result.made_ready:
        table[origin_index[row["origin_uri"]], target_index[row["target_uri"]]] = row["workers"]
    for i, origin in enumerate(problem.origins):
        table[i, -1] = origin.count - table[i, :-1].sum()
    weights = np.array([t.weight for t in problem.targets] + [0.0])
    return table, weights


def _hidden_value(value: float | None, digits: int = 0) -> dict[str, Any]:
    if value is None:
        return {"value": None, "suppressed": True}
    return {"value": round(value, digits) if digits else int(round(value)), "suppressed": False}


def publish(problem: Problem, result: Outcome, *, threshold: int = PRIVACY_THRESHOLD) -> dict[str, Any]:
    """The JSON the region sees (``upskill region plan --json``), suppressed; see the module docstring."""
    table, weights = people_table(problem, result)
    made = np.zeros(table.shape)
    made[:, :-1] = 1.0
    weighted = np.tile(weights, (table.shape[0], 1))
    s = suppress(table, sums=[("made ready", made), ("weighted", weighted)], threshold=threshold)
    nt = table.shape[1] - 1
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
                "so that none can be recovered from the totals"
            ),
        },
    }


def suppression_of(problem: Problem, result: Outcome, *, threshold: int = PRIVACY_THRESHOLD) -> Suppressed:
    """The suppression :func:`publish` applies (for checks)."""
    table, weights = people_table(problem, result)
    made = np.zeros(table.shape)
    made[:, :-1] = 1.0
    return suppress(
        table,
        sums=[("made ready", made), ("weighted", np.tile(weights, (table.shape[0], 1)))],
        threshold=threshold,
    )
