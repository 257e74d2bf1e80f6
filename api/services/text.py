"""Free text (CVs, job ads, course texts) to ESCO skills, and the extractor's evaluation."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from recommender.text.skills import ExtractedSkill


def extract_skills(*, db_session: Session, texts: Sequence[str], k: int) -> list[list[ExtractedSkill]]:
    """Rank the ESCO skills each text names, best first, with the words that name them."""
    from data import skill_texts
    from recommender.text.skills import SkillExtractor

    extractor = SkillExtractor().fit(skill_texts.from_database(db_session=db_session))
    return extractor.extract(list(texts), k=k)


def evaluate_extraction(*, references: Sequence[Path] = ()) -> dict[str, Any]:
    """Measure the skill extractor and the TF-IDF label baseline on labelled sentences (MRR, RP@5)."""
    from evaluation import extraction

    return extraction.run(list(references)) if references else extraction.run()
