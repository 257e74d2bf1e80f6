"""The planner's second and third plans: the cost stage at a known coverage, within COST_TIME_LIMIT."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from recommender.planner import cover
from recommender.planner.cover import solve
from tests.recommender.planner.test_cover import random_problem


def test_the_cost_stage_at_a_known_coverage_gives_highs_time_within_its_default_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What ``RESERVE`` keeps for after a stopped stage leaves HiGHS some of ``COST_TIME_LIMIT`` (at 8 ms,
    RESERVE itself, HiGHS was never run and the greedy answered every later plan)."""
    problem = random_problem(np.random.default_rng(14), n=9, m=6, limited=True, shared=True)
    first = solve(problem, time_limit=10.0)
    assert first.coverage is not None
    limits: list[float] = []
    run_highs = cover.run_highs

    def recording(objective: Any, **kwargs: Any) -> cover.Answer:
        limits.append(kwargs["time_limit"])
        return run_highs(objective, **kwargs)

    monkeypatch.setattr(cover, "run_highs", recording)
    recosted = replace(problem, cost=problem.hours.copy())
    second = solve(recosted, coverage=first.coverage, start=first.selection.chosen)  # the default limit
    assert limits and limits[0] >= cover.COST_TIME_LIMIT - cover.RESERVE - 0.002
    assert second.solver == "exact" and second.certificate.method == "milp"
