"""Whether a course's subject belongs to a target's world: the cosine of the two texts' sentence vectors.

A course enters a plan on its links to the target's skills (:mod:`.relevance`); a right link can still come
from another world than the target's: "mathematics" from prime-number puzzles or from neuron models for an
automotive designer, data analysis from genomics for a mechatronics engineer (the relevance review,
``evaluation/relevance_review.csv``, judges such courses "wrong for the target"). The cosine of the course's
title and summary with the occupation's label and description (all-MiniLM-L6-v2; the vectors are built by
:mod:`data.subject_vectors`) orders the review's judged (course, target) pairs right 93 % of the time
(``python -m evaluation.target_fit``).

The rule: a course whose subject cosine with the target is under ``MIN_SUBJECT`` is not planned on for that
target (its links to the target's skills are set aside, with the reason). On the judged pairs of the first
plans, 0.05 sets aside 7 of the 16 judged irrelevant (36 plans: prime numbers, computational neuroscience,
genomics) and 3 of the 103 judged relevant (16 plans: DC circuits for two assembler targets, environmental
law for a mechanical engineer). It was chosen on those judgements (in sample), as the floor of a grid of
five that sets aside the most irrelevant pairs for each relevant one: 0 sets aside 2 for 1, 0.05 7 for 3,
0.10 11 for 5, 0.15 15 for 19, 0.20 15 for 30 (with ``--open-limits``' plans, 0.10 sets aside 11 for 8). A
course or an occupation without a vector is not judged by its subject.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

#: The least cosine of a course's subject with the target's for the course to be planned on for it.
MIN_SUBJECT = 0.05


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: it holds arrays, loaded once
class SubjectVectors:
    """Unit-length sentence vectors of courses (rows of ``courses``, by ``course_ids``) and occupations."""

    course_ids: tuple[str, ...]
    courses: NDArray[np.float16]
    occupation_uris: tuple[str, ...]
    occupations: NDArray[np.float16]
    _course_row: dict[str, int] = field(init=False, repr=False, compare=False)
    _occupation_row: dict[str, int] = field(init=False, repr=False, compare=False)
    _fits: dict[str, SubjectFit] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_course_row", {c: i for i, c in enumerate(self.course_ids)})
        object.__setattr__(self, "_occupation_row", {u: i for i, u in enumerate(self.occupation_uris)})
        object.__setattr__(self, "_fits", {})

    def has_course(self, course_id: str) -> bool:
        """Whether ``course_id`` has a vector here."""
        return course_id in self._course_row

    def fit(self, occupation_uri: str) -> SubjectFit | None:
        """The cosine of every course's subject with the occupation's (None: the occupation has no vector);
        computed once per occupation (the same object while kept)."""
        found = self._fits.get(occupation_uri)
        if found is not None:
            return found
        row = self._occupation_row.get(occupation_uri)
        if row is None:
            return None
        cosines = self.courses.astype(np.float32) @ self.occupations[row].astype(np.float32)
        fit = SubjectFit(occupation_uri, Cosines(self._course_row, cosines.round(4)))
        if len(self._fits) > 64:
            self._fits.clear()
        self._fits[occupation_uri] = fit
        return fit


class Cosines(Mapping[str, float]):
    """Course id -> cosine, over one array and the course rows every occupation's cosines share (a server
    keeps the cosines of the targets it plans for: 16 KB each, where a dict would take ~400 KB)."""

    def __init__(self, rows: Mapping[str, int], values: NDArray[np.float32]) -> None:
        self._rows = rows
        self._values = values

    def __getitem__(self, course_id: str) -> float:
        return float(self._values[self._rows[course_id]])

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: a planner's caches key on it
class SubjectFit:
    """Course id -> cosine of its subject with one target occupation's."""

    occupation_uri: str
    cosines: Mapping[str, float]

    def off_subject(self, course_id: str, floor: float = MIN_SUBJECT) -> str | None:
        """Why the course is not planned on for the target by its subject (None: it is, or it has no
        vector)."""
        cosine = self.cosines.get(course_id)
        if cosine is None or cosine >= floor:
            return None
        return (
            f"its subject is far from the target's work: cosine {cosine:.3f} < {floor:g} between the "
            "course's title and summary and the occupation's description (sentence model)"
        )
