"""Every migration applies on a database holding data from the first schema, losing nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, text

from storage.schema import SchemaState, schema_state, upgrade
from tests.support.databases import undo_register_versions

AT = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def test_upgrading_from_the_first_schema_keeps_every_row(any_engine: Engine) -> None:
    with any_engine.begin() as conn:  # back to the first schema: drop what later ones add
        undo_register_versions(conn)
        order = {"risks": ("is_open", "score"), "issues": ("is_open", "severity_rank")}
        for table in ("risks", "actions", "issues", "decisions"):
            conn.execute(text(f"DROP INDEX ix_{table}_page"))
            for column in order.get(table, ("is_open",)):
                conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
        conn.execute(text("DROP TABLE home_dirty"))
        conn.execute(text("DROP TABLE view_submissions"))
        conn.execute(text("DROP TABLE portfolio_digests"))
        for table in ("slack_installations", "slack_bots", "slack_oauth_states"):
            conn.execute(text(f"DROP TABLE {table}"))
        conn.execute(text("ALTER TABLE workspaces DROP COLUMN uninstalled_at"))
        conn.execute(text("DROP TABLE processed_events"))
        for table in ("standup_answers", "standup_threads", "standups"):
            conn.execute(text(f"DROP TABLE {table}"))
        for table in ("deliveries", "away_periods", "holidays", "worker_marks"):
            conn.execute(text(f"DROP TABLE {table}"))
        conn.execute(text("ALTER TABLE audit_events DROP COLUMN actor_team"))
        digest = ("digest_on", "digest_day", "digest_time", "digest_mentions")
        for column in ("reminders_on", "reminder_time", "escalation_days", *digest, "private"):
            conn.execute(text(f"ALTER TABLE projects DROP COLUMN {column}"))
        for table in ("risks", "issues", "decisions"):
            conn.execute(text(f"ALTER TABLE {table} DROP COLUMN source_link"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    assert schema_state(any_engine) is SchemaState.BEHIND
    with any_engine.begin() as conn:
        conn.execute(
            text("INSERT INTO workspaces (id, team_id, created_at) VALUES (1, 'T1', :at)"),
            {"at": AT},
        )
        conn.execute(
            text(
                "INSERT INTO projects (id, workspace_id, slug, name, channel_id, timezone, "
                "created_by, created_at) VALUES (1, 1, 'apollo', 'Apollo', 'C1', 'UTC', 'U1', :at)"
            ),
            {"at": AT},
        )
        conn.execute(
            text(
                "INSERT INTO risks (id, workspace_id, project_id, number, owner_id, status, "
                "created_by, created_at, updated_at, title, likelihood, impact) "
                "VALUES (1, 1, 1, 12, 'U1', 'open', 'U1', :at, :at, 'Vendor may slip', 3, 4)"
            ),
            {"at": AT},
        )

    upgrade(any_engine)

    assert schema_state(any_engine) is SchemaState.CURRENT
    with any_engine.connect() as conn:
        row = conn.execute(text("SELECT number, title, likelihood, impact, source_link FROM risks"))
        assert row.one() == (12, "Vendor may slip", 3, 4, None)
        assert conn.execute(text("SELECT count(*) FROM processed_events")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM view_submissions")).scalar() == 0
        settings = "SELECT digest_on, digest_day, digest_time, digest_mentions FROM projects"
        assert tuple(conn.execute(text(settings)).one()) == (True, 4, "16:00", False)
