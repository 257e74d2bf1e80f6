"""Measure the job-title matcher on labelled vacancy titles, next to the TF-IDF character n-gram baseline.

The reference is a CSV of real titles with the ESCO occupation each belongs to (columns ``vacancyTitle``
and ``conceptUri``, as in ``../shared/data/text/job_titles_validation.csv``; or ``title`` and ``uri``).
Every occupation is ranked for every title; a tie with the right occupation counts against it (its rank is
the number of occupations scoring at least as much), and a title whose occupation is not in the index
counts as a miss. Metrics: accuracy@1, recall@5, recall@10 and mean reciprocal rank (Voorhees, "The TREC-8
question answering track report", 1999).

The file is cut in two halves by a hash of the normalised title (identical titles fall in the same half):
the matcher's weights and word lists were tuned on the ``tune`` half only; the ``check`` half was used
for nothing but these figures. Both halves and the whole file are reported. The confidence is checked on
the ``check`` half: a reliability table (mean confidence against accuracy of the top match, by confidence
bin; Niculescu-Mizil and Caruana, ICML 2005) and the expected calibration error.

``python -m evaluation.titles --fit`` refits the weights on the tune half and writes
``recommender/text/title_weights.json``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.special import logsumexp
from sklearn.feature_extraction.text import TfidfVectorizer

from recommender.errors import ImportFormatError
from recommender.text.titles import (
    DEFAULT_WEIGHTS_PATH,
    FEATURES,
    RESOLVE_THRESHOLD,
    OccupationText,
    TitleMatcher,
    TitleWeights,
    fit_weights,
    normalise,
    rerank_features,
)
from recommender.text.trees import BoostedTrees

_N_TEXT_FEATURES = FEATURES.index("labels_log")

ROOT = Path(__file__).resolve().parents[1]
VALIDATION = ROOT.parent / "shared" / "data" / "text" / "job_titles_validation.csv"
DEFAULT_THRESHOLD = RESOLVE_THRESHOLD


@dataclass(frozen=True)
class LabelledTitle:
    line: int
    title: str
    uri: str


def read_reference(path: Path) -> list[LabelledTitle]:
    """Titles and their occupation URIs; a row without either raises :class:`ImportFormatError`."""
    if not path.is_file():
        raise ImportFormatError("no such file", file=str(path))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames or []
        for title_column, uri_column in (("vacancyTitle", "conceptUri"), ("title", "uri")):
            if title_column in fields and uri_column in fields:
                break
        else:
            raise ImportFormatError(
                "expected columns vacancyTitle,conceptUri (or title,uri); "
                f"found {', '.join(fields) or 'none'}",
                file=str(path),
                line=1,
            )
        rows = []
        for row in reader:
            line = reader.line_num
            title, uri = (row.get(title_column) or "").strip(), (row.get(uri_column) or "").strip()
            if not title:
                raise ImportFormatError("empty title", file=str(path), line=line, column=title_column)
            if not uri.startswith(("http://", "https://")):
                raise ImportFormatError(
                    f"expected an ESCO occupation URI, got {uri!r}",
                    file=str(path),
                    line=line,
                    column=uri_column,
                )
            rows.append(LabelledTitle(line, title, uri))
    if not rows:
        raise ImportFormatError("no labelled titles", file=str(path), line=2)
    return rows


def in_tune_half(title: str) -> bool:
    """Whether a title belongs to the half the matcher was tuned on (by a hash of its normalised text)."""
    return hashlib.sha256(normalise(title).encode("utf-8")).digest()[0] % 2 == 0


# --- metrics ------------------------------------------------------------------------------------------


def pessimistic_ranks(scores: NDArray[np.floating], gold: NDArray[np.int64]) -> NDArray[np.float64]:
    """Rank of the right column in each row, ties counted against it; ``gold < 0`` (unknown) ranks inf.

    >>> pessimistic_ranks(np.array([[0.5, 0.5, 0.1], [0.2, 0.9, 0.3]]), np.array([0, 2]))
    array([2., 2.])
    """
    ranks = np.full(len(gold), np.inf)
    known = gold >= 0
    rows = np.flatnonzero(known)
    right = scores[rows, gold[rows]]
    ranks[rows] = (scores[rows] >= right[:, None]).sum(axis=1)
    return ranks


def summarise(ranks: NDArray[np.float64]) -> dict[str, float]:
    """Accuracy@1, recall@5, recall@10 and MRR of an array of ranks (inf for a miss)."""
    if ranks.size == 0:
        return {"titles": 0}
    return {
        "titles": int(ranks.size),
        "accuracy_at_1": round(float(np.mean(ranks <= 1)), 4),
        "recall_at_5": round(float(np.mean(ranks <= 5)), 4),
        "recall_at_10": round(float(np.mean(ranks <= 10)), 4),
        "mrr": round(float(np.mean(1.0 / ranks)), 4),
    }


def reliability(
    confidence: NDArray[np.float64], correct: NDArray[np.bool_], bins: int = 10
) -> tuple[list[dict[str, float]], float]:
    """Reliability table of the top match's confidence, and the expected calibration error."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    table, ece = [], 0.0
    for b in range(bins):
        members = which == b
        if not members.any():
            continue
        mean_confidence, accuracy = float(confidence[members].mean()), float(correct[members].mean())
        ece += members.mean() * abs(mean_confidence - accuracy)
        table.append(
            {
                "from": round(float(edges[b]), 2),
                "to": round(float(edges[b + 1]), 2),
                "titles": int(members.sum()),
                "mean_confidence": round(mean_confidence, 4),
                "accuracy": round(accuracy, 4),
            }
        )
    return table, round(float(ece), 4)


