"""Rank every ESCO skill for a piece of free text (a sentence, a CV, a job ad, a course description).

Pure: takes plain skill records and texts, returns scores, evidence spans and confidences. The loaders that
feed it from the database or the ESCO release live in ``data/skill_texts.py``; ``upskill evaluate
extraction`` measures it on real job-ad sentences next to a TF-IDF baseline, ``upskill evaluate tagging`` on
course texts. See :class:`SkillExtractor` for the method.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import Stemmer
from numpy.typing import NDArray
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from recommender.text.state import Arrays, Texts, get_csr, get_vectorizer, put_csr, put_vectorizer


@dataclass(frozen=True)
class SkillText:
    """What the extractor knows of one ESCO skill.

    ``skill_type`` is ESCO's "knowledge" or "skill/competence"; ``occupations`` is the number of ESCO
    occupations that need the skill (essential or optional), a measure of how widely it is asked for;
    ``broader`` the skills and skill groups directly above it in ESCO's hierarchy.
    """

    uri: str
    preferred_label: str
    alt_labels: tuple[str, ...] = ()
    description: str = ""
    skill_type: str | None = None
    reuse_level: str | None = None
    occupations: int = 0
    broader: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExtractedSkill:
    """One skill found in a text: its score in [0, 1] and the span of the text that names it."""

    uri: str
    label: str
    score: float
    evidence: str


# Words that say how much or how well a skill is needed ("strong knowledge", "proven experience", "3+
# years"), not which skill. Left in, they match labels such as "describe artistic experience"; and the
# English stemmer folds "experience" and "experiment" into one stem.
REQUIREMENT_WORDS = frozenset(
    [
        "ability",
        "able",
        "advanced",
        "basic",
        "candidate",
        "candidates",
        "capable",
        "deep",
        "degree",
        "demonstrated",
        "equivalent",
        "etc",
        "excellent",
        "experience",
        "experienced",
        "expert",
        "expertise",
        "familiar",
        "familiarity",
        "good",
        "great",
        "highly",
        "ideally",
        "knowledge",
        "knowledgeable",
        "level",
        "minimum",
        "plus",
        "preferably",
        "preferred",
        "proficiency",
        "proficient",
        "proven",
        "relevant",
        "required",
        "requirement",
        "requirements",
        "similar",
        "skill",
        "skills",
        "solid",
        "sound",
        "strong",
        "understanding",
        "year",
        "years",
    ]
)

_TOKEN = re.compile(r"[A-Za-z0-9+#]+")
_STEMMER = Stemmer.Stemmer("english")  # the Snowball English (Porter 2) stemmer, in C


@functools.lru_cache(maxsize=500_000)
def _stem(token: str) -> str:
    """The stem of a word as written, or "" when the word is not read."""
    lower = token.lower()
    # Bare numbers ("Php 5", "Source 2") match any text; one letter counts only as a capital ("R", "C").
    if lower in ENGLISH_STOP_WORDS or lower in REQUIREMENT_WORDS or token.isdigit():
        return ""
    if len(token) == 1 and not token.isupper():
        return ""
    return str(_STEMMER.stemWord(lower))


@dataclass(frozen=True)
class Token:
    """A kept word of a text: its stem and where it stands (character offsets, end exclusive)."""

    stem: str
    start: int
    end: int


def tokens(text: str) -> list[Token]:
    """The words the extractor reads: lower-cased, Snowball-stemmed, without stop and requirement words."""
    found = []
    for match in _TOKEN.finditer(text):
        stem = _stem(match.group())
        if stem:
            found.append(Token(stem, match.start(), match.end()))
    return found


def stems(text: str) -> list[str]:
    """The stems of :func:`tokens`, in order (without their positions)."""
    return [stem for stem in map(_stem, _TOKEN.findall(text)) if stem]


def analyse(text: str) -> list[str]:
    """The stems of :func:`tokens`, then the pairs of neighbouring stems (a phrase scores above its words)."""
    found = stems(text)
    return found + [f"{a} {b}" for a, b in zip(found, found[1:], strict=False)]


def _without_qualifier(label: str) -> str:
    """ "Java (computer programming)" -> "Java": ESCO disambiguates labels that texts use bare."""
    return re.sub(r"\s*\([^)]*\)", "", label).strip()


_VECTORIZER_PARAMS: dict[str, Any] = {"analyzer": analyse, "sublinear_tf": True, "dtype": np.float32}


def _phrase(text: str) -> str:
    """A text's words in lower case, one space apart, padded with spaces (for whole-name matching)."""
    return " " + " ".join(_TOKEN.findall(text.lower())) + " "


