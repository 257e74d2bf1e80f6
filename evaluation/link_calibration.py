"""Calibrate the course tagger's link confidences on the tagging gold set's dev courses.

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python -m evaluation.link_calibration [--write] [--test]``

The tagger keeps a course's ten best skills by a blend of the extractor's score and the sentence model's
cosine; the score it used to store as the link's confidence is a share of that blend (0.03-0.2 for most
right links), not a probability, so thresholds set on it meant little. This program fits, on the ``dev``
courses of ``tests/evaluation/tagging_gold.json`` only, a logistic map from what the tagger knows of each link
it keeps (:class:`recommender.tagging.LinkEvidence`: score, share of the text's best, cosine, rank) to the
probability that the link is in the gold set, and writes it to ``data/default/link_calibration.json`` with
``--write`` (the importer reads it: see ``data.catalogue.make_tagger``).

* The feature set is chosen by cross-validated log loss over whole dev courses (5 folds, 3 seeded
  shuffles); only maps whose coefficients have the monotone signs qualify. The chosen one is fitted on all of
  dev.
* It prints the out-of-fold reliability table and, for thresholds on the probability, how many dev links are
  kept and how often they are right: the figures the planning thresholds (``data.defaults``,
  ``recommender.planner.relevance``) are set from.
* The Coursera tag hints of the dev courses (a tag -> the ESCO skill the tagger scores best for its words):
  how often they are in the gold set, by the context rule applied (``data.catalogue.HINT_RULE``).
* A second map for courses whose catalogue states only a title (flag ``title-only``: Udemy's listing), fitted
  the same way on the same dev courses tagged from their titles alone: from a title the tagger's evidence
  means less (on dev titles the full-text map says 0.32 on average where 0.20 of the links are right), so
  such a course's links get their own probabilities (``data.catalogue.tag_records``).
* ``--test`` measures the shipped maps once on the ``test`` courses (log loss, Brier score, reliability, kept
  precision); nothing is chosen from it.

Being in the gold set is a lower bound on being right (the gold lists 3-9 skills a course and a right skill it
does not list counts as wrong), so the probabilities err low. Deterministic: the tagger is, and the folds
are seeded (:data:`SEED`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from evaluation.tagging import COURSERA_CSV, GoldCourse, course_texts, load_gold
from recommender.tagging import LINK_FEATURES, LinkCalibration, LinkEvidence, SkillTagger

ROOT = Path(__file__).resolve().parents[1]
SEED = 20261204
FOLDS = 5
SHUFFLES = 3
#: Regularisation of the logistic regression (scikit-learn's C; features are on their natural scales).
C = 1.0
#: The feature sets compared; the one with the lowest cross-validated log loss is shipped.
CANDIDATES: dict[str, tuple[str, ...]] = {
    "score": ("log_score",),
    "rank": ("log_rank",),
    "score + rank": ("log_score", "log_rank"),
    "share + cosine": ("sqrt_share", "cosine"),
    "share + cosine + rank": ("sqrt_share", "cosine", "log_rank"),
    "score + share + cosine + rank": ("log_score", "sqrt_share", "cosine", "log_rank"),
}
THRESHOLDS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6)


@dataclass(frozen=True)
class Links:
    """The tagger's links of some gold courses, flattened: one row per link."""

    evidence: list[LinkEvidence]
    right: NDArray[np.bool_]  # in the course's gold skills
    course: NDArray[np.int64]  # index of the course among those tagged

    def matrix(self, features: Sequence[str]) -> NDArray[np.float64]:
        return np.asarray(
            [[LINK_FEATURES[name](e) for name in features] for e in self.evidence], dtype=np.float64
        ).reshape(len(self.evidence), len(features))


def tagged_links(tagger: SkillTagger, gold: Sequence[GoldCourse], texts: dict[str, str]) -> Links:
    """The links ``tagger`` keeps for each of ``gold``'s courses, with whether each is in the gold set."""
    found = tagger.links([texts[g.course_id] for g in gold])
    evidence, right, course = [], [], []
    for index, (g, links) in enumerate(zip(gold, found, strict=True)):
        for link in links:
            evidence.append(link)
            right.append(link.uri in g.skills)
            course.append(index)
    return Links(evidence, np.asarray(right, dtype=bool), np.asarray(course, dtype=np.int64))


