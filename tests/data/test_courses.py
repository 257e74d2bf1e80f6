"""Catalogue import: documented CSV and JSON, inferred and curated skills, prerequisites, idempotence, and
bad files (each gives one clear error and writes nothing)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data import catalogue, sentence_model, subject_vectors
from data.defaults import PLANNING_MIN_CONFIDENCE
from data.formats import coursera, courses, curation, edx, udemy
from data.models import Course, CoursePrerequisite, CourseSkill, Provenance, Skill
from data.skill_texts import EscoNotImported
from evaluation import course_levels
from recommender.errors import ImportFormatError
from recommender.tagging import LinkCalibration, LinkEvidence, SkillTagger, SkillText
from tests.conftest import shared_data

ESCO = "http://data.europa.eu/esco/skill/"
BATTERY, MOTOR, BREAD, SAFETY = (ESCO + name for name in ("battery", "motor", "bread", "safety"))
HEADER = (
    "id,title,provider,language,level,hours,price,currency,delivery_mode,region,start_dates,skills,"
    "prerequisites\n"
)


@pytest.fixture
def skills(db_session: Session) -> Session:
    db_session.add_all(
        [
            Skill(
                uri=BATTERY,
                preferred_label="battery chemistry",
                alt_labels=["batteries"],
                description="Cells.",
            ),
            Skill(uri=MOTOR, preferred_label="electric motors", alt_labels=[], description="Motors."),
            Skill(
                uri=BREAD,
                preferred_label="bake bread",
                alt_labels=[],
                description="Bake loaves.",
                skill_type="skill/competence",
            ),
            Skill(
                uri=SAFETY,
                preferred_label="electrical safety regulations",
                alt_labels=[],
                description="Rules.",
            ),
        ]
    )
    db_session.flush()
    return db_session


def write(tmp_path: Path, text: str, name: str = "catalogue.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = HEADER + (
    f"ev-101,EV basics,Acme,en,introductory,10,0,EUR,online,,,{BATTERY}@1;{MOTOR},\n"
    "ev-201,EV batteries in depth,Acme,en,intermediate,20.5,120,EUR,in-person,DE11,"
    f"2026-09-01;2026-03-01,{BATTERY}@2,ev-101\n"
    "ev-301,Battery chemistry and electric motors,Acme,en,advanced,30,0,EUR,blended,DE11,,,\n"
)


def counts(session: Session) -> tuple[int, int, int]:
    return (
        session.scalar(select(func.count()).select_from(Course)) or 0,
        session.scalar(select(func.count()).select_from(CourseSkill)) or 0,
        session.scalar(select(func.count()).select_from(CoursePrerequisite)) or 0,
    )


def no_curation(**kwargs: object) -> catalogue.ImportReport:
    return catalogue.import_catalogue(curated=None, skill_rules=None, **kwargs)  # type: ignore[arg-type]


def test_csv_import_explicit_inferred_and_prerequisites(skills: Session, tmp_path: Path) -> None:
    report = no_curation(db_session=skills, path=write(tmp_path, GOOD))
    assert (report.courses, report.created, report.updated) == (3, 3, 0)
    course = skills.get(Course, "ev-201")
    assert course is not None
    assert (course.hours, course.price, course.region, course.start_dates) == (
        20.5,
        120.0,
        "DE11",
        ["2026-03-01", "2026-09-01"],
    )
    rows = {
        (r.course_id, r.skill_uri): (r.level, r.source, r.confidence)
        for r in skills.scalars(select(CourseSkill))
    }
    assert rows[("ev-101", BATTERY)] == (1, "explicit", 1.0)
    assert rows[("ev-101", MOTOR)] == (1, "explicit", 1.0)  # the course level's default
    inferred = {
        uri: confidence
        for (cid, uri), (_l, source, confidence) in rows.items()
        if cid == "ev-301" and source == "inferred"
    }
    # "electric" and "electrical" share a stem: the safety rules are found, below the planning confidence.
    floor = PLANNING_MIN_CONFIDENCE
    assert {uri for uri, confidence in inferred.items() if confidence >= floor} == {BATTERY, MOTOR}
    assert set(inferred) <= {BATTERY, MOTOR, SAFETY}
    assert all(rows[("ev-301", uri)][0] == 3 for uri in inferred)
    assert report.untagged == []
    edges = {(e.course_id, e.prerequisite_id, e.origin) for e in skills.scalars(select(CoursePrerequisite))}
    assert ("ev-201", "ev-101", "catalogue") in edges
    assert ("ev-301", "ev-201", "level") in edges  # battery chemistry at 3 needs it at 2
    assert report.prerequisites["catalogue"] == 1


BATTERY_TECHNICIAN = "http://data.europa.eu/esco/occupation/06bd6285-13ed-4ea7-90cc-e9638a0600a9"
ACCOUNTANT = "http://data.europa.eu/esco/occupation/eda0d957-3c3c-4139-b89a-a18bc9e18897"


def test_imported_courses_are_embedded_for_their_subject_which_plans_read(
    skills: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not sentence_model.available():
        pytest.skip(f"the sentence model is not installed: {sentence_model.INSTALL}")
    report = no_curation(db_session=skills, path=write(tmp_path, GOOD))
    assert report.subjects_embedded == 3 and report.as_dict()["subjects_embedded"] == 3
    stored = subject_vectors.stored(skills)
    assert sorted(stored) == ["ev-101", "ev-201", "ev-301"]
    vectors = subject_vectors.combined(subject_vectors.load(), stored)
    assert vectors is not None and vectors is not subject_vectors.load()
    battery, accountant = vectors.fit(BATTERY_TECHNICIAN), vectors.fit(ACCOUNTANT)
    assert battery is not None and accountant is not None
    # the battery course is about the battery technician's work, not the accountant's
    assert battery.cosines["ev-301"] > accountant.cosines["ev-301"] + 0.1
    assert battery.cosines["ev-201"] > 0.3
    # the vendored courses keep theirs
    vendored = subject_vectors.load()
    assert vendored is not None and (own := vendored.fit(BATTERY_TECHNICIAN)) is not None
    assert battery.cosines[vendored.course_ids[0]] == own.cosines[vendored.course_ids[0]]
    # without the model, the import says which courses plans will not judge by their subject
    monkeypatch.setattr(sentence_model, "available", lambda: False)
    again = no_curation(db_session=skills, path=write(tmp_path, GOOD.replace("ev-", "ev2-")))
    assert (
        "3 course(s) not judged by their subject in plans: the sentence model is not installed "
        f"(`{sentence_model.INSTALL}`)"
    ) in again.notes
    assert sorted(subject_vectors.stored(skills)) == ["ev-101", "ev-201", "ev-301"]
    # imported again without the model, a course's vector of the earlier import is not kept (its text may
    # have changed)
    no_curation(db_session=skills, path=write(tmp_path, GOOD.replace("EV basics", "EV basics revised")))
    assert subject_vectors.stored(skills) == {}


def test_a_bundled_course_imported_with_another_text_is_embedded_anew(
    skills: Session, tmp_path: Path
) -> None:
    if not sentence_model.available():
        pytest.skip(f"the sentence model is not installed: {sentence_model.INSTALL}")
    header = "id,title,summary,language,level,hours,price,currency,delivery_mode\n"
    bundled = (
        "edx-how-to-learn-online,How to Learn Online,"
        "Learn essential strategies for successful online learning"
    )
    rest = ",en,introductory,5,0,USD,online\n"
    # as the bundled catalogue has it (spaces aside): the vendored vector serves, nothing is embedded
    same = no_curation(
        db_session=skills, path=write(tmp_path, header + bundled.replace(" Online", "  Online") + rest)
    )
    assert same.subjects_embedded == 0 and subject_vectors.stored(skills) == {}
    # another text under the same id: embedded, and its vector is the one plans read
    changed = (
        "edx-how-to-learn-online,Lithium-ion battery cells: chemistry and safety,"
        "Electrolytes and cell chemistry"
    )
    report = no_curation(db_session=skills, path=write(tmp_path, header + changed + rest))
    assert report.subjects_embedded == 1 and list(subject_vectors.stored(skills)) == [
        "edx-how-to-learn-online"
    ]
    vendored = subject_vectors.load()
    vectors = subject_vectors.of_database(skills)
    assert vendored is not None and vectors is not None
    before, after = vendored.fit(BATTERY_TECHNICIAN), vectors.fit(BATTERY_TECHNICIAN)
    assert before is not None and after is not None
    assert after.cosines["edx-how-to-learn-online"] > before.cosines["edx-how-to-learn-online"] + 0.1
    # back to the bundled text: the vector kept for the other text goes, the vendored one serves again
    assert (
        no_curation(db_session=skills, path=write(tmp_path, header + bundled + rest)).subjects_embedded == 0
    )
    assert subject_vectors.stored(skills) == {} and subject_vectors.of_database(skills) is vendored


def test_without_the_sentence_model_the_import_says_it_tagged_by_words_only(
    skills: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_model = no_curation(db_session=skills, path=write(tmp_path, GOOD))
    assert not any("words only" in note for note in with_model.notes) or not sentence_model.available()
    monkeypatch.setattr(sentence_model, "available", lambda: False)
    report = no_curation(db_session=skills, path=write(tmp_path, GOOD))
    assert any("words only" in note and "pip install --no-deps" in note for note in report.notes)
    inferred = {
        r.skill_uri for r in skills.scalars(select(CourseSkill).where(CourseSkill.course_id == "ev-301"))
    }
    assert {BATTERY, MOTOR} <= inferred  # still tagged, by its words


def test_import_twice_changes_nothing(skills: Session, tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    no_curation(db_session=skills, path=path)
    first = (
        counts(skills),
        sorted((r.course_id, r.skill_uri, r.confidence) for r in skills.scalars(select(CourseSkill))),
    )
    again = no_curation(db_session=skills, path=path)
    second = (
        counts(skills),
        sorted((r.course_id, r.skill_uri, r.confidence) for r in skills.scalars(select(CourseSkill))),
    )
    assert first == second
    assert (again.created, again.updated) == (0, 3)
    assert (
        skills.scalar(select(func.count()).select_from(Provenance).where(Provenance.source == "courses")) == 1
    )


def test_json_import(skills: Session, tmp_path: Path) -> None:
    doc = {
        "catalogue": "acme-2026",
        "courses": [
            {
                "id": "j1",
                "title": "Motors",
                "language": "en",
                "hours": 4,
                "skills": [{"uri": MOTOR, "level": 2}],
            },
            {
                "id": "j2",
                "title": "More motors",
                "language": "en",
                "hours": 6,
                "prerequisites": ["j1"],
                "funding_schemes": ["Bildungsgutschein"],
            },
        ],
    }
    report = no_curation(db_session=skills, path=write(tmp_path, json.dumps(doc, indent=2), "c.json"))
    assert report.catalogue == "acme-2026"
    j2 = skills.get(Course, "j2")
    assert j2 is not None and j2.funding_schemes == ["Bildungsgutschein"] and j2.catalogue == "acme-2026"


def test_curated_file_removes_and_adds(skills: Session, tmp_path: Path) -> None:
    curated = write(
        tmp_path,
        "# a comment\ncourse_id,skill_uri,action,level,note\n"
        f"*,{MOTOR},remove,,motors are not taught anywhere\n"
        f"ev-301,{SAFETY},add,2,safety briefing\n",
        "curated.csv",
    )
    catalogue.import_catalogue(
        db_session=skills, path=write(tmp_path, GOOD), curated=curated, skill_rules=None
    )
    rows = {(r.course_id, r.skill_uri): r.source for r in skills.scalars(select(CourseSkill))}
    assert ("ev-301", MOTOR) not in rows  # inferred, removed
    assert rows[("ev-101", MOTOR)] == "explicit"  # explicit skills are the catalogue's word, kept
    assert rows[("ev-301", SAFETY)] == "curated"


def test_curate_confirms_removes_and_adds_links_in_the_database(skills: Session, tmp_path: Path) -> None:
    no_curation(db_session=skills, path=write(tmp_path, GOOD))

    def links() -> dict[tuple[str, str], tuple[int, float, str]]:
        return {
            (r.course_id, r.skill_uri): (r.level, r.confidence, r.source)
            for r in skills.scalars(select(CourseSkill))
        }

    before = links()
    assert before[("ev-301", BATTERY)][2] == "inferred" and before[("ev-301", BATTERY)][1] < 1
    curated = write(
        tmp_path,
        "course_id,skill_uri,action,level,note\n"
        f"ev-301,{BATTERY},confirm,,checked the syllabus\n"
        f"ev-301,{MOTOR},remove,,\n"
        f"ev-201,{BREAD},add,1,\n",
        "curated.csv",
    )
    report = catalogue.curate_courses(db_session=skills, path=curated)
    assert (report.added, report.confirmed, report.removed, report.courses_changed) == (1, 1, 1, 2)
    after = links()
    assert after[("ev-301", BATTERY)] == (before[("ev-301", BATTERY)][0], 1.0, "curated")  # level kept
    assert ("ev-301", MOTOR) not in after
    assert after[("ev-201", BREAD)] == (1, 1.0, "curated")
    assert after[("ev-101", MOTOR)] == before[("ev-101", MOTOR)]  # other courses untouched
    again = catalogue.curate_courses(db_session=skills, path=curated)
    assert (again.added, again.confirmed, again.removed, again.courses_changed) == (0, 0, 0, 0)


def test_curate_checks_the_whole_file_first(skills: Session, tmp_path: Path) -> None:
    no_curation(db_session=skills, path=write(tmp_path, GOOD))
    count = skills.scalar(select(func.count()).select_from(CourseSkill))
    bad = write(
        tmp_path,
        f"course_id,skill_uri,action,level,note\nev-301,{MOTOR},remove,,\nev-999,{MOTOR},add,,\n",
        "curated.csv",
    )
    with pytest.raises(ImportFormatError, match="unknown course 'ev-999'") as error:
        catalogue.curate_courses(db_session=skills, path=bad)
    assert (error.value.line, error.value.column) == (3, "course_id")
    assert skills.scalar(select(func.count()).select_from(CourseSkill)) == count  # nothing written


BAD_CASES = [
    ("missing column", "id,title,language\nx,X,en\n", 1, None, "hours"),
    ("hours not a number", HEADER + "x,X,,en,,ten,,,,,,,\n", 2, "hours", "number"),
    ("hours zero", HEADER + "x,X,,en,,0,,,,,,,\n", 2, "hours", "greater than 0"),
    ("bad level", HEADER + "ok,OK,,en,,1,,,,,,,\nx,X,,en,expert,1,,,,,,,\n", 3, "level", "introductory"),
    ("bad language", HEADER + "x,X,,English,,1,,,,,,,\n", 2, "language", "ISO 639-1"),
    ("bad mode", HEADER + "x,X,,en,,1,,,remote,,,,\n", 2, "delivery_mode", "online"),
    ("in-person without region", HEADER + "x,X,,en,,1,,,in-person,,,,\n", 2, "region", "NUTS"),
    ("bad date", HEADER + "x,X,,en,,1,,,,,1.9.2026,,\n", 2, "start_dates", "ISO"),
    ("negative price", HEADER + "x,X,,en,,1,-5,,,,,,\n", 2, "price", "at least 0"),
    ("bad currency", HEADER + "x,X,,en,,1,5,euro,,,,,\n", 2, "currency", "ISO 4217"),
    ("unknown skill", HEADER + f"x,X,,en,,1,,,,,,{ESCO}nope,\n", 2, "skills", "unknown ESCO skill"),
    ("bad skill level", HEADER + f"x,X,,en,,1,,,,,,{MOTOR}@7,\n", 2, "skills", "0..4"),
    ("duplicate id", HEADER + "x,X,,en,,1,,,,,,,\nx,Y,,en,,1,,,,,,,\n", 3, "id", "duplicate"),
    ("unknown prerequisite", HEADER + "x,X,,en,,1,,,,,,,zzz\n", 2, "prerequisites", "unknown prerequisite"),
    (
        "prerequisite cycle",
        HEADER + "x,X,,en,,1,,,,,,,y\ny,Y,,en,,1,,,,,,,x\n",
        None,
        "prerequisites",
        "x -> y -> x",
    ),
    ("extra values", HEADER + "x,X,,en,,1,,,,,,,,surplus\n", 2, None, "more values"),
]


@pytest.mark.parametrize(
    ("case", "text", "line", "column", "message"), BAD_CASES, ids=[c[0] for c in BAD_CASES]
)
def test_bad_catalogue_gives_one_clear_error_and_writes_nothing(
    skills: Session, tmp_path: Path, case: str, text: str, line: int | None, column: str | None, message: str
) -> None:
    path = write(tmp_path, text)
    before = counts(skills)
    with pytest.raises(ImportFormatError) as error:
        no_curation(db_session=skills, path=path)
    assert error.value.file == str(path)
    assert error.value.line == line
    assert error.value.column == column
    assert message in str(error.value)
    assert counts(skills) == before


def test_bad_json_is_located(skills: Session, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '{"courses": [\n  {"id": "a", "title": "A", "language": "en", "hours": 1},\n  {"id": "b",\n',
        "c.json",
    )
    with pytest.raises(ImportFormatError, match="not valid JSON") as error:
        no_curation(db_session=skills, path=path)
    assert error.value.line == 4
    path = write(
        tmp_path,
        '{"courses": [\n  {"id": "a", "title": "A", "language": "en",\n   "hours": -1}\n]}',
        "d.json",
    )
    with pytest.raises(ImportFormatError) as error:
        no_curation(db_session=skills, path=path)
    assert (error.value.line, error.value.column) == (2, "hours")
    assert counts(skills) == (0, 0, 0)


def test_esco_must_be_imported_first(db_session: Session, tmp_path: Path) -> None:
    with pytest.raises(EscoNotImported, match="upskill import esco"):
        no_curation(db_session=db_session, path=write(tmp_path, GOOD))


def test_list_courses_gives_skills_with_source(skills: Session, tmp_path: Path) -> None:
    no_curation(db_session=skills, path=write(tmp_path, GOOD))
    listed = {row["id"]: row for row in catalogue.list_courses(db_session=skills)}
    assert set(listed) == {"ev-101", "ev-201", "ev-301"}
    first = listed["ev-101"]
    assert {k: first[k] for k in ("title", "hours", "price", "currency", "level", "language")} == {
        "title": "EV basics",
        "hours": 10.0,
        "price": 0.0,
        "currency": "EUR",
        "level": "introductory",
        "language": "en",
    }
    assert {s["uri"] for s in first["skills"]} == {BATTERY, MOTOR}
    assert set(first["skills"][0]) == {"uri", "level", "confidence", "source"}


# --- edX adapter ------------------------------------------------------------------------------------------

EDX_HEADER = (
    "title,summary,n_enrolled,course_type,institution,instructors,Level,subject,language,subtitles,"
    "course_effort,course_length,price,course_description,course_syllabus,course_url\n"
)


def test_edx_fields_are_converted(tmp_path: Path) -> None:
    assert edx.parse_weekly_hours("2–3 hours per week") * edx.parse_weeks("6 Weeks") == 15.0
    assert edx.parse_weekly_hours("8-10 hours per week") * edx.parse_weeks("1 Weeks") == 9.0
    assert edx.parse_price("FREE-Add a Verified Certificate for $49 USD") == (49.0, "USD")
    assert edx.parse_price("FREE-Add a Verified Certificate for $99.99 USD") == (99.99, "USD")
    assert edx.parse_price("FREE") == (None, "USD")
    row = (
        "Cars,NA,1,Self-paced,TU Delft,A,Intermediate,Engineering,English,English,{effort},5 Weeks,FREE,,,"
        "https://www.edx.org/course/cars{n}\n"
    )
    path = write(
        tmp_path,
        EDX_HEADER + row.format(effort="2–4 hours per week", n=1) + row.format(effort="a while", n=2),
    )
    with pytest.raises(ImportFormatError, match="expected an effort like") as error:
        edx.read(path)
    assert (error.value.line, error.value.column) == (3, "course_effort")


def test_edx_file_is_detected_and_imported(skills: Session, tmp_path: Path) -> None:
    row = (
        'Electric Cars,"Learn about batteries",1,Self-paced,TU Delft,A,Intermediate,Engineering,English,'
        "English,2–4 hours per week,5 Weeks,FREE-Add a Verified Certificate for $139 USD,"
        '"Battery chemistry, electric motors.",'
        ",https://www.edx.org/course/electric-cars\n"
    )
    path = write(tmp_path, EDX_HEADER + row + row)
    report = no_curation(db_session=skills, path=path)
    assert report.courses == 1 and report.catalogue == catalogue.EDX_NAME
    assert report.notes == ["line 3: skipped edx-electric-cars, a duplicate of an earlier row"]
    course = skills.get(Course, "edx-electric-cars")
    assert course is not None
    # The audit track: free to take, the verified certificate optional at its price.
    assert (course.hours, course.price, course.certificate_price, course.currency) == (
        15.0,
        0.0,
        139.0,
        "USD",
    )
    assert (course.level, course.language, course.catalogue) == ("intermediate", "en", "edx-2021")
    sources = {r.skill_uri: r.source for r in skills.scalars(select(CourseSkill))}
    assert sources.get(BATTERY) == "inferred"


def test_real_edx_snapshot_reads_whole() -> None:
    path = shared_data("courses", "edx_courses.csv")
    courses, notes = edx.read(path)
    assert len(courses) == 974 and len(notes) == 1
    assert all(c.record.hours > 0 for c in courses)


def test_vendored_default_catalogue_is_valid_and_carries_its_skills() -> None:
    data = catalogue.read_catalogue(catalogue.DEFAULT_CATALOGUE)
    by_catalogue = {
        name: sum(1 for r in data.records if r.catalogue == name)
        for name in ("edx-2021", "coursera", "udemy")
    }
    # 974 edX + 1,000 Coursera - 8 merged into edX + 2,064 Udemy - 36 repeated or without hours
    assert by_catalogue == {"edx-2021": 974, "coursera": 992, "udemy": 2028}
    assert len(data.records) == 3994
    assert all(not r.description for r in data.records)  # long texts are not vendored
    assert all(len(r.summary) <= coursera.SUMMARY_CHARS for r in data.records if r.catalogue == "coursera")
    with_skills = [r for r in data.records if r.skills]
    assert len(with_skills) >= 3700
    sources = {claim.source for r in with_skills for claim in r.skills}
    assert sources == {"inferred", "hint"}  # the file says where each link comes from
    edx_records = [r for r in data.records if r.catalogue == "edx-2021"]
    assert all(r.price == 0 and r.certificate_price for r in edx_records)  # audit track
    udemy_records = [r for r in data.records if r.catalogue == "udemy"]
    assert all({"price-unknown", "language-unknown", "title-only"} <= set(r.flags) for r in udemy_records)
    assert not any("title-only" in r.flags for r in data.records if r.catalogue != "udemy")
    # a course stating no level teaches at introductory's (Udemy, Coursera's "Mixed"), the others at theirs
    levels = {(r.level, c.level) for r in data.records for c in r.skills}
    assert levels == {(None, 1), ("introductory", 1), ("intermediate", 2), ("advanced", 3)}
    merges = catalogue.DEFAULT_MERGES.read_text(encoding="utf-8").splitlines()
    assert len(merges) == 1 + 8
    inferred = {r.language for r in data.records if any(c.source == "inferred" for c in r.skills)}
    # Courses in other languages are left to curators (the import lists them), never tagged in English;
    # a course whose language is not stated ("und") is tagged when its text reads as English.
    assert inferred == {"en", "und"}
    assert curation.read_curated_skills(catalogue.CURATED_SKILLS)
    assert curation.read_skill_rules(catalogue.SKILL_PREREQUISITES)


def test_the_default_file_imports_the_same_by_hand_as_by_default(skills: Session, tmp_path: Path) -> None:
    """``upskill run`` and ``upskill import courses data/default/catalogue.csv`` are one import, one file."""
    one = (
        HEADER.rstrip("\n")
        + ",catalogue,flags\n"
        + (
            "c-1,EV basics,Acme,en,introductory,10,0,USD,online,,,"
            f"{BATTERY}@1@0.4100@inferred;{MOTOR}@1@0.3000@hint,,coursera,price-assumed\n"
        )
    )
    path = write(tmp_path, one)
    no_curation(db_session=skills, path=path)
    rows = {(r.skill_uri, r.level, r.confidence, r.source) for r in skills.scalars(select(CourseSkill))}
    assert rows == {(BATTERY, 1, 0.41, "inferred"), (MOTOR, 1, 0.3, "hint")}
    course = skills.get(Course, "c-1")
    assert course is not None and (course.catalogue, course.flags) == ("coursera", ["price-assumed"])


COURSERA_HEADER = (
    ",course_title,course_organization,course_certificate_type,course_time,course_rating,course_reviews_num,"
    "course_difficulty,course_url,course_students_enrolled,course_skills,course_summary,course_description\n"
)


def test_coursera_fields_are_converted() -> None:
    assert coursera.parse_duration("1 - 4 Weeks") == coursera.Duration(2.5 * coursera.WEEKLY_HOURS, 1)
    assert coursera.parse_duration("3 - 6 Months").months == 6
    assert coursera.parse_duration("Less Than 2 Hours") == coursera.Duration(2.0, 1)
    with pytest.raises(ValueError, match="expected a duration"):
        coursera.parse_duration("a while")
    assert coursera.parse_list("['Circuit Design', 'Firmware', 'Circuit Design']") == [
        "Circuit Design",
        "Firmware",
    ]
    spec, course = "https://www.coursera.org/specializations/python", "https://www.coursera.org/learn/python"
    assert coursera.course_id(spec) == "coursera-python"
    assert coursera.course_id(spec, shared_slug=True) == "coursera-python-spec"
    assert coursera.course_id(course, shared_slug=True) == "coursera-python"


def test_coursera_file_is_detected_tags_become_hints_and_bad_rows_are_located(
    skills: Session, tmp_path: Path
) -> None:
    row = (
        "0,Electric Motors and Batteries,Acme University,Course,1 - 4 Weeks,4.8,10,Beginner,"
        'https://www.coursera.org/learn/ev-motors,"1,000","[\'electric motors\']","[\'Build motors\']",'
        '"This course explains how electric vehicles work: the batteries that store energy and the motors '
        'that drive the wheels, with examples from cars and buses in daily use."\n'
    )
    path = write(tmp_path, COURSERA_HEADER + row)
    report = no_curation(db_session=skills, path=path)
    assert (report.courses, report.catalogue) == (1, "coursera")
    course = skills.get(Course, "coursera-ev-motors")
    assert course is not None
    assert (course.level, course.language, course.hours, course.price, course.currency) == (
        "introductory",
        "en",
        10.0,
        coursera.MONTHLY_PRICE,
        "USD",
    )
    assert course.tags == ["electric motors"]
    assert set(course.flags) == {"hours-estimated", "price-assumed", "language-detected"}
    sources = {r.skill_uri: r.source for r in skills.scalars(select(CourseSkill))}
    assert sources[MOTOR] == "hint"  # from Coursera's own tag, said to be a hint
    bad = write(tmp_path, COURSERA_HEADER + row.replace("1 - 4 Weeks", "soon"), "bad.csv")
    with pytest.raises(ImportFormatError, match="expected a duration") as error:
        catalogue.read_catalogue(bad)
    assert (error.value.line, error.value.column) == (2, "course_time")


def test_udemy_file_flags_what_it_does_not_state(skills: Session, tmp_path: Path) -> None:
    header = "Title,URL,Rating,Reviews,Duration,Instructor,MainType,Subtype\n"
    rows = (
        "Electric motors for beginners,https://www.udemy.com/course/motors/,4.5,-10,2.5 total hours,Ann,"
        "development,engineering\n"
        "Motors again,https://www.udemy.com/course/motors/,4.5,-10,2.5 total hours,Ann,"
        "development,engineering\n"
        "Motor quiz,https://www.udemy.com/course/quiz/,4.5,-10,30 questions,Ann,development,engineering\n"
        "Short motors,https://www.udemy.com/course/short/,4.5,-10,45 total mins,Ann,development,engineering\n"
    )
    report = no_curation(db_session=skills, path=write(tmp_path, header + rows))
    assert report.courses == 2 and report.catalogue == "udemy"
    assert report.notes == [
        "line 3: skipped udemy-motors, the same course as line 2",
        "line 4: skipped udemy-quiz, no learning time stated ('30 questions')",
    ]
    course = skills.get(Course, "udemy-motors")
    assert course is not None and (course.language, course.price, course.hours) == ("und", 0.0, 2.5)
    assert set(course.flags) == {"price-unknown", "language-unknown", "title-only"}
    short = skills.get(Course, "udemy-short")
    assert short is not None and short.hours == 0.75


def test_offerings_merge_by_title_provider_and_language() -> None:
    def rec(id_: str, title: str, provider: str, language: str = "en") -> courses.CourseRecord:
        return courses.CourseRecord(id=id_, title=title, language=language, hours=1, provider=provider)

    kept, merges = catalogue.merge_offerings(
        [
            rec("edx-1", "Python Data Structures", "The University of Michigan"),
            rec("coursera-1", "Python  data structures", "University of Michigan"),
            rec("coursera-2", "Python Data Structures", "University of Michigan", "fr"),
            rec("coursera-3", "Python Data Structures", "Another University"),
        ]
    )
    assert [r.id for r in kept] == ["edx-1", "coursera-2", "coursera-3"]
    assert [(m.kept.id, m.dropped.id) for m in merges] == [("edx-1", "coursera-1")]


def test_real_coursera_and_udemy_snapshots_read_whole() -> None:
    found, notes = coursera.read(shared_data("courses", "coursera_courses.csv"))
    assert len(found) == 1000 and notes == []
    assert sum(1 for c in found if c.record.language == "en") >= 900
    listed, notes = udemy.read(shared_data("courses", "udemy_courses.csv"))
    assert len(listed) == 2028 and len(notes) == 36


def test_unstated_level_is_the_most_common_stated_one() -> None:
    """``UNSTATED_LEVEL`` is what the edX and Coursera snapshots' stated levels say, not a guess."""
    stated = course_levels.stated_levels(shared_data("courses"))
    levels = Counter(level for _title, level in stated)
    assert sum(levels.values()) == 1892 and levels["introductory"] == 1300
    assert course_levels.most_common_level(levels.elements()) == courses.UNSTATED_LEVEL == 1
    assert courses.skill_level_of(None) == courses.UNSTATED_LEVEL
    assert course_levels.cue_of("Introduction to Electronics") == "basics"
    assert course_levels.cue_of("Advanced Embedded Linux Development") == "advanced"
    assert course_levels.cue_of("Wind Energy") == "none"


