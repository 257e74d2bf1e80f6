"""Prerequisite order: cycle detection naming the members, and topological order with deterministic ties."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from recommender.errors import PrerequisiteCycle
from recommender.planner.model import CourseOption


def find_cycle(requires: Mapping[str, Iterable[str]]) -> list[str] | None:
    """A cycle of the graph "course -> what it requires", as its members in order, or None when acyclic.

    Deterministic: nodes and edges are visited in sorted order; the cycle starts at its smallest member.
    Edges to nodes that are not keys of ``requires`` are ignored.
    """
    graph = {node: sorted(set(deps) & requires.keys()) for node, deps in requires.items()}
    state: dict[str, int] = {}  # 1 = on the path, 2 = done
    for root in sorted(graph):
        if root in state:
            continue
        path: list[str] = [root]
        iters = [iter(graph[root])]
        state[root] = 1
        while path:
            nxt = next(iters[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                iters.pop()
            elif state.get(nxt) == 1:
                cycle = path[path.index(nxt) :]
                start = cycle.index(min(cycle))
                return cycle[start:] + cycle[:start]
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                iters.append(iter(graph[nxt]))
    return None


def check_prerequisites(courses: Iterable[CourseOption]) -> None:
    """Raise :class:`PrerequisiteCycle` naming the members when catalogue prerequisites form a cycle."""
    # only courses with prerequisites can be on a cycle
    cycle = find_cycle({c.id: [p.course_id for p in c.prerequisites] for c in courses if c.prerequisites})
    if cycle is not None:
        raise PrerequisiteCycle([cycle])


def topological_order(
    nodes: Sequence[str], requires: Mapping[str, Iterable[str]], key: Callable[[str], Any] | None = None
) -> list[str]:
    """Nodes with every requirement before its dependents; among ready nodes the smallest ``key`` comes first.

    Raises
    ------
    PrerequisiteCycle
        When the requirements among ``nodes`` form a cycle, naming its members.
    """
    sort_key = key if key is not None else (lambda node: node)
    members = set(nodes)
    deps = {n: set(requires.get(n, ())) & members for n in nodes}
    dependents: dict[str, list[str]] = {n: [] for n in nodes}
    for n, ds in deps.items():
        for d in ds:
            dependents[d].append(n)
    waiting = {n: len(ds) for n, ds in deps.items()}
    ready = [(sort_key(n), n) for n in nodes if waiting[n] == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        _, n = heapq.heappop(ready)
        order.append(n)
        for m in dependents[n]:
            waiting[m] -= 1
            if waiting[m] == 0:
                heapq.heappush(ready, (sort_key(m), m))
    if len(order) < len(members):
        cycle = find_cycle({n: deps[n] for n in nodes if n not in order})
        raise PrerequisiteCycle([cycle or sorted(members - set(order))])
    return order
