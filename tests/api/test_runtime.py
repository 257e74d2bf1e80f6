"""The runtime loads each heavy object once, from the cache, and says what is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.runtime import Runtime
from api.settings import Settings
from data.db import make_engine, migrate
from recommender.errors import UpskillError
from recommender.graph import CompetenceGraph
from tests.recommender.conftest import tiny_data


def _settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'rt.db'}",
        artefact_dir=tmp_path / "artefacts",
        cache_dir=tmp_path / "cache",
    )


def test_objects_load_once_and_a_missing_model_is_none_with_the_reason(tmp_path: Path) -> None:
    snapshot = CompetenceGraph.from_data(tiny_data()).save(tmp_path / "snapshot")
    context = Runtime(_settings(tmp_path), snapshot=snapshot)
    assert context.graph is context.graph
    assert context.graph.resolve_occupation("welder") == "occ:welder"
    assert context.model is None and "no usable model artefact" in context.model_problem
    context.load_all()
    assert context.plan_options.courses == () and context.plan_options.badges == ()


def test_an_empty_database_has_no_graph_and_says_what_to_do(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'rt.db'}")
    migrate(engine)
    engine.dispose()
    with pytest.raises(UpskillError, match="run `upskill import esco` first"):
        _ = Runtime(_settings(tmp_path)).graph


def test_a_sqlite_file_keeps_as_many_connections_as_a_server_uses_at_once(tmp_path: Path) -> None:
    """SQLAlchemy's default pool keeps 5: a server's sixth concurrent request opened and closed its own."""
    from api.runtime import SQLITE_POOL_SIZE

    assert Runtime(_settings(tmp_path)).engine.pool.size() == SQLITE_POOL_SIZE  # type: ignore[attr-defined]
    memory = Settings(database_url="sqlite://", artefact_dir=tmp_path / "a", cache_dir=tmp_path / "c")
    assert Runtime(memory).engine.dialect.name == "sqlite"  # in memory: left to its own one-connection pool
