"""The graph cache: built once per reference version, loaded afterwards, rebuilt after any reference write."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from data import graph_cache, graph_loader
from data.db import make_engine, migrate, transaction
from data.models import Course, Occupation, OccupationSkill, Skill
from recommender.graph import CompetenceGraph
from tests.conftest import counted_calls


@pytest.fixture
def small_engine(tmp_path: Path) -> Engine:
    """A fresh SQLite database with two skills and one occupation (committed: other connections see them)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'small.db'}")
    migrate(engine)
    with transaction(engine) as session:
        session.add(Skill(uri="skill:weld", preferred_label="weld metal", alt_labels=["welding"]))
        session.add(Skill(uri="skill:ev", preferred_label="electric vehicles", alt_labels=[]))
        session.add(Occupation(uri="occ:welder", isco_code="7212", code="7212.1", preferred_label="welder"))
        session.flush()
        session.add(
            OccupationSkill(occupation_uri="occ:welder", skill_uri="skill:weld", relation_type="essential")
        )
    return engine


def test_second_load_comes_from_the_cache_and_equals_the_build(
    small_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds = counted_calls(monkeypatch, graph_loader, "load_graph")
    cache = tmp_path / "cache"
    built = graph_cache.cached_graph(engine=small_engine, cache_dir=cache)
    loaded = graph_cache.cached_graph(engine=small_engine, cache_dir=cache)
    assert len(builds) == 1
    assert [p.name.startswith("graph-") for p in cache.iterdir()] == [True]
    assert loaded.counts() == built.counts()
    assert loaded.metadata["content_sha256"] == built.metadata["content_sha256"]
    assert loaded.labels.search("weldng") == built.labels.search("weldng")
    assert loaded.resolve_occupation("Welder") == "occ:welder"


def test_a_reference_write_makes_a_new_snapshot_and_old_ones_are_pruned(
    small_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds = counted_calls(monkeypatch, graph_loader, "load_graph")
    cache = tmp_path / "cache"
    graph_cache.cached_graph(engine=small_engine, cache_dir=cache)
    for n in range(graph_cache.KEEP + 1):
        with transaction(small_engine) as session:
            session.add(Course(id=f"c{n}", title=f"course {n}", hours=1.0, currency="EUR", language="en"))
        graph = graph_cache.cached_graph(engine=small_engine, cache_dir=cache)
        assert graph.counts()["nodes_course"] == n + 1
    assert len(builds) == graph_cache.KEEP + 2
    assert len(list(cache.glob("graph-*"))) == graph_cache.KEEP
    assert not list(cache.glob(".graph-*")), "no partial snapshot is left behind"


def test_an_unreadable_snapshot_is_rebuilt(small_engine: Engine, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    graph_cache.cached_graph(engine=small_engine, cache_dir=cache)
    (folder,) = cache.glob("graph-*")
    (folder / "arrays.npz").write_bytes(b"not a zip file")
    graph = graph_cache.cached_graph(engine=small_engine, cache_dir=cache)
    assert graph.counts()["nodes_occupation"] == 1
    assert CompetenceGraph.load(folder).counts() == graph.counts()


def test_the_key_depends_on_the_token_and_the_loader_settings() -> None:
    assert graph_cache.cache_key("a") != graph_cache.cache_key("b")
    before = graph_cache.cache_key("a")
    assert graph_cache.cache_key("a") == before
    assert graph_cache.cache_key("a", 0.5) != before
