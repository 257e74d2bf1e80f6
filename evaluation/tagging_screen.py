"""Screen changes to the course tagger's blend of words and meaning on the gold set's dev courses only.

The tagger (``data.catalogue.make_tagger``) ranks the skills its extractor scores by ``sqrt(s / s_max) +
cos(text, label)`` (:meth:`recommender.tagging.SkillTagger.blend`), the cosine taken between the sentence
model's vectors of the course text (cut at 256 word pieces) and of each skill's preferred label. This program
measures, on the ``dev`` courses of ``tests/evaluation/tagging_gold.json`` only (it never reads a test text),
variants of that blend:

* the course text embedded per segment (each line and sentence alone, :func:`recommender.tagging.segments`)
  and each skill's best or two-best mean cosine over the segments, instead of or beside the whole text's
  (the model truncates long texts, and a course teaches many topics);
* a bonus for ESCO "knowledge" skills and a penalty for "sector-specific" ones (the wrong skills of the
  five best are more often sector-specific than the gold ones), the two weights chosen by nested
  cross-validation;
* a learned re-ranker of the blend's 40 best skills (scikit-learn's ``HistGradientBoostingClassifier`` on
  the blend, its parts, the segment cosines and ESCO's skill type, reuse level and reach), its setting
  chosen inside each fold (nested 5-fold cross-validation over whole courses, 3 shuffles).

Every figure of a fitted or chosen variant is cross-validated; the fixed variants are in-sample (so is the
blend itself, chosen on the same courses by an earlier session). A paired bootstrap over courses gives the
95 % interval of each cross-validated gain over the blend.

Run: ``.venv/bin/python -m evaluation.tagging_screen [--json FILE]`` (a few minutes: the 107 dev texts
and their ~1,400 segments are embedded; ESCO's label vectors come from the cache folder).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

from evaluation.tagging import GOLD, course_texts, load_gold

FLOOR = 0.01  # the tagger's min_confidence (data.catalogue.make_tagger)
CANDIDATES = 40
FOLDS = 5
SHUFFLES = 3
#: ``HistGradientBoostingClassifier`` settings (learning rate, trees, min samples per leaf), chosen per fold.
BOOSTING = ((0.05, 100, 20), (0.05, 200, 40), (0.1, 100, 40))
#: Knowledge bonus x sector-specific penalty, chosen per fold.
TYPE_WEIGHTS = tuple((k, s) for k in (0.0, 0.05, 0.1) for s in (0.0, 0.1, 0.15, 0.2, 0.3))
#: Per-skill columns: knowledge, transversal, cross-sector, sector-specific, log(1 + occupations), label
#: words.
STATIC = ("knowledge", "transversal", "cross_sector", "sector_specific", "log_occupations", "label_words")
FEATURES = (
    "share",  # sqrt(s / s_max), the blend's word term
    "score",  # s
    "cosine",  # whole text (first 256 word pieces) with the label
    "segment_max",  # best cosine over the text's segments
    "segment_top2",  # mean of the two best
    "blend",
    "log_rank",  # log(1 + rank) by the blend
    "cosine_z",  # the cosine standardised over the course's candidates
    "segment_max_z",
    "coverage",  # the extractor's parts
    "label_similarity",
    "description_similarity",
    *STATIC,
)


@dataclass(frozen=True)
class DevArrays:
    """What the screen needs of the dev courses, for every ESCO skill (n courses, m skills, float32).

    ``scores`` the extractor's; ``cosine`` whole text with label; ``segment_max`` / ``segment_top2`` the
    best and two-best mean cosine over the text's segments; ``parts`` coverage, label and description
    similarity, shape (3, n, m); ``static`` (m, len(STATIC)); ``gold`` the gold skill indices per course.
    """

    scores: NDArray[np.float32]
    cosine: NDArray[np.float32]
    segment_max: NDArray[np.float32]
    segment_top2: NDArray[np.float32]
    parts: NDArray[np.float32]
    static: NDArray[np.float32]
    gold: list[frozenset[int]]


def segment_cosines(
    segment_vectors: NDArray[np.float32],
    owner: NDArray[np.int64],
    text_cosine: NDArray[np.float32],
    label_vectors: NDArray[np.float32],
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Per text, each label's best cosine over the text's segments and the mean of its two best.

    ``owner[i]`` is the text of segment ``i``; a text without segments keeps its ``text_cosine`` row (shape
    (n_texts, n_labels)); a text with one segment has that segment's cosine as its two-best mean.
    """
    best = text_cosine.copy()
    two = text_cosine.copy()
    for text in range(len(text_cosine)):
        rows = segment_vectors[owner == text] @ label_vectors.T
        if len(rows) == 0:
            continue
        best[text] = rows.max(axis=0)
        two[text] = np.partition(rows, -2, axis=0)[-2:].mean(axis=0) if len(rows) > 1 else rows[0]
    return best, two


