"""The vendored subject vectors (``data.subject_vectors``): written and read back whole, and covering the
bundled catalogue and ESCO's occupations."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from data import subject_vectors
from recommender.planner.subject import SubjectVectors


def test_written_vectors_read_back_the_same_and_a_missing_file_is_none(tmp_path: Path) -> None:
    vectors = SubjectVectors(
        course_ids=("a", "b"),
        courses=np.array([[0.6, 0.8], [1.0, 0.0]], dtype=np.float16),
        occupation_uris=("occ:x",),
        occupations=np.array([[1.0, 0.0]], dtype=np.float16),
    )
    path = tmp_path / "vectors.npz"
    subject_vectors.write(vectors, path)
    back = subject_vectors.load(path)
    assert back is not None
    assert back.course_ids == vectors.course_ids and back.occupation_uris == vectors.occupation_uris
    assert np.array_equal(back.courses, vectors.courses) and back.courses.dtype == np.float16
    fit = back.fit("occ:x")
    assert fit is not None and dict(fit.cosines) == pytest.approx({"a": 0.6, "b": 1.0}, abs=1e-3)  # float16
    assert subject_vectors.load(tmp_path / "absent.npz") is None


def test_the_vendored_file_covers_the_bundled_catalogue_with_unit_vectors() -> None:
    vectors = subject_vectors.load()
    assert vectors is not None, f"{subject_vectors.DEFAULT_FILE} is missing: `python -m data.subject_vectors`"
    catalogue = Path(subject_vectors.__file__).parent / "default" / "catalogue.csv"
    with catalogue.open(encoding="utf-8", newline="") as handle:
        ids = {row["id"] for row in csv.DictReader(handle)}
    assert ids <= set(vectors.course_ids)
    assert len(vectors.occupation_uris) == 3007  # ESCO v1.1.1's occupations
    norms = np.linalg.norm(vectors.courses.astype(np.float32), axis=1)
    assert np.allclose(norms, 1.0, atol=2e-3)


def test_combined_adds_the_imported_courses_and_keeps_the_vendored_object_when_none() -> None:
    # an imported vector of a vendored id is that course imported with another text: it replaces the vendored
    vendored = SubjectVectors(
        course_ids=("a",),
        courses=np.array([[1.0, 0.0]], dtype=np.float16),
        occupation_uris=("occ:x",),
        occupations=np.array([[0.6, 0.8]], dtype=np.float16),
    )
    assert subject_vectors.combined(vendored, {}) is vendored
    assert subject_vectors.combined(None, {"b": b"\x00<\x00\x00"}) is None  # no occupations to compare with
    imported = {
        "b": np.array([0.0, 1.0], dtype="<f2").tobytes(),
        "a": np.array([0.0, 1.0], dtype="<f2").tobytes(),  # replaces the vendored [1, 0]
        "c": np.array([1.0, 0.0, 0.0], dtype="<f2").tobytes(),  # another model's width: left out
    }
    both = subject_vectors.combined(vendored, imported)
    assert both is not None and both.course_ids == ("a", "b")
    fit = both.fit("occ:x")
    assert fit is not None and dict(fit.cosines) == pytest.approx({"a": 0.8, "b": 0.8}, abs=1e-3)
    assert vendored.courses[0].tolist() == [1.0, 0.0]  # the vendored object is left as it was
