"""Free text to ESCO: ``POST /v1/occupations/match`` and ``POST /v1/skills/extract`` (nothing is stored).

Plain ``def`` routes: FastAPI runs them in its thread pool, so a batch of titles never blocks the event loop.
The matcher and the extractor are built once per process (``api.runtime``) and shared by every request.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.http.deps import SkillExtractorDep, TitleMatcherDep
from api.http.schemas.common import PROBLEMS
from api.http.schemas.text import (
    SkillExtractCreate,
    SkillExtractionsRead,
    TitleMatchCreate,
    TitleMatchesRead,
)
from api.services import text, titles

router = APIRouter(tags=["free text"], responses=PROBLEMS)


@router.post("/occupations/match", response_model=TitleMatchesRead)
def match_occupations(body: TitleMatchCreate, matcher: TitleMatcherDep) -> Any:
    """Rank ESCO occupations for each job title, in input order; say which resolve without a person."""
    from recommender.text.titles import RESOLVE_THRESHOLD

    resolutions = titles.resolve_titles(
        matcher=matcher, titles=body.titles, threshold=RESOLVE_THRESHOLD, k=body.k
    )
    return {
        "threshold": RESOLVE_THRESHOLD,
        "results": [
            {
                "input": found.title,
                "resolved": found.occupation is not None,
                "occupation": found.occupation.uri if found.occupation is not None else None,
                "matches": [
                    {"uri": m.uri, "label": m.label, "score": m.score, "reason": m.reason}
                    for m in found.candidates
                ],
            }
            for found in resolutions
        ],
    }


@router.post("/skills/extract", response_model=SkillExtractionsRead)
def extract_skills(body: SkillExtractCreate, extractor: SkillExtractorDep) -> Any:
    """Rank the ESCO skills each text names, best first, with the words that name them."""
    found = text.extract_skills(extractor=extractor, texts=body.texts, k=body.k)
    return {
        "results": [
            {
                "input": given,
                "skills": [
                    {"uri": s.uri, "label": s.label, "score": s.score, "evidence": s.evidence} for s in skills
                ],
            }
            for given, skills in zip(body.texts, found, strict=True)
        ]
    }
