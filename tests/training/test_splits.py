"""Protocols on a tiny hand-made data set whose splits can be read off by eye."""

from __future__ import annotations

import numpy as np
import pytest

from training.interactions import build_data
from training.splits import UnknownProtocol, split


@pytest.fixture
def tiny():
    # u1: a@1 b@2 c@3; u2: a@4 d@5; u3: e@6 (a single interaction); items first seen: a1 b2 c3 d5 e6.
    rows = [("u1", "a", 1), ("u1", "b", 2), ("u1", "c", 3), ("u2", "a", 4), ("u2", "d", 5), ("u3", "e", 6)]
    return build_data("tiny", [(u, i, float(t), 1.0) for u, i, t in rows], has_time=True)


def held(data, mask) -> set[tuple[str, str]]:
    return {
        (data.users.id(int(u)), data.items.id(int(i)))
        for u, i in zip(data.user[mask], data.item[mask], strict=True)
    }


def test_leave_last_out(tiny) -> None:
    s = split(tiny, "leave-last-out")
    assert held(tiny, s.test) == {("u1", "c"), ("u2", "d")}
    assert [tiny.users.id(int(u)) for u in s.users] == ["u1", "u2"]
    assert not np.any(s.train & s.test)


def test_leave_last_out_uses_published_split_but_not_for_validation(tiny) -> None:
    published = build_data(
        "pub",
        [("u1", "a", 1.0, 1.0), ("u1", "b", 2.0, 1.0), ("u1", "c", 3.0, 1.0)],
        has_time=False,
        split=["train", "test", "train"],
    )
    s = split(published, "leave-last-out")
    assert held(published, s.test) == {("u1", "b")}
    inner = split(published, "leave-last-out", within=s.train, use_published=False)
    assert held(published, inner.test) == {("u1", "c")}
    assert not np.any(inner.test & s.test)


def test_chronological_cut(tiny) -> None:
    s = split(tiny, "chronological")
    # 6 interactions, cut at the 80% position: times >= 5 are held out; u3 has no training, so not evaluated.
    assert held(tiny, s.train) == {("u1", "a"), ("u1", "b"), ("u1", "c"), ("u2", "a")}
    assert held(tiny, s.test) == {("u2", "d")}


def test_chronological_needs_a_clock() -> None:
    data = build_data("seq", [("u", "a", 0.0, 1.0), ("u", "b", 1.0, 1.0)], has_time=False)
    with pytest.raises(UnknownProtocol, match="clock"):
        split(data, "chronological")


def test_item_cold_start_holds_out_newest_items_entirely(tiny) -> None:
    s = split(tiny, "item-cold-start")
    # 5 items, 20% = 1: the newest first-seen item is e; every interaction with it is held out.
    assert held(tiny, s.test) == set()  # its only user u3 has no training, so nobody is evaluated on it
    assert not np.any(s.train & (tiny.item == tiny.items.index("e")))


def test_user_cold_start_users_have_no_training() -> None:
    rows = [(f"u{u}", f"i{(u + k) % 7}", float(k), 1.0) for u in range(10) for k in range(3)]
    data = build_data("users", rows, has_time=True)
    s = split(data, "user-cold-start", seed=4)
    assert s.users.size == 2
    assert not np.any(s.train & np.isin(data.user, s.users))
    assert np.all(np.isin(data.user[s.test], s.users))


def test_unknown_protocol(tiny) -> None:
    with pytest.raises(UnknownProtocol, match="leave-last-out"):
        split(tiny, "random")
