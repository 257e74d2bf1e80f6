"""HTTP benchmark: ``upskill serve`` on the bundled default data, driven from this separate process.

The server runs as a subprocess on a free loopback port, against either

* a temporary SQLite database prepared as ``make run`` prepares it (``upskill run``: the bundled ESCO
  release, catalogue, badges, demo workers and a trained model; several minutes), or
* an existing prepared database given by ``--database PATH`` (used as it is; its model artefacts are read
  from ``--artefact-dir``, ``UPSKILL_ARTEFACT_DIR`` or ``artefacts/`` next to it).

The output says which. Each route is driven at 1, 8 and 32 concurrent connections (``--concurrency``), each
connection sending requests back to back over one keep-alive connection, for ``--duration`` seconds or
``--requests`` requests per step, whichever comes first:

* ``GET /health``;
* ``GET /v1/occupations?q=battery``;
* ``POST /v1/plans``: scenario 1 of SCENARIOS.md (Katrin: diesel engine mechanic -> automotive battery
  technician, EUR 1,500, 6 h a week, courses in English or German; the README's walk-through body), then
  with the same limits from and to the other automotive-mobility occupations the database holds: up to
  ``--pairs`` ordered pairs (shuffled with a fixed seed), one after the other, so that no answer is a replay
  of the one before; the row says how many different bodies were sent;
* ``GET /v1/workers/{id}/recommendations`` when the API has it (its OpenAPI document names the path): an
  admin key is made with ``upskill keys create`` (revoked at the end) and up to ``--people`` workers of
  ``GET /v1/workers`` are asked in turn, every other one toward a target occupation (``?target=``, one of
  the automotive-mobility occupations in turn: the gap is then computed and only courses closing it
  ranked); each question is sent 8 times (or the largest ``--concurrency``) before the first step, untimed,
  so that the row measures the answers each server process keeps after a first round (the row ``recs
  uncached`` measures answers computed); otherwise its row says "not available yet".

Reported per route and concurrency: the number of different requests sent in turn, requests, throughput, p50
and p99 latency, errors (any status but 2xx, or no answer), the server's CPU time per request (user + system
of its processes, from /proc: what a request costs it, whatever else runs on a shared machine) and how it
was shared between its processes (keep-alive connections stay with the worker that accepted them); and the
resident memory (VmRSS, and its peak VmHWM, from /proc) of each server worker
process after the load. Targets are printed next to the figures: recommendations throughput >= 50 % of
/health's at 8 connections; plans p99 <= 100 ms at 8 connections; RSS per worker <= 600 MB.

    .venv/bin/python -m evaluation.bench_http [--database upskill.db] [--workers 1] [--duration 10] \\
        [--json bench-results/http.json]

Writes ``bench-results/http.json`` (or ``--json``). Exit status 1 when any request failed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from evaluation.bench_load import UPSKILL, percentile, started_server

ROOT = Path(__file__).resolve().parents[1]
RECOMMENDATIONS_PATH = "/v1/workers/{worker_id}/recommendations"
SCENARIO_1 = {
    "current_occupations": ["diesel engine mechanic"],
    "target": "automotive battery technician",
    "budget": 1500,
    "currency": "EUR",
    "hours_per_week": 6,
    "start": "2027-01-04",
    "deadline": "2027-10-03",
    "languages": ["en", "de"],
    "delivery_modes": ["online", "blended"],
    "region": "DE11",
}
TARGETS = {
    "recommendations_vs_health_at_8": 0.5,  # throughput share
    "plans_p99_ms_at_8": 100.0,
    "rss_mb_per_worker": 600.0,
}


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str
    body: dict[str, Any] | None = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Mix:
    """One measured row: the requests sent in turn (request n is ``requests[n % len(requests)]``; with
    ``onward``, n goes on from the previous step's last instead of starting at 0 again, so that a step never
    repeats the requests of the steps before it; with ``warm``, every request is answered once by each
    server process before the first step, see :func:`warm_up`)."""

    name: str
    requests: tuple[Route, ...]
    onward: bool = False
    warm: bool = False  # each request sent before the first step (see ``warm_up``)

    @property
    def first(self) -> Route:
        return self.requests[0]


# --- the data and the server ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Data:
    env: dict[str, str]
    description: str


def prepare(args: argparse.Namespace, folder: Path) -> Data:
    """The environment that points ``upskill`` at the database to serve (prepared here when not given)."""
    cache = folder / "cache"
    if args.database:
        database = args.database.resolve()
        if not database.is_file():
            raise SystemExit(f"--database {args.database}: no such file")
        artefacts = args.artefact_dir or Path(
            os.environ.get("UPSKILL_ARTEFACT_DIR") or database.parent / "artefacts"
        )
        description = f"existing database {database} (artefacts {artefacts})"
    else:
        database, artefacts = folder / "upskill.db", folder / "artefacts"
        description = f"temporary database {database}, prepared by `upskill run`"
    env = {
        **os.environ,
        "UPSKILL_DATABASE_URL": f"sqlite:///{database}",
        "UPSKILL_ARTEFACT_DIR": str(artefacts),
        "UPSKILL_CACHE_DIR": os.environ.get("UPSKILL_CACHE_DIR") or str(cache),  # a warm cache starts faster
    }
    if not args.database:
        print(f"preparing {database} with `upskill run` (the bundled ESCO release: minutes) ...", flush=True)
        subprocess.run([*UPSKILL, "run"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return Data(env, description)


@contextmanager
def serve(
    env: dict[str, str], workers: int, wait: float = 300.0
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """``upskill serve`` on a free loopback port until every worker process has started and ``/health``
    answers (``bench_load.started_server``: ``/health`` alone is answered by the first worker up, while the
    others may still be loading, and busy the machine); stopped when the block ends."""
    with started_server(env, workers, "/health", wait) as (process, port):
        yield process, port


def worker_memory(pid: int, workers: int) -> list[dict[str, Any]]:
    """VmRSS and VmHWM (MB) of the processes serving requests: the server itself with one worker, else
    uvicorn's worker processes (its children that are Python interpreters serving the app)."""
    pids = [pid]
    if workers > 1:
        children = Path(f"/proc/{pid}/task/{pid}/children")
        pids = [int(p) for p in children.read_text().split()] if children.exists() else []
    found = []
    for p in pids:
        try:
            status = dict(
                line.split(":", 1)
                for line in Path(f"/proc/{p}/status").read_text().splitlines()
                if ":" in line
            )
            command = Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "resource_tracker" in command:  # multiprocessing's helper, not a worker
            continue
        found.append(
            {
                "pid": p,
                "rss_mb": int(status["VmRSS"].split()[0]) / 1024,
                "peak_rss_mb": int(status["VmHWM"].split()[0]) / 1024,
            }
        )
    return found