def test_invalid_utf8_in_a_native_file_is_located(tmp_path: Path) -> None:
    path = tmp_path / "coursera.csv"
    path.write_bytes(COURSERA_HEADER.encode() + b"0,Caf\xe9,Acme,Course,1 - 4 Weeks\n")
    with pytest.raises(ImportFormatError, match="invalid UTF-8") as error:
        catalogue.read_catalogue(path)
    assert error.value.line == 2


@pytest.mark.parametrize(
    ("rows", "line", "column", "message"),
    [
        (f"ev-301,{ESCO}nope,add,2,typo\n", 3, "skill_uri", "unknown ESCO skill"),
        (f"*,{MOTOR},add,,everyone\n", 3, "action", "only works with remove"),
        (f"ev-301,{MOTOR},replace,,\n", 3, "action", "one of add, confirm, remove"),
        (f"ev-301,{MOTOR},add,9,\n", 3, "level", "0..4"),
    ],
)
def test_bad_curated_file_is_located_and_writes_nothing(
    skills: Session, tmp_path: Path, rows: str, line: int, column: str, message: str
) -> None:
    curated = write(tmp_path, "# comment\ncourse_id,skill_uri,action,level,note\n" + rows, "curated.csv")
    with pytest.raises(ImportFormatError) as error:
        catalogue.import_catalogue(
            db_session=skills, path=write(tmp_path, GOOD), curated=curated, skill_rules=None
        )
    assert (error.value.file, error.value.line, error.value.column) == (str(curated), line, column)
    assert message in str(error.value)
    assert counts(skills) == (0, 0, 0)


