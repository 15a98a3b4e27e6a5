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
# PostgreSQL: statement-level triggers over the statement's transition tables, one function
# for every table and operation (the kind is the trigger's argument; a moved item bumps both
# projects). A transaction bumps a version once: its later statements find the row already
# bumped by it (`bumped_by`, its txid) and leave it, so 100,000 single-row inserts in one
# transaction do not pile 100,000 dead versions of the row up, each upsert slower than the
# last. Once is enough: nobody sees a transaction's writes before it commits.
PG_BUMP = """
        INSERT INTO register_versions (project_id, kind, version, bumped_by)
        SELECT DISTINCT project_id, TG_ARGV[0], 1, txid_current() FROM {rows}
        ON CONFLICT (project_id, kind) DO UPDATE
        SET version = register_versions.version + 1, bumped_by = txid_current()
        WHERE register_versions.bumped_by IS DISTINCT FROM txid_current();"""
TOUCHED = "(SELECT project_id FROM new_rows UNION SELECT project_id FROM old_rows) AS touched"
PG_FUNCTION = f"""
CREATE FUNCTION bump_register_versions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- each branch names only the transition tables its operation has
    IF TG_OP = 'INSERT' THEN{PG_BUMP.format(rows="new_rows")}
    ELSIF TG_OP = 'DELETE' THEN{PG_BUMP.format(rows="old_rows")}
    ELSE{PG_BUMP.format(rows=TOUCHED)}
    END IF;
    RETURN NULL;
END
$$
"""
PG_TRANSITIONS = {  # operation: the transition tables its trigger reads
    "insert": "NEW TABLE AS new_rows",
    "update": "NEW TABLE AS new_rows OLD TABLE AS old_rows",
    "delete": "OLD TABLE AS old_rows",
}


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
        sa.Column("bumped_by", sa.BigInteger(), nullable=True),
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
        for operation, transitions in PG_TRANSITIONS.items():
            op.execute(
                f"CREATE TRIGGER {table}_version_{operation} AFTER {operation.upper()} ON "
                f"{table} REFERENCING {transitions} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION bump_register_versions('{kind}')"
            )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in REGISTERS:
        for operation in ("insert", "update", "delete"):
            on = "" if sqlite else f" ON {table}"
            op.execute(f"DROP TRIGGER {table}_version_{operation}{on}")
    if not sqlite:
        op.execute("DROP FUNCTION bump_register_versions()")
    op.drop_table("register_versions")
