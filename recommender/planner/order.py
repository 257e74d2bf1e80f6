"""Prerequisite order: cycle detection naming the members, and topological order with deterministic ties.

Both are networkx's (as in :mod:`recommender.prerequisites`); this module only fixes the edge direction and
makes the answers independent of the input's order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import networkx as nx

from recommender.errors import PrerequisiteCycle
from recommender.planner.model import CourseOption


def find_cycle(requires: Mapping[str, Iterable[str]]) -> list[str] | None:
    """A cycle of the graph "course -> what it requires", as its members in order, or None when acyclic.

    Deterministic: nodes and edges are added in sorted order; the cycle starts at its smallest member.
    Edges to nodes that are not keys of ``requires`` are ignored.
    """
    graph = nx.DiGraph()
    graph.add_nodes_from(sorted(requires))
    graph.add_edges_from(
        (node, dep) for node in sorted(requires) for dep in sorted(set(requires[node])) if dep in requires
    )
    if nx.is_directed_acyclic_graph(graph):  # fast; find_cycle alone searches an acyclic graph slowly
        return None
    cycle = [u for u, _ in nx.find_cycle(graph)]
    start = cycle.index(min(cycle))
    return cycle[start:] + cycle[:start]


def with_requirements(found: set[str], requires: Mapping[str, Iterable[str]]) -> set[str]:
    """``found``, extended in place, with everything its members require, directly or through one another."""
    frontier = list(found)
    while frontier:
        for p in requires.get(frontier.pop(), ()):
            if p not in found:
                found.add(p)
                frontier.append(p)
    return found


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
    members = sorted(set(nodes))
    deps = {n: sorted(set(requires.get(n, ())) & set(members)) for n in members}
    graph = nx.DiGraph()
    graph.add_nodes_from(members)
    graph.add_edges_from((d, n) for n in members for d in deps[n])
    sort_key = key if key is not None else (lambda node: node)
    try:
        return list(nx.lexicographical_topological_sort(graph, key=lambda node: (sort_key(node), node)))
    except nx.NetworkXUnfeasible:
        raise PrerequisiteCycle([find_cycle(deps) or members]) from None
