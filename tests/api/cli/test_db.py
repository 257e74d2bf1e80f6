"""``upskill db backup / restore / downgrade`` as a user runs them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from api.cli import app
from api.settings import get_settings
from data.db import make_engine, migrate
from tests.data import filled


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    engine = make_engine(url)
    migrate(engine)
    with engine.begin() as connection:
        filled.fill(connection)
    engine.dispose()
    monkeypatch.setenv("UPSKILL_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def _organisations(url: str) -> list[str]:
    engine = make_engine(url)
    with engine.connect() as connection:
        names = list(connection.execute(text("SELECT name FROM organisations ORDER BY id")).scalars())
    engine.dispose()
    return names


def test_backup_then_restore_from_the_command_line(database: str, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["db", "backup", str(tmp_path / "copy.backup")])
    assert result.exit_code == 0, result.output
    assert "backed up the sqlite database" in result.output and "copy.backup" in result.output
    engine = make_engine(database)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM organisations"))
    engine.dispose()
    assert _organisations(database) == []
    refused = runner.invoke(app, ["db", "restore", str(tmp_path / "copy.backup")], input="n\n")
    assert refused.exit_code == 1 and _organisations(database) == []  # asked, and the answer was no
    result = runner.invoke(app, ["db", "restore", str(tmp_path / "copy.backup"), "--yes"])
    assert result.exit_code == 0, result.output
    assert _organisations(database) == ["Werk Süd GmbH"]
    again = runner.invoke(app, ["db", "backup", str(tmp_path / "copy.backup")])
    assert again.exit_code == 2 and "exists; choose a new file name" in again.output


def test_a_downgrade_that_would_lose_data_says_so_without_a_traceback(database: str) -> None:
    result = CliRunner().invoke(app, ["db", "downgrade", "base"])
    assert result.exit_code == 2
    assert "error: refusing to downgrade below revision" in result.output
    assert "Traceback" not in result.output
    unknown = CliRunner().invoke(app, ["db", "downgrade", "no-such-revision"])
    assert unknown.exit_code == 2 and "cannot downgrade to 'no-such-revision'" in unknown.output