def blend(
    scores: NDArray[np.float32], terms: Sequence[tuple[float, NDArray[np.float32]]], floor: float = FLOOR
) -> NDArray[np.float32]:
    """``sqrt(s / s_max) + sum(w * x)`` over the skills scored at ``floor`` or more, 0 elsewhere (the
    tagger's :meth:`~recommender.tagging.SkillTagger.blend` with more terms)."""
    kept = np.where(scores >= floor, scores, 0.0)
    ranked = np.sqrt(kept / np.maximum(kept.max(axis=1, keepdims=True), 1e-9))
    for weight, term in terms:
        ranked = ranked + np.float32(weight) * term
    return np.where(kept > 0, np.maximum(ranked, 1e-6), 0.0).astype(np.float32)


def precision_at_5(ranked: NDArray[np.float32], gold: Sequence[frozenset[int]]) -> NDArray[np.float64]:
    """Per course, the share of its five best skills (by ``ranked``, positive only) in ``gold``."""
    result = np.zeros(len(gold))
    for course, row in enumerate(ranked):
        top = np.argsort(-row, kind="stable")[:5]
        result[course] = len({int(j) for j in top if row[j] > 0} & gold[course]) / 5
    return result


def recall_at_10(ranked: NDArray[np.float32], gold: Sequence[frozenset[int]]) -> NDArray[np.float64]:
    """Per course, the share of its gold skills among its ten best."""
    result = np.zeros(len(gold))
    for course, row in enumerate(ranked):
        top = np.argsort(-row, kind="stable")[:10]
        result[course] = len({int(j) for j in top if row[j] > 0} & gold[course]) / max(len(gold[course]), 1)
    return result


def folds(n: int, shuffle: int) -> NDArray[np.int64]:
    """The fold (0 to FOLDS - 1) of each of ``n`` courses under one seeded shuffle."""
    fold = np.empty(n, dtype=np.int64)
    fold[np.random.RandomState(100 + shuffle).permutation(n)] = np.arange(n) % FOLDS
    return fold


def nested_choice(
    per_setting: Sequence[NDArray[np.float64]], shuffles: int = SHUFFLES
) -> NDArray[np.float64]:
    """Per course, the precision of the setting chosen on the other folds (mean over ``shuffles``): the
    cross-validated figure of choosing among fixed settings whose per-course precisions are given."""
    n = len(per_setting[0])
    result = np.zeros(n)
    for shuffle in range(shuffles):
        fold = folds(n, shuffle)
        for f in range(FOLDS):
            chosen = max(range(len(per_setting)), key=lambda s: per_setting[s][fold != f].mean())
            result[fold == f] += per_setting[chosen][fold == f]
    return result / shuffles


@dataclass(frozen=True)
class Candidates:
    """The blend's best skills of every course stacked: features (rows, len(FEATURES)), label (in gold),
    course of each row, and the skill index of each row."""

    features: NDArray[np.float64]
    label: NDArray[np.bool_]
    course: NDArray[np.int64]
    skill: NDArray[np.int64]


def candidates(arrays: DevArrays, count: int = CANDIDATES) -> Candidates:
    """The ``count`` best skills of each course by the tagger's blend, with :data:`FEATURES`."""
    kept = np.where(arrays.scores >= FLOOR, arrays.scores, 0.0)
    share = np.sqrt(kept / np.maximum(kept.max(axis=1, keepdims=True), 1e-9))
    ranked = blend(arrays.scores, [(1.0, arrays.cosine)])
    rows, labels, courses, skills = [], [], [], []
    for c, row in enumerate(ranked):
        top = np.argsort(-row, kind="stable")[:count]
        top = top[row[top] > 0]

        def z(x: NDArray[np.float32], top: NDArray[np.int64] = top) -> NDArray[np.float32]:
            return (x[top] - x[top].mean()) / (x[top].std() + 1e-6)

        rows.append(
            np.column_stack(
                [
                    share[c, top],
                    arrays.scores[c, top],
                    arrays.cosine[c, top],
                    arrays.segment_max[c, top],
                    arrays.segment_top2[c, top],
                    row[top],
                    np.log1p(np.arange(len(top))),
                    z(arrays.cosine[c]),
                    z(arrays.segment_max[c]),
                    *(part[c, top] for part in arrays.parts),
                    arrays.static[top],
                ]
            )
        )
        labels.append(np.isin(top, list(arrays.gold[c])))
        courses.append(np.full(len(top), c))
        skills.append(top)
    return Candidates(
        np.vstack(rows).astype(np.float64),
        np.concatenate(labels),
        np.concatenate(courses).astype(np.int64),
        np.concatenate(skills).astype(np.int64),
    )


