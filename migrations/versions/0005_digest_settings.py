"""digest settings on projects: on/off, weekday, time, whether owners are pinged

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Server defaults, so projects made before this migration get the weekly digest too.
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("digest_on", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("digest_day", sa.Integer(), server_default="4", nullable=False)
        )
        batch_op.add_column(
            sa.Column("digest_time", sa.String(length=5), server_default="16:00", nullable=False)
        )
        batch_op.add_column(
            sa.Column("digest_mentions", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_column("digest_mentions")
        batch_op.drop_column("digest_time")
        batch_op.drop_column("digest_day")
        batch_op.drop_column("digest_on")
