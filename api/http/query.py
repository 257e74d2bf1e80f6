"""Query parameters a route does not take are refused (422), not silently ignored.

``GET /v1/courses?langauge=de`` would otherwise list every course, as if the filter had been applied.
:func:`known_query_parameters` is a dependency of every ``/v1`` route (``api.http.app``); the names a route
takes are read from its dependency tree once, on its first request, and kept on the route.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

from api.http.errors import UnknownQueryParameters

#: Attribute of an :class:`APIRoute` that holds the names of its query parameters, once read.
_NAMES = "upskill_query_names"


async def known_query_parameters(request: Request) -> None:
    """Refuse a request naming a query parameter its route does not declare (422)."""
    if not request.url.query:
        return
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    names: frozenset[str] | None = getattr(route, _NAMES, None)
    if names is None:
        names = declared_query_parameters(route.dependant)
        setattr(route, _NAMES, names)
    unknown = [name for name in dict.fromkeys(request.query_params.keys()) if name not in names]
    if unknown:
        raise UnknownQueryParameters(unknown, sorted(names))


def declared_query_parameters(dependant: Dependant) -> frozenset[str]:
    """The query parameter names of a route's dependency tree: its own, those of its dependencies, and the
    fields of a Pydantic model taken as query (``Annotated[Model, Query()]``), by alias where one is set."""
    names: set[str] = set()
    pending = [dependant]
    while pending:
        current = pending.pop()
        for field in current.query_params:
            model = field.field_info.annotation
            if isinstance(model, type) and issubclass(model, BaseModel):
                names.update(info.alias or name for name, info in model.model_fields.items())
            else:
                names.add(field.alias)
        pending.extend(current.dependencies)
    return frozenset(names)
