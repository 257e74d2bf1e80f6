"""The evidence for the level a course teaches when its catalogue states none (``UNSTATED_LEVEL``).

Run::

    .venv/bin/python -m evaluation.course_levels [--shared ../shared/data/courses]

Udemy states no level and Coursera's "Mixed" says only that a course spans levels. Of the edX and Coursera
courses that state one, this prints how many are introductory, intermediate and advanced, overall and by what
the title says ("Introduction to ...", "... for Beginners", "Advanced ..."), the same title cues counted on
the Udemy listing, the level a course with no stated level is given (the most common stated one), and the
vendored catalogue's links used for planning (probability ``PLANNING_MIN_CONFIDENCE`` or more) by the level
they teach at.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from data import catalogue
from data.defaults import PLANNING_MIN_CONFIDENCE
from data.formats import coursera, edx, udemy
from data.formats.courses import COURSE_LEVELS, LEVEL_OF, UNSTATED_LEVEL

SHARED_COURSES = Path(__file__).resolve().parents[2] / "shared" / "data" / "courses"
#: What a title may say of a course's level.
CUES = {
    "basics": re.compile(
        r"\b(beginners?|basics?|introduct\w*|intro|fundamentals?|foundations?|101|getting started)\b", re.I
    ),
    "advanced": re.compile(r"\b(advanced|masterclass|mastery|expert)\b", re.I),
}


def cue_of(title: str) -> str:
    """The first cue of :data:`CUES` the title carries, else "none"."""
    return next((cue for cue, pattern in CUES.items() if pattern.search(title)), "none")


def stated_levels(folder: Path) -> list[tuple[str, str]]:
    """(title, stated level) of every edX and Coursera course whose catalogue states a level."""
    edx_courses, _ = edx.read(folder / "edx_courses.csv")
    coursera_courses, _ = coursera.read(folder / "coursera_courses.csv")
    records = [c.record for c in edx_courses] + [c.record for c in coursera_courses]
    return [(r.title, r.level) for r in records if r.level is not None]


def most_common_level(levels: Iterable[str]) -> int:
    """The skill level (0..4) of the most common course level."""
    level, _count = Counter(levels).most_common(1)[0]
    return LEVEL_OF[level]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED_COURSES, help="folder of the course snapshots")
    args = parser.parse_args(argv)
    stated = stated_levels(args.shared)
    by_cue: dict[str, Counter[str]] = {cue: Counter() for cue in (*CUES, "none")}
    for title, level in stated:
        by_cue[cue_of(title)][level] += 1
    print("edX and Coursera courses stating a level, by what the title says:")
    print(f"  {'title says':<10} {'courses':>7} " + " ".join(f"{level:>14}" for level in COURSE_LEVELS))
    for cue, counts in [*by_cue.items(), ("any", Counter(level for _, level in stated))]:
        total = sum(counts.values())
        shares = " ".join(f"{counts[level]:>6} ({counts[level] / total:4.0%})" for level in COURSE_LEVELS)
        print(f"  {cue:<10} {total:>7} {shares}")
    udemy_courses, _ = udemy.read(args.shared / "udemy_courses.csv")
    cues = Counter(cue_of(c.record.title) for c in udemy_courses)
    said = ", ".join(f"{cue} {count}" for cue, count in cues.items())
    print(f"Udemy titles (no level stated), {len(udemy_courses)}: {said}")
    mode = most_common_level(level for _, level in stated)
    print(f"Most common stated level: skill level {mode}; shipped UNSTATED_LEVEL: {UNSTATED_LEVEL}")
    links = Counter(
        claim.level
        for record in catalogue.read_catalogue(catalogue.DEFAULT_CATALOGUE).records
        for claim in record.skills
        if claim.confidence >= PLANNING_MIN_CONFIDENCE
    )
    total = sum(links.values())
    print(
        f"The vendored catalogue's {total:,} links at probability {PLANNING_MIN_CONFIDENCE} or more (before "
        "curation), by the level they teach at: "
        + ", ".join(f"{level}: {count:,} ({count / total:.1%})" for level, count in sorted(links.items()))
    )
    return 0 if mode == UNSTATED_LEVEL else 1


if __name__ == "__main__":
    raise SystemExit(main())
