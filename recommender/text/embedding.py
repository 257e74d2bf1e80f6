"""Sentence embeddings by a small BERT encoder in numpy (no torch): the maths of all-MiniLM-L6-v2.

Pure: takes the model's weights as arrays and its tokenizer as a function from texts to token ids, returns
unit vectors. The files (safetensors weights, ``tokenizer.json``, ``config.json``) are read in
``data/sentence_model.py``. The encoder is BERT (Devlin et al. 2019): token, position and segment
embeddings, then ``layers`` blocks of multi-head self-attention and a GELU feed-forward layer, each followed
by a residual connection and LayerNorm (post-norm); a sentence's vector is the mean of its tokens' last
hidden states over the attention mask, L2-normalised, as sentence-transformers computes it for this model
(Reimers and Gurevych 2019; its ``Pooling(mean)`` and ``Normalize`` modules).

Texts are encoded in batches of similar length (sorted by token count, padded within a batch, the padding
masked out of attention and pooling), so a text's vector does not depend on its batch beyond float32
rounding (~1e-6).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

Tokenize = Callable[[Sequence[str]], list[list[int]]]
"""Texts -> token ids of each, with the special tokens ([CLS] ... [SEP]) and truncated to the model's
length."""


@dataclass(frozen=True)
class BertConfig:
    """The shape of a BERT encoder (the fields of Hugging Face's ``config.json`` it needs)."""

    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    intermediate_size: int
    layer_norm_eps: float
    max_position_embeddings: int

    @classmethod
    def from_dict(cls, config: Mapping[str, Any]) -> BertConfig:
        """From a parsed ``config.json``; a model that is not a BERT with GELU is refused."""
        if config.get("model_type") != "bert" or config.get("hidden_act") != "gelu":
            raise ValueError(
                f"not a BERT encoder with GELU: model_type={config.get('model_type')!r}, "
                f"hidden_act={config.get('hidden_act')!r}"
            )
        if config.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError("only absolute position embeddings are supported")
        return cls(
            hidden_size=int(config["hidden_size"]),
            num_hidden_layers=int(config["num_hidden_layers"]),
            num_attention_heads=int(config["num_attention_heads"]),
            intermediate_size=int(config["intermediate_size"]),
            layer_norm_eps=float(config["layer_norm_eps"]),
            max_position_embeddings=int(config["max_position_embeddings"]),
        )


def erf(x: NDArray[np.float32]) -> NDArray[np.float32]:
    """The error function in float32 (Abramowitz and Stegun 1964, 7.1.26: |error| <= 1.5e-7, about float32's
    own precision)."""
    a = np.abs(x, dtype=np.float32)
    t = np.float32(1.0) / (np.float32(1.0) + np.float32(0.3275911) * a)
    poly = np.float32(1.061405429) * t
    for c in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += np.float32(c)
        poly *= t
    np.square(a, out=a)
    np.negative(a, out=a)
    np.exp(a, out=a)
    a *= poly
    np.subtract(np.float32(1.0), a, out=a)
    return np.copysign(a, x).astype(np.float32, copy=False)


def gelu(x: NDArray[np.float32]) -> NDArray[np.float32]:
    """GELU as BERT's ``"gelu"`` computes it: x * Phi(x), with the exact (erf) normal CDF."""
    phi = erf(x * np.float32(1.0 / math.sqrt(2.0)))
    phi += np.float32(1.0)
    phi *= np.float32(0.5)
    phi *= x
    return phi


def layer_norm(
    x: NDArray[np.float32], weight: NDArray[np.float32], bias: NDArray[np.float32], eps: float
) -> NDArray[np.float32]:
    """LayerNorm over the last axis (biased variance, as torch)."""
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    return (centred / np.sqrt(variance + np.float32(eps)) * weight + bias).astype(np.float32)


@dataclass(frozen=True)
class _Layer:
    qkv: NDArray[np.float32]  # (hidden, 3 * hidden): query, key and value projections side by side
    qkv_bias: NDArray[np.float32]
    attention_out: NDArray[np.float32]  # (hidden, hidden)
    attention_out_bias: NDArray[np.float32]
    attention_norm: tuple[NDArray[np.float32], NDArray[np.float32]]
    intermediate: NDArray[np.float32]  # (hidden, intermediate)
    intermediate_bias: NDArray[np.float32]
    output: NDArray[np.float32]  # (intermediate, hidden)
    output_bias: NDArray[np.float32]
    output_norm: tuple[NDArray[np.float32], NDArray[np.float32]]


class BertEncoder:
    """A BERT encoder's forward pass over token ids (segment 0 throughout), in float32.

    ``weights`` are the tensors of a Hugging Face ``BertModel`` by their names (``embeddings.*``,
    ``encoder.layer.N.*``; a ``bert.`` prefix is allowed), as numpy arrays; linear weights are stored
    (out, in), as torch stores them.
    """

    def __init__(self, weights: Mapping[str, NDArray[np.float32]], config: BertConfig) -> None:
        if config.hidden_size % config.num_attention_heads:
            raise ValueError("hidden_size must be a multiple of num_attention_heads")
        self.config = config

        def get(name: str) -> NDArray[np.float32]:
            for key in (name, f"bert.{name}"):
                if key in weights:
                    return np.ascontiguousarray(weights[key], dtype=np.float32)
            raise KeyError(f"BERT weights: {name} missing")

        def linear(prefix: str) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
            return np.ascontiguousarray(get(f"{prefix}.weight").T), get(f"{prefix}.bias")

        self.word_embeddings = get("embeddings.word_embeddings.weight")
        self.position_embeddings = get("embeddings.position_embeddings.weight")
        self.segment_embedding = get("embeddings.token_type_embeddings.weight")[0]
        self.embedding_norm = (get("embeddings.LayerNorm.weight"), get("embeddings.LayerNorm.bias"))
        if self.word_embeddings.shape[1] != config.hidden_size:
            raise ValueError(
                f"BERT weights: embeddings of size {self.word_embeddings.shape[1]}, config says "
                f"{config.hidden_size}"
            )
        self.layers = []
        for n in range(config.num_hidden_layers):
            p = f"encoder.layer.{n}"
            parts = [linear(f"{p}.attention.self.{name}") for name in ("query", "key", "value")]
            self.layers.append(
                _Layer(
                    np.ascontiguousarray(np.concatenate([w for w, _ in parts], axis=1)),
                    np.concatenate([b for _, b in parts]),
                    *linear(f"{p}.attention.output.dense"),
                    (
                        get(f"{p}.attention.output.LayerNorm.weight"),
                        get(f"{p}.attention.output.LayerNorm.bias"),
                    ),
                    *linear(f"{p}.intermediate.dense"),
                    *linear(f"{p}.output.dense"),
                    (get(f"{p}.output.LayerNorm.weight"), get(f"{p}.output.LayerNorm.bias")),
                )
            )

    @property
    def vocabulary_size(self) -> int:
        return int(self.word_embeddings.shape[0])

    def hidden_states(self, ids: NDArray[np.int64], mask: NDArray[np.bool_]) -> NDArray[np.float32]:
        """The last hidden states, shape (n, length, hidden), of ``ids`` (n, length) padded where ``mask``
        is False (padding is kept out of every token's attention)."""
        n, length = ids.shape
        if length > self.config.max_position_embeddings:
            raise ValueError(
                f"{length} tokens: the model reads at most {self.config.max_position_embeddings}"
            )
        eps = self.config.layer_norm_eps
        hidden = self.config.hidden_size
        x = self.word_embeddings[ids] + self.position_embeddings[:length] + self.segment_embedding
        x = layer_norm(x.reshape(n * length, hidden), *self.embedding_norm, eps)  # one row per token
        heads = self.config.num_attention_heads
        size = hidden // heads
        # a large negative number (not -inf: a row of padding only must not give NaN) on padded keys
        key_bias = np.where(mask, 0.0, -1e9).astype(np.float32)[:, None, None, :]
        scale = np.float32(1.0 / math.sqrt(size))
        for layer in self.layers:
            qkv = x @ layer.qkv + layer.qkv_bias  # (n * length, 3 * hidden)
            qkv = qkv.reshape(n, length, 3, heads, size).transpose(2, 0, 3, 1, 4)  # (3, n, heads, L, size)
            scores = qkv[0] @ qkv[1].transpose(0, 1, 3, 2)
            scores *= scale
            scores += key_bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ qkv[2]).transpose(0, 2, 1, 3).reshape(n * length, hidden)
            attended = context @ layer.attention_out
            attended += layer.attention_out_bias
            attended += x
            x = layer_norm(attended, *layer.attention_norm, eps)
            inner = x @ layer.intermediate
            inner += layer.intermediate_bias
            out = gelu(inner) @ layer.output
            out += layer.output_bias
            out += x
            x = layer_norm(out, *layer.output_norm, eps)
        return x.reshape(n, length, hidden)


