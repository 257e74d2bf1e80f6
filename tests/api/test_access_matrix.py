"""The access matrix: every endpoint that takes an id, for every role, against another's resource.

Each row names an endpoint with one placeholder (``{worker}``, ``{organisation}`` or ``{region}``, in the
path or the body) and the roles that may use it on their own resources. For each row and role:

* on a resource that is not theirs (another worker, a colleague for a worker key, another organisation or
  region), the answer is 404 when the role may use the endpoint (never a hint that the resource exists) and
  403 when it may not, and it carries none of that resource's data;
* on their own resources, the roles of the row get the endpoint's success status (so the matrix can fail);
* without a key, with a malformed header or a revoked key: 401.

Runs on SQLite and PostgreSQL (``world`` lives in the rolled-back ``db_session``). Branches that add an
endpoint taking an id add its row to :data:`ROWS`; :func:`test_every_endpoint_with_an_id_has_a_row` fails
until they do.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.http.app import create_app
from api.http.auth import bearer_scheme, dependant_roles
from tests.api.conftest import World, bearer

ROLES = ("worker", "hr", "region", "admin")


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # with one placeholder, in the path or the body
    roles: tuple[str, ...]  # who may use the endpoint on their own resources
    ok: int = 200
    body: dict[str, Any] | None = None

    def placeholder(self) -> str:
        text = self.path + repr(self.body)
        for kind in ("portfolio", "cohort", "worker", "organisation", "region"):
            if "{" + kind + "}" in text:
                return kind
        raise AssertionError(f"row {self.method} {self.path} has no placeholder")


COHORT = {
    "workforce": [{"person_id": "marker-new-1", "occupation": "occ:welder"}],
    "targets": [{"occupation": "occ:battery", "headcount": 1}],
    "months": 6,
    "start": "2027-01-04",
}
COHORT_PARTS = ("", "/assignment", "/plans", "/seats", "/timeline", "/report")
PORTFOLIO = {
    "budget": 1000,
    "workforce": [{"occupation": "welder", "workers": 40}],
    "demand": [{"occupation": "battery technician", "headcount": 20, "year": 2028}],
    "programmes": [
        {"id": "p", "title": "Battery", "provider": "C", "skills": "skill:battery@3;skill:ev@4",
         "cost_per_seat": 100, "seats": 30, "hours": 40, "weeks": 4, "language": "en",
         "delivery_mode": "online"}
    ],
}  # fmt: skip

ROWS = [
    Row("GET", "/v1/organisations/{organisation}", ("hr", "admin")),
    Row("DELETE", "/v1/organisations/{organisation}", ("admin",)),
    Row("GET", "/v1/workers?organisation_id={organisation}", ("hr", "admin")),
    Row(
        "POST",
        "/v1/workers",
        ("hr", "admin"),
        ok=201,
        body={"organisation_id": "{organisation}", "external_id": "new-{unique}", "skills": []},
    ),
    Row("GET", "/v1/workers/{worker}", ("worker", "hr", "admin")),
    Row("PATCH", "/v1/workers/{worker}", ("worker", "hr", "admin"), body={"budget": 120.0}),
    Row("DELETE", "/v1/workers/{worker}", ("hr", "admin")),
    Row("GET", "/v1/workers/{worker}/plan", ("worker", "hr", "admin")),
    Row("GET", "/v1/workers/{worker}/recommendations", ("worker", "hr", "admin")),
    Row(
        "POST",
        "/v1/workers/{worker}/events",
        ("worker", "hr", "admin"),
        ok=201,
        body={"kind": "completed", "course_id": "ev-intro"},
    ),
    Row("GET", "/v1/workers/{worker}/export", ("worker", "hr", "admin")),
    # the audit log of personal data: admin only, whoever the worker is
    Row("GET", "/v1/admin/audit?worker_id={worker}", ("admin",)),
    # HR cohorts (issue 15): the organisation's HR keys and admin; {cohort}: a cohort of an organisation
    Row("POST", "/v1/cohorts", ("hr", "admin"), ok=201, body={"organisation_id": "{organisation}", **COHORT}),
    *(Row("GET", f"/v1/cohorts/{{cohort}}{part}", ("hr", "admin")) for part in COHORT_PARTS),
    # regional portfolios (issue 16): the region's keys and admin; {portfolio}: a region's portfolio
    Row("POST", "/v1/regions/{region}/portfolios", ("region", "admin"), ok=201, body=PORTFOLIO),
    Row("GET", "/v1/regions/{region}/portfolios/{portfolio}", ("region", "admin")),
    Row("GET", "/v1/regions/{region}/portfolios/{portfolio}/report", ("region", "admin")),
    # the HR and region pages draw a kept cohort or portfolio behind the same checks
    Row("GET", "/hr/cohorts/{cohort}", ("hr", "admin")),
    Row("GET", "/region/{region}/portfolios/{portfolio}", ("region", "admin")),
]


def foreign(world: World, kind: str, role: str) -> list[Any]:
    """The resources of ``kind`` that are not ``role``'s in ``world``."""
    own_cohort, other_cohort = (world.cohorts[o] for o in (world.own_organisation, world.other_organisation))
    own_portfolio = (world.own_region, world.portfolios[world.own_region])
    other_portfolio = (world.other_region, world.portfolios[world.other_region])
    # another region's portfolio, by its own region's path and by this region's path
    crossed = (world.own_region, world.portfolios[world.other_region])
    by_kind: dict[str, dict[str, list[Any]]] = {
        "cohort": {
            "worker": [own_cohort, other_cohort],
            "hr": [other_cohort],
            "region": [own_cohort, other_cohort],
            "admin": [],
        },
        "portfolio": {
            "worker": [own_portfolio, other_portfolio],
            "hr": [own_portfolio, other_portfolio],
            "region": [other_portfolio, crossed],
            "admin": [],
        },
        "worker": {
            "worker": [world.colleague, world.other],
            "hr": [world.other],
            "region": [world.own, world.other],
            "admin": [],
        },
        "organisation": {
            "worker": [world.own_organisation, world.other_organisation],
            "hr": [world.other_organisation],
            "region": [world.own_organisation, world.other_organisation],
            "admin": [],
        },
        "region": {
            "worker": [world.other_region],
            "hr": [world.other_region],
            "region": [world.other_region],
            "admin": [],
        },
    }
    return by_kind[kind][role]


