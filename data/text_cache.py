"""The job-title matcher and the skill extractor, cached on disk like the graph (:mod:`data.derived_cache`).

Fitting them over the database's occupations and skills takes seconds per process; loading the fitted state
a previous process saved takes a fraction of that. Each is kept as ``<kind>-<key>/arrays.npz`` (numbers,
loaded with ``allow_pickle=False``) and ``texts.json`` (vocabularies, labels, URIs), keyed by the database's
reference version and the source of the code and shipped weights that build and score them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar

import numpy as np
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from data import derived_cache
from recommender.text.skills import SkillExtractor
from recommender.text.state import Arrays, Texts
from recommender.text.titles import TitleMatcher

FORMAT = "text-state-1"
_TITLE_BUILDERS = (
    "data/title_index.py",
    "recommender/text/titles.py",
    "recommender/text/state.py",
    "recommender/text/trees.py",
    "recommender/text/title_weights.json",
    "recommender/text/title_weights.npz",
)
_SKILL_BUILDERS = ("data/skill_texts.py", "recommender/text/skills.py", "recommender/text/state.py")


class _Fitted(Protocol):
    def state(self) -> tuple[Arrays, Texts]: ...


F = TypeVar("F", bound=_Fitted)


def _cached(
    *,
    engine: Engine,
    cache_dir: Path,
    kind: str,
    builders: tuple[str, ...],
    build: Callable[[Session], F],
    from_state: Callable[[Arrays, Texts], F],
) -> F:
    import sklearn

    def key(token: str) -> str:
        return derived_cache.cache_key(
            token, fmt=f"{FORMAT}\nsklearn {sklearn.__version__}", builders=builders
        )

    return derived_cache.cached(
        engine=engine,
        cache_dir=cache_dir,
        kind=kind,
        key=key,
        build=build,
        save=lambda fitted, folder: write_state(folder, *fitted.state()),
        load=lambda folder: from_state(*read_state(folder)),
    )


def cached_title_matcher(*, engine: Engine, cache_dir: Path) -> TitleMatcher:
    """The title matcher over the database behind ``engine``: from the cache, or built and cached."""

    def build(session: Session) -> TitleMatcher:
        from data.title_index import load_title_matcher

        return load_title_matcher(db_session=session)

    return _cached(
        engine=engine,
        cache_dir=cache_dir,
        kind="titles",
        builders=_TITLE_BUILDERS,
        build=build,
        from_state=TitleMatcher.from_state,
    )


def cached_skill_extractor(*, engine: Engine, cache_dir: Path) -> SkillExtractor:
    """The skill extractor fitted on the database's skills: from the cache, or fitted and cached."""

    def build(session: Session) -> SkillExtractor:
        from data.skill_texts import from_database

        return SkillExtractor().fit(from_database(db_session=session))

    return _cached(
        engine=engine,
        cache_dir=cache_dir,
        kind="skills",
        builders=_SKILL_BUILDERS,
        build=build,
        from_state=SkillExtractor.from_state,
    )


def write_state(folder: Path, arrays: Arrays, texts: Texts) -> None:
    """Write a matcher's state into a new ``folder`` (the cache renames it into place when complete)."""
    folder.mkdir(parents=True)
    with (folder / "arrays.npz").open("wb") as handle:
        np.savez(handle, **arrays)  # type: ignore[arg-type]
    (folder / "texts.json").write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")


def read_state(folder: Path) -> tuple[Arrays, Texts]:
    """The state :func:`write_state` wrote (``ValueError``/``OSError``/``KeyError`` when unreadable)."""
    with np.load(folder / "arrays.npz", allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    texts = json.loads((folder / "texts.json").read_text(encoding="utf-8"))
    if not isinstance(texts, dict):
        raise ValueError(f"{folder}: texts.json is not an object")
    return arrays, texts
