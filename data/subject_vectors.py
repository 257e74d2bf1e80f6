"""The subjects of courses and occupations as sentence-model vectors, vendored: what a course is about against
what a target occupation does (:class:`recommender.planner.subject.SubjectVectors`).

A course on a right link can still be about another world than the target's ("mathematics" from prime-number
puzzles for an automotive designer: ``evaluation/relevance_review.csv``). The cosine of the course's title and
summary with the occupation's label and description, by the sentence model all-MiniLM-L6-v2
(:mod:`data.sentence_model`), tells such pairs apart (``python -m evaluation.target_fit``). Embedding the
bundled catalogue's 3,994 courses and ESCO's 3,007 occupations takes about two minutes of CPU, so the vectors
are built once and shipped as ``data/default/subject_vectors.npz`` (float16: cosines within 1e-3):

``OPENBLAS_NUM_THREADS=1 .venv/bin/python -m data.subject_vectors`` (on a database loaded by ``upskill run``
with the bundled catalogue only; writes the file).

A course imported later (``upskill import courses``) is embedded by the import, with the tagger's sentence
model, its vector kept with the course (``courses.subject``: :func:`embed_imported`); the plans read both
(:func:`combined`). Without the model's package an imported course has no vector and is not judged by its
subject. A course of the vendored file keeps the vendored vector while its title and summary are the bundled
catalogue's, which the vendored vectors were embedded from; imported with another text, it is embedded anew
and that vector is used instead.
"""

from __future__ import annotations

import argparse
import csv
import functools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from data import files
from recommender.planner.subject import SubjectVectors

if TYPE_CHECKING:  # a plan read from the caches loads no ORM (``tests/api/cli/test_plan.py``)
    from sqlalchemy.orm import Session

    from data.formats.courses import CourseRecord
    from recommender.tagging import TextEmbedder

DEFAULT_FILE = Path(__file__).resolve().parent / "default" / "subject_vectors.npz"
#: The catalogue the vendored course vectors were embedded from (``data.catalogue.DEFAULT_CATALOGUE``).
BUNDLED_CATALOGUE = DEFAULT_FILE.with_name("catalogue.csv")


def course_text(title: str, summary: str | None) -> str:
    """What a course is about, as embedded: its title and summary."""
    return f"{title}. {summary or ''}"


def _normalised(text: str) -> str:
    return " ".join(text.split())


@functools.lru_cache(maxsize=2)
def vendored_texts(path: Path = BUNDLED_CATALOGUE) -> dict[str, str]:
    """Course id -> the text (:func:`course_text`, spaces normalised) its vendored vector was embedded from:
    the bundled catalogue's title and summary (empty when the file is absent)."""
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            row["id"]: _normalised(course_text(row["title"], row.get("summary")))
            for row in csv.DictReader(handle)
        }


def occupation_text(label: str, description: str | None) -> str:
    """What an occupation does, as embedded: its label and description."""
    return f"{label}. {description or ''}"


def build(db_session: Session) -> SubjectVectors:
    """Embed every course and occupation of the database (the sentence model's package must be installed)."""
    from sqlalchemy import select

    from data.models import Course, Occupation
    from data.sentence_model import load_encoder

    courses = db_session.execute(select(Course.id, Course.title, Course.summary).order_by(Course.id)).all()
    occupations = db_session.execute(
        select(Occupation.uri, Occupation.preferred_label, Occupation.description).order_by(Occupation.uri)
    ).all()
    encoder = load_encoder()
    return SubjectVectors(
        course_ids=tuple(c for c, _, _ in courses),
        courses=encoder.encode([course_text(t, s) for _, t, s in courses]).astype(np.float16),
        occupation_uris=tuple(u for u, _, _ in occupations),
        occupations=encoder.encode([occupation_text(label, d) for _, label, d in occupations]).astype(
            np.float16
        ),
    )


def write(vectors: SubjectVectors, path: Path = DEFAULT_FILE) -> None:
    """Write ``vectors`` to ``path`` (whole or not at all)."""
    with files.atomic_binary(path) as handle:
        np.savez_compressed(
            handle,
            course_ids=np.array(vectors.course_ids, dtype=str),
            courses=vectors.courses,
            occupation_uris=np.array(vectors.occupation_uris, dtype=str),
            occupations=vectors.occupations,
        )


