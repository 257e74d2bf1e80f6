"""Free text (CVs, job ads, course texts) to ESCO skills, and the extractor's evaluation."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from recommender.errors import UpskillError

if TYPE_CHECKING:
    from recommender.text.skills import ExtractedSkill, SkillExtractor


def extract_skills(*, extractor: SkillExtractor, texts: Sequence[str], k: int) -> list[list[ExtractedSkill]]:
    """Rank the ESCO skills each text names, best first, with the words that name them."""
    if k < 1:
        raise UpskillError(f"k must be at least 1, got {k}")
    return extractor.extract(list(texts), k=k)


def evaluate_extraction(*, references: Sequence[Path] = ()) -> dict[str, Any]:
    """Measure the skill extractor and the TF-IDF label baseline on labelled sentences (MRR, RP@5)."""
    from evaluation import extraction

    return extraction.run(list(references)) if references else extraction.run()
