"""The text matchers' cache: fitted once per reference version, loaded afterwards with equal answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from data import text_cache
from data.db import transaction
from data.models import Occupation, OccupationSkill, Skill
from tests.conftest import counted_calls

TITLES = ["Senior Welder (m/f/d)", "battery tech", "Kfz-Lackierer", "zzqx"]
TEXTS = ["Welding of steel frames, 5 years", "battery chemistry of electric vehicles", "nothing"]


def _fill(engine: Engine) -> None:
    with transaction(engine) as session:
        for uri, label, alts in (
            ("skill:weld", "weld metal parts", ["welding"]),
            ("skill:join", "join metals", ["metal joining"]),
            ("skill:battery", "battery chemistry", []),
            ("skill:ev", "electric vehicles", ["EV technology"]),
        ):
            session.add(Skill(uri=uri, preferred_label=label, alt_labels=alts, description=f"{label} work"))
        for uri, label, alts in (
            ("occ:welder", "welder", ["metal welder"]),
            ("occ:battery", "battery technician", ["EV battery tech"]),
            ("occ:painter", "vehicle painter", ["car painter"]),
        ):
            session.add(
                Occupation(uri=uri, preferred_label=label, alt_labels=alts, isco_code="7212", code=uri[4:])
            )
        session.flush()
        for occupation, skill in (("occ:welder", "skill:weld"), ("occ:battery", "skill:battery")):
            session.add(
                OccupationSkill(occupation_uri=occupation, skill_uri=skill, relation_type="essential")
            )


def test_the_title_matcher_is_built_once_and_loaded_equal(
    fresh_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from data import title_index

    _fill(fresh_engine)
    builds = counted_calls(monkeypatch, title_index, "load_title_matcher")
    built = text_cache.cached_title_matcher(engine=fresh_engine, cache_dir=tmp_path / "cache")
    loaded = text_cache.cached_title_matcher(engine=fresh_engine, cache_dir=tmp_path / "cache")
    assert len(builds) == 1 and loaded is not built
    assert [p.name.startswith("titles-") for p in (tmp_path / "cache").iterdir()] == [True]
    assert loaded.match_many(TITLES, k=3) == built.match_many(TITLES, k=3)
    assert loaded.match("metal welder", k=1)[0].uri == "occ:welder"
    with transaction(fresh_engine) as session:  # a reference write: the next process fits again
        session.add(
            Occupation(
                uri="occ:new",
                preferred_label="cell assembler",
                alt_labels=[],
                isco_code="8212",
                code="8212.1",
            )
        )
    again = text_cache.cached_title_matcher(engine=fresh_engine, cache_dir=tmp_path / "cache")
    assert len(builds) == 2 and "occ:new" in again.uris
    assert again.match("cell assembler", k=1)[0].uri == "occ:new"


def test_the_skill_extractor_is_fitted_once_and_loaded_equal(
    fresh_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from recommender.text.skills import SkillExtractor

    _fill(fresh_engine)
    fits = counted_calls(monkeypatch, SkillExtractor, "fit")
    built = text_cache.cached_skill_extractor(engine=fresh_engine, cache_dir=tmp_path / "cache")
    loaded = text_cache.cached_skill_extractor(engine=fresh_engine, cache_dir=tmp_path / "cache")
    assert len(fits) == 1
    assert loaded.extract(TEXTS, k=3) == built.extract(TEXTS, k=3)
    assert (loaded.score(TEXTS) == built.score(TEXTS)).all()
    assert loaded.extract(TEXTS[:1], k=1)[0][0].uri == "skill:weld"
    assert loaded.get_params() == built.get_params()


def test_an_unreadable_copy_is_fitted_again(fresh_engine: Engine, tmp_path: Path) -> None:
    _fill(fresh_engine)
    text_cache.cached_title_matcher(engine=fresh_engine, cache_dir=tmp_path / "cache")
    (folder,) = (tmp_path / "cache").glob("titles-*")
    (folder / "arrays.npz").write_bytes(b"not an npz")
    matcher = text_cache.cached_title_matcher(engine=fresh_engine, cache_dir=tmp_path / "cache")
    assert matcher.match("welder", k=1)[0].uri == "occ:welder"
    assert text_cache.read_state(folder)[1]["uris"] == matcher.uris  # written again, whole
