"""occupation labels in further languages

Revision ID: 2026_12_01_titles
Revises: 2026_12_01_region
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from data.migrations import guard

revision: str = "2026_12_01_titles"
down_revision: str | None = "2026_12_01_region"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "occupation_labels",
        sa.Column("occupation_uri", sa.String(length=255), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("preferred_label", sa.Text(), nullable=False),
        sa.Column("alt_labels", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["occupation_uri"],
            ["occupations.uri"],
            name=op.f("fk_occupation_labels_occupation_uri_occupations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("occupation_uri", "language", name=op.f("pk_occupation_labels")),
    )


def downgrade() -> None:
    guard.refuse_if_rows(revision, "occupation_labels")
    op.drop_table("occupation_labels")
