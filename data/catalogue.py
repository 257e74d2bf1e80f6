"""Course catalogue import and listing: a catalogue file (documented CSV/JSON, or the edX, Coursera or Udemy
snapshot in its native format, read by :mod:`data.formats`) checked against the database, its courses' skills
resolved (the file's own, else inferred from the text plus the catalogue's skill tags mapped to ESCO as
hints; then the curated overrides), and written with the prerequisite edges (catalogue, level order, curated
skill rules; none to a more advanced course).

Every file is read and checked completely before anything is written, so a bad file writes nothing and gives
one error naming file, line and field. Importing the same file twice leaves the database as after the first
time. Functions only flush; the caller owns the transaction.

``python -m data.catalogue EDX_CSV COURSERA_CSV UDEMY_CSV`` rebuilds the vendored default catalogue
``data/default/catalogue.csv`` (one course per offering across the three; structured fields, short texts and
the skills inferred from the full texts, with the Coursera tags as hints) and its merge report.
"""

from __future__ import annotations

import csv
import difflib
import functools
import hashlib
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from data import sentence_model, skill_texts, subject_vectors
from data.defaults import PLANNING_MIN_CONFIDENCE
from data.formats import coursera, curation, edx, reading, udemy
from data.formats import courses as course_format
from data.formats.courses import (
    PRICE_UNKNOWN,
    SKILL_SOURCES,
    TITLE_ONLY,
    CourseRecord,
    SkillClaim,
    skill_level_of,
)
from data.formats.curation import CuratedSkill
from data.locks import lock_reference_data
from data.models import Course, CoursePrerequisite, CourseSkill, Provenance, Skill
from data.plan_inputs import RULE_CONFIDENCE
from data.queries import chunks, known, upsert
from recommender import prerequisites as prereq
from recommender.codes import UNDETERMINED_LANGUAGE
from recommender.errors import ImportFormatError
from recommender.tagging import LinkCalibration, SkillTagger

DEFAULT = Path(__file__).parent / "default"
DEFAULT_CATALOGUE = DEFAULT / "catalogue.csv"
DEFAULT_MERGES = DEFAULT / "catalogue_merges.csv"
CURATED_SKILLS = DEFAULT / "curated_skills.csv"
SKILL_PREREQUISITES = DEFAULT / "skill_prerequisites.csv"
#: The tagger's link calibration, fitted on the tagging gold set's dev courses by
#: ``python -m evaluation.link_calibration --write`` (provenance inside the file).
LINK_CALIBRATION = DEFAULT / "link_calibration.json"
DEFAULT_CATALOGUE_NAME = DEFAULT_CATALOGUE.stem
EDX_NAME, COURSERA_NAME, UDEMY_NAME = "edx-2021", "coursera", "udemy"
SNAPSHOTS = (EDX_NAME, COURSERA_NAME, UDEMY_NAME)
#: A catalogue skill tag ("battery management systems") is a hint for the one ESCO skill the tagger scores
#: best for the tag's words, when that score reaches this (tags are short: the label must match well).
HINT_MIN_CONFIDENCE = 0.2

SkillSource = tuple[SkillClaim, str]  # a claim and where it came from: explicit, inferred or curated


@dataclass
class Catalogue:
    """A checked catalogue file: its records, the text to tag each course with, and its name."""

    file: str
    name: str
    records: list[CourseRecord]
    texts: dict[str, str]
    notes: list[str] = field(default_factory=list)

    @property
    def ids(self) -> set[str]:
        return {record.id for record in self.records}


@dataclass
class ImportReport:
    """What an import did."""

    file: str
    catalogue: str
    courses: int = 0
    created: int = 0
    updated: int = 0
    skills: dict[str, int] = field(default_factory=dict)
    prerequisites: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    skipped: bool = False
    # Courses left without any skill, with why: never silently empty (a curator adds their skills).
    untagged: list[dict[str, Any]] = field(default_factory=list)
    # Courses whose subject was embedded for plans to judge (``data.subject_vectors``).
    subjects_embedded: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "catalogue": self.catalogue,
            "courses": self.courses,
            "created": self.created,
            "updated": self.updated,
            "skills": self.skills,
            "prerequisites": self.prerequisites,
            "notes": self.notes,
            "skipped": self.skipped,
            "untagged": self.untagged,
            "subjects_embedded": self.subjects_embedded,
        }


# The language of the ESCO labels the tagger reads (the bundled release is English).
TAGGER_LANGUAGES = frozenset({"en"})


@dataclass(frozen=True)
class Calibration:
    """The shipped calibration: the map of an inferred link's evidence to a probability, the map for a link
    read from a title alone (a ``title-only`` course's), and the probability that a catalogue tag's hint
    passing :data:`HINT_RULE` is right."""

    links: LinkCalibration
    hint_probability: float
    title_links: LinkCalibration


