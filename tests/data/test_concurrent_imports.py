"""Imports at the same time: the second waits for the first or says it is busy, never interleaves; readers
of the catalogue see the old one or the new one, never a mix (SQLite and PostgreSQL, threads)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from api.services.plans import load_plan_options
from data import catalogue
from data.db import transaction
from data.locks import ImportBusy, lock_reference_data
from data.models import Course, CourseSkill, Skill

ESCO = "http://data.europa.eu/esco/skill/"
SKILLS = [ESCO + f"s{i}" for i in range(4)]
HEADER = (
    "id,title,provider,language,level,hours,price,currency,delivery_mode,region,start_dates,skills,"
    "prerequisites\n"
)


def _catalogue(tmp_path: Path, version: int, courses: int) -> Path:
    """A catalogue whose every course says which version it is (hours) and teaches skills of it."""
    lines = [
        f"c{i},Course {i} v{version},Acme,en,introductory,{version * 10 + i % 7},0,EUR,online,,,"
        f"{SKILLS[(i + version) % 4]}@{version},\n"
        for i in range(courses)
    ]
    path = tmp_path / f"catalogue_v{version}.csv"
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


def _import(engine: Engine, path: Path, **kwargs: Any) -> catalogue.ImportReport:
    with transaction(engine) as session:
        return catalogue.import_catalogue(
            db_session=session, path=path, curated=None, skill_rules=None, name="acme", **kwargs
        )


@pytest.fixture
def engine(fresh_engine: Engine) -> Engine:
    with transaction(fresh_engine) as session:
        session.add_all([Skill(uri=uri, preferred_label=uri[-2:], description="") for uri in SKILLS])
    return fresh_engine


def _state(engine: Engine) -> tuple[dict[str, float], set[tuple[str, str, int]]]:
    with transaction(engine) as session:
        hours = {course.id: course.hours for course in session.scalars(select(Course))}
        taught = {(row.course_id, row.skill_uri, row.level) for row in session.scalars(select(CourseSkill))}
    return hours, taught


def test_a_second_import_of_the_same_catalogue_waits_for_the_first(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _catalogue(tmp_path, 2, 40)
    inside, order = threading.Event(), []
    real_write = catalogue.write_courses

    def slow_first_write(*args: Any, **kwargs: Any) -> Any:
        if not inside.is_set():  # the first import, holding the lock, pauses half-way
            inside.set()
            time.sleep(1.0)
        order.append("write")
        return real_write(*args, **kwargs)

    monkeypatch.setattr(catalogue, "write_courses", slow_first_write)
    reports: dict[str, catalogue.ImportReport] = {}
    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            with transaction(engine) as session:
                # marked as the commit starts, while the import lock is still held: marking it after the
                # commit raced with the second import, which may write before this thread runs again
                event.listen(session, "before_commit", lambda _session: order.append(f"{name} committed"))
                reports[name] = catalogue.import_catalogue(
                    db_session=session, path=path, curated=None, skill_rules=None, name="acme"
                )
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    first = threading.Thread(target=run, args=("first",))
    first.start()
    assert inside.wait(30)
    second = threading.Thread(target=run, args=("second",))
    second.start()
    first.join(60)
    second.join(60)
    assert errors == []
    assert order == ["write", "first committed", "write", "second committed"]  # never interleaved
    assert (reports["first"].created, reports["second"].created) == (40, 0)
    assert reports["second"].updated == 40  # the second ran on what the first committed
    hours, taught = _state(engine)
    assert len(hours) == 40 and len(taught) == 40


def test_an_import_that_cannot_wait_long_enough_fails_clearly_and_writes_nothing(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from data import locks

    monkeypatch.setattr(locks, "WAIT_SECONDS", 0.5)
    _import(engine, _catalogue(tmp_path, 1, 10))
    before = _state(engine)
    holding, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        with transaction(engine) as session:
            lock_reference_data(session)
            holding.set()
            release.wait(30)

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert holding.wait(30)
        started = time.perf_counter()
        with pytest.raises(
            ImportBusy, match="another import of reference data .* did not finish within 0.5 s"
        ):
            _import(engine, _catalogue(tmp_path, 2, 10))
        assert time.perf_counter() - started < 10
    finally:
        release.set()
        holder.join(30)
    assert _state(engine) == before


def test_readers_see_one_whole_catalogue_never_a_mix(engine: Engine, tmp_path: Path) -> None:
    old_path = _catalogue(tmp_path, 1, 60)
    _import(engine, old_path)
    old = _state(engine)
    new_path = _catalogue(tmp_path, 2, 90)
    seen: list[tuple[frozenset[tuple[str, float]], frozenset[tuple[str, str, int]]]] = []
    done = threading.Event()

    def read_while_importing() -> None:
        while not done.is_set() or len(seen) < 3:
            with transaction(engine, snapshot=True) as session:
                options = load_plan_options(db_session=session)
            seen.append(
                (
                    frozenset((course.id, course.hours) for course in options.courses),
                    frozenset(
                        (course.id, uri, level)
                        for course in options.courses
                        for uri, level in course.skills.items()
                    ),
                )
            )

    reader = threading.Thread(target=read_while_importing)
    reader.start()
    committed = [old]  # every state an import committed: a reader may see any one of them whole
    try:
        for path in (new_path, old_path) * 4:  # several commits, several chances to catch a mix
            _import(engine, path)
            committed.append(_state(engine))
    finally:
        done.set()
        reader.join(120)
    whole = {(frozenset(hours.items()), frozenset(taught)) for hours, taught in committed}
    assert len(whole) >= 2
    for hours, taught in seen:
        assert (hours, taught) in whole, "a reader saw part of one catalogue and part of another"
    assert len(seen) >= 3
