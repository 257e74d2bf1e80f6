"""Benchmark: competence graph build, skill gap, adjacent roles and label search on the full ESCO release.

Each query also runs as a straightforward networkx implementation in the same process
(:class:`Straightforward`: what any implementation would compute once, such as the skill hierarchy's closure
and the skills' document frequencies, is computed once and its setup time shown apart; requests walk the
graph's edges). The table shows the ratio (straightforward p50 / ours p50), which holds on a noisy machine
better than absolute times.
Targets (issue 3): gap p50 <= 1 ms and p99 <= 5 ms; top-10 adjacent roles over all occupations p50 <= 20 ms;
label search p50 <= 5 ms; graph build <= 5 s; resident memory of the loaded graph reported.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python -m evaluation.bench_graph [--database-url URL] [--queries 300]

Uses the configured database (UPSKILL_DATABASE_URL); when it holds no ESCO occupations, the bundled
release is imported into a temporary SQLite file first. Prints a table, writes bench-results/graph.json.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import platform
import random
import resource
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from sqlalchemy import func, select

from data import models
from data.db import make_engine, migrate, transaction
from data.defaults import environment_database_url
from data.graph_loader import load_graph_data
from recommender.adjacent import adjacent_roles
from recommender.gap import HIERARCHY_CREDIT, OCCUPATION_LEVEL, RELATED_CREDIT, REQUIRED_LEVEL, skill_gap
from recommender.graph import CompetenceGraph

TARGETS_MS = {"gap p50": 1.0, "gap p99": 5.0, "adjacent top-10 p50": 20.0, "label search p50": 5.0}
BUILD_TARGET_S = 5.0


def rss_mb() -> float:
    """Current resident memory of this process in MB (Linux /proc; peak RSS elsewhere)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(func: Callable[[Any], object], inputs: Sequence[Any]) -> list[float]:
    """Milliseconds per call, one call per input."""
    out = []
    for item in inputs:
        started = time.perf_counter()
        func(item)
        out.append((time.perf_counter() - started) * 1000)
    return out


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


# --- the straightforward version: the same data in networkx, walked per request ---------------------------


class Straightforward:
    """A straightforward networkx implementation of the same queries, with what any such implementation
    computes once kept between requests: each skill's narrower skills (the hierarchy closure), each skill's
    document frequency over occupations, the labels in lower case. A request then walks the graph's edges
    with dictionaries and sets; nothing is vectorised. Its setup time is reported apart.
    """

    def __init__(self, g: nx.MultiDiGraph, occupations: list[str]) -> None:
        self.g = g
        self.occupations = occupations
        broader = nx.DiGraph([(a, b) for a, b, kind in g.edges(keys=True) if kind == "broader"])
        skills = [node for node, kind in g.nodes(data="kind") if kind == "skill"]
        # edges point from the narrower skill to the broader one: a skill's ancestors are its narrower skills
        self.narrower = {s: nx.ancestors(broader, s) if s in broader else set() for s in skills}
        self.df = Counter(skill for _, skill, kind in g.edges(keys=True) if kind in REQUIRED_LEVEL)
        self.labels = [
            (node, str(data["label"]).lower())
            for node, data in g.nodes(data=True)
            if data["kind"] in ("occupation", "skill")
        ]

    def holdings(self, occupation: str) -> dict[str, int]:
        held: dict[str, int] = {}
        for _, skill, kind in self.g.out_edges(occupation, keys=True):
            if kind in OCCUPATION_LEVEL:
                held[skill] = max(held.get(skill, 0), OCCUPATION_LEVEL[kind])
        return held

    def credit(self, held: dict[str, int], skill: str, needed: int) -> float:
        """Same rules as recommender.gap: direct, any narrower skill below, related."""
        best = min(1.0, held.get(skill, 0) / needed)
        for other in self.narrower.get(skill, ()):
            if other in held:
                best = max(best, min(1.0, HIERARCHY_CREDIT * held[other] / needed))
        for _, other, kind in self.g.out_edges(skill, keys=True):
            if kind.startswith("related_") and other in held:
                best = max(best, min(1.0, RELATED_CREDIT * held[other] / needed))
        return best

    def gap(self, source: str, target: str) -> list[tuple[str, float]]:
        held = self.holdings(source)
        return [
            (skill, self.credit(held, skill, REQUIRED_LEVEL[kind]))
            for _, skill, kind in self.g.out_edges(target, keys=True)
            if kind in REQUIRED_LEVEL
        ]

    def adjacent(self, source: str, k: int) -> list[str]:
        """Weighted coverage of every occupation's requirements (the skills facet only: less than ours)."""
        held = self.holdings(source)
        n = len(self.occupations)
        scores = {}
        for occupation in self.occupations:
            if occupation == source:
                continue
            total = covered = 0.0
            for _, skill, kind in self.g.out_edges(occupation, keys=True):
                if kind not in REQUIRED_LEVEL:
                    continue
                weight = (1.0 if kind == "essential" else 0.5) * (np.log((1 + n) / (1 + self.df[skill])) + 1)
                total += weight
                covered += weight * min(1.0, held.get(skill, 0) / REQUIRED_LEVEL[kind])
            scores[occupation] = covered / total if total else 0.0
        return sorted(scores, key=lambda o: -scores[o])[:k]

    def search(self, query: str, limit: int = 10) -> list[str]:
        """difflib ratio of the query to every occupation and skill label."""
        matcher = difflib.SequenceMatcher(b=query.lower())
        scored = []
        for node, label in self.labels:
            matcher.set_seq1(label)
            if matcher.real_quick_ratio() > 0.5 and matcher.quick_ratio() > 0.5:
                scored.append((matcher.ratio(), node))
        return [node for _, node in sorted(scored, reverse=True)[:limit]]