def load_calibration(path: Path = LINK_CALIBRATION) -> Calibration:
    """Read the calibration file written by ``python -m evaluation.link_calibration --write``."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        links, title_links = (
            LinkCalibration(
                tuple(part["features"]),
                tuple(float(c) for c in part["coefficients"]),
                float(part["intercept"]),
                str(document["version"]) + suffix,
            )
            for part, suffix in ((document, ""), (document["title_only"], "-title-only"))
        )
        hint = float(document["hint_probability"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ImportFormatError(
            f"the link calibration cannot be read ({error}); rebuild it with "
            "`python -m evaluation.link_calibration --write`",
            file=str(path),
        ) from error
    if not 0.0 < hint < 1.0:
        raise ImportFormatError("hint_probability must be in (0, 1)", file=str(path))
    return Calibration(links, hint, title_links)


def make_tagger(cache_dir: Path | None = None, *, calibrated: bool = True) -> SkillTagger:
    """The tagger with the settings measured by ``upskill evaluate tagging``: words and meaning (the sentence
    model of :mod:`data.sentence_model`, its ESCO label vectors kept in ``cache_dir``), each link's confidence
    the probability that it is right (:func:`load_calibration`; ``calibrated=False``: the extractor's score,
    as the calibration is fitted on).

    Without the model's package (:data:`data.sentence_model.INSTALL`; ``make`` installs it) it is the
    tagger by words alone, and :func:`tagger_note` says so in the import's report; the calibration then
    reads every cosine as 0, so its links come out less probable than the model's would.
    """
    calibration = load_calibration().links if calibrated else None
    if not sentence_model.available():
        return SkillTagger(calibration=calibration)
    return SkillTagger(
        embedder=sentence_model.CachedEncoder(cache_dir),
        semantic_weight=1.0,
        min_confidence=0.01,
        calibration=calibration,
    )


def tagger_note(tagger: SkillTagger) -> str | None:
    """What an import's report says of a tagger without the sentence model (None with it)."""
    if tagger.embedder is not None:
        return None
    return (
        "skills inferred by words only: the sentence model is not installed "
        f"(`{sentence_model.INSTALL}`), so the mapping differs from the bundled catalogue's"
    )


def _other_language(record: CourseRecord) -> bool:
    """Whether the catalogue says the course is not in a language of the labels (``und``: it does not say,
    and the text decides)."""
    return record.language not in TAGGER_LANGUAGES and record.language != UNDETERMINED_LANGUAGE


def untagged_reason(record: CourseRecord, unreadable: str | None) -> str:
    """Why a course has no skill: its language, its text, or nothing found."""
    fix = "give its skills in the catalogue or in curated_skills.csv"
    if _other_language(record):
        languages = ", ".join(sorted(TAGGER_LANGUAGES))
        return f"language {record.language!r}: the ESCO labels loaded are in {languages}; {fix}"
    if unreadable:
        return f"{unreadable}; {fix}"
    return f"no ESCO skill label found in its text; {fix}"


def readable(tagger: SkillTagger, records: Sequence[CourseRecord], texts: Sequence[str]) -> list[str | None]:
    """For each course, why the tagger's English labels cannot read it (None when they can)."""
    return [
        untagged_reason(record, reason) if _other_language(record) or reason else None
        for record, reason in zip(records, tagger.unreadable(texts), strict=True)
    ]


def read_catalogue(path: Path) -> Catalogue:
    """Read and check a catalogue file: documented CSV or JSON, or the edX snapshot (told by its header)."""
    file = str(path)
    if not path.is_file():
        raise ImportFormatError("no such file", file=file)
    name: str | None = None
    notes: list[str] = []
    if path.suffix.lower() == ".json":
        records, name = course_format.read_json(path)
        texts = {record.id: record.text() for record in records}
    elif edx.is_edx_header(header := _header(path)):
        native: Sequence[edx.EdxCourse | coursera.CourseraCourse | udemy.UdemyCourse]
        native, notes = edx.read(path)
        records, texts, name = [c.record for c in native], {c.record.id: c.text for c in native}, EDX_NAME
    elif coursera.is_coursera_header(header):
        native, notes = coursera.read(path)
        records, texts, name = (
            [c.record for c in native],
            {c.record.id: c.text for c in native},
            COURSERA_NAME,
        )
    elif udemy.is_udemy_header(header):
        native, notes = udemy.read(path)
        records, texts, name = [c.record for c in native], {c.record.id: c.text for c in native}, UDEMY_NAME
    else:
        records = course_format.read_csv(path)
        texts = {record.id: record.text() for record in records}
    if name in SNAPSHOTS:  # a snapshot: one course per offering
        records, merges = merge_offerings(records)
        notes += [
            f"line {m.dropped.line}: {m.dropped.id} merged into {m.kept.id} (same title, provider, language)"
            for m in merges
        ]
    if not records:
        raise ImportFormatError("no courses in the file", file=file)
    seen: dict[str, int | None] = {}
    for record in records:
        if record.id in seen:
            raise ImportFormatError(
                f"duplicate id {record.id!r} (first at line {seen[record.id]})",
                file=file,
                line=record.line,
                column="id",
            )
        seen[record.id] = record.line
    return Catalogue(file, name or path.stem, records, texts, notes)


def _header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        return next(csv.reader(handle), [])


# --- importing --------------------------------------------------------------------------------------------


