"""The budget sweep: the same curve in this process, in local processes and on a Dask LocalCluster."""

from __future__ import annotations

import pytest

from recommender.region.portfolio import solve
from recommender.region.sweep import SHARES, sensitivity
from tests.recommender.region.builders import random_problem


def test_shares_are_10_to_200_percent() -> None:
    assert SHARES[0] == 0.1 and SHARES[-1] == 2.0 and len(SHARES) == 20


def test_curve_matches_single_solves_and_grows() -> None:
    problem = random_problem(5)
    points = sensitivity(problem, (0.5, 1.0, 2.0))
    for point in points:
        assert point.weighted == pytest.approx(solve(problem, budget=point.budget).weighted(problem))
    assert [p.weighted for p in points] == sorted(p.weighted for p in points)
    assert points[1].budget == problem.settings.budget


def test_processes_give_the_same_curve() -> None:
    problem = random_problem(11)
    assert sensitivity(problem, SHARES[:6], processes=2) == sensitivity(problem, SHARES[:6])


def test_dask_local_cluster_gives_the_same_curve() -> None:
    distributed = pytest.importorskip("distributed")
    problem = random_problem(13)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", scheduler_port=0
    ) as cluster:
        on_dask = sensitivity(problem, SHARES[:6], scheduler=cluster.scheduler_address)
    assert on_dask == sensitivity(problem, SHARES[:6])


def test_chunks_keep_the_order() -> None:
    from recommender.region.sweep import _chunks

    budgets = [float(b) for b in range(20)]
    chunks = _chunks(budgets, 3)
    assert len(chunks) == 3 and sorted(b for c in chunks for b in c) == budgets
    assert _chunks(budgets[:2], 8) == [[0.0], [1.0]]