def test_courses_the_english_labels_cannot_read_are_listed_not_silently_empty(
    skills: Session, tmp_path: Path
) -> None:
    spanish = "Química de las baterías y motores eléctricos para el coche eléctrico de la ciudad"
    text = HEADER + (
        f"ev-401,{spanish},Acme,es,,10,0,EUR,online,,,,\n"
        "ev-402,Battery chemistry and electric motors,Acme,en,,10,0,EUR,online,,,,\n"
        "ev-403,Quarterly tax filing,Acme,en,,10,0,EUR,online,,,,\n"
    )
    report = no_curation(db_session=skills, path=write(tmp_path, text))
    untagged = {row["course_id"]: row for row in report.untagged}
    assert set(untagged) == {"ev-401", "ev-403"}
    assert "language 'es'" in untagged["ev-401"]["reason"] and untagged["ev-401"]["line"] == 2
    assert "no ESCO skill label found" in untagged["ev-403"]["reason"]
    assert report.as_dict()["untagged"] == report.untagged
    tagged = {r.course_id for r in skills.scalars(select(CourseSkill))}
    assert "ev-402" in tagged and "ev-401" not in tagged


def test_a_catalogue_prerequisite_more_advanced_than_the_course_is_reported_and_not_used(
    skills: Session, tmp_path: Path
) -> None:
    text = HEADER + (
        "adv-1,Advanced motors,Acme,en,advanced,10,0,EUR,online,,,,\n"
        "intro-1,Motor basics,Acme,en,introductory,5,0,EUR,online,,,,adv-1\n"
    )
    report = no_curation(db_session=skills, path=write(tmp_path, text))
    assert report.prerequisites["catalogue"] == 0
    (note,) = [n for n in report.notes if "more advanced" in n]
    assert "catalogue.csv, line 3: intro-1 (introductory) names adv-1 (advanced)" in note
    assert skills.scalar(select(func.count()).select_from(CoursePrerequisite)) == 0


