"""Measure the job-title matcher on labelled vacancy titles, next to the TF-IDF character n-gram baseline.

The reference is a CSV of real titles with the ESCO occupation each belongs to (columns ``vacancyTitle``
and ``conceptUri``, as in ``../shared/data/text/job_titles_validation.csv``; or ``title`` and ``uri``).
Every occupation is ranked for every title; a tie with the right occupation counts against it (its rank is
the number of occupations scoring at least as much), and a title whose occupation is not in the index
counts as a miss. Metrics: accuracy@1, recall@5, recall@10 and mean reciprocal rank (Voorhees, "The TREC-8
question answering track report", 1999).

The matcher's fitted parts (first-stage weights, re-ranker, temperature) are judged by **grouped K-fold
cross-validation** over the whole file (:func:`grouped_folds`: every copy of a normalised title in one fold;
:data:`CV_FOLDS` folds, seed :data:`CV_SEED`): each title is scored by a matcher fitted, exactly as the
shipped one is, on the other folds only (:func:`out_of_fold`). That out-of-fold figure is the estimate for
titles the matcher has not seen; the shipped matcher, fitted on the whole file, is also measured on it
(in-sample when the file is the one it was fitted on: the report says so). The settings that are not fitted
(feature set, word lists, tree settings) were chosen by earlier sessions on the ``tune`` half of the file (a
hash of the normalised title, :func:`in_tune_half`), the ``check`` half used for none of them; since
2026-12-03 some were chosen on the whole file (the re-ranker's ranking objective and number of trees, on two
of these very folds; the Malay words and places of the title cleaning, from the whole file's words that no
label has), so neither half is untouched any more and the out-of-fold figures are somewhat optimistic.
Out-of-fold figures are still given per half. The confidence is checked out of fold: a reliability table (mean
confidence against accuracy of the top match, by confidence bin; Niculescu-Mizil and Caruana, ICML 2005), the
expected calibration error, and what :data:`RESOLVE_THRESHOLD` resolves (:func:`choose_threshold`).

``python -m evaluation.titles --fit`` refits the shipped matcher on the whole file and writes
``recommender/text/title_weights.json``; ``--learning-curve`` compares out-of-fold figures of matchers fitted
on 25, 50 and 75 % of the file.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import time
from collections.abc import Callable, Sequence
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
)
from recommender.text.trees import BoostedTrees

ROOT = Path(__file__).resolve().parents[1]
VALIDATION = ROOT.parent / "shared" / "data" / "text" / "job_titles_validation.csv"


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
    """Whether a title belongs to the half earlier sessions chose the matcher's settings on (by a hash of
    its normalised text)."""
    return hashlib.sha256(normalise(title).encode("utf-8")).digest()[0] % 2 == 0


CV_FOLDS = 4
"""Folds of the cross-validation: each out-of-fold title is scored by a matcher fitted on 75 % of the file."""

CV_SEED = 20261202
"""Seed of the order in which distinct titles are dealt to folds."""


def grouped_folds(titles: Sequence[str], folds: int = CV_FOLDS, seed: int = CV_SEED) -> NDArray[np.int64]:
    """The fold (``0 .. folds - 1``) of each title: the distinct normalised titles, sorted and then shuffled
    with ``seed``, are dealt to the folds in turn, so copies of a title (up to case, accents and punctuation)
    share a fold and folds differ by at most one distinct title.

    >>> grouped_folds(["Driver", "driver!", "Cook", "Baker"], folds=2, seed=0).tolist()
    [0, 0, 0, 1]
    """
    if folds < 2:
        raise ValueError(f"cross-validation needs at least 2 folds, got {folds}")
    groups = [normalise(title) for title in titles]
    distinct = sorted(set(groups))
    if len(distinct) < folds:
        raise ValueError(f"{len(distinct)} distinct titles cannot fill {folds} folds")
    order = np.random.default_rng(seed).permutation(len(distinct))
    fold_of = {distinct[i]: turn % folds for turn, i in enumerate(order.tolist())}
    return np.asarray([fold_of[group] for group in groups], dtype=np.int64)


def training_folds(test_fold: int, folds: int, used: int | None = None) -> list[int]:
    """The folds a matcher scoring ``test_fold`` is fitted on: the ``used`` folds after it, in turn
    (default: all the others), so a learning curve fits on nested shares of the same other folds.

    >>> training_folds(3, 4), training_folds(3, 4, used=2)
    ([0, 1, 2], [0, 1])
    """
    used = folds - 1 if used is None else used
    if not 1 <= used <= folds - 1:
        raise ValueError(f"a matcher is fitted on 1 to {folds - 1} of {folds} folds, not {used}")
    return [(test_fold + step) % folds for step in range(1, used + 1)]


def reference_digest(reference: Sequence[LabelledTitle]) -> str:
    """SHA-256 of a reference's titles and URIs, in order: names the file a matcher was fitted on."""
    digest = hashlib.sha256()
    for row in reference:
        digest.update(f"{row.title}\t{row.uri}\n".encode())
    return digest.hexdigest()


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


