"""Regional portfolios are kept under their NUTS code: one region never reads another's."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from data.region_store import get_portfolio, list_portfolios, save_portfolio


def _plan(made_ready: int | None) -> dict[str, Any]:
    return {
        "totals": {"budget": 5_000_000.0, "currency": "EUR", "workers_made_ready": made_ready},
        "certificate": {"status": "optimal"},
        "made_ready": [{"origin": "a", "target": "b", "workers": None, "suppressed": True}],
    }


def test_a_region_reads_its_own_portfolios_only(db_session: Session) -> None:
    mine = save_portfolio(db_session=db_session, nuts="cz08", plan=_plan(1586))
    theirs = save_portfolio(db_session=db_session, nuts="SK02", plan=_plan(None))
    assert get_portfolio(db_session=db_session, nuts="CZ08", portfolio_id=mine) == _plan(1586)
    assert get_portfolio(db_session=db_session, nuts="CZ08", portfolio_id=theirs) is None
    assert [p["id"] for p in list_portfolios(db_session=db_session, nuts="CZ08")] == [mine]
    (row,) = list_portfolios(db_session=db_session, nuts="SK02")
    assert (row["workers_made_ready"], row["status"], row["currency"]) == (None, "optimal", "EUR")
    portfolio = get_portfolio(db_session=db_session, nuts="SK02", portfolio_id=theirs)
    assert portfolio is not None and portfolio["made_ready"][0]["workers"] is None