def test_a_snapshot_course_already_stored_under_another_catalogue_is_not_imported_twice(
    skills: Session, tmp_path: Path
) -> None:
    text = (
        HEADER + "mine-1,Electric Motors and Batteries,Acme University,en,introductory,10,0,EUR,online,,,,\n"
    )
    no_curation(db_session=skills, path=write(tmp_path, text))
    row = (
        "0,Electric Motors and Batteries,Acme University,Course,1 - 4 Weeks,4.8,10,Beginner,"
        'https://www.coursera.org/learn/ev-motors,"1,000","[]","[]",'
        '"This course explains how electric vehicles work: the batteries that store energy and the motors '
        'that drive the wheels, with examples from cars and buses in daily use."\n'
    )
    with pytest.raises(
        ImportFormatError, match="no courses to import: every course of the file is an offering"
    ):
        no_curation(db_session=skills, path=write(tmp_path, COURSERA_HEADER + row, "coursera.csv"))
    other = row.replace("Electric Motors and Batteries", "Electric Motors").replace("ev-motors", "ev-m")
    report = no_curation(db_session=skills, path=write(tmp_path, COURSERA_HEADER + row + other, "c2.csv"))
    assert report.courses == 1
    assert report.notes == [
        "line 2: coursera-ev-motors not imported: the same offering as mine-1, already stored (same title, "
        "provider, language)"
    ]


