"""Benchmark: the ``upskill`` command line as whole processes, next to ``python -c pass``, in one run.

Targets (issue 10): ``upskill --help`` <= 0.5 s; ``upskill gap`` and ``upskill plan`` (scenario 1 of
../shared/SCENARIOS.md) <= 1.5 s of wall time each. Every command runs ``--repeat`` times, interleaved with
the others (so a burst of load on this shared machine hits all of them alike); the table shows the median
and the spread of wall time and the CPU time (user + system) each process used, which depends far less on
the load than wall time. ``gap (cold cache)`` runs with an empty graph cache: what the first command after
a change to the taxonomy, catalogue or badges pays once.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python -m evaluation.bench_cli [--repeat 7]

Needs a database loaded by ``make run`` (UPSKILL_DATABASE_URL). Prints a table, writes
bench-results/cli.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

KATRIN = ["--from", "diesel engine mechanic", "--to", "automotive battery technician"]
PLAN = [
    "plan",
    *KATRIN,
    "--budget",
    "1500",
    "--currency",
    "EUR",
    "--rate",
    "USD=1",
    "--hours-per-week",
    "6",
    "--start",
    "2027-01-04",
    "--deadline",
    "2027-10-03",
    "--language",
    "en",
    "--language",
    "de",
    "--delivery-mode",
    "online",
    "--delivery-mode",
    "blended",
    "--region",
    "DE11",
    "--json",
]
TARGETS_S = {"upskill --help": 0.5, "upskill gap": 1.5, "upskill plan": 1.5}


def run_process(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one process; fail loudly when it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("bench-results/cli.json"))
    args = parser.parse_args()

    upskill = str(Path(sys.executable).parent / "upskill")
    env = dict(os.environ)
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "upskill --help": [upskill, "--help"],
        "upskill gap": [upskill, "gap", *KATRIN, "--json"],
        "upskill plan": [upskill, *PLAN],
    }
    run_process(commands["upskill gap"], env)  # make sure the graph cache holds this database's graph
    with tempfile.TemporaryDirectory() as empty:
        cold = run_process(commands["upskill gap"], {**env, "UPSKILL_CACHE_DIR": empty})

    load_before = os.getloadavg()
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(args.repeat):
        for name, argv in commands.items():
            samples[name].append(run_process(argv, env))
    load_after = os.getloadavg()

    rows: dict[str, dict[str, Any]] = {}
    for name, runs in samples.items():
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        rows[name] = {
            "wall_median_s": statistics.median(walls),
            "wall_min_s": min(walls),
            "wall_max_s": max(walls),
            "cpu_median_s": statistics.median(cpus),
            "target_s": TARGETS_S.get(name),
        }
    rows["upskill gap (cold cache)"] = {
        "wall_median_s": cold[0],
        "wall_min_s": cold[0],
        "wall_max_s": cold[0],
        "cpu_median_s": cold[1],
        "target_s": None,
    }

    print(f"{'command':<26}{'wall p50':>10}{'min':>8}{'max':>8}{'CPU p50':>10}{'target':>9}  met")
    for name, row in rows.items():
        target = row["target_s"]
        met = "" if target is None else ("yes" if row["wall_median_s"] <= target else "no")
        shown = "" if target is None else f"{target:.1f}"
        print(
            f"{name:<26}{row['wall_median_s']:>9.2f}s{row['wall_min_s']:>7.2f}s{row['wall_max_s']:>7.2f}s"
            f"{row['cpu_median_s']:>9.2f}s{shown:>9}  {met}"
        )
    print(
        f"load average (1, 5, 15 min) before {load_before}, after {load_after} on {os.cpu_count()} CPUs; "
        f"{args.repeat} runs each, interleaved"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "commands": {name: " ".join(argv) for name, argv in commands.items()},
                "results": rows,
                "repeat": args.repeat,
                "load_average_before": load_before,
                "load_average_after": load_after,
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "machine": platform.platform(),
            },
            indent=2,
        )
    )
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