@dataclass(frozen=True)
class Scored:
    """Per title: the rank of its occupation (inf: not ranked), the top match's confidence, whether it is
    right."""

    ranks: NDArray[np.float64]
    confidence: NDArray[np.float64]
    top_right: NDArray[np.bool_]


def score_titles(score: Any, reference: Sequence[LabelledTitle], position: dict[str, int]) -> Scored:
    """Rank every occupation for every title of ``reference`` with ``score`` (titles -> log-probabilities or
    scores, (n, n_occupations))."""
    gold = np.asarray([position.get(r.uri, -1) for r in reference], dtype=np.int64)
    return Scored(*_ranks_and_confidence(score, [r.title for r in reference], gold))


FitWeights = Callable[[TitleMatcher, Sequence[LabelledTitle]], TitleWeights]


def out_of_fold(
    matcher: TitleMatcher,
    reference: Sequence[LabelledTitle],
    folds: NDArray[np.int64],
    *,
    fit: FitWeights | None = None,
    used_folds: int | None = None,
) -> Scored:
    """Every title scored by a matcher fitted (``fit``, default :func:`fit_title_weights`) without its fold:
    on :func:`training_folds` of it (all the others unless ``used_folds`` says how many)."""
    fit = fit or (lambda m, rows: fit_title_weights(m, rows))
    position = {uri: i for i, uri in enumerate(matcher.uris)}
    n_folds = int(folds.max()) + 1
    ranks, confidence = np.empty(len(reference)), np.empty(len(reference))
    top_right = np.zeros(len(reference), dtype=bool)
    for test_fold in range(n_folds):
        train = set(training_folds(test_fold, n_folds, used_folds))
        weights = fit(matcher, [r for r, f in zip(reference, folds.tolist(), strict=True) if f in train])
        rows = np.flatnonzero(folds == test_fold)
        scored = score_titles(
            matcher.with_weights(weights).log_probabilities, [reference[i] for i in rows.tolist()], position
        )
        ranks[rows], confidence[rows], top_right[rows] = scored.ranks, scored.confidence, scored.top_right
    return Scored(ranks, confidence, top_right)


RESOLVE_PRECISION = 0.9
"""The share of automatically resolved titles that must be right (:func:`choose_threshold`)."""

RESOLVE_MIN_TITLES = 100
"""The fewest titles a threshold must resolve for its precision to count (:func:`choose_threshold`)."""


