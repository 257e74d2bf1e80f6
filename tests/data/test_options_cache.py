"""The plan options cache: read from the database once per reference version, loaded equal afterwards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from data import options_cache
from data.db import transaction
from data.models import (
    Badge,
    BadgeCourse,
    BadgePrerequisite,
    BadgeSkill,
    Course,
    CoursePrerequisite,
    CourseSkill,
    Skill,
)
from tests.conftest import counted_calls

S1, S2 = "http://data.europa.eu/esco/skill/s1", "http://data.europa.eu/esco/skill/s2"


@pytest.fixture
def catalogue_engine(fresh_engine: Engine) -> Engine:
    """Courses with every kind of field the planner reads, and badges of each kind (committed)."""
    with transaction(fresh_engine) as session:
        session.add_all(Skill(uri=uri, preferred_label=uri[-2:], alt_labels=[]) for uri in (S2, S1))
        session.add_all(
            [
                Course(id="b", title="B", hours=10.5, price=20, certificate_price=49.0, currency="EUR",
                       language="en", start_dates=["2027-03-01", "2027-02-01"], catalogue="edx"),
                Course(id="a", title="Ä course", hours=5, price=0, currency="USD", language="de",
                       level="advanced", delivery_mode="blended", region="DE11"),
                Course(id="c", title="C", hours=1, language="und", flags=["price-unknown"],
                       subject=b"\x00<\x00\xbc"),
            ]
        )  # fmt: skip
        session.flush()
        session.add_all(
            [
                CourseSkill(course_id="a", skill_uri=S2, level=1, confidence=0.37, source="inferred"),
                CourseSkill(course_id="a", skill_uri=S1, level=3),
                CourseSkill(course_id="b", skill_uri=S1, level=2, confidence=0.9, source="hint"),
                CoursePrerequisite(course_id="a", prerequisite_id="b", origin="catalogue"),
                Badge(id="x", name="X", earned_by="k_of_n", k=1),
                Badge(id="y", name="Y", earned_by="assessment"),
            ]
        )
        session.flush()
        session.add_all(
            [
                BadgeCourse(badge_id="x", course_id="b"),
                BadgeCourse(badge_id="x", course_id="a"),
                BadgeSkill(badge_id="y", skill_uri=S1, level=3),
                BadgePrerequisite(badge_id="y", required_badge_id="x"),
            ]
        )
    return fresh_engine


def test_a_cached_copy_loads_equal_to_what_the_database_holds(
    catalogue_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with transaction(catalogue_engine, read_only=True) as session:
        direct = options_cache.read_options(db_session=session)
    reads = counted_calls(monkeypatch, options_cache, "read_options")
    cache = tmp_path / "cache"
    first = options_cache.cached_options(engine=catalogue_engine, cache_dir=cache)
    loaded = options_cache.cached_options(engine=catalogue_engine, cache_dir=cache)
    assert len(reads) == 1, "the second call reads the cached copy, not the database"
    assert [p.name.startswith("plan-options-") for p in cache.iterdir()] == [True]
    assert first == direct and loaded == direct
    assert [c.id for c in loaded.courses] == ["a", "b", "c"]
    a, b, c = loaded.courses
    assert list(a.skills.items()) == list(direct.courses[0].skills.items())  # the same order, too
    assert (a.confidence, a.prerequisites[0].course_id, a.title) == ({S2: 0.37}, "b", "Ä course")
    assert [day.isoformat() for day in b.start_dates] == ["2027-02-01", "2027-03-01"]
    assert loaded.terms["b"].certificate_price == 49.0 and not loaded.terms["c"].price_known
    assert [(badge.id, badge.courses, badge.k, badge.required_badges) for badge in loaded.badges] == [
        ("x", ("a", "b"), 1, ()),
        ("y", (), None, ("x",)),
    ]
    assert loaded.subjects == {"c": b"\x00<\x00\xbc"}  # an imported course's subject vector, bytes as kept


def test_a_catalogue_write_makes_a_new_copy(catalogue_engine: Engine, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    options_cache.cached_options(engine=catalogue_engine, cache_dir=cache)
    with transaction(catalogue_engine) as session:
        session.add(Course(id="d", title="D", hours=2, currency="EUR", language="en"))
    after = options_cache.cached_options(engine=catalogue_engine, cache_dir=cache)
    assert [c.id for c in after.courses] == ["a", "b", "c", "d"]
    assert len(list(cache.glob("plan-options-*"))) == 2


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda path: path.write_text("{not json", encoding="utf-8"), id="not-json"),
        pytest.param(lambda path: path.write_text('{"format": "old"}', encoding="utf-8"), id="old-format"),
        pytest.param(lambda path: path.unlink(), id="missing"),
        pytest.param(
            lambda path: path.write_text(
                json.dumps({**json.loads(path.read_text("utf-8")), "badges": [{"id": "x"}]}), "utf-8"
            ),
            id="a-field-missing",
        ),
        pytest.param(
            lambda path: path.write_text(
                path.read_text("utf-8").replace('"hours": 10.5', '"hours": -1'), encoding="utf-8"
            ),
            id="an-invalid-course",
        ),
        pytest.param(
            lambda path: path.write_text(
                json.dumps({**json.loads(path.read_text("utf-8")), "terms": [["b", 1.0]]}), "utf-8"
            ),
            id="a-list-for-an-object",
        ),
    ],
)
def test_an_unreadable_copy_is_read_again_from_the_database(
    catalogue_engine: Engine, tmp_path: Path, damage: object
) -> None:
    cache = tmp_path / "cache"
    built = options_cache.cached_options(engine=catalogue_engine, cache_dir=cache)
    (folder,) = cache.glob("plan-options-*")
    damage(folder / "options.json")  # type: ignore[operator]
    assert options_cache.cached_options(engine=catalogue_engine, cache_dir=cache) == built
    assert options_cache.load(folder) == built, "the copy is written again"


def test_the_key_depends_on_the_token_and_the_confidence_kept() -> None:
    before = options_cache.cache_key("a")
    assert options_cache.cache_key("a") == before
    assert options_cache.cache_key("b") != before
    assert options_cache.cache_key("a", 0.5) != before


def test_a_build_reads_one_snapshot_while_an_import_commits(catalogue_engine: Engine, tmp_path: Path) -> None:
    """The token and everything the build reads come from one snapshot (SQLite and PostgreSQL): a course
    committed by another connection during the build is in neither, and the next call builds again."""
    from sqlalchemy import func, select

    from data import derived_cache
    from data.reference_version import reference_version

    seen: list[tuple[int, int, str]] = []

    def build(session: Session) -> int:
        first = session.scalar(select(func.count()).select_from(Course)) or 0
        if not seen:
            with transaction(catalogue_engine) as other:  # an import commits meanwhile
                other.add(Course(id="late", title="Late", hours=1, currency="EUR", language="en"))
        second = session.scalar(select(func.count()).select_from(Course)) or 0
        seen.append((first, second, reference_version(session)))
        return second

    def save(count: int, folder: Path) -> None:
        folder.mkdir()
        (folder / "n").write_text(str(count))

    def cached() -> int:
        return derived_cache.cached(
            engine=catalogue_engine,
            cache_dir=tmp_path,
            kind="count",
            key=lambda token: token[:12],
            build=build,
            save=save,
            load=lambda folder: int((folder / "n").read_text()),
        )

    assert cached() == 3
    assert seen[0][:2] == (3, 3), "the build's second read saw the course committed meanwhile"
    with catalogue_engine.connect() as connection:
        assert reference_version(connection) != seen[0][2]
    assert cached() == 4 and len(seen) == 2  # a new token: built again, the late course in
    assert cached() == 4 and len(seen) == 2  # and kept