def candidate_precision(
    pool: Candidates, predicted: NDArray[np.float64], gold: Sequence[frozenset[int]]
) -> NDArray[np.float64]:
    """Per course, precision@5 of its candidates ordered by ``predicted`` (ties: the blend's order)."""
    result = np.zeros(len(gold))
    for c in range(len(gold)):
        mine = np.flatnonzero(pool.course == c)
        top = pool.skill[mine[np.argsort(-predicted[mine], kind="stable")[:5]]]
        result[c] = len({int(j) for j in top} & gold[c]) / 5
    return result


Fit = Callable[[NDArray[np.float64], NDArray[np.bool_], tuple[float, int, int]], Any]


def _boosting(x: NDArray[np.float64], y: NDArray[np.bool_], setting: tuple[float, int, int]) -> Any:
    rate, trees, leaf = setting
    model = HistGradientBoostingClassifier(
        learning_rate=rate,
        max_iter=trees,
        max_depth=3,
        min_samples_leaf=leaf,
        l2_regularization=1.0,
        random_state=0,
    )
    return model.fit(x, y)


def nested_reranker(
    pool: Candidates,
    gold: Sequence[frozenset[int]],
    columns: Sequence[int],
    settings: Sequence[tuple[float, int, int]] = BOOSTING,
    fit: Fit = _boosting,
    shuffles: int = SHUFFLES,
) -> NDArray[np.float64]:
    """Per course, precision@5 of the re-ranker whose setting is chosen by 4-fold CV inside the other
    folds, fitted on them and applied to the course's fold (mean over ``shuffles``)."""
    n = len(gold)
    x = pool.features[:, list(columns)]
    result = np.zeros(n)

    def predict(train: NDArray[np.bool_], apply: NDArray[np.bool_], setting: tuple[float, int, int]) -> Any:
        predicted = np.zeros(len(pool.label))
        model = fit(x[train], pool.label[train], setting)
        predicted[apply] = model.predict_proba(x[apply])[:, 1]
        return predicted

    for shuffle in range(shuffles):
        fold = folds(n, shuffle)
        for f in range(FOLDS):
            inner_courses = np.flatnonzero(fold != f)
            inner = np.full(n, -1)
            inner[inner_courses] = np.arange(len(inner_courses)) % (FOLDS - 1)
            row_inner = inner[pool.course]
            best, best_value = settings[0], -1.0
            for setting in settings:
                predicted = np.zeros(len(pool.label))
                for g in range(FOLDS - 1):
                    part = predict((row_inner >= 0) & (row_inner != g), row_inner == g, setting)
                    predicted[row_inner == g] = part[row_inner == g]
                value = candidate_precision(pool, predicted, gold)[inner_courses].mean()
                if value > best_value:
                    best, best_value = setting, value
            held = fold[pool.course] == f
            predicted = predict(~held, held, best)
            result[fold == f] += candidate_precision(pool, predicted, gold)[fold == f]
    return result / shuffles


def bootstrap_interval(gain: NDArray[np.float64], draws: int = 2000) -> tuple[float, float]:
    """95 % interval of the mean of per-course ``gain`` (resampling courses, seed 0)."""
    rng = np.random.RandomState(0)
    means = [gain[rng.randint(0, len(gain), len(gain))].mean() for _ in range(draws)]
    low, high = np.percentile(means, [2.5, 97.5])
    return round(float(low), 4), round(float(high), 4)


def dev_arrays(gold_path: Path = GOLD, cache_dir: Path | None = None) -> tuple[DevArrays, dict[str, float]]:
    """Embed and score the dev courses (never a test one) with the shipped tagger; also its CPU costs."""
    from data import catalogue, sentence_model, skill_texts
    from recommender.tagging import segments, static_features

    dev = [g for g in load_gold(gold_path) if g.split == "dev"]
    texts, _ = course_texts([g.course_id for g in dev])
    ordered = [texts[g.course_id] for g in dev]
    skills = skill_texts.from_release()
    tagger = catalogue.make_tagger(cache_dir).fit(skills)
    if tagger.label_vectors_ is None:
        raise sentence_model.ModelMissing(f"the screen needs the sentence model: `{sentence_model.INSTALL}`")
    encoder = sentence_model.load_encoder()
    cost: dict[str, float] = {}
    started = time.process_time()
    text_vectors = encoder.encode(ordered)
    cost["text_cpu_seconds"] = round(time.process_time() - started, 1)
    parts_of = [segments(text) for text in ordered]
    owner = np.repeat(np.arange(len(ordered)), [len(p) for p in parts_of])
    started = time.process_time()
    segment_vectors = encoder.encode([part for parts in parts_of for part in parts])
    cost["segments_cpu_seconds"] = round(time.process_time() - started, 1)
    cost["segments"] = len(owner)
    labels = tagger.label_vectors_
    cosine = (text_vectors @ labels.T).astype(np.float32)
    best, two = segment_cosines(segment_vectors, owner, cosine, labels)
    extractor = tagger.extractor_
    parts = np.stack(extractor.components(ordered)).astype(np.float32)
    static = static_features(skills).astype(np.float32)
    index = {uri: i for i, uri in enumerate(tagger.uris_)}
    gold = [frozenset(index[u] for u in g.skills if u in index) for g in dev]
    scores = extractor.combine(*parts)
    return DevArrays(scores, cosine, best, two, parts, static, gold), cost