def import_catalogue(
    *,
    db_session: Session,
    path: Path,
    curated: Path | None = CURATED_SKILLS,
    skill_rules: Path | None = SKILL_PREREQUISITES,
    tagger_factory: Callable[[], SkillTagger] = make_tagger,
    name: str | None = None,
    min_confidence: float = PLANNING_MIN_CONFIDENCE,
) -> ImportReport:
    """Import a catalogue file; courses without skills of their own get inferred ones (and tag hints).

    Prerequisites are derived from the skill links planning uses (confidence ``min_confidence`` or more).
    """
    lock_reference_data(db_session)  # a second import waits for this one, then works on what it wrote
    tagger_factory = functools.cache(tagger_factory)  # one tagger for the skills and the subjects
    skill_texts.require_esco(db_session=db_session)
    catalogue = read_catalogue(path)
    if name is not None:
        catalogue.name = name
    if catalogue.name in SNAPSHOTS:
        _merge_with_stored(db_session, catalogue)
    curated_rows = curation.read_curated_skills(curated) if curated is not None and curated.is_file() else []
    edges = check_references(db_session, catalogue, curated_rows, curated_file=str(curated))
    skills, unreadable = resolve_skills(db_session, catalogue, curated_rows, tagger_factory)
    report = write_courses(db_session, catalogue, skills, edges)
    _embed_subjects(db_session, catalogue, tagger_factory, report)
    report.untagged = [
        {
            "course_id": record.id,
            "line": record.line,
            "language": record.language,
            "reason": unreadable.get(record.id) or untagged_reason(record, None),
        }
        for record in catalogue.records
        if not skills[record.id]
    ]
    report.prerequisites = rebuild_prerequisites(
        db_session=db_session, skill_rules=skill_rules, notes=report.notes, min_confidence=min_confidence
    )
    _record_provenance(db_session, catalogue.name, path, [p for p in (curated, skill_rules) if p is not None])
    db_session.flush()
    return report


def check_references(
    db_session: Session,
    catalogue: Catalogue,
    curated_rows: Sequence[CuratedSkill],
    *,
    curated_file: str,
) -> list[prereq.Edge]:
    """Check every skill and course the files name against the database, before anything is written.

    Returns the catalogue's prerequisite edges (they close no cycle with the edges already stored); an edge to
    a course more advanced than the one needing it is not returned but noted in ``catalogue.notes``.
    """
    _check_skills_known(db_session, catalogue)
    named = _check_prerequisites_known(db_session, catalogue)
    edges = _usable_prerequisites(db_session, catalogue, named)
    # Only additions to courses of this file need their skill in the database; removals are harmless.
    additions = [row for row in curated_rows if row.action == "add" and row.course_id in catalogue.ids]
    known_added = known(db_session, Skill.uri, {row.skill_uri for row in additions})
    for row in additions:
        if row.skill_uri not in known_added:
            raise ImportFormatError(
                f"unknown ESCO skill {row.skill_uri}", file=curated_file, line=row.line, column="skill_uri"
            )
    return edges


def _check_skills_known(db_session: Session, catalogue: Catalogue) -> None:
    file = catalogue.file
    skill_uris = {claim.uri for record in catalogue.records for claim in record.skills}
    unknown_skills = skill_uris - known(db_session, Skill.uri, skill_uris)
    for record in catalogue.records:
        for claim in record.skills:
            if claim.uri in unknown_skills:
                raise ImportFormatError(
                    f"unknown ESCO skill {claim.uri} (is it in the imported ESCO release?)",
                    file=file,
                    line=record.line,
                    column="skills",
                )


def _check_prerequisites_known(db_session: Session, catalogue: Catalogue) -> set[str]:
    """Every prerequisite named is another course of the file or of the database; return them all."""
    file, ids = catalogue.file, catalogue.ids
    named = {required for record in catalogue.records for required in record.prerequisites}
    existing_courses = known(db_session, Course.id, named - ids)
    for record in catalogue.records:
        for required in record.prerequisites:
            if required == record.id:
                problem = "a course cannot require itself"
            elif required not in ids and required not in existing_courses:
                problem = f"unknown prerequisite course {required!r}"
            else:
                continue
            raise ImportFormatError(problem, file=file, line=record.line, column="prerequisites")
    return named


def _usable_prerequisites(db_session: Session, catalogue: Catalogue, named: set[str]) -> list[prereq.Edge]:
    """The file's prerequisite edges but those to a more advanced course (noted); refuse a cycle."""
    file, ids = catalogue.file, catalogue.ids
    levels = _levels(db_session, named - ids) | {record.id: record.level for record in catalogue.records}
    edges = []
    for record in catalogue.records:
        for required in record.prerequisites:
            if prereq.more_advanced(levels.get(required), record.level):
                catalogue.notes.append(
                    f"{file}, line {record.line}: {record.id} ({record.level}) names {required} "
                    f"({levels.get(required)}) as a prerequisite; not used: a prerequisite more advanced "
                    "than the course would keep out everyone who cannot take the harder course first"
                )
                continue
            edges.append(prereq.Edge(record.id, required, "catalogue"))
    stored = [
        prereq.Edge(course_id, required, "catalogue")
        for course_id, required in _catalogue_edges(db_session)
        if course_id not in ids
    ]
    cycles = prereq.find_cycles(edges + stored)
    if cycles:
        raise ImportFormatError(str(prereq.PrerequisiteCycle(cycles)), file=file, column="prerequisites")
    return edges


