"""Per-course ranking scores as one array (a model's scores for every item, in its item order).

The ``best for you`` plan reads a score per course (:func:`recommender.planner.plan_paths`' ``scores``, any
mapping of course id to score). A model scores every item at once, as one array: :class:`ScoreVector` reads
that array by course id without a dict of every item made per plan (~1,800 entries, ~0.15 ms), and gives
the lowest and highest score over the available courses (the min-max normalisation's ends) as one array
operation, the positions of those courses found once per set of available courses (:class:`ScoreIndex`).
The values read are those of a dict made with ``dict(zip(ids, array.tolist()))``: the same floats.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import partial

import numpy as np
from numpy.typing import NDArray

from recommender.kept import KeptFor

#: Id tuples whose positions a :class:`ScoreIndex` keeps (a server's requests share a few sets of constraints,
#: and with them the available courses: ``PlanCatalogue.filtered`` keeps 16).
POSITIONS_KEPT = 16


class ScoreIndex:
    """The position of each id in a score array (made once per model), and the positions of the ids of a
    few id tuples, kept by the tuple's identity (with the tuple, so that its id stays its own): a
    catalogue's filter results are kept and shared by the plans under the same constraints."""

    def __init__(self, ids: Sequence[str]):
        self.position: Mapping[str, int] = {item: k for k, item in enumerate(ids)}
        if len(self.position) != len(ids):
            raise ValueError("score ids must be distinct")
        self._positions = KeptFor(partial(_found, self.position), POSITIONS_KEPT)

    def __len__(self) -> int:
        return len(self.position)

    def positions(self, ids: tuple[str, ...]) -> NDArray[np.int64]:
        """The positions of the members of ``ids`` that have one, in the order of ``ids``."""
        return self._positions(ids)


def _found(position: Mapping[str, int], ids: tuple[str, ...]) -> NDArray[np.int64]:
    """The positions of the members of ``ids`` that have one (read-only: it is kept and shared)."""
    found = np.fromiter((position[i] for i in ids if i in position), dtype=np.int64)
    found.setflags(write=False)
    return found


class ScoreVector(Mapping[str, float]):
    """Scores by id, read from ``values`` (shape (n,), any float dtype) at the positions of ``index``."""

    def __init__(self, values: NDArray[np.floating], index: ScoreIndex):
        if values.shape != (len(index),):
            raise ValueError(f"expected {len(index)} scores, got an array of shape {values.shape}")
        self._values, self._index = values, index

    def __getitem__(self, item: str) -> float:
        return float(self._values[self._index.position[item]])

    def __contains__(self, item: object) -> bool:
        return item in self._index.position

    def __iter__(self) -> Iterator[str]:
        return iter(self._index.position)

    def __len__(self) -> int:
        return len(self._values)

    def extent(self, ids: tuple[str, ...]) -> tuple[float, float] | None:
        """The lowest and highest score of the members of ``ids`` that have one; None when none has."""
        found = self._index.positions(ids)
        if not found.size:
            return None
        picked = self._values[found]
        return float(picked.min()), float(picked.max())
