"""Workforce and target files: the demo files read, JSON reads the same, bad input is located."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from data.demo import scenario3
from data.formats.workforce import read_targets, read_workforce
from recommender.errors import ImportFormatError

DEMO = Path(scenario3.__file__).resolve().parent
HEADER = "person_id,job_title,occupation,skills,hours_per_week,languages,region,earliest_start\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_demo_files_read_and_match_their_generator(tmp_path: Path) -> None:
    people = read_workforce(DEMO / "scenario3_workforce.csv")
    targets = read_targets(DEMO / "scenario3_targets.csv")
    assert len(people) == 180 and len({p.person_id for p in people}) == 180
    assert [(t.occupation, t.headcount) for t in targets] == list(scenario3.TARGETS)
    assert sum(1 for p in people if not p.occupation) == len(scenario3.UNMAPPED_TITLES)
    assert len({p.job_title for p in people}) >= 25  # varied titles, as HR writes them
    # the committed files are what the seeded generator writes
    scenario3.write(tmp_path)
    for name in ("scenario3_workforce.csv", "scenario3_targets.csv"):
        assert (tmp_path / name).read_text() == (DEMO / name).read_text()


def test_csv_fields_are_parsed() -> None:
    people = read_workforce(DEMO / "scenario3_workforce.csv")
    first = people[0]
    assert first.file.endswith("scenario3_workforce.csv") and first.line == 2
    with_skills = next(p for p in people if p.skills)
    assert all(0 <= level <= 4 for level in with_skills.skills.values())
    assert {lang for p in people for lang in p.languages} == {"it", "en"}
    assert any(p.hours_per_week == 4 for p in people)


def test_json_reads_like_csv(tmp_path: Path) -> None:
    document = {
        "people": [
            {
                "person_id": "A-1",
                "job_title": "Montatore",
                "occupation": "motor vehicle engine assembler",
                "past_occupations": ["vehicle technician"],
                "skills": {"electricity": 2, "circuit diagrams": 1},
                "hours_per_week": 6,
                "languages": ["it", "en"],
                "region": "itc4",
                "earliest_start": "2027-03-01",
            },
            {"person_id": "A-2", "job_title": "battery assembler", "skills": ["electricity@3"]},
        ]
    }
    path = _write(tmp_path, "people.json", json.dumps(document, indent=2))
    a1, a2 = read_workforce(path)
    assert a1.skills == {"electricity": 2, "circuit diagrams": 1} and a1.region == "ITC4"
    assert a1.hours_per_week == 6 and a1.languages == ("it", "en") and a1.line == 4
    assert a2.skills == {"electricity": 3} and a2.occupation == ""
    targets = _write(
        tmp_path, "t.json", json.dumps({"targets": [{"occupation": "battery assembler", "headcount": 3}]})
    )
    assert read_targets(targets)[0].headcount == 3


@pytest.mark.parametrize(
    ("row", "line", "column", "message"),
    [
        ("A-1,Montatore,,electricity@7,,,,\n", 2, "skills", "level from 0"),
        ("A-1,Montatore,,electricity,,,,\n", 2, "skills", "skill@level"),
        ("A-1,Montatore,,,zero,,,\n", 2, "hours_per_week", "expected a number"),
        ("A-1,Montatore,,,80,,,\n", 2, "hours_per_week", "at most 60"),
        ("A-1,Montatore,,,,italian,,\n", 2, "languages", "ISO 639-1"),
        ("A-1,Montatore,,,,,Lombardy,\n", 2, "region", "NUTS"),
        ("A-1,Montatore,,,,,,01/07/2027\n", 2, "earliest_start", "YYYY-MM-DD"),
        ("A 1,Montatore,,,,,,\n", 2, "person_id", "letters, digits"),
        ("A-1,,,,,,,\n", 2, "job_title", "job_title or an occupation"),
        ("A-1,Montatore,,,,,,\nA-1,Montatore,,,,,,\n", 3, "person_id", "already appears on line 2"),
    ],
)
def test_bad_workforce_rows_name_file_line_and_field(
    tmp_path: Path, row: str, line: int, column: str, message: str
) -> None:
    path = _write(tmp_path, "people.csv", HEADER + row)
    with pytest.raises(ImportFormatError, match=message) as error:
        read_workforce(path)
    assert (error.value.file, error.value.line, error.value.column) == (str(path), line, column)


def test_bad_files_are_refused_whole(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match="missing column"):
        read_workforce(_write(tmp_path, "a.csv", "id,title\nA,B\n"))
    with pytest.raises(ImportFormatError, match="unknown field"):
        read_workforce(_write(tmp_path, "b.csv", "person_id,job_title,salary\nA,B,100\n"))
    with pytest.raises(ImportFormatError, match="no people"):
        read_workforce(_write(tmp_path, "c.csv", "person_id,job_title\n"))
    with pytest.raises(ImportFormatError, match="file not found"):
        read_workforce(tmp_path / "missing.csv")
    with pytest.raises(ImportFormatError, match="not valid JSON") as error:
        read_workforce(_write(tmp_path, "d.json", '{"people": [\n{"person_id": }]}'))
    assert error.value.line == 2
    bad_utf8 = tmp_path / "e.csv"
    bad_utf8.write_bytes(b"person_id,job_title\nA-1,Montatore\nA-2,Addetto \xe0 linea\n")
    with pytest.raises(ImportFormatError, match="UTF-8") as error:
        read_workforce(bad_utf8)
    assert error.value.line == 3


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("battery assembler,many,,\n", "headcount", "whole number"),
        ("battery assembler,-1,,\n", "headcount", "from 0"),
        ("battery assembler,3,next year,\n", "deadline", "YYYY-MM-DD"),
        ("battery assembler,3,,0\n", "priority", "from 1 to 9"),
        (",3,,\n", "occupation", "required"),
    ],
)
def test_bad_target_rows_are_located(tmp_path: Path, row: str, column: str, message: str) -> None:
    path = _write(tmp_path, "t.csv", "occupation,headcount,deadline,priority\n" + row)
    with pytest.raises(ImportFormatError, match=message) as error:
        read_targets(path)
    assert (error.value.line, error.value.column) == (2, column)
