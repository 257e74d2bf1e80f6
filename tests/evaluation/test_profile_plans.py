"""evaluation/profile_plans.py run for real on a tiny database: every body answered and timed, the profile
printed, the answers compared with an earlier run's (the same, for a plan the time limit never stops)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from data.db import make_engine, migrate, transaction
from data.defaults import default_data_dir
from evaluation import profile_plans
from tests.api.http.conftest import _tiny_rows
from tests.api.http.test_planning import KATRIN_LIKE


def test_profile_plans_times_and_compares_the_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "tiny.db"
    engine = make_engine(f"sqlite:///{database}")
    migrate(engine)
    with transaction(engine) as session:
        _tiny_rows(session)
    engine.dispose()
    monkeypatch.setenv("UPSKILL_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("UPSKILL_ARTEFACT_DIR", str(tmp_path / "none"))
    monkeypatch.setenv("UPSKILL_CACHE_DIR", str(tmp_path / "cache"))
    plan = json.dumps({**KATRIN_LIKE, "budget": 500, "hours_per_week": 6, "start": "2027-01-04"})
    first, second = tmp_path / "first.json", tmp_path / "second.json"

    assert profile_plans.main(["--plan", plan, "--repeat", "2", "--json", str(first)]) == 0
    again = ["--plan", plan, "--profile", "--split", "--compare", str(first), "--json", str(second)]
    assert profile_plans.main(again) == 0

    result = json.loads(second.read_text())
    assert result["bodies"] == 1  # the tiny database has no sector occupation: the plan alone
    (row,) = result["rows"]
    assert row["n"] == 0 and row["pair"] == ["welder", "battery technician"]
    assert row["cpu_ms"] > 0 and row["bytes"] > 0 and len(row["sha256"]) == 64
    assert row["sha256"] == json.loads(first.read_text())["rows"][0]["sha256"]
    assert result["differ"] == []
    assert 0 < result["cpu_ms"]["p50"] <= result["cpu_ms"]["max"]
    printed = capsys.readouterr().out
    assert "plans_answer" in printed and "answers differing from" in printed
    split = result["split_ms"]  # every part timed, within the request's time
    assert list(split) == list(dict.fromkeys(part.strip() for part, _ in profile_plans.SPLIT))
    assert split["plan_paths"] > 0 and split["the solver (cover.solve)"] <= split["plan_paths"]
    assert sum(ms for part, ms in split.items() if part != "plan_paths") <= 2 * max(row["cpu_ms"], 1.0)
    assert "the solver (cover.solve)" in printed


def test_another_tree_plans_on_this_checkouts_database_and_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A --tree runner starts in the other checkout's directory: relative settings are made absolute from
    here, and unset ones name this checkout's defaults (not the other tree's, where no model is)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("UPSKILL_DATABASE_URL", "sqlite:///./copy.db")
    monkeypatch.setenv("UPSKILL_ARTEFACT_DIR", "models")
    assert profile_plans.data_environment() == {
        "UPSKILL_DATABASE_URL": f"sqlite:///{tmp_path / 'copy.db'}",
        "UPSKILL_ARTEFACT_DIR": str(tmp_path / "models"),
    }
    monkeypatch.setenv("UPSKILL_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    monkeypatch.delenv("UPSKILL_ARTEFACT_DIR")
    found = profile_plans.data_environment()
    assert found["UPSKILL_DATABASE_URL"] == "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    assert found["UPSKILL_ARTEFACT_DIR"] == str(default_data_dir() / "artefacts")