def resolve_skills(
    db_session: Session,
    catalogue: Catalogue,
    curated_rows: Sequence[CuratedSkill],
    tagger_factory: Callable[[], SkillTagger],
) -> tuple[dict[str, list[SkillSource]], dict[str, str]]:
    """The skills of each course: the file's own (with their sources), else inferred from its text and its
    catalogue tags mapped to ESCO as hints; then curated.

    Also returns, for each course the tagger could not read (its language or text), why.
    """
    skills: dict[str, list[SkillSource]] = {}
    unreadable: dict[str, str] = {}
    to_tag = []
    for record in catalogue.records:
        if record.skills:
            skills[record.id] = [(claim, claim.source) for claim in record.skills]
        elif "no-skills-found" in record.flags:
            skills[record.id] = []
        else:
            to_tag.append(record)
    if to_tag:
        tagger = tagger_factory().fit(skill_texts.from_database(db_session=db_session))
        note = tagger_note(tagger)
        if note:
            catalogue.notes.append(note)
        texts = [catalogue.texts[r.id] for r in to_tag]
        reasons = readable(tagger, to_tag, texts)
        unreadable = {record.id: reason for record, reason in zip(to_tag, reasons, strict=True) if reason}
        legible = [None if reason else text for text, reason in zip(texts, reasons, strict=True)]
        for record in tag_records(tagger, to_tag, legible):
            skills[record.id] = [(claim, claim.source) for claim in record.skills]
    apply_curation(skills, curated_rows, {record.id: record.level for record in catalogue.records})
    return skills, unreadable


def hint_contexts(
    tagger: SkillTagger,
    texts: Sequence[str | None],
    tags: Sequence[Sequence[str]],
    inferred: Sequence[Sequence[str]],
) -> list[list[dict[str, Any] | None]]:
    """For each course (its text, None when the tagger cannot read it; its catalogue ``tags``; the skills
    inferred from its text) and each of its tags: the ESCO skill the tag hints at (the one the tagger scores
    best for the tag's words alone, when that reaches :data:`HINT_MIN_CONFIDENCE`; else None) and what the
    course's own text says of that skill: its score there, the cosine of the text's and the label's
    vectors (None: the tagger has no sentence model), and whether it is among the skills inferred."""
    every = sorted({tag for course in tags for tag in course})
    # a tag names its skill in a few words: read by words only, as HINT_MIN_CONFIDENCE was chosen (on the
    # extractor's score, not the calibrated probability of an inferred link)
    named = dict(zip(every, tagger.links(every, by_meaning=False), strict=True)) if every else {}
    best = {
        tag: found[0] if found and found[0].score >= HINT_MIN_CONFIDENCE else None
        for tag, found in named.items()
    }
    checked = [
        i
        for i, (text, course) in enumerate(zip(texts, tags, strict=True))
        if text and any(best[t] for t in course)
    ]
    wanted = [sorted({best[t].uri for t in tags[i] if best[t] is not None}) for i in checked]  # type: ignore[union-attr]
    found_support = tagger.support([texts[i] or "" for i in checked], wanted) if checked else []
    support = {
        i: dict(zip(uris, values, strict=True))
        for i, uris, values in zip(checked, wanted, found_support, strict=True)
    }
    result: list[list[dict[str, Any] | None]] = []
    for i, course in enumerate(tags):
        row: list[dict[str, Any] | None] = []
        for tag in course:
            hint = best[tag]
            if hint is None:
                row.append(None)
                continue
            score, cosine = support.get(i, {}).get(hint.uri, (0.0, 0.0))
            row.append(
                {
                    "uri": hint.uri,
                    "hint_score": round(hint.score, 4),
                    "text_score": round(score, 4),
                    "cosine": None if tagger.embedder is None else round(cosine, 4),
                    "inferred": hint.uri in inferred[i],
                    "readable": bool(texts[i]),
                }
            )
        result.append(row)
    return result


#: The context check a catalogue tag's hint passes to be kept: the course's own text must be close in meaning
#: to the hinted skill's label (a row of ``python -m evaluation.link_calibration``'s hint table). On the
#: gold set's dev courses 124 tags hint at a skill and 38 of those are right (0.31); the 62 whose label has a
#: cosine of at least 0.3 with the course text hold 30 of them (0.48, as precise as the inferred links planned
#: on: 0.47), so "Assembly (computer programming)" no longer names a skill of a battery course. Of the rules
#: measured, it is the least strict one whose hints are as precise as the planned inferred links.
HINT_RULE = "cosine(text, label) >= 0.3"
HINT_MIN_COSINE = 0.3


def hint_kept(context: dict[str, Any]) -> bool:
    """Whether a hint passes :data:`HINT_RULE`. A course whose text cannot be read keeps its hints (its tags
    are all there is); without the sentence model the text's words must score the skill (on dev: 101 of the
    124 hints, 0.38 right)."""
    if not context["readable"]:
        return True
    if context["cosine"] is None:
        return bool(context["text_score"] > 0)
    return bool(context["cosine"] >= HINT_MIN_COSINE)


def _embed_subjects(
    db_session: Session, catalogue: Catalogue, tagger_factory: Callable[[], SkillTagger], report: ImportReport
) -> None:
    """Embed the subjects of the courses the vendored vectors do not hold, with the tagger's sentence model,
    so that plans judge them by their subject too (:mod:`data.subject_vectors`); the report says how many."""
    embedder, vendored = tagger_factory().embedder, subject_vectors.load()
    needed, embedded = subject_vectors.embed_imported(db_session, catalogue.records, embedder, vendored)
    report.subjects_embedded = embedded
    if needed > embedded:
        why = (
            f"the sentence model is not installed (`{sentence_model.INSTALL}`)"
            if embedder is None
            else f"{subject_vectors.DEFAULT_FILE.name} is missing"
        )
        report.notes.append(f"{needed - embedded} course(s) not judged by their subject in plans: {why}")


