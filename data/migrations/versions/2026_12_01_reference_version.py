"""reference version: a token that changes with every write to the reference tables

Revision ID: 2026_12_01_reference_version
Revises: 2026_12_01_i12_catalogue
Create Date: 2026-12-01 23:00:00

The triggers that change the token are installed by ``data.reference_version.install_triggers``, which
``data.db.migrate`` runs after every upgrade, so that tables a later migration recreates (SQLite batch mode
drops a table's triggers) or adds get theirs back.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2026_12_01_reference_version"
down_revision: str | None = "2026_12_01_i12_catalogue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reference_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_reference_version_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_version")),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute("INSERT INTO reference_version (id, token) VALUES (1, lower(hex(randomblob(16))))")
    else:
        op.execute(
            "INSERT INTO reference_version (id, token) VALUES (1, md5(random()::text || clock_timestamp()::text))"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS upskill_new_reference_version() CASCADE")
    else:
        for (name,) in bind.execute(
            sa.text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'reference_version_%'"
            )
        ):
            op.execute(f'DROP TRIGGER "{name}"')
    op.drop_table("reference_version")
