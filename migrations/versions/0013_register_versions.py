"""a version per project and register, bumped by the database on every insert, update and
delete of the register's items, so a rendered page can be reused while its version stands

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REGISTERS = {"risks": "R", "actions": "A", "issues": "I", "decisions": "D"}  # as bot.domain.Kind
BUMP = (
    "INSERT INTO register_versions (project_id, kind, version) {source} "
    "ON CONFLICT (project_id, kind) DO UPDATE SET version = register_versions.version + 1"
)
# PostgreSQL: one function for the four tables (the kind is the trigger's argument).
PG_FUNCTION = f"""
CREATE FUNCTION bump_register_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        {BUMP.format(source="VALUES (NEW.project_id, TG_ARGV[0], 1)")};
    END IF;
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.project_id <> NEW.project_id) THEN
        {BUMP.format(source="VALUES (OLD.project_id, TG_ARGV[0], 1)")};
    END IF;
    RETURN NULL;
END
$$
"""


def _sqlite_triggers(table: str, kind: str) -> list[str]:
    """SQLite has no trigger functions: one trigger per table and operation."""

    def bump(row: str, when: str = "true") -> str:
        return BUMP.format(source=f"SELECT {row}.project_id, '{kind}', 1 WHERE {when}")

    moved = "OLD.project_id <> NEW.project_id"
    return [
        f"CREATE TRIGGER {table}_version_insert AFTER INSERT ON {table} BEGIN {bump('NEW')}; END",
        f"CREATE TRIGGER {table}_version_update AFTER UPDATE ON {table} "
        f"BEGIN {bump('NEW')}; {bump('OLD', moved)}; END",
        f"CREATE TRIGGER {table}_version_delete AFTER DELETE ON {table} BEGIN {bump('OLD')}; END",
    ]


def upgrade() -> None:
    op.create_table(
        "register_versions",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=1), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_register_versions_project_id_projects"),
        ),
        sa.PrimaryKeyConstraint("project_id", "kind", name=op.f("pk_register_versions")),
    )
    if op.get_bind().dialect.name == "sqlite":
        for table, kind in REGISTERS.items():
            for statement in _sqlite_triggers(table, kind):
                op.execute(statement)
        return
    op.execute(PG_FUNCTION)
    for table, kind in REGISTERS.items():
        op.execute(
            f"CREATE TRIGGER {table}_version AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION bump_register_version('{kind}')"
        )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in REGISTERS:
        if sqlite:
            for operation in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_version_{operation}")
        else:
            op.execute(f"DROP TRIGGER {table}_version ON {table}")
    if not sqlite:
        op.execute("DROP FUNCTION bump_register_version()")
    op.drop_table("register_versions")
