"""region portfolios: the published plans of regional training portfolios, by NUTS code

Revision ID: 2026_12_01_region
Revises: 0001
Create Date: 2026-12-01 23:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from data.migrations import guard

revision: str = "2026_12_01_region"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "region_portfolios",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nuts", sa.String(length=5), nullable=False),
        sa.Column("budget", sa.Float(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("workers_made_ready", sa.Integer(), nullable=True),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint("length(nuts) BETWEEN 2 AND 5", name=op.f("ck_region_portfolios_nuts_code")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_region_portfolios")),
    )
    with op.batch_alter_table("region_portfolios", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_region_portfolios_nuts"), ["nuts"], unique=False)


def downgrade() -> None:
    guard.refuse_if_rows(revision, "region_portfolios")
    with op.batch_alter_table("region_portfolios", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_region_portfolios_nuts"))
    op.drop_table("region_portfolios")
