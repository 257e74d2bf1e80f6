"""Small-cell suppression of the published people table: no figure describes fewer than five people.

The table the region sees is origins x (targets + "not trained"), each cell a number of workers, with its row
totals (the workforce of each origin), column totals (made ready per target; not trained in all), its grand
total (the workforce) and any further published sums of cells (workers made ready in all). Unmet demand,
workers remaining and cost per worker follow from these figures, so they are published or hidden with them.

*Primary* suppression hides every figure from 1 to ``threshold - 1`` (zeros are published: they describe
nobody). *Complementary* suppression then hides more figures until no hidden small figure can be recovered
from the published ones: the smallest and largest values it can take in any table of non-negative cells
that agrees with everything published (two linear programs: subtraction from totals, done exhaustively)
must include 0 and ``threshold`` or more, so a reader cannot tell an empty cell from a small or a large one.
Complements are added one at a time among the figures sharing a cell with the exposed one, preferring inner
cells, then figures of at least the threshold (they give room without hiding another small figure), then
the smallest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linprog

from recommender.region.model import PRIVACY_THRESHOLD

#: A figure: ("cell", r, c), ("row", r), ("col", c), ("total",) or ("sum", name).
Figure = tuple[str | int, ...]


@dataclass(frozen=True)
class Suppressed:
    """The figures of a table and which are hidden; ``values`` are the true cells (never published)."""

    values: NDArray[np.int64]  # shape (rows, cols)
    forms: dict[Figure, NDArray[np.float64]]  # each figure as coefficients over the cells (0/1, or weights)
    hidden: frozenset[Figure]
    primary: frozenset[Figure]

    def value(self, figure: Figure) -> float:
        return float((self.values * self.forms[figure]).sum())

    def published(self, figure: Figure) -> float | None:
        """The figure, or None when hidden."""
        return None if figure in self.hidden else self.value(figure)


def table_figures(
    shape: tuple[int, int], sums: Sequence[tuple[str, NDArray[np.float64]]] = ()
) -> dict[Figure, NDArray[np.float64]]:
    """Inner cells, row and column totals, the grand total and named sums, as coefficients on the cells."""
    rows, cols = shape
    forms: dict[Figure, NDArray[np.float64]] = {}
    for r in range(rows):
        for c in range(cols):
            form = np.zeros(shape)
            form[r, c] = 1.0
            forms[("cell", r, c)] = form
    for r in range(rows):
        form = np.zeros(shape)
        form[r, :] = 1.0
        forms[("row", r)] = form
    for c in range(cols):
        form = np.zeros(shape)
        form[:, c] = 1.0
        forms[("col", c)] = form
    forms[("total",)] = np.ones(shape)
    for name, coefficients in sums:
        forms[("sum", name)] = np.asarray(coefficients, dtype=np.float64)
    return forms


def feasible_range(
    values: NDArray[np.int64],
    forms: dict[Figure, NDArray[np.float64]],
    published: Sequence[Figure],
    figure: Figure,
) -> tuple[float, float]:
    """Smallest and largest value of ``figure`` over non-negative tables agreeing with the ``published`` ones.

    What a reader holding the published table can learn about a hidden figure.
    """
    a_eq = np.array([forms[f].ravel() for f in published]) if published else None
    b_eq = np.array([(values * forms[f]).sum() for f in published]) if published else None
    objective = forms[figure].ravel()
    low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    upper = float("inf") if high.status == 3 else float(-high.fun)
    return float(low.fun), upper


def exposed(
    values: NDArray[np.int64],
    forms: dict[Figure, NDArray[np.float64]],
    hidden: set[Figure] | frozenset[Figure],
    primary: set[Figure] | frozenset[Figure],
    threshold: int = PRIVACY_THRESHOLD,
) -> list[Figure]:
    """Hidden small figures whose feasible range does not reach both 0 and ``threshold``."""
    published = [f for f in forms if f not in hidden]
    result = []
    for figure in sorted(primary, key=str):
        low, high = feasible_range(values, forms, published, figure)
        if low > 0.5 or high < threshold - 0.5:
            result.append(figure)
    return result


#: Complement candidates tried (by preference) for one that widens an exposed figure's range.
CANDIDATES_TRIED = 40


def _complement(
    values: NDArray[np.int64],
    forms: dict[Figure, NDArray[np.float64]],
    hidden: set[Figure],
    fixed: frozenset[Figure],
    figure: Figure,
    people: dict[Figure, int],
    threshold: int,
) -> Figure | None:
    """The figure to hide next for ``figure``: the preferred one among those that widen its feasible range.

    Candidates share a cell with ``figure`` (first) or with a published figure that does (seats link
    cells of different rows and columns); preferred are inner cells, then figures of at least the
    threshold, then the smallest.
    """
    support = forms[figure] != 0
    reach = support.copy()
    for f, m in forms.items():
        if f not in hidden and ((m != 0) & support).any():
            reach |= m != 0

    def key(f: Figure) -> tuple[bool, bool, bool, int, str]:
        near = bool(((forms[f] != 0) & support).any())
        return (not near, f[0] != "cell", people[f] < threshold, people[f], str(f))

    candidates = sorted(
        (f for f, m in forms.items() if f not in hidden and f not in fixed and ((m != 0) & reach).any()),
        key=key,
    )
    if not candidates:
        return None
    published = [f for f in forms if f not in hidden]
    before = feasible_range(values, forms, published, figure)
    for candidate in candidates[:CANDIDATES_TRIED]:
        low, high = feasible_range(values, forms, [f for f in published if f != candidate], figure)
        if low < before[0] - 0.5 or high > before[1] + 0.5:
            return candidate
    return candidates[0]


def suppress(
    values: NDArray[np.int64],
    *,
    sums: Sequence[tuple[str, NDArray[np.float64]]] = (),
    threshold: int = PRIVACY_THRESHOLD,
) -> Suppressed:
    """Primary and complementary suppression of a table of counts, its totals and named sums.

    Parameters
    ----------
    values : ndarray of int, shape (rows, cols)
        The inner cells (workers), >= 0.
    sums : sequence of (name, ndarray of shape (rows, cols))
        Further published sums of cells, as coefficients (a weighted total has the weights).
    threshold : int
        Figures from 1 to ``threshold - 1`` are hidden.

    Returns
    -------
    Suppressed
        The hidden figures; ``exposed`` finds none among them.
    """
    values = np.asarray(values, dtype=np.int64)
    return suppress_figures(
        values, table_figures((values.shape[0], values.shape[1]), sums), threshold=threshold
    )


def suppress_figures(
    values: NDArray[np.int64],
    forms: dict[Figure, NDArray[np.float64]],
    *,
    fixed: frozenset[Figure] = frozenset(),
    threshold: int = PRIVACY_THRESHOLD,
) -> Suppressed:
    """:func:`suppress` for any figures over any counts: each figure a coefficient array over ``values``.

    ``fixed`` figures are always published (a region's purchase of seats, say) and never chosen as
    complements; the audit counts them among what a reader knows.
    """
    # a figure describes fewer than ``threshold`` people when its cells hold 1..threshold-1 workers in all
    people = {f: int(values[m != 0].sum()) for f, m in forms.items()}
    primary = {f for f, n in people.items() if 0 < n < threshold and f not in fixed}
    hidden = set(primary)
    while True:
        open_ = exposed(values, forms, hidden, primary, threshold)
        if not open_:
            break
        complement = _complement(values, forms, hidden, fixed, open_[0], people, threshold)
        if complement is None:
            hidden = set(forms) - set(fixed)
            break
        hidden.add(complement)
    return Suppressed(values, forms, frozenset(hidden), frozenset(primary))
