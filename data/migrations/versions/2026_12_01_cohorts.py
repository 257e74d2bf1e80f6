"""cohort plans: cohorts, their distinct plans and their people

Revision ID: 2026_12_01_cohorts
Revises: 2026_12_01_titles
Create Date: 2026-12-01 23:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from data.migrations import guard

revision: str = "2026_12_01_cohorts"
down_revision: str | None = "2026_12_01_titles"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cohorts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_cohorts_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohorts")),
    )
    op.create_index(op.f("ix_cohorts_organisation_id"), "cohorts", ["organisation_id"], unique=False)
    op.create_table(
        "cohort_plans",
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.String(length=40), nullable=False),
        sa.Column("target_uri", sa.String(length=255), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohorts.id"], name=op.f("fk_cohort_plans_cohort_id_cohorts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("cohort_id", "plan_id", name=op.f("pk_cohort_plans")),
    )
    op.create_table(
        "cohort_people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=120), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("plan_id", sa.String(length=40), nullable=True),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "status IN ('assigned', 'unassigned', 'to_confirm')", name=op.f("ck_cohort_people_status")
        ),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohorts.id"], name=op.f("fk_cohort_people_cohort_id_cohorts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["workers.id"], name=op.f("fk_cohort_people_worker_id_workers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort_people")),
        sa.UniqueConstraint("cohort_id", "person_id", name=op.f("uq_cohort_people_cohort_id")),
    )
    op.create_index(op.f("ix_cohort_people_cohort_id"), "cohort_people", ["cohort_id"], unique=False)
    op.create_index(op.f("ix_cohort_people_worker_id"), "cohort_people", ["worker_id"], unique=False)


def downgrade() -> None:
    guard.refuse_if_rows(revision, "cohorts", "cohort_plans", "cohort_people")
    op.drop_index(op.f("ix_cohort_people_worker_id"), table_name="cohort_people")
    op.drop_index(op.f("ix_cohort_people_cohort_id"), table_name="cohort_people")
    op.drop_table("cohort_people")
    op.drop_table("cohort_plans")
    op.drop_index(op.f("ix_cohorts_organisation_id"), table_name="cohorts")
    op.drop_table("cohorts")
