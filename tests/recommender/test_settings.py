"""Settings resolve the database and artefact paths once, so every command finds the same data."""

from __future__ import annotations

from pathlib import Path

import pytest

from recommender.settings import PROJECT_ROOT, Settings, default_data_dir


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
