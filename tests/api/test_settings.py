"""Settings resolve the database and artefact paths once, so every command finds the same data."""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path

import pytest

from api.settings import Settings
from data.defaults import PROJECT_ROOT, default_data_dir
from recommender.errors import UpskillError
from training.params import ModelParams


def test_defaults_are_under_the_project_root_wherever_the_command_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("UPSKILL_DATABASE_URL", raising=False)
    monkeypatch.delenv("UPSKILL_ARTEFACT_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    settings = Settings(_env_file=None)
    assert default_data_dir() == PROJECT_ROOT  # a source checkout: pyproject.toml beside the packages
    assert settings.database_url == f"sqlite:///{PROJECT_ROOT / 'upskill.db'}"
    assert settings.artefact_dir == PROJECT_ROOT / "artefacts"


def test_relative_paths_are_made_absolute_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings(_env_file=None, database_url="sqlite:///./here.db", artefact_dir=Path("models"))
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'here.db'}"
    assert settings.artefact_dir == tmp_path.resolve() / "models"
    memory = Settings(_env_file=None, database_url="sqlite:///:memory:")
    assert memory.database_url == "sqlite:///:memory:"
    server = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    assert Settings(_env_file=None, database_url=server).database_url == server


def test_every_model_variable_reaches_the_training_parameters(monkeypatch: pytest.MonkeyPatch) -> None:
    assert {f"model_{field.name}" for field in fields(ModelParams)} == {
        name for name in Settings.model_fields if name.startswith("model_")
    }
    assert Settings(_env_file=None).model_params() == ModelParams()
    monkeypatch.setenv("UPSKILL_MODEL_COMPONENTS", "12")
    monkeypatch.setenv("UPSKILL_MODEL_LOSS", "bpr")
    monkeypatch.setenv("UPSKILL_MODEL_SEED", "7")
    params = Settings(_env_file=None).model_params()
    assert params == replace(ModelParams(), components=12, loss="bpr", seed=7)


def test_the_planning_confidence_setting_reaches_what_the_runtime_loads(tmp_path: Path) -> None:
    """The loaders take the floor as an argument: the runtime must pass the configured one."""
    from api.runtime import Runtime
    from data.graph_cache import cache_key
    from data.reference_version import reference_version

    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'floor.db'}",
        cache_dir=tmp_path / "cache",
        planning_min_confidence=0.5,
    )
    context = Runtime(settings)
    with pytest.raises(UpskillError, match="no ESCO occupations"):
        _ = context.graph  # an empty database: the graph is still built and cached under its key
    with context.engine.connect() as connection:
        token = reference_version(connection)
    assert [path.name for path in (tmp_path / "cache").iterdir()] == [f"graph-{cache_key(token, 0.5)}"]


def test_a_setting_that_cannot_work_is_one_line_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plain path as the database URL was a pydantic traceback; now one red line, exit code 2."""
    from typer.testing import CliRunner

    from api.cli import app
    from api.settings import get_settings

    monkeypatch.chdir(tmp_path)  # no .env of the project's working directory
    monkeypatch.setenv("UPSKILL_DATABASE_URL", str(tmp_path / "upskill.db"))
    monkeypatch.setenv("UPSKILL_IMPORT_BATCH_SIZE", "many")
    get_settings.cache_clear()
    try:
        with pytest.raises(UpskillError) as raised:
            get_settings()
        message = str(raised.value)
        assert "UPSKILL_DATABASE_URL (environment or .env): must be a sqlite:/// or" in message
        assert f"got '{tmp_path / 'upskill.db'}'" in message
        assert "UPSKILL_IMPORT_BATCH_SIZE (environment or .env): Input should be a valid integer" in message
        result = CliRunner().invoke(app, ["stats"])
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert "error: setting UPSKILL_DATABASE_URL" in result.output
    finally:
        get_settings.cache_clear()
