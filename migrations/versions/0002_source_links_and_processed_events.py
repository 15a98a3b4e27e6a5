"""source links on every item, processed events

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("received_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_processed_events")),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_link", sa.String(length=500), nullable=True))

    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_link", sa.String(length=500), nullable=True))

    with op.batch_alter_table("risks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_link", sa.String(length=500), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("risks", schema=None) as batch_op:
        batch_op.drop_column("source_link")

    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.drop_column("source_link")

    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_column("source_link")

    op.drop_table("processed_events")