def test_a_tag_hinting_at_a_skill_the_course_text_is_not_about_is_dropped(
    skills: Session, tmp_path: Path
) -> None:
    """Coursera tagged a battery course "Assembly (computer programming)": a hint must be close in meaning to
    the course's own text (without the sentence model: named by its words) to be kept."""
    row = (
        "0,Electric Motors and Batteries,Acme University,Course,1 - 4 Weeks,4.8,10,Beginner,"
        "https://www.coursera.org/learn/ev-motors,\"1,000\",\"['electric motors', 'bake bread']\","
        '"[\'Build motors\']","This course explains how electric vehicles work: the batteries that store '
        'energy and the motors that drive the wheels, with examples from cars and buses in daily use."\n'
    )
    no_curation(db_session=skills, path=write(tmp_path, COURSERA_HEADER + row))
    links = {r.skill_uri: (r.source, r.confidence) for r in skills.scalars(select(CourseSkill))}
    assert links[MOTOR][0] == "hint" and BREAD not in links
    assert links[MOTOR][1] >= catalogue.load_calibration().hint_probability
    assert catalogue.hint_kept({"readable": True, "cosine": 0.31, "text_score": 0.0})
    assert not catalogue.hint_kept({"readable": True, "cosine": 0.29, "text_score": 0.2})
    assert catalogue.hint_kept({"readable": True, "cosine": None, "text_score": 0.01})  # no sentence model
    assert catalogue.hint_kept({"readable": False, "cosine": 0.0, "text_score": 0.0})  # its tags are all


