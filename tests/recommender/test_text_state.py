"""The text matchers' state helpers: the lean TF-IDF transform gives scikit-learn's numbers exactly."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from recommender.text.state import get_vectorizer, put_vectorizer, tfidf_transform

DOCUMENTS = ["motor vehicle mechanic", "battery assembler", "Kfz-Mechatroniker", "électricien automobile"]
QUERIES = ["car mechanic", "mechanic mechanic mechanic", "", "zzz", "Électricien", "battery  assembler line"]


@pytest.mark.parametrize(
    "params",
    [
        {"analyzer": "char_wb", "ngram_range": (3, 5), "dtype": np.float32},
        {"analyzer": "word", "sublinear_tf": True, "dtype": np.float32},
        {"analyzer": "word", "ngram_range": (1, 2)},
    ],
)
def test_the_lean_transform_equals_scikit_learn_and_survives_a_round_trip(params: dict[str, object]) -> None:
    fitted = TfidfVectorizer(**params).fit(DOCUMENTS)
    expected = fitted.transform(QUERIES)
    found = tfidf_transform(fitted, QUERIES)
    assert found.dtype == expected.dtype and found.shape == expected.shape
    assert (found.indptr == expected.indptr).all() and (found.indices == expected.indices).all()
    assert (found.data == expected.data).all(), "bit for bit"
    arrays: dict[str, np.ndarray] = {}
    texts: dict[str, object] = {}
    put_vectorizer(arrays, texts, "v", fitted)
    restored = get_vectorizer(arrays, texts, "v", **params)
    assert (restored.transform(QUERIES) != expected).nnz == 0
