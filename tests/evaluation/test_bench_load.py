"""The 30-second version of the load program (evaluation/bench_load.py) against ``upskill serve`` on
PostgreSQL: every scheduled request answered, zero errors (worker updates, events and recommendations
among them), no database connection leaked.

Latency and memory are the program's to report (``python -m evaluation.bench_load`` checks p99 drift and
RSS growth and exits 1 when they fail), not this test's: timing targets stay out of unit tests (developer
guide), and on this machine, shared by up to eight test runs, the p99 of two halves of one quiet 30-second
run moved from 904 to 1,597 ms at load 15 (the measured maximum swings threefold between 3-second probes).
It runs at 35 % of the measured maximum rather than the 10-minute run's 70 % for the same reason.
"""

from __future__ import annotations

import pytest

from evaluation import bench_load
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.postgres


def test_thirty_seconds_of_mixed_traffic_without_errors_or_leaked_connections() -> None:
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL variant skipped: UPSKILL_TEST_POSTGRES_URL is not set (.ci/run sets it)")
    args = bench_load.parser().parse_args(
        [
            "--database-url",
            POSTGRES_URL,
            "--duration",
            "30",
            "--window",
            "15",
            "--probe",
            "3",
            "--load",
            "0.35",
        ]
        + ["--occupations", "60", "--courses", "300", "--skills", "200"]
    )
    result = bench_load.run(args)
    bench_load.print_report(result)
    assert result["errors"] == 0, result["first_errors"]
    assert result["requests"] == int(result["target_rps"] * 30)  # every scheduled request was answered
    assert {kind for kind, figures in result["per_kind"].items() if figures["requests"]} >= {
        "occupations?q",
        "course",
        "plans",
        "gap",
        "worker PATCH",
        "worker events",
        "recommendations",
    }
    assert result["connections_end"] == result["connections_start"], "database connections leaked"