@functools.lru_cache(maxsize=4)
def load(path: Path = DEFAULT_FILE) -> SubjectVectors | None:
    """The vendored vectors (read once per process), or None when the file is absent."""
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as data:
        return SubjectVectors(
            course_ids=tuple(str(c) for c in data["course_ids"]),
            courses=data["courses"],
            occupation_uris=tuple(str(u) for u in data["occupation_uris"]),
            occupations=data["occupations"],
        )


def embed_imported(
    db_session: Session,
    records: Sequence[CourseRecord],
    embedder: TextEmbedder | None,
    vendored: SubjectVectors | None,
) -> tuple[int, int]:
    """Embed the subject of each course of ``records`` that ``vendored`` does not hold, or holds for another
    text than the record's, and keep it with the course (``courses.subject``, float16); a course back to its
    vendored text loses a vector kept earlier. The courses must be written. Returns how many courses need a
    vector and how many were embedded (none without an ``embedder``: they are not judged by subject)."""
    from sqlalchemy import select, update

    from data.models import Course

    texts = vendored_texts()

    def as_vendored(record: CourseRecord) -> bool:
        return (
            vendored is not None
            and vendored.has_course(record.id)
            and texts.get(record.id) == _normalised(course_text(record.title, record.summary))
        )

    new = [r for r in records if not as_vendored(r)]
    kept_before = {c for (c,) in db_session.execute(select(Course.id).where(Course.subject.is_not(None)))}
    back = [r.id for r in records if r.id in kept_before and as_vendored(r)]
    if back:
        db_session.execute(update(Course), [{"id": course_id, "subject": None} for course_id in back])
    if not new:
        return 0, 0
    if embedder is None or vendored is None:  # without the vendored occupations, no cosine to compute
        # a vector of an earlier import of these courses may describe another text: not kept
        db_session.execute(update(Course), [{"id": r.id, "subject": None} for r in new])
        return len(new), 0
    vectors = embedder.encode([course_text(r.title, r.summary) for r in new]).astype("<f2")
    db_session.execute(
        update(Course), [{"id": r.id, "subject": v.tobytes()} for r, v in zip(new, vectors, strict=True)]
    )
    return len(new), len(new)


def stored(db_session: Session) -> dict[str, bytes]:
    """Course id -> its subject vector kept with it (:func:`embed_imported`), as bytes."""
    from sqlalchemy import select

    from data.models import Course

    rows = db_session.execute(select(Course.id, Course.subject).where(Course.subject.is_not(None)))
    return {course_id: vector for course_id, vector in rows if vector is not None}


def of_database(db_session: Session) -> SubjectVectors | None:
    """The vectors plans judge the database's courses with: the vendored ones and the imported courses'."""
    return combined(load(), stored(db_session))


def combined(vendored: SubjectVectors | None, imported: Mapping[str, bytes]) -> SubjectVectors | None:
    """The vendored vectors with the imported courses' (:func:`stored`) added, an imported course's vector in
    place of a vendored one of the same id (its text changed); ``vendored`` itself when there are none (None
    without the vendored file: the occupations' vectors are in it)."""
    if vendored is None or not imported:
        return vendored
    width = vendored.courses.shape[1]
    rows = {c: np.frombuffer(v, dtype="<f2") for c, v in sorted(imported.items())}
    rows = {c: row for c, row in rows.items() if row.shape == (width,)}  # not another model's
    if not rows:
        return vendored
    courses = vendored.courses
    replaced = [k for k, c in enumerate(vendored.course_ids) if c in rows]
    if replaced:
        courses = courses.copy()
        courses[replaced] = np.stack([rows[vendored.course_ids[k]] for k in replaced]).astype(np.float16)
    extra = [c for c in rows if not vendored.has_course(c)]
    return SubjectVectors(
        course_ids=vendored.course_ids + tuple(extra),
        courses=np.vstack([courses, *(rows[c][None, :].astype(np.float16) for c in extra)]),
        occupation_uris=vendored.occupation_uris,
        occupations=vendored.occupations,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=None, help="database URL (default: UPSKILL_DATABASE_URL)")
    parser.add_argument("--out", type=Path, default=DEFAULT_FILE)
    args = parser.parse_args()

    from data.db import make_engine, transaction
    from data.defaults import environment_database_url

    with transaction(make_engine(args.database or environment_database_url())) as session:
        vectors = build(session)
    write(vectors, args.out)
    print(
        f"{args.out}: {len(vectors.course_ids)} courses, {len(vectors.occupation_uris)} occupations, "
        f"{args.out.stat().st_size / 1e6:.1f} MB"
    )


if __name__ == "__main__":
    main()