def server_cpu_seconds(pid: int) -> dict[int, float]:
    """CPU time (user + system) each server process has used so far: the server's own and its live worker
    processes' (``/proc``), so that a row can say what one request cost the server whatever else runs on a
    shared machine, and how it was shared between the workers."""
    ticks = os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{pid}/task/{pid}/children")
    used = {}
    for p in [pid, *(int(c) for c in children.read_text().split())] if children.exists() else [pid]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[p] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return used


def cpu_split(before: dict[int, float], after: dict[int, float]) -> tuple[float, list[float]]:
    """The server's CPU seconds between two readings of :func:`server_cpu_seconds`, and each process's
    share of them, largest first (with two workers, [0.5, 0.5] when the work was evenly spread)."""
    spent = {p: after[p] - before.get(p, 0.0) for p in after}
    total = sum(spent.values())
    return total, sorted((v / total for v in spent.values() if v > 0), reverse=True) if total else []


# --- the client -----------------------------------------------------------------------------------------


def one_request(
    port: int, route: Route, connection: http.client.HTTPConnection | None = None
) -> tuple[int, bytes]:
    """Send ``route`` (over ``connection`` when given, kept open) and read the whole answer."""
    own = connection is None
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        payload = json.dumps(route.body).encode() if route.body is not None else None
        headers = dict(route.headers)
        if payload is not None:
            headers["Content-Type"] = "application/json"
        connection.request(route.method, route.path, body=payload, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        if own:
            connection.close()


def drive(
    port: int, mix: Mix, connections: int, duration: float, limit: int, first: int = 0
) -> dict[str, Any]:
    """``connections`` clients sending the requests of ``mix`` in turn from request ``first``, back to back,
    for ``duration`` s or ``limit`` requests."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    sent = iter(range(first, first + limit))
    start = time.monotonic()
    stop = start + duration

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            while time.monotonic() < stop:
                with lock:
                    number = next(sent, None)
                if number is None:
                    return
                route = mix.requests[number % len(mix.requests)]
                began = time.perf_counter()
                try:
                    status, answer = one_request(port, route, connection)
                except (OSError, http.client.HTTPException) as error:
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    status, answer = 0, str(error).encode()
                elapsed = time.perf_counter() - began
                with lock:
                    latencies.append(elapsed * 1000)
                    if not 200 <= status < 300:
                        errors.append(f"{status}: {answer[:200].decode(errors='replace')}")
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - start
    return {
        "connections": connections,
        "variants": len(mix.requests),
        "requests": len(latencies),
        "seconds": wall,
        "throughput_rps": len(latencies) / wall if wall else 0.0,
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
    }


#: Connections of :func:`warm_up` at least: keep-alive connections stay with the process that accepted them,
#: so several are needed for every server process to get some.
WARM_CONNECTIONS = 8


def warm_up(port: int, mix: Mix, connections: int, duration: float) -> int:
    """Send each request of ``mix`` ``connections`` times over ``connections`` connections, untimed, so that
    every server process has answered each at least once (very likely: the connections are spread over
    the processes as the steps' are) before the steps measure it. For the kept recommendations: each
    process keeps its own answers, and the first answer to each of the 100 questions is computed (~5-10 ms
    of CPU each, what the row ``recs uncached`` measures); in a step of 5,000 requests those ~200
    computations were ~4 % of the requests and about a quarter of the server's CPU."""
    warmed = drive(port, mix, connections, duration * 3, len(mix.requests) * connections)
    print(f"  {mix.name:<16} warm-up: {warmed['requests']} requests, errors {warmed['errors']}", flush=True)
    return int(warmed["requests"])


def sector_occupations(port: int) -> list[str]:
    """The automotive-mobility occupations (URIs) the served database holds, sorted."""
    from recommender.sectors import automotive_mobility

    held = []
    for uri in sorted(automotive_mobility()):
        status, _ = one_request(port, Route("occupation", "GET", f"/v1/occupations/{quote(uri, safe='')}"))
        if status == 200:
            held.append(uri)
    return held


@contextmanager
def recommendations_mix(
    port: int, env: dict[str, str], people: int, targets: list[str]
) -> Iterator[tuple[list[Mix], str]]:
    """The recommendations of up to ``people`` workers in turn, every other one toward one of ``targets``,
    with an admin key made for the run (revoked after it): kept answers after the first round, and the same
    workers with every ``limit`` from 1 to 100 in turn (no question asked twice: none kept); or no mix and
    why not."""
    status, answer = one_request(port, Route("openapi", "GET", "/openapi.json"))
    if status != 200 or RECOMMENDATIONS_PATH not in json.loads(answer).get("paths", {}):
        yield [], "not available yet (the API has no GET /v1/workers/{id}/recommendations)"
        return
    command = [*UPSKILL, "keys", "create", "--role", "admin", "--json"]
    made = json.loads(subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=True).stdout)
    try:
        headers = (("Authorization", f"Bearer {made['key']}"),)
        ids: list[int] = []
        while len(ids) < people:
            page = f"/v1/workers?limit={min(100, people - len(ids))}&offset={len(ids)}"
            status, answer = one_request(port, Route("workers", "GET", page, headers=headers))
            items = json.loads(answer).get("items", []) if status == 200 else []
            ids += [item["id"] for item in items]
            if not items:
                break
        if not ids:
            yield [], f"no worker to ask for (GET /v1/workers answered {status})"
            return
        questions = []
        for n, worker_id in enumerate(ids):
            path = RECOMMENDATIONS_PATH.format(worker_id=worker_id)
            if n % 2 and targets:
                path += f"?target={quote(targets[(n // 2) % len(targets)], safe='')}"
            questions.append(path)
        kept = tuple(Route("recommendations", "GET", path, headers=headers) for path in questions)
        uncached = tuple(
            Route(
                "recs uncached",
                "GET",
                f"{path}{'&' if '?' in path else '?'}limit={limit}",
                headers=headers,
            )
            for limit in range(1, 101)
            for path in questions
        )
        toward = f", every other one toward one of {len(targets)} occupations" if targets else ""
        yield (
            [Mix("recommendations", kept, warm=True), Mix("recs uncached", uncached, onward=True)],
            f"{len(ids)} worker(s) in turn{toward}",
        )
    finally:
        revoke = [*UPSKILL, "keys", "revoke", str(made["id"])]
        subprocess.run(revoke, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, check=True)


# --- the run --------------------------------------------------------------------------------------------


def plan_mix(base: dict[str, Any], occupations: list[str], pairs: int, seed: int) -> Mix:
    """``base`` (scenario 1), then its limits from and to other occupations: up to ``pairs`` ordered pairs
    of ``occupations``, shuffled with ``seed``."""
    ordered = [(a, b) for a in occupations for b in occupations if a != b]
    random.Random(seed).shuffle(ordered)
    bodies = [base] + [{**base, "current_occupations": [a], "target": b} for a, b in ordered[:pairs]]
    return Mix("plans", tuple(Route("plans", "POST", "/v1/plans", body) for body in bodies))


def mixes(args: argparse.Namespace, occupations: list[str]) -> list[Mix]:
    base = json.loads(args.plan) if args.plan else SCENARIO_1
    return [
        Mix("health", (Route("health", "GET", "/health"),)),
        Mix("occupations?q", (Route("occupations?q", "GET", f"/v1/occupations?q={args.query}"),)),
        plan_mix(base, occupations, args.pairs, args.seed),
    ]


def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="upskill-bench-http-") as folder:
        data = prepare(args, Path(folder))
        print(f"serving {data.description} with {args.workers} worker(s)", flush=True)
        with serve(data.env, args.workers) as (process, port):
            occupations = sector_occupations(port)
            with recommendations_mix(port, data.env, args.people, occupations) as (recommendations, note):
                measured = mixes(args, occupations) + recommendations
                rows: list[dict[str, Any]] = []
                warmed: dict[str, int] = {}  # untimed requests sent first, by row
                for mix in measured:
                    if args.only and mix.name not in args.only:
                        continue
                    one_request(port, mix.first)  # warm-up: graph, model and caches loaded before timing
                    sent = 1  # requests of the mix sent so far (the warm-up's)
                    if mix.warm:
                        warmed[mix.name] = warm_up(
                            port, mix, max(WARM_CONNECTIONS, *args.concurrency), args.duration
                        )
                    for connections in args.concurrency:
                        before = server_cpu_seconds(process.pid)
                        onward_from = sent if mix.onward else 0
                        row = drive(port, mix, connections, args.duration, args.requests, onward_from)
                        sent += row["requests"]
                        cpu, shares = cpu_split(before, server_cpu_seconds(process.pid))
                        row["server_cpu_ms_per_request"] = (
                            1000 * cpu / row["requests"] if row["requests"] else None
                        )
                        row["server_cpu_shares"] = shares
                        rows.append(
                            {"route": mix.name, "method": mix.first.method, "path": mix.first.path, **row}
                        )
                        print(
                            f"  {mix.name:<16} x{connections:<3} {row['throughput_rps']:8.1f}/s "
                            f"errors {row['errors']}",
                            flush=True,
                        )
            memory = worker_memory(process.pid, args.workers)
    return {
        "database": data.description,
        "workers": args.workers,
        "duration_s": args.duration,
        "max_requests": args.requests,
        "concurrency": args.concurrency,
        "plan_pairs": args.pairs,
        "people": args.people,
        "seed": args.seed,
        "rows": rows,
        "warm_up_requests": warmed,
        "recommendations": note,
        "worker_memory": memory,
        "targets": TARGETS,
        "checks": checks(rows, memory),
        "errors": sum(row["errors"] for row in rows),
        "machine": {
            "cpus": os.cpu_count(),
            "load_1_5_15": os.getloadavg(),
            "python": platform.python_version(),
        },
    }


