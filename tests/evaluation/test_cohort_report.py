"""The cohort report and exports: every section, text escaped, tables as long as the document's lists."""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from evaluation.cohort_report import (
    EXPORT_TABLES,
    TITLE_CHARS,
    export_rows,
    readiness_svg,
    render_html,
    write_csv,
    write_xlsx,
)
from recommender.cohort import CohortSettings, prepare, summarise
from recommender.graph import CompetenceGraph
from recommender.planner import CourseOption
from recommender.workforce import Person, Target, TitleCandidate, TitleMatch, TitleToConfirm
from tests.recommender.conftest import tiny_data


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    graph = CompetenceGraph.from_data(tiny_data())
    courses = [
        CourseOption("c-battery", "Battery <chemistry> basics", 20, 100, skills={"skill:battery": 3}),
        CourseOption("c-ev", "Electric vehicles", 30, 300, skills={"skill:ev": 3}),
        CourseOption("c-weld", "Welding", 40, 200, skills={"skill:weld": 3, "skill:join": 3}),
    ]
    people = [
        Person("a", ("occ:welder",), job_title="Saldatore <senior>"),
        Person("b", ("occ:painter",), {"skill:battery": 2}, job_title="Verniciatore"),
        Person("c", ("occ:fabricator",), job_title="Carpentiere"),
        Person("d", ("occ:painter",), job_title="Verniciatore"),
    ]
    targets = [
        Target("occ:battery", "battery technician", 2),
        Target("occ:fabricator", "metal fabricator", 3),
    ]
    confirm = TitleToConfirm(
        "e",
        "w.csv",
        7,
        TitleMatch("Jolly di linea", "confirm", None, (TitleCandidate("occ:x", "x", 0.3),), "low"),
    )
    settings = CohortSettings(
        start=date(2027, 1, 4), months=6, hours_per_week=4, budget=1000, min_readiness=0.3
    )
    inputs = prepare(graph, people, targets, courses, settings, to_confirm=[confirm])
    return json.loads(json.dumps(summarise(inputs).to_dict(), default=str))


def test_the_report_has_every_section_and_escapes_text(document: dict[str, Any]) -> None:
    page = render_html(document)
    for heading in (
        "Readiness by role",
        "Roles",
        "Seats to buy",
        "Job titles to confirm",
        "People who stay",
        "Assignment",
        "Plans",
    ):
        assert f">{heading}</h2>" in page
    assert page.count('<svg class="panel"') == len(document["targets"])
    assert "Saldatore &lt;senior&gt;" in page and "<senior>" not in page
    assert "Battery &lt;chemistry&gt; basics" in page
    assert "proven optimal" in page
    for a in document["assignments"]:
        assert f"<td>{a['person_id']}</td>" in page
    # no course teaches communicating with customers: what HR can arrange instead
    assert ">Skills the courses leave open, and what to do instead</h2>" in page
    assert (
        "<td>no course in the catalogue teaches it: train them on the job, with a mentor on the line" in page
    )
    # the plans point at that section, never at the JSON's field (HR reads no 'uncovered_skills')
    assert "uncovered_skills" not in page
    assert "1 essential skill(s) stay open: see &#x27;Skills the courses leave open&#x27; above." in page
    found = re.search(
        r"covered under these constraints \(([^)]*)\); what to arrange instead is under &#x27;Skills", page
    )
    assert found, "a plan of no course says why and points at the section"
    assert found.group(1) == "1 is taught only by courses that need more of it first than any course gives"


def test_the_report_shows_the_what_if_asked_for_and_who_moves_on_free_courses(
    document: dict[str, Any],
) -> None:
    """A what-if kept with the plan is a section next to the roles; a plan where the budget moves people on
    free courses only says how many in its note."""
    assert ">What if" not in render_html(document)
    totals = document["totals"]
    plan = {
        "filled": totals["filled"],
        "hours": totals["hours"],
        "course_hours": totals["course_hours"],
        "cost": totals["cost"],
        "budget": 1000,
        "last_finish": "2027-03-01",
        "certificate": "optimal",
        "without_course": 0,
        "on_free_courses": 0,
        "filled_per_target": {"battery technician": 2},
    }
    changed = {**plan, "budget": None, "filled_per_target": {"battery technician": 1}}
    what_if = {"changes": ["budget=none"], "plan": plan, "what_if": changed, "plans_computed_again": 0}
    page = render_html({**document, "what_if": what_if, "totals": {**totals, "on_free_courses": 2}})
    assert "<h2>What if budget=none</h2>" in page
    assert "<tr><td>budget</td><td class=num>EUR 1,000</td><td class=num>not limited</td></tr>" in page
    assert (
        "<tr><td>seats filled: battery technician</td><td class=num>2</td><td class=num>1</td></tr>" in page
    )
    assert "then as few people as possible on free courses only (2: the budget does not pay" in page


