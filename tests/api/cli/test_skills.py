"""The free-text commands (skills extract, courses curate, evaluate extraction) end to end on a temporary
SQLite database with a tiny ESCO."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.settings import get_settings
from data.db import make_engine, migrate, transaction
from data.models import Course, CourseSkill, Skill

ESCO = "http://data.europa.eu/esco/skill/"
JAVA, TEAMS, BATTERY = ESCO + "java", ESCO + "teams", ESCO + "battery"


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    migrate(engine)
    with transaction(engine) as session:
        session.add_all(
            [
                Skill(
                    uri=JAVA,
                    preferred_label="Java (computer programming)",
                    alt_labels=["J2EE"],
                    description="",
                ),
                Skill(uri=TEAMS, preferred_label="work in teams", alt_labels=["teamwork"], description=""),
                Skill(uri=BATTERY, preferred_label="battery chemistry", alt_labels=[], description="Cells."),
                Course(id="ev-1", title="Batteries", hours=3, language="en"),
            ]
        )
        session.flush()
        session.add(
            CourseSkill(course_id="ev-1", skill_uri=BATTERY, level=2, confidence=0.04, source="inferred")
        )
    engine.dispose()
    monkeypatch.setenv("UPSKILL_DATABASE_URL", url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_extract_one_text_as_json(runner: CliRunner) -> None:
    result = runner.invoke(
        app, ["skills", "extract", "Strong Java skills and teamwork", "--k", "2", "--json"]
    )
    assert result.exit_code == 0, result.output
    (line,) = result.output.strip().splitlines()
    found = json.loads(line)
    assert found["input"] == "Strong Java skills and teamwork"
    assert {s["uri"] for s in found["skills"]} == {JAVA, TEAMS}
    java = next(s for s in found["skills"] if s["uri"] == JAVA)
    assert (
        java["evidence"] == "Java"
        and java["label"] == "Java (computer programming)"
        and 0 < java["score"] <= 1
    )


def test_extract_a_csv_column_keeps_input_order(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "cvs.csv"
    path.write_text("id,text\n1,teamwork matters\n2,nothing to see\n3,J2EE developer\n", encoding="utf-8")
    result = runner.invoke(app, ["skills", "extract", "--file", str(path), "--column", "text", "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.strip().splitlines()]
    assert [row["input"] for row in rows] == ["teamwork matters", "nothing to see", "J2EE developer"]
    assert [[s["uri"] for s in row["skills"]] for row in rows] == [[TEAMS], [], [JAVA]]
    table = runner.invoke(app, ["skills", "extract", "--file", str(path), "--column", "text"])
    assert table.exit_code == 0 and "no ESCO skill label found" in table.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["skills", "extract"], "either a TEXT"),
        (["skills", "extract", "   "], "the text is empty"),
        (["skills", "extract", "Java", "--file", "x.csv", "--column", "t"], "not both"),
        (["skills", "extract", "--file", "cvs.csv"], "needs --column"),
        (["skills", "extract", "--file", "cvs.csv", "--column", "body"], "missing column(s) body"),
    ],
)
def test_extract_bad_input_says_what_is_wrong(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cvs.csv").write_text("id,text\n1,Java\n", encoding="utf-8")
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_curate_confirms_a_low_confidence_link(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "curated.csv"
    path.write_text(f"course_id,skill_uri,action,level,note\nev-1,{BATTERY},confirm,,read the syllabus\n")
    result = runner.invoke(app, ["courses", "curate", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["confirmed"] == 1
    listed = runner.invoke(app, ["courses", "list", "--json"])
    (course,) = json.loads(listed.output)
    assert [(s["uri"], s["confidence"], s["source"]) for s in course["skills"]] == [(BATTERY, 1.0, "curated")]
    bad = tmp_path / "bad.csv"
    bad.write_text(f"course_id,skill_uri,action,level,note\nev-9,{BATTERY},remove,,\n")
    failed = runner.invoke(app, ["courses", "curate", str(bad)])
    assert failed.exit_code == 2 and "unknown course 'ev-9'" in failed.output and "line 2" in failed.output


def test_evaluate_extraction_on_a_given_reference(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "ref.csv"
    path.write_text(
        "sentence,span,sub_span,label\nJava developer,Java,,Java (computer programming)\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["evaluate", "extraction", "--reference", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report["rankers"]) == {"extractor", "tfidf_label_baseline"}
    assert report["references"][0]["sentences_scored"] == 1
