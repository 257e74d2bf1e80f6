"""Benchmark: job titles -> ESCO occupations, matcher and TF-IDF character n-gram baseline side by side.

Run ``OPENBLAS_NUM_THREADS=1 .venv/bin/python -m evaluation.bench_titles``. Prints a table and writes
``bench-results/titles.json``: building the matcher from the occupations and loading its cached state
(``data.text_cache``), its memory, a batch of 10,000 titles (top 10 each) and single titles one at a time
(p50 / p99), with the machine's load. The batch is timed on one thread (wall and CPU time: on a shared
machine the CPU time is the steadier figure) and on one thread per core. Titles are the real vacancy titles
of ``../shared/data/text/job_titles_validation.csv`` when present, else ESCO labels.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from data.text_cache import read_state, write_state
from evaluation.titles import VALIDATION, CharNgramBaseline, _occupations_from_release, read_reference
from recommender.text.titles import TitleMatcher, clean_title

ROOT = Path(__file__).resolve().parents[1]
BATCH = 10_000
SINGLE = 500
TARGET_BATCH_SECONDS = 10.0
TARGET_SINGLE_P99_MS = 20.0


def _nbytes(value: Any, seen: set[int] | None = None) -> int:
    """Bytes held by the numpy arrays and scipy matrices reachable from ``value`` (not Python objects)."""
    seen = seen if seen is not None else set()
    if id(value) in seen:
        return 0
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if sp.issparse(value):
        parts = ("data", "indices", "indptr")
        return sum(_nbytes(getattr(value, a), seen) for a in parts if hasattr(value, a))
    if isinstance(value, dict):
        return sum(_nbytes(v, seen) for v in value.values())
    if isinstance(value, list | tuple):
        return sum(_nbytes(v, seen) for v in value)
    if hasattr(value, "__dict__"):
        return sum(_nbytes(v, seen) for v in vars(value).values())
    return 0


def _titles() -> tuple[list[str], str]:
    if VALIDATION.is_file():
        titles = [row.title for row in read_reference(VALIDATION)]
        return (titles * (BATCH // len(titles) + 1))[:BATCH], f"{VALIDATION.name} (real vacancy titles)"
    return [], "none"


def run() -> dict[str, Any]:
    load_before = os.getloadavg()
    occupations = _occupations_from_release()
    tracemalloc.start()
    probe = TitleMatcher(occupations)  # built once under tracemalloc: what it keeps, Python objects too
    gc.collect()
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del probe
    started = time.perf_counter()
    matcher = TitleMatcher(occupations)
    build_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:  # what a process loads from the cache (data.text_cache)
        write_state(Path(folder) / "titles", *matcher.state())
        started = time.perf_counter()
        TitleMatcher.from_state(*read_state(Path(folder) / "titles"))
        cached_seconds = time.perf_counter() - started
    titles, source = _titles()
    if not titles:
        titles = [label for o in occupations for label, _ in o.labels][:BATCH]
        source = "ESCO labels (../shared/data is absent)"
    threads = os.cpu_count() or 1
    matcher.match_many(titles[:256], k=10)  # warm up
    clean_title.cache_clear()  # every title of the batch is cleaned as if new
    started, cpu_started = time.perf_counter(), time.process_time()
    results = matcher.match_many(titles, k=10)
    batch_seconds, batch_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    assert len(results) == len(titles)
    clean_title.cache_clear()
    started = time.perf_counter()
    threaded = matcher.match_many(titles, k=10, threads=threads)
    threaded_seconds = time.perf_counter() - started
    assert threaded == results

    baseline = CharNgramBaseline(occupations)
    started = time.perf_counter()
    for start in range(0, len(titles), 512):
        scores = baseline.scores(titles[start : start + 512])
        np.argpartition(-scores, 9, axis=1)[:, :10]
    baseline_seconds = time.perf_counter() - started

    singles = []
    clean_title.cache_clear()
    for title in titles[:SINGLE]:
        started = time.perf_counter()
        matcher.match(title, k=10)
        singles.append((time.perf_counter() - started) * 1000)
    return {
        "titles": source,
        "occupations": len(matcher),
        "build_seconds": round(build_seconds, 2),
        "load_cached_seconds": round(cached_seconds, 2),
        "matcher_array_mb": round(_nbytes(matcher) / 2**20, 1),
        "matcher_traced_mb": round(held / 2**20, 1),
        "batch": {
            "titles": len(titles),
            "matcher_seconds": round(batch_seconds, 2),
            "matcher_cpu_seconds": round(batch_cpu, 2),
            "threads": threads,
            "matcher_threaded_seconds": round(threaded_seconds, 2),
            "baseline_seconds": round(baseline_seconds, 2),
            "target_seconds": TARGET_BATCH_SECONDS,
        },
        "single": {
            "titles": SINGLE,
            "p50_ms": round(float(np.percentile(singles, 50)), 2),
            "p99_ms": round(float(np.percentile(singles, 99)), 2),
            "target_p99_ms": TARGET_SINGLE_P99_MS,
        },
        "load_average": {"before": [round(v, 2) for v in load_before], "after": list(os.getloadavg())},
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "numpy": np.__version__,
            "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
        },
    }


def main() -> None:
    report = run()
    batch, single = report["batch"], report["single"]
    print(f"Job titles -> {report['occupations']:,} ESCO occupations ({report['titles']})")
    print(f"load average before {report['load_average']['before']}, after {report['load_average']['after']}")
    print(f"{'measure':<38}{'matcher':>12}{'baseline':>12}{'target':>10}")
    print(f"{'build from occupations (s)':<38}{report['build_seconds']:>12.2f}{'':>12}{'':>10}")
    print(f"{'load its cached state (s)':<38}{report['load_cached_seconds']:>12.2f}{'':>12}{'':>10}")
    print(f"{'arrays of the loaded matcher (MB)':<38}{report['matcher_array_mb']:>12.1f}{'':>12}{'':>10}")
    print(f"{'all memory it holds, traced (MB)':<38}{report['matcher_traced_mb']:>12.1f}{'':>12}{'':>10}")
    batch_label = f"batch of {batch['titles']:,} titles, top 10 (s)"
    print(
        f"{batch_label:<38}{batch['matcher_seconds']:>12.2f}"
        f"{batch['baseline_seconds']:>12.2f}{batch['target_seconds']:>10.0f}"
    )
    print(f"{'  its CPU time (s)':<38}{batch['matcher_cpu_seconds']:>12.2f}{'':>12}{'':>10}")
    threaded_label = f"  the same on {batch['threads']} threads (s)"
    print(
        f"{threaded_label:<38}{batch['matcher_threaded_seconds']:>12.2f}{'':>12}{batch['target_seconds']:>10.0f}"
    )
    print(f"{'single title p50 (ms)':<38}{single['p50_ms']:>12.2f}{'':>12}{'':>10}")
    print(f"{'single title p99 (ms)':<38}{single['p99_ms']:>12.2f}{'':>12}{single['target_p99_ms']:>10.0f}")
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    path = out / "titles.json"
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"written {path}")


if __name__ == "__main__":
    main()
