"""Load program: sustained mixed traffic against ``upskill serve`` on PostgreSQL, from this separate process.

It prepares a PostgreSQL schema of its own (migrated, filled with a synthetic taxonomy and catalogue:
``--occupations`` occupations of 12 skills each over ``--skills`` skills, ``--courses`` courses; the data
is invented, so the figures measure the service, not ESCO's size), starts ``upskill serve`` on a loopback
port against it, then:

1. finds the maximum throughput: closed loops of 2, 4 and 8 clients for ``--probe`` seconds each, the best
   rate of completed requests counts;
2. runs open-loop traffic at ``--load`` (0.7) of it for ``--duration`` seconds: requests are sent on a fixed
   schedule and each latency runs from its scheduled time, so a server that falls behind shows it (no
   coordinated omission).

The mix: reads of reference data (occupation and skill search, course lists and pages, a course), anonymous
gaps, plans and adjacent roles, ``/health``, and the personal routes of ``--workers-seeded`` workers with an
HR key of their organisation (made for the run in its own schema): worker updates (``PATCH
/v1/workers/{id}``: hours and budget), events (``POST /v1/workers/{id}/events``: viewed, enrolled,
completed, dismissed) and recommendations (``GET /v1/workers/{id}/recommendations``; no model artefact: by
the gap share). Each of those also writes its audit entry.

Reported per window (a minute, or a tenth of a short run): requests, errors, p50 and p99 latency, the
server's resident memory (RSS of its process tree) and its database connections (``pg_stat_activity`` by
application name) at the start and the end. Bounded: at most ``--duration`` + the probe, loopback only.

    UPSKILL_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python -m evaluation.bench_load --duration 600 [--json bench-results/load.json]

Exit status 1 when a check fails: any error, p99 of the last window over 1.5x the first, resident memory
grown over 10 % after the first window, or database connections at the end not those at the start.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, make_url, text

ROOT = Path(__file__).resolve().parents[1]
UPSKILL = [sys.executable, "-c", "from api.cli import main; main()"]
SKILL = "http://example.org/bench/skill/{}"
OCCUPATION = "http://example.org/bench/occupation/{}"
WORDS = [
    "battery",
    "engine",
    "diesel",
    "electric",
    "safety",
    "vehicle",
    "sensor",
    "motor",
    "welding",
    "paint",
]


# --- data -----------------------------------------------------------------------------------------------


def seed(  # noqa: PLR0913 - keyword-only: the sizes of the synthetic data and its seed
    engine: Engine, *, skills: int, occupations: int, courses: int, workers: int, rng: random.Random
) -> tuple[int, list[int]]:
    """Migrate the schema behind ``engine`` and fill it with a synthetic taxonomy and catalogue, and
    ``workers`` workers of one organisation; return the organisation's id and the workers' ids."""
    from data.db import migrate, transaction
    from data.models import (
        Course,
        CourseSkill,
        Occupation,
        OccupationSkill,
        Organisation,
        Skill,
        Worker,
        WorkerSkill,
    )

    migrate(engine)
    with transaction(engine) as session:
        session.add_all(
            Skill(uri=SKILL.format(i), preferred_label=f"{WORDS[i % 10]} skill {i}", description="")
            for i in range(skills)
        )
        session.flush()
        for i in range(occupations):
            session.add(
                Occupation(
                    uri=OCCUPATION.format(i),
                    isco_code=f"72{i % 10}{i % 7}",
                    code=f"72{i % 10}{i % 7}.{i}",
                    preferred_label=f"{WORDS[i % 10]} technician {i}",
                    description="",
                )
            )
            session.flush()
            for rank, s in enumerate(rng.sample(range(skills), 12)):
                relation = "essential" if rank < 8 else "optional"
                session.add(
                    OccupationSkill(
                        occupation_uri=OCCUPATION.format(i), skill_uri=SKILL.format(s), relation_type=relation
                    )
                )
        for i in range(courses):
            session.add(
                Course(
                    id=f"bench-{i}",
                    title=f"{WORDS[i % 10].title()} course {i}",
                    provider="Bench",
                    language=("en", "de")[i % 2],
                    level=("introductory", "intermediate", "advanced")[i % 3],
                    hours=float(4 + i % 30),
                    price=float(i % 5 * 100),
                    currency="EUR",
                    delivery_mode="online",
                )
            )
            session.flush()
            for s in rng.sample(range(skills), 1 + i % 3):
                session.add(CourseSkill(course_id=f"bench-{i}", skill_uri=SKILL.format(s), level=1 + i % 3))
        worker_ids = []
        organisation = Organisation(name="Bench Motors")
        session.add(organisation)
        session.flush()
        for i in range(workers):
            worker = Worker(
                organisation_id=organisation.id,
                external_id=f"bench-worker-{i}",
                region="DE11",
                current_occupation_uri=OCCUPATION.format(rng.randrange(occupations)),
                target_occupation_uri=OCCUPATION.format(rng.randrange(occupations)),
                languages=["en"],
                budget=1500.0,
                hours_per_week=6.0,
            )
            session.add(worker)
            session.flush()
            worker_ids.append(worker.id)
            for s in rng.sample(range(skills), 5):
                session.add(WorkerSkill(worker_id=worker.id, skill_uri=SKILL.format(s), proficiency=2))
        organisation_id = organisation.id
    return organisation_id, worker_ids


def hr_key(database_url: str, organisation_id: int) -> str:
    """An HR key of the organisation, made as an operator makes one (``upskill keys create``)."""
    command = [*UPSKILL, "keys", "create", "--role", "hr", "--organisation", str(organisation_id), "--json"]
    env = {**os.environ, "UPSKILL_DATABASE_URL": database_url}
    made = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=True).stdout
    key: str = json.loads(made)["key"]
    return key


def server_url(url: str, schema: str, application: str) -> str:
    """The PostgreSQL URL that puts the server in ``schema`` and names its connections ``application``."""
    parsed = make_url(url)
    query = {"options": f"-csearch_path={schema}", "application_name": application}
    return parsed.set(query=query).render_as_string(hide_password=False)


def connections(engine: Engine, application: str, *, samples: int = 4, every: float = 0.5) -> int:
    """Database connections the server holds (by its application name), settled: the fewest of ``samples``
    counts ``every`` seconds apart, so that a connection held for a moment (an overflow connection the pool
    is closing after the probes: a CI run counted 7 at the start and 6 at the end) is not counted, while a
    leaked one, held for good, is."""
    query = text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name")
    counts = []
    for sample in range(samples):
        if sample:
            time.sleep(every)
        with engine.connect() as connection:
            counts.append(int(connection.execute(query, {"name": application}).scalar_one()))
    return min(counts)


# --- the server -----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve(database_url: str, cache: Path, workers: int) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """``upskill serve`` of ``database_url`` on a free loopback port, ready when it lists a course; stopped
    (SIGTERM, then SIGKILL) when the block ends."""
    env = {**os.environ, "UPSKILL_DATABASE_URL": database_url, "UPSKILL_CACHE_DIR": str(cache)}
    env["UPSKILL_ARTEFACT_DIR"] = str(cache / "artefacts")
    with started_server(env, workers, "/v1/courses?limit=1", wait=180.0) as (process, port):
        yield process, port


@contextmanager
def started_server(
    env: dict[str, str], workers: int, ready: str, wait: float = 300.0
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """``upskill serve --workers N`` with ``env`` on a free loopback port, handed over once every worker
    process has started (loaded the graph, courses and model: uvicorn logs "Application startup complete"
    once per worker) and ``GET ready`` (a path) answers 200; stopped (:func:`stop`) when the block ends.

    The server's log goes to a temporary file, read for the start lines and quoted when it exits early (a
    pipe nobody reads would fill up and block the server). The one starter of bench_load and bench_http.
    """
    port = free_port()
    command = [*UPSKILL, "serve", "--port", str(port), "--workers", str(workers)]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
        try:
            deadline = time.monotonic() + wait
            while not _answers(port, ready) or _started(log) < workers:
                if process.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"upskill serve exited: {log.read().decode()[-2000:]}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"upskill serve did not answer {ready} within {wait:.0f} s")
                time.sleep(0.3)
            yield process, port
        finally:
            stop(process)


def _started(log: Any) -> int:
    """How many worker processes have logged that their application started."""
    log.seek(0)
    return log.read().count(b"Application startup complete")


def _answers(port: int, path: str) -> bool:
    try:
        return request("127.0.0.1", port, "GET", path, None)[0] == 200
    except OSError:
        return False


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server: terminate, then kill it if it has not exited within 20 s."""
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def rss_bytes(pid: int) -> int:
    """Resident memory of ``pid`` and its children (uvicorn workers), from /proc."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


# --- traffic --------------------------------------------------------------------------------------------


def request(
    host: str,
    port: int,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        sent = {**(headers or {}), **({"Content-Type": "application/json"} if payload is not None else {})}
        connection.request(method, path, body=payload, headers=sent)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


#: A request: kind, method, path, body (or None), headers (or None).
Made = tuple[str, str, str, Any, dict[str, str] | None]


def mix(
    occupations: int, courses: int, workers: list[int] | None = None, key: str | None = None
) -> list[tuple[float, Callable[[random.Random], Made]]]:
    """(weight, request maker) for each kind of request; the workers' routes when there are workers and
    their HR ``key``."""

    def occupation(rng: random.Random) -> str:
        return OCCUPATION.format(rng.randrange(occupations))

    anonymous = _anonymous_mix(occupation, courses)
    if not workers or key is None:
        return anonymous
    hr = {"Authorization": f"Bearer {key}"}

    def worker(rng: random.Random) -> int:
        return rng.choice(workers)

    return [
        *anonymous,
        (
            2,
            lambda rng: (
                "worker PATCH",
                "PATCH",
                f"/v1/workers/{worker(rng)}",
                {"hours_per_week": rng.choice([4, 6, 8, 10]), "budget": rng.choice([500, 1000, 1500])},
                hr,
            ),
        ),
        (
            2,
            lambda rng: (
                "worker events",
                "POST",
                f"/v1/workers/{worker(rng)}/events",
                {
                    "kind": rng.choice(["viewed", "enrolled", "completed", "dismissed"]),
                    "course_id": f"bench-{rng.randrange(courses)}",
                },
                hr,
            ),
        ),
        (
            2,
            lambda rng: (
                "recommendations",
                "GET",
                f"/v1/workers/{worker(rng)}/recommendations?limit=10",
                None,
                hr,
            ),
        ),
    ]


def _anonymous_mix(
    occupation: Callable[[random.Random], str], courses: int
) -> list[tuple[float, Callable[[random.Random], Made]]]:
    """Reference reads, anonymous planning and ``/health``: no key."""

    return [
        (
            3,
            lambda rng: (
                "occupations?q",
                "GET",
                f"/v1/occupations?q={rng.choice(WORDS)}+technician&limit=10",
                None,
                None,
            ),
        ),
        (2, lambda rng: ("skills?q", "GET", f"/v1/skills?q={rng.choice(WORDS)}&limit=10", None, None)),
        (
            2,
            lambda rng: (
                "courses",
                "GET",
                f"/v1/courses?language=en&limit=20&offset={rng.randrange(50)}",
                None,
                None,
            ),
        ),
        (2, lambda rng: ("course", "GET", f"/v1/courses/bench-{rng.randrange(courses)}", None, None)),
        (1, lambda rng: ("health", "GET", "/health", None, None)),
        (
            2,
            lambda rng: (
                "gap",
                "POST",
                "/v1/gap",
                {"current_occupations": [occupation(rng)], "target": occupation(rng)},
                None,
            ),
        ),
        (
            2,
            lambda rng: (
                "plans",
                "POST",
                "/v1/plans",
                {
                    "current_occupations": [occupation(rng)],
                    "target": occupation(rng),
                    "budget": 1500,
                    "hours_per_week": 6,
                    "start": "2027-01-04",
                },
                None,
            ),
        ),
        (
            1,
            lambda rng: (
                "roles/adjacent",
                "POST",
                "/v1/roles/adjacent",
                {"current_occupations": [occupation(rng)], "k": 5},
                None,
            ),
        ),
    ]


@dataclass
class Sample:
    at: float  # seconds since the run started (scheduled time)
    kind: str
    status: int
    latency: float


@dataclass
class Traffic:
    port: int
    makers: list[tuple[float, Callable[[random.Random], Made]]]
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    first_errors: dict[str, str] = field(default_factory=dict)  # kind -> the first error's status and body

    def one(self, rng: random.Random) -> tuple[str, int]:
        weights = [weight for weight, _ in self.makers]
        made = rng.choices([maker for _, maker in self.makers], weights)[0](rng)
        kind, method, path, body, headers = made
        try:
            status, answer = request("127.0.0.1", self.port, method, path, body, headers)
        except OSError as error:
            status, answer = 0, str(error).encode()
        if not 200 <= status < 300:
            self.first_errors.setdefault(
                kind, f"{status} {method} {path}: {answer[:300].decode(errors='replace')}"
            )
        return kind, status

    def closed_loop(self, clients: int, seconds: float) -> float:
        """Completed requests per second with ``clients`` clients sending back to back."""
        done = [0] * clients
        stop = time.monotonic() + seconds

        def client(i: int) -> None:
            rng = random.Random(i)
            while time.monotonic() < stop:
                self.one(rng)
                done[i] += 1

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sum(done) / seconds

    def open_loop(self, rate: float, seconds: float, clients: int, on_tick: Callable[[float], None]) -> None:
        """Send ``rate`` requests a second on a fixed schedule for ``seconds``; record each."""
        start = time.monotonic()
        total = int(rate * seconds)
        counter = iter(range(total))
        counter_lock = threading.Lock()

        def client(i: int) -> None:
            rng = random.Random(1000 + i)
            while True:
                with counter_lock:
                    n = next(counter, None)
                if n is None:
                    return
                scheduled = start + n / rate
                delay = scheduled - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                kind, status = self.one(rng)
                sample = Sample(scheduled - start, kind, status, time.monotonic() - scheduled)
                with self.lock:
                    self.samples.append(sample)

        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            on_tick(time.monotonic() - start)
            time.sleep(1.0)
        for thread in threads:
            thread.join()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


# --- the run --------------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    from data.db import make_engine

    url = (
        args.database_url
        or os.environ.get("UPSKILL_TEST_POSTGRES_URL")
        or os.environ.get("UPSKILL_DATABASE_URL")
    )
    if not url or not url.startswith("postgresql"):
        raise SystemExit("a PostgreSQL URL is needed: --database-url or UPSKILL_TEST_POSTGRES_URL")
    schema = args.schema or f"upskill_load_{os.getpid()}"
    application = f"upskill-load-{os.getpid()}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
        organisation_id, workers = seed(
            engine,
            skills=args.skills,
            occupations=args.occupations,
            courses=args.courses,
            workers=args.workers_seeded,
            rng=random.Random(7),
        )
        engine.dispose()
        key = hr_key(server_url(url, schema, application), organisation_id)
        with (
            tempfile.TemporaryDirectory(prefix="upskill-load-") as cache,
            serve(server_url(url, schema, application), Path(cache), args.workers) as (process, port),
        ):
            return measure(args, admin, application, process, port, (key, workers))
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def measure(  # noqa: PLR0913 - the run's arguments, the database, the server, the workers and their key
    args: argparse.Namespace,
    admin: Engine,
    application: str,
    process: subprocess.Popen[bytes],
    port: int,
    people: tuple[str, list[int]],
) -> dict[str, Any]:
    key, workers = people
    traffic = Traffic(port, mix(args.occupations, args.courses, workers, key))
    probes = {clients: traffic.closed_loop(clients, args.probe) for clients in (2, 4, 8)}
    maximum = max(probes.values())
    rate = args.load * maximum
    window = args.window or (60.0 if args.duration >= 300 else args.duration / 10)
    windows = int(args.duration // window)
    memory: dict[int, int] = {}
    connections_start = connections(admin, application)

    def tick(elapsed: float) -> None:
        memory.setdefault(min(int(elapsed // window), windows - 1), rss_bytes(process.pid))

    traffic.open_loop(rate, args.duration, args.clients, tick)
    time.sleep(1.0)  # requests finished: the pool returns its connections
    connections_end = connections(admin, application)
    rows = []
    for w in range(windows):
        inside = [s for s in traffic.samples if w * window <= s.at < (w + 1) * window]
        latencies = [s.latency * 1000 for s in inside]
        rows.append(
            {
                "window": w + 1,
                "from_s": w * window,
                "requests": len(inside),
                "errors": sum(1 for s in inside if not 200 <= s.status < 300),
                "p50_ms": percentile(latencies, 0.50),
                "p99_ms": percentile(latencies, 0.99),
                "rss_mb": memory.get(w, rss_bytes(process.pid)) / 2**20,
            }
        )
    errors = sum(1 for s in traffic.samples if not 200 <= s.status < 300)
    kinds = sorted({s.kind for s in traffic.samples})
    per_kind = {
        kind: {
            "requests": sum(1 for s in traffic.samples if s.kind == kind),
            "errors": sum(1 for s in traffic.samples if s.kind == kind and not 200 <= s.status < 300),
            "statuses": sorted({s.status for s in traffic.samples if s.kind == kind}),
            "p99_ms": percentile([s.latency * 1000 for s in traffic.samples if s.kind == kind], 0.99),
        }
        for kind in kinds
    }
    first, last = rows[0], rows[-1]
    baseline_rss = rows[1]["rss_mb"] if len(rows) > 1 else first["rss_mb"]  # after the first window's warm-up
    checks = {
        "zero errors": errors == 0,
        "p99 last within 1.5x of first": last["p99_ms"] <= 1.5 * first["p99_ms"],
        "rss growth after warm-up <= 10 %": max(r["rss_mb"] for r in rows[1:] or rows) <= 1.1 * baseline_rss,
        "connections end == start": connections_end == connections_start,
    }
    return {
        "probe_rps": probes,
        "max_rps": maximum,
        "target_rps": rate,
        "duration_s": args.duration,
        "window_s": window,
        "windows": rows,
        "requests": len(traffic.samples),
        "errors": errors,
        "per_kind": per_kind,
        "first_errors": traffic.first_errors,
        "connections_start": connections_start,
        "connections_end": connections_end,
        "checks": checks,
        "machine": {
            "cpus": os.cpu_count(),
            "load_1_5_15": os.getloadavg(),
            "python": platform.python_version(),
        },
    }


def print_report(result: dict[str, Any]) -> None:
    probes = ", ".join(f"{c} clients {rps:.0f}/s" for c, rps in result["probe_rps"].items())
    print(f"maximum throughput: {result['max_rps']:.0f} requests/s ({probes})")
    print(f"open loop at {result['target_rps']:.0f} requests/s for {result['duration_s']:.0f} s")
    print(
        f"{'window':>6} {'from s':>7} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p99 ms':>8} {'RSS MB':>8}"
    )
    for row in result["windows"]:
        print(
            f"{row['window']:>6} {row['from_s']:>7.0f} {row['requests']:>9} {row['errors']:>7} "
            f"{row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f} {row['rss_mb']:>8.1f}"
        )
    print(f"{'kind':<16} {'requests':>9} {'errors':>7} {'p99 ms':>8} statuses")
    for kind, figures in result["per_kind"].items():
        print(
            f"{kind:<16} {figures['requests']:>9} {figures['errors']:>7} {figures['p99_ms']:>8.1f} "
            f"{figures['statuses']}"
        )
    for kind, error in result["first_errors"].items():
        print(f"first error of {kind}: {error}")
    print(
        f"database connections: {result['connections_start']} at the start, "
        f"{result['connections_end']} at the end"
    )
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.1f}" for x in result["machine"]["load_1_5_15"]))
    for name, ok in result["checks"].items():
        print(f"  {'ok  ' if ok else 'FAIL'} {name}")


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (default: UPSKILL_TEST_POSTGRES_URL)")
    parser.add_argument("--schema", help="schema to create, use and drop (default: upskill_load_<pid>)")
    parser.add_argument("--duration", type=float, default=600.0, help="seconds of open-loop traffic")
    parser.add_argument("--probe", type=float, default=5.0, help="seconds per closed-loop probe")
    parser.add_argument("--load", type=float, default=0.7, help="fraction of the maximum throughput")
    parser.add_argument("--window", type=float, help="seconds per reported window (default 60, or a tenth)")
    parser.add_argument("--clients", type=int, default=16, help="client threads of the open loop")
    parser.add_argument("--workers", type=int, default=1, help="upskill serve --workers")
    parser.add_argument("--skills", type=int, default=400)
    parser.add_argument("--occupations", type=int, default=120)
    parser.add_argument("--courses", type=int, default=600)
    parser.add_argument(
        "--workers-seeded", type=int, default=50, help="workers whose routes are in the mix (0: none)"
    )
    parser.add_argument("--json", type=Path, help="write the result here")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    result = run(args)
    print_report(result)
    if args.json:
        from data.files import write_text

        args.json.parent.mkdir(parents=True, exist_ok=True)
        write_text(args.json, json.dumps(result, indent=2, default=str))
    return 0 if all(result["checks"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
