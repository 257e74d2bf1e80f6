"""One mapping between outside ids (worker ids, course ids, dataset ids) and matrix indices.

Indices are an implementation detail of the models: they never leave the recommender. The mapping keeps the
order in which ids were first seen, so it is deterministic for a given input order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import NDArray

from recommender.errors import NotFoundError


class IdMap:
    """Dense indices ``0..n-1`` for a sequence of distinct string ids (like ``lightfm.data.Dataset``)."""

    def __init__(self, ids: Iterable[str] = ()) -> None:
        self._ids: list[str] = []
        self._index: dict[str, int] = {}
        self.extend(ids)

    def extend(self, ids: Iterable[str]) -> None:
        """Add the ids not yet known, at the end, in the given order."""
        for raw in ids:
            key = str(raw)
            if key not in self._index:
                self._index[key] = len(self._ids)
                self._ids.append(key)

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def index(self, key: str, *, error: type[NotFoundError] = NotFoundError) -> int:
        """The index of one id; raise ``error`` with close matches when it is unknown."""
        try:
            return self._index[key]
        except KeyError:
            suggestions = [known for known in self._ids if key.lower() in known.lower()][:5]
            raise error(key, suggestions) from None

    def indices(self, keys: Sequence[str]) -> NDArray[np.int64]:
        """The indices of many ids at once (every one must be known)."""
        return np.fromiter((self.index(key) for key in keys), dtype=np.int64, count=len(keys))

    def id(self, index: int) -> str:
        """The outside id at ``index``."""
        return self._ids[index]

    @property
    def ids(self) -> list[str]:
        """All ids, in index order (a copy)."""
        return list(self._ids)

    def to_array(self) -> NDArray[np.str_]:
        """The ids as a unicode array, in index order (what artefacts store)."""
        return np.asarray(self._ids, dtype=np.str_)

    @classmethod
    def from_array(cls, ids: NDArray[np.str_]) -> IdMap:
        """Rebuild a mapping from :meth:`to_array`; refuse duplicates, which would make indices ambiguous."""
        mapping = cls(str(value) for value in ids.tolist())
        if len(mapping) != len(ids):
            raise ValueError("id array holds duplicates; it cannot be an index mapping")
        return mapping

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IdMap) and self._ids == other._ids

    def __repr__(self) -> str:
        return f"IdMap({len(self)} ids)"
