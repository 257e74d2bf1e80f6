"""Which courses are added to the tagging gold set, and to which split: a rule fixed before labelling.

The courses of the edX and Coursera snapshots (``../shared/data/courses``) that are in English (edX: its
language field; both: at least 12 % English function words, as the tagger checks), have at least 50 words of
text, have a slug no other Coursera offering shares, and are not in the gold set yet, are ordered by the
SHA-256 of ``SALT + course_id``. A labeller takes them in that order, skipping a course only when its
normalised title equals one already in the set or taken (a repeat offering) or when its text names fewer than
3 ESCO skills (each skip is recorded in ``evaluation/TAGGING_GOLD.md``). The k-th course labelled (k = 0, 1,
...) goes to ``test`` when k % 3 == 2, else to ``dev``.

Run: ``.venv/bin/python -m evaluation.tagging_gold_sample [N]`` lists the first N (default 60) in order.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from evaluation.tagging import COURSERA_CSV, EDX_CSV, GOLD, load_gold
from recommender.tagging import MIN_ENGLISH_SHARE, english_share

SALT = "upskill tagging gold 2026-12-02 "
MIN_WORDS = 50
#: The gold set held this many courses (listed first in its file) when the sample was drawn.
BEFORE_SAMPLE = 67
#: The courses of the sample's first 111 that were skipped (see ``evaluation/TAGGING_GOLD.md``).
SKIPPED = (
    "coursera-certificado-de-carrera-de-google-marketing-digital-e-e-commerce",
    "edx-astrophysics-exploring-exoplanets",
    "edx-international-investment-law",
    "edx-fundamentals-of-neuroscience-part-2-neurons-and-ne",
    "edx-factors-contributing-to-natural-change",
    "edx-international-humanitarian-law",
    "edx-first-nights-berliozs-symphonie-fantastique-and-pr",
)


def split_of(k: int) -> str:
    """The split of the k-th course labelled under this rule (from 0)."""
    return "test" if k % 3 == 2 else "dev"


def normalised_title(title: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", title.lower()))


def ordered(
    edx_csv: Path = EDX_CSV, coursera_csv: Path = COURSERA_CSV, gold: Path = GOLD
) -> list[tuple[str, str]]:
    """(course_id, title) of every eligible course, in the rule's order (repeat titles not yet removed;
    the courses already in the set when the sample was drawn left out)."""
    from data.formats import coursera, edx

    known = {g.course_id for g in load_gold(gold)[:BEFORE_SAMPLE]}
    found: list[tuple[str, str, str]] = []
    for edx_course in edx.read(edx_csv)[0]:
        if edx_course.record.language == "en":
            found.append((edx_course.record.id, edx_course.record.title, edx_course.text))
    courses = coursera.read(coursera_csv)[0]
    slugs = Counter(coursera.kind_and_slug(c.record.url or "")[1] for c in courses)
    for course in courses:
        if slugs[coursera.kind_and_slug(course.record.url or "")[1]] == 1:
            found.append((course.record.id, course.record.title, course.text))
    eligible = [
        (cid, title)
        for cid, title, text in found
        if cid not in known and len(text.split()) >= MIN_WORDS and english_share(text) >= MIN_ENGLISH_SHARE
    ]
    return sorted(eligible, key=lambda item: hashlib.sha256((SALT + item[0]).encode()).hexdigest())


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    count = int(args[0]) if args else 60
    for cid, title in ordered()[:count]:
        print(f"{cid}\t{title}")


if __name__ == "__main__":
    main()