def own(world: World, kind: str, role: str) -> list[Any]:
    """The resources of ``kind`` that are ``role``'s in ``world`` (admin: all of them)."""
    cohorts = [world.cohorts[o] for o in (world.own_organisation, world.other_organisation)]
    portfolios = [(nuts, world.portfolios[nuts]) for nuts in (world.own_region, world.other_region)]
    by_kind: dict[str, dict[str, list[Any]]] = {
        "cohort": {"worker": [], "hr": cohorts[:1], "region": [], "admin": cohorts},
        "portfolio": {"worker": [], "hr": [], "region": portfolios[:1], "admin": portfolios},
        "worker": {
            "worker": [world.own],
            "hr": [world.own, world.colleague],
            "region": [],
            "admin": [world.own, world.other],
        },
        "organisation": {
            "worker": [],
            "hr": [world.own_organisation],
            "region": [],
            "admin": [world.own_organisation, world.other_organisation],
        },
        "region": {
            "worker": [],
            "hr": [],
            "region": [world.own_region],
            "admin": [world.own_region, world.other_region],
        },
    }
    return by_kind[kind][role]


_counter = itertools.count()


def _fill(value: Any, kind: str, target: Any) -> Any:
    """``value`` with the placeholder replaced by ``target`` (a whole-string placeholder keeps its type).

    A portfolio is ``(nuts, id)``: it fills ``{region}`` and ``{portfolio}``.
    """
    if kind == "portfolio" and isinstance(value, str):
        nuts, portfolio = target
        return _fill(value, "region", nuts).replace("{portfolio}", str(portfolio))
    if isinstance(value, dict):
        return {k: _fill(v, kind, target) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, kind, target) for v in value]
    if isinstance(value, str):
        if value == "{" + kind + "}":
            return target
        return value.replace("{" + kind + "}", str(target)).replace("{unique}", str(next(_counter)))
    return value


