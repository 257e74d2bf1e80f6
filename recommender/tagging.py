"""Infer the ESCO skills a course teaches from its text, with the free-text extractor.

Pure: takes plain skill records and course texts, returns scored skill URIs. The method is
:class:`recommender.text.skills.SkillExtractor` (the same one that reads job ads and CVs); the tagger keeps
its best skills above a confidence and says which texts its English labels cannot read. The loaders that
feed it from the database or the ESCO release live in ``data/``. ``upskill evaluate tagging`` measures its
precision next to :class:`LabelMatchBaseline`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, clone
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.utils.validation import check_is_fitted

from recommender.text.skills import SkillExtractor, SkillText, analyse, top_indices

__all__ = [
    "LINK_FEATURES",
    "LabelMatchBaseline",
    "LinkCalibration",
    "LinkEvidence",
    "SkillTagger",
    "SkillText",
    "TaggedSkill",
    "TextEmbedder",
    "analyse",
    "english_share",
]


@dataclass(frozen=True)
class TaggedSkill:
    """One inferred skill: its URI and a confidence in [0, 1]."""

    uri: str
    confidence: float


@dataclass(frozen=True)
class LinkEvidence:
    """What the tagger knows of one link it keeps: the extractor's ``score`` in [0, 1], that score's ``share``
    of the text's best, the ``cosine`` of the text's and the label's vectors (0 without an embedder) and the
    link's ``rank`` in the tagger's order (0: first)."""

    uri: str
    score: float
    share: float
    cosine: float
    rank: int


#: The quantities a :class:`LinkCalibration` may read from a :class:`LinkEvidence`, each non-decreasing in
#: the evidence for the link except ``log_rank`` (a later rank is weaker evidence).
LINK_FEATURES: Mapping[str, Callable[[LinkEvidence], float]] = {
    "log_score": lambda e: math.log(max(e.score, 1e-4)),
    "sqrt_share": lambda e: math.sqrt(max(e.share, 0.0)),
    "cosine": lambda e: e.cosine,
    "log_rank": lambda e: math.log1p(e.rank),
}
#: Features whose coefficient must not be positive (the others: not negative), so the map is monotone.
DECREASING_FEATURES = frozenset({"log_rank"})


@dataclass(frozen=True)
class LinkCalibration:
    """A logistic map from a link's :class:`LinkEvidence` to the probability that the link is right:
    ``1 / (1 + exp(-(intercept + sum(coefficient * feature))))`` over :data:`LINK_FEATURES`.

    Fitted on the tagging gold set's dev courses (``python -m evaluation.link_calibration``); the signs of
    the coefficients are checked so that more evidence never lowers the probability.
    """

    features: tuple[str, ...]
    coefficients: tuple[float, ...]
    intercept: float
    version: str = ""

    def __post_init__(self) -> None:
        if len(self.features) != len(self.coefficients):
            raise ValueError("LinkCalibration: one coefficient per feature")
        unknown = [name for name in self.features if name not in LINK_FEATURES]
        if unknown:
            raise ValueError(f"LinkCalibration: unknown features {unknown}; known: {sorted(LINK_FEATURES)}")
        for name, value in zip(self.features, self.coefficients, strict=True):
            if not math.isfinite(value) or (value > 0 if name in DECREASING_FEATURES else value < 0):
                raise ValueError(
                    f"LinkCalibration: coefficient of {name} is {value}: the map would not be monotone "
                    f"({'<= 0' if name in DECREASING_FEATURES else '>= 0'} expected)"
                )
        if not math.isfinite(self.intercept):
            raise ValueError("LinkCalibration: the intercept must be finite")

    def probability(self, link: LinkEvidence) -> float:
        """P(the link is right) in (0, 1)."""
        z = self.intercept + sum(
            c * LINK_FEATURES[name](link) for name, c in zip(self.features, self.coefficients, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-min(max(z, -30.0), 30.0)))


# A text written in English has about a third to a half of its words among the common function words; a
# Spanish or German one has almost none. Below this share the English ESCO labels cannot read the text.
MIN_ENGLISH_SHARE = 0.12
_MIN_WORDS = 20
_WORDS = re.compile(r"[^\W\d_]+")


def english_share(text: str) -> float:
    """Share of the words of ``text`` that are English stop words (1.0 for texts under 20 words)."""
    words = [w.lower() for w in _WORDS.findall(text)]
    if len(words) < _MIN_WORDS:
        return 1.0
    return sum(w in ENGLISH_STOP_WORDS for w in words) / len(words)


class TextEmbedder(Protocol):
    """Texts -> unit vectors whose dot product says how close their meanings are (a sentence encoder such as
    ``recommender.text.embedding.SentenceEncoder``)."""

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]: ...


class SkillTagger(BaseEstimator):
    """Course tagger: the best skills of a :class:`~recommender.text.skills.SkillExtractor` above a threshold,
    ordered by the words they share with the text and, given an ``embedder``, by meaning too.

    Parameters
    ----------
    top_k : int
        At most this many skills per text.
    min_confidence : float
        Skills scoring below this are dropped (the threshold; scores are in [0, 1]).
    extractor : SkillExtractor or None
        The extractor to fit (cloned); None: ``SkillExtractor(description_weight=0.6, whole_names=True)``.
        Course texts describe their topics much as ESCO's descriptions do: a description weight of 0.6 (the
        extractor's default is 0.3) was chosen on the tagging gold set's dev courses (precision@5 0.471
        against 0.445; coverage exponents 1 to 3 were worse). ``whole_names``: every course text says
        "learn", which is all the analysis leaves of "deep learning" and "e-learning", so without it those
        two were among the five best skills of 38 and 23 of the 107 dev courses; with it they need their
        whole name (dev precision@5 0.419 -> 0.443, recall@10 0.550 -> 0.567; no setting fitted).
    embedder : TextEmbedder or None
        A sentence encoder. With it the skills a text's words score (extractor score ``s``, the text's best
        ``s_max``) are ranked by ``sqrt(s / s_max) + semantic_weight * cos(text, preferred label)``, the
        cosine of the text's and the label's vectors: a skill the text is about in other words than its
        label's rises, one it only mentions in passing falls. The confidence of each skill kept is still its
        extractor score (what the planning threshold reads); a skill none of whose words occur is not a
        candidate. None: the extractor's order alone.
    calibration : LinkCalibration or None
        Maps each kept link's evidence to the probability that it is right, which becomes its confidence
        (``data.catalogue.make_tagger`` passes the one fitted on the gold set's dev courses). None: the
        confidence is the extractor's score, a share of a blend and no probability.
    semantic_weight : float
        Weight of the cosine. ``data.catalogue.make_tagger`` uses 1.0 with ``min_confidence`` 0.01, chosen on
        the 107 dev courses of the tagging gold set (``evaluation/TAGGING_GOLD.md``): weights 0.5-2 gave
        precision@5 0.452-0.479 against 0.443 by words alone, 1.0 the best (chosen in 46 of 50 folds of
        5-fold cross-validation, cross-validated 0.476); at ``min_confidence`` 0.03 the blend loses the
        skills the words score weakly but the meaning strongly (0.464), at 0.01 and 0 it is 0.479.
    """

    def __init__(
        self,
        *,
        top_k: int = 10,
        min_confidence: float = 0.03,
        extractor: SkillExtractor | None = None,
        embedder: TextEmbedder | None = None,
        semantic_weight: float = 1.0,
        calibration: LinkCalibration | None = None,
    ) -> None:
        self.top_k = top_k
        self.min_confidence = min_confidence
        self.extractor = extractor
        self.embedder = embedder
        self.semantic_weight = semantic_weight
        self.calibration = calibration

    def fit(self, skills: Sequence[SkillText]) -> SkillTagger:
        """Fit the extractor on the skills' labels and descriptions (and embed their preferred labels)."""
        if not skills:
            raise ValueError("SkillTagger.fit needs at least one skill; import ESCO first")
        base = (
            SkillExtractor(description_weight=0.6, whole_names=True)
            if self.extractor is None
            else clone(self.extractor)
        )
        self.extractor_ = base.fit(skills)
        self.uris_ = self.extractor_.uris_
        self.label_vectors_ = (
            None if self.embedder is None else self.embedder.encode([s.preferred_label for s in skills])
        )
        return self

    def score(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Score of every skill for every text: shape (n_texts, n_skills), values in [0, 1]."""
        check_is_fitted(self, "extractor_")
        return self.extractor_.score(texts)

    def blend(self, scores: NDArray[np.float32], vectors: NDArray[np.float32]) -> NDArray[np.float32]:
        """What :meth:`tag` orders skills by, from the :meth:`score` ``scores`` of some texts and their
        vectors (the embedder's): ``sqrt(score / best score) + semantic_weight * cosine`` (class
        docstring), positive where the score is, 0 elsewhere."""
        check_is_fitted(self, "extractor_")
        if self.label_vectors_ is None:
            raise ValueError("SkillTagger.blend needs an embedder")
        best = np.maximum(scores.max(axis=1, keepdims=True), 1e-9)
        cosine = vectors @ self.label_vectors_.T
        blend = np.sqrt(scores / best) + np.float32(self.semantic_weight) * cosine
        # a cosine may be negative: a skill the words score stays a (last) candidate
        return np.where(scores > 0, np.maximum(blend, 1e-6), 0.0).astype(np.float32)

    def tag(
        self,
        texts: Sequence[str],
        *,
        by_meaning: bool = True,
        calibrations: Sequence[LinkCalibration | None] | None = None,
    ) -> list[list[TaggedSkill]]:
        """The best skills of each text: at most ``top_k``, score >= ``min_confidence`` and > 0.

        Ordered by :meth:`blend` with an embedder (unless ``by_meaning`` is False), else by the score; the
        confidence is the ``calibration``'s probability of each link (or that of the text's own entry of
        ``calibrations``, one per text, where it is not None), without one the score.
        """
        own = calibrations if calibrations is not None else [None] * len(texts)
        if len(own) != len(texts):
            raise ValueError("SkillTagger.tag: one calibration (or None) per text")
        result = []
        for found, calibration in zip(self.links(texts, by_meaning=by_meaning), own, strict=True):
            chosen = calibration if calibration is not None else self.calibration
            confidence = (lambda e: e.score) if chosen is None else chosen.probability
            result.append([TaggedSkill(e.uri, round(confidence(e), 4)) for e in found])
        return result

    def links(self, texts: Sequence[str], *, by_meaning: bool = True) -> list[list[LinkEvidence]]:
        """What :meth:`tag` keeps for each text, in its order, with the evidence of each link."""
        check_is_fitted(self, "extractor_")
        meaning = by_meaning and self.embedder is not None and self.label_vectors_ is not None
        vectors = self.embedder.encode(list(texts)) if meaning else None  # type: ignore[union-attr]
        result = []
        batch_size = self.extractor_.batch_size
        for start in range(0, len(texts), batch_size):
            scores = self.score(texts[start : start + batch_size])
            kept = np.where(scores >= self.min_confidence, scores, 0.0).astype(np.float32)
            batch_vectors = None if vectors is None else vectors[start : start + batch_size]
            order = kept if batch_vectors is None else self.blend(kept, batch_vectors)
            for row, (ranks, scores_row) in enumerate(zip(order, kept, strict=True)):
                best = max(float(scores_row.max()), 1e-9)
                chosen = [i for i in top_indices(ranks, self.top_k) if ranks[i] > 0 and scores_row[i] > 0]
                cosines = (
                    np.zeros(len(chosen))
                    if batch_vectors is None
                    else self.label_vectors_[chosen] @ batch_vectors[row]  # type: ignore[index]
                )
                result.append(
                    [
                        LinkEvidence(
                            self.uris_[i],
                            float(scores_row[i]),
                            float(scores_row[i]) / best,
                            float(cosine),
                            rank,
                        )
                        for rank, (i, cosine) in enumerate(zip(chosen, cosines, strict=True))
                    ]
                )
        return result

    def support(self, texts: Sequence[str], uris: Sequence[Sequence[str]]) -> list[list[tuple[float, float]]]:
        """How much each text's own words and meaning support some skills (``uris``: one sequence per text):
        per skill, the extractor's score for the text and the cosine of the text's and the label's vectors
        (0 without an embedder). What a catalogue's skill tags are checked against."""
        check_is_fitted(self, "extractor_")
        if len(uris) != len(texts):
            raise ValueError("SkillTagger.support: one sequence of skills per text")
        column = {uri: j for j, uri in enumerate(self.uris_)}
        meaning = self.embedder is not None and self.label_vectors_ is not None
        vectors = self.embedder.encode(list(texts)) if meaning else None  # type: ignore[union-attr]
        result = []
        for start in range(0, len(texts), self.extractor_.batch_size):
            scores = self.score(texts[start : start + self.extractor_.batch_size])
            for row, wanted in enumerate(uris[start : start + self.extractor_.batch_size]):
                js = [column[uri] for uri in wanted]
                cosines = (
                    np.zeros(len(js)) if vectors is None else self.label_vectors_[js] @ vectors[start + row]  # type: ignore[index]
                )
                result.append([(float(scores[row, j]), float(c)) for j, c in zip(js, cosines, strict=True)])
        return result

    def unreadable(self, texts: Sequence[str]) -> list[str | None]:
        """For each text, why the English labels cannot tag it (None when they can).

        A text whose share of English function words is under ``MIN_ENGLISH_SHARE`` is in another
        language: its skills must come from structured fields or a curator, never from an empty tagging.
        """
        reasons: list[str | None] = []
        for text in texts:
            share = english_share(text)
            reasons.append(
                None
                if share >= MIN_ENGLISH_SHARE
                else f"text not in English ({share:.0%} English function words): ESCO labels are English"
            )
        return reasons


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


# --- the learned re-ranker --------------------------------------------------------------------------------

#: What the re-ranker knows of each (course, candidate skill) pair, in the order of its coefficients.
RERANK_FEATURES = (
    "score",  # the extractor's score of the skill for the whole text
    "score_share",  # that score over the text's best score
    "log_rank",  # log(1 + rank) of the skill among the text's candidates (0: the best)
    "coverage",  # the largest share of one label's words found in the text
    "label_similarity",  # TF-IDF cosine of the text with the skill's labels
    "description_similarity",  # ... with the skill's description
    "title_coverage",  # the largest share of one label's words found in the course title (first line)
    "title_score",  # the extractor's score of the skill for the title alone
    "knowledge",  # ESCO skill type "knowledge" (else skill/competence)
    "transversal",  # ESCO reuse levels (occupation-specific: all three 0)
    "cross_sector",
    "sector_specific",
    "log_occupations",  # log(1 + number of occupations needing the skill)
    "label_words",  # words of the preferred label
    "hierarchy_agreement",  # score-weighted share of the other candidates under the same broader concept
    "catalogue_frequency",  # share of a reference catalogue's courses with the skill among their candidates
    # the second candidate source: the extractor on each segment (line or sentence) of the text alone
    "segment_score",  # the skill's best score over the text's segments
    "segment_share",  # that score over the text's best segment score
    "segment_log_rank",  # log(1 + rank) of the skill by its best segment score among all skills
    "segment_mentions",  # log(1 + number of segments with the skill among their 5 best)
    "full_text_candidate",  # 1 when among the full text's best skills (the first source), else 0
    # the catalogue's own skill tags (Coursera's), read as hints: 0 for a course without tags
    "hint_score",  # the skill's best score for one of the course's tags read alone
    "tagged_course",  # 1 when the course has tags at all
)

#: Segments of a text: its lines and sentences (the second candidate source scores each alone).
_SEGMENT = re.compile(r"\n+|(?<=[.!?;])\s+")
_MAX_SEGMENTS = 200


def segments(text: str) -> list[str]:
    """The lines and sentences of ``text`` with a word in them, at most the first 200."""
    return [part.strip() for part in _SEGMENT.split(text) if _WORDS.search(part)][:_MAX_SEGMENTS]


def static_features(skills: Sequence[SkillText]) -> NDArray[np.float64]:
    """Per skill, what does not depend on the text: knowledge or not, ESCO's reuse level (transversal,
    cross-sector, sector-specific), log(1 + occupations needing it), words in its label; shape (n, 6)."""
    reuse = [s.reuse_level for s in skills]
    return np.column_stack(
        [
            [s.skill_type == "knowledge" for s in skills],
            [r == "transversal" for r in reuse],
            [r == "cross-sector" for r in reuse],
            [r == "sector-specific" for r in reuse],
            np.log1p([s.occupations for s in skills]),
            [len(s.preferred_label.split()) for s in skills],
        ]
    ).astype(np.float64)


def _families(skills: Sequence[SkillText]) -> list[frozenset[str]]:
    """Each skill's broader concepts and theirs (two levels up ESCO's hierarchy)."""
    up = {skill.uri: skill.broader for skill in skills}
    families = []
    for skill in skills:
        family = set(skill.broader)
        for parent in skill.broader:
            family.update(up.get(parent, ()))
        families.append(frozenset(family))
    return families


@dataclass(frozen=True)
class Candidates:
    """The candidate skills of one text (indices into the extractor's skills, best score first) and their
    features: shape (n_candidates, len(RERANK_FEATURES)), float64."""

    indices: NDArray[np.int64]
    features: NDArray[np.float64]


class CandidateFeatures:
    """Build :data:`RERANK_FEATURES` for the candidate skills of each text of a fitted extractor.

    The candidates come from up to three sources, merged: the ``candidates`` best skills of the whole text
    (the tagger's own order), the ``segment_candidates`` best skills by their best score over the text's
    :func:`segments` (a skill one line names well but the long text dilutes), and for each of the course's
    tags the skill it names best when that scores at least ``hint_min_score`` (as the importer reads tags).
    They are listed by their score for the whole text, best first.

    ``frequency`` is the share of a reference catalogue's courses having each skill (by URI) among their
    candidates (skills absent count 0); without it the feature is 0 throughout (see :meth:`frequencies`).
    """

    def __init__(
        self,
        extractor: SkillExtractor,
        skills: Sequence[SkillText],
        *,
        candidates: int,
        segment_candidates: int = 0,
        hint_min_score: float = 0.2,
        frequency: dict[str, float] | None = None,
    ) -> None:
        check_is_fitted(extractor, "uris_")
        if [s.uri for s in skills] != list(extractor.uris_):
            raise ValueError(
                "CandidateFeatures: the skills must be those the extractor was fitted on, in order"
            )
        self.extractor = extractor
        self.candidates = candidates
        self.segment_candidates = segment_candidates
        self.hint_min_score = hint_min_score
        self._static = static_features(skills)
        self._families = _families(skills)
        frequency = frequency or {}
        self._frequency = np.asarray([frequency.get(s.uri, 0.0) for s in skills], dtype=np.float64)

    def candidates_of(
        self, texts: Sequence[str], tags: Sequence[Sequence[str]] | None = None
    ) -> list[Candidates]:
        """The candidates of each text with their features (texts without any scored skill: none).

        ``tags`` (one sequence per text, may be empty) are the catalogue's own skill tags of each course.
        """
        if tags is not None and len(tags) != len(texts):
            raise ValueError("candidates_of: one sequence of tags per text")
        extractor = self.extractor
        result: list[Candidates] = []
        for start in range(0, len(texts), extractor.batch_size):
            batch = list(texts[start : start + extractor.batch_size])
            coverage, label, description = extractor.components(batch)
            scores = extractor.combine(coverage, label, description)
            title_parts = extractor.components([text.split("\n", 1)[0] for text in batch])
            title_coverage, title_scores = title_parts[0], extractor.combine(*title_parts)
            for row, text in enumerate(batch):
                course_tags = list(tags[start + row]) if tags is not None else []
                segment_best, mentions = self._segment_scores(text)
                hints, hinted = self._tag_scores(course_tags)
                top = top_indices(scores[row], self.candidates)
                chosen = set(top[scores[row, top] > 0].tolist())
                if self.segment_candidates:
                    more = top_indices(segment_best, self.segment_candidates)
                    chosen.update(more[segment_best[more] > 0].tolist())
                chosen.update(hinted)
                found = np.asarray(sorted(chosen), dtype=np.int64)
                found = found[np.argsort(-scores[row, found], kind="stable")]
                result.append(
                    self._features(
                        found,
                        scores[row],
                        np.isin(found, top),
                        (segment_best, mentions, hints, bool(course_tags)),
                        scores[row],
                        coverage[row],
                        label[row],
                        description[row],
                        title_coverage[row],
                        title_scores[row],
                    )
                )
        return result

    def _segment_scores(self, text: str) -> tuple[NDArray[np.float32], NDArray[np.float64]]:
        """Each skill's best score over the text's segments, and in how many segments it is among the 5
        best."""
        n = len(self.extractor.uris_)
        parts = segments(text)
        if not parts:
            return np.zeros(n, dtype=np.float32), np.zeros(n)
        matrix = self.extractor.score(parts)
        mentions = np.zeros(n)
        for line in matrix:
            top = top_indices(line, 5)
            mentions[top[line[top] > 0]] += 1
        return matrix.max(axis=0), mentions

    def _tag_scores(self, tags: Sequence[str]) -> tuple[NDArray[np.float32], list[int]]:
        """Each skill's best score over the tags read alone (0 without tags), and the skill each tag names
        best when that scores at least ``hint_min_score``."""
        if not tags:
            return np.zeros(len(self.extractor.uris_), dtype=np.float32), []
        matrix = self.extractor.score(list(tags))
        named = [int(top_indices(line, 1)[0]) for line in matrix]
        hinted = [
            j for j, line in zip(named, matrix, strict=True) if line[j] > 0 and line[j] >= self.hint_min_score
        ]
        return matrix.max(axis=0), hinted

    def _features(
        self,
        top: NDArray[np.int64],
        full_scores: NDArray[np.float32],
        in_first: NDArray[np.bool_],
        second: tuple[NDArray[np.float32], NDArray[np.float64], NDArray[np.float32], bool],
        *columns: NDArray[np.float32],
    ) -> Candidates:
        score, coverage, label, description, title_coverage, title_score = (c[top] for c in columns)
        segment_best, mentions, hints, tagged = second
        best = float(score.max()) if len(top) else 1.0
        weight = score / max(best, 1e-9)
        sorted_full = np.sort(full_scores)
        sorted_segment = np.sort(segment_best)
        full_rank = len(full_scores) - np.searchsorted(sorted_full, score, side="right")
        segment = segment_best[top]
        segment_rank = len(segment_best) - np.searchsorted(sorted_segment, segment, side="right")
        best_segment = float(segment_best.max()) if len(segment_best) else 0.0
        families = [self._families[j] for j in top]
        agreement = np.zeros(len(top))
        for a, family in enumerate(families):
            if family:
                shared = [weight[b] for b in range(len(top)) if b != a and family & families[b]]
                agreement[a] = sum(shared) / max(len(top) - 1, 1)
        features = np.column_stack(
            [
                score,
                weight,
                np.log1p(full_rank),
                coverage,
                label,
                description,
                title_coverage,
                title_score,
                self._static[top],
                agreement,
                self._frequency[top],
                segment,
                segment / max(best_segment, 1e-9),
                np.log1p(segment_rank),
                np.log1p(mentions[top]),
                in_first,
                hints[top],
                np.full(len(top), float(tagged)),
            ]
        ).astype(np.float64)
        return Candidates(top.astype(np.int64), features.reshape(len(top), len(RERANK_FEATURES)))

    def frequencies(self, texts: Sequence[str]) -> dict[str, float]:
        """Share of ``texts`` having each skill among their candidates (skills of none left out)."""
        counts = np.zeros(len(self.extractor.uris_))
        for start in range(0, len(texts), self.extractor.batch_size):
            scores = self.extractor.score(texts[start : start + self.extractor.batch_size])
            for row in scores:
                top = top_indices(row, self.candidates)
                counts[top[row[top] > 0]] += 1
        total = max(len(texts), 1)
        return {self.extractor.uris_[j]: round(float(counts[j]) / total, 6) for j in np.flatnonzero(counts)}
