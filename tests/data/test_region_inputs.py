"""Regional planner inputs: the documented CSV/JSON formats, located errors, the shipped scenario 4 demo."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from data.db import transaction
from data.demo import scenario4 as demo
from data.formats.region import catalogue_programmes, read_demand, read_programmes, read_workforce
from data.graph_loader import load_graph
from recommender.errors import ImportFormatError
from recommender.graph import CompetenceGraph
from recommender.planner import CourseOption
from tests.recommender.conftest import tiny_data
from tests.recommender.region.builders import default_catalogue_courses

BATTERY = "skill:battery"


@pytest.fixture(scope="module")
def tiny() -> CompetenceGraph:
    return CompetenceGraph.from_data(tiny_data())


@pytest.fixture(scope="module")
def esco(esco_engine: Engine) -> Iterator[CompetenceGraph]:
    with transaction(esco_engine) as session:
        yield load_graph(db_session=session)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


COURSES = [CourseOption(id="c1", title="course", hours=10, price=49, currency="USD", skills={"skill:ev": 2})]


def test_workforce_and_demand_by_label_or_uri(tiny: CompetenceGraph, tmp_path: Path) -> None:
    workforce = read_workforce(
        _write(tmp_path, "w.csv", "occupation,workers\nwelder,12\nocc:painter,0\n"), tiny
    )
    assert [(o.uri, o.count) for o in workforce] == [("occ:welder", 12), ("occ:painter", 0)]
    demand = read_demand(
        _write(tmp_path, "d.csv", "occupation,headcount,year,weight\nbattery technician,30,2028,1.5\n"), tiny
    )
    assert (demand[0].uri, demand[0].count, demand[0].year, demand[0].weight) == (
        "occ:battery",
        30,
        2028,
        1.5,
    )
    as_json = _write(
        tmp_path, "d.json", json.dumps({"demand": [{"occupation": "welder", "headcount": 3, "year": 2027}]})
    )
    assert read_demand(as_json, tiny)[0].weight == 1.0


@pytest.mark.parametrize(
    ("name", "text", "line", "column", "words"),
    [
        ("w.csv", "occupation,workers\nwelder,12\nwelder,3\n", 3, "occupation", "listed twice"),
        ("w.csv", "occupation,workers\nwelder,twelve\n", 2, "workers", "expected an integer"),
        ("w.csv", "occupation,workers\nwelder,-1\n", 2, "workers", "at least 0"),
        ("w.csv", "occupation,workers\nwelderr,5\n", 2, "occupation", "unknown occupation 'welderr'"),
        ("w.csv", "occupation,count\nwelder,5\n", 1, None, "missing column(s) workers"),
        ("w.csv", "occupation,workers,extra\nwelder,5,x\n", 2, "extra", "unknown field(s) extra"),
        ("d.csv", "occupation,headcount,year\nwelder,5,20x8\n", 2, "year", "expected an integer"),
        ("d.csv", "occupation,headcount,year,weight\nwelder,5,2028,0\n", 2, "weight", "greater than 0"),
        (
            "d.json",
            '{"demand": [\n  {"occupation": "welder", "headcount": 5, "year": 2028},\n'
            '  {"occupation": "welder"}\n]}',
            3,
            "headcount",
            "required value is missing",
        ),
        ("d.json", '{"demand": [}', 1, None, "not valid JSON"),
    ],
)
def test_bad_rows_are_located(
    tiny: CompetenceGraph, tmp_path: Path, name: str, text: str, line: int, column: str | None, words: str
) -> None:
    reader = read_workforce if name.startswith("w") else read_demand
    with pytest.raises(ImportFormatError) as caught:
        reader(_write(tmp_path, name, text), tiny)
    error = caught.value
    assert (error.file, error.line, error.column) == (str(tmp_path / name), line, column)
    assert words in error.message


PROGRAMME_HEADER = (
    "id,title,provider,courses,skills,cost_per_seat,currency,seats,hours,weeks,language,delivery_mode,"
    "regions\n"
)


def test_programmes_combine_course_and_listed_skills(tiny: CompetenceGraph, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "p.csv",
        PROGRAMME_HEADER
        + 'p1,EV basics,Centre A,c1,"battery chemistry@3;skill:ev@1",1200,EUR,40,80,4,cs,in-person,CZ08\n',
    )
    (programme,) = read_programmes(path, tiny, COURSES)
    assert dict(programme.skills) == {
        BATTERY: 3,
        "skill:ev": 2,
    }  # the course teaches ev at 2, more than listed
    assert (programme.cost_per_seat, programme.seats, programme.regions) == (1200.0, 40, ("CZ08",))


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        ("p1,T,A,c9,,100,EUR,5,10,2,cs,online,", "courses", "unknown catalogue course 'c9'"),
        ("p1,T,A,,battery chemistry,100,EUR,5,10,2,cs,online,", "skills", "skill@level"),
        ("p1,T,A,,battery chemistry@7,100,EUR,5,10,2,cs,online,", "skills", "at most 4"),
        ("p1,T,A,,batery chemistry@3,100,EUR,5,10,2,cs,online,", "skills", "unknown skill"),
        ("p1,T,A,,,100,EUR,5,10,2,cs,online,", "skills", "teaches nothing"),
        ("p1,T,A,,skill:ev@3,-5,EUR,5,10,2,cs,online,", "cost_per_seat", "at least 0"),
        ("p1,T,A,,skill:ev@3,100,EUR,5.5,10,2,cs,online,", "seats", "expected an integer"),
        ("p1,T,A,,skill:ev@3,100,EUR,5,10,2,cs,in-person,", "regions", "needs the regions"),
        ("p1,T,A,,skill:ev@3,100,EUR,5,10,2,cs,by post,", "delivery_mode", "must be one of"),
        ("p1,T,A,,skill:ev@3,100,EUR,5,10,2,cs,online,Moravia", "regions", "NUTS codes"),
        ("p 1,T,A,,skill:ev@3,100,EUR,5,10,2,cs,online,", "id", "id must be"),
    ],
)
def test_bad_programmes_are_located(
    tiny: CompetenceGraph, tmp_path: Path, row: str, column: str, words: str
) -> None:
    path = _write(
        tmp_path, "p.csv", PROGRAMME_HEADER + "p0,T,A,,skill:ev@3,100,EUR,5,10,2,cs,online,\n" + row + "\n"
    )
    with pytest.raises(ImportFormatError) as caught:
        read_programmes(path, tiny, COURSES)
    assert (caught.value.line, caught.value.column) == (3, column)
    assert words in caught.value.message


def test_duplicate_programme_id(tiny: CompetenceGraph, tmp_path: Path) -> None:
    row = "p0,T,A,,skill:ev@3,100,EUR,5,10,2,cs,online,\n"
    with pytest.raises(ImportFormatError, match="line 3.*duplicate id 'p0' \\(first at line 2\\)"):
        read_programmes(_write(tmp_path, "p.csv", PROGRAMME_HEADER + row + row), tiny, COURSES)


def test_programmes_json_and_conversion(tiny: CompetenceGraph, tmp_path: Path) -> None:
    document = {
        "programmes": [
            {
                "id": "p1",
                "title": "T",
                "provider": "A",
                "skills": [{"skill": "skill:ev", "level": 3}],
                "cost_per_seat": 100,
                "currency": "USD",
                "seats": 10,
                "hours": 10,
                "weeks": 2,
                "language": "en",
                "delivery_mode": "online",
            },
            {"id": "p2", "title": "T", "provider": "A", "skills": [{"skill": "skill:ev", "level": 9}]},
        ]
    }
    path = _write(tmp_path, "p.json", json.dumps(document, indent=2))
    with pytest.raises(ImportFormatError) as caught:
        read_programmes(path, tiny, COURSES)
    assert (caught.value.line, caught.value.column) == (21, "skills")  # where p2 starts
    document["programmes"].pop()
    path.write_text(json.dumps(document, indent=2))
    (programme,) = read_programmes(path, tiny, COURSES, rates={"USD": 0.9}, currency="EUR")
    assert (programme.cost_per_seat, programme.currency) == (90.0, "EUR")


def test_catalogue_as_programmes() -> None:
    (programme,) = catalogue_programmes(COURSES, seats=25, rates={"USD": 0.9})
    assert (programme.cost_per_seat, programme.seats, programme.provider) == (44.1, 25, "catalogue")


@pytest.mark.slow
def test_shipped_demo_is_what_the_generator_writes(esco: CompetenceGraph, tmp_path: Path) -> None:
    for path in demo.write_demo(esco, tmp_path):
        assert path.read_bytes() == (demo.DEMO / path.name).read_bytes(), path.name


@pytest.mark.slow
def test_shipped_demo_reads(esco: CompetenceGraph) -> None:
    workforce = read_workforce(demo.DEMO / "scenario4_workforce.csv", esco)
    demand = read_demand(demo.DEMO / "scenario4_demand.csv", esco)
    programmes = read_programmes(demo.DEMO / "scenario4_programmes.csv", esco, default_catalogue_courses())
    assert sum(o.count for o in workforce) == 12_000 + 3_000 + 1_500 + 900 + 40 + 3
    assert {o.label: o.count for o in demand} == {
        "battery assembler": 2_500,
        "automotive electrician": 800,
        "battery test technician": 400,
        "automotive engineering technician": 300,
    }
    assert len(programmes) == sum(len(p[-1]) for p in demo.PROVIDERS)
    assert all(p.regions == ("CZ08",) and p.cost_per_seat > 0 for p in programmes)