def find(rows: list[dict[str, Any]], route: str, connections: int) -> dict[str, Any] | None:
    return next((r for r in rows if r["route"] == route and r["connections"] == connections), None)


def checks(rows: list[dict[str, Any]], memory: list[dict[str, Any]]) -> dict[str, Any]:
    """Each target with the measured figure and whether it is met (None: not measured)."""
    health, plans = find(rows, "health", 8), find(rows, "plans", 8)
    recs, uncached = find(rows, "recommendations", 8), find(rows, "recs uncached", 8)
    share = recs["throughput_rps"] / health["throughput_rps"] if recs and health else None
    fresh = uncached["throughput_rps"] / health["throughput_rps"] if uncached and health else None
    peak = max((m["peak_rss_mb"] for m in memory), default=None)
    return {
        "recommendations throughput >= 50 % of /health's at 8": {
            "figure": share,
            "ok": share >= TARGETS["recommendations_vs_health_at_8"] if share is not None else None,
        },
        "  the same, none kept (recs uncached)": {
            "figure": fresh,
            "ok": fresh >= TARGETS["recommendations_vs_health_at_8"] if fresh is not None else None,
        },
        "plans p99 <= 100 ms at 8": {
            "figure": plans["p99_ms"] if plans else None,
            "ok": plans["p99_ms"] <= TARGETS["plans_p99_ms_at_8"] if plans else None,
        },
        "RSS per worker <= 600 MB (peak)": {
            "figure": peak,
            "ok": peak <= TARGETS["rss_mb_per_worker"] if peak is not None else None,
        },
    }


