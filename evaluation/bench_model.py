"""Benchmark of the hybrid ranker: training throughput against raw LightFM, and serving latency.

1. Training throughput (interactions per second): ``HybridRanker.fit`` next to a raw ``LightFM.fit`` on the
   same matrices (the wrapper's design matrices), same epochs, same thread count, in the same process,
   alternating runs so drift hits both. Target: ratio >= 0.8. On MOOCCubeX's published training split when
   ``../shared/data`` is there (pure-CF and identity + metadata configurations), else on synthetic data.
2. Scoring latency for one user over 1,000 and 100,000 items: one matrix product plus ``argpartition``
   (:func:`recommender.scoring.top_k`), p50 and p99 over many requests; for the blended recommender too
   (hybrid + co-occurrence + transitions + popularity).

    OPENBLAS_NUM_THREADS=1 .venv/bin/python -m evaluation.bench_model [--epochs 5] [--repeats 2]

Prints a table and writes bench-results/model.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from evaluation.datasets import DEFAULT_DATA_DIR, load_mooccubex
from recommender.hybrid import HybridRanker
from recommender.scoring import (
    Blend,
    BlendedRecommender,
    FittedRanker,
    ItemCooccurrence,
    LastItemTransitions,
    Popularity,
    top_k,
)
from training.interactions import InteractionData
from training.splits import split


def _synthetic(
    n_users: int = 20_000, n_items: int = 2_000, per_user: int = 10, seed: int = 0
) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    popularity = rng.zipf(1.3, n_items).astype(float)
    p = popularity / popularity.sum()
    rows = np.repeat(np.arange(n_users), per_user)
    cols = rng.choice(n_items, size=rows.size, p=p)
    matrix = sp.csr_matrix((np.ones(rows.size, np.float32), (rows, cols)), shape=(n_users, n_items))
    matrix.data[:] = 1.0
    return matrix


def training_throughput(  # noqa: PLR0913 - a benchmark step: the matrices and the configuration it times
    name: str,
    train: sp.csr_matrix,
    user_meta: sp.csr_matrix | None,
    item_meta: sp.csr_matrix | None,
    *,
    identity: bool,
    metadata: bool,
    epochs: int,
    repeats: int,
) -> dict[str, Any]:
    """Best-of-``repeats`` seconds for the wrapper and for raw LightFM on the same design matrices."""
    from lightfm import LightFM

    params = {"no_components": 64, "epochs": epochs, "random_state": 0, "num_threads": 1}
    wrapper_times, raw_times = [], []
    interactions = sp.coo_matrix(train)
    for _ in range(repeats):
        start = time.perf_counter()
        ranker = HybridRanker(identity=identity, metadata=metadata, **params).fit(  # type: ignore[arg-type]
            train, user_features=user_meta, item_features=item_meta
        )
        wrapper_times.append(time.perf_counter() - start)
        binary = sp.coo_matrix(
            (np.ones(interactions.nnz, np.float32), (interactions.row, interactions.col)), train.shape
        )
        start = time.perf_counter()
        LightFM(no_components=64, loss="warp", random_state=np.random.RandomState(0)).fit(
            binary,
            user_features=ranker.user_design_,
            item_features=ranker.item_design_,
            epochs=epochs,
            num_threads=1,
        )
        raw_times.append(time.perf_counter() - start)
    wrapper, raw = min(wrapper_times), min(raw_times)
    print(f"  {name}: wrapper {wrapper_times} s, raw LightFM {raw_times} s", flush=True)
    n = train.nnz * epochs
    return {
        "data": name,
        "interactions": int(train.nnz),
        "epochs": epochs,
        "wrapper_seconds": wrapper,
        "raw_seconds": raw,
        "wrapper_per_second": n / wrapper,
        "raw_per_second": n / raw,
        "ratio": raw / wrapper,
        "design_columns": [int(ranker.user_design_.shape[1]), int(ranker.item_design_.shape[1])],
    }


def _fake_ranker(n_users: int, n_items: int, components: int, rng: np.random.Generator) -> FittedRanker:
    arrays: dict[str, np.ndarray] = {
        "user_vectors_": rng.standard_normal((n_users, components + 2)).astype(np.float32),
        "item_vectors_": rng.standard_normal((n_items, components + 2)).astype(np.float32),
        "user_feature_embeddings_": np.zeros((n_users, components), np.float32),
        "user_feature_biases_": np.zeros(n_users, np.float32),
        "item_feature_embeddings_": np.zeros((n_items, components), np.float32),
        "item_feature_biases_": np.zeros(n_items, np.float32),
        "user_support_": np.zeros(0),
        "item_support_": np.zeros(0),
        "offsets_": np.array([n_users, n_items]),
    }
    return FittedRanker.from_arrays({}, arrays)  # as an artefact is served


def _random_rows(n_rows: int, n_cols: int, per_row: int, rng: np.random.Generator) -> sp.csr_matrix:
    rows = np.repeat(np.arange(n_rows), per_row)
    cols = rng.integers(0, n_cols, size=rows.size)
    matrix = sp.csr_matrix((rng.random(rows.size).astype(np.float32), (rows, cols)), shape=(n_rows, n_cols))
    matrix.sum_duplicates()
    return matrix


def latency(n_items: int, *, requests: int = 2000, components: int = 64, seed: int = 0) -> dict[str, Any]:
    """p50/p99 milliseconds of one user's top-10 over ``n_items`` items (ranker alone and blended)."""
    rng = np.random.default_rng(seed)
    n_users = 1000
    ranker = _fake_ranker(n_users, n_items, components, rng)
    history = _random_rows(n_users, n_items, min(20, n_items), rng)
    neighbours = _random_rows(n_items, n_items, min(100, n_items), rng)
    blended = BlendedRecommender(
        ranker=ranker,
        blend=Blend({"hybrid": 0.4, "cooccurrence": 0.3, "transitions": 0.2, "popularity": 0.1}),
        history=history,
        last_items=rng.integers(0, n_items, n_users),
        cooccurrence=ItemCooccurrence(similarity_=neighbours),
        transitions=LastItemTransitions(transitions_=neighbours),
        popularity=Popularity(counts_=rng.random(n_items).astype(np.float32)),
    )
    out: dict[str, Any] = {"items": n_items, "requests": requests}
    for label, call in (
        ("ranker", lambda u: top_k(ranker.score(np.array([u])), 10, history[[u]])),
        ("blended", lambda u: blended.recommend(u, 10)),
    ):
        n = requests if label == "ranker" else max(requests // 4, 100)
        times = []
        for request in range(n):
            user = int(request % n_users)
            start = time.perf_counter()
            call(user)
            times.append(time.perf_counter() - start)
        ms = np.array(times) * 1000.0
        out[label] = {
            "p50_ms": float(np.percentile(ms, 50)),
            "p99_ms": float(np.percentile(ms, 99)),
            "requests": n,
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--out", type=Path, default=Path("bench-results/model.json"))
    args = parser.parse_args()

    training: list[dict[str, Any]] = []
    folder = args.data_dir / "mooccubex"
    if (folder / "interactions_clean.csv.gz").exists():
        data: InteractionData = load_mooccubex(folder)
        the_split = split(data, "leave-last-out")
        train = data.matrix(the_split.train)
        assert data.item_features is not None and data.user_features is not None
        for label, identity, metadata in (
            ("mooccubex pure-CF", True, False),
            ("mooccubex identity+metadata", True, True),
        ):
            training.append(
                training_throughput(
                    label,
                    train,
                    data.user_features.matrix,
                    data.item_features.matrix,
                    identity=identity,
                    metadata=metadata,
                    epochs=args.epochs,
                    repeats=args.repeats,
                )
            )
    else:
        training.append(
            training_throughput(
                "synthetic",
                _synthetic(),
                None,
                None,
                identity=True,
                metadata=False,
                epochs=args.epochs,
                repeats=args.repeats,
            )
        )
    serving = [latency(1_000), latency(100_000, requests=500)]
    result = {
        "machine": {
            "python": platform.python_version(),
            "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(),
            "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        },
        "training": training,
        "serving": serving,
    }
    print(f"{'training data':32} {'interactions':>12} {'wrapper/s':>12} {'raw LightFM/s':>14} {'ratio':>6}")
    for row in training:
        print(
            f"{row['data']:32} {row['interactions']:>12,} {row['wrapper_per_second']:>12,.0f} "
            f"{row['raw_per_second']:>14,.0f} {row['ratio']:>6.2f}"
        )
    print(f"\n{'scoring one user':32} {'items':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for row in serving:
        for label in ("ranker", "blended"):
            print(f"{label:32} {row['items']:>8,} {row[label]['p50_ms']:>8.3f} {row[label]['p99_ms']:>8.3f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
