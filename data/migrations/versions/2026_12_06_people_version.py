"""people version: on SQLite, a token that changes with every write to the API keys or a worker's data

Revision ID: 2026_12_06_people_version
Revises: 2026_12_02_audit
Create Date: 2026-12-06 04:00:00

The triggers that change the token are installed by ``data.people_version.install_triggers``, which
``data.db.migrate`` runs after every upgrade (SQLite only: see that module), so that tables a later
migration recreates (SQLite batch mode drops a table's triggers) get theirs back.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2026_12_06_people_version"
down_revision: str | None = "2026_12_02_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "people_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_people_version_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people_version")),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute("INSERT INTO people_version (id, token) VALUES (1, lower(hex(randomblob(16))))")
    else:
        op.execute(
            "INSERT INTO people_version (id, token) VALUES (1, md5(random()::text || clock_timestamp()::text))"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for (name,) in bind.execute(
            sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'people_version_%'")
        ):
            op.execute(f'DROP TRIGGER "{name}"')
    op.drop_table("people_version")
