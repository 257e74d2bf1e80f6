"""The planner's orders written without networkx give networkx's: :func:`topological_order` its
lexicographical topological sort, and ``plan._basics_first`` the graph it built with ``DiGraph`` and
``has_path``, on random requirement graphs (cycles included)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping, Sequence

import networkx as nx
import pytest

from recommender.errors import PrerequisiteCycle
from recommender.planner.order import topological_order
from recommender.planner.plan import _basics_first


def _networkx_order(nodes: Sequence[str], requires: Mapping[str, Sequence[str]], key: object) -> list[str]:
    members = sorted(set(nodes))
    graph = nx.DiGraph()
    graph.add_nodes_from(members)
    graph.add_edges_from((d, n) for n in members for d in sorted(set(requires.get(n, ())) & set(members)))
    return list(nx.lexicographical_topological_sort(graph, key=lambda node: (key(node), node)))  # type: ignore[operator]


def _networkx_basics_first(
    chosen: Sequence[str],
    requires: Mapping[str, Sequence[str]],
    reach: Mapping[str, Mapping[str, int]],
    badge_first: frozenset[str],
) -> dict[str, list[str]]:
    graph = nx.DiGraph()
    graph.add_nodes_from(chosen)
    graph.add_edges_from((p, c) for c in chosen for p in requires[c])

    def lower(a: str, b: str) -> bool:
        return any(level < reach[b].get(uri, 0) for uri, level in reach[a].items())

    for low, high in itertools.permutations(sorted(chosen), 2):
        if high in badge_first and low not in badge_first:
            continue
        if lower(low, high) and not lower(high, low) and not nx.has_path(graph, high, low):
            graph.add_edge(low, high)
    return {c: sorted(graph.predecessors(c)) for c in chosen}


def _random_requires(rng: random.Random, nodes: list[str], acyclic: bool) -> dict[str, list[str]]:
    requires: dict[str, list[str]] = {}
    for k, node in enumerate(nodes):
        pool = nodes[:k] if acyclic else nodes
        requires[node] = rng.sample(pool, rng.randint(0, min(3, len(pool)))) + (
            ["outside"] if rng.random() < 0.1 else []
        )
    return requires


def test_topological_order_is_networkxs() -> None:
    rng = random.Random(7)
    cycles = 0
    for _ in range(1500):
        nodes = [f"c{k}" for k in range(rng.randint(0, 14))]
        rng.shuffle(nodes)
        requires = _random_requires(rng, nodes, acyclic=rng.random() < 0.7)
        weights = {n: (rng.random() < 0.5, rng.randint(0, 3)) for n in nodes}
        key = weights.__getitem__ if rng.random() < 0.8 else None
        try:
            expected = _networkx_order(nodes, requires, key or (lambda node: node))
        except nx.NetworkXUnfeasible:
            cycles += 1
            with pytest.raises(PrerequisiteCycle):
                topological_order(nodes, requires, key)
            continue
        assert topological_order(nodes, requires, key) == expected
    assert cycles  # cyclic inputs were met too


def test_basics_first_is_the_graph_networkx_built() -> None:
    rng = random.Random(11)
    added = 0
    for _ in range(1500):
        chosen = [f"c{k}" for k in range(rng.randint(0, 9))]
        rng.shuffle(chosen)
        order = list(chosen)
        requires = {c: sorted(rng.sample(order[:k], rng.randint(0, min(2, k)))) for k, c in enumerate(order)}
        skills = ["s1", "s2", "s3"]
        reach = {c: {s: rng.randint(1, 3) for s in rng.sample(skills, rng.randint(0, 3))} for c in chosen}
        badge_first = frozenset(c for c in chosen if rng.random() < 0.2)
        expected = _networkx_basics_first(chosen, requires, reach, badge_first)
        assert _basics_first(chosen, requires, reach, badge_first) == expected
        added += sum(len(v) for v in expected.values()) > sum(len(v) for v in requires.values())
    assert added  # orders were added beyond the requirements