def fit(
    links: Links, features: Sequence[str], rows: NDArray[np.int64] | None = None
) -> LinkCalibration | None:
    """The logistic map fitted on ``links`` (or the ``rows`` of it); None when a coefficient has the sign
    that would make it non-monotone."""
    from sklearn.linear_model import LogisticRegression

    x, y = links.matrix(features), links.right
    if rows is not None:
        x, y = x[rows], y[rows]
    model = LogisticRegression(C=C, max_iter=1000).fit(x, y)
    try:
        return LinkCalibration(
            tuple(features),
            tuple(round(float(c), 6) for c in model.coef_[0]),
            round(float(model.intercept_[0]), 6),
        )
    except ValueError:
        return None


def predict(calibration: LinkCalibration, evidence: Sequence[LinkEvidence]) -> NDArray[np.float64]:
    return np.asarray([calibration.probability(e) for e in evidence], dtype=np.float64)


def log_loss(p: NDArray[np.float64], y: NDArray[np.bool_]) -> float:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return float(-np.mean(np.where(y, np.log(p), np.log(1 - p))))


def brier(p: NDArray[np.float64], y: NDArray[np.bool_]) -> float:
    return float(np.mean((p - y) ** 2))


def folds_of(courses: int, shuffle: int) -> NDArray[np.int64]:
    """The fold of each course (seeded by :data:`SEED` and the shuffle's number)."""
    order = np.random.default_rng(SEED + shuffle).permutation(courses)
    fold = np.empty(courses, dtype=np.int64)
    fold[order] = np.arange(courses) % FOLDS
    return fold


def cross_validate(
    links: Links, courses: int
) -> tuple[dict[str, dict[str, Any]], dict[str, NDArray[np.float64]]]:
    """Each candidate's out-of-fold log loss and Brier score (mean over the shuffles) and its out-of-fold
    probabilities of the first shuffle."""
    table: dict[str, dict[str, Any]] = {}
    first: dict[str, NDArray[np.float64]] = {}
    for name, features in CANDIDATES.items():
        losses, briers, non_monotone = [], [], 0
        for shuffle in range(SHUFFLES):
            fold = folds_of(courses, shuffle)[links.course]
            p = np.zeros(len(links.evidence))
            for k in range(FOLDS):
                calibration = fit(links, features, np.flatnonzero(fold != k))
                if calibration is None:
                    non_monotone += 1
                    calibration = _unconstrained(links, features, np.flatnonzero(fold != k))
                held = np.flatnonzero(fold == k)
                p[held] = predict(calibration, [links.evidence[i] for i in held])
            losses.append(log_loss(p, links.right))
            briers.append(brier(p, links.right))
            if shuffle == 0:
                first[name] = p
        table[name] = {
            "features": list(features),
            "log_loss": round(float(np.mean(losses)), 4),
            "brier": round(float(np.mean(briers)), 4),
            "non_monotone_fits": non_monotone,
        }
    return table, first


def _unconstrained(links: Links, features: Sequence[str], rows: NDArray[np.int64]) -> LinkCalibration:
    """A fit whose signs are wrong, measured anyway (its candidate cannot be shipped): the monotone check
    is skipped by building the dataclass around it."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=C, max_iter=1000).fit(links.matrix(features)[rows], links.right[rows])
    calibration = object.__new__(LinkCalibration)
    object.__setattr__(calibration, "features", tuple(features))
    object.__setattr__(calibration, "coefficients", tuple(float(c) for c in model.coef_[0]))
    object.__setattr__(calibration, "intercept", float(model.intercept_[0]))
    object.__setattr__(calibration, "version", "")
    return calibration


def reliability(p: NDArray[np.float64], y: NDArray[np.bool_]) -> list[dict[str, Any]]:
    """Links by predicted probability (bins of 0.1): how many, mean prediction, share right."""
    rows = []
    for low in np.arange(0.0, 1.0, 0.1):
        inside = (p >= low) & (p < low + 0.1 if low < 0.85 else p <= 1.0)
        if inside.any():
            rows.append(
                {
                    "predicted": f"[{low:.1f}, {low + 0.1:.1f})",
                    "links": int(inside.sum()),
                    "mean_predicted": round(float(p[inside].mean()), 3),
                    "right": round(float(y[inside].mean()), 3),
                }
            )
    return rows


def kept(
    values: NDArray[np.float64], y: NDArray[np.bool_], thresholds: Sequence[float]
) -> list[dict[str, Any]]:
    """For each threshold: links at or above it, their precision, and the share of the right links kept."""
    rows = []
    for t in thresholds:
        keep = values >= t
        rows.append(
            {
                "threshold": t,
                "links_kept": int(keep.sum()),
                "precision": round(float(y[keep].mean()), 3) if keep.any() else None,
                "right_links_kept": round(float(y[keep].sum() / max(y.sum(), 1)), 3),
            }
        )
    return rows


# --- the Coursera tag hints --------------------------------------------------------------------------------


def hint_rows(tagger: SkillTagger, gold: Sequence[GoldCourse], texts: dict[str, str]) -> list[dict[str, Any]]:
    """Every hint of ``gold``'s Coursera courses as the importer makes it, with what the context rules read:
    its own score, whether the course text's words score the skill at all, and the cosine of the course
    text with the skill's label."""
    from data import catalogue
    from data.formats import coursera

    wanted = {g.course_id: g for g in gold if g.course_id.startswith("coursera-")}
    tags = {c.record.id: c.record.tags for c in coursera.read(COURSERA_CSV)[0] if c.record.id in wanted}
    ids = sorted(tags)
    inferred = [[link.uri for link in found] for found in tagger.links([texts[i] for i in ids])]
    contexts = catalogue.hint_contexts(tagger, [texts[i] for i in ids], [tags[i] for i in ids], inferred)
    rows = []
    for course_id, course_tags, row in zip(ids, (tags[i] for i in ids), contexts, strict=True):
        for tag, context in zip(course_tags, row, strict=True):
            if context is not None:
                right = context["uri"] in wanted[course_id].skills
                rows.append({"course": course_id, "tag": tag, **context, "right": right})
    return rows


