"""Every file format reports a problem the same way: one ImportFormatError naming file, line and column,
also for bytes that are not UTF-8 (never a traceback)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from data.formats import (
    badges,
    courses,
    curation,
    declared_skills,
    interactions,
    role_reference,
)
from recommender.errors import ImportFormatError

SKILL = "http://data.europa.eu/esco/skill/battery"


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def located(call: object, path: Path) -> tuple[int | None, str | None, str]:
    with pytest.raises(ImportFormatError) as caught:
        call(path)  # type: ignore[operator]
    assert caught.value.file == str(path)
    return caught.value.line, caught.value.column, caught.value.message


def test_role_reference(tmp_path: Path) -> None:
    good = write(tmp_path, "good.csv", "source_uri,related_uri\na,b\na,c\nb,a\na,a\n")
    assert role_reference.read(good) == {"a": {"b", "c"}, "b": {"a"}}
    bad = write(tmp_path, "bad.csv", "source_uri,related_uri\na,b\n,c\n")
    assert located(role_reference.read, bad) == (3, "source_uri", "required value is missing")
    with pytest.raises(ImportFormatError, match="file not found"):
        role_reference.read(tmp_path / "missing.csv")


def test_declared_skills(tmp_path: Path) -> None:
    good = write(tmp_path, "skills.csv", "skill,level\nbattery chemistry,2\nbattery chemistry,4\nweld,0\n")
    assert declared_skills.read(good) == {"battery chemistry": 4, "weld": 0}
    for row, column, words in (
        ("weld,7", "level", "0..4"),
        ("weld,two", "level", "0..4"),
        (",2", "skill", ""),
    ):
        line, where, message = located(
            declared_skills.read, write(tmp_path, "bad.csv", f"skill,level\n{row}\n")
        )
        assert (line, where) == (2, column) and words in message


def test_interactions_and_features(tmp_path: Path) -> None:
    path = write(tmp_path, "i.csv", "user_id,item_id,timestamp,weight\nu,i,2026-01-01T00:00:00,\nu,j,5,2\n")
    rows = interactions.read_interactions(path)
    assert [(u, i, w) for u, i, _t, w in rows] == [("u", "i", 1.0), ("u", "j", 2.0)]
    features = write(tmp_path, "f.csv", "id,feature,value\ni,level,advanced\ni,length,0.5\nj,new,\n")
    assert interactions.read_features(features) == {
        "i": {"level=advanced": 1.0, "length": 0.5},
        "j": {"new": 1.0},
    }
    bad = write(tmp_path, "bad.csv", "user_id,item_id,timestamp\nu,i,nan\n")
    assert located(interactions.read_interactions, bad)[:2] == (2, "timestamp")
    empty = write(tmp_path, "empty.csv", "user_id,item_id,timestamp\n")
    assert "no interactions" in located(interactions.read_interactions, empty)[2]


def test_curation_files(tmp_path: Path) -> None:
    rules = write(
        tmp_path, "rules.csv", f"# comment\n\nskill_uri,requires_uri,note\n{SKILL},{SKILL}x,why\n# end\n"
    )
    assert [(r.skill_uri, r.requires_uri) for r in curation.read_skill_rules(rules)] == [(SKILL, SKILL + "x")]
    bad = write(
        tmp_path, "bad.csv", f"# comment\nskill_uri,requires_uri,note\n# a comment\n{SKILL},battery,\n"
    )
    line, column, message = located(curation.read_skill_rules, bad)
    assert (line, column) == (4, "requires_uri") and "ESCO skill URI" in message


def test_catalogue_csv_round_trip(tmp_path: Path) -> None:
    record = courses.CourseRecord(
        id="c1",
        title="Cells",
        language="de",
        hours=2.5,
        level="advanced",
        delivery_mode="blended",
        region="DE11",
        start_dates=("2026-09-01",),
        skills=(courses.SkillClaim(SKILL, 3),),
        prerequisites=("c0",),
        line=2,
    )
    path = tmp_path / "catalogue.csv"
    courses.write([record], path)
    assert courses.read_csv(path) == [record]


def test_catalogue_unknown_fields_are_named_together(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "c.json",
        json.dumps([{"id": "a", "title": "A", "language": "en", "hours": 1, "z": 1, "y": 2}]),
    )
    line, column, message = located(lambda p: courses.read_json(p), path)
    assert (line, column) == (1, "y") and message.startswith("unknown field(s) y, z; allowed: id, title")


@pytest.mark.parametrize(
    ("reader", "name", "content"),
    [
        (courses.read_csv, "c.csv", b"id,title,language,hours\na,A,en,1\nb,\xe9t\xe9,en,1\n"),
        (courses.read_json, "c.json", b'[\n  {"id": "a", "title": "\xe9t\xe9"}\n]'),
        (badges.read, "b.json", b'{"badges": [\n\n {"id": "\xff"}]}'),
        (curation.read_curated_skills, "cur.csv", b"# \xff\ncourse_id,skill_uri,action\n"),
        (declared_skills.read, "s.csv", b"skill,level\n\xc3\x28,1\n"),
    ],
)
def test_invalid_utf8_is_located(tmp_path: Path, reader: object, name: str, content: bytes) -> None:
    path = write(tmp_path, name, content)
    line, _column, message = located(reader, path)
    assert message.startswith("invalid UTF-8 at byte")
    assert line == content.count(b"\n", 0, next(i for i, b in enumerate(content) if b >= 0x80)) + 1
