"""Match free-text job titles ("Sr. Kfz-Mechatroniker (m/w/d)") to ESCO occupations.

How a title is scored against every occupation (the same for one title or ten thousand):

1. **Cleaning** (:func:`clean_title`). Real titles carry words no ESCO label has: seniority ("senior",
   "jr"), contract and urgency ("full time", "urgent", "hiring"), gender forms ("m/f/d", "(w/m/d)"), language
   requirements ("Mandarin speaking"), places and employers in brackets or after a dash. Words of
   :data:`NOISE_WORDS` are dropped, words in brackets or after `` - `` count :data:`SIDE_WEIGHT` of a word
   of the main part, and common abbreviations are spelt out (:data:`ABBREVIATIONS`: "IT" is ESCO's "ICT",
   "HR" "human resources", "Kfz" "motor vehicle"). Malay job words of Malaysian vacancy titles are put in
   English (:data:`MALAY_WORDS`: "pembantu jualan" is "sales assistant"; Italian plant titles' job words
   get their English beside them, :data:`ITALIAN_WORDS`) and Malaysian places dropped
   (:data:`PLACE_WORDS`). The lists were written by reading how vacancy titles differ from labels (the
   tuning half of ``job_titles_validation.csv``; the Malay words and the places from the words of the whole
   file that no label has); they hold generic words, not titles.
2. **Features** (:data:`FEATURES`), each a number per (title, occupation): character 3-5-gram cosine to the
   best label and to the preferred label; word TF-IDF cosine to the best label; idf-weighted recall (title
   words found in any label), precision and F1 against the best label; whether the title's head word (its last
   content word, the noun in English compounds) ends one of the occupation's labels; an exact label match;
   word cosine to the occupation's description, to its essential skills' labels and to its ISCO group and
   broader occupations' labels; the cosine in a latent semantic space of the occupations' text (``semantic``:
   truncated SVD of its TF-IDF, Deerwester et al. 1990, so that "wellness coach" meets occupations whose
   text uses words related to its own, not only the same words); and how many labels the occupation has and
   how long its preferred label is.
   (Where an occupation sits in ESCO's hierarchy is left out on purpose: fitted to the vacancy titles it
   learnt to push parents such as "motor vehicle assembler" below their children, a habit of that file.)
   Labels of every imported language take part (:class:`OccupationText` ``labels``).
3. **Score**: a linear combination of the features, a conditional logit over all occupations (McFadden
   1974): ``P(o | title) = softmax_o(w . f(title, o))``. The weights ``w`` (:class:`TitleWeights`) are
   fitted by maximum likelihood (:func:`fit_weights`) on titles with known occupations; they are one number
   per feature, shared by all occupations, so no occupation gets a prior of its own. The probability is the
   confidence reported with every match: the softmax of a likelihood-fitted model is calibrated on data like
   its training data (``upskill evaluate titles`` prints the reliability table on the half not tuned on).

The reason of a match names the label that matched best and the title words found in it.
"""

from __future__ import annotations

import copy
import json
import multiprocessing
import re
import time
import unicodedata
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.optimize import minimize
from scipy.special import logsumexp
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer

from recommender.errors import UpskillError
from recommender.text.state import (
    Arrays,
    Texts,
    get_csr,
    get_vectorizer,
    put_csr,
    put_vectorizer,
    tfidf_transform,
)
from recommender.text.trees import BoostedTrees

Floats = NDArray[np.float32]

RESOLVE_THRESHOLD = 0.7
"""Confidence from which :meth:`TitleMatcher.resolve` takes the top occupation without a person confirming
it. Chosen on the check half of the validation file by an earlier session. Out of fold (4-fold grouped
cross-validation over the whole file, ``upskill evaluate titles``; the LambdaRank re-ranker of 2026-12-03)
0.7 resolves 19.6 % of titles, 73.0 % of them right (15.9 % and 76.4 % with the re-ranker before); the rule
written for it (``evaluation.titles.choose_threshold``: the lowest threshold from which at least 90 % of the
titles resolved are right) gives 1.0, no title resolving on its own (at 0.8, 78.5 % of 11.6 %; at 0.9, 82.8 %
of 3.0 %). Left at 0.7 until that is decided (``resolve_out_of_fold`` in the report)."""


SIDE_WEIGHT = 0.4
"""Weight of a word in brackets or after a dash, relative to a word of the title's main part."""

NOISE_WORDS = frozenset(
    """
    senior snr sr junior jnr jr mid entry level principal graduate fresh grad freshie experienced intern
    internship interns trainee protege full part time fulltime parttime permanent temporary temp
    contract contractor freelance freelancer remote hybrid onsite based shift weekend weekends executive
    executives cum urgent urgently immediate immediately hiring hire wanted needed required require
    seeking looking vacancy vacancies position positions job jobs opening openings opportunity career
    careers internships intake diploma degree apply now new m f d w x h mwd mfd fmd wmd fm mf gn genders
    male female only speaking speaker speakers speak fluent language native mandarin chinese cantonese
    japanese korean english malay bahasa thai vietnamese indonesian tagalog arabic german french italian
    spanish i ii iii iv v 1 2 3 4 5 6 7 8 9 10 grade gred sdn bhd ltd gmbh srl mnc with for in at of the
    a an to
    """.split()  # noqa: SIM905
)
"""Words of vacancy titles that never decide the occupation: seniority, contract, urgency, gender forms,
language requirements, grades, company forms, English function words (those in labels, "and", are kept)."""

ABBREVIATIONS: dict[str, str] = {
    "it": "ict",
    "ict": "ict",
    "hr": "human resources",
    "hrd": "human resources",
    "admin": "administrative",
    "asst": "assistant",
    "assit": "assistant",
    "assisstant": "assistant",
    "assitant": "assistant",
    "exec": "executive",
    "execs": "executive",
    "mgr": "manager",
    "mngr": "manager",
    "eng": "engineer",
    "engr": "engineer",
    "tech": "technician",
    "techn": "technician",
    "acct": "accounting",
    "accts": "accounting",
    "qa": "quality assurance",
    "qc": "quality control",
    "ui": "user interface",
    "ux": "user experience",
    "sw": "software",
    "dev": "developer",
    "devs": "developer",
    "fullstack": "full stack",
    "frontend": "front end",
    "backend": "back end",
    "hse": "health safety",
    "ehs": "health safety",
    "pa": "personal assistant",
    "ceo": "chief executive officer",
    "cfo": "chief financial officer",
    "coo": "chief operating officer",
    "cto": "chief technology officer",
    "ops": "operations",
    "maint": "maintenance",
    "elec": "electrical",
    "mech": "mechanical",
    "mktg": "marketing",
    "biz": "business",
    "coord": "coordinator",
    "supv": "supervisor",
    "spv": "supervisor",
    "rep": "representative",
    "reps": "representative",
    "qs": "quantity surveyor",
    "bd": "business development",
    "hvac": "heating ventilation air conditioning",
    "aircond": "air conditioning",
    "ev": "electric vehicle",
    "hv": "high voltage",
    "kfz": "motor vehicle",
    "pkw": "motor vehicle",
    "lkw": "lorry",
    "exe": "executive",
    "aircon": "air conditioning",
    "despatch": "dispatch",
    "telesales": "telemarketing",
    "telesale": "telemarketing",
    "hairstylist": "hair stylist",
    "salesgirl": "salesperson",
    "salesgirls": "salesperson",
    "md": "managing director",
    "pr": "public relations",
    "scm": "supply chain",
    "bdm": "business development manager",
    "qaqc": "quality assurance quality control",
    "ml": "machine learning",
    "ai": "artificial intelligence",
}
"""Abbreviations and spellings of titles, spelt the way ESCO's English labels spell them."""