def screen(arrays: DevArrays) -> dict[str, Any]:
    """The table: each variant's dev precision@5 and recall@10, and for the cross-validated ones their
    gain over the blend with its bootstrap interval."""
    gold = arrays.gold
    rows: dict[str, dict[str, Any]] = {}

    def fixed(name: str, ranked: NDArray[np.float32]) -> NDArray[np.float64]:
        precision = precision_at_5(ranked, gold)
        rows[name] = {
            "precision_at_5": round(float(precision.mean()), 4),
            "recall_at_10": round(float(recall_at_10(ranked, gold).mean()), 4),
            "cross_validated": False,
        }
        return precision

    base = fixed("the tagger: sqrt(s / s_max) + cos(text)", blend(arrays.scores, [(1.0, arrays.cosine)]))
    for w in (1.0, 1.5, 2.0):
        fixed(f"sqrt + {w:g} x best segment cosine", blend(arrays.scores, [(w, arrays.segment_max)]))
        fixed(f"sqrt + {w:g} x two-best segment mean", blend(arrays.scores, [(w, arrays.segment_top2)]))
    for whole, segment in ((0.5, 0.5), (0.5, 1.0), (1.0, 0.5)):
        for name, term in (
            ("best segment", arrays.segment_max),
            ("two-best segment mean", arrays.segment_top2),
        ):
            fixed(
                f"sqrt + {whole:g} x cos(text) + {segment:g} x {name}",
                blend(arrays.scores, [(whole, arrays.cosine), (segment, term)]),
            )

    def gain(name: str, precision: NDArray[np.float64]) -> None:
        rows[name] = {
            "precision_at_5": round(float(precision.mean()), 4),
            "cross_validated": True,
            "gain": round(float((precision - base).mean()), 4),
            "gain_interval_95": bootstrap_interval(precision - base),
        }

    knowledge = np.broadcast_to(arrays.static[:, 0], arrays.cosine.shape)
    sector = np.broadcast_to(arrays.static[:, 3], arrays.cosine.shape)
    typed = [
        precision_at_5(blend(arrays.scores, [(1.0, arrays.cosine), (k, knowledge), (-s, sector)]), gold)
        for k, s in TYPE_WEIGHTS
    ]
    gain("knowledge bonus / sector-specific penalty (weights chosen per fold)", nested_choice(typed))
    pool = candidates(arrays)
    everything = range(len(FEATURES))
    no_segments = [i for i, f in enumerate(FEATURES) if not f.startswith("segment")]
    with threadpool_limits(1):
        gain(
            "re-ranker of the 40 best, every feature (setting chosen per fold)",
            nested_reranker(pool, gold, everything),
        )
        gain("re-ranker of the 40 best, no segment feature", nested_reranker(pool, gold, no_segments))
    return {
        "courses": len(gold),
        "gold_in_candidates": round(float(pool.label.sum()) / sum(len(g) for g in gold), 4),
        "variants": rows,
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    from data.catalogue import DEFAULT

    started, cpu = time.perf_counter(), time.process_time()
    arrays, cost = dev_arrays(cache_dir=DEFAULT.parents[1] / "cache")
    report = {**screen(arrays), "cost": cost}
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["cpu_seconds"] = round(time.process_time() - cpu, 1)
    print(
        f"dev courses: {report['courses']}; "
        f"gold skills among the blend's 40 best: {report['gold_in_candidates']}"
    )
    for name, row in report["variants"].items():
        extra = (
            f"  gain {row['gain']:+.3f} "
            f"(95 % {row['gain_interval_95'][0]:+.3f} to {row['gain_interval_95'][1]:+.3f})"
            if row["cross_validated"]
            else f"  R@10 {row['recall_at_10']:.4f}"
        )
        print(f"{name:75s} P@5 {row['precision_at_5']:.4f}{extra}")
    print(f"cost: {cost}; {report['seconds']} s wall, {report['cpu_seconds']} s CPU")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    main()
