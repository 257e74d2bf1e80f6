"""The one settings object of upskill (environment variables prefixed ``UPSKILL_``, ``.env`` supported)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The folder holding ``pyproject.toml`` and the packages when upskill runs from its source checkout.
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def default_data_dir() -> Path:
    """Where the database and model artefacts live unless configured: the project root when running from the
    source checkout (``make run``), else the user's data folder (``$XDG_DATA_HOME/upskill``, by default
    ``~/.local/share/upskill``). Never the current directory, so every command finds the same data."""
    if (PROJECT_ROOT / "pyproject.toml").is_file():
        return PROJECT_ROOT
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "upskill"


class Settings(BaseSettings):
    """Configuration read from the environment; fails fast on values that cannot work.

    Paths are resolved once, here: a relative ``UPSKILL_DATABASE_URL`` (``sqlite:///./x.db``) or
    ``UPSKILL_ARTEFACT_DIR`` is taken relative to the directory the command starts in and made absolute;
    the defaults are under :func:`default_data_dir`. ``upskill stats`` prints the database used.
    """

    model_config = SettingsConfigDict(
        env_prefix="UPSKILL_", env_file=(PROJECT_ROOT / ".env", ".env"), extra="ignore"
    )

    database_url: str = Field(default_factory=lambda: f"sqlite:///{default_data_dir() / 'upskill.db'}")
    artefact_dir: Path = Field(default_factory=lambda: default_data_dir() / "artefacts")
    # derived data rebuilt when missing: the competence graph snapshot (data/graph_cache.py)
    cache_dir: Path = Field(default_factory=lambda: default_data_dir() / "cache")
    import_batch_size: int = 5000
    # Inferred course-skill links under this confidence are kept (curators can confirm them) but not used
    # for planning: on the tagging gold set's 31 dev courses, the tagger's links under 0.05 were right 5 % of
    # the time, at 0.05 or more 33 %, at 0.1 or more 65 % (evaluation/tagging.py). Explicit and curated
    # links have confidence 1.
    planning_min_confidence: float = 0.05
    # Exchange-rate table (currency,units_per_eur,date,source); None: the bundled ECB table in data/default/.
    exchange_rates: Path | None = None

    # Hybrid ranker (LightFM) hyper-parameters; see recommender.hybrid.HybridRanker.
    model_components: int = 64
    model_loss: str = "warp"
    model_learning_rate: float = 0.05
    model_item_alpha: float = 0.0
    model_user_alpha: float = 0.0
    model_max_sampled: int = 10
    model_max_epochs: int = 30
    model_patience: int = 5
    model_seed: int = 0
    model_threads: int = 1
    model_knn_neighbours: int = 100
    model_max_features: int = 32  # metadata features kept per user/item (LightFM cost grows with them)

    # Dask scheduler (tcp://HOST:PORT) that large cohorts are planned on; unset: in this process.
    dask_scheduler: str | None = None

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError(
                f"UPSKILL_DATABASE_URL must be a sqlite:/// or postgresql+psycopg:// URL, got {value!r}"
            )
        prefix, _, path = value.partition(":///")
        if prefix.startswith("sqlite") and path and path != ":memory:" and not Path(path).is_absolute():
            return f"{prefix}:///{Path(path).resolve()}"
        return value

    @field_validator("artefact_dir", "cache_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.resolve()

    @field_validator("model_loss")
    @classmethod
    def _lightfm_loss(cls, value: str) -> str:
        if value not in ("warp", "bpr", "warp-kos", "logistic"):
            raise ValueError("UPSKILL_MODEL_LOSS must be one of warp, bpr, warp-kos, logistic")
        return value

    @field_validator("planning_min_confidence")
    @classmethod
    def _unit(cls, value: float) -> float:
        if not 0.0 <= value <= 1.0:
            raise ValueError("UPSKILL_PLANNING_MIN_CONFIDENCE must be between 0 and 1")
        return value

    @field_validator("import_batch_size")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError("UPSKILL_IMPORT_BATCH_SIZE must be at least 1")
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read once."""
    return Settings()