MALAY_WORDS: dict[str, str] = {
    "pekerja": "worker",
    "kilang": "factory",
    "pembantu": "assistant",
    "jualan": "sales",
    "kerani": "clerk",
    "pegawai": "officer",
    "pemasaran": "marketing",
    "pentadbiran": "administrative",
    "juruwang": "cashier",
    "lori": "lorry",
    "kelindan": "lorry helper",
    "kalindan": "lorry helper",
    "mesin": "machine",
    "kedai": "shop",
    "cuci": "cleaner",
    "pencuci": "cleaner",
    "masak": "cook",
    "jahit": "sewing",
    "stor": "store",
    "pemandu": "driver",
    "guru": "teacher",
    "tadika": "kindergarten",
    "taska": "child care",
    "pereka": "designer",
    "mekanik": "mechanic",
    "kru": "crew",
    "restoran": "restaurant",
    "operasi": "operations",
    "pengurus": "manager",
    "penyelia": "supervisor",
    "jurutera": "engineer",
    "akaun": "accounts",
    "pengawal": "guard",
    "keselamatan": "security",
    "ladang": "plantation",
    "koordinator": "coordinator",
    "elektronik": "electronics",
    "mekanikal": "mechanical",
    "makanan": "food",
    "perabot": "furniture",
    "jururawat": "nurse",
    "tukang": "",
    "jawatan": "",
    "kosong": "",
    "kekosongan": "",
    "gaji": "",
    "mingguan": "",
    "lelaki": "",
    "perempuan": "",
    "di": "",
}
"""Malay job words of vacancy titles (Malaysia's job boards), in English as ESCO's labels spell them; an empty
entry is noise ("jawatan kosong": vacancy; "tukang": tradesman, the trade is the next word). Titles only."""

ITALIAN_WORDS: dict[str, str] = {
    "operaio": "worker",
    "operaia": "worker",
    "addetto": "worker",
    "addetta": "worker",
    "operatore": "operator",
    "operatrice": "operator",
    "montatore": "assembler",
    "montatrice": "assembler",
    "assemblatore": "assembler",
    "assemblatrice": "assembler",
    "montaggio": "assembly",
    "assemblaggio": "assembly",
    "collaudatore": "tester",
    "collaudatrice": "tester",
    "collaudo": "testing",
    "manutentore": "maintenance technician",
    "manutenzione": "maintenance",
    "elettricista": "electrician",
    "meccanico": "mechanic",
    "meccatronico": "mechatronics",
    "tecnico": "technician",
    "saldatore": "welder",
    "verniciatore": "painter",
    "carrellista": "forklift operator",
    "magazziniere": "warehouse worker",
    "ispettore": "inspector",
    "ingegnere": "engineer",
    "progettista": "designer",
    "capoturno": "shift supervisor",
    "caporeparto": "supervisor",
    "motore": "engine",
    "motori": "engine",
    "linea": "line",
    "reparto": "",
    "turno": "shift",
    "qualita": "quality",
    "controllo": "control",
    "componenti": "component",
    "batteria": "battery",
    "batterie": "battery",
    "elettrico": "electrical",
    "elettrica": "electrical",
    "veicolo": "vehicle",
    "veicoli": "vehicle",
    "jolly": "worker",
    "specializzato": "",
    "specializzata": "",
    "della": "",
    "dei": "",
    "delle": "",
}
"""Italian job words of plant titles ("addetto montaggio motori": engine assembly worker), in English as
ESCO's labels spell them, for HR files written in Italian (scenario 3); an empty entry carries no job
("reparto": department). None of these words is a word of ``job_titles_validation.csv``'s titles ("del" is,
and is left out), so its figures are unchanged (every title cleans the same). Words, not titles. Italian is
an ESCO language, so unlike a Malay word an Italian one is kept beside its English (it meets ESCO's Italian
labels where they are imported); an empty entry is dropped."""


PLACE_WORDS = frozenset(
    """
    malaysia singapore indonesia asia apac kl kuala lumpur selangor johor penang pulau pinang melaka
    malacca perak kedah kelantan terengganu pahang sabah sarawak perlis negeri sembilan putrajaya cyberjaya
    labuan shah alam klang petaling pj damansara puchong subang cheras kepong ampang bangsar sunway
    seremban ipoh jb bahru kuching kota kinabalu miri bintulu kuantan rawang kajang bangi semenyih
    nilai senai kulai batu pahat muar seri iskandar setapak wangsa maju mont kiara
    """.split()  # noqa: SIM905
)
"""Places of Malaysia, where the validation file's vacancies are: where a job is, never which job it is."""

FEATURES = (
    "char_best",
    "char_preferred",
    "word_best",
    "recall_any",
    "precision_best",
    "f1_best",
    "head",
    "exact",
    "description",
    "skills",
    "group",
    "semantic",
    "labels_log",
    "label_length",
)
"""The features of a (title, occupation) pair, in the order of :attr:`TitleWeights.weights`."""
_N_TEXT = FEATURES.index("labels_log")  # the features before it depend on the title, the rest do not

_SPLIT_SIDE = re.compile(r"\(([^)]*)\)?|\[([^\]]*)\]?|\s[-–|@]\s.*$")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_GENDER_SUFFIX = re.compile(r"(?<=[a-zäöüß])(/-?in|\(in\)|_in|\*in|/innen|/a|/o|\(a\)|/e)\b", re.IGNORECASE)


def normalise(text: str) -> str:
    """Lower case, accents stripped, anything but letters and digits turned into single spaces."""
    folded = text.casefold()
    if not folded.isascii():
        decomposed = unicodedata.normalize("NFKD", folded)
        folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", folded).strip()


