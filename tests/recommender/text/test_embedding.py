"""The numpy BERT encoder's maths on a tiny random model (the real one: tests/data/test_sentence_model.py)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from recommender.text.embedding import (
    BertConfig,
    BertEncoder,
    SentenceEncoder,
    erf,
    gelu,
    layer_norm,
    mean_pool,
)

CONFIG: dict[str, Any] = {
    "model_type": "bert",
    "hidden_act": "gelu",
    "hidden_size": 8,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 16,
    "layer_norm_eps": 1e-12,
    "max_position_embeddings": 16,
    "vocab_size": 20,
}


def tiny_weights(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    h, i = CONFIG["hidden_size"], CONFIG["intermediate_size"]

    def r(*shape: int) -> np.ndarray:
        return rng.normal(0, 0.5, shape).astype(np.float32)

    weights = {
        "embeddings.word_embeddings.weight": r(20, h),
        "embeddings.position_embeddings.weight": r(16, h),
        "embeddings.token_type_embeddings.weight": r(2, h),
        "embeddings.LayerNorm.weight": 1 + r(h),
        "embeddings.LayerNorm.bias": r(h),
    }
    for n in range(2):
        p = f"encoder.layer.{n}"
        for name in ("query", "key", "value"):
            weights[f"{p}.attention.self.{name}.weight"] = r(h, h)
            weights[f"{p}.attention.self.{name}.bias"] = r(h)
        weights |= {
            f"{p}.attention.output.dense.weight": r(h, h),
            f"{p}.attention.output.dense.bias": r(h),
            f"{p}.attention.output.LayerNorm.weight": 1 + r(h),
            f"{p}.attention.output.LayerNorm.bias": r(h),
            f"{p}.intermediate.dense.weight": r(i, h),
            f"{p}.intermediate.dense.bias": r(i),
            f"{p}.output.dense.weight": r(h, i),
            f"{p}.output.dense.bias": r(h),
            f"{p}.output.LayerNorm.weight": 1 + r(h),
            f"{p}.output.LayerNorm.bias": r(h),
        }
    return weights


def reference_forward(weights: dict[str, np.ndarray], ids: list[int]) -> np.ndarray:
    """BERT written out token by token in float64, head by head (no batching, no padding)."""
    w = {k: v.astype(np.float64) for k, v in weights.items()}

    def norm(x: np.ndarray, p: str) -> np.ndarray:
        return (x - x.mean()) / math.sqrt(x.var() + 1e-12) * w[f"{p}.weight"] + w[f"{p}.bias"]

    def lin(x: np.ndarray, p: str) -> np.ndarray:
        return w[f"{p}.weight"] @ x + w[f"{p}.bias"]

    xs = [
        norm(
            w["embeddings.word_embeddings.weight"][t]
            + w["embeddings.position_embeddings.weight"][pos]
            + w["embeddings.token_type_embeddings.weight"][0],
            "embeddings.LayerNorm",
        )
        for pos, t in enumerate(ids)
    ]
    for n in range(2):
        p = f"encoder.layer.{n}"
        q = [lin(x, f"{p}.attention.self.query") for x in xs]
        k = [lin(x, f"{p}.attention.self.key") for x in xs]
        v = [lin(x, f"{p}.attention.self.value") for x in xs]
        new = []
        for a in range(len(xs)):
            context = np.zeros(8)
            for head in range(2):
                s = slice(4 * head, 4 * head + 4)
                scores = np.array([q[a][s] @ k[b][s] / 2.0 for b in range(len(xs))])
                p_att = np.exp(scores - scores.max())
                p_att /= p_att.sum()
                context[s] = sum(p_att[b] * v[b][s] for b in range(len(xs)))
            x = norm(xs[a] + lin(context, f"{p}.attention.output.dense"), f"{p}.attention.output.LayerNorm")
            inner = lin(x, f"{p}.intermediate.dense")
            inner = np.array([u * 0.5 * (1 + math.erf(u / math.sqrt(2))) for u in inner])
            new.append(norm(x + lin(inner, f"{p}.output.dense"), f"{p}.output.LayerNorm"))
        xs = new
    mean = np.mean(xs, axis=0)
    return mean / np.linalg.norm(mean)


@pytest.fixture(scope="module")
def tiny() -> SentenceEncoder:
    encoder = BertEncoder(tiny_weights(), BertConfig.from_dict(CONFIG))
    # a "tokenizer" over words of one letter a..r: [CLS]=18 ... [SEP]=19
    return SentenceEncoder(
        encoder, lambda texts: [[18, *(ord(c) - 97 for c in t.split()), 19] for t in texts], batch_tokens=12
    )


def test_erf_and_gelu_match_the_exact_functions() -> None:
    x = np.linspace(-6, 6, 2001, dtype=np.float32)
    exact = np.array([math.erf(float(u)) for u in x])
    assert np.abs(erf(x) - exact).max() < 1e-6
    exact_gelu = np.array([u * 0.5 * (1 + math.erf(u / math.sqrt(2))) for u in x.astype(float)])
    assert np.abs(gelu(x) - exact_gelu).max() < 1e-5
    assert gelu(np.array([0.0], dtype=np.float32))[0] == 0.0


def test_layer_norm_centres_and_scales() -> None:
    x = np.random.default_rng(1).normal(3, 2, (4, 10)).astype(np.float32)
    out = layer_norm(x, np.ones(10, np.float32), np.zeros(10, np.float32), 1e-12)
    assert np.allclose(out.mean(axis=1), 0, atol=1e-5) and np.allclose(out.std(axis=1), 1, atol=1e-4)


def test_the_forward_pass_matches_bert_written_out(tiny: SentenceEncoder) -> None:
    texts = ["a b c", "d", "q r a b c d e f g"]
    got = tiny.encode(texts)
    for text, row in zip(texts, got, strict=True):
        expected = reference_forward(tiny_weights(), tiny.tokenize([text])[0])
        assert np.abs(row - expected).max() < 1e-5


def test_padding_and_batches_change_nothing(tiny: SentenceEncoder) -> None:
    texts = ["a b c", "d e", "f g h i j k", "l", "m n o p", "a b c"]
    together = tiny.encode(texts)
    alone = np.vstack([tiny.encode([t]) for t in texts])
    assert together.shape == (6, 8) and together.dtype == np.float32
    assert np.abs(together - alone).max() < 1e-5
    # the same text twice in a batch: equal to float32 rounding (a BLAS kernel may sum a row differently by
    # its position in the batch: numpy 2.4.6's OpenBLAS does for row 5 of 6, by up to 6e-8)
    assert np.abs(together[0] - together[5]).max() < 1e-6
    assert np.array_equal(tiny.encode(texts), together)  # deterministic
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-6)


def test_mean_pool_ignores_padding() -> None:
    states = np.array([[[1.0, 0.0], [3.0, 0.0], [100.0, 100.0]]], dtype=np.float32)
    pooled = mean_pool(states, np.array([[True, True, False]]))
    assert np.allclose(pooled, [[1.0, 0.0]])


def test_a_wrong_model_is_refused() -> None:
    with pytest.raises(ValueError, match="BERT"):
        BertConfig.from_dict({**CONFIG, "hidden_act": "relu"})
    weights = tiny_weights()
    del weights["encoder.layer.1.output.dense.bias"]
    with pytest.raises(KeyError, match="encoder.layer.1.output.dense.bias"):
        BertEncoder(weights, BertConfig.from_dict(CONFIG))
    encoder = BertEncoder(tiny_weights(), BertConfig.from_dict(CONFIG))
    with pytest.raises(ValueError, match="at most 16"):
        encoder.hidden_states(np.zeros((1, 17), dtype=np.int64), np.ones((1, 17), dtype=bool))