def choose_threshold(
    confidence: NDArray[np.floating],
    correct: NDArray[np.bool_],
    *,
    precision: float = RESOLVE_PRECISION,
    min_titles: int = RESOLVE_MIN_TITLES,
) -> float:
    """The rule :data:`RESOLVE_THRESHOLD` is chosen by, on out-of-fold predictions (written down before
    they were looked at): a title resolves on its own when its top match's confidence reaches the
    threshold, so the threshold is the lowest ``t`` of 0.01, 0.02, ..., 0.99 such that at ``t`` and at
    every grid value above it, of the titles whose confidence reaches it, at least ``precision`` have the
    right occupation first (grid values reached by fewer than ``min_titles`` titles are passed over: too
    few to tell). 1.0 when no grid value qualifies (every title then goes to a person).

    >>> choose_threshold(np.array([0.95] * 9 + [0.6] * 10), np.array([True] * 9 + [False] * 10), min_titles=5)
    0.61
    """
    chosen = 1.0
    for t in np.round(np.arange(99, 0, -1) / 100, 2).tolist():
        resolved = confidence >= t
        if resolved.sum() < min_titles:
            continue
        if correct[resolved].mean() < precision:
            break
        chosen = t
    return chosen


def resolve_figures(scored: Scored, threshold: float) -> dict[str, float]:
    """How many titles ``threshold`` resolves on its own, and how many of those are right."""
    confidence = np.round(scored.confidence, 4)  # as TitleMatch.score, which resolve compares
    resolved = confidence >= threshold
    return {
        "threshold": threshold,
        "resolved_share": round(float(resolved.mean()), 4),
        "resolved_precision": round(float(scored.top_right[resolved].mean()) if resolved.any() else 0.0, 4),
        "for_review_share": round(float(1 - resolved.mean()), 4),
    }


def _parts(ranks: NDArray[np.float64], tune: NDArray[np.bool_]) -> dict[str, Any]:
    return {"whole": summarise(ranks), "tune": summarise(ranks[tune]), "check": summarise(ranks[~tune])}


def evaluate_titles(
    matcher: TitleMatcher,
    reference: Sequence[LabelledTitle],
    occupations: Sequence[OccupationText],
    *,
    folds: int = CV_FOLDS,
    seed: int = CV_SEED,
    fit: FitWeights | None = None,
    threshold: float = RESOLVE_THRESHOLD,
) -> dict[str, Any]:
    """The matcher out of fold (``folds``-fold grouped cross-validation), the shipped matcher as it is, and
    the baseline, on the same titles (whole file and both halves), with the confidence checked out of
    fold."""
    position = {uri: i for i, uri in enumerate(matcher.uris)}
    titles = [r.title for r in reference]
    tune = np.asarray([in_tune_half(t) for t in titles])
    fold_of = grouped_folds(titles, folds, seed)
    fitted_on = matcher.weights.provenance.get("reference_sha256")
    in_sample = fitted_on == reference_digest(reference)
    report: dict[str, Any] = {
        "titles": len(titles),
        "occupations": len(matcher),
        "unknown_occupation": int(sum(r.uri not in position for r in reference)),
        "ties": "counted against",
        "cross_validation": {
            "folds": folds,
            "seed": seed,
            "grouped_by": "normalised title (copies of a title share a fold)",
            "fold_titles": np.bincount(fold_of, minlength=folds).tolist(),
        },
        "halves": "tune: earlier sessions chose the matcher's settings (features, word lists, tree settings) "
        "on it; check: used for none of them until the re-ranker's objective and trees and the Malay and "
        "place words were chosen on the whole file (2026-12-03)",
        "models": {},
    }
    started = time.perf_counter()
    oof = out_of_fold(matcher, reference, fold_of, fit=fit)
    report["models"]["matcher_out_of_fold"] = {
        **_parts(oof.ranks, tune),
        "what": f"each title scored by a matcher fitted as the shipped one is, on the other {folds - 1} "
        f"of {folds} folds: the estimate for titles not seen",
        "seconds": round(time.perf_counter() - started, 1),
    }
    shipped = score_titles(matcher.log_probabilities, reference, position)
    report["models"]["matcher_shipped"] = {
        **_parts(shipped.ranks, tune),
        "what": "the shipped matcher, "
        + (
            "fitted on these very titles: in-sample, optimistic"
            if in_sample
            else f"fitted on {matcher.weights.provenance.get('fitted_on', 'other titles')}, not this very "
            "file (titles taken from that file are in-sample all the same)"
        ),
        "in_sample": in_sample,
    }
    base = score_titles(CharNgramBaseline(occupations).scores, reference, position)
    report["models"]["tfidf_char_baseline"] = {**_parts(base.ranks, tune), "what": "nothing fitted"}
    report["targets"] = targets_met(report["models"]["matcher_out_of_fold"])
    table, ece = reliability(oof.confidence, oof.top_right)
    report["calibration_out_of_fold"] = {
        "mean_confidence": round(float(oof.confidence.mean()), 4),
        "accuracy_at_1": round(float(oof.top_right.mean()), 4),
        "expected_calibration_error": ece,
        "bins": table,
    }
    report["resolve_out_of_fold"] = {
        **resolve_figures(oof, threshold),
        "rule": f"lowest threshold from which at least {RESOLVE_PRECISION:.0%} of the titles resolved are "
        f"right (evaluation.titles.choose_threshold)",
        "rule_gives": choose_threshold(np.round(oof.confidence, 4), oof.top_right),
    }
    return report


