"""Regional portfolios in the database: kept and read back under the region's NUTS code only.

What is stored is the published plan (``recommender.region.publish``): figures of fewer than five people
are already suppressed in it, so nothing a region may not see is ever written. Services only flush; the
caller owns the transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import RegionPortfolio
from data.nuts import nuts_code


def save_portfolio(*, db_session: Session, nuts: str, plan: dict[str, Any]) -> int:
    """Keep a published plan under ``nuts``; return its id."""
    totals = plan["totals"]
    row = RegionPortfolio(
        nuts=nuts_code(nuts, field="nuts"),
        budget=float(totals["budget"]),
        currency=str(totals["currency"]),
        status=str(plan["certificate"]["status"]),
        workers_made_ready=totals["workers_made_ready"],
        plan=plan,
    )
    db_session.add(row)
    db_session.flush()
    return row.id


def get_portfolio(*, db_session: Session, nuts: str, portfolio_id: int) -> dict[str, Any] | None:
    """The published plan ``portfolio_id`` of region ``nuts``; None when it is not that region's."""
    row = db_session.scalar(
        select(RegionPortfolio).where(
            RegionPortfolio.id == portfolio_id, RegionPortfolio.nuts == nuts_code(nuts, field="nuts")
        )
    )
    return None if row is None else dict(row.plan)


def list_portfolios(*, db_session: Session, nuts: str) -> list[dict[str, Any]]:
    """The portfolios of region ``nuts``, newest first: id, when, budget, status, workers made ready."""
    rows = db_session.scalars(
        select(RegionPortfolio)
        .where(RegionPortfolio.nuts == nuts_code(nuts, field="nuts"))
        .order_by(RegionPortfolio.created_at.desc(), RegionPortfolio.id.desc())
    )
    return [
        {
            "id": row.id,
            "nuts": row.nuts,
            "created_at": row.created_at.isoformat() if row.created_at else None,
            "budget": row.budget,
            "currency": row.currency,
            "status": row.status,
            "workers_made_ready": row.workers_made_ready,
        }
        for row in rows
    ]
