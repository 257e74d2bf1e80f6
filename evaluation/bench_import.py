"""Benchmark: full ESCO v1.1.1 import into SQLite and into PostgreSQL, side by side.

Each import runs in a fresh child process on an empty, migrated database, so that its peak resident memory
is its own. Targets (issue 2): SQLite <= 30 s, PostgreSQL <= 60 s, peak memory <= 600 MB.

    .venv/bin/python -m evaluation.bench_import [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Prints a table and writes bench-results/import.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import text

from data.db import make_engine, migrate, transaction
from data.esco_import import import_esco

TARGETS = {"sqlite": 30.0, "postgresql": 60.0}
MEMORY_TARGET_MB = 600.0


def _child(url: str, schema: str | None) -> None:
    """Migrate and import into ``url``; print one JSON line with seconds and peak RSS."""
    kwargs = {"connect_args": {"options": f"-csearch_path={schema}"}} if schema else {}
    engine = make_engine(url, **kwargs)
    migrate(engine)
    started = time.perf_counter()
    with transaction(engine) as session:
        report = import_esco(db_session=session)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "rows": sum(report.counts.values())}))


def _run_child(url: str, schema: str | None = None) -> dict[str, float]:
    args = [sys.executable, "-m", "evaluation.bench_import", "--child", url]
    if schema:
        args += ["--schema", schema]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-url", default=os.environ.get("UPSKILL_TEST_POSTGRES_URL"))
    parser.add_argument("--child")
    parser.add_argument("--schema")
    parser.add_argument("--out", default="bench-results/import.json")
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.schema)
        return

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = _run_child(f"sqlite:///{Path(tmp) / 'bench.db'}")
    if args.postgres_url:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = make_engine(args.postgres_url)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        try:
            results["postgresql"] = _run_child(args.postgres_url, schema)
        finally:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    else:
        print("PostgreSQL skipped: pass --postgres-url or set UPSKILL_TEST_POSTGRES_URL")

    print(f"{'backend':<12}{'seconds':>9}{'target s':>10}{'peak MB':>9}{'target MB':>11}{'rows':>9}  verdict")
    for backend, r in results.items():
        ok = r["seconds"] <= TARGETS[backend] and r["peak_mb"] <= MEMORY_TARGET_MB
        print(
            f"{backend:<12}{r['seconds']:>9.2f}{TARGETS[backend]:>10.0f}{r['peak_mb']:>9.0f}"
            f"{MEMORY_TARGET_MB:>11.0f}{r['rows']:>9,.0f}  {'ok' if ok else 'MISSED'}"
        )
    machine = {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"results": results, "targets": TARGETS, "machine": machine}, indent=2))
    print(f"written {out}")


if __name__ == "__main__":
    main()
