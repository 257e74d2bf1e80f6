"""Benchmark: tag every edX course against every ESCO skill, tagger and label-match baseline side by side.

Run ``OPENBLAS_NUM_THREADS=1 .venv/bin/python -m evaluation.bench_tagging``. Prints a table and writes
``bench-results/tagging.json``. Texts are the full edX texts (title, summary, description, syllabus) when
``../shared/data`` is present, else the vendored titles and summaries.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import sklearn

from data import catalogue, skill_texts
from data.formats import edx
from evaluation.tagging import EDX_CSV, ROOT
from recommender.tagging import LabelMatchBaseline

TARGET_SECONDS = 30.0


def _texts() -> tuple[list[str], str]:
    if EDX_CSV.is_file():
        return [course.text for course in edx.read(EDX_CSV)[0]], "edX snapshot, full texts"
    records = catalogue.read_catalogue(catalogue.DEFAULT_CATALOGUE).records
    return [record.text() for record in records], "vendored titles and summaries"


def run(repeats: int = 3) -> dict[str, Any]:
    skills = skill_texts.from_release()
    texts, source = _texts()
    results: dict[str, Any] = {}
    for name, make in (("skill_tagger", catalogue.make_tagger), ("label_match_baseline", LabelMatchBaseline)):
        fits, tags, found = [], [], 0
        for _ in range(repeats):
            started = time.perf_counter()
            tagger = make().fit(skills)
            fitted = time.perf_counter()
            output = tagger.tag(texts)
            done = time.perf_counter()
            fits.append(fitted - started)
            tags.append(done - fitted)
            found = sum(len(row) for row in output)
        results[name] = {
            "fit_seconds": round(float(np.median(fits)), 2),
            "tag_seconds": round(float(np.median(tags)), 2),
            "total_seconds": round(float(np.median(np.add(fits, tags))), 2),
            "skills_per_course": round(found / len(texts), 2),
        }
    return {
        "courses": len(texts),
        "skills": len(skills),
        "texts": source,
        "repeats": repeats,
        "target_seconds": TARGET_SECONDS,
        "results": results,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "scikit_learn": sklearn.__version__,
            "numpy": np.__version__,
            "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
        },
    }


def main() -> None:
    report = run()
    print(f"Tagging {report['courses']} courses against {report['skills']} ESCO skills ({report['texts']})")
    print(f"{'tagger':<22}{'fit s':>8}{'tag s':>8}{'total s':>9}{'skills/course':>15}")
    for name, figures in report["results"].items():
        print(
            f"{name:<22}{figures['fit_seconds']:>8.2f}{figures['tag_seconds']:>8.2f}"
            f"{figures['total_seconds']:>9.2f}{figures['skills_per_course']:>15.2f}"
        )
    total = report["results"]["skill_tagger"]["total_seconds"]
    verdict = "within" if total <= TARGET_SECONDS else "OVER"
    print(
        f"tagger total {total:.2f} s: {verdict} the {TARGET_SECONDS:.0f} s target "
        f"(median of {report['repeats']} runs)"
    )
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    path = out / "tagging.json"
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"written {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")


if __name__ == "__main__":
    main()
