"""courses: the sentence vector of an imported course's subject (title and summary)

Revision ID: 2026_12_07_course_subjects
Revises: 2026_12_06_people_version
Create Date: 2026-12-07 18:00:00

Derived data: importing the catalogue again embeds it again, so the downgrade drops it without refusing.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2026_12_07_course_subjects"
down_revision: str | None = "2026_12_06_people_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ADD COLUMN: a batch copy of ``courses`` would delete what points at it (ON DELETE CASCADE)
    op.add_column("courses", sa.Column("subject", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    op.drop_column("courses", "subject")  # SQLite >= 3.35 drops a column in place
