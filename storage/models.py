"""The database schema: workspaces, projects, RAID items, status updates, audit trail, people."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Computed,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from storage.types import UtcDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

TITLE_MAX = 300
NOTE_MAX = 2000
NAME_MAX = 80
# The statuses in which an item of each kind is still live; `is_open` is stored from them.
OPEN_STATUSES: dict[str, tuple[str, ...]] = {
    "R": ("open", "mitigating"),
    "A": ("open",),
    "I": ("open",),
    "D": ("active",),
}
SEVERITY_RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1}


def _is_open(kind: str) -> Any:
    """`is_open`, computed by the database from `status`, so no write path can leave it stale
    (ORM changes, bulk inserts, bundle restores alike). STORED where the table is made with it;
    the migration adds it VIRTUAL on SQLite (ALTER TABLE cannot add a STORED column there);
    indexed, either way, so a page is read in order from the index."""
    statuses = ", ".join(f"'{status}'" for status in OPEN_STATUSES[kind])
    return mapped_column(Computed(f"status IN ({statuses})", persisted=True))


def _severity_rank() -> Any:
    whens = " ".join(f"WHEN '{name}' THEN {rank}" for name, rank in SEVERITY_RANK.items())
    return mapped_column(Computed(f"CASE severity {whens} ELSE 0 END", persisted=True))


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime()}


class Workspace(Base):
    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), unique=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    # Set when the app is uninstalled (OAuth mode): nothing is sent there, its data is kept
    # until an admin deletes it, and a reinstall clears it.
    uninstalled_at: Mapped[datetime | None]


class IdCounter(Base):
    """The last number handed out per workspace and kind, so `R-12` is never given twice."""

    __tablename__ = "id_counters"

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(1), primary_key=True)
    last: Mapped[int]


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (
        UniqueConstraint("workspace_id", "slug"),
        UniqueConstraint("workspace_id", "channel_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    channel_id: Mapped[str] = mapped_column(String(32))
    timezone: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    # Owners' daily reminders and the escalation of late actions (`/pmo reminders …`).
    reminders_on: Mapped[bool] = mapped_column(default=True, server_default=true())
    reminder_time: Mapped[str] = mapped_column(String(5), default="09:00", server_default="09:00")
    escalation_days: Mapped[int] = mapped_column(default=3, server_default="3")
    # The weekly digest (`/pmo digest …`): weekday (Monday 0) and time in the project's zone,
    # and whether it pings owners (`<@U…>`) or names them in plain text.
    digest_on: Mapped[bool] = mapped_column(default=True, server_default=true())
    digest_day: Mapped[int] = mapped_column(default=4, server_default="4")
    digest_time: Mapped[str] = mapped_column(String(5), default="16:00", server_default="16:00")
    digest_mentions: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Whether the channel is private (conversations.info), None until Slack has said: a
    # private project is seen and changed only by its channel's members (bot.services.access).
    private: Mapped[bool | None]


class _Item:
    """Columns every RAID item has; `number` is the per-workspace, per-kind human id."""

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    number: Mapped[int]
    owner_id: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    source_link: Mapped[str | None] = mapped_column(String(500))  # the Slack message it came from
    created_by: Mapped[str] = mapped_column(String(32))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        name = cls.__tablename__  # type: ignore[attr-defined]
        return (
            UniqueConstraint("workspace_id", "number"),
            Index(f"ix_{name}_project_status", "workspace_id", "project_id", "status"),
            Index(f"ix_{name}_owner", "workspace_id", "owner_id", "status"),
        )


class Risk(_Item, Base):
    __tablename__ = "risks"

    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(NAME_MAX))
    likelihood: Mapped[int]
    impact: Mapped[int]
    mitigation: Mapped[str | None] = mapped_column(Text)
    review_on: Mapped[date | None]
    closed_at: Mapped[datetime | None]
    close_reason: Mapped[str | None] = mapped_column(Text)
    # The list's order: open first, then likelihood × impact, highest first.
    is_open: Mapped[bool] = _is_open("R")
    score: Mapped[int] = mapped_column(Computed("likelihood * impact", persisted=True))


class Action(_Item, Base):
    __tablename__ = "actions"

    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    due_on: Mapped[date | None]
    due_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    done_note: Mapped[str | None] = mapped_column(Text)
    is_open: Mapped[bool] = _is_open("A")


class Issue(_Item, Base):
    __tablename__ = "issues"

    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(16))
    due_on: Mapped[date | None]
    due_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(Text)
    risk_id: Mapped[int | None] = mapped_column(ForeignKey("risks.id"))
    is_open: Mapped[bool] = _is_open("I")
    severity_rank: Mapped[int] = _severity_rank()


class Decision(_Item, Base):
    """`owner_id` is the person who made the decision."""

    __tablename__ = "decisions"

    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    rationale: Mapped[str | None] = mapped_column(Text)
    alternatives: Mapped[str | None] = mapped_column(Text)
    decided_on: Mapped[date]
    review_on: Mapped[date | None]
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    is_open: Mapped[bool] = _is_open("D")


def _page_index(model: Any, *order: Any) -> Index:
    """A register's page in its natural order, read in order from this (storage/repositories/
    items.py `page`): the project's items, open ones first, then the kind's own keys."""
    keys = (model.workspace_id, model.project_id, model.is_open.desc(), *order)
    return Index(f"ix_{model.__tablename__}_page", *keys)


_page_index(Risk, Risk.score.desc(), Risk.number)
# Actions' order also puts the reader's overdue first, which no column can hold: the index
# narrows an action list to the project's open ones and the database sorts those.
_page_index(Action, Action.due_on)
_page_index(Issue, Issue.severity_rank.desc(), Issue.due_on, Issue.number)
_page_index(Decision, Decision.number.desc())


class StatusUpdate(Base):
    __tablename__ = "status_updates"
    __table_args__ = (
        CheckConstraint("rag IN ('green', 'amber', 'red')", name="rag"),
        Index("ix_status_updates_project_at", "workspace_id", "project_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    rag: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]


class AuditEvent(Base):
    """One change to one item: who, when, what verb, and each field's old and new value."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_item", "workspace_id", "item_kind", "item_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    item_kind: Mapped[str] = mapped_column(String(1))
    item_number: Mapped[int]
    verb: Mapped[str] = mapped_column(String(24))
    actor_id: Mapped[str] = mapped_column(String(32))
    # A Slack Connect member's own workspace, when it is not the one acting; else None.
    actor_team: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime]
    changes: Mapped[dict[str, list[str | None]]] = mapped_column(JSON)


