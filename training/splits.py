"""Protocols: how interactions are split into training and held-out (test) parts.

The evaluation splits with them, and training carves its validation split out of the training part with the
same protocol (``split(..., within=train)``), so both live here, below the evaluation.

* ``leave-last-out``: each user's last interaction by time is held out (users with at least two). When the
  source ships its own split (MOOCCubeX's ``split`` column), that split is used as is.
* ``chronological``: one time cut for everybody; the newest 20% of interactions are held out (the protocol of
  LightFM's StackExchange example: ``time < cut`` trains).
* ``item-cold-start``: 20% of items held out entirely, the newest ones (by first interaction) where there is a
  clock, a seeded random choice otherwise; every interaction with them is held out.
* ``user-cold-start``: 20% of users held out entirely (seeded random); only their metadata describes them.

Outside ``user-cold-start`` a user is evaluated only when they have held-out and training interactions.
:func:`split` also works on a subset of interactions, which is how a validation split is carved out of the
training part with the same protocol.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from recommender.errors import UpskillError
from training.interactions import InteractionData

PROTOCOLS = ("leave-last-out", "chronological", "item-cold-start", "user-cold-start")
HELD_OUT_SHARE = 0.2

Mask = NDArray[np.bool_]


class UnknownProtocol(UpskillError):
    """A protocol name that is not one of :data:`PROTOCOLS`, or one the data cannot support."""


@dataclass(frozen=True)
class Split:
    """Boolean masks over ``data``'s interactions and the users to evaluate."""

    protocol: str
    train: Mask
    test: Mask
    users: NDArray[np.int64]


def split(
    data: InteractionData,
    protocol: str,
    *,
    within: Mask | None = None,
    seed: int = 0,
    use_published: bool = True,
) -> Split:
    """Split the interactions selected by ``within`` (all when None) according to ``protocol``."""
    pool = np.ones(data.user.size, dtype=bool) if within is None else within.copy()
    if protocol == "leave-last-out":
        if use_published and within is None and data.split is not None:
            test = data.split == "test"
        else:
            test = _last_per_user(data, pool)
    elif protocol == "chronological":
        if not data.has_time:
            raise UnknownProtocol(
                f"{data.name} has sequence positions, not a clock: a global time cut is meaningless; "
                "use leave-last-out"
            )
        times = data.time[pool]
        cut = np.sort(times)[int(times.size * (1.0 - HELD_OUT_SHARE))]
        test = pool & (data.time >= cut)
    elif protocol == "item-cold-start":
        held = _held_out_entities(data.item, data.time, pool, data.n_items, data.has_time, seed)
        test = pool & held[data.item]
    elif protocol == "user-cold-start":
        held = _held_out_entities(data.user, data.time, pool, data.n_users, False, seed)
        test = pool & held[data.user]
    else:
        raise UnknownProtocol(f"unknown protocol {protocol!r}; choose one of {', '.join(PROTOCOLS)}")
    test &= pool
    train = pool & ~test
    has_test = np.bincount(data.user[test], minlength=data.n_users) > 0
    if protocol == "user-cold-start":
        users = np.flatnonzero(has_test)
    else:
        has_train = np.bincount(data.user[train], minlength=data.n_users) > 0
        users = np.flatnonzero(has_test & has_train)
    return Split(protocol=protocol, train=train, test=test & np.isin(data.user, users), users=users)


def _last_per_user(data: InteractionData, pool: Mask) -> Mask:
    index = np.flatnonzero(pool)
    order = index[np.lexsort((index, data.time[index], data.user[index]))]
    users = data.user[order]
    is_last = np.append(users[1:] != users[:-1], True)
    counts = np.bincount(users, minlength=data.n_users)
    is_last &= counts[users] >= 2
    test = np.zeros(data.user.size, dtype=bool)
    test[order[is_last]] = True
    return test


def _held_out_entities(
    entity: NDArray[np.int64], time: NDArray[np.float64], pool: Mask, n: int, by_time: bool, seed: int
) -> Mask:
    present = np.flatnonzero(np.bincount(entity[pool], minlength=n) > 0)
    n_held = int(round(present.size * HELD_OUT_SHARE))
    if by_time:
        first = np.full(n, np.inf)
        np.minimum.at(first, entity[pool], time[pool])
        chosen = present[np.lexsort((present, first[present]))][present.size - n_held :]
    else:
        chosen = np.random.default_rng(seed).choice(present, size=n_held, replace=False)
    held = np.zeros(n, dtype=bool)
    held[chosen] = True
    return held