def call(client: TestClient, row: Row, target: Any, key: str | None) -> Any:
    kind = row.placeholder()
    headers = bearer(key) if key is not None else {}
    return client.request(
        row.method,
        _fill(row.path, kind, target),
        json=_fill(row.body, kind, target) if row.body is not None else None,
        headers=headers,
    )


def _leaks(world: World, text: str, kind: str, target: Any) -> list[str]:
    """The markers of ``target`` (a worker, or an organisation's workers and name) found in ``text``."""
    markers: list[str] = []
    if kind == "cohort":
        markers.append(world.resource_markers[("cohort", target)])
    if kind == "portfolio":
        markers.append(world.resource_markers[("portfolio", target[1])])
    if kind == "worker":
        markers.append(world.markers[target])
    if kind == "organisation":
        markers.append(world.organisation_names[target])
        workers = [world.own, world.colleague] if target == world.own_organisation else [world.other]
        markers += [world.markers[w] for w in workers]
    return [marker for marker in markers if marker in text]


ROW_IDS = [f"{row.method} {row.path}" for row in ROWS]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
def test_another_ones_resource_answers_404_or_403_and_no_data(
    client: TestClient, world: World, row: Row, role: str
) -> None:
    kind = row.placeholder()
    for target in foreign(world, kind, role):
        response = call(client, row, target, world.keys[role])
        expected = 404 if role in row.roles else 403
        assert response.status_code == expected, (role, target, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert not _leaks(world, response.text, kind, target), (role, target, response.text)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
def test_own_resources_answer(client: TestClient, world: World, row: Row, role: str) -> None:
    kind = row.placeholder()
    targets = own(world, kind, role)
    for target in targets:
        response = call(client, row, target, world.keys[role])
        if role in row.roles:
            assert response.status_code == row.ok, (role, target, response.text)
        else:
            assert response.status_code == 403, (role, target, response.text)


@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
def test_no_key_a_bad_header_or_a_revoked_key_answers_401(client: TestClient, world: World, row: Row) -> None:
    kind = row.placeholder()
    target = own(world, kind, "admin")[0]
    for headers in (
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic YWRtaW46YWRtaW4="},
        {"Authorization": "Bearer upsk_not-a-key"},
        bearer(world.keys["revoked"]),
    ):
        response = client.request(
            row.method,
            _fill(row.path, kind, target),
            json=_fill(row.body, kind, target) if row.body is not None else None,
            headers=headers,
        )
        assert response.status_code == 401, (headers, response.text)
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["type"] == "urn:upskill:problem:unauthorized"
        assert not _leaks(world, response.text, kind, target)


def _needs_key(dependant: Any) -> bool:
    return any(dep.call is bearer_scheme or _needs_key(dep) for dep in dependant.dependencies)


def _api_routes(routes: list[Any]) -> Iterator[tuple[str, set[str], Any]]:
    """(path, methods, dependant) of every API route, those of included routers too (FastAPI keeps an
    included router as one ``_IncludedRouter`` entry whose routes are its ``effective_route_contexts()``)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route.path, set(route.methods or ()), route.dependant
        elif hasattr(route, "effective_route_contexts"):
            for context in route.effective_route_contexts():
                yield context.path, set(context.methods or ()), context.dependant


def test_every_endpoint_with_an_id_has_a_row() -> None:
    """Every route that needs a key and takes an id (path or ``*_id`` query) is in :data:`ROWS`."""
    covered = {(row.method, row.path.split("?")[0]) for row in ROWS}
    missing = []
    checked = 0
    for route_path, methods, dependant in _api_routes(create_app().routes):
        if not _needs_key(dependant):
            continue
        takes_id = "{" in route_path or any(p.name.endswith("_id") for p in dependant.query_params)
        if not takes_id or route_path.startswith("/v1/admin/"):
            continue  # /v1/admin/ routes hold no worker's, organisation's or region's data: admin keys only
        checked += 1
        path = route_path
        for name in ("worker_id", "organisation_id", "cohort_id", "portfolio_id", "nuts", "region"):
            kind = name.removesuffix("_id") if name.endswith("_id") else "region"
            path = path.replace("{" + name + "}", "{" + kind + "}")
        for method in methods:
            if (method, path) not in covered:
                missing.append(f"{method} {route_path}")
    assert checked >= len({row.path for row in ROWS if "{" in row.path}), "the walk found the keyed routes"
    assert not missing, f"add rows to the access matrix for: {missing}"


@dataclass(frozen=True)
class Keyed:
    """A route that needs a key: the roles it lets through, its int path parameters, whether it takes one."""

    method: str
    path: str
    roles: tuple[str, ...]
    ints: frozenset[str]
    body: bool  # whether it takes a body

    def bad_requests(self) -> Iterator[tuple[str, str, bytes | None]]:
        """(why, url, body) of requests with one bad part each: a query parameter the route does not take,
        an id out of range, a body that is no JSON."""
        valid = re.sub(r"{[^}]+}", "1", self.path)
        body = b"{}" if self.body else None
        if self.path.startswith("/v1/"):  # the API refuses a query parameter a route does not take
            yield "unknown query parameter", valid + "?zz_not_a_parameter=1", body
        for name in sorted(self.ints):
            bad = self.path.replace("{" + name + "}", "0")
            yield f"{name} out of range", re.sub(r"{[^}]+}", "1", bad), body
        if self.body:
            yield "malformed JSON", valid, b"{not json"


def _keyed_routes() -> list[Keyed]:
    """Every route that needs a key, once per method."""
    found = []
    for route_path, methods, dependant in _api_routes(create_app().routes):
        roles = dependant_roles(dependant)
        if not _needs_key(dependant) or not roles:
            continue
        ints = frozenset(p.name for p in dependant.path_params if p.field_info.annotation is int)
        body = bool(dependant.body_params)
        found += [Keyed(method, route_path, roles, ints, body) for method in sorted(methods)]
    return found


KEYED = _keyed_routes()


def test_every_keyed_route_is_walked() -> None:
    assert len(KEYED) >= len({(row.method, row.path) for row in ROWS}), KEYED
    assert all(any(True for _ in route.bad_requests()) for route in KEYED), "each has a bad request"


@pytest.mark.parametrize("route", KEYED, ids=[f"{route.method} {route.path}" for route in KEYED])
def test_a_caller_without_access_gets_401_or_403_before_any_word_on_parameters(
    client: TestClient, world: World, route: Keyed
) -> None:
    """No key, another scheme, an unknown or a revoked key: 401; a key of a role the route does not allow:
    403; whatever is wrong with the parameters or the body. A key of an allowed role gets the 422."""
    method, roles = route.method, route.roles
    other_role = next((role for role in ROLES if role not in roles), None)
    for why, url, body in route.bad_requests():
        headers: dict[str, str]
        for headers in (
            {},
            {"Authorization": "Basic YWRtaW46YWRtaW4="},
            {"Authorization": "Bearer upsk_not-a-key"},
            bearer(world.keys["revoked"]),
        ):
            response = client.request(method, url, content=body, headers=headers | JSON)
            assert response.status_code == 401, (why, headers, response.text)
            assert response.json()["type"] == "urn:upskill:problem:unauthorized"
            assert response.headers["www-authenticate"] == "Bearer"
        if other_role is not None:
            refused = client.request(method, url, content=body, headers=bearer(world.keys[other_role]) | JSON)
            assert refused.status_code == 403, (why, other_role, refused.text)
        allowed = client.request(method, url, content=body, headers=bearer(world.keys[roles[-1]]) | JSON)
        assert allowed.status_code == 422, (why, roles[-1], allowed.text)
        assert allowed.json()["type"] == "urn:upskill:problem:validation"


JSON = {"content-type": "application/json"}
