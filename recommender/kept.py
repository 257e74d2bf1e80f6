"""Results kept for reuse (thread-safe): the last few, by key or by the identity of the object they were made
from. A server's requests share a few targets, constraint sets, pricings and one loaded model or graph, so
what is made from them is kept rather than made again per request."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
O = TypeVar("O")  # noqa: E741 - the object a result is made from


class Kept(Generic[K, V]):
    """The last ``size`` results, by key; the one used last is kept longest."""

    def __init__(self, size: int) -> None:
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: K, value: V) -> V:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._items)


class KeptFor(Generic[O, V]):
    """``make(obj)``, kept for the last ``size`` objects by their identity, each with its object (so that
    its id stays its own while kept). For objects that never change once made (a loaded model, a graph, a
    list the options answered): an equal but distinct object gets its own result."""

    def __init__(self, make: Callable[[O], V], size: int) -> None:
        self._make = make
        self._kept: Kept[int, tuple[O, V]] = Kept(size)

    def __call__(self, obj: O) -> V:
        kept = self._kept.get(id(obj))
        if kept is not None and kept[0] is obj:
            return kept[1]
        return self._kept.put(id(obj), (obj, self._make(obj)))[1]

    def __len__(self) -> int:
        return len(self._kept)
