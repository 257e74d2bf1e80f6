"""``upskill keys create / list / revoke`` against a SQLite file, as an operator uses them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.services import keys
from api.settings import get_settings
from data.db import make_engine, migrate, transaction
from data.models import Organisation


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    migrate(make_engine(url))
    monkeypatch.setenv("UPSKILL_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_create_list_revoke(database: str) -> None:
    runner = CliRunner()
    with transaction(make_engine(database)) as session:
        organisation = Organisation(name="CLI Motors")
        session.add(organisation)
        session.flush()
        organisation_id = organisation.id
    created = runner.invoke(app, ["keys", "create", "--role", "hr", "--organisation", str(organisation_id)])
    assert created.exit_code == 0, created.output
    plaintext = next(line for line in created.stdout.splitlines() if line.startswith("upsk_"))
    with transaction(make_engine(database)) as session:
        principal = keys.authenticate(session, plaintext=plaintext)
    assert principal is not None and principal.organisation_id == organisation_id

    listed = runner.invoke(app, ["keys", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    (row,) = json.loads(listed.stdout)
    assert row["role"] == "hr" and row["revoked_at"] is None and plaintext not in listed.stdout

    revoked = runner.invoke(app, ["keys", "revoke", str(row["id"])])
    assert revoked.exit_code == 0 and f"key {row['id']} revoked" in revoked.stdout
    with transaction(make_engine(database)) as session:
        assert keys.authenticate(session, plaintext=plaintext) is None


def test_bad_scopes_are_one_line_errors(database: str) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["keys", "create", "--role", "hr"])
    assert result.exit_code == 2 and "hr keys take exactly one organisation" in result.stderr
    result = runner.invoke(app, ["keys", "create", "--role", "hr", "--organisation", "42"])
    assert result.exit_code == 2 and "unknown organisation '42'" in result.stderr
    result = runner.invoke(app, ["keys", "create", "--role", "region", "--region", "XX99"])
    assert result.exit_code == 2 and "'XX99' is not a NUTS region upskill knows" in result.stderr
    assert "no official NUTS code list is bundled yet" in " ".join(result.stderr.split())
    known = runner.invoke(app, ["keys", "create", "--role", "region", "--region", "cz08", "--json"])
    assert known.exit_code == 0 and json.loads(known.stdout)["region"] == "CZ08"
    result = runner.invoke(app, ["keys", "revoke", "7"])
    assert result.exit_code == 2 and "unknown key '7'" in result.stderr
    created = runner.invoke(app, ["keys", "create", "--role", "admin", "--json"])
    assert created.exit_code == 0 and json.loads(created.stdout)["key"].startswith("upsk_")
