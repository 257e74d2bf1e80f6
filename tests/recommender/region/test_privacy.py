"""Small-cell suppression: hidden figures cannot be recovered from the published table (subtraction, LP)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from recommender.region.model import Occupation, Pair, Pathway, Problem, Programme, Settings
from recommender.region.privacy import feasible_range, suppress, suppress_figures
from recommender.region.publish import people_figures


def _attack_by_subtraction(s) -> dict[tuple, float]:  # type: ignore[no-untyped-def]
    """What a reader recovers by repeatedly subtracting published figures from published totals."""
    known = {f: s.value(f) for f in s.forms if f not in s.hidden}
    rows, cols = s.values.shape
    lines: list[list[tuple]] = [[("cell", r, c) for c in range(cols)] + [("row", r)] for r in range(rows)]
    lines += [[("cell", r, c) for r in range(rows)] + [("col", c)] for c in range(cols)]
    lines.append([("row", r) for r in range(rows)] + [("total",)])
    lines.append([("col", c) for c in range(cols)] + [("total",)])
    changed = True
    while changed:
        changed = False
        for line in lines:
            *parts, whole = line
            unknown = [f for f in line if f not in known]
            if len(unknown) == 1:
                f = unknown[0]
                if f == whole:
                    known[f] = sum(known[p] for p in parts)
                else:
                    known[f] = known[whole] - sum(known[p] for p in parts if p != f)
                changed = True
    return known


TABLE = np.array(
    [
        [1300, 0, 0, 0, 10700],
        [0, 286, 0, 0, 2714],
        [0, 0, 0, 0, 1500],
        [3, 0, 2, 0, 895],
        [0, 0, 0, 0, 40],
        [0, 0, 0, 0, 3],
    ]
)


def test_small_cells_and_their_totals_are_hidden() -> None:
    s = suppress(TABLE)
    assert {("cell", 3, 0), ("cell", 3, 2), ("cell", 5, 4), ("row", 5), ("col", 2)} <= s.primary
    assert s.primary <= s.hidden
    assert all(s.published(f) is None for f in s.primary)
    assert s.published(("cell", 0, 0)) == 1300  # large cells stay
    assert s.published(("cell", 2, 1)) == 0  # zeros describe nobody


def test_a_suppressed_cell_cannot_be_recovered_from_the_published_table() -> None:
    s = suppress(TABLE)
    recovered = _attack_by_subtraction(s)
    for figure in s.primary:
        assert figure not in recovered, figure
    published = [f for f in s.forms if f not in s.hidden]
    for figure in s.primary:
        low, high = feasible_range(s.values, s.forms, published, figure)
        assert low <= 0 and high >= 5, (figure, low, high)


def test_primary_suppression_alone_would_leak() -> None:
    """The attack is real: with only the small figures hidden, subtraction recovers them."""
    primary_only = suppress(TABLE, threshold=5)
    leaky = type(primary_only)(
        primary_only.values, primary_only.forms, primary_only.primary, primary_only.primary
    )
    recovered = _attack_by_subtraction(leaky)
    assert recovered[("cell", 3, 0)] == 3


@pytest.mark.parametrize("seed", range(30))
def test_random_tables_are_protected(seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = rng.choice([0, 0, 1, 2, 3, 4, 6, 9, 15, 40], size=(rng.integers(2, 5), rng.integers(2, 5)))
    s = suppress(values)
    published = [f for f in s.forms if f not in s.hidden]
    for figure in s.primary:
        low, high = feasible_range(s.values, s.forms, published, figure)
        assert low <= 0.5 and high >= 4.5
        assert figure not in _attack_by_subtraction(s)


def test_a_table_without_small_cells_is_published_whole() -> None:
    s = suppress(np.array([[10, 0], [7, 25]]))
    assert not s.hidden


def test_weighted_sums_count_as_published() -> None:
    """A published weighted total is one more equation; the suppression accounts for it."""
    values = np.array([[3, 50], [40, 60]])
    weights = np.array([[1.0, 2.0], [1.0, 2.0]])
    s = suppress(values, sums=[("weighted", weights)])
    published = [f for f in s.forms if f not in s.hidden]
    for figure in s.primary:
        low, high = feasible_range(s.values, s.forms, published, figure)
        assert low <= 0.5 and high >= 4.5
    assert list(itertools.chain(s.primary)) == [("cell", 0, 0)]


def _linked_by_seats() -> tuple[Problem, tuple[int, ...]]:
    """3 origins x 2 targets; the 3 workers of origin 3 share programmes with large moves."""
    programmes = tuple(Programme(f"p{i}", f"p{i}", "provider", {"s": 3}, 100.0, 500, 10, 2) for i in range(2))
    origins = (Occupation("o1", "o1", 100), Occupation("o2", "o2", 40), Occupation("o3", "o3", 3))
    targets = (Occupation("t1", "t1", 300, 2028), Occupation("t2", "t2", 300, 2028))
    pairs = tuple(Pair(o, t, (), (), 1.0) for o in range(3) for t in range(2))
    pathways = (
        Pathway(0, (0,), 100, 10, 2),  # o1 -> t1 through p0
        Pathway(4, (0, 1), 200, 20, 4),  # o3 -> t1 through p0 and p1
        Pathway(3, (1,), 100, 10, 2),  # o2 -> t2 through p1
        Pathway(5, (1,), 100, 10, 2),  # o3 -> t2 through p1
        Pathway(1, (1,), 100, 10, 2),  # o1 -> t2 through p1
    )
    problem = Problem(origins, targets, programmes, pairs, pathways, Settings(budget=1e6))
    return problem, (60, 2, 30, 1, 20)


def test_seats_cannot_give_a_hidden_cell_away() -> None:
    problem, workers = _linked_by_seats()
    values, forms, fixed = people_figures(problem, workers)
    s = suppress_figures(values, forms, fixed=fixed)
    assert ("cell", 2, 0) in s.primary and not s.hidden & fixed
    published = [f for f in forms if f not in s.hidden]  # the seats among them
    for figure in s.primary:
        low, high = feasible_range(s.values, s.forms, published, figure)
        assert low <= 0.5 and high >= 4.5, (figure, low, high)
    # the attack is real: suppressing the table alone, the published seats recover the 2 and the 1 exactly
    table_only = suppress_figures(values, {f: m for f, m in forms.items() if f[0] != "seats"})
    leaky = [f for f in forms if f not in table_only.hidden]
    assert feasible_range(values, forms, leaky, ("cell", 2, 0)) == pytest.approx((2.0, 2.0))
