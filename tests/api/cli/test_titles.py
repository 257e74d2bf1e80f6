"""`upskill occupations match --file`: one JSON object per title in input order, the same whether a large
file is matched in one process or in forked processes, on a temporary SQLite database with a tiny ESCO."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.services import titles as title_service
from api.settings import get_settings
from data.db import make_engine, migrate, transaction
from data.models import Occupation
from recommender.text import titles as matcher_module

ESCO = "http://data.europa.eu/esco/occupation/"
OCCUPATIONS = [
    ("battery", "8212", "battery assembler", ["cell assembler"], "Battery assemblers build battery packs."),
    (
        "engine",
        "8211",
        "motor vehicle engine assembler",
        ["engine fitter"],
        "Engine assemblers build engines.",
    ),
    ("electrician", "7412", "automotive electrician", ["car electrician"], "They repair car electrics."),
    ("developer", "2512", "software developer", ["programmer"], "Software developers write software."),
]
TITLES = ["Battery Assembler (m/f/d)", "car electrician", "Senior programmer", "engine fitter", "zzzz"] * 4


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    migrate(engine)
    with transaction(engine) as session:
        session.add_all(
            [
                Occupation(
                    uri=ESCO + name,
                    isco_code=isco,
                    code=f"{isco}.1",
                    preferred_label=label,
                    alt_labels=alts,
                    description=description,
                )
                for name, isco, label, alts, description in OCCUPATIONS
            ]
        )
    engine.dispose()
    monkeypatch.setenv("UPSKILL_DATABASE_URL", url)
    monkeypatch.setenv("UPSKILL_CACHE_DIR", str(tmp_path / "cache"))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def _match_file(runner: CliRunner, path: Path) -> list[dict[str, object]]:
    result = runner.invoke(
        app, ["occupations", "match", "--file", str(path), "--column", "title", "--k", "3", "--json"]
    )
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.strip().splitlines()]


def test_a_large_file_is_matched_in_processes_with_the_same_answer(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "titles.csv"
    path.write_text("title\n" + "\n".join(TITLES) + "\n", encoding="utf-8")
    alone = _match_file(runner, path)  # 20 titles, far below TITLES_PER_PROCESS: one process
    assert [line["input"] for line in alone] == TITLES
    assert alone[0]["matches"][0]["uri"] == ESCO + "battery"  # type: ignore[index]
    assert alone[1]["matches"][0]["uri"] == ESCO + "electrician"  # type: ignore[index]
    assert all(len(line["matches"]) == 3 for line in alone)  # type: ignore[arg-type]

    calls: list[int] = []
    real = matcher_module.match_in_processes

    def spy(matcher: object, titles: list[str], *, k: int, processes: int) -> object:
        calls.append(processes)
        return real(matcher, titles, k=k, processes=processes)  # type: ignore[arg-type]

    monkeypatch.setattr(matcher_module, "match_in_processes", spy)
    monkeypatch.setattr(title_service, "TITLES_PER_PROCESS", 5)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    split = _match_file(runner, path)
    assert calls == [2]  # two cores, 10 titles each
    assert split == alone


def test_too_few_titles_per_process_stay_in_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    matcher = matcher_module.TitleMatcher(
        [
            matcher_module.OccupationText(ESCO + n, label, ((label, "en"),))
            for n, _, label, _, _ in OCCUPATIONS
        ]
    )
    monkeypatch.setattr(
        matcher_module, "match_in_processes", lambda *args, **kwargs: pytest.fail("forked for a small batch")
    )
    monkeypatch.setattr(title_service, "TITLES_PER_PROCESS", 11)  # 20 titles: not 11 for each of two
    found = title_service.match_titles(matcher=matcher, titles=TITLES, k=2, processes=2)
    assert found == matcher.match_many(TITLES, k=2)