#: Issue 13's targets on the validation titles (all occupations ranked, ties counted against).
TARGETS = {"accuracy_at_1": 0.35, "mrr": 0.45}


def targets_met(parts: dict[str, Any]) -> dict[str, dict[str, bool]]:
    """Per part of the file (whole, tune, check) and figure, whether the matcher meets :data:`TARGETS`
    (judged on the out-of-fold figures). A part without titles meets nothing."""
    return {
        part: {name: bool(parts[part].get(name, 0.0) >= floor) for name, floor in TARGETS.items()}
        for part in ("whole", "tune", "check")
    }


TREE_SETTINGS: dict[str, Any] = {
    "objective": "lambdarank",
    "num_boost_round": 500,
    "learning_rate": 0.1,
    "max_depth": 5,
    "num_leaves": 32,
    "min_data_in_leaf": 100,
    "lambda_l2": 1.0,
}
"""The re-ranker's settings (LightGBM; the rest of its parameters at their defaults but for one thread, a
fixed seed and deterministic histograms): LambdaRank (Burges, "From RankNet to LambdaRank to LambdaMART: an
overview", MSR-TR-2010-82) over each title's shortlist, one group per title, the right occupation relevant.
Depth, leaf size and L2 are those chosen earlier for scikit-learn's ``HistGradientBoostingClassifier``
(pointwise log-loss, 120 trees). The objective and the number of trees were chosen on 2026-12-03 on folds 0
and 1 of the grouped 4-fold split of the validation file (each scored by trees fitted on its other three
folds, the first stage held at the weights then shipped, which were fitted on the whole file): MRR pointwise
(LightGBM, 120 trees) 0.4396, LambdaRank 0.4498 (rank_xendcg 0.4347, a softmax over the shortlist 0.4421);
with the Malay and place words 0.4525, 250 trees 0.4632, 500 trees 0.4682 (learning rate 0.2: 0.4633; 250
trees of 64 leaves 0.4673). More trees were not tried for their time per title (500 trees: about 0.43 ms of
CPU a title for its 30 candidates)."""