def print_report(result: dict[str, Any]) -> None:
    print(f"\ndatabase: {result['database']}; workers: {result['workers']}")
    print(f"per step: {result['duration_s']:g} s or {result['max_requests']} requests, whichever first")
    header = (
        f"{'route':<16} {'bodies':>6} {'conns':>5} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'errors':>6} {'server CPU ms/req':>17} {'CPU by process':>15}"
    )
    print(header)
    for row in result["rows"]:
        cpu = row["server_cpu_ms_per_request"]
        print(
            f"{row['route']:<16} {row['variants']:>6} {row['connections']:>5} {row['requests']:>8} "
            f"{row['throughput_rps']:>8.1f} {row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f} {row['errors']:>6} "
            f"{'-' if cpu is None else f'{cpu:.2f}':>17} "
            f"{'/'.join(f'{100 * share:.0f}' for share in row.get('server_cpu_shares', [])) + ' %':>15}"
        )
        if row["first_error"]:
            print(f"    first error: {row['first_error']}")
    print(f"{'recommendations':<16} {result['recommendations']}")
    for m in result["worker_memory"]:
        print(f"worker pid {m['pid']}: RSS {m['rss_mb']:.0f} MB (peak {m['peak_rss_mb']:.0f} MB)")
    print("targets (measured):")
    for name, check in result["checks"].items():
        figure = check["figure"]
        shown = "not measured" if figure is None else f"{figure:.2f}"
        verdict = {True: "ok  ", False: "MISS", None: "n/a "}[check["ok"]]
        print(f"  {verdict} {name}: {shown}")
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.1f}" for x in result["machine"]["load_1_5_15"]))


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--database", type=Path, help="an existing prepared SQLite database (used as it is)")
    parser.add_argument("--artefact-dir", type=Path, help="model artefacts of --database")
    parser.add_argument("--workers", type=int, default=1, help="upskill serve --workers")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per route and concurrency")
    parser.add_argument(
        "--requests", type=int, default=5000, help="at most this many per route and concurrency"
    )
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32], help="connections")
    parser.add_argument("--query", default="battery", help="the occupation search's q")
    parser.add_argument("--plan", help="the POST /v1/plans body as JSON (default: scenario 1)")
    parser.add_argument(
        "--pairs", type=int, default=100, help="plans also from and to this many occupation pairs"
    )
    parser.add_argument("--people", type=int, default=100, help="workers whose recommendations are asked")
    parser.add_argument("--seed", type=int, default=20261202, help="shuffles the occupation pairs")
    parser.add_argument(
        "--only",
        nargs="+",
        help='measure only these rows (health, occupations?q, plans, recommendations, "recs uncached")',
    )
    parser.add_argument("--json", type=Path, default=Path("bench-results/http.json"), help="write here")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    result = run(args)
    print_report(result)
    from data.files import write_text

    args.json.parent.mkdir(parents=True, exist_ok=True)
    write_text(args.json, json.dumps(result, indent=2, default=str))
    print(f"written {args.json}")
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
