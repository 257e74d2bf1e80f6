"""courses: certificate price (audit track), catalogue tags and flags; course skills may be hints

Revision ID: 2026_12_01_i12_catalogue
Revises: 2026_12_01_cohorts
Create Date: 2026-12-01 23:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from data.migrations import guard

revision: str = "2026_12_01_i12_catalogue"
down_revision: str | None = "2026_12_01_cohorts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN, not a batch copy: on SQLite a batch drops and recreates ``courses``, and dropping it
    # deletes (ON DELETE CASCADE) the interactions and badge courses that point at it. ``course_skills`` has
    # no dependants, so its check can be replaced by a batch copy.
    op.add_column("courses", sa.Column("certificate_price", sa.Float(), nullable=True))
    op.add_column("courses", sa.Column("tags", sa.JSON(), nullable=False, server_default="[]"))
    op.add_column("courses", sa.Column("flags", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("course_skills") as batch:
        batch.drop_constraint(op.f("ck_course_skills_source"), type_="check")
        batch.create_check_constraint(
            op.f("ck_course_skills_source"), "source IN ('explicit', 'hint', 'inferred', 'curated')"
        )


def downgrade() -> None:
    guard.refuse_data_loss(
        revision,
        {
            "course skills that are catalogue hints": guard.count_rows("course_skills", "source = 'hint'"),
            "certificate prices of courses": guard.count_rows("courses", "certificate_price IS NOT NULL"),
            "catalogue tags of courses": guard.count_non_empty_json("courses", "tags"),
            "flags of courses": guard.count_non_empty_json("courses", "flags"),
        },
    )
    op.execute("DELETE FROM course_skills WHERE source = 'hint'")
    with op.batch_alter_table("course_skills") as batch:
        batch.drop_constraint(op.f("ck_course_skills_source"), type_="check")
        batch.create_check_constraint(
            op.f("ck_course_skills_source"), "source IN ('explicit', 'inferred', 'curated')"
        )
    for column in ("flags", "tags", "certificate_price"):
        op.drop_column("courses", column)  # SQLite >= 3.35 drops a column in place
