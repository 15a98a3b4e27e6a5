"""Domain values of the weekly project digest: its settings, its content and its scheduled parts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain import Item, ProjectRef, Rag, StatusEntry

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
RAG_RANK = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2}
WEEK_DAYS = 7
TREND_WEEKS = 8

# A digest's parts: the parent message, then its thread replies in this order, then the charts.
PARENT = "parent"
RISKS, ACTIONS, ISSUES, STANDUP = "risks", "actions", "issues", "standup"
REPLIES = (RISKS, ACTIONS, ISSUES, STANDUP)


def weekly_moment(day: int, at: time, zone: str, now: datetime) -> datetime:
    """The latest moment at or before `now` that is weekday `day` (Monday 0) at `at` in `zone`
    (aware, in that zone; its date is the send's local day)."""
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    last = local.date() - timedelta(days=(local.weekday() - day) % WEEK_DAYS)
    moment = datetime.combine(last, at, tzinfo=tz)
    if moment > now:
        moment = datetime.combine(last - timedelta(days=WEEK_DAYS), at, tzinfo=tz)
    return moment


def next_weekly_moment(day: int, at: time, zone: str, now: datetime) -> datetime:
    """The first such moment after `now`."""
    last = weekly_moment(day, at, zone, now).date()
    return datetime.combine(last + timedelta(days=WEEK_DAYS), at, tzinfo=ZoneInfo(zone))


def rag_trend(now: Rag | None, before: Rag | None) -> str | None:
    """`improving`, `worsening` or `steady` from `before` to `now`; None without both."""
    if now is None or before is None:
        return None
    rank, was = RAG_RANK[now], RAG_RANK[before]
    return "improving" if rank > was else "worsening" if rank < was else "steady"


@dataclass(frozen=True)
class DigestSettings:
    """A project's digest: on or off, its weekday (Monday 0) and time in the project's zone,
    whether owners are pinged, and when it next goes out (None when off)."""

    project: ProjectRef
    enabled: bool
    day: int
    at: time
    mentions: bool
    next_at: datetime | None = None

    @property
    def day_name(self) -> str:
        return DAY_NAMES[self.day]


@dataclass(frozen=True)
class DigestSettingsChange:
    """`changes` maps each setting changed (`digest`, `day`, `time`, `mentions`) to [old, new]
    as shown to people; empty when nothing changed."""

    settings: DigestSettings
    actor_id: str
    changes: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Listed:
    """The first items of a section and how many there are in all."""

    items: tuple[Item, ...] = ()
    total: int = 0

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.items))


@dataclass(frozen=True)
class OwnerLoad:
    """One owner's overdue actions: how many, and the oldest few."""

    owner_id: str | None
    count: int
    items: tuple[Item, ...] = ()


@dataclass(frozen=True)
class Turnout:
    """Standup answers given against prompts sent, for one person or (`user_id` None) all."""

    user_id: str | None
    answered: int
    prompted: int


@dataclass(frozen=True)
class StandupWeek:
    people: tuple[Turnout, ...]  # the first few, fewest answers first
    overall: Turnout
    members: int  # how many people were prompted in all


@dataclass(frozen=True)
class Digest:
    """One project's week, ending at the digest's moment `ends_at` (its local day `local_day`).

    Counts are exact; lists hold the first few (`Listed`). `heat_map` is (likelihood, impact) →
    open risks; `action_trend` is (week's Monday, actions opened, actions done) for the last
    `TREND_WEEKS` weeks, oldest first: the data the charts draw.
    """

    project: ProjectRef
    team_id: str
    starts_at: datetime
    ends_at: datetime
    local_day: date
    mentions: bool
    names: Mapping[str, str]
    rag: StatusEntry | None
    last_week: StatusEntry | None
    risks_opened: Listed
    risks_closed: Listed
    top_risks: Listed  # open risks by score; `total` is every open risk
    actions_opened: int
    actions_done: Listed
    overdue: tuple[OwnerLoad, ...]  # the owners with most overdue first
    overdue_total: int
    overdue_owners: int
    due_next_week: Listed
    issues_opened: Listed
    issues_resolved: Listed
    issues_open: int
    decisions: Listed
    standup: StandupWeek | None
    heat_map: Mapping[tuple[int, int], int]
    action_trend: tuple[tuple[date, int, int], ...]

    @property
    def trend(self) -> str | None:
        """`improving`, `worsening` or `steady` against last week's RAG; None without both."""
        return rag_trend(
            self.rag.rag if self.rag else None, self.last_week.rag if self.last_week else None
        )

    @property
    def top_score(self) -> int | None:
        scores = [item.score for item in self.top_risks.items if item.score is not None]
        return max(scores) if scores else None

    def name(self, user_id: str | None) -> str:
        """A person's cached display name, or their id when we have none."""
        if user_id is None:
            return "nobody"
        return self.names.get(user_id) or user_id


@dataclass(frozen=True)
class ChartFile:
    """A chart image for the digest's thread."""

    filename: str
    content: bytes
    title: str
