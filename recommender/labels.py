"""Ranked, typo-tolerant search over preferred and alternative labels of occupations and skills.

How a query is scored (the same for every entity kind):

1. Text is normalised: lower case, accents removed, anything not a letter or digit becomes a space.
2. Each query word is matched to the label vocabulary by character-trigram Dice similarity (words padded
   with a space, so ``"tecnician"`` still finds ``"technician"``); matches below ``MIN_WORD_SIMILARITY`` are
   dropped, and the last query word also matches as a prefix (search while typing).
3. A label's score is the F1 of recall (share of the query's words found in the label) and precision
   (share of the label's words matched by the query), both weighted by inverse document frequency
   (``"battery"`` says more than ``"and"``) and by word similarity.
4. An entity scores its best label; an alternative label counts ``ALT_LABEL_FACTOR`` of a preferred one;
   an exact normalised match of the whole label scores 1.

No request walks all labels: word look-up is a sparse product over the trigram index of the (small)
vocabulary and label scoring a sparse product over the label x word matrix.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

MIN_WORD_SIMILARITY = 0.4
ALT_LABEL_FACTOR = 0.95
_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalise(text: str) -> str:
    """Lower case, accents stripped, runs of anything but letters and digits turned into one space."""
    folded = text.casefold()
    if not folded.isascii():
        # NFKD splits accented letters into letter + mark; drop the marks, other non-ASCII separates words
        decomposed = unicodedata.normalize("NFKD", folded)
        folded = "".join(
            ch if ch.isascii() else ("" if unicodedata.combining(ch) else " ") for ch in decomposed
        )
    return _NON_WORD.sub(" ", folded).strip()


def _trigrams(word: str) -> set[str]:
    padded = f" {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


@dataclass(frozen=True)
class LabelMatch:
    """One search hit: the entity, its preferred label, the label that matched and the score in [0, 1]."""

    uri: str
    label: str
    kind: str
    matched_label: str
    score: float


class LabelIndex:
    """Label search over entities given as ``(uri, preferred label, alternative labels, kind)``."""

    def __init__(self, entries: Iterable[tuple[str, str, Sequence[str], str]]):
        self.uris: list[str] = []
        self.preferred: list[str] = []
        self.kinds: list[str] = []
        label_text: list[str] = []
        label_norm: list[str] = []
        label_owner: list[int] = []
        label_factor: list[float] = []
        # kind -> normalised label -> URI, for exact look-ups
        self._exact: dict[str, dict[str, str]] = {}
        exact_alt: dict[tuple[str, str], str] = {}
        for uri, preferred, alts, kind in entries:
            owner = len(self.uris)
            self.uris.append(uri)
            self.preferred.append(preferred)
            self.kinds.append(kind)
            seen: set[str] = set()
            for i, text in enumerate([preferred, *alts]):
                norm = normalise(text)
                if not norm or norm in seen:
                    continue
                seen.add(norm)
                label_text.append(text)
                label_norm.append(norm)
                label_owner.append(owner)
                label_factor.append(1.0 if i == 0 else ALT_LABEL_FACTOR)
                if i == 0:
                    self._exact.setdefault(kind, {}).setdefault(norm, uri)
                else:
                    exact_alt.setdefault((kind, norm), uri)
        for (kind, norm), uri in exact_alt.items():
            # a preferred label wins over another entity's alternative
            self._exact.setdefault(kind, {}).setdefault(norm, uri)

        self._label_text = label_text
        self._label_norm_text = label_norm
        self._label_owner = np.asarray(label_owner, dtype=np.int64)
        self._label_factor = np.asarray(label_factor, dtype=np.float64)
        self._kind_codes = {k: i for i, k in enumerate(sorted(set(self.kinds)))}
        self._owner_kind = np.asarray([self._kind_codes[k] for k in self.kinds], dtype=np.int8)
        self._label_kind = self._owner_kind[self._label_owner]

        vocabulary: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        for row, text in enumerate(self._label_norm_text):
            for word in set(text.split()):
                col = vocabulary.setdefault(word, len(vocabulary))
                rows.append(row)
                cols.append(col)
        self._vocabulary = vocabulary
        self._words = list(vocabulary)
        n_labels, n_words = len(label_text), len(vocabulary)
        self._label_words = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.float64), (rows, cols)), shape=(n_labels, n_words)
        )
        df = np.bincount(np.asarray(cols, dtype=np.int64), minlength=n_words).astype(np.float64)
        self._idf: NDArray[np.float64] = np.log((1.0 + n_labels) / (1.0 + df)) + 1.0
        weighted = self._label_words.multiply(self._idf[np.newaxis, :]).tocsr()
        self._label_mass = np.asarray(weighted.sum(axis=1)).ravel()
        self._label_mass[self._label_mass == 0] = 1.0
        # word -> labels, so that a query reads only the rows of the words it matches
        self._word_labels = sp.csr_matrix(weighted.T)
        self._word_labels_binary = sp.csr_matrix(self._label_words.T)
        self._word_labels.sort_indices()
        self._word_labels_binary.sort_indices()

        grams: dict[str, int] = {}
        g_rows: list[int] = []
        g_cols: list[int] = []
        self._word_ngrams = np.zeros(n_words, dtype=np.float64)
        for w, word in enumerate(self._words):
            tri = _trigrams(word)
            self._word_ngrams[w] = len(tri)
            for gram in tri:
                g_rows.append(grams.setdefault(gram, len(grams)))
                g_cols.append(w)
        self._grams = grams
        self._gram_words = sp.csr_matrix(
            (np.ones(len(g_rows), dtype=np.float64), (g_rows, g_cols)), shape=(len(grams), n_words)
        )
        self._prefix_sorted = sorted(range(n_words), key=lambda i: self._words[i])
        self._sorted_words = [self._words[i] for i in self._prefix_sorted]

    # -- saving the built index (for a graph snapshot that starts without rebuilding it) -----------------

    _ARRAYS = (
        "_label_owner",
        "_label_factor",
        "_owner_kind",
        "_label_kind",
        "_idf",
        "_label_mass",
        "_word_ngrams",
    )
    _MATRICES = ("_label_words", "_word_labels", "_word_labels_binary", "_gram_words")
    _STRINGS = ("uris", "preferred", "kinds", "_label_text", "_label_norm_text", "_words", "_sorted_words")

    def to_state(self) -> tuple[dict[str, NDArray[Any]], dict[str, Any]]:
        """The built index as arrays and a small JSON-able document; :meth:`from_state` restores it.

        Returns
        -------
        (arrays, document)
            ``arrays`` maps names to arrays: numeric ones as they are, sparse matrices as ``name.data``,
            ``.indices``, ``.indptr``, ``.shape``, lists of strings as NUL-separated UTF-8 bytes (uint8),
            which load far faster than JSON. ``document`` holds the kind codes and names.

        Raises
        ------
        ValueError
            When a label contains a NUL character (such an index is not saved).
        """
        arrays: dict[str, NDArray[Any]] = {name: np.asarray(getattr(self, name)) for name in self._ARRAYS}
        arrays["_prefix_sorted"] = np.asarray(self._prefix_sorted, dtype=np.int64)
        for name in self._MATRICES:
            matrix: sp.csr_matrix = getattr(self, name)
            arrays[f"{name}.data"] = matrix.data
            arrays[f"{name}.indices"] = matrix.indices
            arrays[f"{name}.indptr"] = matrix.indptr
            arrays[f"{name}.shape"] = np.asarray(matrix.shape, dtype=np.int64)
        for name in self._STRINGS:
            arrays[name] = _joined(getattr(self, name))
        arrays["_grams"] = _joined(list(self._grams))
        for kind, table in self._exact.items():
            arrays[f"_exact.{kind}.labels"] = _joined(list(table))
            arrays[f"_exact.{kind}.uris"] = _joined(list(table.values()))
        return arrays, {"_kind_codes": self._kind_codes, "_exact_kinds": list(self._exact)}

    @classmethod
    def from_state(cls, arrays: Mapping[str, NDArray[Any]], document: Mapping[str, Any]) -> LabelIndex:
        """Restore an index saved with :meth:`to_state` without normalising any label again."""
        index = cls.__new__(cls)
        for name in cls._ARRAYS:
            setattr(index, name, arrays[name])
        index._prefix_sorted = arrays["_prefix_sorted"].tolist()
        for name in cls._MATRICES:
            shape = tuple(int(v) for v in arrays[f"{name}.shape"])
            matrix = sp.csr_matrix(
                (arrays[f"{name}.data"], arrays[f"{name}.indices"], arrays[f"{name}.indptr"]), shape=shape
            )
            setattr(index, name, matrix)
        for name in cls._STRINGS:
            setattr(index, name, _split(arrays[name]))
        index._grams = {gram: i for i, gram in enumerate(_split(arrays["_grams"]))}
        index._vocabulary = {word: i for i, word in enumerate(index._words)}
        index._kind_codes = dict(document["_kind_codes"])
        index._exact = {
            kind: dict(
                zip(
                    _split(arrays[f"_exact.{kind}.labels"]),
                    _split(arrays[f"_exact.{kind}.uris"]),
                    strict=True,
                )
            )
            for kind in document["_exact_kinds"]
        }
        return index

    def __len__(self) -> int:
        return len(self.uris)

    def exact(self, text: str, *, kind: str | None = None) -> str | None:
        """The URI whose preferred (else alternative) label equals ``text`` after normalisation, or None."""
        norm = normalise(text)
        kinds = [kind] if kind is not None else sorted(self._kind_codes)
        for k in kinds:
            uri = self._exact.get(k, {}).get(norm)
            if uri is not None:
                return uri
        return None

    def _word_similarity(self, word: str, *, prefix: bool) -> NDArray[np.float64]:
        """Similarity in [0, 1] of one query word to every vocabulary word (0 below the threshold)."""
        sim = np.zeros(len(self._words), dtype=np.float64)
        tri = np.asarray([self._grams[g] for g in _trigrams(word) if g in self._grams], dtype=np.int64)
        if tri.size:
            gw = self._gram_words
            words, ones = _gather_rows(gw.indptr, gw.indices, gw.data, tri, np.ones(tri.size))
            overlap = np.bincount(words, weights=ones, minlength=len(self._words))
            sim = 2.0 * overlap / (len(_trigrams(word)) + self._word_ngrams)
            sim[sim < MIN_WORD_SIMILARITY] = 0.0
        exact = self._vocabulary.get(word)
        if exact is not None:
            sim[exact] = 1.0
        if prefix and len(word) >= 3:
            lo = bisect.bisect_left(self._sorted_words, word)
            hi = bisect.bisect_left(self._sorted_words, word + "\uffff")
            for j in range(lo, min(hi, lo + 200)):
                w = self._prefix_sorted[j]
                sim[w] = max(sim[w], 0.9)
        return sim

    def _scores(self, words: list[str]) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Labels sharing a (similar) word with the query, and their F1 of idf-weighted recall (query
        words found) and precision (label words matched). Only the rows of the matched words are read.
        """
        n_labels = len(self._label_text)
        recall = np.zeros(n_labels, dtype=np.float64)
        scratch = np.zeros(n_labels, dtype=np.float64)
        query_mass = 0.0
        best = np.zeros(len(self._words), dtype=np.float64)
        binary = self._word_labels_binary
        for position, word in enumerate(words):
            sim = self._word_similarity(word, prefix=position == len(words) - 1)
            hits = np.flatnonzero(sim)
            exact = self._vocabulary.get(word)
            if exact is not None:
                weight = float(self._idf[exact])
            elif hits.size:
                weight = float(self._idf[hits[np.argmax(sim[hits])]])
            else:
                weight = float(np.max(self._idf))  # a word no label has counts as the rarest word
            query_mass += weight
            if hits.size:
                labels, values = _gather_rows(binary.indptr, binary.indices, binary.data, hits, sim[hits])
                np.maximum.at(scratch, labels, values)  # a label's best word for this query word
                recall[labels] += weight * scratch[labels]
                scratch[labels] = 0.0
                best[hits] = np.maximum(best[hits], sim[hits])
        hits = np.flatnonzero(best)
        weighted = self._word_labels
        labels, values = _gather_rows(weighted.indptr, weighted.indices, weighted.data, hits, best[hits])
        matched = np.bincount(labels, weights=values, minlength=n_labels)
        candidates = np.flatnonzero(recall)
        r = recall[candidates] / query_mass
        p = matched[candidates] / self._label_mass[candidates]
        denominator = p + r
        denominator[denominator == 0] = 1.0
        return candidates, 2.0 * p * r / denominator

    def search(self, query: str, *, kind: str | None = None, limit: int = 10) -> list[LabelMatch]:
        """The best ``limit`` entities for a free-text query, best first (ties by label then URI).

        ``kind`` restricts the hits to ``"occupation"`` or ``"skill"``. An empty query returns nothing.
        """
        words = normalise(query).split()
        if not words or not self._words or limit <= 0:
            return []
        labels, f1 = self._scores(words)
        scores = f1 * self._label_factor[labels]
        if kind is not None:
            code = self._kind_codes.get(kind)
            if code is None:
                return []
            same_kind = self._label_kind[labels] == code
            labels, scores = labels[same_kind], scores[same_kind]
        positive = scores > 0
        labels, scores = labels[positive], scores[positive]
        if labels.size == 0:
            return []
        norm_query = " ".join(words)
        exact_uri = self.exact(query, kind=kind)
        best: dict[int, tuple[float, int]] = {}
        keep = max(limit * 20, 100)
        if labels.size > keep:
            # everything scoring at least the keep-th best; ties at the cut all stay, so ranks are stable
            cut = np.partition(scores, labels.size - keep)[labels.size - keep]
            labels, scores = labels[scores >= cut], scores[scores >= cut]
        order = np.argsort(-scores, kind="stable")
        top_scores = dict(zip(labels[order].tolist(), scores[order].tolist(), strict=True))
        top = labels[order]
        for label in top.tolist():
            owner = int(self._label_owner[label])
            score = min(top_scores[label], 0.99)
            if self._label_norm_text[label] == norm_query:
                score = 1.0 if self.uris[owner] == exact_uri else 0.995
            if owner not in best or score > best[owner][0]:
                best[owner] = (score, label)
        ranked = sorted(
            best.items(), key=lambda item: (-item[1][0], self.preferred[item[0]], self.uris[item[0]])
        )
        return [
            LabelMatch(
                uri=self.uris[owner],
                label=self.preferred[owner],
                kind=self.kinds[owner],
                matched_label=self._label_text[label],
                score=round(score, 4),
            )
            for owner, (score, label) in ranked[:limit]
        ]

    def suggestions(self, query: str, *, kind: str | None = None, limit: int = 5) -> list[str]:
        """Preferred labels of the closest matches, for error messages."""
        return [hit.label for hit in self.search(query, kind=kind, limit=limit)]


def _joined(strings: Sequence[str]) -> NDArray[np.uint8]:
    text = "\0".join(strings)
    if any("\0" in value for value in strings):
        raise ValueError("a label contains a NUL character; the index cannot be saved")
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def _split(array: NDArray[np.uint8]) -> list[str]:
    return array.tobytes().decode("utf-8").split("\0") if array.size else []


def _gather_rows(
    indptr: NDArray[np.int32],
    indices: NDArray[np.int32],
    data: NDArray[np.float64],
    rows: NDArray[np.int64],
    row_values: NDArray[np.float64],
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Column indices and ``data * row_value`` of the given CSR rows, concatenated (no scipy objects)."""
    starts = indptr[rows].astype(np.int64)
    lengths = indptr[rows + 1].astype(np.int64) - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    offsets = np.cumsum(lengths) - lengths
    positions = np.repeat(starts - offsets, lengths) + np.arange(total)
    return indices[positions].astype(np.int64), data[positions] * np.repeat(row_values, lengths)