def narrowed_names(names: Sequence[str]) -> list[int]:
    """Indices of the names the analysis narrows to one word although they have more ("deep learning" ->
    "learn": "deep" is a requirement word; "e-learning": a lone lower-case letter is not read; "control
    system": sklearn's stop words hold "system")."""
    return [i for i, name in enumerate(names) if len(_TOKEN.findall(name)) > 1 and len(stems(name)) == 1]


def _group_max(matrix: NDArray[np.float32], starts: NDArray[np.int64], n_groups: int) -> NDArray[np.float32]:
    """Column-wise maximum over consecutive column groups (group ``g`` starts at column ``starts[g]``)."""
    result = np.zeros((matrix.shape[0], n_groups), dtype=np.float32)
    if matrix.shape[1]:
        result[:] = np.maximum.reduceat(matrix, starts, axis=1)
    return result


class SkillExtractor(BaseEstimator):
    """Lexical skill extractor over ESCO labels and descriptions (scikit-learn conventions).

    The score of skill s for text t is

        coverage(s, t) ** coverage_exponent
        * (cos(t, labels(s)) + description_weight * cos(t, description(s))) * prior(s)

    scaled into [0, 1]. ``coverage`` is the largest share of one label's IDF mass (stems and pairs of
    neighbouring stems, IDF over ESCO's labels and descriptions) that occurs in the text: it keeps skills
    whose name the text uses. A label's bare form without its parenthesised qualifier counts as a label.
    The cosines (TF-IDF, sublinear term frequency) rank the skills by how much the text is about them.

    ``prior`` is ``1 + popularity_weight * log(1 + occupations(s))``, since texts about jobs ask for skills
    that many occupations need. ESCO relates its transversal skills ("work in teams", "English") to no
    occupation in particular because they serve all of them, so they count as needed as widely as the most
    needed skill. The prior is multiplied by ``competence_prior`` for ESCO "skill/competence" concepts (tasks
    of a job, e.g. "clean road vehicles") and by ``occupation_specific_prior`` for occupation-specific ones.

    Parameters
    ----------
    description_weight : float
        Weight of the description similarity relative to the label similarity.
    coverage_exponent : float
        Below 1, a partly named skill ("web development" for "web programming") keeps more of its score.
    popularity_weight : float
        Weight of ``log(1 + occupations)`` in the prior; 0 leaves it out.
    competence_prior, occupation_specific_prior : float
        Multipliers of the score of "skill/competence" and of occupation-specific concepts.
    whole_names : bool
        A name the analysis narrows to one word although it has more (:func:`narrowed_names`: "deep
        learning" and "e-learning" both read "learn") covers a text only where the text has the whole name,
        its words in order (case and punctuation aside). False: it covers any text with that one word. The
        course tagger sets it (every course text says "learn"; see ``recommender.tagging.SkillTagger``).
    batch_size : int
        Texts scored at once (memory: batch_size x n_labels floats).
    """

    def __init__(
        self,
        *,
        description_weight: float = 0.3,
        coverage_exponent: float = 0.5,
        popularity_weight: float = 0.1,
        competence_prior: float = 0.8,
        occupation_specific_prior: float = 0.7,
        whole_names: bool = False,
        batch_size: int = 256,
    ) -> None:
        self.description_weight = description_weight
        self.coverage_exponent = coverage_exponent
        self.popularity_weight = popularity_weight
        self.competence_prior = competence_prior
        self.occupation_specific_prior = occupation_specific_prior
        self.whole_names = whole_names
        self.batch_size = batch_size

    def fit(self, skills: Sequence[SkillText]) -> SkillExtractor:
        """Learn the vocabulary (IDF over the skills' labels and descriptions), skill vectors and priors."""
        if not skills:
            raise ValueError("SkillExtractor.fit needs at least one skill; import ESCO first")
        self.uris_ = [skill.uri for skill in skills]
        self.labels_ = [skill.preferred_label for skill in skills]
        label_docs = [" . ".join((s.preferred_label, *s.alt_labels)) for s in skills]
        desc_docs = [f"{s.preferred_label}. {s.description}" for s in skills]
        self.vectorizer_ = TfidfVectorizer(**_VECTORIZER_PARAMS)
        vectors = self.vectorizer_.fit_transform([*label_docs, *desc_docs])
        self.label_vectors_ = vectors[: len(skills)].T.tocsr()
        self.description_vectors_ = vectors[len(skills) :].T.tocsr()
        names: list[str] = []
        starts: list[int] = []
        for skill in skills:
            starts.append(len(names))
            labels = (skill.preferred_label, *skill.alt_labels)
            forms = dict.fromkeys(x for x in (*labels, *map(_without_qualifier, labels)) if x.strip())
            names.extend(forms or [skill.preferred_label])  # every skill owns at least one name
        self.names_ = names
        self.name_starts_ = np.asarray([*starts, len(names)], dtype=np.int64)
        self._narrowed_names: tuple[list[int], list[str]] | None = None
        present = (self.vectorizer_.transform(names) > 0).astype(np.float32)
        mass = sp.csr_matrix(present.multiply(self.vectorizer_.idf_.astype(np.float32)))
        totals = np.asarray(mass.sum(axis=1)).ravel()
        self.name_mass_ = (sp.diags(1.0 / np.maximum(totals, 1e-9)) @ mass).T.tocsr().astype(np.float32)
        needed = np.asarray([s.occupations for s in skills], dtype=np.float64)
        # ESCO relates transversal skills ("work in teams", "English") to no occupation in particular, since
        # they serve all of them: count them as needed as widely as the most widely needed skill.
        transversal = np.asarray([s.reuse_level == "transversal" for s in skills])
        needed[transversal] = needed.max()
        popularity = 1.0 + self.popularity_weight * np.log1p(needed)
        kind = [
            (self.competence_prior if s.skill_type == "skill/competence" else 1.0)
            * (self.occupation_specific_prior if s.reuse_level == "occupation-specific" else 1.0)
            for s in skills
        ]
        prior = (popularity * np.asarray(kind)).astype(np.float32)
        self.prior_ = prior / max(float(prior.max()), 1e-9) / (1.0 + self.description_weight)
        return self

    def state(self) -> tuple[Arrays, Texts]:
        """What :meth:`fit` learnt, as arrays and strings (see :meth:`from_state`)."""
        check_is_fitted(self, "uris_")
        arrays: Arrays = {"name_starts_": self.name_starts_, "prior_": self.prior_}
        for name in ("label_vectors_", "description_vectors_", "name_mass_"):
            put_csr(arrays, name, getattr(self, name))
        texts: Texts = {
            "params": self.get_params(),
            "uris_": self.uris_,
            "labels_": self.labels_,
            "names_": self.names_,
        }
        put_vectorizer(arrays, texts, "vectorizer_", self.vectorizer_)
        return arrays, texts

    @classmethod
    def from_state(cls, arrays: Arrays, texts: Texts) -> SkillExtractor:
        """The fitted extractor :meth:`state` described (no fitting)."""
        extractor = cls(**texts["params"])
        extractor.uris_ = list(texts["uris_"])
        extractor.labels_ = list(texts["labels_"])
        extractor.names_ = list(texts["names_"])
        extractor._narrowed_names = None
        extractor.name_starts_ = arrays["name_starts_"]
        extractor.prior_ = arrays["prior_"]
        for name in ("label_vectors_", "description_vectors_", "name_mass_"):
            setattr(extractor, name, get_csr(arrays, name))
        extractor.vectorizer_ = get_vectorizer(arrays, texts, "vectorizer_", **_VECTORIZER_PARAMS)
        if len(extractor.uris_) != len(extractor.prior_):
            raise ValueError("skill extractor state: skills and arrays disagree")
        return extractor

    def score(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Score of every skill for every text.

        Parameters
        ----------
        texts : sequence of str, length n_texts

        Returns
        -------
        numpy.ndarray of float32, shape (n_texts, n_skills)
            Values in [0, 1]; column ``j`` is the skill ``uris_[j]``; 0 when no label word occurs.
        """
        check_is_fitted(self, "uris_")
        out = np.zeros((len(texts), len(self.uris_)), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            parts = self.components(texts[start : start + self.batch_size])
            out[start : start + self.batch_size] = self.combine(*parts)
        return out

    def combine(
        self, coverage: NDArray[np.float32], label: NDArray[np.float32], description: NDArray[np.float32]
    ) -> NDArray[np.float32]:
        """The score from its :meth:`components` (same shapes), in [0, 1]."""
        similarity = label + self.description_weight * description
        return np.clip(np.power(coverage, self.coverage_exponent) * similarity * self.prior_, 0.0, 1.0)

    def components(
        self, texts: Sequence[str]
    ) -> tuple[NDArray[np.float32], NDArray[np.float32], NDArray[np.float32]]:
        """The parts of :meth:`score` for one batch of texts, each of shape (n_texts, n_skills), float32:
        the label coverage in [0, 1], the cosine with the labels and the cosine with the description."""
        check_is_fitted(self, "uris_")
        words = self.vectorizer_.transform(texts)
        present = (words > 0).astype(np.float32)
        covered = (present @ self.name_mass_).toarray()
        if self.whole_names:
            narrowed, phrases = self._narrowed()
            for row, text in enumerate(texts):
                padded = _phrase(text)
                covered[row, narrowed] = [float(phrase in padded) for phrase in phrases]
        coverage = _group_max(covered, self.name_starts_[:-1], len(self.uris_))
        label = (words @ self.label_vectors_).toarray().astype(np.float32)
        description = (words @ self.description_vectors_).toarray().astype(np.float32)
        return np.clip(coverage, 0.0, 1.0), label, description

    def _narrowed(self) -> tuple[list[int], list[str]]:
        """The :func:`narrowed_names` and their whole forms (:func:`_phrase`), found once per fitted
        extractor (derived from ``names_``, so not part of the state)."""
        found = getattr(self, "_narrowed_names", None)
        if found is None:
            narrowed = narrowed_names(self.names_)
            found = self._narrowed_names = (narrowed, [_phrase(self.names_[i]) for i in narrowed])
        return found

    def extract(
        self, texts: Sequence[str], *, k: int = 20, min_score: float = 0.0
    ) -> list[list[ExtractedSkill]]:
        """The ``k`` best skills of each text scoring above ``min_score`` and 0, best first, with evidence."""
        if k < 1:
            raise ValueError("k must be at least 1")
        result = []
        for start in range(0, len(texts), self.batch_size):
            batch = texts[start : start + self.batch_size]
            for text, row in zip(batch, self.score(batch), strict=True):
                words = tokens(text)
                kept = [(j, round(float(row[j]), 4)) for j in top_indices(row, k)]
                result.append(
                    [
                        ExtractedSkill(self.uris_[j], self.labels_[j], score, self.evidence(text, words, j))
                        for j, score in kept
                        if score > 0 and score > min_score
                    ]
                )
        return result

    def evidence(self, text: str, words: Sequence[Token], skill: int) -> str:
        """The shortest stretch of ``text`` naming most of the best-covered label of skill index ``skill``.

        ``words`` are ``tokens(text)``. Empty when no word of the skill's labels occurs.
        """
        check_is_fitted(self, "uris_")
        present = {token.stem for token in words}
        idf = self.vectorizer_.idf_
        vocabulary = self.vectorizer_.vocabulary_
        best: tuple[float, frozenset[str]] = (0.0, frozenset())
        for name in self.names_[self.name_starts_[skill] : self.name_starts_[skill + 1]]:
            named = frozenset(stems(name))
            total = sum(idf[vocabulary[s]] for s in named if s in vocabulary)
            found = sum(idf[vocabulary[s]] for s in named & present if s in vocabulary)
            if total > 0 and found / total > best[0]:
                best = (found / total, named)
        if not best[1]:
            return ""
        hits = [t for t in words if t.stem in best[1]]
        wanted = len({t.stem for t in hits})
        window = (0, len(text))
        for i, first in enumerate(hits):
            seen: set[str] = set()
            for last in hits[i:]:
                seen.add(last.stem)
                if len(seen) == wanted:
                    if last.end - first.start < window[1] - window[0]:
                        window = (first.start, last.end)
                    break
        return text[window[0] : window[1]]


def top_indices(row: NDArray[np.float32], k: int) -> NDArray[np.int64]:
    """Indices of the ``k`` largest values, largest first, ties by index (deterministic)."""
    if k >= len(row):
        return np.argsort(-row, kind="stable")
    candidates = np.argpartition(-row, k - 1)[:k]
    threshold = row[candidates].min()
    candidates = np.flatnonzero(row >= threshold)
    return candidates[np.argsort(-row[candidates], kind="stable")][:k]
