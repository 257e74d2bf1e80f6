"""Benchmark: job titles -> ESCO occupations, matcher and TF-IDF character n-gram baseline side by side.

Run ``OPENBLAS_NUM_THREADS=1 .venv/bin/python -m evaluation.bench_titles``. Prints a table and writes
``bench-results/titles.json``: building the matcher from the occupations and loading its cached state
(``data.text_cache``), its memory, a batch of 10,000 titles (top 10 each) and single titles one at a time
(p50 / p99), with the machine's load at start and end. The batch is timed in one process and in two forked
processes over its two halves (``match_in_processes``, joined in input order and checked equal to the
one-process answer); every time is given as wall and CPU time (on a shared machine the CPU time is the
steadier figure: for the split batch, the slowest process's plus the parent's, a bound on its wall time on a
quiet machine with a core per process), and each target is said met or not on both. Titles are the real
vacancy titles of ``../shared/data/text/job_titles_validation.csv`` when present, else ESCO labels.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from data.text_cache import read_state, write_state
from evaluation.titles import VALIDATION, CharNgramBaseline, _occupations_from_release, read_reference
from recommender.text.titles import TitleMatcher, clean_title, match_in_processes_timed

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


def _verdict(seconds: float, target: float) -> str:
    return "met" if seconds <= target else "NOT met"


def run(processes: int = 2) -> dict[str, Any]:
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
    matcher.match_many(titles[:256], k=10)  # warm up
    clean_title.cache_clear()  # every title of the batch is cleaned as if new
    started, cpu_started = time.perf_counter(), time.process_time()
    results = matcher.match_many(titles, k=10)
    batch_seconds, batch_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    assert len(results) == len(titles)
    # the same batch in `processes` forked processes over contiguous slices, joined in input order; the
    # forked workers start with this process's cache of cleaned titles: empty it first
    clean_title.cache_clear()
    started, cpu_started = time.perf_counter(), time.process_time()
    split, split_cpu = match_in_processes_timed(matcher, titles, k=10, processes=processes)
    split_seconds, parent_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    assert split == results, "the batch over processes differs from the batch in one process"

    baseline = CharNgramBaseline(occupations)
    started = time.perf_counter()
    for start in range(0, len(titles), 512):
        scores = baseline.scores(titles[start : start + 512])
        np.argpartition(-scores, 9, axis=1)[:, :10]
    baseline_seconds = time.perf_counter() - started

    singles, singles_cpu = [], []
    clean_title.cache_clear()
    for title in titles[:SINGLE]:
        started, cpu_started = time.perf_counter(), time.process_time()
        matcher.match(title, k=10)
        singles_cpu.append((time.process_time() - cpu_started) * 1000)
        singles.append((time.perf_counter() - started) * 1000)
    # on a quiet machine with a core per process, the wall time of the split batch is at most its slowest
    # process's CPU time plus this process's (forking, reading the answers back and joining them)
    split_critical_cpu = (max(split_cpu) if split_cpu else 0.0) + parent_cpu
    single_p99, single_p99_cpu = float(np.percentile(singles, 99)), float(np.percentile(singles_cpu, 99))
    return {
        "titles": source,
        "occupations": len(matcher),
        "build_seconds": round(build_seconds, 2),
        "load_cached_seconds": round(cached_seconds, 2),
        "matcher_array_mb": round(_nbytes(matcher) / 2**20, 1),
        "matcher_traced_mb": round(held / 2**20, 1),
        "process_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "batch": {
            "titles": len(titles),
            "matcher_seconds": round(batch_seconds, 2),
            "matcher_cpu_seconds": round(batch_cpu, 2),
            "processes": processes,
            "matcher_processes_seconds": round(split_seconds, 2),
            "matcher_processes_cpu_seconds": [round(v, 2) for v in split_cpu],
            "matcher_processes_parent_cpu_seconds": round(parent_cpu, 2),
            "matcher_processes_critical_cpu_seconds": round(split_critical_cpu, 2),
            "baseline_seconds": round(baseline_seconds, 2),
            "target_seconds": TARGET_BATCH_SECONDS,
            "target_met_wall": split_seconds <= TARGET_BATCH_SECONDS,
            "target_met_cpu": split_critical_cpu <= TARGET_BATCH_SECONDS,
        },
        "single": {
            "titles": SINGLE,
            "p50_ms": round(float(np.percentile(singles, 50)), 2),
            "p99_ms": round(single_p99, 2),
            "p50_cpu_ms": round(float(np.percentile(singles_cpu, 50)), 2),
            "p99_cpu_ms": round(single_p99_cpu, 2),
            "target_p99_ms": TARGET_SINGLE_P99_MS,
            "target_met_wall": single_p99 <= TARGET_SINGLE_P99_MS,
            "target_met_cpu": single_p99_cpu <= TARGET_SINGLE_P99_MS,
        },
        "load_average": {
            "before": [round(v, 2) for v in load_before],
            "after": [round(v, 2) for v in os.getloadavg()],
        },
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "numpy": np.__version__,
            "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=2, help="processes of the split batch (default 2)")
    args = parser.parse_args(argv)
    report = run(args.processes)
    batch, single = report["batch"], report["single"]
    print(f"Job titles -> {report['occupations']:,} ESCO occupations ({report['titles']})")
    print(
        f"load average (1 / 5 / 15 min) at start {report['load_average']['before']}, at end "
        f"{report['load_average']['after']}, on {report['machine']['cpus']} cpus"
    )
    print(f"{'measure':<44}{'wall':>9}{'CPU':>9}{'baseline':>10}{'target':>8}  met (wall / CPU)")
    print(f"{'build from occupations (s)':<44}{report['build_seconds']:>9.2f}")
    print(f"{'load its cached state (s)':<44}{report['load_cached_seconds']:>9.2f}")
    print(f"{'arrays of the loaded matcher (MB)':<44}{report['matcher_array_mb']:>9.1f}")
    print(f"{'all memory it holds, traced (MB)':<44}{report['matcher_traced_mb']:>9.1f}")
    print(f"{'peak RSS of this benchmark process (MB)':<44}{report['process_peak_rss_mb']:>9.1f}")
    one = f"batch of {batch['titles']:,} titles, top 10, 1 process (s)"
    print(
        f"{one:<44}{batch['matcher_seconds']:>9.2f}{batch['matcher_cpu_seconds']:>9.2f}"
        f"{batch['baseline_seconds']:>10.2f}"
    )
    split = f"  the same in {batch['processes']} processes (s)"
    print(
        f"{split:<44}{batch['matcher_processes_seconds']:>9.2f}"
        f"{batch['matcher_processes_critical_cpu_seconds']:>9.2f}{'':>10}{batch['target_seconds']:>8.0f}"
        f"  {_verdict(batch['matcher_processes_seconds'], batch['target_seconds'])} / "
        f"{_verdict(batch['matcher_processes_critical_cpu_seconds'], batch['target_seconds'])}"
    )
    print(
        f"    (CPU: the slowest process's plus the parent's; each process "
        f"{batch['matcher_processes_cpu_seconds']}, parent {batch['matcher_processes_parent_cpu_seconds']})"
    )
    print(f"{'single title p50 (ms)':<44}{single['p50_ms']:>9.2f}{single['p50_cpu_ms']:>9.2f}")
    print(
        f"{'single title p99 (ms)':<44}{single['p99_ms']:>9.2f}{single['p99_cpu_ms']:>9.2f}{'':>10}"
        f"{single['target_p99_ms']:>8.0f}  {_verdict(single['p99_ms'], single['target_p99_ms'])} / "
        f"{_verdict(single['p99_cpu_ms'], single['target_p99_ms'])}"
    )
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    path = out / "titles.json"
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"written {path}")


if __name__ == "__main__":
    main()