def typo(text: str, rng: random.Random) -> str:
    """Drop one letter (not the first) of the longest word: a typical typing mistake."""
    words = text.split()
    i = max(range(len(words)), key=lambda j: len(words[j]))
    word = words[i]
    if len(word) > 3:
        cut = rng.randrange(1, len(word))
        words[i] = word[:cut] + word[cut + 1 :]
    return " ".join(words)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--queries", type=int, default=300, help="gap and label queries (ours)")
    parser.add_argument("--adjacent-queries", type=int, default=100)
    parser.add_argument(
        "--plain-queries", type=int, default=100, help="gap and label queries of the straightforward version"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="bench-results/graph.json")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    url = args.database_url or environment_database_url()
    engine = make_engine(url)
    migrate(engine)
    with transaction(engine) as session:
        n_occupations = session.scalar(select(func.count()).select_from(models.Occupation)) or 0
    tmp = None
    if n_occupations == 0:
        from data.esco_import import import_esco

        tmp = tempfile.TemporaryDirectory()
        url = f"sqlite:///{Path(tmp.name) / 'bench.db'}"
        print(f"no ESCO occupations in the configured database: importing the bundled release into {url}")
        engine = make_engine(url)
        migrate(engine)
        with transaction(engine) as session:
            import_esco(db_session=session)

    rss_before = rss_mb()
    started = time.perf_counter()
    with transaction(engine) as session:
        data = load_graph_data(db_session=session)
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    graph = CompetenceGraph.from_data(data)
    build_s = time.perf_counter() - started
    del data
    rss_graph = rss_mb() - rss_before
    with tempfile.TemporaryDirectory() as snap:
        started = time.perf_counter()
        graph.save(Path(snap))
        save_s = time.perf_counter() - started
        started = time.perf_counter()
        CompetenceGraph.load(Path(snap))
        load_s = time.perf_counter() - started
    g = graph.graph

    occupations = graph.occupation_uris
    pairs = [(rng.choice(occupations), rng.choice(occupations)) for _ in range(args.queries)]
    sources = [rng.choice(occupations) for _ in range(args.adjacent_queries)]
    labelled = [
        graph.label(rng.choice(occupations if rng.random() < 0.5 else graph.skill_uris))
        for _ in range(args.queries)
    ]
    queries = [typo(label, rng) for label in labelled]
    m = args.plain_queries
    started = time.perf_counter()
    plain = Straightforward(g, occupations)
    plain_setup_s = time.perf_counter() - started

    # warm-up: the first adjacent query builds the cached role matrices
    adjacent_roles(graph, occupation=occupations[0], k=10)
    rows: dict[str, dict[str, float]] = {}

    def record(name: str, ours: list[float], theirs: list[float]) -> None:
        rows[name] = {
            "p50_ms": percentile(ours, 50),
            "p99_ms": percentile(ours, 99),
            "plain_p50_ms": percentile(theirs, 50),
            "ratio": percentile(theirs, 50) / percentile(ours, 50),
            "n": len(ours),
            "plain_n": len(theirs),
        }

    record(
        "gap",
        timed(lambda p: skill_gap(graph, p[1], occupations=[p[0]]), pairs),
        timed(lambda p: plain.gap(p[0], p[1]), pairs[:m]),
    )
    record(
        "adjacent top-10",
        timed(lambda s: adjacent_roles(graph, occupation=s, k=10), sources),
        timed(lambda s: plain.adjacent(s, 10), sources[: max(3, m // 4)]),
    )
    record(
        "label search",
        timed(lambda q: graph.labels.search(q, limit=10), queries),
        timed(lambda q: plain.search(q), queries[:m]),
    )
    found = sum(
        1
        for q, label in zip(queries, labelled, strict=True)
        if any(h.label == label for h in graph.labels.search(q, limit=5))
    )

    checks = {
        "gap p50": rows["gap"]["p50_ms"],
        "gap p99": rows["gap"]["p99_ms"],
        "adjacent top-10 p50": rows["adjacent top-10"]["p50_ms"],
        "label search p50": rows["label search"]["p50_ms"],
    }
    print(f"{'query':<18}{'p50 ms':>9}{'p99 ms':>9}{'plain p50 ms':>14}{'ratio':>9}{'n':>6}{'plain n':>9}")
    for name, r in rows.items():
        print(
            f"{name:<18}{r['p50_ms']:>9.3f}{r['p99_ms']:>9.3f}{r['plain_p50_ms']:>14.1f}"
            f"{r['ratio']:>8.1f}x{r['n']:>6}{r['plain_n']:>9}"
        )
    print(f"(plain: straightforward networkx, after {plain_setup_s:.1f} s of one-off setup)")
    print()
    for name, value in checks.items():
        verdict = "ok" if value <= TARGETS_MS[name] else "MISSED"
        print(f"{name:<22}{value:>9.3f} ms  target <= {TARGETS_MS[name]:.0f} ms  {verdict}")
    verdict = "ok" if build_s <= BUILD_TARGET_S else "MISSED"
    print(
        f"{'graph build':<22}{build_s:>9.2f} s   target <= {BUILD_TARGET_S:.0f} s   {verdict}"
        f"  (+ {read_s:.2f} s reading rows)"
    )
    print(f"{'snapshot save / load':<22}{save_s:>9.2f} s / {load_s:.2f} s")
    print(f"{'resident memory':<22}{rss_graph:>9.0f} MB for the graph; process {rss_mb():.0f} MB")
    print(f"label search: the misspelt label's entity in the top 5 for {found}/{len(queries)} queries")
    print(f"graph: {graph.counts()}")
    print(f"load average (1, 5, 15 min): {os.getloadavg()} on {os.cpu_count()} CPUs; p99 is sensitive to it")

    machine = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "load_average_1_5_15": os.getloadavg(),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "queries": rows,
        "straightforward_setup_seconds": plain_setup_s,
        "build_seconds": build_s,
        "read_rows_seconds": read_s,
        "snapshot_save_seconds": save_s,
        "snapshot_load_seconds": load_s,
        "graph_rss_mb": rss_graph,
        "process_rss_mb": rss_mb(),
        "label_typo_top5": found / len(queries),
        "targets_ms": TARGETS_MS,
        "build_target_s": BUILD_TARGET_S,
        "counts": graph.counts(),
        "machine": machine,
        "seed": args.seed,
    }
    out.write_text(json.dumps(document, indent=2))
    print(f"written {out}")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