# --- the baseline -------------------------------------------------------------------------------------


class CharNgramBaseline:
    """TF-IDF character 3-5-gram cosine between the title and each preferred or alternative label; an
    occupation scores its best label (the baseline of ``../shared/data/SOURCES.md``)."""

    def __init__(self, occupations: Sequence[OccupationText]):
        texts, owners = [], []
        for i, occupation in enumerate(occupations):
            for text, _language in occupation.labels:
                texts.append(text)
                owners.append(i)
        self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), dtype=np.float32)
        self.labels_t = sp.csr_matrix(self.vectorizer.fit_transform(texts).T)
        owner = np.asarray(owners)
        self.starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])

    def scores(self, titles: Sequence[str]) -> NDArray[np.float32]:
        similarity = (self.vectorizer.transform(titles) @ self.labels_t).toarray()
        return np.maximum.reduceat(similarity, self.starts, axis=1)


# --- the evaluation -----------------------------------------------------------------------------------


def _ranks_and_confidence(
    score: Any, titles: Sequence[str], gold: NDArray[np.int64], chunk: int = 512
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    ranks = np.empty(len(titles))
    confidence = np.empty(len(titles))
    top_right = np.zeros(len(titles), dtype=bool)
    for start in range(0, len(titles), chunk):
        block = np.asarray(score(list(titles[start : start + chunk])), dtype=np.float64)
        g = gold[start : start + chunk]
        ranks[start : start + len(g)] = pessimistic_ranks(block, g)
        best = block.argmax(axis=1)
        confidence[start : start + len(g)] = np.exp(block.max(axis=1))
        top_right[start : start + len(g)] = best == g
    return ranks, confidence, top_right


def evaluate_titles(
    matcher: TitleMatcher,
    reference: Sequence[LabelledTitle],
    occupations: Sequence[OccupationText],
    *,
    threshold: float = DEFAULT_THRESHOLD,
) -> dict[str, Any]:
    """Matcher and baseline on the same titles, whole file and both halves, with the confidence check."""
    position = {uri: i for i, uri in enumerate(matcher.uris)}
    titles = [r.title for r in reference]
    gold = np.asarray([position.get(r.uri, -1) for r in reference], dtype=np.int64)
    tune = np.asarray([in_tune_half(t) for t in titles])
    report: dict[str, Any] = {
        "titles": len(titles),
        "occupations": len(matcher),
        "unknown_occupation": int((gold < 0).sum()),
        "ties": "counted against",
        "halves": "tune: the matcher's weights and word lists were tuned on it; check: used for nothing else",
        "models": {},
    }
    started = time.perf_counter()
    ranks, confidence, top_right = _ranks_and_confidence(matcher.log_probabilities, titles, gold)
    seconds = time.perf_counter() - started
    baseline = CharNgramBaseline(occupations)
    base_ranks, _, _ = _ranks_and_confidence(baseline.scores, titles, gold)
    for name, model_ranks in (("matcher", ranks), ("tfidf_char_baseline", base_ranks)):
        report["models"][name] = {
            "whole": summarise(model_ranks),
            "tune": summarise(model_ranks[tune]),
            "check": summarise(model_ranks[~tune]),
        }
    report["models"]["matcher"]["seconds"] = round(seconds, 2)
    report["targets"] = targets_met(report["models"]["matcher"])
    check = ~tune
    table, ece = reliability(confidence[check], top_right[check])
    resolved = check & (confidence >= threshold)
    report["calibration_check_half"] = {
        "mean_confidence": round(float(confidence[check].mean()), 4),
        "accuracy_at_1": round(float(top_right[check].mean()), 4),
        "expected_calibration_error": ece,
        "bins": table,
    }
    report["resolve_check_half"] = {
        "threshold": threshold,
        "resolved_share": round(float(resolved.sum() / max(1, check.sum())), 4),
        "resolved_accuracy": round(float(top_right[resolved].mean()) if resolved.any() else 0.0, 4),
        "for_review_share": round(float(1 - resolved.sum() / max(1, check.sum())), 4),
    }
    return report


#: Issue 13's targets on the validation titles (all occupations ranked, ties counted against).
TARGETS = {"accuracy_at_1": 0.35, "mrr": 0.45}


def targets_met(parts: dict[str, Any]) -> dict[str, dict[str, bool]]:
    """Per part of the file (whole, tune, check) and figure, whether the matcher meets :data:`TARGETS`: the
    whole file holds the tune half, on which its settings were chosen; the check half was used for nothing.
    A part without titles meets nothing."""
    return {
        part: {name: bool(parts[part].get(name, 0.0) >= floor) for name, floor in TARGETS.items()}
        for part in ("whole", "tune", "check")
    }


TREE_SETTINGS: dict[str, Any] = {
    "max_iter": 120,
    "learning_rate": 0.1,
    "max_depth": 5,
    "min_samples_leaf": 100,
    "l2_regularization": 1.0,
}
"""The re-ranker's settings (scikit-learn's ``HistGradientBoostingClassifier``), chosen on a split of the tune
half (leaf 100 and l2 1.0 against the defaults 20 and 0; the shipped trees of 20e58fc were fitted with them,
this table still said the defaults until the refit with the ``semantic`` feature)."""


def fit_on_tune_half(
    occupations: Sequence[OccupationText],
    reference: Sequence[LabelledTitle],
    *,
    first_shortlist: int = 300,
    shortlist: int = 30,
    trees: dict[str, Any] | None = None,
) -> TitleWeights:
    """Fit the matcher on the tune half of ``reference``: first stage, re-ranker, temperature.

    1. The first stage's weights by maximum likelihood, each title's likelihood taken over the
       ``first_shortlist`` occupations its text features favour plus the right one (to keep memory small).
    2. The re-ranker: gradient-boosted trees (scikit-learn's ``HistGradientBoostingClassifier``,
       :data:`TREE_SETTINGS`, ``random_state=0``) telling the right occupation from the others of the first
       stage's ``shortlist``.
    3. The temperature of the re-ranker's softmax (and the logit of "none of the shortlist"), by maximum
       likelihood on a quarter of the tune half that trees fitted on the other three quarters did not see;
       then the trees are fitted again, with the same settings, on the whole tune half (the shipped ones).
    """
    from scipy.optimize import minimize
    from sklearn.ensemble import HistGradientBoostingClassifier

    zero = TitleWeights(tuple([0.0] * len(FEATURES)))
    matcher = TitleMatcher(occupations, zero)
    position = {uri: i for i, uri in enumerate(matcher.uris)}
    chosen = [r for r in reference if in_tune_half(r.title) and r.uri in position]
    gold = np.asarray([position[r.uri] for r in chosen])
    texts = []
    features, columns = [], []
    for start in range(0, len(chosen), 256):
        part = chosen[start : start + 256]
        block = matcher.features([r.title for r in part])
        texts.append(block[:, :_N_TEXT_FEATURES].copy())
        first = block[:, FEATURES.index("word_best")] + block[:, FEATURES.index("char_best")]
        for row, right in enumerate(gold[start : start + 256]):
            candidates = np.argpartition(-first[row], first_shortlist)[:first_shortlist]
            if right not in candidates:
                candidates = np.r_[candidates, right]
            features.append(block[row][:, candidates])
            columns.append(int(np.flatnonzero(candidates == right)[0]))
    first_stage = fit_weights(features, columns)
    del features
    w = np.asarray(first_stage.weights, dtype=np.float32)
    generality = matcher.features([""])[0, _N_TEXT_FEATURES:]
    prior = w[_N_TEXT_FEATURES:] @ generality
    x_parts, y_parts, groups = [], [], []
    for text, start in zip(texts, range(0, len(chosen), 256), strict=True):
        logits = np.einsum("nfo,f->no", text, w[:_N_TEXT_FEATURES]) + prior
        candidates, x = rerank_features(text, generality, logits, shortlist)
        y = candidates == gold[start : start + len(candidates), None]
        x_parts.append(x.reshape(-1, x.shape[2]))
        y_parts.append(y.reshape(-1))
        groups.append(y)
    x_all, y_all = np.concatenate(x_parts), np.concatenate(y_parts)
    # a quarter of the tune half (by a second hash byte) is kept from the trees to fit the confidence
    calibrate = np.asarray(
        [hashlib.sha256(normalise(r.title).encode("utf-8")).digest()[1] % 4 == 0 for r in chosen]
    )
    rows_train = np.repeat(~calibrate, shortlist)
    settings: dict[str, Any] = {**TREE_SETTINGS, **(trees or {}), "random_state": 0}
    held_out = HistGradientBoostingClassifier(**settings).fit(x_all[rows_train], y_all[rows_train])
    raw = BoostedTrees.from_sklearn(held_out).raw_scores(x_all[~rows_train]).reshape(-1, shortlist)
    right = np.concatenate(groups)[calibrate]
    found = right.any(axis=1)

    def nll(params: NDArray[np.float64]) -> float:
        temperature, outside = params
        scaled = np.concatenate([raw * temperature, np.full((raw.shape[0], 1), outside)], axis=1)
        chosen_logit = np.where(found, (scaled[:, :-1] * right).sum(axis=1), outside)
        return float(-(chosen_logit - logsumexp(scaled, axis=1)).mean())

    fitted = minimize(nll, np.array([1.0, 0.0]), method="Nelder-Mead")
    temperature, outside = (float(v) for v in fitted.x)
    boosted = BoostedTrees.from_sklearn(HistGradientBoostingClassifier(**settings).fit(x_all, y_all))
    described = ", ".join(f"{name}={value}" for name, value in settings.items())
    return TitleWeights(
        first_stage.weights,
        {
            "fitted_on": "tune half of job_titles_validation.csv "
            "(sha256 of the normalised title, first byte even)",
            "titles": len(chosen),
            "first_stage": f"conditional logit, maximum likelihood (L-BFGS), shortlist {first_shortlist}",
            "second_stage": f"HistGradientBoostingClassifier({described}) on the first stage's "
            f"{shortlist} best, fitted on the whole tune half",
            "confidence": "temperature and outside-the-shortlist logit by maximum likelihood on a quarter of "
            "the tune half (second hash byte divisible by 4) scored by the same trees fitted on the other "
            "three quarters",
        },
        boosted,
        round(temperature, 6),
        shortlist,
        round(outside, 6),
    )


def _occupations_from_release() -> list[OccupationText]:
    from data.db import make_engine, migrate, transaction
    from data.esco_import import import_esco
    from data.title_index import load_occupation_texts

    engine = make_engine("sqlite://")
    migrate(engine)
    with transaction(engine) as session:
        import_esco(db_session=session)
        return load_occupation_texts(db_session=session)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=VALIDATION)
    parser.add_argument("--fit", action="store_true", help="refit the weights on the tune half and save them")
    args = parser.parse_args(argv)
    occupations = _occupations_from_release()
    reference = read_reference(args.reference)
    weights = None
    if args.fit:
        weights = fit_on_tune_half(occupations, reference)
        weights.save(DEFAULT_WEIGHTS_PATH)
        print(
            f"weights written to {DEFAULT_WEIGHTS_PATH}: {dict(zip(FEATURES, weights.weights, strict=True))}"
        )
    report = evaluate_titles(TitleMatcher(occupations, weights), reference, occupations)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