def test_the_shipped_link_calibration_loads_and_a_broken_one_says_how_to_rebuild_it(tmp_path: Path) -> None:
    shipped = catalogue.load_calibration()
    assert shipped.links.version.startswith("dev-") and 0 < shipped.hint_probability < 1
    document = json.loads(catalogue.LINK_CALIBRATION.read_text(encoding="utf-8"))
    assert "test not read" in document["fitted_on"] and "evaluation.link_calibration" in document["command"]
    # the shipped map is monotone (its signs are checked when built) and turns evidence into probabilities
    weak = LinkEvidence("s", 0.02, 0.2, 0.1, 9)
    strong = LinkEvidence("s", 0.2, 1.0, 0.6, 0)
    assert (
        0 < shipped.links.probability(weak) < PLANNING_MIN_CONFIDENCE < shipped.links.probability(strong) < 1
    )
    # from a title alone the same evidence is less often right: its own map, fitted on dev titles
    assert shipped.title_links.version == shipped.links.version + "-title-only"
    assert "dev titles" in document["title_only"]["fitted_on"]
    assert all(shipped.title_links.probability(e) < shipped.links.probability(e) for e in (weak, strong))
    bad = tmp_path / "calibration.json"
    old = {key: value for key, value in document.items() if key != "title_only"}
    bad.write_text(json.dumps(old), encoding="utf-8")
    with pytest.raises(ImportFormatError, match="'title_only'.*evaluation.link_calibration --write"):
        catalogue.load_calibration(bad)
    bad.write_text(json.dumps({**document, "coefficients": [1.0, 1.0, 1.0]}), encoding="utf-8")
    with pytest.raises(
        ImportFormatError, match="log_rank is 1.0.*evaluation.link_calibration --write"
    ) as error:
        catalogue.load_calibration(bad)
    assert error.value.file == str(bad)


