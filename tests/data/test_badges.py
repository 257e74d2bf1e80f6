"""Badge import (documented JSON), idempotence, bad files (one clear error, nothing written), the default
badge set on the full ESCO release with the default catalogue, and the Open Badges 3.0 export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data import badges as badge_store
from data import catalogue
from data.models import Badge, BadgeCourse, BadgePrerequisite, BadgeSkill, Course, Skill
from data.skill_texts import EscoNotImported
from recommender.badges import ACHIEVEMENT_REQUIRED, ALIGNMENT_REQUIRED
from recommender.errors import ImportFormatError, UnknownBadge

ESCO = "http://data.europa.eu/esco/skill/"
BATTERY, MOTOR = ESCO + "battery", ESCO + "motor"


@pytest.fixture
def world(db_session: Session) -> Session:
    db_session.add_all(
        [
            Skill(uri=BATTERY, preferred_label="battery chemistry", alt_labels=[], description=""),
            Skill(uri=MOTOR, preferred_label="electric motors", alt_labels=[], description=""),
            Course(id="c1", title="Batteries", language="en", hours=10),
            Course(id="c2", title="Motors", language="en", hours=12),
            Course(id="c3", title="Drives", language="en", hours=8),
        ]
    )
    db_session.flush()
    return db_session


def doc(*badges: dict[str, Any]) -> dict[str, Any]:
    return {"issuer": "Skills programme", "badges": list(badges)}


BASE = {
    "id": "batteries",
    "name": "Batteries",
    "description": "You know batteries.",
    "earned_by": "k_of_n",
    "k": 1,
    "skills": [{"uri": BATTERY, "level": 1}],
    "courses": ["c1", "c2"],
}
STACKED = {
    "id": "powertrain",
    "name": "Powertrains",
    "description": "You know powertrains.",
    "earned_by": "all",
    "skills": [{"uri": MOTOR, "level": 2}, {"uri": BATTERY, "level": 2}],
    "courses": ["c2", "c3"],
    "requires": ["batteries"],
}


def write(tmp_path: Path, value: Any, name: str = "badges.json") -> Path:
    path = tmp_path / name
    path.write_text(value if isinstance(value, str) else json.dumps(value, indent=2), encoding="utf-8")
    return path


def counts(session: Session) -> tuple[int, ...]:
    return tuple(
        session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Badge, BadgeSkill, BadgeCourse, BadgePrerequisite)
    )


def test_import_is_complete_and_idempotent(world: Session, tmp_path: Path) -> None:
    path = write(tmp_path, doc(BASE, STACKED))
    report = badge_store.import_badges(db_session=world, path=path)
    assert (report.badges, report.created) == (2, 2)
    assert counts(world) == (2, 3, 4, 1)
    stored = badge_store.load_badge(db_session=world, badge_id="powertrain")
    assert (stored.earned_by, stored.courses, stored.requires, stored.issuer) == (
        "all",
        ("c2", "c3"),
        ("batteries",),
        "Skills programme",
    )
    again = badge_store.import_badges(db_session=world, path=path)
    assert (again.created, again.updated) == (0, 2)
    assert counts(world) == (2, 3, 4, 1)


def test_export_is_an_open_badges_achievement(world: Session, tmp_path: Path) -> None:
    badge_store.import_badges(db_session=world, path=write(tmp_path, doc(BASE, STACKED)))
    achievement = badge_store.export_achievement(db_session=world, badge_id="powertrain")
    assert all(achievement[name] for name in ACHIEVEMENT_REQUIRED)
    assert {a["targetUrl"] for a in achievement["alignment"]} == {BATTERY, MOTOR}
    assert all(all(a[name] for name in ALIGNMENT_REQUIRED) for a in achievement["alignment"])
    assert {a["targetName"] for a in achievement["alignment"]} == {"battery chemistry", "electric motors"}
    assert "Complete both of these courses:\n- Motors\n- Drives" in achievement["criteria"]["narrative"]
    assert "You need these badges first: Batteries." in achievement["criteria"]["narrative"]
    with pytest.raises(UnknownBadge, match="closest matches: powertrain"):
        badge_store.export_achievement(db_session=world, badge_id="powertrian")


BAD = [
    ("not json", '{"badges": [\n', 2, None, "not valid JSON"),
    ("no list", {"badge": []}, 1, None, "expected"),
    ("missing name", doc({**BASE, "name": ""}), 5, "name", "required"),
    ("unknown field", doc({**BASE, "colour": "red"}), 5, "colour", "unknown field"),
    ("bad rule", doc({**BASE, "earned_by": "luck"}), 5, "earned_by", "earned_by must be one of"),
    ("k too big", doc({**BASE, "k": 3}), 5, "k", "between 1 and 2"),
    (
        "all without courses",
        doc({**BASE, "earned_by": "all", "k": None, "courses": []}),
        5,
        "courses",
        "course",
    ),
    ("bad level", doc({**BASE, "skills": [{"uri": BATTERY, "level": 5}]}), 5, "skills", "0..4"),
    (
        "unknown skill",
        doc({**BASE, "skills": [{"uri": ESCO + "x", "level": 1}]}),
        5,
        "skills",
        "unknown ESCO",
    ),
    ("unknown course", doc({**BASE, "courses": ["c1", "c9"]}), 5, "courses", "unknown course 'c9'"),
    ("unknown badge", doc({**STACKED, "requires": ["nope"]}), 5, "requires", "unknown badge 'nope'"),
    ("duplicate id", doc(BASE, {**STACKED, "id": "batteries", "requires": []}), 30, "id", "duplicate id"),
    ("id not a string", doc(BASE, {**STACKED, "id": 7}), 30, "id", "must be a string"),  # was no line
    (
        "cycle",
        doc({**BASE, "requires": ["powertrain"]}, STACKED),
        None,
        "requires",
        "batteries -> powertrain -> batteries",
    ),
]


@pytest.mark.parametrize(("case", "content", "line", "column", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_badge_file_gives_one_clear_error_and_writes_nothing(
    world: Session,
    tmp_path: Path,
    case: str,
    content: Any,
    line: int | None,
    column: str | None,
    message: str,
) -> None:
    path = write(tmp_path, content)
    with pytest.raises(ImportFormatError) as error:
        badge_store.import_badges(db_session=world, path=path)
    assert error.value.file == str(path)
    assert message in str(error.value)
    assert error.value.column == column
    if line != 30:  # the second badge's line depends on the layout; it is located all the same
        assert error.value.line == line
    else:
        assert error.value.line is not None
    assert counts(world) == (0, 0, 0, 0)


def test_esco_first(db_session: Session, tmp_path: Path) -> None:
    with pytest.raises(EscoNotImported):
        badge_store.import_badges(db_session=db_session, path=write(tmp_path, doc(BASE)))


@pytest.mark.slow
def test_default_catalogue_and_badges_load_once(esco_session: Session) -> None:
    courses = catalogue.import_default_catalogue(db_session=esco_session)
    assert courses.courses == 3994 and not courses.skipped
    assert (
        courses.skills["inferred"] > 15000 and courses.skills["hint"] > 1000 and courses.skills["curated"] > 0
    )
    assert courses.prerequisites["level"] > 0 and courses.prerequisites["curated"] > 0
    badges = badge_store.import_default_badges(db_session=esco_session)
    assert badges.badges >= 10 and not badges.skipped
    assert catalogue.import_default_catalogue(db_session=esco_session).skipped
    assert badge_store.import_default_badges(db_session=esco_session).skipped
    for row in badge_store.list_badges(db_session=esco_session):
        achievement = badge_store.export_achievement(db_session=esco_session, badge_id=row["id"])
        assert all(achievement[name] for name in ACHIEVEMENT_REQUIRED)
        assert len(achievement["name"]) <= 60 and len(achievement["description"]) >= 80
        assert all(a["targetName"] != a["targetUrl"] for a in achievement["alignment"])  # labels found
