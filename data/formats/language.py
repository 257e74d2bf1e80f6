"""The language of a course text, for catalogues that do not state it (Coursera, Udemy).

``py3langid`` (langid.py's model, shipped inside the package: nothing is downloaded) gives a language and a
normalised probability. A text is given a language only when that probability is at least
:data:`MIN_PROBABILITY` and the language has an ISO 639-1 code; otherwise it is ``und`` (undetermined), and
the course is flagged ``language-unknown``. On the Coursera snapshot (title and description) 998 of 1,000
courses pass; on Udemy titles alone (a few words) only 30 of 2,064 do, so the Udemy listing is not detected
at all (see :mod:`data.formats.udemy`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from recommender.codes import UNDETERMINED_LANGUAGE, UnknownCode, language_code

MIN_PROBABILITY = 0.9


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str) -> str:
    """The ISO 639-1 code of the language ``text`` is written in, or ``und`` when not sure."""
    code, probability = _identifier().classify(text)
    if probability < MIN_PROBABILITY:
        return UNDETERMINED_LANGUAGE
    try:
        return language_code(str(code))
    except UnknownCode:
        return UNDETERMINED_LANGUAGE
