"""The reports the staff routes answer (``GET /v1/cohorts/{id}/report``,
``GET /v1/regions/{nuts}/portfolios/{id}/report``): what a service renders, with the media type of its format
and a file name, shown in the browser (``inline``) and saved under that name."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query
from fastapi.responses import Response

#: Media type of each report format.
MEDIA = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}
#: The ``format`` query parameter of a report that comes as HTML or PDF.
ReportFormat = Annotated[Literal["html", "pdf"], Query(description="html (printable) or pdf")]


def responses(*formats: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI's description of a report route's answer, in ``formats``."""
    return {200: {"content": {MEDIA[kind].split(";")[0]: {} for kind in formats}}}


def report_response(content: str | bytes, *, name: str, format: str = "html") -> Response:
    """``content`` in ``format`` (a key of :data:`MEDIA`), shown inline and saved as ``name.format``."""
    return Response(
        content,
        media_type=MEDIA[format],
        headers={"Content-Disposition": f'inline; filename="{name}.{format}"'},
    )
