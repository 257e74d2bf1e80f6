"""The served model of one process, swapped for a newer artefact between requests (the hot swap).

Training writes each new artefact atomically into the artefact folder (``training.artefacts``: arrays
first, metadata last, under a new name that sorts after the older ones). Every process serving requests
holds a :class:`ModelSlot`; a request asks it for the model once (:meth:`ModelSlot.current`) and uses that
object until it answers, so it sees one model whole, never parts of two.

:meth:`ModelSlot.current` looks at the folder at most once every ``check_seconds`` (one directory listing,
compared with the newest name already considered). When a newer artefact is listed, the request that
noticed loads it (others carry on with the current model meanwhile: the load holds a lock they do not wait
for) and, once it has loaded and passed every check, replaces the model with one reference assignment. An
artefact that cannot be used (truncated, corrupt, another format version) is refused: the current model
stays, the reason is logged and kept in :attr:`ModelSlot.rejected` (``GET /v1/model`` shows it), and the
same file is not tried again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from training.artefacts import LoadedModel

log = logging.getLogger("upskill.model")

#: Least seconds between two looks at the artefact folder.
CHECK_SECONDS = 5.0


@dataclass(frozen=True)
class Rejection:
    """An artefact newer than the served model that was refused, and why."""

    artefact: str
    reason: str
    rejected_at: str


class ModelSlot:
    """The model one process serves, and the newer artefacts it refused.

    Parameters
    ----------
    folder : Path
        The artefact folder.
    check_seconds : float
        Least time between two looks at the folder (0: at every request; default :data:`CHECK_SECONDS`).
    clock : callable
        Monotonic seconds (tests pass their own).
    """

    def __init__(
        self, folder: Path, check_seconds: float = CHECK_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.folder = folder
        self.check_seconds = check_seconds
        self._clock = clock
        self._loading = threading.Lock()
        self.model: LoadedModel | None = None  # replaced whole, never changed in place
        self.problem = ""  # why there is no model, when there is none
        self.rejected: list[Rejection] = []  # newest first, all newer than the model
        self.loaded = False  # whether the folder has been looked at once
        self._considered = ""  # the newest artefact name already loaded or refused
        self._next_check = 0.0

    def load(self) -> LoadedModel | None:
        """Load the newest usable artefact now (the first time; later, whatever is newer)."""
        self.check_now()
        return self.model

    def check_now(self) -> None:
        """Look at the folder now and load what is newer (after a retrain in this process)."""
        with self._loading:
            self._next_check = self._clock() + self.check_seconds
            self._load_newer()

    def due(self) -> bool:
        """Whether :meth:`current` would look at the folder (and perhaps load a model) now; when not, it only
        returns :attr:`model`."""
        return not self.loaded or self._clock() >= self._next_check

    def current(self) -> LoadedModel | None:
        """The model a request should use: the current one, after switching to a newer valid artefact if
        one has appeared since the last look (which happens at most once every ``check_seconds``)."""
        if not self.loaded:
            return self.load()
        now = self._clock()
        if now < self._next_check:
            return self.model
        self._next_check = now + self.check_seconds
        newest = self._newest_name()
        if newest > self._considered and self._loading.acquire(blocking=False):
            try:
                self._load_newer()
            finally:
                self._loading.release()
        return self.model

    def _newest_name(self) -> str:
        from training.artefacts import artefact_paths

        paths = artefact_paths(self.folder)
        return paths[0].name if paths else ""

    def _load_newer(self) -> None:
        """Try the artefacts newer than any considered so far, newest first; keep the first that loads."""
        from training.artefacts import ArtefactError, artefact_paths, load

        newer = [path for path in artefact_paths(self.folder) if path.name > self._considered]
        refused: list[Rejection] = []
        for path in newer:
            try:
                model = load(path)
            except ArtefactError as error:
                refused.append(Rejection(path.stem, str(error), datetime.now(UTC).isoformat()))
                log.warning("model artefact %s refused, keeping %s: %s", path.name, self._name(), error)
                continue
            self.model = model  # the swap: one reference assignment
            self.rejected = refused  # what is older than the new model no longer matters
            log.info("model %s loaded", path.name)
            break
        else:
            self.rejected = refused + self.rejected
        if newer:
            self._considered = newer[0].name
        self.problem = "" if self.model is not None else self._why_none()
        self.loaded = True

    def _why_none(self) -> str:
        unusable = " | ".join(rejection.reason for rejection in self.rejected)
        return (
            f"no usable model artefact in {self.folder}"
            + (f"; every artefact there is unusable: {unusable}" if unusable else "")
            + "; train one with `upskill train`"
        )

    def _name(self) -> str:
        return self.model.path.stem if self.model is not None else "no model"
