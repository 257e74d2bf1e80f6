"""Measure free-text skill extraction on sentences annotated with ESCO skills, next to a TF-IDF baseline.

A reference is a CSV with columns ``sentence,span,sub_span,label`` (the SkillSpan-ESCO format of Decorte et
al., RecSys in HR 2022): one row per annotated span, ``label`` an ESCO skill preferred label, or
``UNDERSPECIFIED`` / ``LABEL NOT PRESENT`` when the span names no ESCO skill. A sentence's gold set is the
skills of its rows; sentences with an empty gold set are not scored. Each ranker ranks all skills for each
sentence and we report, averaged over sentences,

* MRR: 1 / rank of the first gold skill (Voorhees, TREC-8 QA track, 1999);
* R-Precision@5: |top 5 & gold| / min(5, |gold|) (the benchmark's RP@K).

Ties are counted against the ranker: a gold skill tied with others ranks after all of them, and a top 5 is
taken by score then skill order, so a constant score earns nothing.

Gold labels are ESCO 1.1.0 preferred labels; they are resolved to URIs of the loaded release by exact
preferred label, then case-insensitive preferred label, then a unique alternative label. Labels that resolve
to nothing are counted in the report and left out of the gold set.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer

from data.formats.reading import csv_rows
from recommender.errors import ImportFormatError
from recommender.text.skills import SkillExtractor, SkillText

REFERENCE_COLUMNS = ("sentence", "span", "sub_span", "label")
NO_SKILL = frozenset({"UNDERSPECIFIED", "LABEL NOT PRESENT"})
ROOT = Path(__file__).resolve().parents[1]
SHARED_TEXT = ROOT.parent / "shared" / "data" / "text"
VALIDATION_FILES = (SHARED_TEXT / "skills_tech_validation.csv", SHARED_TEXT / "skills_house_validation.csv")
K = 5


@dataclass(frozen=True)
class Reference:
    """Sentences with their gold skill indices (into the skill list they were resolved against)."""

    file: str
    sentences: list[str]
    gold: list[frozenset[int]]
    spans: int
    no_skill_spans: int
    unresolved: dict[str, int]


def _label_index(skills: Sequence[SkillText]) -> Callable[[str], int | None]:
    exact: dict[str, int] = {}
    folded: dict[str, int] = {}
    alternative: dict[str, set[int]] = {}
    for index, skill in enumerate(skills):
        exact.setdefault(skill.preferred_label, index)
        folded.setdefault(skill.preferred_label.casefold(), index)
        for label in skill.alt_labels:
            alternative.setdefault(label.casefold(), set()).add(index)

    def resolve(label: str) -> int | None:
        if label in exact:
            return exact[label]
        if label.casefold() in folded:
            return folded[label.casefold()]
        found = alternative.get(label.casefold(), set())
        return next(iter(found)) if len(found) == 1 else None

    return resolve


def read_reference(path: Path, skills: Sequence[SkillText]) -> Reference:
    """Read an annotated sentence file and resolve its labels against ``skills``.

    Raises
    ------
    ImportFormatError
        A missing file or column, invalid UTF-8, or a row without a sentence (file and line named).
    """
    resolve = _label_index(skills)
    order: dict[str, set[int]] = {}
    spans = no_skill = 0
    unresolved: dict[str, int] = {}
    for line, row in csv_rows(path, REFERENCE_COLUMNS):
        sentence, label = (row["sentence"] or "").strip(), (row["label"] or "").strip()
        if not sentence:
            raise ImportFormatError("empty sentence", file=str(path), line=line, column="sentence")
        if not label:
            raise ImportFormatError(
                "empty label (use UNDERSPECIFIED or LABEL NOT PRESENT for spans without an ESCO skill)",
                file=str(path),
                line=line,
                column="label",
            )
        gold = order.setdefault(sentence, set())
        spans += 1
        if label in NO_SKILL:
            no_skill += 1
            continue
        index = resolve(label)
        if index is None:
            unresolved[label] = unresolved.get(label, 0) + 1
        else:
            gold.add(index)
    kept = [(sentence, frozenset(gold)) for sentence, gold in order.items() if gold]
    return Reference(
        file=str(path),
        sentences=[sentence for sentence, _ in kept],
        gold=[gold for _, gold in kept],
        spans=spans,
        no_skill_spans=no_skill,
        unresolved=unresolved,
    )


def reciprocal_rank(scores: NDArray[np.floating[Any]], gold: frozenset[int]) -> float:
    """1 / rank of the best-ranked gold item, ties counted against (a tie ranks after all its equals).

    >>> reciprocal_rank(np.array([0.1, 0.9, 0.5]), frozenset({2}))
    0.5
    >>> reciprocal_rank(np.array([0.5, 0.5, 0.5]), frozenset({0}))
    0.3333333333333333
    """
    if not gold:
        raise ValueError("reciprocal rank needs at least one gold item")
    best = max(scores[i] for i in gold)
    return 1.0 / int((scores >= best).sum())


def r_precision_at_k(scores: NDArray[np.floating[Any]], gold: frozenset[int], k: int = K) -> float:
    """|top k & gold| / min(k, |gold|); the top k by score, ties broken by index (stable order)."""
    if not gold:
        raise ValueError("R-precision needs at least one gold item")
    top = np.argsort(-scores, kind="stable")[:k]
    return len(set(top.tolist()) & gold) / min(k, len(gold))


def score_rankings(scores: NDArray[np.floating[Any]], gold: Sequence[frozenset[int]]) -> dict[str, float]:
    """Mean MRR and R-Precision@5 over sentences (rows of ``scores``)."""
    return {
        "mrr": round(
            float(np.mean([reciprocal_rank(row, g) for row, g in zip(scores, gold, strict=True)])), 4
        ),
        "rp_at_5": round(
            float(np.mean([r_precision_at_k(row, g) for row, g in zip(scores, gold, strict=True)])), 4
        ),
    }


class LabelTfidfBaseline:
    """TF-IDF word cosine between a text and each skill's labels (preferred and alternative, one document).

    scikit-learn's default word analyser, IDF over the label documents; the baseline of issue 13.
    """

    def fit(self, skills: Sequence[SkillText]) -> LabelTfidfBaseline:
        documents = [" ".join((s.preferred_label, *s.alt_labels)) for s in skills]
        self.vectorizer_ = TfidfVectorizer(dtype=np.float32)
        self.labels_ = self.vectorizer_.fit_transform(documents).T.tocsr()
        return self

    def score(self, texts: Sequence[str]) -> NDArray[np.float32]:
        return np.asarray((self.vectorizer_.transform(texts) @ self.labels_).toarray(), dtype=np.float32)


def make_rankers() -> dict[str, Any]:
    """The extractor with its shipped settings and the baseline, fitted by :func:`evaluate`."""
    return {"extractor": SkillExtractor(), "tfidf_label_baseline": LabelTfidfBaseline()}


def evaluate(
    references: Sequence[Reference], skills: Sequence[SkillText], rankers: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Fit each ranker once on ``skills``; score every reference; figures per file and averaged over files."""
    rankers = make_rankers() if rankers is None else rankers
    report: dict[str, Any] = {
        "skills": len(skills),
        "references": [
            {
                "file": ref.file,
                "sentences_scored": len(ref.sentences),
                "spans": ref.spans,
                "spans_without_esco_skill": ref.no_skill_spans,
                "unresolved_labels": ref.unresolved,
            }
            for ref in references
        ],
        "rankers": {},
    }
    for name, ranker in rankers.items():
        started = time.perf_counter()
        ranker.fit(skills)
        fitted = time.perf_counter()
        per_file = [score_rankings(ranker.score(ref.sentences), ref.gold) for ref in references]
        report["rankers"][name] = {
            "files": per_file,
            "mean_mrr": round(float(np.mean([f["mrr"] for f in per_file])), 4),
            "mean_rp_at_5": round(float(np.mean([f["rp_at_5"] for f in per_file])), 4),
            "fit_seconds": round(fitted - started, 2),
            "score_seconds": round(time.perf_counter() - fitted, 2),
        }
    return report


def run(
    paths: Sequence[Path] = VALIDATION_FILES, skills: Sequence[SkillText] | None = None
) -> dict[str, Any]:
    """The figures of ``upskill evaluate extraction``: every reference file, extractor and baseline."""
    if skills is None:
        from data import skill_texts

        skills = skill_texts.from_release()
    references = [read_reference(path, skills) for path in paths]
    return evaluate(references, skills)
