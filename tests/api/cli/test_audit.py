"""``upskill audit list`` against a SQLite file: the same entries as ``GET /v1/admin/audit``, filtered."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.services import audit, keys
from api.settings import get_settings
from data.db import make_engine, migrate, transaction
from data.models import Organisation, Worker


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    migrate(make_engine(url))
    monkeypatch.setenv("UPSKILL_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def _record(url: str) -> tuple[int, int, int]:
    """Two workers; an hr key reads the first twice and changes the second; returns (key, first, second)."""
    with transaction(make_engine(url)) as session:
        organisation = Organisation(name="CLI Motors")
        session.add(organisation)
        session.flush()
        first, second = (Worker(organisation_id=organisation.id, external_id=e) for e in ("a", "b"))
        session.add_all([first, second])
        session.flush()
        key, plaintext = keys.create_key(session, role="hr", organisation_id=organisation.id)
        principal = keys.authenticate(session, plaintext=plaintext)
        assert principal is not None
        for action, worker in (("read", first), ("read", first), ("change", second)):
            audit.record(
                db_session=session, principal=principal, action=action, route="GET /x", worker_ids=[worker.id]
            )
        return key.id, first.id, second.id


def test_list_filters_by_worker_and_key_newest_first(database: str) -> None:
    key, first, second = _record(database)
    runner = CliRunner()
    result = runner.invoke(app, ["audit", "list", "--worker", str(first), "--json"])
    assert result.exit_code == 0, result.output
    page = json.loads(result.stdout)
    assert page["total"] == 2 and [e["worker_id"] for e in page["items"]] == [first, first]
    assert page["items"][0]["id"] > page["items"][1]["id"]  # newest first
    result = runner.invoke(app, ["audit", "list", "--key", str(key), "--limit", "1", "--json"])
    page = json.loads(result.stdout)
    assert page["total"] == 3 and [(e["action"], e["worker_id"]) for e in page["items"]] == [
        ("change", second)
    ]
    table = runner.invoke(app, ["audit", "list"])
    assert table.exit_code == 0 and "3 of 3 audit entries" in table.stdout and "change" in table.stdout
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).strftime("%Y-%m-%d")
    later = runner.invoke(app, ["audit", "list", "--since", tomorrow, "--json"])
    assert json.loads(later.stdout)["total"] == 0


def test_bad_queries_are_one_line_errors(database: str) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["audit", "list", "--since", "2027-01-02", "--until", "2027-01-01"])
    assert result.exit_code == 2 and "until: the period ends" in result.stderr
    result = runner.invoke(app, ["audit", "list", "--limit", "0"])
    assert result.exit_code == 2 and "limit: 0 is not between 1 and 1000" in result.stderr
