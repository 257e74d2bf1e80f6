"""Model artefacts: one ``.npz`` of arrays plus one JSON metadata file, versioned by creation time.

``<dir>/hybrid-<UTC timestamp>.npz`` holds only numeric and string arrays (loaded with
``allow_pickle=False``); ``hybrid-<UTC timestamp>.json`` holds the format version, creation time, the SHA-256
of the ``.npz`` (so a truncated or altered file is recognised), the hash of the training data, parameters,
validation metrics, blend weights and library versions. :func:`load_latest` takes the newest artefact that
passes every check and reports the ones it skipped; :func:`load` refuses a corrupt one with a clear error.

Both files are written atomically (:mod:`data.files`: a temporary file in the same folder, fsync, rename),
the ``.npz`` first and the JSON last, so an artefact is listed only once it is complete; a writer killed
midway leaves a hidden ``.tmp`` file and no artefact. Each version has its own names, and the JSON names its
``.npz`` and that file's SHA-256, so a reader never pairs a JSON with another version's arrays: the loader
hashes the very bytes it parses.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from data import files
from recommender.errors import UnknownCourse, UpskillError
from recommender.idmap import IdMap
from recommender.scoring import (
    Blend,
    BlendedRecommender,
    FittedRanker,
    FloatMatrix,
    ItemCooccurrence,
    LastItemTransitions,
    Popularity,
    top_k,
)
from training.interactions import InteractionData
from training.params import ModelParams

if TYPE_CHECKING:  # training.fit imports scikit-learn, which loading a model never needs
    from training.fit import FitReport

FORMAT_VERSION = 1
PREFIX = "hybrid-"
SPARSE = ("history", "cooccurrence", "transitions")


class ArtefactError(UpskillError):
    """An artefact that cannot be used: missing, corrupt, or of an unknown format."""


@dataclass
class LoadedModel:
    """A served model: the blended recommender with its id mappings and metadata."""

    recommender: BlendedRecommender
    users: IdMap
    items: IdMap
    metadata: dict[str, Any]
    path: Path
    user_feature_names: list[str] = field(default_factory=list)
    item_feature_names: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def recommend(self, user_id: str, k: int = 10) -> list[str]:
        """The ``k`` best course ids for a known user, already-seen courses excluded."""
        index = self.users.index(user_id)
        return [self.items.id(int(i)) for i in self.recommender.recommend(index, k)]

    def item_index(self, item_id: str) -> int:
        return self.items.index(item_id, error=UnknownCourse)

    def recommend_new(
        self, features: Mapping[str, float], history: Sequence[str] = (), k: int = 10
    ) -> list[str]:
        """The ``k`` best course ids for a user the model has not seen, from features and history.

        ``features`` uses the training feature names (e.g. ``occupation=<uri>``, ``skill=<uri>``); names the
        model does not know are ignored. ``history`` lists course ids in time order, the last one newest.
        """
        scores, past = self._score_new(features, history)
        return [self.items.id(int(i)) for i in top_k(scores, k, past)[0]]

    def scores_new(self, features: Mapping[str, float], history: Sequence[str] = ()) -> dict[str, float]:
        """The blended score of every course for a user the model has not seen (as :meth:`recommend_new`)."""
        return dict(zip(self.items.ids, self.score_vector(features, history).tolist(), strict=True))

    def score_vector(self, features: Mapping[str, float], history: Sequence[str] = ()) -> NDArray[np.float32]:
        """:meth:`scores_new` as an array, shape (n_items,), float32, in the order of :attr:`items`."""
        if not history:  # a plan's worker: one user, no sparse matrices (the same scores, a quarter the time)
            names = self._user_feature_columns
            known = [(names[name], float(value)) for name, value in features.items() if name in names]
            found = self.recommender.score_new_user([c for c, _ in known], [v for _, v in known])
            if found is not None:
                return np.asarray(found).ravel()
        scores, _ = self._score_new(features, history)
        return np.asarray(scores).ravel()

    def item_positions(self, item_ids: Sequence[str]) -> NDArray[np.int64]:
        """The index of each id in :attr:`items` (and :meth:`score_vector`), -1 for an id the model lacks."""
        return np.fromiter(
            (self.items.index(i) if i in self.items else -1 for i in item_ids), np.int64, len(item_ids)
        )

    @cached_property
    def _user_feature_columns(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.user_feature_names)}

    def _score_new(
        self, features: Mapping[str, float], history: Sequence[str]
    ) -> tuple[FloatMatrix, sp.csr_matrix]:
        names = self._user_feature_columns
        cols = [names[name] for name in features if name in names]
        vals = [float(features[name]) for name in features if name in names]
        meta = sp.csr_matrix((vals, ([0] * len(cols), cols)), shape=(1, len(names)), dtype=np.float32)
        seen = [self.item_index(item) for item in history]
        n_items = len(self.items)
        past = sp.csr_matrix((np.ones(len(seen), np.float32), ([0] * len(seen), seen)), shape=(1, n_items))
        last = np.array([seen[-1] if seen else -1], dtype=np.int64)
        return self.recommender.score_new(meta, past, last), past


def data_hash(data: InteractionData) -> str:
    """SHA-256 over interactions, ids and metadata: an artefact names exactly what it was trained on."""
    digest = hashlib.sha256()
    for array in (data.user, data.item, data.time, data.weight):
        digest.update(np.ascontiguousarray(array).tobytes())
    digest.update("\n".join(data.users.ids).encode())
    digest.update("\n".join(data.items.ids).encode())
    for table in (data.user_features, data.item_features):
        if table is not None:
            for part in (table.matrix.indptr, table.matrix.indices, table.matrix.data):
                digest.update(np.ascontiguousarray(part).tobytes())
            digest.update("\n".join(table.names).encode())
    return digest.hexdigest()


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for package in ("lightfm-next", "numpy", "scipy", "scikit-learn"):
        try:
            out[package] = importlib_metadata.version(package)
        except importlib_metadata.PackageNotFoundError:
            out[package] = "absent"
    return out


def save(
    recommender: BlendedRecommender,
    data: InteractionData,
    report: FitReport,
    folder: Path,
    params: ModelParams | None = None,
) -> Path:
    """Write a new artefact version into ``folder``; return the path of its JSON metadata file."""
    from recommender.hybrid import HybridRanker  # training's estimator: its parameters are the metadata's

    ranker = recommender.ranker
    if not isinstance(ranker, HybridRanker):
        raise TypeError(f"only a fitted HybridRanker is saved, not a {type(ranker).__name__}")
    folder.mkdir(parents=True, exist_ok=True)
    created = datetime.now(UTC)
    stem = PREFIX + created.strftime("%Y%m%dT%H%M%S%fZ")
    arrays: dict[str, NDArray[Any]] = {
        f"ranker.{name}": value for name, value in ranker.state_arrays().items()
    }
    matrices = {
        "history": recommender.history,
        "cooccurrence": recommender.cooccurrence.similarity_ if recommender.cooccurrence else None,
        "transitions": recommender.transitions.transitions_ if recommender.transitions else None,
    }
    for name, matrix in matrices.items():
        if matrix is not None:
            csr = sp.csr_matrix(matrix)
            arrays[f"{name}.indptr"], arrays[f"{name}.indices"] = csr.indptr, csr.indices
            arrays[f"{name}.data"], arrays[f"{name}.shape"] = csr.data, np.array(csr.shape)
    if recommender.popularity is not None:
        arrays["popularity"] = recommender.popularity.counts_
    arrays["last_items"] = recommender.last_items
    arrays["user_ids"], arrays["item_ids"] = data.users.to_array(), data.items.to_array()
    for side, table in (("user", data.user_features), ("item", data.item_features)):
        arrays[f"{side}_feature_names"] = np.asarray(table.names if table else [], dtype=np.str_)
    npz_path, json_path = folder / f"{stem}.npz", folder / f"{stem}.json"
    if npz_path.exists() or json_path.exists():
        raise ArtefactError(f"{json_path}: an artefact of this name exists already; never overwritten")
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]
    content = buffer.getvalue()
    meta = {
        "format_version": FORMAT_VERSION,
        "created_at": created.isoformat(),
        "npz": npz_path.name,
        "npz_sha256": hashlib.sha256(content).hexdigest(),
        "data_hash": data_hash(data),
        "n_users": data.n_users,
        "n_items": data.n_items,
        "n_interactions": int(data.user.size),
        "parameters": ranker.get_params(),
        # under the names of the settings they came from (UPSKILL_MODEL_*)
        "settings": {f"model_{name}": value for name, value in (asdict(params) if params else {}).items()},
        "blend_weights": dict(recommender.blend.weights),
        "knn_neighbours": recommender.cooccurrence.neighbours if recommender.cooccurrence else None,
        "metrics": {f"validation_{report.selection_metric}": report.validation_score},
        "fit": asdict(report),
        "versions": _versions(),
    }
    files.write_bytes(npz_path, content)
    # the metadata appears last and at once: a half-written artefact is never listed
    files.write_text(json_path, json.dumps(meta, indent=2, default=str))
    return json_path


def _csr(arrays: Any, name: str) -> sp.csr_matrix | None:
    if f"{name}.indptr" not in arrays:
        return None
    shape = tuple(int(v) for v in arrays[f"{name}.shape"])
    return sp.csr_matrix(
        (arrays[f"{name}.data"], arrays[f"{name}.indices"], arrays[f"{name}.indptr"]), shape=shape
    )


def load(json_path: Path) -> LoadedModel:
    """Load one artefact by its metadata file; raise :class:`ArtefactError` saying what is wrong."""
    where = str(json_path)
    try:
        meta = json.loads(json_path.read_text())
    except FileNotFoundError:
        raise ArtefactError(f"{where}: artefact metadata not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ArtefactError(
            f"{where}: metadata is not valid JSON ({error}); retrain with `upskill train`"
        ) from None
    if not isinstance(meta, dict) or meta.get("format_version") != FORMAT_VERSION:
        version = meta.get("format_version") if isinstance(meta, dict) else None
        raise ArtefactError(
            f"{where}: artefact format {version!r} is not the supported {FORMAT_VERSION}; "
            "retrain with `upskill train`"
        )
    npz_path = json_path.parent / str(meta.get("npz", ""))
    try:
        content = npz_path.read_bytes()  # read once: the bytes checked are the bytes parsed
    except (FileNotFoundError, IsADirectoryError):
        raise ArtefactError(f"{where}: its array file {npz_path.name} is missing") from None
    if hashlib.sha256(content).hexdigest() != meta.get("npz_sha256"):
        raise ArtefactError(
            f"{npz_path}: checksum does not match the metadata (truncated or altered); "
            "retrain with `upskill train`"
        )
    try:
        with np.load(io.BytesIO(content), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        raise ArtefactError(f"{npz_path}: cannot be read ({error}); retrain with `upskill train`") from None
    try:
        ranker = FittedRanker.from_arrays(
            meta["parameters"],
            {
                name.removeprefix("ranker."): value
                for name, value in arrays.items()
                if name.startswith("ranker.")
            },
        )
        users, items = IdMap.from_array(arrays["user_ids"]), IdMap.from_array(arrays["item_ids"])
        history = _csr(arrays, "history")
        assert history is not None
        similarity, transitions = _csr(arrays, "cooccurrence"), _csr(arrays, "transitions")
        recommender = BlendedRecommender(
            ranker=ranker,
            blend=Blend(meta["blend_weights"]),
            history=history,
            last_items=arrays["last_items"].astype(np.int64),
            cooccurrence=None
            if similarity is None
            else ItemCooccurrence(neighbours=int(meta.get("knn_neighbours") or 0), similarity_=similarity),
            transitions=None if transitions is None else LastItemTransitions(transitions_=transitions),
            popularity=None if "popularity" not in arrays else Popularity(counts_=arrays["popularity"]),
        )
    except (KeyError, ValueError, TypeError, AssertionError) as error:
        raise ArtefactError(
            f"{npz_path}: incomplete artefact ({error!r}); retrain with `upskill train`"
        ) from None
    if ranker.user_vectors_.shape[0] != len(users) or ranker.item_vectors_.shape[0] != len(items):
        raise ArtefactError(f"{npz_path}: representation shapes do not match the id mappings")
    return LoadedModel(
        recommender=recommender,
        users=users,
        items=items,
        metadata=meta,
        path=json_path,
        user_feature_names=[str(v) for v in arrays.get("user_feature_names", np.zeros(0, np.str_)).tolist()],
        item_feature_names=[str(v) for v in arrays.get("item_feature_names", np.zeros(0, np.str_)).tolist()],
    )


def artefact_paths(folder: Path) -> list[Path]:
    """The metadata files of the artefacts in ``folder``, newest first (names sort by creation time)."""
    try:
        names = [entry.name for entry in os.scandir(folder)]
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [
        folder / name
        for name in sorted(names, reverse=True)
        if name.startswith(PREFIX) and name.endswith(".json")
    ]


def load_latest(folder: Path) -> LoadedModel:
    """The newest artefact in ``folder`` that loads cleanly; corrupt ones skipped are in ``skipped``."""
    skipped: list[str] = []
    for path in artefact_paths(folder):
        try:
            model = load(path)
        except ArtefactError as error:
            skipped.append(str(error))
            continue
        model.skipped = skipped
        return model
    reason = f"; every artefact there is unusable: {' | '.join(skipped)}" if skipped else ""
    raise ArtefactError(f"no usable model artefact in {folder}{reason}; train one with `upskill train`")
