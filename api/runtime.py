"""The heavy objects of one process, loaded once: database engine, competence graph, plan options, model.

A CLI command builds a :class:`Runtime` and asks for what it needs; each object loads on first use and is
kept for the rest of the process. The HTTP app builds one in its lifespan, loads everything up front
(:meth:`Runtime.load_all`) and hands the objects to requests as dependencies (``api/http/deps.py``).

Where they come from:

* ``engine``: the configured database, migrated when its schema is not the newest (checking costs one query).
* ``graph``: a snapshot folder when one is given (``--snapshot``), else the on-disk cache keyed by the
  database's reference version (:mod:`data.graph_cache`): built from the database only when the taxonomy,
  catalogue or badges changed since the last build (or the code that builds it).
* ``plan_options``: the courses and badges the planner chooses from, cached on disk like the graph
  (:mod:`data.options_cache`). A server loads the graph and plan options again when the database's
  reference version changes (an import while it serves), between requests, both at once
  (:meth:`Runtime.refresh_reference`, looked for every few seconds).
* ``model``: the newest usable model artefact, or None (plans then rank by the content score); a server
  swaps it for a newer valid artefact between requests (:meth:`Runtime.current_model`, :mod:`api.model_slot`).
* ``title_matcher``, ``skill_extractor``: free text to ESCO occupations and skills, fitted over the database's
  taxonomy and cached on disk like the graph (:mod:`data.text_cache`); loaded on first use only (a server
  that never matches a title does not hold them), and kept per reference version (:class:`TextModels`): a
  reload after an import loads the ones in use again, and swaps them with the graph and plan options.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from api.settings import Settings, get_settings
from recommender.errors import UpskillError

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from api.jobs import Jobs
    from api.model_slot import ModelSlot
    from api.services.audit import Commit, Writer
    from api.services.plans import PlanOptions
    from data.db import DriverConnection
    from recommender.graph import CompetenceGraph
    from recommender.text.skills import SkillExtractor
    from recommender.text.titles import TitleMatcher
    from training.artefacts import LoadedModel


#: A database server can go away and come back: each pooled connection is checked before use (so a restart
#: or a terminated connection costs one reconnect, not a failed request), a connection attempt gives up after
#: a few seconds, and a request waits at most ``pool_timeout`` for a free connection.
SERVER_ENGINE_OPTIONS: dict[str, dict[str, Any]] = {
    "postgresql": {"pool_pre_ping": True, "pool_timeout": 10, "connect_args": {"connect_timeout": 3}},
}
#: A SQLite file keeps up to this many connections open (SQLAlchemy's default, 5, is fewer than the requests
#: a process serves at once: each one past it was opened and closed per request, its pragmas run again).
SQLITE_POOL_SIZE = 20

log = logging.getLogger("upskill.runtime")

#: Least seconds between two looks for a change of the reference data (a server's graph and plan options).
REFERENCE_CHECK_SECONDS = 5.0
#: Seconds a statement writing audit entries may run (PostgreSQL) before it is cancelled.
AUDIT_STATEMENT_TIMEOUT = 15.0


def _in_memory(url: str) -> bool:
    """Whether a SQLite URL names an in-memory database (kept by one connection, not a pool of them)."""
    database = url.split("///", 1)[1] if "///" in url else ""
    return database in ("", ":memory:") or "mode=memory" in url


def _backend(settings: Settings) -> str:
    return settings.database_url.split(":", 1)[0].split("+", 1)[0]


class TextModels:
    """The title matcher and the skill extractor of one reference version of the data, each loaded on first
    use (``load(name)``: from the disk cache keyed by the version, or fitted), once however many requests
    ask at the same time, then kept. A reload of the reference data makes a new one
    (:meth:`Runtime.refresh_reference`): a request holding this one keeps using it.
    """

    NAMES = ("title_matcher", "skill_extractor")

    def __init__(self, load: Callable[[str], Any]) -> None:
        self._load = load
        self._lock = threading.Lock()  # one build of each, however many requests ask
        self._loaded: dict[str, Any] = {}

    def title_matcher(self) -> TitleMatcher:
        """Job titles to ESCO occupations (raises :class:`UpskillError` when the database holds no ESCO)."""
        matcher: TitleMatcher = self._get("title_matcher")
        return matcher

    def skill_extractor(self) -> SkillExtractor:
        """Free text to ESCO skills (raises :class:`UpskillError` when the database holds no ESCO)."""
        extractor: SkillExtractor = self._get("skill_extractor")
        return extractor

    def loaded(self) -> tuple[str, ...]:
        """The names of those loaded so far."""
        return tuple(name for name in self.NAMES if name in self._loaded)

    def _get(self, name: str) -> Any:
        found = self._loaded.get(name)
        if found is None:
            with self._lock:
                found = self._loaded.get(name)
                if found is None:
                    found = self._loaded[name] = self._load(name)
        return found


class Served(NamedTuple):
    """What a request starting now reads, all of one reference version: the graph and plan options (None:
    not loaded) and the text matchers. Replaced whole by a reload, never changed in place."""

    graph: CompetenceGraph | None
    options: PlanOptions | None
    text: TextModels


class Runtime:
    """The process's engine, graph, plan options and model, each loaded on first use and then kept."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        snapshot: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings or get_settings()
        self.snapshot = snapshot
        self.problems: dict[str, str] = {}  # object -> why it could not be loaded (load_all(strict=False))
        self._reference_lock = threading.Lock()  # one reload of the graph and plan options at a time
        self._clock = clock
        self.reference_check_seconds = REFERENCE_CHECK_SECONDS
        self._next_reference_check = clock() + REFERENCE_CHECK_SECONDS
        self._served: Served | None = None

    @cached_property
    def engine(self) -> Engine:
        from data.db import ensure_schema, make_engine

        options = dict(SERVER_ENGINE_OPTIONS.get(_backend(self.settings), {}))
        if _backend(self.settings) == "sqlite" and not _in_memory(self.settings.database_url):
            options["pool_size"] = SQLITE_POOL_SIZE
        engine = make_engine(self.settings.database_url, **options)
        ensure_schema(engine)
        return engine

    @contextmanager
    def transaction(
        self,
        *,
        snapshot: bool = False,
        statement_timeout: float | None = None,
        writes: bool = False,
        read_only: bool = False,
    ) -> Iterator[Session]:
        """One unit of work on the database: commit on success, roll back on any error.

        ``snapshot``: its queries see one state of the database (never half an import);
        ``statement_timeout``: seconds a statement may run (PostgreSQL); ``writes``: it reads, then writes
        (the write lock from its start); ``read_only``: it only reads (:func:`data.db.transaction`).
        """
        from data.db import transaction

        with transaction(
            self.engine,
            snapshot=snapshot,
            statement_timeout=statement_timeout,
            writes=writes,
            read_only=read_only,
        ) as session:
            yield session

    @cached_property
    def audit_writer(self) -> Writer:
        """Writes the audit entries of keyed reads, those of requests arriving together in one short
        transaction on the driver (:class:`api.services.audit.GroupWriter`); in a worker process of a server
        whose audit host runs (``api.audit_host``, named in the environment), through the host, which commits
        those of every worker process together (here when the host is out of reach)."""
        from api.audit_host import AUDIT_HOST_ENV, HostWriter
        from api.services.audit import GroupWriter

        here = GroupWriter(self.audit_commit())
        host = os.environ.get(AUDIT_HOST_ENV)
        return here if host is None else HostWriter(host, fallback=here)

    def audit_commit(self) -> Commit:
        """What commits audit entries here: a short transaction on the driver."""
        from api.services.audit import committer

        return committer(
            lambda: self.driver_transaction(writes=True, statement_timeout=AUDIT_STATEMENT_TIMEOUT)
        )

    def driver_transaction(
        self,
        *,
        writes: bool = False,
        snapshot: bool = False,
        statement_timeout: float | None = None,
    ) -> AbstractContextManager[DriverConnection]:
        """:meth:`transaction` on the driver (``data.db.driver_transaction``), for the hottest reads and
        writes of plain rows."""
        from data.db import driver_transaction

        return driver_transaction(
            self.engine,
            writes=writes,
            snapshot=snapshot,
            statement_timeout=statement_timeout,
        )

    @cached_property
    def graph(self) -> CompetenceGraph:
        from recommender.graph import CompetenceGraph

        if self.snapshot is not None:
            return CompetenceGraph.load(self.snapshot)
        return self._load_graph()

    def _load_graph(self) -> CompetenceGraph:
        from data.graph_cache import cached_graph

        graph = cached_graph(
            engine=self.engine,
            cache_dir=self.settings.cache_dir,
            min_confidence=self.settings.planning_min_confidence,
        )
        if not graph.occupation_uris:
            raise UpskillError("the database holds no ESCO occupations; run `upskill import esco` first")
        return graph

    @cached_property
    def plan_options(self) -> PlanOptions:
        return self._load_plan_options()

    def _load_plan_options(self) -> PlanOptions:
        from api.services.plans import plan_options
        from data.options_cache import cached_options

        catalogue = cached_options(
            engine=self.engine,
            cache_dir=self.settings.cache_dir,
            min_confidence=self.settings.planning_min_confidence,
        )
        return plan_options(catalogue, self.settings.exchange_rates)

    @cached_property
    def reference_token(self) -> str:
        """The database's reference version (:mod:`data.reference_version`) when the graph and plan options
        were (last) loaded: read before them, so that a change made while they load is seen as one."""
        self._next_reference_check = self._clock() + self.reference_check_seconds
        return self._version()

    def reference_due(self) -> bool:
        """Whether it is time to look for a change of the reference data (one query; see
        :meth:`refresh_reference`): at most once every :attr:`reference_check_seconds`."""
        return self._clock() >= self._next_reference_check

    def served(self) -> Served:
        """The graph, plan options and text matchers a request starting now uses, read together, so that a
        request never gets one from before a reload and another from after it."""
        served = self._served
        if served is not None:
            return served
        return Served(
            self.graph if self.loaded("graph") else None,
            self.plan_options if self.loaded("plan_options") else None,
            self._first_text,
        )

    def reference(self) -> tuple[CompetenceGraph | None, PlanOptions | None]:
        """The graph and plan options a request starting now uses (None: not loaded), read together."""
        graph, options, _ = self.served()
        return graph, options

    @cached_property
    def _first_text(self) -> TextModels:
        """The text matchers before any reload (of the version read at start, when it was read)."""
        return self._text_models(self.__dict__.get("reference_token"))

    def _text_models(self, token: str | None) -> TextModels:
        """Text matchers of the reference version ``token`` (None: not known, a command line's)."""

        def load(name: str) -> Any:
            from data.text_cache import cached_skill_extractor, cached_title_matcher

            build = cached_title_matcher if name == "title_matcher" else cached_skill_extractor
            fitted = build(engine=self.engine, cache_dir=self.settings.cache_dir)
            if token is not None and self._version() != token:
                # fitted on data newer than the graph it is served with: the next request reloads all
                self.check_reference_now()
            return fitted

        return TextModels(load)

    def _version(self) -> str:
        from data.reference_version import reference_version

        with self.engine.connect() as connection:
            return reference_version(connection)

    def check_reference_now(self) -> None:
        """Look for a change of the reference data at the next request (after an import in this process)."""
        self._next_reference_check = 0.0

    def refresh_reference(self) -> bool:
        """Load the graph, plan options and text matchers again when the database's reference data changed
        since they were loaded (a catalogue, badge or ESCO import while serving): the hot swap of the model,
        for the data.

        One thread reloads; others carry on with what they have (they do not wait). The text matchers in use
        are loaded again too (those never used stay unloaded: the first request needing one loads it, for
        the new version). All replace the old ones together, and only when the reference version did not
        change again while they loaded (else the next look tries again); a request keeps the objects it
        started with. A graph read from ``--snapshot`` stays. Returns whether they were replaced.
        """
        if not self._reference_lock.acquire(blocking=False):
            return False
        try:
            self._next_reference_check = self._clock() + self.reference_check_seconds
            if not (self.loaded("graph") and self.loaded("plan_options")):
                return False
            token = self._version()
            if token == self.reference_token:
                return False
            graph = self.graph if self.snapshot is not None else self._load_graph()
            options = self._load_plan_options()
            text = self._text_models(token)
            for name in self.served().text.loaded():
                # loaded before the swap, not by the next request; without ESCO any more, the request that
                # asks for it is told why
                with suppress(UpskillError):
                    getattr(text, name)()
            if self._version() != token:
                return False  # changed again meanwhile: the next look loads the newest
            from recommender.adjacent import role_matrices

            role_matrices(graph)  # computed here, not by the first requests
            self._served = Served(graph, options, text)  # what requests read: one assignment, all at once
            self.__dict__.update(graph=graph, plan_options=options, reference_token=token)
            log.info(
                "reference data changed (version %s): graph, plan options%s reloaded",
                token[:8],
                "".join(f", {name.replace('_', ' ')}" for name in text.loaded()),
            )
            return True
        finally:
            self._reference_lock.release()

    @cached_property
    def model_slot(self) -> ModelSlot:
        """The served model and the newer artefacts refused (see :mod:`api.model_slot`)."""
        from api.model_slot import ModelSlot

        return ModelSlot(self.settings.artefact_dir)

    @property
    def model(self) -> LoadedModel | None:
        """The model loaded first (a command's model: the newest usable artefact), or None."""
        slot = self.model_slot
        return slot.model if slot.loaded else slot.load()

    def current_model(self) -> LoadedModel | None:
        """The model for a request starting now: a newer valid artefact replaces the model first."""
        return self.model_slot.current()

    @cached_property
    def jobs(self) -> Jobs:
        """Background jobs (a retrain), their state kept beside the artefacts (see :mod:`api.jobs`)."""
        from api.jobs import Jobs

        return Jobs(self.settings.artefact_dir / "jobs")

    @property
    def model_problem(self) -> str:
        """Why there is no model, when there is none."""
        return self.model_slot.problem

    @property
    def title_matcher(self) -> TitleMatcher:
        """Job titles to ESCO occupations, of the data served now (raises :class:`UpskillError` when the
        database holds no ESCO)."""
        return self.served().text.title_matcher()

    @property
    def skill_extractor(self) -> SkillExtractor:
        """Free text to ESCO skills, of the data served now (raises :class:`UpskillError` without ESCO)."""
        return self.served().text.skill_extractor()

    def loaded(self, name: str) -> bool:
        """Whether the object ``name`` (engine, graph, plan_options, model) has been loaded."""
        if name == "model":
            return "model_slot" in self.__dict__ and self.model_slot.loaded
        return name in self.__dict__

    def load_all(self, *, strict: bool = True) -> dict[str, str]:
        """Load every heavy object now (a server does this before it takes requests).

        With ``strict=False`` an object that cannot be loaded (no database, no ESCO yet) is left out and the
        reason kept in :attr:`problems` (and returned), so that a server starts and ``/ready`` says why.
        """
        for name in ("engine", "reference_token", "graph", "plan_options", "model"):
            try:
                getattr(self, name)
            except Exception as error:  # noqa: BLE001 - reported, not swallowed: /ready shows it
                if strict:
                    raise
                self.problems[name] = (
                    f"{type(error).__name__}: {error}" if not isinstance(error, UpskillError) else str(error)
                )
        if self.loaded("model") and self.model is None:
            self.problems["model"] = self.model_problem
        if self.loaded("graph"):
            from recommender.adjacent import role_matrices

            role_matrices(self.graph)  # computed once here, not by the first requests at the same time
        self._served = self.served()
        return dict(self.problems)

    def readiness(self) -> dict[str, tuple[bool, str]]:
        """What a request needs, each with whether it is there and a word on it (for ``GET /ready``)."""
        checks: dict[str, tuple[bool, str]] = {}
        try:
            from sqlalchemy import text

            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            checks["database"] = (True, "reachable")
        except Exception as error:  # noqa: BLE001 - the check's answer, not an error of the check
            checks["database"] = (False, f"{type(error).__name__}: {error}")
        if self.loaded("graph"):
            counts = self.graph.counts()
            checks["graph"] = (
                True,
                f"{counts['nodes_occupation']:,} occupations, {counts['nodes_skill']:,} skills",
            )
        else:
            checks["graph"] = (False, self.problems.get("graph", "not loaded"))
        if self.loaded("plan_options"):
            options = self.plan_options
            checks["plan_options"] = (
                True,
                f"{len(options.courses):,} courses, {len(options.badges):,} badges",
            )
        else:
            checks["plan_options"] = (False, self.problems.get("plan_options", "not loaded"))
        model = self.model if self.loaded("model") else None
        checks["model"] = (
            (True, model.path.name)
            if model is not None
            else (False, self.problems.get("model", "not loaded"))
        )
        return checks
