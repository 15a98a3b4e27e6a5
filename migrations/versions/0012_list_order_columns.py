"""what a register's list is ordered by, stored and indexed: each item's open state, a risk's
score and an issue's severity rank, computed by the database from the columns they derive from
(backfilled as they are added), so a page is read from an index rather than sorted

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEVERITY_RANK = (
    "CASE severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 "
    "WHEN 'low' THEN 1 ELSE 0 END"
)
COLUMNS: dict[
    str, list[tuple[str, sa.types.TypeEngine[Any], str]]
] = {  # table: (column, type, expression), as storage/models.py computes them
    "risks": [
        ("is_open", sa.Boolean(), "status IN ('open', 'mitigating')"),
        ("score", sa.Integer(), "likelihood * impact"),
    ],
    "actions": [("is_open", sa.Boolean(), "status IN ('open')")],
    "issues": [
        ("is_open", sa.Boolean(), "status IN ('open')"),
        ("severity_rank", sa.Integer(), SEVERITY_RANK),
    ],
    "decisions": [("is_open", sa.Boolean(), "status IN ('active')")],
}
INDEXES = {  # table: columns of its page index
    "risks": ["is_open DESC", "score DESC", "number"],
    "actions": ["is_open DESC", "due_on"],
    "issues": ["is_open DESC", "severity_rank DESC", "due_on", "number"],
    "decisions": ["is_open DESC", "number DESC"],
}


def upgrade() -> None:
    # SQLite's ALTER TABLE can add a generated column only VIRTUAL (computed when read; the
    # index holds it all the same); PostgreSQL's only STORED, which fills it for every row.
    stored = op.get_bind().dialect.name != "sqlite"
    for table, columns in COLUMNS.items():
        for name, kind, expression in columns:
            computed = sa.Computed(expression, persisted=stored)
            op.add_column(table, sa.Column(name, kind, computed, nullable=False))
        keys = ["workspace_id", "project_id", *INDEXES[table]]
        op.create_index(f"ix_{table}_page", table, [sa.text(key) for key in keys])


def downgrade() -> None:
    for table, columns in COLUMNS.items():
        op.drop_index(f"ix_{table}_page", table_name=table)
        for name, _, _ in columns:
            op.drop_column(table, name)