def tag_records(
    tagger: SkillTagger,
    records: Sequence[CourseRecord],
    texts: Sequence[str | None],
    *,
    hint_probability: float | None = None,
) -> list[CourseRecord]:
    """``records`` with their skills: inferred from ``texts`` (one per record; None: the tagger cannot read
    it) and their tags as hints (tags are read whatever the course's language) that pass
    :func:`hint_kept`.

    A hint's confidence is ``hint_probability`` (default: the shipped calibration's); a skill both inferred
    and hinted keeps the source ``hint`` and the larger confidence.
    """
    shipped = load_calibration()
    if hint_probability is None:
        hint_probability = shipped.hint_probability
    legible = [text for text in texts if text is not None]
    # a course known by its title alone: its links' probabilities are those of links read from titles
    title = shipped.title_links if tagger.calibration is not None else None
    calibrations = [
        title if TITLE_ONLY in record.flags else None
        for record, text in zip(records, texts, strict=True)
        if text is not None
    ]
    found = iter(tagger.tag(legible, calibrations=calibrations))
    inferred = [next(found) if text is not None else [] for text in texts]
    contexts = hint_contexts(
        tagger, texts, [record.tags for record in records], [[t.uri for t in row] for row in inferred]
    )
    result = []
    for record, links, hints in zip(records, inferred, contexts, strict=True):
        level = skill_level_of(record.level)
        claims = {t.uri: SkillClaim(t.uri, level, t.confidence, "inferred") for t in links}
        for context in hints:
            if context is not None and hint_kept(context):
                uri = context["uri"]
                confidence = max(hint_probability, claims[uri].confidence if uri in claims else 0.0)
                claims[uri] = SkillClaim(uri, level, confidence, "hint")
        result.append(record.with_skills(sorted(claims.values(), key=lambda c: (-c.confidence, c.uri))))
    return result


def apply_curation(
    skills: dict[str, list[SkillSource]], rows: Sequence[CuratedSkill], course_levels: dict[str, str | None]
) -> None:
    """Apply curated overrides in file order to ``skills`` (by course id), in place.

    ``add`` sets the skill at the row's level (else the course level's), ``confirm`` keeps the link's level
    unless the row gives one (and adds the link when absent); both make it ``curated`` with confidence 1.
    ``remove`` drops it; course ``*`` drops an inferred or hinted skill from every course. Rows for courses
    not in ``skills`` are ignored.
    """
    for row in rows:
        if row.course_id == "*":
            for course_id, claims in skills.items():
                skills[course_id] = [
                    (c, src)
                    for c, src in claims
                    if not (c.uri == row.skill_uri and src in ("inferred", "hint"))
                ]
            continue
        if row.course_id not in skills:
            continue
        current = {claim.uri: claim for claim, _src in skills[row.course_id]}
        kept = [(claim, src) for claim, src in skills[row.course_id] if claim.uri != row.skill_uri]
        if row.action in ("add", "confirm"):
            level = row.level
            if level is None and row.action == "confirm" and row.skill_uri in current:
                level = current[row.skill_uri].level
            if level is None:
                level = skill_level_of(course_levels.get(row.course_id))
            kept.append((SkillClaim(row.skill_uri, level, 1.0, "curated"), "curated"))
        skills[row.course_id] = kept


@dataclass
class CurationReport:
    """What applying a curation file to the database did."""

    file: str
    rows: int
    courses_changed: int = 0
    added: int = 0
    confirmed: int = 0
    removed: int = 0
    prerequisites: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "rows": self.rows,
            "courses_changed": self.courses_changed,
            "added": self.added,
            "confirmed": self.confirmed,
            "removed": self.removed,
            "prerequisites": self.prerequisites,
        }


def curate_courses(
    *, db_session: Session, path: Path, min_confidence: float = PLANNING_MIN_CONFIDENCE
) -> CurationReport:
    """Apply a curated-skills file to the courses in the database: confirm, remove or add course skills.

    The file is read and checked completely first (unknown course or skill: an error naming file, line and
    column), then the changed courses' skills are rewritten and the derived prerequisites recomputed.
    """
    rows = curation.read_curated_skills(path)
    lock_reference_data(db_session)
    file = str(path)
    named = {row.course_id for row in rows if row.course_id != "*"}
    courses = known(db_session, Course.id, named)
    wanted = {row.skill_uri for row in rows if row.action != "remove"}
    skills_known = known(db_session, Skill.uri, wanted)
    for row in rows:
        if row.course_id != "*" and row.course_id not in courses:
            raise ImportFormatError(
                f"unknown course {row.course_id!r}: import its catalogue first",
                file=file,
                line=row.line,
                column="course_id",
            )
        if row.action != "remove" and row.skill_uri not in skills_known:
            raise ImportFormatError(
                f"unknown ESCO skill {row.skill_uri}", file=file, line=row.line, column="skill_uri"
            )
    query = select(
        CourseSkill.course_id,
        CourseSkill.skill_uri,
        CourseSkill.level,
        CourseSkill.confidence,
        CourseSkill.source,
    )
    if not any(row.course_id == "*" for row in rows):
        query = query.where(CourseSkill.course_id.in_(sorted(named)))
    before: dict[str, list[SkillSource]] = {course_id: [] for course_id in named}
    for course_id, uri, level, confidence, source in db_session.execute(query):
        before.setdefault(course_id, []).append((SkillClaim(uri, level, confidence, source), source))
    levels = {
        course_id: level
        for chunk in chunks(sorted(before))
        for course_id, level in db_session.execute(
            select(Course.id, Course.level).where(Course.id.in_(chunk))
        )
    }
    after = {course_id: list(claims) for course_id, claims in before.items()}
    apply_curation(after, rows, levels)
    report = CurationReport(file=file, rows=len(rows))
    changed = []
    for course_id in sorted(after):
        old = {claim.uri: (claim, src) for claim, src in before[course_id]}
        new = {claim.uri: (claim, src) for claim, src in after[course_id]}
        if old == new:
            continue
        changed.append(course_id)
        report.added += len(new.keys() - old.keys())
        report.removed += len(old.keys() - new.keys())
        report.confirmed += sum(old[uri] != new[uri] for uri in new.keys() & old.keys())
    report.courses_changed = len(changed)
    for chunk in chunks(changed):
        db_session.execute(delete(CourseSkill).where(CourseSkill.course_id.in_(chunk)))
    _insert_skills(db_session, changed, after)
    db_session.flush()
    report.prerequisites = rebuild_prerequisites(db_session=db_session, min_confidence=min_confidence)
    return report


