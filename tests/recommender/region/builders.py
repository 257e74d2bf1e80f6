"""Small random regional problems built directly (no graph), for brute-force checks of the portfolio MILP."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable
from dataclasses import replace

from data.catalogue import DEFAULT_CATALOGUE, EDX_NAME, read_catalogue
from recommender.gap import Holding, Profile, gap_from_holdings, holdings
from recommender.graph import CompetenceGraph
from recommender.planner import CourseOption
from recommender.region.model import Occupation, Pair, Pathway, Problem, Programme, Settings, Solution


def random_problem(seed: int, *, min_seats: int = 1) -> Problem:
    """2 origins x 2 targets, 4 programmes, 5 pathways (one per pair, one more), counts 0..4, tight budget."""
    rng = random.Random(seed)
    origins = tuple(Occupation(f"o{i}", f"origin {i}", rng.randint(0, 4)) for i in range(2))
    targets = tuple(
        Occupation(f"t{i}", f"target {i}", rng.randint(1, 5), 2028, rng.choice([1.0, 1.5, 2.0]))
        for i in range(2)
    )
    programmes = tuple(
        Programme(
            id=f"p{i}",
            title=f"programme {i}",
            provider=f"provider {i % 2}",
            skills={"s": 3},
            cost_per_seat=float(rng.randint(1, 5) * 100),
            seats=rng.randint(0, 6),
            hours=10,
            weeks=2,
        )
        for i in range(4)
    )
    pairs = tuple(Pair(o, t, (), (), 1.0) for o in range(2) for t in range(2))
    pathways: list[Pathway] = []
    for k in [*range(len(pairs)), rng.randrange(len(pairs))]:
        chosen = tuple(sorted(rng.sample(range(4), rng.randint(1, 2))))
        if any(p.pair == k and p.programmes == chosen for p in pathways):
            continue
        cost = sum(programmes[i].cost_per_seat for i in chosen)
        pathways.append(Pathway(k, chosen, cost, 10.0 * len(chosen), 2.0 * len(chosen)))
    budget = float(rng.randint(3, 20) * 100)
    settings = Settings(budget=budget, min_seats=min_seats, cofinancing=rng.choice([0.0, 0.5]))
    return Problem(origins, targets, programmes, pairs, tuple(pathways), settings)


def scaled(problem: Problem, factor: int) -> Problem:
    """``problem`` with workforce, demand, seats and budget ``factor`` times larger."""
    return replace(
        problem,
        origins=tuple(replace(o, count=o.count * factor) for o in problem.origins),
        targets=tuple(replace(t, count=t.count * factor) for t in problem.targets),
        programmes=tuple(replace(p, seats=p.seats * factor) for p in problem.programmes),
        settings=replace(problem.settings, budget=problem.settings.budget * factor),
    )


def feasible(problem: Problem, workers: tuple[int, ...]) -> bool:
    """Whether workers per pathway respect supply, demand, seats (and the minimum class), and the budget."""
    solution = Solution(workers, None)  # type: ignore[arg-type]
    seats = solution.seats(problem)
    s = problem.settings
    for p, n in zip(problem.programmes, seats, strict=True):
        if n > p.seats or 0 < n < s.min_seats:
            return False
    for o in range(len(problem.origins)):
        moved = sum(
            n
            for path, n in zip(problem.pathways, workers, strict=True)
            if problem.pairs[path.pair].origin == o
        )
        if moved > problem.origins[o].count:
            return False
    for t in range(len(problem.targets)):
        ready = sum(
            n
            for path, n in zip(problem.pathways, workers, strict=True)
            if problem.pairs[path.pair].target == t
        )
        if ready > problem.targets[t].count:
            return False
    return solution.cost(problem) * (1 - s.cofinancing) <= s.budget + 1e-9


def brute_force(problem: Problem) -> tuple[float, float]:
    """The best (weighted made ready, then lowest cost) over every assignment of workers to pathways."""
    best = (0.0, 0.0)
    top = max([o.count for o in problem.origins] + [0])
    for workers in itertools.product(range(top + 1), repeat=len(problem.pathways)):
        if not feasible(problem, workers):
            continue
        solution = Solution(workers, None)  # type: ignore[arg-type]
        value = (solution.weighted(problem), -solution.cost(problem))
        if value > (best[0], -best[1]):
            best = (value[0], -value[1])
    return best


def ready_by_gap(graph: CompetenceGraph, origin: str, target: str, skills: dict[str, int]) -> bool:
    """Whether holding ``origin`` and the taught ``skills`` leaves no essential gap to ``target`` (gap.py)."""
    held: dict[int, Holding] = dict(holdings(graph, Profile((origin,))))
    for uri, level in skills.items():
        s = graph.skill_index[uri]
        if s not in held or held[s].level < level:
            held[s] = Holding(level, "declared", uri)
    gap = gap_from_holdings(graph, target, held)
    return all(item.status == "held" for item in gap.items if item.relation == "essential")


def default_catalogue_courses() -> list[CourseOption]:
    """The vendored edX courses as planner courses with their vendored skills (no database)."""
    return [
        CourseOption(id=r.id, title=r.title, hours=r.hours, skills={c.uri: c.level for c in r.skills})
        for r in read_catalogue(DEFAULT_CATALOGUE).records
        if r.catalogue == EDX_NAME
    ]


def taught(problem: Problem, programmes: Iterable[int]) -> dict[str, int]:
    """The best level each skill is taught at by the given programmes (indices into the problem)."""
    levels: dict[str, int] = {}
    for i in programmes:
        for uri, level in problem.programmes[i].skills.items():
            levels[uri] = max(levels.get(uri, 0), level)
    return levels