def fit_ranker(x: NDArray[np.float32], relevant: NDArray[np.bool_], settings: dict[str, Any]) -> BoostedTrees:
    """Boosted trees ranking each group's rows (LightGBM, ``settings`` as :data:`TREE_SETTINGS`).

    Parameters
    ----------
    x : ndarray of float32, shape (n_groups, k, n_features)
        The features of each title's ``k`` shortlisted occupations.
    relevant : ndarray of bool, shape (n_groups, k)
        Which of them is the right one (a group without one teaches LambdaRank nothing).
    """
    import lightgbm

    n, k, d = x.shape
    params = {key: value for key, value in settings.items() if key != "num_boost_round"}
    params.update(
        {
            "num_threads": 1,
            "deterministic": True,
            "force_row_wise": True,
            "seed": 0,
            "verbose": -1,
            "lambdarank_truncation_level": k,
        }
    )
    data = lightgbm.Dataset(x.reshape(n * k, d), relevant.reshape(-1).astype(np.float64), group=np.full(n, k))
    booster = lightgbm.train(params, data, num_boost_round=int(settings["num_boost_round"]))
    return BoostedTrees.from_lightgbm(booster.dump_model())


def _in_calibration_quarter(title: str) -> bool:
    return hashlib.sha256(normalise(title).encode("utf-8")).digest()[1] % 4 == 0


def fit_title_weights(
    matcher: TitleMatcher,
    reference: Sequence[LabelledTitle],
    *,
    fitted_on: str = "the titles given",
    first_shortlist: int = 300,
    shortlist: int = 30,
    trees: dict[str, Any] | None = None,
) -> TitleWeights:
    """Fit the matcher's weights on ``reference`` (titles whose occupation ``matcher`` does not know are
    left out): first stage, re-ranker, temperature. ``matcher`` gives the features; its weights are not
    used.

    1. The first stage's weights by maximum likelihood, each title's likelihood taken over the
       ``first_shortlist`` occupations its text features favour plus the right one (to keep memory small).
    2. The re-ranker: gradient-boosted trees ranking the first stage's ``shortlist`` best occupations of each
       title, the right one first (:func:`fit_ranker`, LambdaRank, :data:`TREE_SETTINGS`).
    3. The temperature of the re-ranker's softmax (and the logit of "none of the shortlist"), by maximum
       likelihood on a quarter of the titles (a second hash byte of the normalised title) that trees
       fitted on the other three quarters did not see; then the trees are fitted again, with the same
       settings, on all the titles (the ones returned).
    """
    from scipy.optimize import minimize

    position = {uri: i for i, uri in enumerate(matcher.uris)}
    chosen = [r for r in reference if r.uri in position]
    calibrate = np.asarray([_in_calibration_quarter(r.title) for r in chosen])
    if calibrate.all() or not calibrate.any():
        raise ValueError("too few distinct titles to fit the matcher's confidence on a quarter of them")
    gold = np.asarray([position[r.uri] for r in chosen])
    n_occupations = len(matcher)
    features, columns = [], []
    for start in range(0, len(chosen), 256):
        block = matcher.features([r.title for r in chosen[start : start + 256]])
        first = block[:, FEATURES.index("word_best")] + block[:, FEATURES.index("char_best")]
        for row, right in enumerate(gold[start : start + 256]):
            if first_shortlist < n_occupations:
                candidates = np.argpartition(-first[row], first_shortlist)[:first_shortlist]
            else:
                candidates = np.arange(n_occupations)
            if right not in candidates:
                candidates = np.r_[candidates, right]
            features.append(block[row][:, candidates])
            columns.append(int(np.flatnonzero(candidates == right)[0]))
    first_stage = fit_weights(features, columns)
    del features
    staged = matcher.with_weights(TitleWeights(first_stage.weights))
    x_parts, y_parts = [], []
    for start in range(0, len(chosen), 256):
        candidates, x = staged.rerank_inputs([r.title for r in chosen[start : start + 256]], shortlist)
        x_parts.append(x)
        y_parts.append(candidates == gold[start : start + len(candidates), None])
    x_all, y_groups = np.concatenate(x_parts), np.concatenate(y_parts)
    settings: dict[str, Any] = {**TREE_SETTINGS, **(trees or {})}
    held_out = fit_ranker(x_all[~calibrate], y_groups[~calibrate], settings)
    k = y_groups.shape[1]
    raw = held_out.raw_scores(x_all[calibrate].reshape(-1, x_all.shape[2])).reshape(-1, k)
    right = y_groups[calibrate]
    found = right.any(axis=1)

    def nll(params: NDArray[np.float64]) -> float:
        temperature, outside = params
        scaled = np.concatenate([raw * temperature, np.full((raw.shape[0], 1), outside)], axis=1)
        chosen_logit = np.where(found, (scaled[:, :-1] * right).sum(axis=1), outside)
        return float(-(chosen_logit - logsumexp(scaled, axis=1)).mean())

    fitted = minimize(nll, np.array([1.0, 0.0]), method="Nelder-Mead")
    temperature, outside = (float(v) for v in fitted.x)
    boosted = fit_ranker(x_all, y_groups, settings)
    described = ", ".join(f"{name}={value}" for name, value in settings.items())
    return TitleWeights(
        first_stage.weights,
        {
            "fitted_on": fitted_on,
            "reference_sha256": reference_digest(reference),
            "titles": len(chosen),
            "first_stage": f"conditional logit, maximum likelihood (L-BFGS), shortlist {first_shortlist}",
            "second_stage": f"LightGBM({described}) on the first stage's "
            f"{shortlist} best, fitted on all the titles",
            "confidence": "temperature and outside-the-shortlist logit by maximum likelihood on a quarter of "
            "the titles (second hash byte of the normalised title divisible by 4) scored by the same trees "
            "fitted on the other three quarters",
        },
        boosted,
        round(temperature, 6),
        shortlist,
        round(outside, 6),
    )


