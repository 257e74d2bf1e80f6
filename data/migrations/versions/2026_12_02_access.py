"""access control and worker profiles: api_keys; a worker's target occupation and plan preferences

Revision ID: 2026_12_02_access
Revises: 2026_12_01_reference_version
Create Date: 2026-12-02 02:00:00

The worker columns are added with ``ADD COLUMN`` (no table rebuild): on SQLite a batch rebuild drops the
``workers`` table, which with foreign keys on would cascade to every worker's skills and interactions.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from data.migrations import guard

revision: str = "2026_12_02_access"
down_revision: str | None = "2026_12_01_reference_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCOPE = (
    "(role = 'admin' AND organisation_id IS NULL AND region IS NULL AND worker_id IS NULL)"
    " OR (role = 'hr' AND organisation_id IS NOT NULL AND region IS NULL AND worker_id IS NULL)"
    " OR (role = 'region' AND organisation_id IS NULL AND region IS NOT NULL AND worker_id IS NULL)"
    " OR (role = 'worker' AND organisation_id IS NULL AND region IS NULL AND worker_id IS NOT NULL)"
)


def upgrade() -> None:
    op.add_column("workers", sa.Column("target_occupation_uri", sa.String(length=255), nullable=True))
    op.add_column("workers", sa.Column("budget", sa.Float(), nullable=True))
    op.add_column("workers", sa.Column("currency", sa.String(length=3), server_default="EUR", nullable=False))
    op.add_column("workers", sa.Column("hours_per_week", sa.Float(), nullable=True))
    op.add_column("workers", sa.Column("delivery_modes", sa.JSON(), server_default="[]", nullable=False))
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("region", sa.String(length=5), nullable=True),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('worker', 'hr', 'region', 'admin')", name=op.f("ck_api_keys_role")),
        sa.CheckConstraint(SCOPE, name=op.f("ck_api_keys_scope")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_api_keys_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["workers.id"], name=op.f("fk_api_keys_worker_id_workers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    op.create_index(op.f("ix_api_keys_organisation_id"), "api_keys", ["organisation_id"], unique=False)
    op.create_index(op.f("ix_api_keys_worker_id"), "api_keys", ["worker_id"], unique=False)


def downgrade() -> None:
    guard.refuse_data_loss(
        revision,
        {
            "rows of api_keys": guard.count_rows("api_keys"),
            "target occupations of workers": guard.count_rows("workers", "target_occupation_uri IS NOT NULL"),
            "budgets of workers": guard.count_rows("workers", "budget IS NOT NULL"),
            "currencies of workers other than EUR": guard.count_rows("workers", "currency <> 'EUR'"),
            "hours per week of workers": guard.count_rows("workers", "hours_per_week IS NOT NULL"),
            "delivery modes of workers": guard.count_non_empty_json("workers", "delivery_modes"),
        },
    )
    op.drop_index(op.f("ix_api_keys_worker_id"), table_name="api_keys")
    op.drop_index(op.f("ix_api_keys_organisation_id"), table_name="api_keys")
    op.drop_table("api_keys")
    # plain DROP COLUMN (SQLite 3.35+), not a batch rebuild, for the reason in the module docstring
    for column in ("delivery_modes", "hours_per_week", "currency", "budget", "target_occupation_uri"):
        op.drop_column("workers", column)
