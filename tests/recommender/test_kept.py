"""recommender.kept: results kept by key, or by the identity of what they were made from."""

from __future__ import annotations

from recommender.kept import Kept, KeptFor


def test_the_last_used_are_kept() -> None:
    kept: Kept[str, int] = Kept(2)
    kept.put("a", 1)
    kept.put("b", 2)
    assert kept.get("a") == 1  # now used last
    kept.put("c", 3)
    assert kept.get("b") is None and kept.get("a") == 1 and kept.get("c") == 3 and len(kept) == 2


def test_made_once_per_object_by_identity() -> None:
    made: list[tuple[int, ...]] = []

    def make(obj: tuple[int, ...]) -> int:
        made.append(obj)
        return sum(obj)

    kept = KeptFor(make, 2)
    first = (1, 2)
    assert kept(first) == 3 and kept(first) == 3 and made == [first]
    equal = tuple([1, 2])
    assert kept(equal) == 3 and len(made) == 2  # equal but distinct: its own result
    kept((5,))
    assert kept(first) == 3 and len(made) == 4 and len(kept) == 2  # the oldest went
