"""Measure the skill tagger on the hand-labelled gold set, next to the label-string-match baseline.

Metrics (per course, then averaged over courses):

* precision@k = |top-k predicted ∩ gold| / k  (a course with fewer than k predictions still divides by k);
* recall@k = |top-k predicted ∩ gold| / |gold|.

Manning, Raghavan and Schütze, *Introduction to Information Retrieval* (2008), section 8.4.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from recommender.tagging import LabelMatchBaseline, SkillText, TaggedSkill

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "evaluation" / "tagging_gold.json"
EDX_CSV = ROOT.parent / "shared" / "data" / "courses" / "edx_courses.csv"


class Tagger(Protocol):
    def fit(self, skills: Sequence[SkillText]) -> Any: ...

    def tag(self, texts: Sequence[str]) -> list[list[TaggedSkill]]: ...


@dataclass(frozen=True)
class GoldCourse:
    course_id: str
    title: str
    domain: str
    skills: frozenset[str]


def precision_at_k(predicted: Sequence[str], relevant: frozenset[str] | set[str], k: int) -> float:
    """Share of the first ``k`` predictions that are relevant (divided by ``k`` even if fewer)."""
    if k < 1:
        raise ValueError("k must be at least 1")
    return len(set(predicted[:k]) & relevant) / k


def recall_at_k(predicted: Sequence[str], relevant: frozenset[str] | set[str], k: int) -> float:
    """Share of the relevant items found in the first ``k`` predictions (0 when nothing is relevant)."""
    if not relevant:
        return 0.0
    return len(set(predicted[:k]) & relevant) / len(relevant)


def load_gold(path: Path = GOLD) -> list[GoldCourse]:
    document = json.loads(path.read_text(encoding="utf-8"))
    return [
        GoldCourse(
            item["course_id"], item["title"], item["domain"], frozenset(s["uri"] for s in item["skills"])
        )
        for item in document["courses"]
    ]


def course_texts(ids: Sequence[str], edx_csv: Path = EDX_CSV) -> tuple[dict[str, str], str]:
    """Full texts (title, summary, description, syllabus) from the edX snapshot when present, else the
    vendored title and summary; also say which was used."""
    from data import catalogue
    from data.formats import edx

    wanted = set(ids)
    if edx_csv.is_file():
        found = {c.record.id: c.text for c in edx.read(edx_csv)[0] if c.record.id in wanted}
        source = f"{edx_csv} (title, summary, description, syllabus)"
    else:
        records = catalogue.read_catalogue(catalogue.DEFAULT_CATALOGUE).records
        found = {r.id: r.text() for r in records if r.id in wanted}
        source = f"{catalogue.DEFAULT_CATALOGUE} (title and summary only: ../shared/data is absent)"
    missing = wanted - set(found)
    if missing:
        raise ValueError(f"gold courses missing from the catalogue: {sorted(missing)[:5]}")
    return found, source


def score(predictions: Sequence[Sequence[str]], gold: Sequence[GoldCourse]) -> dict[str, float]:
    """Mean precision@5 and recall@10 overall and per domain."""
    result: dict[str, float] = {}
    groups = {"all": list(range(len(gold)))}
    for domain in sorted({g.domain for g in gold}):
        groups[domain] = [i for i, g in enumerate(gold) if g.domain == domain]
    for name, members in groups.items():
        suffix = "" if name == "all" else f"_{name}"
        result[f"precision_at_5{suffix}"] = round(
            sum(precision_at_k(predictions[i], gold[i].skills, 5) for i in members) / len(members), 4
        )
        result[f"recall_at_10{suffix}"] = round(
            sum(recall_at_k(predictions[i], gold[i].skills, 10) for i in members) / len(members), 4
        )
    return result


def evaluate(
    taggers: dict[str, Tagger], skills: Sequence[SkillText], gold: Sequence[GoldCourse], texts: dict[str, str]
) -> dict[str, Any]:
    """Fit each tagger on ``skills``, tag the gold courses, score; all in one run."""
    ordered = [texts[g.course_id] for g in gold]
    report: dict[str, Any] = {
        "courses": len(gold),
        "gold_skills": sum(len(g.skills) for g in gold),
        "taggers": {},
    }
    for name, tagger in taggers.items():
        started = time.perf_counter()
        tagger.fit(skills)
        predictions = [[t.uri for t in found] for found in tagger.tag(ordered)]
        report["taggers"][name] = {
            **score(predictions, gold),
            "mean_predicted": round(sum(len(p) for p in predictions) / len(predictions), 2),
            "seconds": round(time.perf_counter() - started, 2),
        }
    return report


def run(gold_path: Path = GOLD, edx_csv: Path = EDX_CSV) -> dict[str, Any]:
    """The figures printed by ``upskill evaluate tagging``: the tagger and the baseline on the same texts."""
    from data import catalogue, skill_texts

    gold = load_gold(gold_path)
    texts, source = course_texts([g.course_id for g in gold], edx_csv)
    skills = skill_texts.from_release()
    taggers: dict[str, Tagger] = {
        "tfidf_tagger": catalogue.make_tagger(),
        "label_match_baseline": LabelMatchBaseline(),
    }
    report = evaluate(taggers, skills, gold, texts)
    report["texts"] = source
    report["skills"] = len(skills)
    report["gold_file"] = str(gold_path.relative_to(ROOT) if gold_path.is_relative_to(ROOT) else gold_path)
    return report