def _stem(word: str) -> str:
    """Fold English plurals ("drivers" -> "driver", "batteries" -> "battery")."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@dataclass(frozen=True)
class CleanTitle:
    """A title after cleaning: the main text, and weighted content words (main part 1, the rest less)."""

    text: str
    words: tuple[tuple[str, float], ...]

    @property
    def head(self) -> str | None:
        """The last content word of the main part (the head noun of an English compound title)."""
        main = [w for w, weight in self.words if weight == 1.0]
        return main[-1] if main else None


def _expand(words: Iterable[str], translations: dict[str, str] | None = None) -> list[str]:
    out: list[str] = []
    for word in words:
        if translations is not None:
            word = translations.get(word, word)
        out.extend(ABBREVIATIONS.get(word, word).split())
    return out


def _title_words(text: str) -> list[str]:
    words: list[str] = []
    for word in _expand(normalise(text).split(), MALAY_WORDS):
        if word in ITALIAN_WORDS:  # an ESCO language: the word stays for its own labels, its English joins it
            words.extend([word, *ITALIAN_WORDS[word].split()] if ITALIAN_WORDS[word] else [])
        else:
            words.append(word)
    return [_stem(w) for w in words if w not in NOISE_WORDS and w not in PLACE_WORDS]


@lru_cache(maxsize=16384)  # the same title is cleaned for its parts, its features and its explanation
def clean_title(title: str) -> CleanTitle:
    """Strip gender forms, noise words and places, spell out abbreviations and Malay and Italian job
    words, weight
    words outside the main part.

    >>> clean_title("Sr. IT Support Exec (Hardware) - URGENT").words
    (('ict', 1.0), ('support', 1.0), ('hardware', 0.4))
    >>> clean_title("Pembantu Jualan - Shah Alam").text
    'assistant sale'
    >>> clean_title("Collaudatore motori").text
    'collaudatore tester motori engine'

    """
    text = _GENDER_SUFFIX.sub("", title.replace("&", " and ").replace("+", " plus "))
    side_parts: list[str] = []

    def keep_side(match: re.Match[str]) -> str:
        side_parts.append(match.group(0))
        return " "

    main = _SPLIT_SIDE.sub(keep_side, text)
    if not normalise(main):  # the whole title was in brackets: use it as the main part
        main, side_parts = text, []
    main_words = _title_words(main)
    side_words = _title_words(" ".join(side_parts))
    if not main_words and side_words:
        main_words, side_words = side_words, []
    weighted: dict[str, float] = {}
    for word in main_words:
        weighted[word] = 1.0
    for word in side_words:
        weighted.setdefault(word, SIDE_WEIGHT)
    return CleanTitle(" ".join(main_words), tuple(weighted.items()))


_PART_SEPARATOR = re.compile(
    r"\s*(?:/|\\|&|\+|,|;|\bcum\b|\band\b|\bor\b|\bund\b|\be\b|\bo\b)\s*", re.IGNORECASE
)


def title_parts(title: str) -> list[str]:
    """The title, then its parts when it names several jobs ("Account cum Admin Assistant")."""
    parts = [p for p in _PART_SEPARATOR.split(title) if clean_title(p).words]
    return [title, *parts] if len(parts) > 1 else [title]


def label_words(label: str) -> list[str]:
    """Content words of a label the way title words are read (abbreviations spelt out, plurals folded)."""
    return [_stem(w) for w in _expand(normalise(label).split())]


# --- occupations --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OccupationText:
    """What the matcher knows of one occupation.

    ``labels`` are ``(text, language)`` pairs, the preferred English label first; ``group_labels`` are the
    labels of its ISCO group and broader occupations; ``skill_labels`` those of its essential skills.
    """

    uri: str
    preferred_label: str
    labels: tuple[tuple[str, str], ...]
    description: str = ""
    group_labels: tuple[str, ...] = ()
    skill_labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class TitleMatch:
    """One ranked occupation for a title: ``score`` is the calibrated probability that it is the one."""

    uri: str
    label: str
    score: float
    matched_label: str
    language: str
    matched_words: tuple[str, ...]

    @property
    def reason(self) -> str:
        """Which label matched and on which words, for people."""
        words = ", ".join(self.matched_words) if self.matched_words else "similar spelling"
        return f"label {self.matched_label!r} ({self.language}) on {words}"


@dataclass(frozen=True)
class Resolution:
    """A title resolved to one occupation when the confidence reaches the threshold, else candidates only."""

    title: str
    occupation: TitleMatch | None
    candidates: tuple[TitleMatch, ...]
    threshold: float

    @property
    def needs_review(self) -> bool:
        return self.occupation is None


@dataclass(frozen=True)
class TitleWeights:
    """The fitted parts of the matcher and where they came from.

    ``weights`` are the conditional logit's, one per :data:`FEATURES` entry (the first stage, ranking every
    occupation). ``trees`` re-rank the first stage's ``shortlist`` best occupations from
    :data:`RERANK_FEATURES` (None: no second stage); ``temperature`` scales their raw scores before the
    softmax that gives the confidence, in which ``outside`` is the logit of "none of the shortlist".
    """

    weights: tuple[float, ...]
    provenance: dict[str, Any] = field(default_factory=dict)
    trees: BoostedTrees | None = None
    temperature: float = 1.0
    shortlist: int = 100
    outside: float = -np.inf

    def __post_init__(self) -> None:
        if len(self.weights) != len(FEATURES):
            raise UpskillError(
                f"title weights have {len(self.weights)} values for {len(FEATURES)} features "
                f"({', '.join(FEATURES)}); refit them with `python -m evaluation.titles --fit`"
            )

    @classmethod
    def load(cls, path: Path) -> TitleWeights:
        """Read ``path`` (JSON) and, when it names one, the trees' ``.npz`` beside it."""
        document = json.loads(path.read_text(encoding="utf-8"))
        if list(document["features"]) != list(FEATURES) or list(document.get("rerank_features", [])) not in (
            [],
            list(RERANK_FEATURES),
        ):
            raise UpskillError(
                f"{path}: fitted for other features than the matcher computes; "
                "refit them with `python -m evaluation.titles --fit`"
            )
        trees = BoostedTrees.load(path.with_name(document["trees"])) if document.get("trees") else None
        return cls(
            tuple(float(v) for v in document["weights"]),
            dict(document.get("provenance", {})),
            trees,
            float(document.get("temperature", 1.0)),
            int(document.get("shortlist", 100)),
            float(document.get("outside", "-inf")),
        )

    def save(self, path: Path) -> None:
        document: dict[str, Any] = {
            "features": list(FEATURES),
            "weights": list(self.weights),
            "rerank_features": list(RERANK_FEATURES),
            "temperature": self.temperature,
            "shortlist": self.shortlist,
            "outside": self.outside,
            "trees": None,
            "provenance": self.provenance,
        }
        if self.trees is not None:
            trees_path = path.with_suffix(".npz")
            self.trees.save(trees_path)
            document["trees"] = trees_path.name
        path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


DEFAULT_WEIGHTS_PATH = Path(__file__).with_name("title_weights.json")


def default_weights() -> TitleWeights:
    """The weights shipped with upskill (see their ``provenance``)."""
    return TitleWeights.load(DEFAULT_WEIGHTS_PATH)


RERANK_FEATURES = (
    *FEATURES,
    *(f"{name}_relative" for name in FEATURES[:_N_TEXT]),
    "first_stage_reciprocal_rank",
    "first_stage_gap",
    "char_best_reciprocal_rank",
    "f1_best_reciprocal_rank",
)
"""What the second stage reads for each shortlisted occupation: the features, the text features divided by
their maximum over all occupations for the title, and ranks and score gap within the first stage."""


def _shortlist(logits: Floats, shortlist: int) -> tuple[NDArray[np.int64], Floats]:
    """The ``shortlist`` best columns of each row, best first (ties by column), and their logits."""
    n, n_occ = logits.shape
    k = min(shortlist, n_occ)
    part = np.argpartition(-logits, k - 1, axis=1)[:, :k] if k < n_occ else np.tile(np.arange(n_occ), (n, 1))
    part_logits = np.take_along_axis(logits, part, axis=1)
    order = np.lexsort((part, -part_logits), axis=1)
    return np.take_along_axis(part, order, axis=1), np.take_along_axis(part_logits, order, axis=1)


def _rerank_matrix(
    chosen_text: Floats, peak: Floats, chosen_generality: Floats, cand_logits: Floats
) -> Floats:
    """The second stage's features (:data:`RERANK_FEATURES`) of each title's shortlist.

    Parameters
    ----------
    chosen_text : ndarray of float32, shape (n_titles, n_text_features, k)
        The text features of the shortlisted occupations, best first-stage score first.
    peak : ndarray of float32, shape (n_titles, n_text_features)
        Each text feature's maximum over all occupations.
    chosen_generality : ndarray of float32, shape (n_title_independent_features, n_titles, k)
    cand_logits : ndarray of float32, shape (n_titles, k)

    Returns
    -------
    ndarray of float32, shape (n_titles, k, len(RERANK_FEATURES))
    """
    n, n_text, k = chosen_text.shape
    peak = peak[:, :, None].copy()
    peak[peak == 0] = 1.0
    out = np.empty((n, k, len(RERANK_FEATURES)), dtype=np.float32)
    n_all = len(FEATURES)
    out[:, :, :n_text] = chosen_text.transpose(0, 2, 1)
    out[:, :, n_text:n_all] = chosen_generality.transpose(1, 2, 0)
    out[:, :, n_all : n_all + n_text] = (chosen_text / peak).transpose(0, 2, 1)
    position = n_all + n_text
    out[:, :, position] = 1.0 / np.arange(1, k + 1)
    out[:, :, position + 1] = cand_logits - cand_logits[:, :1]
    for offset, feature in ((2, FEATURES.index("char_best")), (3, FEATURES.index("f1_best"))):
        ranks = np.argsort(np.argsort(-chosen_text[:, feature, :], axis=1, kind="stable"), axis=1)
        out[:, :, position + offset] = 1.0 / (1.0 + ranks)
    return out


