"""Infer the ESCO skills a course teaches from its text.

Pure: takes plain skill records and course texts, returns scored skill URIs. The loaders that feed it from
the database or the ESCO release live in ``data/``. See :class:`SkillTagger` for the method and
``upskill evaluate tagging`` for its measured precision next to :class:`LabelMatchBaseline`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.utils.validation import check_is_fitted


@dataclass(frozen=True)
class SkillText:
    """What the tagger knows of one skill (``skill_type`` is ESCO's "knowledge" or "skill/competence")."""

    uri: str
    preferred_label: str
    alt_labels: tuple[str, ...] = ()
    description: str = ""
    skill_type: str | None = None
    reuse_level: str | None = None


@dataclass(frozen=True)
class TaggedSkill:
    """One inferred skill: its URI and a confidence in [0, 1]."""

    uri: str
    confidence: float


_TOKEN = re.compile(r"[A-Za-z0-9+#]+")


def _stem(word: str) -> str:
    """Fold plurals so that "batteries" meets "battery" and "motors" meets "motor"."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _keep(token: str) -> bool:
    # Bare numbers ("Php 5", "Source 2") match any text; one letter counts only as a capital ("R", "C").
    if token.isdigit():
        return False
    return len(token) > 1 or token.isupper()


def analyse(text: str) -> list[str]:
    """Lower-cased, plural-folded words without English stop words, then the pairs of neighbouring words."""
    words = [
        _stem(token.lower())
        for token in _TOKEN.findall(text)
        if _keep(token) and token.lower() not in ENGLISH_STOP_WORDS
    ]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def _group_max(matrix: NDArray[np.float32], owner: NDArray[np.int64], n_groups: int) -> NDArray[np.float32]:
    """Column-wise maximum over the columns of each group (``owner`` is sorted, every group present)."""
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    result = np.zeros((matrix.shape[0], n_groups), dtype=np.float32)
    result[:, owner[starts]] = np.maximum.reduceat(matrix, starts, axis=1)
    return result


class SkillTagger(BaseEstimator):
    """TF-IDF skill tagger with label coverage (scikit-learn conventions: learnt state ends in ``_``).

    The score of skill s for text t is ``coverage(s, t) * (cos(t, labels(s)) + description_weight *
    cos(t, description(s))) * prior(s)``, where ``coverage`` is the largest share of one label's IDF mass
    whose words (and word pairs) occur in the text: it keeps skills whose name the text actually uses, and
    the cosines rank them by how much the text is about them. ``prior`` lowers ESCO "skill/competence"
    concepts (tasks of a job, e.g. "clean road vehicles") against "knowledge" concepts, which is what
    courses mostly teach, and lowers occupation-specific concepts.

    Parameters
    ----------
    top_k : int
        At most this many skills per text.
    min_confidence : float
        Skills scoring below this are dropped (the threshold); scores are scaled into [0, 1].
    description_weight : float
        Weight of the description similarity relative to the label similarity.
    competence_prior, occupation_specific_prior : float
        Multipliers of the score of "skill/competence" and of occupation-specific concepts.
    batch_size : int
        Texts scored at once (memory: batch_size x n_labels floats).
    """

    def __init__(
        self,
        *,
        top_k: int = 10,
        min_confidence: float = 0.04,
        description_weight: float = 0.3,
        competence_prior: float = 0.8,
        occupation_specific_prior: float = 0.7,
        batch_size: int = 256,
    ) -> None:
        self.top_k = top_k
        self.min_confidence = min_confidence
        self.description_weight = description_weight
        self.competence_prior = competence_prior
        self.occupation_specific_prior = occupation_specific_prior
        self.batch_size = batch_size

    def fit(self, skills: Sequence[SkillText]) -> SkillTagger:
        """Learn the vocabulary (IDF over the skills' labels and descriptions) and the skill vectors."""
        if not skills:
            raise ValueError("SkillTagger.fit needs at least one skill; import ESCO first")
        self.uris_ = [skill.uri for skill in skills]
        label_docs = [" . ".join((s.preferred_label, *s.alt_labels)) for s in skills]
        desc_docs = [f"{s.preferred_label}. {s.description}" for s in skills]
        self.vectorizer_ = TfidfVectorizer(analyzer=analyse, sublinear_tf=True, dtype=np.float32)
        self.vectorizer_.fit([*label_docs, *desc_docs])
        self.labels_ = self.vectorizer_.transform(label_docs).T.tocsr()
        self.descriptions_ = self.vectorizer_.transform(desc_docs).T.tocsr()
        single: list[str] = []
        owner: list[int] = []
        for index, skill in enumerate(skills):
            for label in sorted({skill.preferred_label, *skill.alt_labels}):
                single.append(label)
                owner.append(index)
        present = (self.vectorizer_.transform(single) > 0).astype(np.float32)
        mass = sp.csr_matrix(present.multiply(self.vectorizer_.idf_.astype(np.float32)))
        totals = np.asarray(mass.sum(axis=1)).ravel()
        self.label_mass_ = (sp.diags(1.0 / np.maximum(totals, 1e-9)) @ mass).T.tocsr().astype(np.float32)
        self.label_owner_ = np.asarray(owner, dtype=np.int64)
        self.prior_ = np.array(
            [
                (self.competence_prior if s.skill_type == "skill/competence" else 1.0)
                * (self.occupation_specific_prior if s.reuse_level == "occupation-specific" else 1.0)
                for s in skills
            ],
            dtype=np.float32,
        )
        return self

    def score(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Score of every skill for every text.

        Parameters
        ----------
        texts : sequence of str, length n_texts

        Returns
        -------
        numpy.ndarray of float32, shape (n_texts, n_skills)
            Values in [0, 1]; column ``j`` is the skill ``uris_[j]``.
        """
        check_is_fitted(self, "uris_")
        out = np.zeros((len(texts), len(self.uris_)), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            words = self.vectorizer_.transform(texts[start : start + self.batch_size])
            present = (words > 0).astype(np.float32)
            coverage = _group_max((present @ self.label_mass_).toarray(), self.label_owner_, len(self.uris_))
            similarity = (words @ self.labels_).toarray() + self.description_weight * (
                words @ self.descriptions_
            ).toarray()
            out[start : start + self.batch_size] = coverage * similarity * self.prior_
        return np.clip(out / (1.0 + self.description_weight), 0.0, 1.0)

    def tag(self, texts: Sequence[str]) -> list[list[TaggedSkill]]:
        """The best skills of each text: at most ``top_k``, confidence >= ``min_confidence`` and > 0."""
        scores = self.score(texts)
        result = []
        for row in scores:
            best = np.argsort(-row, kind="stable")[: self.top_k]
            result.append(
                [
                    TaggedSkill(self.uris_[i], round(float(row[i]), 4))
                    for i in best
                    if row[i] > 0 and row[i] >= self.min_confidence
                ]
            )
        return result


_WORD = re.compile(r"[a-z0-9+#]+")


def _normalise(text: str) -> str:
    return " " + " ".join(_WORD.findall(text.lower())) + " "


class LabelMatchBaseline(BaseEstimator):
    """Plain label-string matching: a skill is found when one of its labels occurs in the text.

    Skills are ranked by how many of their labels occur, then by the length of the longest one found
    (longer labels are more specific), then by URI. No learning, no threshold.
    """

    def __init__(self, *, top_k: int = 10) -> None:
        self.top_k = top_k

    def fit(self, skills: Sequence[SkillText]) -> LabelMatchBaseline:
        self.labels_: dict[str, list[str]] = {}
        for skill in skills:
            for label in {_normalise(lab).strip() for lab in (skill.preferred_label, *skill.alt_labels)}:
                if label:
                    self.labels_.setdefault(label, []).append(skill.uri)
        self.longest_ = max((label.count(" ") + 1 for label in self.labels_), default=0)
        return self

    def tag(self, texts: Sequence[str]) -> list[list[TaggedSkill]]:
        check_is_fitted(self, "labels_")
        result = []
        for text in texts:
            words = _normalise(text).split()
            phrases = {
                " ".join(words[start : start + size])
                for size in range(1, self.longest_ + 1)
                for start in range(len(words) - size + 1)
            }
            found: dict[str, tuple[int, int]] = {}
            for phrase in phrases:
                for uri in self.labels_.get(phrase, ()):
                    count, longest = found.get(uri, (0, 0))
                    found[uri] = (count + 1, max(longest, len(phrase)))
            ranked = sorted(found.items(), key=lambda item: (-item[1][0], -item[1][1], item[0]))
            result.append([TaggedSkill(uri, 1.0) for uri, _ in ranked[: self.top_k]])
        return result