def _insert_skills(
    db_session: Session, course_ids: Sequence[str], skills: dict[str, list[SkillSource]]
) -> None:
    """Insert the skill links of ``course_ids`` (their old links already deleted)."""
    rows = [
        {
            "course_id": course_id,
            "skill_uri": claim.uri,
            "level": claim.level,
            "confidence": claim.confidence,
            "source": source,
        }
        for course_id in course_ids
        for claim, source in skills[course_id]
    ]
    if rows:
        db_session.execute(insert(CourseSkill), rows)


def write_courses(
    db_session: Session,
    catalogue: Catalogue,
    skills: dict[str, list[SkillSource]],
    edges: Sequence[prereq.Edge],
) -> ImportReport:
    """Upsert the courses (never delete them: interactions and badges point at them), replace their skills
    and catalogue prerequisites."""
    report = ImportReport(
        file=catalogue.file, catalogue=catalogue.name, courses=len(catalogue.records), notes=catalogue.notes
    )
    ordered = sorted(catalogue.ids)
    values = {
        record.id: _course_values(record, record.catalogue or catalogue.name) for record in catalogue.records
    }
    report.created, report.updated = upsert(db_session, Course, values)
    for chunk in chunks(ordered):
        db_session.execute(delete(CourseSkill).where(CourseSkill.course_id.in_(chunk)))
        db_session.execute(
            delete(CoursePrerequisite).where(
                CoursePrerequisite.course_id.in_(chunk), CoursePrerequisite.origin == "catalogue"
            )
        )
    _insert_skills(db_session, ordered, skills)
    if edges:
        db_session.execute(
            insert(CoursePrerequisite),
            [
                {"course_id": e.course_id, "prerequisite_id": e.prerequisite_id, "origin": e.origin}
                for e in edges
            ],
        )
    for source in SKILL_SOURCES:
        report.skills[source] = sum(
            src == source for course_id in ordered for _claim, src in skills[course_id]
        )
    report.skills["courses_without_skills"] = sum(1 for course_id in ordered if not skills[course_id])
    db_session.expire_all()
    return report


def _course_values(record: CourseRecord, catalogue: str) -> dict[str, Any]:
    return {
        "title": record.title,
        "provider": record.provider,
        "summary": record.summary,
        "description": record.description,
        "url": record.url,
        "language": record.language,
        "level": record.level,
        "hours": record.hours,
        "price": record.price,
        "currency": record.currency,
        "delivery_mode": record.delivery_mode,
        "region": record.region,
        "start_dates": list(record.start_dates),
        "funding_schemes": list(record.funding_schemes),
        "certificate_price": record.certificate_price,
        "tags": list(record.tags),
        "flags": list(record.flags),
        "catalogue": catalogue,
    }


def rebuild_prerequisites(
    *,
    db_session: Session,
    skill_rules: Path | None = SKILL_PREREQUISITES,
    notes: list[str] | None = None,
    min_confidence: float = PLANNING_MIN_CONFIDENCE,
) -> dict[str, int]:
    """Recompute the level-order and curated edges of the whole catalogue; return counts by origin.

    A derived edge to a more advanced course is not used (``recommender.prerequisites``); each one left out is
    appended to ``notes`` with the rule file's line (curated) or the skill level it was for (level order).
    """
    rules = []
    if skill_rules is not None and skill_rules.is_file():
        rules = curation.read_skill_rules(skill_rules)
    # Only the links planning uses: a course does not require what it is not trusted to teach.
    taught = [
        prereq.TaughtSkill(course_id, uri, level, confidence)
        for course_id, uri, level, confidence in db_session.execute(
            select(
                CourseSkill.course_id, CourseSkill.skill_uri, CourseSkill.level, CourseSkill.confidence
            ).where(CourseSkill.confidence >= min_confidence)
        )
    ]
    catalogue_edges = [
        prereq.Edge(course_id, required, "catalogue") for course_id, required in _catalogue_edges(db_session)
    ]
    hours = {course_id: h for course_id, h in db_session.execute(select(Course.id, Course.hours))}
    levels = _levels(db_session, None)
    unstated = {PRICE_UNKNOWN, "language-unknown"}
    not_providers = frozenset(
        course_id
        for course_id, flags in db_session.execute(select(Course.id, Course.flags))
        if unstated & set(flags or [])
    )
    graph = prereq.build_graph(
        taught=taught,
        catalogue_edges=catalogue_edges,
        skill_rules=rules,
        hours=hours,
        levels=levels,
        not_providers=not_providers,
        min_provider_confidence=RULE_CONFIDENCE,
    )
    for edge in graph.too_advanced:
        where = f"{skill_rules}, line {edge.line}" if edge.origin == "curated" else "level order"
        then = "not used" if edge.origin == "curated" else "not used; left to the worker's profile"
        (notes if notes is not None else []).append(
            f"{where}: {edge.course_id} ({levels.get(edge.course_id)}) would need {edge.prerequisite_id} "
            f"({levels.get(edge.prerequisite_id)}) first ({edge.reason}); {then}: a prerequisite more "
            "advanced than the course"
        )
    db_session.execute(delete(CoursePrerequisite).where(CoursePrerequisite.origin != "catalogue"))
    derived = [
        {"course_id": e.course_id, "prerequisite_id": e.prerequisite_id, "origin": e.origin}
        for e in graph.edges
        if e.origin != "catalogue"
    ]
    if derived:
        db_session.execute(insert(CoursePrerequisite), derived)
    return graph.counts()


