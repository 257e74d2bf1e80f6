from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from api.cli import app
from api.settings import get_settings
from evaluation.roles import hierarchy_reference
from recommender.graph import CompetenceGraph
from recommender.sectors import automotive_mobility
from tests.recommender import conftest as graph_fixtures
from tests.recommender.conftest import AUTOMOTIVE_BATTERY_TECHNICIAN, VEHICLE_TECHNICIAN

esco_graph = graph_fixtures.esco_graph  # the session fixture of tests/recommender, shared here

runner = CliRunner()


@pytest.fixture(scope="module")
def snapshot(esco_graph: CompetenceGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ESCO graph as a snapshot folder, so that most commands skip the database build."""
    return esco_graph.save(tmp_path_factory.mktemp("graph") / "snapshot")


@pytest.fixture
def esco_database(esco_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("UPSKILL_DATABASE_URL", esco_engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def flat(text: str) -> str:
    """Output with rich's line wrapping undone."""
    return " ".join(text.split())


def test_gap_json_from_the_database(esco_database: None) -> None:
    code, out = invoke(
        "gap", "--from", "vehicle technician", "--to", "automotive battery technician", "--json"
    )
    assert code == 0, out
    document = json.loads(out)
    assert document["target_uri"] == AUTOMOTIVE_BATTERY_TECHNICIAN
    items = document["items"]
    assert items and all({"uri", "label", "relation", "status", "reason"} <= set(item) for item in items)
    assert {item["relation"] for item in items} <= {"essential", "optional"}
    assert {item["status"] for item in items} <= {"held", "partial", "missing"}
    first_optional = next(i for i, item in enumerate(items) if item["relation"] == "optional")
    assert all(item["relation"] == "essential" for item in items[:first_optional])


def test_gap_table_with_declared_skills(snapshot: Path, tmp_path: Path) -> None:
    skills = tmp_path / "skills.csv"
    skills.write_text("skill,level\nbattery chemistry,4\n", encoding="utf-8")
    code, out = invoke(
        "gap",
        "--from",
        VEHICLE_TECHNICIAN,
        "--to",
        AUTOMOTIVE_BATTERY_TECHNICIAN,
        "--skills",
        str(skills),
        "--snapshot",
        str(snapshot),
    )
    assert code == 0, out
    assert "coverage" in out and "battery chemistry" in out and "declared at level 4" in out


def test_gap_bad_skills_file_names_file_line_and_column(snapshot: Path, tmp_path: Path) -> None:
    skills = tmp_path / "skills.csv"
    skills.write_text("skill,level\nbattery chemistry,2\nweld,7\n", encoding="utf-8")
    code, out = invoke(
        "gap", "--to", "vehicle technician", "--skills", str(skills), "--snapshot", str(snapshot)
    )
    assert code == 2
    assert "skills.csv, line 3, column 'level'" in flat(out) and "Traceback" not in out


def test_gap_unknown_occupation_lists_closest_matches(snapshot: Path) -> None:
    code, out = invoke(
        "gap", "--from", "vehicle tecnician", "--to", "vehicle technician", "--snapshot", str(snapshot)
    )
    assert code == 2
    assert "unknown occupation 'vehicle tecnician'; closest matches: vehicle technician" in flat(out)


def test_gap_unknown_occupation_lists_the_title_matchers_suggestions(
    esco_database: None, snapshot: Path
) -> None:
    code, out = invoke(
        "gap",
        "--from",
        "kfz mechatroniker",
        "--to",
        "automotive battery technician",
        "--snapshot",
        str(snapshot),
    )
    assert code == 2 and "Traceback" not in out
    # the matcher's confident match first, then the closest labels (which alone miss it)
    expected = (
        "unknown occupation 'kfz mechatroniker'; closest matches: vehicle technician, mechatronics engineer,"
    )
    assert expected in flat(out)


def test_gap_unknown_occupation_without_a_database_lists_the_closest_labels(
    snapshot: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "upskill.db"
    monkeypatch.setenv("UPSKILL_DATABASE_URL", f"sqlite:///{missing}")
    get_settings.cache_clear()
    try:
        code, out = invoke(
            "gap", "--from", "kfz mechatroniker", "--to", "vehicle technician", "--snapshot", str(snapshot)
        )
    finally:
        get_settings.cache_clear()
    assert code == 2
    assert "unknown occupation 'kfz mechatroniker'; closest matches: mechatronics engineer," in flat(out)
    assert not missing.exists(), "no empty database is made for an error message"


def test_roles_adjacent_json_and_sector(snapshot: Path) -> None:
    code, out = invoke(
        "roles",
        "adjacent",
        "vehicle technician",
        "--k",
        "5",
        "--json",
        "--sector",
        "automotive-mobility",
        "--snapshot",
        str(snapshot),
    )
    assert code == 0, out
    roles = json.loads(out)
    assert len(roles) == 5
    assert all({"uri", "label", "score"} <= set(role) for role in roles)
    assert all(role["uri"] in automotive_mobility() for role in roles)
    assert [r["score"] for r in roles] == sorted((r["score"] for r in roles), reverse=True)


def test_roles_adjacent_table(snapshot: Path) -> None:
    code, out = invoke(
        "roles",
        "adjacent",
        VEHICLE_TECHNICIAN,
        "--k",
        "3",
        "--exclude-same-isco",
        "--snapshot",
        str(snapshot),
    )
    assert code == 0, out
    assert "adjacent roles for 'vehicle technician'" in out


@pytest.mark.parametrize("width", [80, 130])
def test_roles_adjacent_table_keeps_the_occupations_readable_in_a_narrow_terminal(
    snapshot: Path, width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.cli import common

    monkeypatch.setattr(common.console, "width", width)
    args = ("roles", "adjacent", VEHICLE_TECHNICIAN, "--k", "5", "--snapshot", str(snapshot))
    code, out = invoke(*args)
    assert code == 0, out
    _, listed = invoke(*args, "--json")
    labels = [role["label"] for role in json.loads(listed)]
    # every occupation's name is there in whole words (wrapped at most), none cut to "vehic…"
    words = out.split()
    assert "…" not in out
    assert all(word in words for label in labels for word in label.split()), out
    if width < 100:
        assert "activities" not in words and "the score's parts" in out
    else:
        assert "activities" in words and "the score's parts" not in out


def test_evaluate_roles_reference_file(snapshot: Path, esco_graph: CompetenceGraph, tmp_path: Path) -> None:
    reference = hierarchy_reference(esco_graph)
    pairs = tmp_path / "pairs.csv"
    sources = sorted(reference)[:40]
    lines = ["source_uri,related_uri"] + [f"{s},{r}" for s in sources for r in sorted(reference[s])]
    pairs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out = invoke(
        "evaluate", "roles", "--reference", str(pairs), "--k", "10", "--json", "--snapshot", str(snapshot)
    )
    assert code == 0, out
    result = json.loads(out)
    assert result["n_sources"] == 40 and result["baseline"]["n_sources"] == 40
    for figures in (result, result["baseline"]):
        assert 0.0 <= figures["recall_at_k"] <= 1.0 and 0.0 <= figures["mrr"] <= 1.0


def test_evaluate_roles_bad_reference(snapshot: Path, tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("source,related\na,b\n", encoding="utf-8")
    code, out = invoke("evaluate", "roles", "--reference", str(pairs), "--json", "--snapshot", str(snapshot))
    assert code == 2
    assert "pairs.csv, line 1" in flat(out) and "source_uri,related_uri" in flat(out)


def test_graph_snapshot_then_search(esco_database: None, tmp_path: Path) -> None:
    code, out = invoke("graph", "snapshot", str(tmp_path / "snap"))
    assert code == 0, out
    assert "3,007 occupations" in flat(out)
    code, out = invoke(
        "graph",
        "search",
        "automotive batery technican",
        "--kind",
        "occupation",
        "--json",
        "--snapshot",
        str(tmp_path / "snap"),
    )
    assert code == 0, out
    hits = json.loads(out)
    assert hits[0]["uri"] == AUTOMOTIVE_BATTERY_TECHNICIAN
    assert all(hit["kind"] == "occupation" for hit in hits)
