"""Model artefacts for API tests: small hybrid models over the tiny catalogue's courses, saved on demand."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from data import files
from training.artefacts import PREFIX, save
from training.fit import fit_blended
from training.interactions import build_data
from training.params import ModelParams

COURSES = ("ev-intro", "battery-adv", "ev-adv")


def save_model(folder: Path, favourite: str, seed: int = 0) -> Path:
    """Fit a small model on users who all take ``favourite`` last, save it; return its metadata path."""
    triples = []
    user_features = {}
    for u in range(24):
        user = f"u{u}"
        user_features[user] = {"occupation=7212": 1.0} if u % 2 else {"skill=skill:weld": 1.0}
        others = [c for c in COURSES if c != favourite]
        for step, course in enumerate([others[u % 2], favourite]):
            triples.append((user, course, float(step * 100 + u), 1.0))
    data = build_data("tiny-courses", triples, has_time=True, user_features=user_features)
    params = ModelParams(components=4, max_epochs=2, patience=1, seed=seed)
    recommender, report = fit_blended(data, np.ones(data.user.size, bool), "leave-last-out", params)
    return save(recommender, data, report, folder, params)


def truncated_copy(artefact: Path) -> Path:
    """A newer artefact whose arrays are cut in half (its checksum no longer matches)."""
    return _copy(artefact, arrays=lambda content: content[: len(content) // 2])


def other_version_copy(artefact: Path) -> Path:
    """A newer artefact written by another format version."""
    return _copy(artefact, meta=lambda meta: {**meta, "format_version": 99})


def _copy(
    artefact: Path,
    arrays: Callable[[bytes], bytes] = lambda content: content,
    meta: Callable[[dict[str, Any]], dict[str, Any]] = lambda meta: meta,
) -> Path:
    """A copy under a newer name, written as training writes one (arrays, then the metadata, each whole)."""
    stem = PREFIX + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")  # as save() names them: newer
    document = json.loads(artefact.read_text())
    files.write_bytes(
        artefact.parent / f"{stem}.npz", arrays((artefact.parent / document["npz"]).read_bytes())
    )
    target = artefact.parent / f"{stem}.json"
    files.write_text(target, json.dumps(meta({**document, "npz": f"{stem}.npz"})))
    return target