def hint_table(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Precision of the hints kept by each context rule (the shipped one: ``data.catalogue.hint_kept``)."""
    from data.catalogue import HINT_RULE, hint_kept

    rules = {
        "every hint (before)": lambda r: True,
        "the text's words score the skill": lambda r: r["text_score"] > 0,
        "cosine(text, label) >= 0.2": lambda r: r["cosine"] >= 0.2,
        "cosine(text, label) >= 0.3": lambda r: r["cosine"] >= 0.3,
        f"shipped: {HINT_RULE}": hint_kept,
        "words score it and cosine >= 0.2": lambda r: r["text_score"] > 0 and r["cosine"] >= 0.2,
        "among the tagger's links of the text": lambda r: r["inferred"],
    }
    table = []
    for name, rule in rules.items():
        chosen = [r for r in rows if rule(r)]
        right = sum(r["right"] for r in chosen)
        table.append(
            {
                "rule": name,
                "hints": len(chosen),
                "right": right,
                "precision": round(right / len(chosen), 3) if chosen else None,
                "smoothed": round((right + 1) / (len(chosen) + 2), 3),
            }
        )
    return table


# --- the program -------------------------------------------------------------------------------------------

OUTPUT = ROOT / "data" / "default" / "link_calibration.json"


def choose(links: Links, courses: int) -> tuple[dict[str, Any], LinkCalibration]:
    """The candidates' cross-validated figures on ``links`` (of ``courses`` courses), the chosen one (lowest
    log loss among the monotone) fitted on all of them, and its out-of-fold reliability and kept links."""
    table, out_of_fold = cross_validate(links, courses)
    eligible = {name: row for name, row in table.items() if row["non_monotone_fits"] == 0}
    chosen = min(eligible, key=lambda name: (eligible[name]["log_loss"], name))
    calibration = fit(links, CANDIDATES[chosen])
    if calibration is None:
        raise SystemExit(f"the chosen map {chosen!r} is not monotone fitted on all of dev")
    p = out_of_fold[chosen]
    figures = {
        "links": len(links.evidence),
        "links_right": int(links.right.sum()),
        "candidates": table,
        "chosen": chosen,
        "calibration": {
            "features": list(calibration.features),
            "coefficients": list(calibration.coefficients),
            "intercept": calibration.intercept,
        },
        "reliability_out_of_fold": reliability(p, links.right),
        "kept_out_of_fold": kept(p, links.right, THRESHOLDS),
    }
    return figures, calibration


def held_out(calibration: LinkCalibration, links: Links, courses: int) -> dict[str, Any]:
    """``calibration`` measured on ``links`` (of ``courses`` courses it was not fitted on, or not fitted for:
    the test courses, the dev titles for the full-text map): nothing is chosen from it."""
    q = predict(calibration, links.evidence)
    return {
        "courses": courses,
        "links": len(links.evidence),
        "log_loss": round(log_loss(q, links.right), 4),
        "brier": round(brier(q, links.right), 4),
        "base_rate": round(float(links.right.mean()), 3),
        "mean_probability": round(float(q.mean()), 3),
        "reliability": reliability(q, links.right),
        "kept": kept(q, links.right, THRESHOLDS),
    }


def titles_of(gold: Sequence[GoldCourse]) -> dict[str, str]:
    """Each gold course's title alone: the text a title-only listing gives the tagger."""
    return {g.course_id: g.title for g in gold}