@dataclass(frozen=True)
class SparseColumn:
    """The values of one feature that are not 0, by (title, occupation) in increasing order, no repeats."""

    rows: NDArray[np.int64]
    cols: NDArray[np.int64]
    values: Floats

    @classmethod
    def of(cls, matrix: sp.spmatrix) -> SparseColumn:
        """The entries of a sparse (n_titles, n_occupations) matrix."""
        csr = sp.csr_matrix(matrix, dtype=np.float32)
        csr.sort_indices()
        rows = np.repeat(np.arange(csr.shape[0], dtype=np.int64), np.diff(csr.indptr))
        return cls(rows, csr.indices.astype(np.int64), csr.data)

    @classmethod
    def best(
        cls, rows: NDArray[np.int64], cols: NDArray[np.int64], values: NDArray[np.floating], n_cols: int
    ) -> SparseColumn:
        """The maximum value of each (row, col) among entries that may repeat, in any order."""
        keys = rows * n_cols + cols
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else keys
        best = np.maximum.reduceat(values[order], starts) if len(keys) else values[:0]
        return cls(keys[starts] // n_cols, keys[starts] % n_cols, best.astype(np.float32))


class TextColumns:
    """The title-dependent features of a batch of titles: one (n_titles, n_occupations) matrix per feature
    of ``FEATURES[:n_text_features]``, dense where most occupations get a value (the character n-gram
    cosines) and a :class:`SparseColumn` where few do (about one occupation in ten). Every value is >= 0, so
    a value left out is the smallest.

    Keeping the sparse ones sparse is what makes a batch fast: the first stage's scores are one dense
    matrix, and the re-ranker reads its shortlist's values without a dense (titles x features x
    occupations) array ever being made.
    """

    def __init__(self, columns: Sequence[Floats | SparseColumn], n_titles: int, n_occupations: int):
        self.columns = list(columns)
        self.n_titles = n_titles
        self.n_occupations = n_occupations

    def dense(self) -> Floats:
        """All features as one array, shape (n_titles, n_text_features, n_occupations), float32."""
        out = np.zeros((self.n_titles, len(self.columns), self.n_occupations), dtype=np.float32)
        for f, column in enumerate(self.columns):
            if isinstance(column, SparseColumn):
                out[column.rows, f, column.cols] = column.values
            else:
                out[:, f] = column
        return out

    def weighted_sum(self, weights: Floats) -> Floats:
        """``sum_f weights[f] * feature_f``, shape (n_titles, n_occupations), float32."""
        out = np.zeros((self.n_titles, self.n_occupations), dtype=np.float32)
        for weight, column in zip(weights.tolist(), self.columns, strict=True):
            if isinstance(column, SparseColumn):
                out[column.rows, column.cols] += np.float32(weight) * column.values
            else:
                out += np.float32(weight) * column
        return out

    def at(self, candidates: NDArray[np.int64]) -> Floats:
        """The features of each title's ``candidates`` (n_titles, k): shape (n_titles, n_text_features, k)."""
        n, k = candidates.shape
        out = np.zeros((n, len(self.columns), k), dtype=np.float32)
        wanted = (np.arange(n)[:, None] * self.n_occupations + candidates).ravel()
        for f, column in enumerate(self.columns):
            if not isinstance(column, SparseColumn):
                out[:, f] = np.take_along_axis(column, candidates, axis=1)
            elif len(column.rows):
                keys = column.rows * self.n_occupations + column.cols  # increasing
                at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
                out[:, f] = np.where(keys[at] == wanted, column.values[at], 0.0).reshape(n, k)
        return out

    def peak(self) -> Floats:
        """Each feature's maximum over all occupations, shape (n_titles, n_text_features)."""
        out = np.zeros((self.n_titles, len(self.columns)), dtype=np.float32)
        for f, column in enumerate(self.columns):
            if not isinstance(column, SparseColumn):
                out[:, f] = column.max(axis=1)
            elif len(column.rows):
                starts = np.flatnonzero(np.r_[True, column.rows[1:] != column.rows[:-1]])
                out[column.rows[starts], f] = np.maximum.reduceat(column.values, starts)
        return out

    def best_of_rows(self, owner: NDArray[np.int64], n_titles: int) -> TextColumns:
        """Rows merged into ``n_titles`` rows: row ``i`` goes to ``owner[i]`` (increasing, each title
        present), each value the maximum of the rows merged."""
        first = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        part = np.arange(len(owner)) - np.repeat(first, np.diff(np.r_[first, len(owner)]))
        # the j-th part of every title that has one: few lists, since titles have few parts
        later = [np.flatnonzero(part == j) for j in range(1, int(part.max()) + 1)]
        merged: list[Floats | SparseColumn] = []
        for column in self.columns:
            if isinstance(column, SparseColumn):
                merged.append(
                    SparseColumn.best(owner[column.rows], column.cols, column.values, self.n_occupations)
                )
                continue
            best = column[first]
            for rows in later:
                best[owner[rows]] = np.maximum(best[owner[rows]], column[rows])
            merged.append(best)
        return TextColumns(merged, n_titles, self.n_occupations)


# --- the matcher --------------------------------------------------------------------------------------

_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "or",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "with",
        "by",
        "from",
        "as",
        "is",
        "are",
        "be",
        "this",
        "that",
        "their",
        "its",
        "it",
        "they",
        "them",
        "who",
        "which",
        "such",
        "other",
        "may",
        "also",
        "can",
        "into",
        "within",
        "use",
        "used",
        "using",
    ]  # noqa: SIM905
)


def _doc_words(text: str) -> list[str]:
    return [w for w in label_words(text) if w not in _STOP and not w.isdigit()]


_CHAR_PARAMS: dict[str, Any] = {"analyzer": "char_wb", "ngram_range": (3, 5), "dtype": np.float32}


def _doc_params() -> dict[str, Any]:
    return {"analyzer": _doc_words, "sublinear_tf": True, "dtype": np.float32}


LSA_DIMENSIONS = 100
"""Dimensions of the latent semantic space of the occupations' text (the ``semantic`` feature)."""


def _unit_rows(matrix: Floats) -> Floats:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (matrix / norms).astype(np.float32)


def _row_normalise(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ matrix, dtype=np.float32)


