"""One place that turns errors into HTTP answers: RFC 9457 problem details for every 4xx and 5xx.

Every error body is ``application/problem+json`` with ``type`` (a stable URN naming the kind of problem),
``title``, ``status``, ``detail`` (what is wrong, in words), ``instance`` (the request path) and, where they
apply, ``field`` (the request field at fault), ``id`` (the id that is unknown), ``suggestions`` (closest
known ids or labels), ``errors`` (each validation error with its location), ``parameters`` (the query
parameters of the endpoint, when one it does not take was sent) and ``fix`` (what to do).

Domain errors (``recommender.errors``) map to statuses here and nowhere else; an unexpected exception is a
500 that names no internals (the traceback goes to the log).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from recommender.codes import UnknownCode
from recommender.errors import (
    AlreadyExists,
    ImportFormatError,
    InvalidPlanInput,
    NotFoundError,
    PrerequisiteCycle,
    UpskillError,
)

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:upskill:problem:"
log = logging.getLogger("upskill.http")


class NotReady(Exception):
    """What a request needs is not loaded (e.g. the database holds no ESCO yet); ``/ready`` says why."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class AuditNotRecorded(Exception):
    """The audit entries of a read could not be written: the answer is not sent (503)."""

    def __init__(self, cause: BaseException):
        self.cause = cause
        super().__init__(f"{type(cause).__name__}: {cause}")


class Unauthorized(Exception):
    """No API key, or one that is unknown or revoked (401)."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class UnknownQueryParameters(Exception):
    """Query parameters the route does not take (422): a misspelt filter would otherwise be ignored."""

    def __init__(self, names: list[str], known: list[str]):
        self.names = names
        self.known = known
        super().__init__(", ".join(names))


class Forbidden(Exception):
    """A valid key whose role may not use the endpoint (403)."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def problem(
    status: int,
    kind: str,
    title: str,
    detail: str,
    *,
    request: Request | None = None,
    fix: str | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem-details response (RFC 9457)."""
    body: dict[str, Any] = {"type": TYPE_PREFIX + kind, "title": title, "status": status, "detail": detail}
    if request is not None:
        body["instance"] = request.url.path
    body.update({key: value for key, value in extra.items() if value is not None})
    if fix is not None:
        body["fix"] = fix
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    """``("body", "skills", 0, "level")`` -> ``skills[0].level`` (where the client put the value)."""
    parts = [p for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or ".".join(str(p) for p in loc)


def _error_entry(item: dict[str, Any]) -> dict[str, Any]:
    """One of pydantic's errors as the problem body lists it: where (field, request part), what, type."""
    loc = tuple(item.get("loc", ("body",)))
    if item.get("type") == "json_invalid" and len(loc) == 2 and isinstance(loc[1], int):
        # FastAPI puts the character position where the body stopped parsing in the location
        reason = (item.get("ctx") or {}).get("error") or item.get("msg", "")
        return {
            "field": "body",
            "in": "body",
            "message": f"the body is not JSON: {reason} at character {loc[1]}",
            "type": "json_invalid",
        }
    return {
        "field": _location(loc),
        "in": str(loc[0]),
        "message": str(item.get("msg", "")).removeprefix("Value error, "),
        "type": item.get("type", ""),
    }


async def _validation(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = [_error_entry(item) for item in error.errors()]
    first = errors[0] if errors else {"field": "", "message": "invalid request"}
    return problem(
        422,
        "validation",
        "Invalid request",
        f"{first['field']}: {first['message']}"
        + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""),
        request=request,
        fix="correct the fields listed in errors and send the request again; /openapi.json describes them",
        field=first["field"],
        errors=errors,
    )


