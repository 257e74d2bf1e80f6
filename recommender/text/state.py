"""The fitted state of the text matchers as plain arrays and strings (saved without pickle, loaded fast).

A matcher's ``state()`` returns ``(arrays, texts)``: numeric arrays (sparse matrices as their three CSR
arrays and shape) and lists of strings; ``from_state(arrays, texts)`` rebuilds an equal matcher. The files
they go to are written by ``data.text_cache``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

Arrays = dict[str, NDArray[Any]]
Texts = dict[str, Any]


def put_csr(arrays: Arrays, name: str, matrix: sp.spmatrix) -> None:
    """Store a sparse matrix under ``name.data``, ``name.indices``, ``name.indptr``, ``name.shape``."""
    csr = sp.csr_matrix(matrix)
    arrays[f"{name}.data"], arrays[f"{name}.indices"] = csr.data, csr.indices
    arrays[f"{name}.indptr"], arrays[f"{name}.shape"] = csr.indptr, np.asarray(csr.shape, dtype=np.int64)


def get_csr(arrays: Arrays, name: str) -> sp.csr_matrix:
    """The sparse matrix :func:`put_csr` stored under ``name``."""
    shape = tuple(int(v) for v in arrays[f"{name}.shape"])
    return sp.csr_matrix(
        (arrays[f"{name}.data"], arrays[f"{name}.indices"], arrays[f"{name}.indptr"]), shape=shape
    )


def put_vectorizer(arrays: Arrays, texts: Texts, name: str, vectorizer: TfidfVectorizer) -> None:
    """Store a fitted TF-IDF vectorizer's vocabulary (terms in column order) and IDF."""
    terms = [""] * len(vectorizer.vocabulary_)
    for term, column in vectorizer.vocabulary_.items():
        terms[column] = term
    texts[name] = terms
    arrays[f"{name}.idf"] = vectorizer.idf_


def get_vectorizer(arrays: Arrays, texts: Texts, name: str, **params: Any) -> TfidfVectorizer:
    """A TF-IDF vectorizer with ``params`` and the vocabulary and IDF :func:`put_vectorizer` stored:
    it transforms texts exactly as the fitted one did."""
    vectorizer = TfidfVectorizer(**params)
    vectorizer.vocabulary_ = dict(zip(texts[name], range(len(texts[name])), strict=True))  # as fit leaves it
    vectorizer.idf_ = arrays[f"{name}.idf"]
    return vectorizer


def tfidf_transform(
    vectorizer: TfidfVectorizer, texts: Sequence[str], *, terms: Sequence[Sequence[str]] | None = None
) -> sp.csr_matrix:
    """``vectorizer.transform(texts)`` without scikit-learn's input validation, which costs more than the
    work for a few short texts (a title): the same analyzer, counts, sublinear term frequency, IDF and l2
    normalisation, in the same order and precision, so the same numbers.

    ``terms``, when given, are the texts already analysed by the vectorizer's analyzer (one list per text;
    ``texts`` is then ignored): vectorizers sharing an analyzer analyse a batch once.

    Returns
    -------
    scipy.sparse.csr_matrix, shape (len(texts), len(vectorizer.vocabulary_)), of ``vectorizer.dtype``
    """
    if terms is None:
        analyze = vectorizer.build_analyzer()
        terms = [analyze(text) for text in texts]
    vocabulary = vectorizer.vocabulary_
    columns: list[int] = []
    counts: list[int] = []
    indptr = [0]
    for analysed in terms:
        found: dict[int, int] = {}
        for term in analysed:
            column = vocabulary.get(term)
            if column is not None:
                found[column] = found.get(column, 0) + 1
        columns.extend(found)
        counts.extend(found.values())
        indptr.append(len(columns))
    matrix = sp.csr_matrix(
        (
            np.asarray(counts, dtype=vectorizer.dtype),
            np.asarray(columns, dtype=np.int32),
            np.asarray(indptr, dtype=np.int32),
        ),
        shape=(len(terms), len(vocabulary)),
    )
    matrix.sort_indices()
    if vectorizer.sublinear_tf:
        np.log(matrix.data, matrix.data)
        matrix.data += 1.0
    matrix.data *= vectorizer.idf_[matrix.indices]
    inplace_csr_row_normalize_l2(matrix)
    return matrix