class TitleMatcher:
    """Rank every occupation for free-text job titles (see the module docstring for the method).

    Build it once per process from :class:`OccupationText` records (``data.title_index`` reads them from
    the database) and share it: matching does not change it.

    Parameters
    ----------
    occupations : sequence of OccupationText
        Every occupation that may be matched; ranks are over all of them.
    weights : TitleWeights, optional
        Feature weights; default :func:`default_weights`.
    """

    def __init__(  # noqa: C901 - builds every index of the matcher in one pass over the occupations
        self, occupations: Sequence[OccupationText], weights: TitleWeights | None = None
    ):
        if not occupations:
            raise UpskillError("no occupations to match titles against: import ESCO first")
        self.weights = weights or default_weights()
        self._w = np.asarray(self.weights.weights, dtype=np.float32)
        self.uris = [o.uri for o in occupations]
        self.preferred = [o.preferred_label for o in occupations]
        self._position = {uri: i for i, uri in enumerate(self.uris)}

        label_text: list[str] = []
        label_language: list[str] = []
        label_owner: list[int] = []
        label_norm: list[str] = []
        is_preferred: list[bool] = []
        for owner, occupation in enumerate(occupations):
            seen: set[str] = set()
            for i, (whole, language) in enumerate(occupation.labels):
                # gendered pairs ("postman/postwoman", "Kfz-Mechatroniker/Kfz-Mechatronikerin") also
                # match as each form alone
                forms = [whole, *whole.split("/")] if "/" in whole else [whole]
                for j, text in enumerate(forms):
                    norm = " ".join(label_words(text))
                    if not norm or norm in seen:
                        continue
                    seen.add(norm)
                    label_text.append(text)
                    label_language.append(language)
                    label_owner.append(owner)
                    label_norm.append(norm)
                    is_preferred.append(i == 0 and j == 0)
            if not seen:
                raise UpskillError(f"occupation {occupation.uri} has no label to match")
        self._label_text = label_text
        self._label_words = [tuple(norm.split()) for norm in label_norm]
        self._label_language = label_language
        self._label_owner = np.asarray(label_owner, dtype=np.int64)
        self._starts = np.flatnonzero(np.r_[True, self._label_owner[1:] != self._label_owner[:-1]])
        self._preferred_label = np.flatnonzero(is_preferred)
        self._exact: dict[str, set[int]] = {}
        for norm, owner in zip(label_norm, label_owner, strict=True):
            self._exact.setdefault(norm, set()).add(owner)

        # character n-grams of labels (the baseline's representation, on cleaned text)
        # (an occupation's labels together, and its preferred label: two columns per occupation keep the
        # product with a batch of titles small)
        self._chars = TfidfVectorizer(**_CHAR_PARAMS)
        self._chars.fit(label_norm)
        together = [
            " ".join(label_norm[a:b])
            for a, b in zip(self._starts, [*self._starts[1:], len(label_norm)], strict=True)
        ]
        self._occupation_chars_t = sp.csr_matrix(self._chars.transform(together).T)
        self._preferred_chars_t = sp.csr_matrix(
            self._chars.transform([label_norm[i] for i in self._preferred_label]).T
        )

        # words of labels: binary, idf-weighted
        vocabulary: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        heads: list[tuple[int, int]] = []
        for row, norm in enumerate(label_norm):
            words = norm.split()
            for word in set(words):
                rows.append(row)
                cols.append(vocabulary.setdefault(word, len(vocabulary)))
            heads.append((label_owner[row], vocabulary[words[-1]]))
        self._vocabulary = vocabulary
        n_labels, n_words, n_occ = len(label_norm), len(vocabulary), len(occupations)
        binary = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n_labels, n_words)
        )
        df = np.bincount(np.asarray(cols, dtype=np.int64), minlength=n_words)
        self._idf = (np.log((1.0 + n_labels) / (1.0 + df)) + 1.0).astype(np.float32)
        weighted = sp.csr_matrix(binary @ sp.diags(self._idf), dtype=np.float32)
        self._label_mass = np.asarray(weighted.sum(axis=1)).ravel().astype(np.float32)
        self._label_words_t = sp.csr_matrix(weighted.T)  # words x labels, idf
        self._label_binary_t = sp.csr_matrix(binary.T)  # words x labels, 0/1
        self._label_tfidf_t = sp.csr_matrix(_row_normalise(sp.csr_matrix(binary @ sp.diags(self._idf))).T)
        owner_words = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (self._label_owner[rows], cols)), shape=(n_occ, n_words)
        )
        owner_words.data[:] = 1.0
        self._any_words_t = sp.csr_matrix(owner_words.T)  # words x occupations, binary
        head_rows, head_cols = zip(*sorted(set(heads)), strict=True)
        self._heads_t = sp.csr_matrix(
            (np.ones(len(head_rows), dtype=np.float32), (head_cols, head_rows)), shape=(n_words, n_occ)
        )

        # occupation documents: description, essential skills, ISCO group and broader occupations
        self._docs: list[tuple[TfidfVectorizer, sp.csr_matrix] | None] = []
        for texts in (
            [o.description for o in occupations],
            [" ".join(o.skill_labels) for o in occupations],
            [" ".join(o.group_labels) for o in occupations],
        ):
            vectorizer = TfidfVectorizer(**_doc_params())
            if not any(_doc_words(text) for text in texts):
                self._docs.append(None)  # no occupation has such text: the feature stays 0
                continue
            matrix = vectorizer.fit_transform(texts)
            self._docs.append((vectorizer, sp.csr_matrix(matrix.T.tocsr())))

        # latent semantic analysis (Deerwester et al. 1990) of each occupation's labels, description and
        # essential skills: words that occur in the same occupations' text lie close, so a title meets an
        # occupation whose text uses related words it does not share
        corpus = [
            " ".join([*(t for t, _ in o.labels), o.description, *o.skill_labels, *o.group_labels])
            for o in occupations
        ]
        self._lsa_vectorizer = TfidfVectorizer(**_doc_params())
        lsa_matrix = self._lsa_vectorizer.fit_transform(corpus)
        dimensions = min(LSA_DIMENSIONS, min(lsa_matrix.shape) - 1)
        if dimensions >= 1:
            svd = TruncatedSVD(dimensions, algorithm="randomized", random_state=0).fit(lsa_matrix)
            self._lsa_words = np.ascontiguousarray(svd.components_.T, dtype=np.float32)  # words x dimensions
        else:  # a single occupation or word: nothing to relate, the feature stays 0
            self._lsa_words = np.zeros((lsa_matrix.shape[1], 1), dtype=np.float32)
        self._lsa_occupations = np.ascontiguousarray(
            _unit_rows(np.asarray(lsa_matrix @ self._lsa_words)).T, dtype=np.float32
        )  # dimensions x occupations

        self._generality = np.stack(
            [
                np.log1p([len({t for t, _ in o.labels}) for o in occupations]),
                np.log([max(1, len(label_words(o.preferred_label))) for o in occupations]),
            ]
        ).astype(np.float32)

        # the title-independent part of every occupation's score
        self._prior = (self._w[_N_TEXT:] @ self._generality).astype(np.float32)

    # -- state (a matcher saved and loaded without fitting again, see data.text_cache) --------------------

    _ARRAYS = (
        "_label_owner",
        "_starts",
        "_preferred_label",
        "_idf",
        "_label_mass",
        "_generality",
        "_lsa_words",
        "_lsa_occupations",
    )
    _MATRICES = (
        "_occupation_chars_t",
        "_preferred_chars_t",
        "_label_words_t",
        "_label_binary_t",
        "_label_tfidf_t",
        "_any_words_t",
        "_heads_t",
    )

    def state(self) -> tuple[Arrays, Texts]:
        """What the matcher learnt from its occupations, as arrays and strings (weights apart)."""
        arrays: Arrays = {name: getattr(self, name) for name in self._ARRAYS}
        for name in self._MATRICES:
            put_csr(arrays, name, getattr(self, name))
        texts: Texts = {
            "uris": self.uris,
            "preferred": self.preferred,
            "label_text": self._label_text,
            "label_norm": [" ".join(words) for words in self._label_words],
            "label_language": self._label_language,
            "vocabulary": list(self._vocabulary),
            "docs": [doc is not None for doc in self._docs],
        }
        put_vectorizer(arrays, texts, "chars", self._chars)
        put_vectorizer(arrays, texts, "lsa", self._lsa_vectorizer)
        for i, doc in enumerate(self._docs):
            if doc is not None:
                put_vectorizer(arrays, texts, f"doc{i}", doc[0])
                put_csr(arrays, f"doc{i}", doc[1])
        return arrays, texts

    @classmethod
    def from_state(cls, arrays: Arrays, texts: Texts, weights: TitleWeights | None = None) -> TitleMatcher:
        """The matcher :meth:`state` described, scoring with ``weights`` (default :func:`default_weights`)."""
        matcher = cls.__new__(cls)
        matcher.weights = weights or default_weights()
        matcher._w = np.asarray(matcher.weights.weights, dtype=np.float32)
        matcher.uris = list(texts["uris"])
        matcher.preferred = list(texts["preferred"])
        matcher._position = {uri: i for i, uri in enumerate(matcher.uris)}
        for name in cls._ARRAYS:
            setattr(matcher, name, arrays[name])
        for name in cls._MATRICES:
            setattr(matcher, name, get_csr(arrays, name))
        matcher._label_text = list(texts["label_text"])
        matcher._label_words = [tuple(norm.split()) for norm in texts["label_norm"]]
        matcher._label_language = list(texts["label_language"])
        matcher._exact = {}
        for norm, owner in zip(texts["label_norm"], matcher._label_owner.tolist(), strict=True):
            matcher._exact.setdefault(norm, set()).add(owner)
        matcher._vocabulary = {word: i for i, word in enumerate(texts["vocabulary"])}
        matcher._chars = get_vectorizer(arrays, texts, "chars", **_CHAR_PARAMS)
        matcher._lsa_vectorizer = get_vectorizer(arrays, texts, "lsa", **_doc_params())
        matcher._docs = [
            (get_vectorizer(arrays, texts, f"doc{i}", **_doc_params()), get_csr(arrays, f"doc{i}"))
            if present
            else None
            for i, present in enumerate(texts["docs"])
        ]
        matcher._prior = (matcher._w[_N_TEXT:] @ matcher._generality).astype(np.float32)
        if len(matcher.uris) != matcher._generality.shape[1]:
            raise UpskillError("title matcher state: occupations and arrays disagree")
        return matcher

    def __len__(self) -> int:
        return len(self.uris)

    # -- features ---------------------------------------------------------------------------------------

    def _query_words(self, cleaned: Sequence[CleanTitle]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """Titles as (weighted words x idf) and (tf-idf, unit length) rows over the label vocabulary."""
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        for row, title in enumerate(cleaned):
            for word, weight in title.words:
                col = self._vocabulary.get(word)
                if col is not None:
                    rows.append(row)
                    cols.append(col)
                    vals.append(weight)
        shape = (len(cleaned), len(self._vocabulary))
        weights = sp.csr_matrix((np.asarray(vals, dtype=np.float32), (rows, cols)), shape=shape)
        idf_weighted = sp.csr_matrix(weights @ sp.diags(self._idf), dtype=np.float32)
        return idf_weighted, _row_normalise(idf_weighted)

    def features(self, titles: Sequence[str]) -> Floats:
        """Every feature of every (title, occupation) pair.

        A title naming several jobs ("Driver cum Supervisor", "Sales / Marketing Assistant") is also read
        part by part; each text feature is the best of the whole title and its parts.

        Returns
        -------
        ndarray of float32, shape (n_titles, n_features, n_occupations)
            In the order of :data:`FEATURES`.
        """
        text = self._title_columns(titles).dense()
        out = np.empty((len(titles), len(FEATURES), len(self.uris)), dtype=np.float32)
        out[:, :_N_TEXT] = text
        out[:, _N_TEXT:] = self._generality[None, :, :]
        return out

    def _title_columns(self, titles: Sequence[str]) -> TextColumns:
        """The title-dependent features of ``titles``, each the best of the whole title and its parts."""
        texts: list[str] = []
        owner: list[int] = []
        for row, title in enumerate(titles):
            parts = title_parts(title)
            texts.extend(parts)
            owner.extend([row] * len(parts))
        columns = self._text_columns(texts)
        if len(texts) == len(titles):
            return columns
        return columns.best_of_rows(np.asarray(owner, dtype=np.int64), len(titles))

    def _text_columns(self, titles: Sequence[str]) -> TextColumns:
        """The title-dependent features of each text as it is (no parts), sparse where few occupations get
        a value (see :class:`TextColumns`)."""
        cleaned = [clean_title(t) for t in titles]
        n, n_occ = len(cleaned), len(self.uris)
        columns: list[Floats | SparseColumn] = []
        chars = tfidf_transform(
            self._chars, [c.text or normalise(t) for c, t in zip(cleaned, titles, strict=True)]
        )
        columns.append((chars @ self._occupation_chars_t).toarray())  # char_best: most occupations share one
        columns.append((chars @ self._preferred_chars_t).toarray())  # char_preferred

        idf_weighted, tfidf = self._query_words(cleaned)
        mass = np.asarray(idf_weighted.sum(axis=1)).ravel()
        mass[mass == 0] = 1.0
        # the labels sharing a word with a title: the three products have the same sparsity pattern
        present = idf_weighted.copy()
        present.data[:] = 1.0
        cosine = SparseColumn.of(tfidf @ self._label_tfidf_t)
        shared = SparseColumn.of(present @ self._label_words_t)  # idf mass of each label's words found
        found = SparseColumn.of(idf_weighted @ self._label_binary_t)  # weighted idf mass of title words found
        rows = cosine.rows
        owners = self._label_owner[cosine.cols]
        precision = shared.values / self._label_mass[shared.cols]
        recall = np.minimum(found.values / mass[rows], 1.0)
        denominator = precision + recall
        denominator[denominator == 0] = 1.0
        f1 = 2 * precision * recall / denominator
        # within a row, label indices are sorted and labels are sorted by occupation: take each run's maximum
        starts = np.flatnonzero(np.r_[True, (rows[1:] != rows[:-1]) | (owners[1:] != owners[:-1])])
        starts = starts[starts < len(rows)]

        def best_of_labels(values: NDArray[np.floating]) -> SparseColumn:
            reduced = np.maximum.reduceat(values, starts) if len(starts) else values[:0]
            return SparseColumn(rows[starts], owners[starts], reduced.astype(np.float32))

        recall_any = SparseColumn.of(idf_weighted @ self._any_words_t)
        recall_any = SparseColumn(recall_any.rows, recall_any.cols, recall_any.values / mass[recall_any.rows])
        columns += [best_of_labels(cosine.values), recall_any, best_of_labels(precision), best_of_labels(f1)]

        head_rows: list[int] = []
        head_cols: list[int] = []
        exact_rows: list[int] = []
        exact_cols: list[int] = []
        for row, title in enumerate(cleaned):
            head = self._vocabulary.get(title.head) if title.head else None
            if head is not None:
                found_heads = self._heads_t.indices[
                    self._heads_t.indptr[head] : self._heads_t.indptr[head + 1]
                ]
                head_rows.extend([row] * len(found_heads))
                head_cols.extend(found_heads.tolist())
            for owner in self._exact.get(title.text, ()):
                exact_rows.append(row)
                exact_cols.append(owner)
        for feature_rows, feature_cols in ((head_rows, head_cols), (exact_rows, exact_cols)):
            columns.append(
                SparseColumn.best(
                    np.asarray(feature_rows, dtype=np.int64),
                    np.asarray(feature_cols, dtype=np.int64),
                    np.ones(len(feature_rows), dtype=np.float32),
                    n_occ,
                )
            )

        # the three occupation documents and the semantic space share one analyzer: read each title once
        doc_terms = [_doc_words(" ".join(w for w, _ in c.words)) for c in cleaned]
        for doc in self._docs:
            if doc is None:  # no occupation has such text: the feature is 0
                columns.append(SparseColumn.of(sp.csr_matrix((n, n_occ), dtype=np.float32)))
                continue
            vectorizer, matrix_t = doc
            columns.append(SparseColumn.of(tfidf_transform(vectorizer, (), terms=doc_terms) @ matrix_t))
        lsa = _unit_rows(
            np.asarray(tfidf_transform(self._lsa_vectorizer, (), terms=doc_terms) @ self._lsa_words)
        )
        semantic = np.empty((n, n_occ), dtype=np.float32)
        for row in range(n):  # one vector-matrix product per title: the same sums in any batch (a matrix
            # product's last bits depend on its shape, and a batch must score a title as it scores it alone)
            np.dot(lsa[row], self._lsa_occupations, out=semantic[row])
        columns.append(np.maximum(semantic, 0.0, out=semantic))  # >= 0, as every feature
        return TextColumns(columns, n, n_occ)

    # -- scoring ----------------------------------------------------------------------------------------

    def with_weights(self, weights: TitleWeights) -> TitleMatcher:
        """The same matcher (its indexes shared, not copied) scoring with ``weights``: how the fitting and the
        cross-validation of ``evaluation.titles`` score titles with weights of their own."""
        other = copy.copy(self)
        other.weights = weights
        other._w = np.asarray(weights.weights, dtype=np.float32)
        other._prior = (other._w[_N_TEXT:] @ self._generality).astype(np.float32)
        return other

    def _first_stage(self, titles: Sequence[str]) -> tuple[TextColumns, Floats]:
        """The title-dependent features of ``titles`` and the first stage's logits of every occupation."""
        columns = self._title_columns(titles)
        logits = columns.weighted_sum(self._w[:_N_TEXT])
        logits += self._prior
        return columns, logits

    def _shortlisted(
        self, columns: TextColumns, logits: Floats, shortlist: int
    ) -> tuple[NDArray[np.int64], Floats]:
        candidates, cand_logits = _shortlist(logits, shortlist)
        features = _rerank_matrix(
            columns.at(candidates), columns.peak(), self._generality[:, candidates], cand_logits
        )
        return candidates, features

    def rerank_inputs(self, titles: Sequence[str], shortlist: int) -> tuple[NDArray[np.int64], Floats]:
        """The first stage's ``shortlist`` best occupations of each title, best first (ties by column), and
        the re-ranker's features of them, shape (n, k, len(RERANK_FEATURES)): what the trees read when
        scoring and are fitted on."""
        return self._shortlisted(*self._first_stage(titles), shortlist)

    def _scores(
        self, titles: Sequence[str]
    ) -> tuple[Floats, NDArray[np.int64] | None, NDArray[np.float64] | None]:
        """First-stage logits of every occupation, shape (n, n_occupations); with a second stage, also the
        shortlist of each title (n, k), best first-stage score first, and the re-ranker's log-probabilities
        of it (n, k), in which "none of the shortlist" holds the rest."""
        columns, logits = self._first_stage(titles)
        trees = self.weights.trees
        if trees is None:
            return logits, None, None
        candidates, features = self._shortlisted(columns, logits, self.weights.shortlist)
        n, k = candidates.shape
        raw = trees.raw_scores(features.reshape(n * k, -1)).reshape(n, k) * self.weights.temperature
        outside = np.full((n, 1), self.weights.outside)
        log_q = raw - logsumexp(np.concatenate([raw, outside], axis=1), axis=1, keepdims=True)
        return logits, candidates, log_q

    def log_probabilities(self, titles: Sequence[str], *, chunk: int = 256) -> Floats:
        """Log P(occupation | title) for every pair, shape (n_titles, n_occupations), float32.

        With a second stage, the shortlist shares the probability by the re-ranker's tempered softmax and
        every other occupation ranks below it in first-stage order (with a vanishing probability).
        """
        result = np.empty((len(titles), len(self.uris)), dtype=np.float32)
        for start in range(0, len(titles), chunk):
            part = titles[start : start + chunk]
            logits, candidates, log_q = self._scores(part)
            log_p = logits - logsumexp(logits, axis=1, keepdims=True)
            if candidates is not None and log_q is not None:
                floor = log_q.min(axis=1, keepdims=True) - 1.0
                # below every shortlisted occupation, in first-stage order
                log_p = floor + (log_p - log_p.max(axis=1, keepdims=True)) - 1e-3
                np.put_along_axis(log_p, candidates, log_q, axis=1)
            result[start : start + len(part)] = log_p
        return result

    def match(self, title: str, *, k: int = 10) -> list[TitleMatch]:
        """The ``k`` most likely occupations for one title, best first."""
        return self.match_many([title], k=k)[0]

    def match_many(
        self, titles: Sequence[str], *, k: int = 10, chunk: int = 256, threads: int = 1
    ) -> list[list[TitleMatch]]:
        """The ``k`` most likely occupations for each title, best first (ties by position), in input order.

        When ``k`` is within the re-ranker's shortlist the answer is read from the shortlist alone (every
        other occupation ranks below it); else from :meth:`log_probabilities`. Titles are scored ``chunk``
        at a time, on up to ``threads`` threads (most of the work is numpy and scipy, which let go of
        Python's lock); the answer does not depend on ``threads``.
        """
        if k < 1:
            raise UpskillError(f"k must be at least 1, got {k}")
        if threads < 1:
            raise UpskillError(f"threads must be at least 1, got {threads}")
        k = min(k, len(self.uris))
        chunks = [list(titles[start : start + chunk]) for start in range(0, len(titles), chunk)]
        if threads == 1 or len(chunks) < 2:
            done = [self._match_chunk(part, k) for part in chunks]
        else:
            with ThreadPoolExecutor(max_workers=min(threads, len(chunks))) as pool:
                done = list(pool.map(lambda part: self._match_chunk(part, k), chunks))
        return [matches for part in done for matches in part]

    def _match_chunk(self, part: list[str], k: int) -> list[list[TitleMatch]]:
        if k <= self.weights.shortlist and self.weights.trees is not None:
            _, candidates, log_q = self._scores(part)
            assert candidates is not None and log_q is not None
            scores, columns = log_q.astype(np.float32), candidates
        else:
            scores = self.log_probabilities(part, chunk=len(part))
            columns = np.broadcast_to(np.arange(len(self.uris)), scores.shape)
        order = np.lexsort((columns, -scores), axis=1)[:, :k]
        top = np.take_along_axis(columns, order, axis=1)
        probabilities = np.exp(np.take_along_axis(scores, order, axis=1))
        words = [{w for w, _ in clean_title(title).words} for title in part]
        best = self._best_labels(words, top)
        return [
            [
                self._explain(found, int(o), int(label), float(p))
                for o, label, p in zip(top[row], best[row], probabilities[row], strict=True)
            ]
            for row, found in enumerate(words)
        ]

    def resolve(self, title: str, *, threshold: float = RESOLVE_THRESHOLD, k: int = 5) -> Resolution:
        """One occupation when the top match's confidence reaches ``threshold``, else candidates."""
        return self.resolve_many([title], threshold=threshold, k=k)[0]

    def resolve_many(
        self, titles: Sequence[str], *, threshold: float = RESOLVE_THRESHOLD, k: int = 5
    ) -> list[Resolution]:
        """:meth:`resolve` for many titles at once (the workforce import), in input order."""
        if not 0.0 < threshold <= 1.0:
            raise UpskillError(f"threshold must be in (0, 1], got {threshold}")
        resolutions = []
        for title, matches in zip(titles, self.match_many(titles, k=k), strict=True):
            best = matches[0] if matches and matches[0].score >= threshold else None
            resolutions.append(Resolution(title, best, tuple(matches), threshold))
        return resolutions

    def _best_labels(self, words: Sequence[set[str]], occupations: NDArray[np.int64]) -> NDArray[np.int64]:
        """For each title's word set and each of its occupations, the occupation's label holding the largest
        share of title words (``found / (1 + label words)``, a word repeated in the label counting each
        time; the first such label, and the first label when none shares a word).

        Parameters
        ----------
        words : sequence of set of str, length n
        occupations : ndarray of int64, shape (n, k)

        Returns
        -------
        ndarray of int64, shape (n, k): label indices
        """
        counts = self.__dict__.get("_label_counts")
        if counts is None:  # labels x words, repeats summed; built on first use (not saved with the state)
            cols = [self._vocabulary[w] for label in self._label_words for w in label]
            lengths = np.asarray([len(label) for label in self._label_words])
            rows = np.repeat(np.arange(len(lengths)), lengths)
            counts = sp.csr_matrix(
                (np.ones(len(cols)), (rows, cols)), shape=(len(lengths), len(self._vocabulary))
            )
            self.__dict__["_label_lengths"] = lengths
            self.__dict__["_label_counts"] = counts  # last: a thread that finds it finds the lengths too
        lengths = self.__dict__["_label_lengths"]
        n, k = occupations.shape
        ends = np.r_[self._starts[1:], len(self._label_text)]
        first = self._starts[occupations.ravel()]
        sizes = ends[occupations.ravel()] - first
        offsets = np.r_[0, np.cumsum(sizes)[:-1]]
        labels = np.arange(int(sizes.sum())) - np.repeat(offsets - first, sizes)  # every candidate label
        title = np.repeat(np.repeat(np.arange(n), k), sizes)
        rows = counts[labels]
        entry_row = np.repeat(np.arange(len(labels)), np.diff(rows.indptr))
        vocabulary_size = len(self._vocabulary)
        wanted = np.unique(
            np.asarray(
                [
                    t * vocabulary_size + self._vocabulary[w]
                    for t, found in enumerate(words)
                    for w in found
                    if w in self._vocabulary
                ],
                dtype=np.int64,
            )
        )
        found = np.isin(title[entry_row] * vocabulary_size + rows.indices, wanted)
        hits = np.bincount(entry_row, weights=rows.data * found, minlength=len(labels))
        shares = hits / (1 + lengths[labels])
        peak = np.repeat(np.maximum.reduceat(shares, offsets), sizes)
        at_peak = np.flatnonzero(shares == peak)
        return labels[at_peak[np.searchsorted(at_peak, offsets)]].reshape(n, k)

    def _explain(self, words: set[str], owner: int, label: int, probability: float) -> TitleMatch:
        """The match of one occupation, explained by its label ``label`` (see :meth:`_best_labels`)."""
        found = tuple(w for w in self._label_words[label] if w in words)
        return TitleMatch(
            uri=self.uris[owner],
            label=self.preferred[owner],
            score=round(probability, 4),
            matched_label=self._label_text[label],
            language=self._label_language[label],
            matched_words=tuple(dict.fromkeys(found)),
        )


# --- one batch over several processes ----------------------------------------------------------------

_FORKED: TitleMatcher | None = None
"""The matcher a forked worker of :func:`match_in_processes_timed` inherits from its parent."""


def _match_slice(task: tuple[list[str], int]) -> tuple[list[list[TitleMatch]], float]:
    titles, k = task
    assert _FORKED is not None, "a worker of match_in_processes runs only in a forked process"
    started = time.process_time()
    matches = _FORKED.match_many(titles, k=k)
    return matches, time.process_time() - started


def match_in_processes_timed(
    matcher: TitleMatcher, titles: Sequence[str], *, k: int = 10, processes: int = 2
) -> tuple[list[list[TitleMatch]], list[float]]:
    """:meth:`TitleMatcher.match_many` over ``processes`` forked processes, each matching one contiguous
    slice of ``titles``; the slices' answers are joined in input order, so the result equals
    ``matcher.match_many(titles, k=k)`` whatever ``processes`` is. Also returns the CPU seconds each
    process spent matching (one entry per slice; ``[]`` when matched in this process).

    Threads cannot use a second core for this work (the cleaning, the sparse-matrix bookkeeping and the
    explanations hold Python's lock); forked processes share the matcher's arrays with their parent
    (copy on write) and need no second copy. Where ``fork`` is not available (Windows, macOS by default)
    the batch is matched in this process.
    """
    global _FORKED
    if processes < 1:
        raise UpskillError(f"processes must be at least 1, got {processes}")
    processes = min(processes, len(titles))
    if processes <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return matcher.match_many(titles, k=k), []
    bounds = np.linspace(0, len(titles), processes + 1).round().astype(int)
    tasks = [(list(titles[a:b]), k) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    _FORKED = matcher
    try:
        pool = multiprocessing.get_context("fork").Pool(processes)
        try:
            done = pool.map(_match_slice, tasks, chunksize=1)
        finally:
            pool.close()
            pool.join()
    finally:
        _FORKED = None
    return [matches for part, _ in done for matches in part], [cpu for _, cpu in done]


def match_in_processes(
    matcher: TitleMatcher, titles: Sequence[str], *, k: int = 10, processes: int = 2
) -> list[list[TitleMatch]]:
    """The best ``k`` occupations of each title, in input order, matched on ``processes`` processes (see
    :func:`match_in_processes_timed`)."""
    return match_in_processes_timed(matcher, titles, k=k, processes=processes)[0]


# --- fitting the weights ------------------------------------------------------------------------------


def fit_weights(
    features: Sequence[Floats],
    gold: Sequence[int],
    *,
    l2: float = 1e-3,
    provenance: dict[str, Any] | None = None,
) -> TitleWeights:
    """Maximum-likelihood weights of the conditional logit ``P(o | t) = softmax_o(w . f(t, o))``.

    Parameters
    ----------
    features : sequence of ndarray, each of shape (n_features, n_candidates)
        The features of one title's candidate occupations (all occupations, or a shortlist holding the
        right one).
    gold : sequence of int
        For each title, the column of its right occupation.
    l2 : float
        Ridge penalty on the weights (per title), which keeps them finite on separable data.

    Returns
    -------
    TitleWeights
    """
    if len(features) != len(gold) or not features:
        raise ValueError("need one gold column per title, and at least one title")
    n_features = len(FEATURES)
    stacked = np.concatenate([f.T for f in features]).astype(np.float64)  # (sum candidates, n_features)
    sizes = np.asarray([f.shape[1] for f in features])
    offsets = np.r_[0, np.cumsum(sizes)[:-1]]
    gold_rows = offsets + np.asarray(gold)
    group = np.repeat(np.arange(len(features)), sizes)
    n = len(features)

    def objective(w: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        logits = stacked @ w
        peak = np.maximum.reduceat(logits, offsets)
        exp = np.exp(logits - peak[group])
        total = np.add.reduceat(exp, offsets)
        probability = exp / total[group]
        loss = -np.sum(logits[gold_rows] - peak - np.log(total)) / n + l2 * w @ w
        expected = np.add.reduceat(probability[:, None] * stacked, offsets, axis=0)
        gradient = -(stacked[gold_rows] - expected).sum(axis=0) / n + 2 * l2 * w
        return float(loss), gradient

    result = minimize(objective, np.zeros(n_features), jac=True, method="L-BFGS-B")
    return TitleWeights(tuple(round(float(v), 6) for v in result.x), dict(provenance or {}))
