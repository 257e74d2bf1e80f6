"""Tiny synthetic interaction data with a known structure, shared by the model tests.

Two communities: users of group ``g`` only interact with items of group ``g`` and walk them in one fixed
order (a chain), so co-occurrence, sequence and metadata signals all carry the answer.
"""

from __future__ import annotations

import numpy as np

from training.interactions import InteractionData, build_data


def two_communities(
    n_users: int = 60, n_items: int = 40, per_user: int = 6, seed: int = 0
) -> InteractionData:
    rng = np.random.default_rng(seed)
    triples: list[tuple[str, str, float, float]] = []
    user_features: dict[str, dict[str, float]] = {}
    item_features: dict[str, dict[str, float]] = {}
    half = n_items // 2
    for i in range(n_items):
        item_features[f"i{i}"] = {f"group={i // half}": 1.0, f"noise={rng.integers(3)}": 1.0}
    for u in range(n_users):
        group = u % 2
        user_features[f"u{u}"] = {f"group={group}": 1.0}
        start = int(rng.integers(0, half - per_user))
        for step in range(per_user):
            item = group * half + start + step
            triples.append((f"u{u}", f"i{item}", float(step * n_users + u), 1.0))
    return build_data(
        "two-communities", triples, has_time=True, user_features=user_features, item_features=item_features
    )
