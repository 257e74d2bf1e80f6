"""audit log: who (which API key) read, changed, deleted or exported which worker's data, and when

Revision ID: 2026_12_02_audit
Revises: 2026_12_02_access
Create Date: 2026-12-02 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from data.migrations import guard

revision: str = "2026_12_02_audit"
down_revision: str | None = "2026_12_02_access"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("route", sa.String(length=120), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "action IN ('read', 'change', 'delete', 'export')", name=op.f("ck_audit_log_action")
        ),
        sa.CheckConstraint("role IN ('worker', 'hr', 'region', 'admin')", name=op.f("ck_audit_log_role")),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_keys.id"], name=op.f("fk_audit_log_api_key_id_api_keys"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["workers.id"], name=op.f("fk_audit_log_worker_id_workers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_key_time", "audit_log", ["api_key_id", "occurred_at"], unique=False)
    op.create_index("ix_audit_log_time", "audit_log", ["occurred_at"], unique=False)
    op.create_index("ix_audit_log_worker_time", "audit_log", ["worker_id", "occurred_at"], unique=False)


def downgrade() -> None:
    guard.refuse_if_rows(revision, "audit_log")
    op.drop_index("ix_audit_log_worker_time", table_name="audit_log")
    op.drop_index("ix_audit_log_time", table_name="audit_log")
    op.drop_index("ix_audit_log_key_time", table_name="audit_log")
    op.drop_table("audit_log")