def test_the_default_catalogue_plans_on_the_battery_course_it_set_aside_on_the_old_scale() -> None:
    """Coursera's "Algorithms for Battery Management Systems" (how lithium-ion cells work) had its links to a
    battery technician's skills set aside: scores 0.067 (battery chemistry) and 0.066 (battery components)
    summed to 0.13 < 0.15. As calibrated probabilities they are planned on, and the wrong hint Coursera's tag
    "Assembly" gave (Assembly (computer programming)) is gone: the course text is not about it."""
    from recommender.planner.relevance import MIN_EVIDENCE

    chemistry, components, assembly = (
        ESCO + "84cc8c9d-db57-42ec-8948-9b632bf06124",
        ESCO + "8cf03262-b6b0-4fe8-9d66-91063bb32db3",
        ESCO + "47b9bbcf-356c-4782-83a4-7f5a1b2b51a3",
    )
    records = {r.id: r for r in catalogue.read_catalogue(catalogue.DEFAULT_CATALOGUE).records}
    bms = {c.uri: c for c in records["coursera-algorithms-for-battery-management-systems"].skills}
    assert bms[chemistry].confidence >= PLANNING_MIN_CONFIDENCE
    assert bms[components].confidence >= PLANNING_MIN_CONFIDENCE
    assert 1 - (1 - bms[chemistry].confidence) * (1 - bms[components].confidence) >= MIN_EVIDENCE
    assert assembly not in bms