class UserProfile(Base):
    """Slack's view of a person, cached: their time zone decides what "tomorrow" means."""

    __tablename__ = "user_profiles"

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(NAME_MAX))
    timezone: Mapped[str] = mapped_column(String(64))
    fetched_at: Mapped[datetime]


class HomeDirty(Base):
    """A person's App Home tab: a row once they have opened it (`opened_at`); `dirty_since` set
    by a change that touched them, cleared by the worker when it redraws the tab (`drawn_at`),
    so each Home is published at most once per short window however many changes come. While
    a publish is under way both read the end of its hold (storage.repositories.homes.claim)."""

    __tablename__ = "home_dirty"
    __table_args__ = (Index("ix_home_dirty_dirty_since", "dirty_since"),)

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    opened_at: Mapped[datetime]
    dirty_since: Mapped[datetime | None]
    drawn_at: Mapped[datetime | None]


class RegisterVersion(Base):
    """How many times a project's register (one kind: `R`, `A`, `I`, `D`) has changed. The
    database bumps it on every insert, update and delete of that register's items (triggers,
    migration 0013), whatever wrote them, so a page drawn at version N is current while the
    version is still N (bot.services.registers.page_stamp)."""

    __tablename__ = "register_versions"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(1), primary_key=True)
    version: Mapped[int]
    # PostgreSQL: the transaction that last bumped it (txid), which bumps it only once.
    bumped_by: Mapped[int | None] = mapped_column(BigInteger)


