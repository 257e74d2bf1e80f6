"""Request bodies that carry input files: a JSON body with the inputs as lists, or ``multipart/form-data``.

:func:`read_inputs` reads either into the same settings model and :class:`api.services.uploads.Upload` per
input, so that a route has one code path. Form fields are text: a list field is repeated
(``languages=it&languages=en``), a mapping field is ``KEY=VALUE`` repeated (``exchange_rates=USD=0.92``), an
empty field counts as not sent (what an HTML form sends for an empty box).
"""

from __future__ import annotations

import json
import typing
from collections.abc import Sequence
from typing import Any, TypeVar

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile

from api.http.schemas.common import Problem
from api.services.uploads import MAX_UPLOAD_BYTES, Upload

M = TypeVar("M", bound=BaseModel)
#: OpenAPI's description of the answer to a body that is neither JSON nor a multipart form (routes that
#: read their inputs with :func:`read_inputs`).
UNSUPPORTED: dict[int | str, dict[str, Any]] = {
    415: {"model": Problem, "content": {"application/problem+json": {}}}
}


def _invalid(error: ValidationError) -> RequestValidationError:
    return RequestValidationError(
        [{**item, "loc": ("body", *item.get("loc", ()))} for item in error.errors(include_url=False)]
    )


def _missing(name: str, message: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("body", name), "msg": message, "type": "missing"}])


def _kind(model: type[BaseModel], name: str) -> str:
    field = model.model_fields.get(name)
    if field is None:
        return "text"
    annotation = field.annotation
    origins = {typing.get_origin(a) for a in (annotation, *typing.get_args(annotation))}
    return "list" if list in origins else "dict" if dict in origins else "text"


async def read_inputs(
    request: Request,
    settings: type[M],
    body_model: type[M],
    *,
    files: Sequence[str],
    optional: Sequence[str] = (),
) -> tuple[M, dict[str, Upload]]:
    """The settings and the input files of a JSON or multipart request.

    ``files`` must be sent, ``optional`` may be. In JSON each is a list of objects in the body, which
    ``body_model`` (``settings`` with those lists) checks; in a form each is a file field and ``settings``
    checks the other fields. Another content type answers 415.
    """
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        return await _form(request, settings, files=files, optional=optional)
    if kind != "application/json":
        raise HTTPException(
            415,
            "send application/json (the inputs as lists) or multipart/form-data (the inputs as files), "
            f"not {kind or 'a body without a content type'}",
        )
    settings = body_model
    try:
        body = json.loads(await request.body())
    except ValueError as error:
        raise RequestValidationError(
            [{"loc": ("body",), "msg": f"the body is not JSON: {error}", "type": "json_invalid"}]
        ) from None
    try:
        model = settings.model_validate(body)
    except ValidationError as error:
        raise _invalid(error) from None
    uploads = {
        name: Upload.of_items(name, getattr(model, name))
        for name in (*files, *optional)
        if getattr(model, name, None) is not None
    }
    return model, uploads


async def _form(
    request: Request, settings: type[M], *, files: Sequence[str], optional: Sequence[str]
) -> tuple[M, dict[str, Upload]]:
    form = await request.form(max_files=len(files) + len(optional), max_fields=200)
    uploads: dict[str, Upload] = {}
    fields: dict[str, Any] = {}
    for name in (*files, *optional):
        item = form.get(name)
        if isinstance(item, UploadFile) and item.filename:
            content = await item.read(MAX_UPLOAD_BYTES + 1)
            if len(content) > MAX_UPLOAD_BYTES:
                raise _missing(name, f"the file is larger than {MAX_UPLOAD_BYTES} bytes")
            uploads[name] = Upload(name, item.filename, content)
        elif name in files:
            raise _missing(name, f"send the {name} file (CSV or JSON) in the form field {name!r}")
    for key in form:
        if key in uploads or key in files or key in optional:
            continue
        values = [v for v in form.getlist(key) if isinstance(v, str) and v.strip()]
        if values:  # an empty box of an HTML form counts as not sent
            fields[key] = _field(settings, key, values)
    try:
        return settings.model_validate(fields), uploads
    except ValidationError as error:
        raise _invalid(error) from None


def _field(settings: type[BaseModel], key: str, values: list[str]) -> Any:
    """A form field's text as ``settings`` takes it: a list, a ``KEY=VALUE`` mapping, or the last value."""
    shape = _kind(settings, key)
    if shape == "list":
        return values
    if shape == "text":
        return values[-1]
    pairs = [v.partition("=") for v in values]
    bad = [v for v, (_, sep, _) in zip(values, pairs, strict=True) if not sep]
    if bad:
        raise RequestValidationError(
            [{"loc": ("body", key), "msg": f"write KEY=VALUE, got {bad[0]!r}", "type": "value_error"}]
        )
    return {k.strip(): v.strip() for k, _, v in pairs}