def test_a_tag_hints_on_its_own_score_not_on_a_calibrated_probability(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """HINT_MIN_CONFIDENCE reads the extractor's score of the tag's words: a calibration saying every first
    link is right must not turn a weak tag into a hint."""
    sure = LinkCalibration(("log_rank",), (0.0,), 30.0)
    texts = [
        SkillText(
            MOTOR, "electric motors", ("electric motor",), "Motors that turn electrical energy into motion."
        ),
        SkillText(BREAD, "bake bread", ("make bread",), "Knead dough and bake loaves in an oven."),
    ]
    tagger = SkillTagger(min_confidence=0.0, calibration=sure).fit(texts)
    text = "Electric motors: how they turn electrical energy into motion."
    monkeypatch.setattr(catalogue, "HINT_MIN_CONFIDENCE", 0.5)
    ((weak, strong),) = catalogue.hint_contexts(tagger, [text], [["electric", "electric motors"]], [[MOTOR]])
    assert weak is None  # "electric" alone scores 0.28 < 0.5, although the calibration would say 1.0
    assert strong is not None and strong["uri"] == MOTOR and strong["hint_score"] >= 0.5
    assert strong["inferred"] and strong["cosine"] is None  # no sentence model in this tagger


def test_a_course_known_by_its_title_alone_gets_the_title_only_probabilities() -> None:
    """The same text read as a course's full text and as a title-only listing's (flag title-only): the same
    links, the first with the shipped map's probabilities, the second with the map fitted on dev titles."""
    shipped = catalogue.load_calibration()
    texts = [
        SkillText(
            MOTOR, "electric motors", ("electric motor",), "Motors that turn electrical energy into motion."
        ),
        SkillText(BREAD, "bake bread", ("make bread",), "Knead dough and bake loaves in an oven."),
    ]
    tagger = SkillTagger(min_confidence=0.0, calibration=shipped.links).fit(texts)
    text = "Electric motors and baking bread"
    full = courses.CourseRecord(id="a", title=text, language="en", hours=2)
    titled = courses.CourseRecord(id="b", title=text, language="en", hours=2, flags=("title-only",))
    tagged = catalogue.tag_records(tagger, [full, titled], [text, text])
    evidence = {e.uri: e for e in tagger.links([text])[0]}
    assert {c.uri for c in tagged[0].skills} == {c.uri for c in tagged[1].skills} == set(evidence) != set()
    for claim in tagged[0].skills:
        assert claim.confidence == round(shipped.links.probability(evidence[claim.uri]), 4)
    for claim in tagged[1].skills:
        assert claim.confidence == round(shipped.title_links.probability(evidence[claim.uri]), 4)
        assert claim.confidence < round(shipped.links.probability(evidence[claim.uri]), 4)


def test_the_shipped_curation_removes_the_wrong_links_the_relevance_review_found() -> None:
    """'LaTeX for Students, Engineers, and Scientists' claimed "use technical documentation" (p 0.54), the
    only course to, and sat in 50 of bench_plans' 200 first plans; the relevance review judged the link wrong
    (evaluation/relevance_review.csv) and curated_skills.csv removes it: off-topic, not planned on. The
    course keeps what it teaches (typesetting software), and an on-topic link of about the same strength
    ("Electric Cars: Technology" -> electricity, p 0.52) stays. Every removal names a link the shipped
    catalogue has: a rebuilt catalogue with other links needs the review done again."""
    documentation, typesetting, electricity = (
        ESCO + "cffc3e97-e942-4b13-a2f3-0bf4910c06d3",
        ESCO + "7c9cb75d-ca4a-47c0-a989-ec0ba65a4bf0",
        ESCO + "c8ac1986-38fa-43b2-89dc-50a4beeb420e",
    )
    latex, cars = "edx-latex-for-students-engineers-and-scientists-2", "edx-electric-cars-technology"
    records = {r.id: r for r in catalogue.read_catalogue(catalogue.DEFAULT_CATALOGUE).records}
    skills = {cid: [(claim, claim.source) for claim in records[cid].skills] for cid in (latex, cars)}
    before = {cid: {claim.uri: claim.confidence for claim, _ in claims} for cid, claims in skills.items()}
    assert 0.5 < before[latex][documentation] < 0.6 and 0.5 < before[cars][electricity] < 0.6
    rows = curation.read_curated_skills(catalogue.CURATED_SKILLS)
    catalogue.apply_curation(skills, rows, {cid: records[cid].level for cid in skills})
    after = {cid: {claim.uri for claim, _ in claims} for cid, claims in skills.items()}
    assert documentation not in after[latex] and typesetting in after[latex]
    assert electricity in after[cars]
    removals = [row for row in rows if row.action == "remove" and row.course_id != "*"]
    assert len(removals) > 30
    assert all(row.skill_uri in {c.uri for c in records[row.course_id].skills} for row in removals)