def _levels(db_session: Session, ids: set[str] | None) -> dict[str, str | None]:
    """The level of each course in ``ids`` (every course when None)."""
    query = select(Course.id, Course.level)
    if ids is None:
        return {course_id: level for course_id, level in db_session.execute(query)}
    return {
        course_id: level
        for chunk in chunks(sorted(ids))
        for course_id, level in db_session.execute(query.where(Course.id.in_(chunk)))
    }


def _catalogue_edges(db_session: Session) -> list[tuple[str, str]]:
    return [
        (course_id, required)
        for course_id, required in db_session.execute(
            select(CoursePrerequisite.course_id, CoursePrerequisite.prerequisite_id).where(
                CoursePrerequisite.origin == "catalogue"
            )
        )
    ]


def _sha256(*paths: Path) -> tuple[str, dict[str, str]]:
    files = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in paths if path.is_file()}
    combined = hashlib.sha256(
        "".join(f"{name}:{digest}\n" for name, digest in sorted(files.items())).encode()
    )
    return combined.hexdigest(), files


def _record_provenance(db_session: Session, name: str, path: Path, extra: Sequence[Path]) -> None:
    digest, files = _sha256(path, *extra)
    counts = {
        "courses": db_session.scalar(select(func.count()).select_from(Course).where(Course.catalogue == name))
        or 0,
        "course_skills": db_session.scalar(select(func.count()).select_from(CourseSkill)) or 0,
        "course_prerequisites": db_session.scalar(select(func.count()).select_from(CoursePrerequisite)) or 0,
    }
    db_session.execute(delete(Provenance).where(Provenance.source == "courses", Provenance.release == name))
    db_session.add(
        Provenance(
            source="courses", release=name, location=str(path), sha256=digest, files=files, counts=counts
        )
    )


# --- the vendored default ---------------------------------------------------------------------------------


def import_default_catalogue(
    *, db_session: Session, min_confidence: float = PLANNING_MIN_CONFIDENCE
) -> ImportReport:
    """Import the vendored multi-catalogue default, unless that very file (and curation) is already in.

    It is the same import as ``upskill import courses data/default/catalogue.csv``: the file carries its
    skills (inferred and hints, with their sources and confidences), so both give the same mapping.
    """
    digest, _files = _sha256(DEFAULT_CATALOGUE, CURATED_SKILLS, SKILL_PREREQUISITES)
    done = db_session.scalar(
        select(Provenance.sha256).where(
            Provenance.source == "courses", Provenance.release == DEFAULT_CATALOGUE_NAME
        )
    )
    if done == digest:
        count = db_session.scalar(select(func.count()).select_from(Course))
        return ImportReport(
            file=str(DEFAULT_CATALOGUE), catalogue=DEFAULT_CATALOGUE_NAME, courses=count or 0, skipped=True
        )
    return import_catalogue(db_session=db_session, path=DEFAULT_CATALOGUE, min_confidence=min_confidence)


@dataclass(frozen=True)
class Merge:
    """Two records of one offering: ``kept`` stays, ``dropped`` (from a later catalogue) is left out."""

    kept: CourseRecord
    dropped: CourseRecord

    @property
    def row(self) -> list[str]:
        return [self.kept.id, self.dropped.id, self.kept.title, self.kept.provider, self.kept.language]


def _merge_with_stored(db_session: Session, catalogue: Catalogue) -> None:
    """Leave out the snapshot's courses that are an offering already stored under another id (another
    catalogue's twin: the Coursera "Python Data Structures" when the edX one is in), with a note each."""
    stored = {
        offering_key(CourseRecord(id=cid, title=title, language=language, hours=1, provider=provider)): cid
        for cid, title, provider, language in db_session.execute(
            select(Course.id, Course.title, Course.provider, Course.language)
        )
        if cid not in catalogue.ids
    }
    kept = []
    for record in catalogue.records:
        twin = stored.get(offering_key(record))
        if twin is None:
            kept.append(record)
        else:
            catalogue.notes.append(
                f"line {record.line}: {record.id} not imported: the same offering as {twin}, already stored "
                "(same title, provider, language)"
            )
    if not kept:
        raise ImportFormatError(
            "no courses to import: every course of the file is an offering already stored under another id "
            "(same title, provider and language)",
            file=catalogue.file,
        )
    catalogue.records = kept


def offering_key(record: CourseRecord) -> tuple[str, str, str]:
    """What makes two records one offering: the normalised title, provider and language.

    Titles and providers are compared in lower case, ``&`` as "and", without punctuation, a leading "the"
    dropped from the provider ("The University of Michigan" is "University of Michigan"). The language is
    part of the key: Coursera lists a French and an English "Google Data Analytics" under one title.
    """

    def words(text: str) -> str:
        return " ".join(re.findall(r"[^\W_]+", text.lower().replace("&", " and ")))

    return words(record.title), words(record.provider).removeprefix("the "), record.language