def measure(*, cache_dir: Path | None, test: bool) -> dict[str, Any]:
    from data import catalogue, skill_texts

    gold = load_gold()
    dev = [g for g in gold if g.split == "dev"]
    texts, source = course_texts([g.course_id for g in dev])
    tagger = catalogue.make_tagger(cache_dir, calibrated=False).fit(skill_texts.from_release())
    links = tagged_links(tagger, dev, texts)
    figures, calibration = choose(links, len(dev))
    title_links = tagged_links(tagger, dev, titles_of(dev))
    title_figures, title_calibration = choose(title_links, len(dev))
    title_figures["full_text_map_on_titles"] = held_out(calibration, title_links, len(dev))
    scores = np.asarray([e.score for e in links.evidence])
    hints = hint_rows(tagger, dev, texts)
    report: dict[str, Any] = {
        "dev_courses": len(dev),
        "dev_links": figures.pop("links"),
        "dev_links_right": figures.pop("links_right"),
        "texts": source,
        **figures,
        "kept_by_score_before": kept(scores, links.right, (0.03, 0.05, 0.08, 0.1, 0.15)),
        "probability_by_rank_in_sample": [
            {
                "rank": r,
                "mean_probability": round(
                    float(predict(calibration, [e for e in links.evidence if e.rank == r]).mean()), 3
                ),
                "right": round(float(links.right[[e.rank == r for e in links.evidence]].mean()), 3),
            }
            for r in sorted({e.rank for e in links.evidence})
        ],
        "hints_dev": hint_table(hints),
        "hint_rows_dev": hints,
    }
    report["title_only"] = title_figures
    if test:
        held = [g for g in gold if g.split == "test"]
        test_texts, _ = course_texts([g.course_id for g in held])
        report["test"] = {
            **held_out(calibration, tagged_links(tagger, held, test_texts), len(held)),
            "hints": hint_table(hint_rows(tagger, held, test_texts)),
        }
        test_titles = tagged_links(tagger, held, titles_of(held))
        report["test_title_only"] = {
            "title_map": held_out(title_calibration, test_titles, len(held)),
            "full_text_map": held_out(calibration, test_titles, len(held)),
        }
    report["calibration_object"] = calibration
    return report


def shipped(report: dict[str, Any], hint_probability: float) -> dict[str, Any]:
    """The file ``--write`` ships: the map, its provenance and the dev figures it was chosen on."""
    return {
        "version": f"dev-{SEED}",
        "what": "P(a course-skill link the tagger keeps is in the tagging gold set): logistic over "
        "recommender.tagging.LINK_FEATURES; hint_probability: that of a Coursera tag hint kept by "
        "data.catalogue.HINT_RULE ((right + 1) / (hints + 2) on dev)",
        "command": "OPENBLAS_NUM_THREADS=1 .venv/bin/python -m evaluation.link_calibration --write",
        "fitted_on": f"the {report['dev_courses']} dev courses of tests/evaluation/tagging_gold.json "
        f"({report['dev_links']} links, {report['dev_links_right']} in gold); test not read",
        "chosen_by": f"{FOLDS}-fold cross-validated log loss over whole courses, {SHUFFLES} seeded shuffles "
        f"(seed {SEED}), among {len(CANDIDATES)} feature sets with monotone coefficients",
        **report["calibration"],
        "hint_probability": hint_probability,
        "cross_validation": report["candidates"],
        "title_only": {
            "what": "the map for a course whose catalogue states only a title (flag title-only), fitted and "
            "chosen as the one above on the same dev courses tagged from their titles alone",
            "fitted_on": f"{report['title_only']['links']} links of the dev titles, "
            f"{report['title_only']['links_right']} in gold",
            **report["title_only"]["calibration"],
            "cross_validation": report["title_only"]["candidates"],
        },
    }


def _reliability_lines(rows: Sequence[dict[str, Any]]) -> None:
    for row in rows:
        print(f"  p {row['predicted']}: {row['links']:>4} links, mean p {row['mean_predicted']}, ", end="")
        print(f"right {row['right']}")


