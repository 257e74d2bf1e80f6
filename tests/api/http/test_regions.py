"""``/v1/regions/{nuts}/portfolios``: a region plans its training portfolio over HTTP and reads it back.

The tiny graph (``tests/api/http/conftest.py``), programmes of the command line's test; SQLite and
PostgreSQL. Figures of fewer than five people are suppressed in every answer.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from data.models import Organisation
from tests.api.cli.test_region import PROGRAMMES
from tests.api.conftest import MakeKey, bearer

WORKFORCE = "occupation,workers\nwelder,120\nvehicle painter,3\n"
DEMAND = "occupation,headcount,year\nbattery technician,50,2028\n"


def _files(**changed: str) -> dict[str, tuple[str, bytes, str]]:
    texts = {"workforce": WORKFORCE, "demand": DEMAND, "programmes": PROGRAMMES, **changed}
    return {name: (f"{name}.csv", text.encode(), "text/csv") for name, text in texts.items()}


def _plan(client: TestClient, key: str, nuts: str = "CZ08", **changed: str) -> Any:
    return client.post(
        f"/v1/regions/{nuts}/portfolios",
        data={"budget": "12000", "currency": "EUR"},
        files=_files(**changed),
        headers=bearer(key),
    )


def test_a_region_key_plans_a_portfolio_and_reads_it_and_its_report(
    client: TestClient, api_key: MakeKey
) -> None:
    key = api_key("region", region="CZ08")
    created = _plan(client, key)
    assert created.status_code == 201, created.text
    plan = created.json()
    assert plan["nuts"] == "CZ08" and plan["certificate"]["status"] == "optimal"
    # the command line's answer on the same files (tests/api/cli/test_region.py)
    assert {(r["programme"], r["seats"]) for r in plan["portfolio"]} == {("bundle", 26)}
    assert plan["totals"]["workers_made_ready"] == 26
    assert plan["inputs"]["files"]["workforce"]["file"] == "workforce.csv"
    base = f"/v1/regions/cz08/portfolios/{plan['id']}"
    assert client.get(base, headers=bearer(key)).json() == plan
    html = client.get(f"{base}/report", headers=bearer(key))
    assert html.status_code == 200 and "Methods and data" in html.text and "<img" in html.text
    pdf = client.get(f"{base}/report?format=pdf", headers=bearer(key))
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    named = f'inline; filename="portfolio-CZ08-{plan["id"]}'
    assert html.headers["content-disposition"] == f'{named}.html"' and html.headers["content-type"] == (
        "text/html; charset=utf-8"
    )
    assert pdf.headers["content-disposition"] == f'{named}.pdf"'


def test_small_groups_stay_suppressed_in_every_answer(client: TestClient, api_key: MakeKey) -> None:
    key = api_key("region", region="CZ08")
    plan = _plan(client, key).json()
    for answer in (plan, client.get(f"/v1/regions/CZ08/portfolios/{plan['id']}", headers=bearer(key)).json()):
        (painters,) = [r for r in answer["supply"] if r["origin"] == "vehicle painter"]
        assert painters["suppressed"] and painters["workforce"] is None
        # every published count of people is 0 or at least 5; the rest read null, flagged
        for row in answer["made_ready"]:
            assert row["workers"] in (0, None) or row["workers"] >= 5, row
            assert (row["workers"] is None) == row["suppressed"], row
    # the 3 painters appear nowhere as a count next to their occupation
    text = json.dumps(plan)
    assert '"workforce": 3' not in text


def test_another_region_and_other_roles_get_nothing(
    client: TestClient, api_key: MakeKey, tiny_session: Session
) -> None:
    plan = _plan(client, api_key("region", region="CZ08")).json()
    other = api_key("region", region="SK02")
    plant = Organisation(name="Ostrava plant")
    tiny_session.add(plant)
    tiny_session.flush()
    hr = api_key("hr", organisation_id=plant.id)
    for path in (
        f"/v1/regions/CZ08/portfolios/{plan['id']}",
        f"/v1/regions/CZ08/portfolios/{plan['id']}/report",
    ):
        answer = client.get(path, headers=bearer(other))
        assert answer.status_code == 404 and "bundle" not in answer.text
        assert client.get(path, headers=bearer(hr)).status_code == 403
        assert client.get(path).status_code == 401
        assert client.get(path, headers=bearer(api_key("admin"))).status_code == 200
    # its own region's path with the other's id reads as unknown too
    assert client.get(f"/v1/regions/SK02/portfolios/{plan['id']}", headers=bearer(other)).status_code == 404
    assert _plan(client, other, nuts="CZ08").status_code == 404
    assert client.get("/v1/regions/CZ08/portfolios/999", headers=bearer(api_key("admin"))).status_code == 404
    # the 404s say what to do for a region and a portfolio, not for an ESCO item
    region = client.get(f"/v1/regions/CZ08/portfolios/{plan['id']}", headers=bearer(other)).json()
    assert region["type"].endswith("unknown-region") and "its own NUTS region" in region["fix"]
    portfolio = client.get("/v1/regions/CZ08/portfolios/999", headers=bearer(api_key("admin"))).json()
    assert portfolio["type"].endswith("unknown-portfolio") and "kept under" in portfolio["fix"]
    assert "ESCO" not in region["fix"] + portfolio["fix"]


def test_an_admin_naming_a_region_upskill_does_not_know_gets_a_located_422(
    client: TestClient, api_key: MakeKey
) -> None:
    """XX99 has a NUTS code's shape but names no region: refused before anything is planned or kept,
    naming the regions upskill knows."""
    admin = api_key("admin")
    refused = _plan(client, admin, nuts="XX99")
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["field"] == "nuts" and "'XX99' is not a NUTS region upskill knows" in problem["detail"]
    assert "CZ08 (Moravskoslezsko)" in problem["detail"]
    assert client.get("/v1/regions/XX99/portfolios/1", headers=bearer(admin)).status_code == 422
    assert _plan(client, admin, nuts="cz08").status_code == 201


def test_a_budget_of_0_is_a_what_if_answered_as_the_command_line_answers_it(
    client: TestClient, api_key: MakeKey
) -> None:
    """No money funds nothing: the API plans it (it answered 422 where ``upskill region plan --budget 0``
    ran) and says why with what the cheapest pathway costs; a negative budget stays refused."""
    key = api_key("region", region="CZ08")
    zero = client.post(
        "/v1/regions/CZ08/portfolios", data={"budget": "0"}, files=_files(), headers=bearer(key)
    )
    assert zero.status_code == 201, zero.text
    plan = zero.json()
    assert plan["portfolio"] == [] and plan["totals"]["workers_made_ready"] == 0
    from recommender.region.publish import nothing_funded  # (after the 201: what failed before the change)

    said = nothing_funded(plan)
    assert said is not None and said.startswith("Nothing can be funded with EUR 0: the cheapest pathway")
    page = client.get(f"/region/CZ08/portfolios/{plan['id']}", headers=bearer(key)).text
    assert said in page
    negative = client.post(
        "/v1/regions/CZ08/portfolios", data={"budget": "-1"}, files=_files(), headers=bearer(key)
    )
    assert negative.status_code == 422 and negative.json()["field"] == "budget"


def test_bad_files_and_settings_are_located_problems(client: TestClient, api_key: MakeKey) -> None:
    key = api_key("region", region="CZ08")
    bad = _plan(client, key, workforce="occupation,workers\nwelder,many\n")
    assert bad.status_code == 422, bad.text
    assert "workforce.csv, line 2, column 'workers'" in bad.json()["detail"]
    no_budget = client.post("/v1/regions/CZ08/portfolios", files=_files(), headers=bearer(key))
    assert no_budget.status_code == 422 and no_budget.json()["field"] == "budget"
    assert _plan(client, key, nuts="not-a-code").status_code == 422
    as_json = client.post(
        "/v1/regions/CZ08/portfolios",
        json={
            "budget": 12000,
            "workforce": [{"occupation": "welder", "workers": 120}],
            "demand": [{"occupation": "battery technician", "headcount": 50, "year": 2028}],
            "programmes": [{"id": "x"}],
        },
        headers=bearer(key),
    )
    assert as_json.status_code == 422 and "programmes[0]" in as_json.json()["detail"]