async def _http(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    kinds = {404: "not-found", 405: "method-not-allowed", 413: "too-large", 415: "unsupported-media-type"}
    fixes = {
        404: "check the path; /docs lists every endpoint",
        405: "use a method the endpoint allows (see /docs)",
    }
    titles = {404: "Not found", 405: "Method not allowed"}
    return problem(
        error.status_code,
        kinds.get(error.status_code, "http"),
        titles.get(error.status_code, "HTTP error"),
        str(error.detail),
        request=request,
        fix=fixes.get(error.status_code),
    )


def not_found(request: Request, error: NotFoundError) -> JSONResponse:
    """The 404 problem of an unknown id, naming it, with the closest known ones as ``suggestions``."""
    hint = "; try one of suggestions" if error.suggestions else ""
    return problem(
        404,
        f"unknown-{error.kind}",
        f"Unknown {error.kind}",
        str(error),
        request=request,
        id=error.query,
        suggestions=error.suggestions,
        fix=error.fix
        or f"use a known {error.kind} id (an ESCO URI, its UUID, or an exact label where labels are taken)"
        + hint,
    )


async def _not_found(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, NotFoundError)
    return not_found(request, error)


async def _unknown_query(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, UnknownQueryParameters)
    takes = f"takes {', '.join(error.known)}" if error.known else "takes no query parameters"
    return problem(
        422,
        "validation",
        "Invalid request",
        f"{error.names[0]}: unknown query parameter"
        + (f" (and {len(error.names) - 1} more)" if len(error.names) > 1 else ""),
        request=request,
        fix=f"leave out {', '.join(error.names)}: this endpoint {takes} (see /docs)",
        field=error.names[0],
        errors=[
            {"field": name, "in": "query", "message": "unknown query parameter", "type": "unknown_parameter"}
            for name in error.names
        ],
        parameters=error.known,
    )


async def _invalid_input(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, InvalidPlanInput)
    return problem(
        422,
        "invalid-plan-input",
        "Invalid plan input",
        str(error),
        request=request,
        field=error.field,
        fix=error.fix or f"correct {error.field}",
    )


async def _unknown_code(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, UnknownCode)
    return problem(
        422,
        "unknown-code",
        "Unknown code",
        str(error),
        request=request,
        field=error.field,
        fix=error.fix,
    )


async def _exists(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, AlreadyExists)
    return problem(
        409,
        "already-exists",
        "Already exists",
        str(error),
        request=request,
        field=error.field,
        fix=f"choose another {error.field}, or change the one that exists",
    )


async def _import_format(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ImportFormatError)
    return problem(
        422,
        "invalid-file",
        "Invalid file",
        str(error),
        request=request,
        field=error.column,
        fix="correct the file at the line and column named",
    )


async def _cycle(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, PrerequisiteCycle)
    return problem(
        409,
        "prerequisite-cycle",
        "Prerequisite cycle in the catalogue",
        str(error),
        request=request,
        fix="remove one prerequisite edge of each cycle from the catalogue",
    )


async def _domain(request: Request, error: Exception) -> JSONResponse:
    return problem(400, "bad-request", "Request cannot be answered", str(error), request=request)


async def _not_ready(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, NotReady)
    return problem(
        503,
        "not-ready",
        "Service not ready",
        error.reason,
        request=request,
        fix="see GET /ready; prepare the database (`upskill run`) and restart the server",
    )


async def _audit_not_recorded(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, AuditNotRecorded)
    log.warning("audit entry not written on %s %s: %s", request.method, request.url.path, error)
    response = problem(
        503,
        "audit-unavailable",
        "Access could not be recorded",
        "this request uses personal data, and its entry in the audit log could not be written (the "
        "database is busy or unreachable); its answer was not sent",
        request=request,
        fix="try again in a few seconds",
    )
    response.headers["Retry-After"] = "5"
    return response


async def _unauthorized(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, Unauthorized)
    response = problem(
        401,
        "unauthorized",
        "API key needed",
        error.reason,
        request=request,
        fix="send 'Authorization: Bearer <key>' with a key that is not revoked (`upskill keys create`)",
    )
    response.headers["WWW-Authenticate"] = "Bearer"
    return response


async def _forbidden(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, Forbidden)
    return problem(
        403,
        "forbidden",
        "Not allowed for this key's role",
        error.reason,
        request=request,
        fix="use a key of a role this endpoint allows (see /docs)",
    )


async def _database(request: Request, error: Exception) -> JSONResponse:
    """The database is unreachable, dropped the connection or did not answer in time: 503, try again."""
    if isinstance(error, DBAPIError) and not (
        error.connection_invalidated or isinstance(error, OperationalError | InterfaceError)
    ):
        return await _unexpected(request, error)  # a bug (an integrity error, bad SQL), not an outage
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, error)
    response = problem(
        503,
        "database-unavailable",
        "Database unavailable",
        "the database could not be reached or did not answer in time; nothing was changed by this request",
        request=request,
        fix="try again in a few seconds; GET /ready says when the database is back",
    )
    response.headers["Retry-After"] = "5"
    return response


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
    return problem(
        500,
        "internal",
        "Internal error",
        "the server failed to answer this request; it has been logged",
        request=request,
        fix="try again later; if it persists, report the time and the request",
    )


def install(app: FastAPI) -> None:
    """Register the handlers (most specific domain error first)."""
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(UnknownQueryParameters, _unknown_query)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(InvalidPlanInput, _invalid_input)
    app.add_exception_handler(AlreadyExists, _exists)
    app.add_exception_handler(ImportFormatError, _import_format)
    app.add_exception_handler(UnknownCode, _unknown_code)
    app.add_exception_handler(PrerequisiteCycle, _cycle)
    app.add_exception_handler(UpskillError, _domain)
    app.add_exception_handler(NotReady, _not_ready)
    app.add_exception_handler(AuditNotRecorded, _audit_not_recorded)
    app.add_exception_handler(Unauthorized, _unauthorized)
    app.add_exception_handler(Forbidden, _forbidden)
    app.add_exception_handler(DBAPIError, _database)
    app.add_exception_handler(PoolTimeout, _database)
    app.add_exception_handler(Exception, _unexpected)