def mean_pool(states: NDArray[np.float32], mask: NDArray[np.bool_]) -> NDArray[np.float32]:
    """The mean of each row's token states over its mask, L2-normalised (sentence-transformers' mean
    pooling then ``Normalize``)."""
    weights = mask.astype(np.float32)[:, :, None]
    summed = (states * weights).sum(axis=1)
    counts = np.maximum(weights.sum(axis=1), 1e-9)
    return normalise(summed / counts)


def normalise(vectors: NDArray[np.float32]) -> NDArray[np.float32]:
    """Each row divided by its L2 norm (a zero row stays zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


class SentenceEncoder:
    """Texts -> unit vectors: ``tokenize``, then :class:`BertEncoder`, then :func:`mean_pool`.

    ``batch_tokens`` bounds a batch by its padded size (texts x longest text's tokens): memory and the
    attention's cost grow with it (on 500 ESCO skill texts, 34 tokens each: 10.0 s CPU at 1,024, 8.0 at
    2,048, 8.7 at 4,096). Texts are sorted by length so that a batch pads little.
    """

    def __init__(self, encoder: BertEncoder, tokenize: Tokenize, *, batch_tokens: int = 2048) -> None:
        self.encoder = encoder
        self.tokenize = tokenize
        self.batch_tokens = batch_tokens

    @property
    def dimension(self) -> int:
        return self.encoder.config.hidden_size

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """One unit vector per text, shape (len(texts), dimension), in the order of ``texts``."""
        return self.encode_ids(self.tokenize(list(texts)))

    def encode_ids(self, ids: Sequence[Sequence[int]]) -> NDArray[np.float32]:
        """:meth:`encode` from token ids (each with its special tokens)."""
        out = np.zeros((len(ids), self.dimension), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: (len(ids[i]), i))
        start = 0
        while start < len(order):
            end = start + 1
            while end < len(order) and (end - start + 1) * max(len(ids[order[end]]), 1) <= self.batch_tokens:
                end += 1
            chosen = order[start:end]
            length = max(1, *(len(ids[i]) for i in chosen))  # texts are sorted: the last is the longest
            batch = np.zeros((len(chosen), length), dtype=np.int64)
            mask = np.zeros((len(chosen), length), dtype=bool)
            for row, i in enumerate(chosen):
                batch[row, : len(ids[i])] = ids[i]
                mask[row, : len(ids[i])] = True
            out[chosen] = mean_pool(self.encoder.hidden_states(batch, mask), mask)
            start = end
        return out
