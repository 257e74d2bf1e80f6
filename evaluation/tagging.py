"""Measure the skill tagger on the hand-labelled gold set, next to the label-string-match baseline.

The gold set is split into ``dev`` (settings of the tagger are chosen on it) and ``test`` (measured, never
tuned on); figures are reported for each part and for all courses. Metrics (per course, then averaged over
courses):

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

from recommender.tagging import (
    MIN_ENGLISH_SHARE,
    LabelMatchBaseline,
    SkillText,
    TaggedSkill,
    english_share,
)

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "evaluation" / "tagging_gold.json"
EDX_CSV = ROOT.parent / "shared" / "data" / "courses" / "edx_courses.csv"
COURSERA_CSV = ROOT.parent / "shared" / "data" / "courses" / "coursera_courses.csv"
SPLITS = ("dev", "test")


class Tagger(Protocol):
    def fit(self, skills: Sequence[SkillText]) -> Any: ...

    def tag(self, texts: Sequence[str]) -> list[list[TaggedSkill]]: ...


@dataclass(frozen=True)
class GoldCourse:
    course_id: str
    title: str
    domain: str
    skills: frozenset[str]
    split: str = "dev"


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
    gold = [
        GoldCourse(
            item["course_id"],
            item["title"],
            item["domain"],
            frozenset(s["uri"] for s in item["skills"]),
            item.get("split", "dev"),
        )
        for item in document["courses"]
    ]
    wrong = [g.course_id for g in gold if g.split not in SPLITS]
    if wrong:
        raise ValueError(f"{path}: split must be one of {', '.join(SPLITS)} (courses {wrong[:5]})")
    return gold


def coursera_texts(path: Path = COURSERA_CSV) -> dict[str, str]:
    """Title, summary and description of each Coursera course, by ``coursera-<slug of its URL>``."""
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {
        "coursera-" + row["course_url"].rstrip("/").rsplit("/", 1)[-1]: "\n".join(
            part
            for part in (row["course_title"], _listed(row["course_summary"]), row["course_description"])
            if part
        )
        for row in rows
    }


def _listed(value: str) -> str:
    """Coursera stores lists as Python literals ("['a', 'b']"): their items, one per line."""
    import ast

    try:
        items = ast.literal_eval(value) if value.strip().startswith("[") else [value]
    except (SyntaxError, ValueError):
        items = [value]
    return "\n".join(str(item).strip() for item in items if str(item).strip())


def course_texts(ids: Sequence[str], edx_csv: Path = EDX_CSV) -> tuple[dict[str, str], str]:
    """Full texts (title, summary, description, syllabus) from the edX snapshot when present, else the
    vendored title and summary; also say which was used."""
    from data import catalogue
    from data.formats import edx

    wanted = {i for i in ids if not i.startswith("coursera-")}
    coursera = set(ids) - wanted
    extra: dict[str, str] = {}
    if coursera:
        if not COURSERA_CSV.is_file():
            raise ValueError(f"gold courses from Coursera need {COURSERA_CSV}, which is absent")
        extra = {i: text for i, text in coursera_texts().items() if i in coursera}
        if coursera - set(extra):
            raise ValueError(
                f"gold courses missing from the Coursera catalogue: {sorted(coursera - set(extra))[:5]}"
            )
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
    if extra:
        source += f"; {COURSERA_CSV.name} (title, summary, description)"
    return {**found, **extra}, source


INDEPENDENT_MIN_SKILLS = 3


def _label_key(label: str) -> str:
    """Lower case, parenthesised qualifiers and punctuation dropped: "Data Visualization (DataViz)" ->
    "data visualization"."""
    import re

    return " ".join(re.findall(r"[a-z0-9+#]+", re.sub(r"\([^)]*\)", " ", label.lower())))


def coursera_reference(
    skills: Sequence[SkillText], path: Path = COURSERA_CSV, exclude: set[str] | frozenset[str] = frozenset()
) -> tuple[list[GoldCourse], dict[str, Any]]:
    """An independent weak reference: Coursera's own skill tags mapped to ESCO by exact label.

    A tag maps to the ESCO skills one of whose labels (preferred or alternative) equals it, both compared
    lower-cased without parenthesised qualifiers and punctuation ("Project Management" -> "project
    management"). Tags that match no label are dropped, so the reference is incomplete: it measures
    precision against what Coursera says, not against everything a course teaches. Courses with fewer than
    ``INDEPENDENT_MIN_SKILLS`` mapped skills, not in English, or in ``exclude`` (the hand-labelled gold
    courses) are left out. Nobody tuned on it.
    """
    import ast
    import csv

    by_label: dict[str, set[str]] = {}
    for skill in skills:
        for label in (skill.preferred_label, *skill.alt_labels):
            key = _label_key(label)
            if key:
                by_label.setdefault(key, set()).add(skill.uri)
    texts = coursera_texts(path)
    courses: list[GoldCourse] = []
    tags_seen = tags_mapped = 0
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            course_id = "coursera-" + row["course_url"].rstrip("/").rsplit("/", 1)[-1]
            try:
                tags = {str(tag) for tag in ast.literal_eval(row["course_skills"] or "[]")}
            except (SyntaxError, ValueError):
                tags = set()
            mapped: set[str] = set()
            for tag in tags:
                tags_seen += 1
                found = by_label.get(_label_key(tag), set())
                tags_mapped += bool(found)
                mapped |= found
            if course_id in exclude or len(mapped) < INDEPENDENT_MIN_SKILLS:
                continue
            if english_share(texts[course_id]) < MIN_ENGLISH_SHARE:
                continue
            courses.append(
                GoldCourse(course_id, row["course_title"], "coursera-tags", frozenset(mapped), "test")
            )
    summary = {
        "source": f"{path.name}: course_skills (Coursera's tags) mapped to ESCO by exact label",
        "courses": len(courses),
        "tags_seen": tags_seen,
        "tags_mapped": tags_mapped,
        "mean_reference_skills": round(sum(len(c.skills) for c in courses) / max(len(courses), 1), 2),
    }
    return courses, {**summary, "texts": {c.course_id: texts[c.course_id] for c in courses}}


def score(predictions: Sequence[Sequence[str]], gold: Sequence[GoldCourse]) -> dict[str, float]:
    """Mean precision@5 and recall@10 overall, per split (``dev``, ``test``) and per domain."""
    result: dict[str, float] = {}
    groups = {"all": list(range(len(gold)))}
    for split in SPLITS:
        groups[split] = [i for i, g in enumerate(gold) if g.split == split]
    for domain in sorted({g.domain for g in gold}):
        groups[domain] = [i for i, g in enumerate(gold) if g.domain == domain]
    for name, members in groups.items():
        if not members:
            continue
        suffix = "" if name == "all" else f"_{name}"
        result[f"precision_at_5{suffix}"] = round(
            sum(precision_at_k(predictions[i], gold[i].skills, 5) for i in members) / len(members), 4
        )
        result[f"recall_at_10{suffix}"] = round(
            sum(recall_at_k(predictions[i], gold[i].skills, 10) for i in members) / len(members), 4
        )
    return result


def evaluate(
    taggers: dict[str, Tagger],
    skills: Sequence[SkillText],
    gold: Sequence[GoldCourse],
    texts: dict[str, str],
    independent: Sequence[GoldCourse] = (),
) -> dict[str, Any]:
    """Fit each tagger on ``skills``, tag the gold courses (and the ``independent`` reference's, whose texts
    are in ``texts`` too), score; all in one run."""
    ordered = [texts[g.course_id] for g in gold]
    report: dict[str, Any] = {
        "courses": len(gold),
        "courses_per_split": {split: sum(g.split == split for g in gold) for split in SPLITS},
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
        if independent:
            found = [[t.uri for t in row] for row in tagger.tag([texts[g.course_id] for g in independent])]
            figures = score(found, independent)
            report["taggers"][name]["independent"] = {
                "precision_at_5": figures["precision_at_5"],
                "recall_at_10": figures["recall_at_10"],
            }
    return report


def run(gold_path: Path = GOLD, edx_csv: Path = EDX_CSV, *, cache_dir: Path | None = None) -> dict[str, Any]:
    """The figures printed by ``upskill evaluate tagging``: the tagger and the baseline on the same texts
    (the tagger's ESCO label vectors kept in ``cache_dir``)."""
    from data import catalogue, skill_texts

    gold = load_gold(gold_path)
    texts, source = course_texts([g.course_id for g in gold], edx_csv)
    skills = skill_texts.from_release()
    taggers: dict[str, Tagger] = {
        "skill_tagger": catalogue.make_tagger(cache_dir),
        "label_match_baseline": LabelMatchBaseline(),
    }
    independent: list[GoldCourse] = []
    if COURSERA_CSV.is_file():
        independent, info = coursera_reference(skills, exclude={g.course_id for g in gold})
        texts = {**texts, **info.pop("texts")}
        reference = info
    else:
        reference = {"source": f"skipped: {COURSERA_CSV} is absent"}
    report = evaluate(taggers, skills, gold, texts, independent)
    report["independent_reference"] = reference
    report["texts"] = source
    report["skills"] = len(skills)
    report["gold_file"] = str(gold_path.relative_to(ROOT) if gold_path.is_relative_to(ROOT) else gold_path)
    return report
