"""bench_plans' subprocess runner: a failure of the code compared with is said in words, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluation.bench_plans import run_in_tree

OLD_MIGRATIONS = (
    "import sys\n"
    "sys.stderr.write(\"Traceback ...\\nalembic.util.exc.CommandError: Can't locate revision identified by "
    "'2026_12_02_audit'\\n\")\n"
    "sys.exit(1)\n"
)


def test_a_database_newer_than_the_code_is_explained(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as stopped:
        run_in_tree(tmp_path, OLD_MIGRATIONS, [("a", "b")], {})
    said = str(stopped.value)
    assert "do not know the database's revision '2026_12_02_audit'" in said
    assert "--before-database" in said and "Traceback" not in said


def test_another_failure_shows_the_end_of_its_error(tmp_path: Path) -> None:
    runner = "import sys\nsys.stderr.write('ValueError: broken\\n')\nsys.exit(1)\n"
    with pytest.raises(SystemExit) as stopped:
        run_in_tree(tmp_path, runner, [("a", "b")], {})
    assert "failed" in str(stopped.value) and "ValueError: broken" in str(stopped.value)


def test_the_runners_json_lines_are_read(tmp_path: Path) -> None:
    runner = (
        "import json, sys\npairs = json.load(sys.stdin)\nprint('noise')\n"
        "print(json.dumps({'n': len(pairs)}))\n"
    )
    assert run_in_tree(tmp_path, runner, [("a", "b"), ("c", "d")], {}) == [{"n": 2}]


def test_the_open_limits_review_plans_with_the_worker_pages_defaults() -> None:
    """``relevance_review --open-limits``: bench_plans' request without a budget or languages, as the worker
    page's form comes (where the title-only courses, whose price and language are not stated, are planned)."""
    from evaluation.bench_plans import RUNNER
    from evaluation.relevance_review import OPEN_RUNNER

    request = next(line for line in OPEN_RUNNER.splitlines() if "PlanRequest(" in line and "=" in line)
    assert request.strip() == "request = PlanRequest(hours_per_week=6.0, start=dt.date(2027, 1, 4))"
    assert "budget" not in OPEN_RUNNER and "languages" not in OPEN_RUNNER
    loop = RUNNER[RUNNER.index("for source, target") :]
    assert OPEN_RUNNER.endswith(loop), "the rest is bench_plans' runner"
