"""The one settings object of upskill (environment variables prefixed ``UPSKILL_``, ``.env`` supported).

It belongs to the entry points: the command line and the server read it here and pass the values down
(``data/``, ``training/`` and ``evaluation/`` take them as arguments, with the defaults of
``data/defaults.py`` and ``training/params.py``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, ValidationError, field_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict

from data.defaults import (
    PLANNING_MIN_CONFIDENCE,
    PROJECT_ROOT,
    absolute_database_url,
    default_data_dir,
    default_database_url,
)
from recommender.errors import UpskillError
from training.params import ModelParams

DEFAULT_MODEL = ModelParams()


class Settings(BaseSettings):
    """Configuration read from the environment; fails fast on values that cannot work.

    Paths are resolved once, here: a relative ``UPSKILL_DATABASE_URL`` (``sqlite:///./x.db``) or
    ``UPSKILL_ARTEFACT_DIR`` is taken relative to the directory the command starts in and made absolute;
    the defaults are under :func:`default_data_dir`. ``upskill stats`` prints the database used.
    """

    model_config = SettingsConfigDict(
        env_prefix="UPSKILL_", env_file=(PROJECT_ROOT / ".env", ".env"), extra="ignore"
    )

    database_url: str = Field(default_factory=default_database_url)
    artefact_dir: Path = Field(default_factory=lambda: default_data_dir() / "artefacts")
    # derived data rebuilt when missing: the competence graph snapshot (data/graph_cache.py)
    cache_dir: Path = Field(default_factory=lambda: default_data_dir() / "cache")
    import_batch_size: int = 5000
    # inferred links under this calibrated probability are not planned on (why 0.2: data/defaults.py)
    planning_min_confidence: float = PLANNING_MIN_CONFIDENCE
    # Exchange-rate table (currency,units_per_eur,date,source); None: the bundled ECB table in data/default/.
    exchange_rates: Path | None = None

    # Hybrid ranker (LightFM) hyper-parameters and fit; see training.params.ModelParams.
    model_components: int = DEFAULT_MODEL.components
    model_loss: str = DEFAULT_MODEL.loss
    model_learning_rate: float = DEFAULT_MODEL.learning_rate
    model_item_alpha: float = DEFAULT_MODEL.item_alpha
    model_user_alpha: float = DEFAULT_MODEL.user_alpha
    model_max_sampled: int = DEFAULT_MODEL.max_sampled
    model_max_epochs: int = DEFAULT_MODEL.max_epochs
    model_patience: int = DEFAULT_MODEL.patience
    model_seed: int = DEFAULT_MODEL.seed
    model_threads: int = DEFAULT_MODEL.threads
    model_knn_neighbours: int = DEFAULT_MODEL.knn_neighbours
    model_max_features: int = DEFAULT_MODEL.max_features

    # Dask scheduler (tcp://HOST:PORT) that large cohorts are planned on; unset: in this process.
    dask_scheduler: str | None = None

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError(
                "must be a sqlite:/// or postgresql+psycopg:// URL (a file: sqlite:///path/to/upskill.db)"
            )
        return absolute_database_url(value)

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

    def model_params(self) -> ModelParams:
        """The ``UPSKILL_MODEL_*`` values as the hyper-parameters ``training`` takes."""
        prefix = "model_"
        return ModelParams(**{name[len(prefix) :]: value for name, value in self if name.startswith(prefix)})


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read once; a value that cannot work is an :class:`UpskillError`
    naming the variable (the command line prints it as one line, not a traceback)."""
    try:
        return Settings()
    except ValidationError as error:
        raise UpskillError("; ".join(_setting_problem(problem) for problem in error.errors())) from None


def _setting_problem(problem: ErrorDetails) -> str:
    name = "UPSKILL_" + "_".join(str(part) for part in problem["loc"]).upper()
    message = problem["msg"].removeprefix("Value error, ").removeprefix(f"{name} ")
    return f"setting {name} (environment or .env): {message}, got {problem['input']!r}"