def test_csv_and_xlsx_exports_hold_the_document(document: dict[str, Any], tmp_path: Path) -> None:
    files = write_csv(document, tmp_path / "csv")
    assert sorted(p.stem for p in files) == sorted(EXPORT_TABLES)
    with (tmp_path / "csv" / "assignments.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["person_id"] for r in rows] == [a["person_id"] for a in document["assignments"]]
    with (tmp_path / "csv" / "plans.csv").open(encoding="utf-8") as handle:
        steps = list(csv.DictReader(handle))
    plan_of = {p["plan_id"]: p for p in document["plans"]}
    assert len(steps) == sum(len(plan_of[a["plan_id"]]["steps"]) for a in document["assignments"])
    # the open skills, a row per role, skill and way (HR's wording), as the report lists them
    with (tmp_path / "csv" / "open_skills.csv").open(encoding="utf-8") as handle:
        open_rows = list(csv.DictReader(handle))
    ways = [
        (b["target_label"], k["skill"], w["kind"], str(w["people"]), w["text"])
        for b in document["on_the_job"]
        for k in b["skills"]
        for w in k["instead"]
    ]
    assert (
        ways
        and [(r["target_label"], r["skill"], r["way"], r["way_people"], r["what_to_do"]) for r in open_rows]
        == ways
    )
    assert any(
        r["what_to_do"].startswith("no course in the catalogue teaches it: train them") for r in open_rows
    )
    # a cohort kept before the ways: a row per skill, no way
    kept = {
        **document,
        "on_the_job": [{"target_uri": "occ:a", "target_label": "a", "skills": [{"skill": "x", "people": 3}]}],
    }
    assert export_rows(kept)["open_skills"][1] == [["occ:a", "a", "x", 3, None, None, None, None]]

    from openpyxl import load_workbook

    workbook = load_workbook(write_xlsx(document, tmp_path / "cohort.xlsx"), read_only=True)
    assert workbook.sheetnames == list(EXPORT_TABLES)
    assert workbook["seats"].max_row == 1 + len(document["seats"])
    assert workbook["timeline"].max_row == 1 + len(document["timeline"])


@pytest.mark.parametrize("name", ["cohort.html", "cohort.xlsx"])
def test_a_writer_killed_midway_leaves_the_previous_report(
    document: dict[str, Any], tmp_path: Path, name: str
) -> None:
    from evaluation.cohort_report import write_html
    from tests.interrupt import kill_at_fsync

    path = tmp_path / name
    writer = write_html if name.endswith(".html") else write_xlsx
    writer(document, path)
    before = path.read_bytes()
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps({**document, "settings": {**document["settings"], "budget": 999}}))
    code = (
        "import json; from pathlib import Path; "
        f"from evaluation.cohort_report import {writer.__name__}; "
        f"{writer.__name__}(json.loads(Path({str(changed)!r}).read_text()), Path({str(path)!r}))"
    )
    kill_at_fsync(code, n=1)  # the new report is in its temporary file, not yet renamed
    assert path.read_bytes() == before
    assert len(list(tmp_path.glob(f".{name}.*.tmp"))) == 1


def test_long_role_names_wrap_in_the_chart_with_the_whole_title_as_tooltip() -> None:
    long = "electromechanical equipment assembler and robotics engineering technician for batteries"
    targets = [
        {"target_uri": "occ:a", "target_label": "welder", "headcount": 2},
        {"target_uri": "occ:b", "target_label": long, "headcount": 15},
    ]
    timeline = [
        {"month": "2027-01", "target_uri": "occ:a", "ready": 1},
        {"month": "2027-01", "target_uri": "occ:b", "ready": 12},
    ]
    svg = readiness_svg(timeline, targets)
    panels = re.findall(r'<svg class="panel".*?</svg>', svg)
    lines = [re.findall(r"<tspan[^>]*>([^<]*)</tspan>", panel) for panel in panels]
    assert lines[0] == ["welder — 1 of 2 ready"]
    assert len(lines[1]) == 2 and all(len(line) <= TITLE_CHARS for line in lines[1])
    assert lines[1][1].endswith("…") and long.startswith(lines[1][0])
    assert f"<title>{long} — 12 of 15 ready</title>" in panels[1]
    # both panels leave the same room for their titles, so the plots line up
    assert len({re.search(r'viewBox="([^"]*)"', panel).group(1) for panel in panels}) == 1  # type: ignore[union-attr]
