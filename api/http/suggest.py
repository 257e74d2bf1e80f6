"""Unknown occupations answered with what the title matcher finds for the name given (404 problems).

The label index's closest labels (``api.http.errors``) catch typos; the job-title matcher
(``api.services.titles``) also catches a title in the user's own words. The handler lives here, not in
``errors.py``: it reads the matcher through :func:`api.http.deps.get_title_matcher_loader`, and ``deps``
imports ``errors``.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from functools import partial

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.http import deps, errors
from api.services.titles import with_title_suggestions
from recommender.errors import UnknownOccupation, UpskillError
from recommender.text.titles import TitleMatcher

log = logging.getLogger("upskill.http")


async def _title_matcher_loader(request: Request) -> Callable[[], TitleMatcher]:
    """What :func:`deps.get_title_matcher_loader` gives this request, honouring a test's override of it."""
    override = request.app.dependency_overrides.get(deps.get_title_matcher_loader)
    if override is None:
        return await deps.get_title_matcher_loader(await deps.get_served(request))
    loader = override()
    return await loader if inspect.isawaitable(loader) else loader  # type: ignore[no-any-return]


async def _unknown_occupation(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, UnknownOccupation)
    answered = error
    try:
        load = await _title_matcher_loader(request)
        # in the thread pool: a first use loads the matcher
        answered = await run_in_threadpool(partial(with_title_suggestions, error, matcher=load))
    except UpskillError:
        pass  # no matcher without ESCO in the database: the closest labels alone
    except Exception:  # the 404 is still the answer, without the matcher's suggestions
        log.warning("title suggestions left out on %s", request.url.path, exc_info=True)
    return errors.not_found(request, answered)


def install(app: FastAPI) -> None:
    """Register the handler of unknown occupations (after ``errors.install``, whose handler of every unknown
    id they would get otherwise)."""
    app.add_exception_handler(UnknownOccupation, _unknown_occupation)