def learning_curve(
    matcher: TitleMatcher,
    reference: Sequence[LabelledTitle],
    *,
    folds: int = CV_FOLDS,
    seed: int = CV_SEED,
    used: Sequence[int] | None = None,
) -> dict[str, Any]:
    """Out-of-fold figures of matchers fitted on ``used`` (default 1, 2, ..., ``folds - 1``) of the other
    folds (nested: the folds after the one scored, in turn), all scored on the same folds: does more data
    help? (``folds - 1`` is :func:`evaluate_titles`'s out-of-fold figure.)"""
    position = {uri: i for i, uri in enumerate(matcher.uris)}
    fold_of = grouped_folds([r.title for r in reference], folds, seed)
    tune = np.asarray([in_tune_half(r.title) for r in reference])
    curve = {}
    for share in used or range(1, folds):
        oof = out_of_fold(matcher, reference, fold_of, used_folds=share)
        curve[f"{share}/{folds} of the file"] = {
            **_parts(oof.ranks, tune),
            "expected_calibration_error": reliability(oof.confidence, oof.top_right)[1],
        }
    return {
        "titles": len(reference),
        "occupations": len(position),
        "folds": folds,
        "seed": seed,
        "curve": curve,
    }


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
    parser.add_argument(
        "--fit", action="store_true", help="refit the weights on the whole file and save them"
    )
    parser.add_argument(
        "--learning-curve",
        type=int,
        nargs="*",
        metavar="FOLDS",
        help="out-of-fold figures of matchers fitted on these numbers of folds (default 1 2 3: 25/50/75 %%)",
    )
    args = parser.parse_args(argv)
    occupations = _occupations_from_release()
    reference = read_reference(args.reference)
    matcher = TitleMatcher(occupations)
    if args.learning_curve is not None:
        print(json.dumps(learning_curve(matcher, reference, used=args.learning_curve), indent=2))
        return
    if args.fit:
        weights = fit_title_weights(
            matcher, reference, fitted_on=f"all of {args.reference.name} ({len(reference):,} titles)"
        )
        weights.save(DEFAULT_WEIGHTS_PATH)
        print(
            f"weights written to {DEFAULT_WEIGHTS_PATH}: {dict(zip(FEATURES, weights.weights, strict=True))}"
        )
        matcher = matcher.with_weights(weights)
    print(json.dumps(evaluate_titles(matcher, reference, occupations), indent=2))


if __name__ == "__main__":
    main()