def _kept_lines(rows: Sequence[dict[str, Any]]) -> None:
    for row in rows:
        print(f"  {row['threshold']:<5} {row['links_kept']:>5} {row['precision']!s:>7} ", end="")
        print(f"{row['right_links_kept']:>7}")


def print_report(report: dict[str, Any], calibration: LinkCalibration) -> None:
    """The figures of the module docstring, as a reader wants them."""
    print(f"dev: {report['dev_courses']} courses, {report['dev_links']} links, ", end="")
    print(f"{report['dev_links_right']} in gold")
    print("feature set                          CV log loss   Brier   non-monotone fits")
    for name, row in report["candidates"].items():
        mark = "  <- chosen" if name == report["chosen"] else ""
        print(f"  {name:34} {row['log_loss']:>9} {row['brier']:>8} {row['non_monotone_fits']:>6}{mark}")
    print(f"shipped map: {calibration}")
    print("out-of-fold reliability (dev):")
    _reliability_lines(report["reliability_out_of_fold"])
    print("links kept at p >= t (dev, out of fold): t, kept, precision, share of right links kept")
    _kept_lines(report["kept_out_of_fold"])
    print("before: links kept at score >= t (dev)")
    _kept_lines(report["kept_by_score_before"])
    print("rank: mean probability (in sample) / share right")
    for row in report["probability_by_rank_in_sample"]:
        print(f"  {row['rank']}: {row['mean_probability']} / {row['right']}")
    print("Coursera tag hints on dev courses: rule, hints, right, precision, (right+1)/(n+2)")
    for row in report["hints_dev"]:
        print(f"  {row['rule']:40} {row['hints']:>4} {row['right']:>4} {row['precision']!s:>6} ", end="")
        print(f"{row['smoothed']:>6}")
    titles = report["title_only"]
    print(f"title-only map (dev titles, {titles['links']} links, {titles['links_right']} in gold): ", end="")
    print(f"chosen {titles['chosen']}, {titles['calibration']}")
    for name, row in titles["candidates"].items():
        print(f"  {name:34} {row['log_loss']:>9} {row['brier']:>8} {row['non_monotone_fits']:>6}")
    full = titles["full_text_map_on_titles"]
    print(
        f"  the full-text map on dev titles: log loss {full['log_loss']}, mean p {full['mean_probability']}",
        end="",
    )
    print(f" (base rate {full['base_rate']}); kept at p >= t:")
    _kept_lines(full["kept"])
    print("  the title-only map, out of fold: reliability, kept at p >= t")
    _reliability_lines(titles["reliability_out_of_fold"])
    _kept_lines(titles["kept_out_of_fold"])
    if "test" in report:
        for name, figures in report["test_title_only"].items():
            print(f"TEST titles, {name}: log loss {figures['log_loss']}, Brier {figures['brier']}, ", end="")
            print(f"base rate {figures['base_rate']}")
            _kept_lines(figures["kept"])
        t = report["test"]
        print(f"TEST ({t['courses']} courses, {t['links']} links, base rate {t['base_rate']}): ", end="")
        print(f"log loss {t['log_loss']}, Brier {t['brier']}")
        _reliability_lines(t["reliability"])
        print("  kept at p >= t: t, kept, precision, share of right links kept")
        _kept_lines(t["kept"])
        for row in t["hints"]:
            print(f"  hints {row['rule']:40} {row['hints']:>4} precision {row['precision']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write the fitted map to {OUTPUT}")
    parser.add_argument("--test", action="store_true", help="also measure the map on the test courses, once")
    parser.add_argument("--cache-dir", type=Path, default=ROOT / "cache")
    parser.add_argument("--json", type=Path, default=ROOT / "bench-results" / "link_calibration.json")
    args = parser.parse_args()
    report = measure(cache_dir=args.cache_dir, test=args.test)
    calibration = report.pop("calibration_object")
    from data.catalogue import HINT_RULE

    hint = next(row for row in report["hints_dev"] if row["rule"] == f"shipped: {HINT_RULE}")
    print_report(report, calibration)
    report["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count(), "load": os.getloadavg()}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    if args.write:
        OUTPUT.write_text(json.dumps(shipped(report, hint["smoothed"]), indent=2) + "\n", encoding="utf-8")
        print(f"wrote {OUTPUT}")
    print(f"load {os.getloadavg()[0]:.1f}; wrote {args.json}")


if __name__ == "__main__":
    main()
