"""home_dirty: the App Home tabs people have opened, and which of them a change made stale, so
the worker redraws each at most once per short window instead of the web process after every
change

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "home_dirty",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("opened_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("dirty_since", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("drawn_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_home_dirty_workspace_id_workspaces"),
        ),
        sa.PrimaryKeyConstraint("workspace_id", "user_id", name=op.f("pk_home_dirty")),
    )
    op.create_index(op.f("ix_home_dirty_dirty_since"), "home_dirty", ["dirty_since"])


def downgrade() -> None:
    op.drop_index(op.f("ix_home_dirty_dirty_since"), table_name="home_dirty")
    op.drop_table("home_dirty")
