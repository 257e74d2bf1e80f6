"""The courses job's commands end to end on a temporary SQLite database with a tiny ESCO."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.cli.courses import badge_import_lines, course_import_lines
from api.settings import get_settings
from data import sentence_model
from data.db import make_engine, migrate, transaction
from data.models import Skill

ESCO = "http://data.europa.eu/esco/skill/"
BATTERY, MOTOR = ESCO + "battery", ESCO + "motor"
CATALOGUE = (
    "id,title,language,level,hours,price,currency,skills\n"
    f"ev-101,EV basics,en,introductory,10,0,EUR,{BATTERY}@1\n"
    "ev-201,Electric motors and battery chemistry,en,intermediate,20,99,EUR,\n"
)
BADGES = {
    "issuer": "Skills programme",
    "badges": [
        {
            "id": "ev",
            "name": "EV basics",
            "description": "You know the basics of electric vehicles.",
            "earned_by": "all",
            "skills": [{"uri": BATTERY, "level": 1}, {"uri": MOTOR, "level": 1}],
            "courses": ["ev-101", "ev-201"],
        }
    ],
}


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    migrate(engine)
    with transaction(engine) as session:
        session.add(Skill(uri=BATTERY, preferred_label="battery chemistry", alt_labels=[], description=""))
        session.add(Skill(uri=MOTOR, preferred_label="electric motors", alt_labels=[], description=""))
    engine.dispose()
    monkeypatch.setenv("UPSKILL_DATABASE_URL", url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_import_list_and_export(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text(CATALOGUE, encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps(BADGES), encoding="utf-8")
    imported = runner.invoke(app, ["import", "courses", str(tmp_path / "c.csv"), "--json"])
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.output)["created"] == 2
    listed = json.loads(runner.invoke(app, ["courses", "list", "--json"]).output)
    assert [c["id"] for c in listed] == ["ev-101", "ev-201"]
    assert {"id", "title", "hours", "price", "currency", "level", "language", "skills"} <= set(listed[0])
    assert listed[0]["skills"] == [{"uri": BATTERY, "level": 1, "confidence": 1.0, "source": "explicit"}]
    assert {s["source"] for s in listed[1]["skills"]} == {"inferred"}
    assert runner.invoke(app, ["import", "badges", str(tmp_path / "b.json")]).exit_code == 0
    exported = runner.invoke(app, ["badges", "export", "ev"])
    assert exported.exit_code == 0, exported.output
    achievement = json.loads(exported.output)
    assert achievement["type"] == ["Achievement"] and len(achievement["alignment"]) == 2
    table = runner.invoke(app, ["badges", "list"])
    assert "EV basics" in table.output


def test_import_prints_what_it_did_in_sentences(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text(CATALOGUE, encoding="utf-8")
    result = runner.invoke(app, ["import", "courses", str(tmp_path / "c.csv")], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"Imported 2 courses into catalogue 'c' from {tmp_path / 'c.csv'} (2 new, 0 updated)."
    assert (
        lines[1].startswith("  Skills: ") and "1 given in the file, 0 from the catalogue's tags" in lines[1]
    )
    assert "{" not in result.output  # no raw dicts
    (tmp_path / "b.json").write_text(json.dumps(BADGES), encoding="utf-8")
    badges = runner.invoke(app, ["import", "badges", str(tmp_path / "b.json")], env={"COLUMNS": "300"})
    assert badges.output.splitlines() == [f"Imported 1 badge from {tmp_path / 'b.json'} (1 new, 0 updated)."]


def test_import_sentences_name_untagged_courses_and_cut_long_notes() -> None:
    report = {
        "file": "f.csv",
        "catalogue": "f",
        "courses": 2,
        "created": 1,
        "updated": 1,
        "skills": {"explicit": 3, "hint": 1, "inferred": 5, "curated": 0, "courses_without_skills": 1},
        "prerequisites": {
            "catalogue": 1,
            "level": 4,
            "curated": 0,
            "skipped_for_cycles": 0,
            "unmet_requirements": 1,
            "more_advanced_not_used": 2,
        },
        "notes": [f"note {k}" for k in range(25)],
        "skipped": False,
        "untagged": [{"course_id": "de-1", "line": 3, "language": "de", "reason": "no ESCO labels in de"}],
        "subjects_embedded": 0,
    }
    lines = course_import_lines(report)
    assert lines[0] == "Imported 2 courses into catalogue 'f' from f.csv (1 new, 1 updated)."
    assert lines[1] == (
        "  Skills: 9 links to ESCO: 3 given in the file, 1 from the catalogue's tags, 5 inferred from the "
        "course texts, 0 curated; 1 course without any (below)."
    )
    assert "1 requirement no course meets" in lines[2] and "2 as more advanced than their course" in lines[2]
    assert lines[3:5] == [
        "  Courses without skills (1):",
        "    de-1 (line 3, language de): no ESCO labels in de",
    ]
    assert lines[5] == "  Notes (25):" and lines[-1] == "    ... and 5 more (--json lists them all)"
    assert len(lines) == 5 + 1 + 20 + 1
    assert not any("Subjects" in line for line in lines)  # nothing embedded: not said
    assert course_import_lines({**report, "skipped": True, "courses": 3994}) == [
        "Nothing imported: catalogue 'f' already holds 3,994 courses."
    ]
    badge = {"file": "b.json", "badges": 2, "created": 0, "updated": 2, "skipped": False, "notes": ["n"]}
    assert badge_import_lines(badge) == [
        "Imported 2 badges from b.json (0 new, 2 updated).",
        "  Notes (1):",
        "    n",
    ]


def test_bad_files_exit_2_with_one_line_and_no_traceback(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text(CATALOGUE.replace(",10,", ",ten,"), encoding="utf-8")
    result = runner.invoke(app, ["import", "courses", str(tmp_path / "bad.csv")])
    assert result.exit_code == 2
    assert "bad.csv, line 2, column 'hours': expected a number" in result.output.replace("\n", "")
    assert "Traceback" not in result.output
    (tmp_path / "bad.json").write_text('{"badges": [}', encoding="utf-8")
    result = runner.invoke(app, ["import", "badges", str(tmp_path / "bad.json")])
    assert result.exit_code == 2 and "not valid JSON" in result.output
    assert json.loads(runner.invoke(app, ["courses", "list", "--json"]).output) == []
    missing = runner.invoke(app, ["badges", "export", "nope"])
    assert missing.exit_code == 2 and "unknown badge 'nope'" in missing.output


@pytest.mark.slow
def test_evaluate_tagging_prints_tagger_and_baseline(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the command's output, not the sentence model (tests/data/test_sentence_model.py): with the model the
    # run embeds ESCO's 13,896 labels and ~380 course texts, ~90 s of CPU, in a fresh cache
    monkeypatch.setattr(sentence_model, "available", lambda: False)
    result = runner.invoke(app, ["evaluate", "tagging", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["courses"] >= 40
    assert set(report["taggers"]) == {"skill_tagger", "label_match_baseline"}
    for figures in report["taggers"].values():
        assert 0 <= figures["precision_at_5"] <= 1 and 0 <= figures["recall_at_10"] <= 1