class ProcessedEvent(Base):
    """Slack events already handled: a retried delivery (same `event_id`) is ignored."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime]


class ViewSubmission(Base):
    """Form submissions already stored, claimed in the transaction that stores them: Slack's
    second delivery of the same submission (same `view_id`) stores nothing more."""

    __tablename__ = "view_submissions"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    view_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime]


class Holiday(Base):
    """A day nobody is prompted or pinged: for one project, or (no project) the whole workspace."""

    __tablename__ = "holidays"
    __table_args__ = (UniqueConstraint("workspace_id", "project_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    day: Mapped[date]
    name: Mapped[str | None] = mapped_column(String(NAME_MAX))
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]


class AwayPeriod(Base):
    """A person out of office from `starts_on` to `ends_on`, both included, in their own days."""

    __tablename__ = "away_periods"
    __table_args__ = (Index("ix_away_periods_person", "workspace_id", "user_id", "ends_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    user_id: Mapped[str] = mapped_column(String(32))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    created_at: Mapped[datetime]


class Delivery(Base):
    """One scheduled send. The unique `key` (`reminder:<team>:<user>:<local day>`, ...) is what
    makes a send happen once: a worker claims the row before it sends, whoever else tries too."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_retry", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    target: Mapped[str] = mapped_column(String(32))
    local_day: Mapped[date]
    # claimed (held by a worker, not yet tried), sending (an attempt under way), sent, failed
    # (tried again later), dropped
    status: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(80))  # the holding pass's token
    claimed_at: Mapped[datetime | None]  # when its holder last renewed the claim
    sent_at: Mapped[datetime | None]
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    thread_ts: Mapped[str | None] = mapped_column(String(32))  # a reply's parent message
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]


class WorkerMark(Base):
    """When the scheduler last completed a pass, to tell downtime from a quiet day."""

    __tablename__ = "worker_marks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    at: Mapped[datetime]


class Standup(Base):
    """A channel's asynchronous standup: when, on which days, what is asked, and of whom."""

    __tablename__ = "standups"
    __table_args__ = (UniqueConstraint("workspace_id", "channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    channel_id: Mapped[str] = mapped_column(String(32))
    enabled: Mapped[bool] = mapped_column(default=True)
    at_time: Mapped[str] = mapped_column(String(5))  # "HH:MM", in each member's own zone
    days: Mapped[str] = mapped_column(String(40))  # "mon,tue,wed,thu,fri"
    questions: Mapped[list[str]] = mapped_column(JSON)
    members_mode: Mapped[str] = mapped_column(String(8))  # "list" or "channel"
    members: Mapped[list[str]] = mapped_column(JSON)  # user ids (for "channel": the last read)
    members_read_on: Mapped[date | None]  # the day `members` was last read from the channel
    nudge_minutes: Mapped[int] = mapped_column(default=120)
    cutoff_minutes: Mapped[int] = mapped_column(default=240)
    timezone: Mapped[str] = mapped_column(String(64))  # whose calendar names the standup's day
    run_now_on: Mapped[date | None]  # `/standup now`: prompt everyone on this day at once
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class StandupThread(Base):
    """The one parent message per standup and day under which answers are posted."""

    __tablename__ = "standup_threads"

    standup_id: Mapped[int] = mapped_column(ForeignKey("standups.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    parent_ts: Mapped[str | None] = mapped_column(String(32))  # None while being created
    claimed_at: Mapped[datetime]


class StandupAnswer(Base):
    """A member's answers for one standup day, and where they were posted."""

    __tablename__ = "standup_answers"
    __table_args__ = (UniqueConstraint("standup_id", "user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    standup_id: Mapped[int] = mapped_column(ForeignKey("standups.id"))
    user_id: Mapped[str] = mapped_column(String(32))
    day: Mapped[date]
    answers: Mapped[list[str]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(8))  # "modal" or "dm"
    dm_ts: Mapped[str | None] = mapped_column(String(32))  # the DM reply, to follow its edits
    posted_ts: Mapped[str | None] = mapped_column(String(32))  # its post in the thread
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PortfolioDigest(Base):
    """A weekly portfolio posted in a channel (`/pmo portfolio digest #channel <day> <time>`):
    weekday (Monday 0) and time in the zone of whoever set it; one per workspace and channel."""

    __tablename__ = "portfolio_digests"
    __table_args__ = (UniqueConstraint("workspace_id", "channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    channel_id: Mapped[str] = mapped_column(String(32))
    day: Mapped[int]
    time: Mapped[str] = mapped_column(String(5))  # "HH:MM"
    timezone: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]


# slack-sdk's OAuth tables, built by its own SQLAlchemy stores' table builders so the columns
# and indexes are exactly what those stores read and write (bot/installations.py points the
# stores at these objects); migration 0006 creates them, not the stores' create_tables().
slack_installations = SQLAlchemyInstallationStore.build_installations_table(
    Base.metadata, "slack_installations"
)
slack_bots = SQLAlchemyInstallationStore.build_bots_table(Base.metadata, "slack_bots")
slack_oauth_states = SQLAlchemyOAuthStateStore.build_oauth_states_table(
    Base.metadata, "slack_oauth_states"
)