def merge_offerings(records: Sequence[CourseRecord]) -> tuple[list[CourseRecord], list[Merge]]:
    """One record per offering (:func:`offering_key`), the first in ``records`` kept (pass the catalogue
    that states most first); the merges to report."""
    kept: dict[tuple[str, str, str], CourseRecord] = {}
    merges: list[Merge] = []
    for record in records:
        key = offering_key(record)
        if key in kept:
            merges.append(Merge(kept[key], record))
        else:
            kept[key] = record
    return list(kept.values()), merges


def build_default(
    edx_csv: Path, coursera_csv: Path, udemy_csv: Path, out_dir: Path = DEFAULT, cache_dir: Path | None = None
) -> dict[str, int]:
    """Read the three snapshots natively, keep one course per offering, tag every course against the bundled
    ESCO release (full texts; Coursera tags as hints) and write ``catalogue.csv`` and its merge report."""
    native = [
        *((course.record, course.text) for course in edx.read(edx_csv, catalogue=EDX_NAME)[0]),
        *((course.record, course.text) for course in coursera.read(coursera_csv, catalogue=COURSERA_NAME)[0]),
        *((course.record, course.text) for course in udemy.read(udemy_csv, catalogue=UDEMY_NAME)[0]),
    ]
    texts = {record.id: text for record, text in native}
    records, merges = merge_offerings([record for record, _ in native])
    tagger = make_tagger(cache_dir).fit(skill_texts.from_release())
    if tagger.embedder is None:
        raise sentence_model.ModelMissing(
            f"the bundled catalogue is tagged with the sentence model: `{sentence_model.INSTALL}`"
        )
    full_texts = [texts[record.id] for record in records]
    # Courses the English labels cannot read get no inferred skill (their tags still give hints).
    reasons = readable(tagger, records, full_texts)
    legible = [None if reason else text for text, reason in zip(full_texts, reasons, strict=True)]
    tagged = [
        record if record.skills else replace(record, flags=(*record.flags, "no-skills-found"))
        for record in tag_records(tagger, records, legible)
    ]
    course_format.write(tagged, out_dir / DEFAULT_CATALOGUE.name)
    reading.write_csv(
        out_dir / DEFAULT_MERGES.name,
        ["kept_id", "merged_id", "title", "provider", "language"],
        [merge.row for merge in merges],
    )
    counts = {
        name: sum(1 for r in tagged if r.catalogue == name) for name in (EDX_NAME, COURSERA_NAME, UDEMY_NAME)
    }
    return {
        "courses": len(tagged),
        **counts,
        "merged": len(merges),
        "skills": sum(len(record.skills) for record in tagged),
        "without_skills": sum(1 for record in tagged if not record.skills),
    }


# --- reading back -----------------------------------------------------------------------------------------


def list_courses(*, db_session: Session, ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Every course (or those of ``ids``) with its skills (URI, level, confidence, source), ordered by id."""

    def only(query: Any, column: Any) -> Any:
        return query if ids is None else query.where(column.in_(list(ids)))

    skills: dict[str, list[dict[str, Any]]] = {}
    for course_id, uri, level, confidence, source in db_session.execute(
        only(
            select(
                CourseSkill.course_id,
                CourseSkill.skill_uri,
                CourseSkill.level,
                CourseSkill.confidence,
                CourseSkill.source,
            ),
            CourseSkill.course_id,
        ).order_by(CourseSkill.course_id, CourseSkill.confidence.desc(), CourseSkill.skill_uri)
    ):
        skills.setdefault(course_id, []).append(
            {"uri": uri, "level": level, "confidence": round(confidence, 4), "source": source}
        )
    prerequisites: dict[str, list[dict[str, str]]] = {}
    for course_id, required, origin in db_session.execute(
        only(
            select(
                CoursePrerequisite.course_id, CoursePrerequisite.prerequisite_id, CoursePrerequisite.origin
            ),
            CoursePrerequisite.course_id,
        ).order_by(CoursePrerequisite.course_id, CoursePrerequisite.prerequisite_id)
    ):
        prerequisites.setdefault(course_id, []).append({"id": required, "origin": origin})
    return [
        {
            "id": course.id,
            "title": course.title,
            "provider": course.provider,
            "hours": course.hours,
            "price": None if PRICE_UNKNOWN in (course.flags or []) else course.price,
            "certificate_price": course.certificate_price,
            "currency": course.currency,
            "level": course.level,
            "language": course.language,
            "delivery_mode": course.delivery_mode,
            "catalogue": course.catalogue,
            "skills": skills.get(course.id, []),
            "prerequisites": prerequisites.get(course.id, []),
            "flags": list(course.flags or []),
        }
        for course in db_session.scalars(only(select(Course), Course.id).order_by(Course.id))
    ]


def similar_course_ids(*, db_session: Session, course_id: str, n: int = 5) -> list[str]:
    """The known course ids closest to ``course_id`` (for an error that suggests what to use)."""
    known = list(db_session.scalars(select(Course.id)))
    return difflib.get_close_matches(course_id, known, n=n, cutoff=0.5)


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    print(
        build_default(
            Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), cache_dir=DEFAULT.parents[1] / "cache"
        )
    )
