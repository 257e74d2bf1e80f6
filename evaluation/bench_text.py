"""Benchmark: free text -> ESCO, side by side with the baselines in one process.

Run ``OPENBLAS_NUM_THREADS=1 .venv/bin/python -m evaluation.bench_text`` (both sections: every target of
issue 13's performance section, each said met or not on wall and on CPU time). Prints a table and writes
``bench-results/text.json``. Sections (``--only skills`` or ``--only titles``; both by default):

* ``skills``: fit the skill extractor on all ESCO skills (the load of ``upskill skills extract``), then
  extract the best 20 skills with evidence from every course of the edX catalogue (full texts when
  ``../shared/data`` is present, else the vendored titles and summaries); the course tagger does what the
  catalogue import does (best 10 above its threshold); the TF-IDF label baseline of
  ``evaluation.extraction`` ranks all skills and keeps 20, without evidence; the label-match baseline of
  ``upskill evaluate tagging`` finds whole labels. Target: the extractor's fit and catalogue in <= 30 s.
  Memory: the Python allocations a fitted model keeps (tracemalloc, measured on a separate fit).
* ``titles``: job titles -> ESCO occupations, :mod:`evaluation.bench_titles` (its own table and
  ``bench-results/titles.json``).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import sklearn

from data import catalogue, skill_texts
from data.formats import edx
from evaluation.extraction import LabelTfidfBaseline
from evaluation.tagging import EDX_CSV, ROOT
from recommender.tagging import LabelMatchBaseline
from recommender.text.skills import SkillExtractor, SkillText, top_indices

CATALOGUE_TARGET_SECONDS = 30.0
K = 20


def _catalogue_texts() -> tuple[list[str], str]:
    if EDX_CSV.is_file():
        return [course.text for course in edx.read(EDX_CSV)[0]], "edX snapshot, full texts"
    records = catalogue.read_catalogue(catalogue.DEFAULT_CATALOGUE).records
    return [record.text() for record in records], "vendored titles and summaries"


def _retained_mib(make: Callable[[], Any]) -> float:
    """MiB of Python allocations still held by the object ``make()`` returns (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = make()
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del kept
    return round((after - before) / 2**20, 1)


def _ranked(model: LabelTfidfBaseline, texts: list[str]) -> int:
    """Rank all skills for every text and keep the best ``K`` (what the baseline has to do); count them."""
    found = 0
    for start in range(0, len(texts), 256):
        for row in model.score(texts[start : start + 256]):
            found += int((row[top_indices(row, K)] > 0).sum())
    return found


# Each ranker: how to build it, and what it does with the catalogue (returns the skills it found).
RANKERS: dict[str, tuple[Callable[[], Any], Callable[[Any, list[str]], int]]] = {
    "extractor": (SkillExtractor, lambda m, texts: sum(len(row) for row in m.extract(texts, k=K))),
    # the import's tagger, its ESCO label vectors read from the project's cache folder once computed there
    "skill_tagger (import)": (
        partial(catalogue.make_tagger, ROOT / "cache"),
        lambda m, texts: sum(len(row) for row in m.tag(texts)),
    ),
    "tfidf_label_baseline": (LabelTfidfBaseline, _ranked),
    "label_match_baseline": (LabelMatchBaseline, lambda m, texts: sum(len(row) for row in m.tag(texts))),
}


def _fitted(make: Callable[[], Any], skills: list[SkillText]) -> Any:
    return make().fit(skills)


def bench_skills(skills: list[SkillText], repeats: int) -> dict[str, Any]:
    texts, source = _catalogue_texts()
    results: dict[str, Any] = {}
    for name, (make, work) in RANKERS.items():
        fits, runs, cpu, found = [], [], [], 0
        for _ in range(repeats):
            started, cpu_started = time.perf_counter(), time.process_time()
            model = make().fit(skills)
            fitted = time.perf_counter()
            found = work(model, texts)
            fits.append(fitted - started)
            runs.append(time.perf_counter() - fitted)
            cpu.append(time.process_time() - cpu_started)
        results[name] = {
            "fit_seconds": round(float(np.median(fits)), 2),
            "catalogue_seconds": round(float(np.median(runs)), 2),
            "fit_and_catalogue_cpu_seconds": round(float(np.median(cpu)), 2),
            "ms_per_course": round(1000 * float(np.median(runs)) / len(texts), 2),
            "skills_per_course": round(found / len(texts), 2),
            "retained_mib": _retained_mib(partial(_fitted, make, skills)),
        }
    return {
        "courses": len(texts),
        "texts": source,
        "skills": len(skills),
        "k": K,
        "target_seconds": CATALOGUE_TARGET_SECONDS,
        "results": results,
    }


def run(sections: list[str], repeats: int = 3) -> dict[str, Any]:
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    skills = skill_texts.from_release()
    report: dict[str, Any] = {"repeats": repeats, "load_average_at_start": load_at_start, "sections": {}}
    if "skills" in sections:
        report["sections"]["skills"] = bench_skills(skills, repeats)
    report["load_average"] = [round(x, 2) for x in os.getloadavg()]
    report["machine"] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "scikit_learn": sklearn.__version__,
        "numpy": np.__version__,
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
    }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", action="append", choices=["skills", "titles"], help="run only these sections"
    )
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sections = args.only or ["skills", "titles"]
    if "titles" in sections:
        from evaluation import bench_titles

        bench_titles.main([])
        if sections == ["titles"]:
            return
    report = run([s for s in sections if s != "titles"], args.repeats)
    load_1, load_5, load_15 = report["load_average"]
    skills = report["sections"].get("skills")
    if skills:
        print(
            f"Skills: {skills['courses']} courses ({skills['texts']}) x {skills['skills']} ESCO skills, "
            f"top {skills['k']}, median of {report['repeats']} runs"
        )
        print(
            f"{'ranker':<22}{'fit s':>8}{'catalogue s':>13}{'both CPU s':>12}{'ms/course':>11}"
            f"{'skills/course':>15}{'MiB':>8}"
        )
        for name, f in skills["results"].items():
            print(
                f"{name:<22}{f['fit_seconds']:>8.2f}{f['catalogue_seconds']:>13.2f}"
                f"{f['fit_and_catalogue_cpu_seconds']:>12.2f}{f['ms_per_course']:>11.2f}"
                f"{f['skills_per_course']:>15.2f}{f['retained_mib']:>8.1f}"
            )
        ours = skills["results"]["extractor"]
        total, target = ours["fit_seconds"] + ours["catalogue_seconds"], skills["target_seconds"]
        total_cpu = ours["fit_and_catalogue_cpu_seconds"]
        print(
            f"extractor fit + catalogue {total:.2f} s wall ({'met' if total <= target else 'NOT met'}), "
            f"{total_cpu:.2f} s CPU ({'met' if total_cpu <= target else 'NOT met'}): target {target:.0f} s"
        )
    print(
        f"load average (1 / 5 / 15 min) at start {report['load_average_at_start']}, at end "
        f"{[load_1, load_5, load_15]}, on {report['machine']['cpus']} cpus"
    )
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    path = out / "text.json"
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"written {path}")


if __name__ == "__main__":
    main()
