"""Domain values the services return and the renderers draw: no ORM objects leave a service."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the digest's own values live beside it; only DigestDue is scheduled here
    from bot.digest_domain import ChartFile, Digest


class Kind(Enum):
    """The four RAID registers; the value is the id prefix (`R-12`)."""

    RISK = "R"
    ACTION = "A"
    ISSUE = "I"
    DECISION = "D"

    @property
    def noun(self) -> str:
        return self.name.lower()

    @property
    def command(self) -> str:
        return "/" + self.noun

    def ref(self, number: int) -> str:
        return f"{self.value}-{number}"

    @classmethod
    def of_command(cls, command: str) -> Kind:
        """The register a slash command (`/risk`) works on."""
        return cls[command.lstrip("/").upper()]


class Rag(Enum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


class ScoreBand(Enum):
    """A risk score's band (score = likelihood × impact, 1–25); the value is the band's floor."""

    HIGH = 15
    MEDIUM = 8
    LOW = 0

    @classmethod
    def of(cls, score: int) -> ScoreBand:
        return next(band for band in cls if score >= band.value)


OPEN_STATUSES: dict[Kind, frozenset[str]] = {
    Kind.RISK: frozenset({"open", "mitigating"}),
    Kind.ACTION: frozenset({"open"}),
    Kind.ISSUE: frozenset({"open"}),
    Kind.DECISION: frozenset({"active"}),
}


@dataclass(frozen=True)
class Actor:
    """Who is acting, where: every use-case is scoped by `team_id`, the workspace acting.
    `home_team` is the person's own workspace as the request names it (a Slack Connect
    member's is another organisation's), None where the request names none."""

    team_id: str
    user_id: str
    channel_id: str
    enterprise_id: str | None = None
    timezone: str = "UTC"
    home_team: str | None = None

    @property
    def external_team(self) -> str | None:
        """The person's own workspace when it is not the one acting, as the audit trail keeps it."""
        return self.home_team if self.home_team not in (None, self.team_id) else None


@dataclass(frozen=True)
class ProjectRef:
    slug: str
    name: str
    channel_id: str
    timezone: str = "UTC"


@dataclass(frozen=True)
class Item:
    """One RAID item, flattened: fields that do not apply to a kind are None."""

    kind: Kind
    number: int
    project: ProjectRef
    title: str
    status: str
    owner_id: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    category: str | None = None
    likelihood: int | None = None
    impact: int | None = None
    mitigation: str | None = None
    review_on: date | None = None
    due_on: date | None = None
    due_at: datetime | None = None
    severity: str | None = None
    note: str | None = None
    closed_at: datetime | None = None
    rationale: str | None = None
    alternatives: str | None = None
    decided_on: date | None = None
    source_link: str | None = None
    links: tuple[str, ...] = ()

    @property
    def ref(self) -> str:
        return self.kind.ref(self.number)

    @property
    def score(self) -> int | None:
        if self.likelihood is None or self.impact is None:
            return None
        return self.likelihood * self.impact

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES[self.kind]

    @property
    def due(self) -> date | datetime | None:
        return self.due_at or self.due_on

    def is_overdue(self, now: datetime, today: date) -> bool:
        """`today` is the reader's local date: a day-only due is late from the next day."""
        if not self.is_open:
            return False
        if self.due_at is not None:
            return self.due_at < now
        return self.due_on is not None and self.due_on < today


@dataclass(frozen=True)
class AuditEntry:
    verb: str
    actor_id: str
    at: datetime
    changes: dict[str, list[str | None]]
    actor_team: str | None = None  # a Slack Connect member's own workspace, when not ours


@dataclass(frozen=True)
class Change:
    """The outcome of a command that changed an item: what it is now, what moved, and why."""

    item: Item
    verb: str
    changes: dict[str, list[str | None]] = field(default_factory=dict)
    related: Item | None = None


@dataclass(frozen=True)
class ItemPage:
    kind: Kind
    project: ProjectRef
    scope: str
    items: tuple[Item, ...]
    total: int
    page: int
    page_size: int
    owner_id: str | None = None
    # When the page would change with no write at all (the next `due_at` to pass), if known.
    changes_at: datetime | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class StatusEntry:
    rag: Rag
    reason: str | None
    author_id: str
    at: datetime


@dataclass(frozen=True)
class ProjectStatus:
    project: ProjectRef
    current: StatusEntry | None
    history: tuple[StatusEntry, ...]


@dataclass(frozen=True)
class PortfolioRow:
    """One project in the portfolio: its RAG now and 7 days before (`week_ago`), its open risks
    (`bands`: how many in each ScoreBand), overdue actions (each owner's zone) and open issues."""

    project: ProjectRef
    status: StatusEntry | None
    week_ago: Rag | None
    open_risks: int
    top_risk_score: int | None
    overdue_actions: int
    open_issues: int
    bands: Mapping[ScoreBand, int] = field(default_factory=dict)


# The App Home's sections, and the windows its "upcoming" and "recent" sections look through.
OVERDUE, UPCOMING, RISKS, PROJECTS, DECISIONS = (
    "overdue",
    "upcoming",
    "risks",
    "projects",
    "decisions",
)
SECTIONS = (OVERDUE, UPCOMING, RISKS, PROJECTS, DECISIONS)
UPCOMING_DAYS = 14
RECENT_DAYS = 14


@dataclass(frozen=True)
class Dashboard:
    """What one person's Home shows: each section's first rows and how many it has in all.

    A person's projects are those where they own an open item (an open risk, action or issue,
    or an active decision they made), that they created, or whose status they ever set.
    """

    user_id: str
    overdue: tuple[Item, ...] = ()
    overdue_total: int = 0
    upcoming: tuple[Item, ...] = ()
    upcoming_total: int = 0
    risks: tuple[Item, ...] = ()
    risks_total: int = 0
    projects: tuple[ProjectStatus, ...] = ()
    projects_total: int = 0
    decisions: tuple[Item, ...] = ()
    decisions_total: int = 0
    upcoming_days: int = UPCOMING_DAYS
    recent_days: int = RECENT_DAYS

    @property
    def is_empty(self) -> bool:
        totals = (self.overdue_total, self.upcoming_total, self.risks_total)
        return not any((*totals, self.projects_total, self.decisions_total))


@dataclass(frozen=True)
class ProjectSection:
    """One project's part of a person's daily reminder."""

    project: ProjectRef
    overdue: tuple[Item, ...] = ()
    today: tuple[Item, ...] = ()
    tomorrow: tuple[Item, ...] = ()
    reviews: tuple[Item, ...] = ()

    @property
    def count(self) -> int:
        return len(self.overdue) + len(self.today) + len(self.tomorrow) + len(self.reviews)


@dataclass(frozen=True)
class ReminderDue:
    """A person's reminder for their local day: `key` makes it go out once."""

    key: str
    workspace_id: int
    team_id: str
    user_id: str
    local_day: date
    timezone: str
    sections: tuple[ProjectSection, ...]

    @property
    def target(self) -> str:
        return self.user_id

    @property
    def count(self) -> int:
        return sum(section.count for section in self.sections)


@dataclass(frozen=True)
class LateAction:
    """One action in a project's escalation: how late it is, the working day it reached the
    project's threshold, and, when its owner is away today, their last day away."""

    item: Item
    working_days_late: int
    crossed_on: date
    away_until: date | None = None


@dataclass(frozen=True)
class EscalationDue:
    """A project's newly late actions, raised in its channel in one message a day."""

    key: str
    workspace_id: int
    team_id: str
    local_day: date
    project: ProjectRef
    project_id: int
    escalation_days: int
    actions: tuple[LateAction, ...]

    @property
    def target(self) -> str:
        return self.project.channel_id


# -- project settings and calendars (`/pmo reminders`, `/pmo holiday`, `/pmo away`) ------------


@dataclass(frozen=True)
class HolidayEntry:
    """A day nobody is prompted or pinged: for one project, or (`project` None) the workspace."""

    day: date
    name: str | None = None
    project: ProjectRef | None = None

    @property
    def workspace_wide(self) -> bool:
        return self.project is None


@dataclass(frozen=True)
class HolidayList:
    """Upcoming holidays from `today` on, soonest first: the first few and how many in all.

    `project` is None when the channel has no project: then only the workspace's are listed.
    """

    project: ProjectRef | None
    today: date
    holidays: tuple[HolidayEntry, ...]
    total: int


@dataclass(frozen=True)
class HolidayChange:
    """`verb` is `added`, `removed`, or `exists` (nothing stored: `existing` was already there)."""

    holiday: HolidayEntry
    verb: str
    actor_id: str
    existing: HolidayEntry | None = None


@dataclass(frozen=True)
class ReminderSettings:
    """A project's owner reminders and escalation, with its upcoming holidays."""

    project: ProjectRef
    enabled: bool
    at: time  # each owner's local time
    escalation_days: int
    holidays: HolidayList


@dataclass(frozen=True)
class SettingsChange:
    """`changes` maps each setting changed (`reminders`, `time`, `escalation`) to
    [old, new] as shown to people; empty when the setting already had that value."""

    settings: ReminderSettings
    actor_id: str
    changes: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class AwaySpan:
    """A person out of office from `starts_on` to `ends_on`, both included."""

    starts_on: date
    ends_on: date

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


@dataclass(frozen=True)
class AwayStatus:
    """A person's current and upcoming away periods (ending today or later), soonest first."""

    user_id: str
    today: date
    periods: tuple[AwaySpan, ...]
    total: int

    @property
    def current(self) -> AwaySpan | None:
        first = self.periods[0] if self.periods else None
        return first if first is not None and first.starts_on <= self.today else None


@dataclass(frozen=True)
class AwayChange:
    """`verb`: `added`; `merged` (joined periods it overlapped or touched); `covered` (already
    away on all those days, nothing stored); `ended` (the current period ended yesterday, and/or
    upcoming ones cancelled: counted in `cut` and `cancelled`); `none` (nothing to end)."""

    verb: str
    status: AwayStatus
    span: AwaySpan | None = None
    cut: int = 0
    cancelled: int = 0


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_QUESTIONS = (
    "What did you do since the last standup?",
    "What will you do next?",
    "Anything blocking you?",
)


@dataclass(frozen=True)
class StandupConfig:
    """A channel's standup as the scheduler and the handlers see it."""

    id: int
    workspace_id: int
    team_id: str
    channel_id: str
    enabled: bool
    at_time: time
    days: tuple[int, ...]  # weekday numbers, Monday = 0
    questions: tuple[str, ...]
    members_mode: str  # "list" or "channel"
    members: tuple[str, ...]
    nudge_minutes: int
    cutoff_minutes: int
    timezone: str
    run_now_on: date | None = None

    def blocker_index(self) -> int | None:
        """Which question asks about blockers (its answer is highlighted), if any."""
        for index, question in enumerate(self.questions):
            if "block" in question.lower():
                return index
        return None


@dataclass(frozen=True)
class StandupPromptDue:
    """A member's standup prompt for their local day (or a nudge, when `nudge` is set)."""

    key: str
    workspace_id: int
    team_id: str
    standup: StandupConfig
    user_id: str
    local_day: date
    timezone: str
    nudge: bool = False

    @property
    def target(self) -> str:
        return self.user_id


@dataclass(frozen=True)
class StandupSummaryDue:
    """The closing summary of a standup day, posted in its thread (or alone if none)."""

    key: str
    workspace_id: int
    team_id: str
    standup: StandupConfig
    local_day: date
    answered: tuple[str, ...]
    away: tuple[str, ...]
    missing: tuple[str, ...]
    thread_ts: str | None = None

    @property
    def target(self) -> str:
        return self.standup.channel_id


@dataclass(frozen=True)
class DigestDue:
    """One part of a project's weekly digest: the parent, a thread reply, or a chart.

    `key` is `digest:<team>:<project id>:<local day>` for the parent and that key plus
    `:<part>` for the rest; replies and charts carry the parent's ts once it is posted.
    """

    key: str
    workspace_id: int
    team_id: str
    local_day: date
    digest: Digest
    part: str = "parent"
    parent_key: str | None = None
    thread_ts: str | None = None
    chart: ChartFile | None = None

    @property
    def target(self) -> str:
        return self.digest.project.channel_id


@dataclass(frozen=True)
class PortfolioDue:
    """A workspace's weekly portfolio for one channel, keyed
    `portfolio:<team>:<channel>:<local day>`; `rows` as `/pmo portfolio` shows them."""

    key: str
    workspace_id: int
    team_id: str
    channel_id: str
    local_day: date
    rows: tuple[PortfolioRow, ...]
    # Private projects (or ones Slack has not described yet) left out: the channel's readers
    # may not be their members (bot.services.access).
    left_out: int = 0

    @property
    def target(self) -> str:
        return self.channel_id


@dataclass(frozen=True)
class ChannelLostDue:
    """The one DM telling whoever set a channel up that the bot can no longer post there."""

    key: str
    workspace_id: int
    team_id: str
    user_id: str
    channel_id: str
    local_day: date
    error: str  # Slack's word for it: not_in_channel, channel_not_found, is_archived
    project_name: str | None = None

    @property
    def target(self) -> str:
        return self.user_id


Due = (
    ReminderDue
    | EscalationDue
    | StandupPromptDue
    | StandupSummaryDue
    | DigestDue
    | PortfolioDue
    | ChannelLostDue
)


# -- standup settings and reports (`/standup`) ---------------------------------------------------

STANDUP_QUESTIONS_MAX = 5
STANDUP_QUESTION_MAX_LEN = 150
STANDUP_MEMBERS_MAX = 100  # people named with `/standup members @a @b …`

# A blocker answer that says there is none ("no", "none", "nothing blocking", "n/a", "-").
_NO_BLOCKER = re.compile(
    r"(no|nope|none|nothing|nil|nada|n/?a|-+|all good|all fine|not blocked|not really|"
    r"no blockers?|none so far|nothing (so far|blocking( me)?|at the moment|right now))"
    r"[\s.!,:)]*(thanks|thank you)?[\s.!]*"
)


def blocker_answer(standup: StandupConfig, answers: tuple[str, ...]) -> str | None:
    """The answer to the standup's blocker question when it names a blocker, else None."""
    index = standup.blocker_index()
    if index is None or index >= len(answers):
        return None
    text = " ".join(answers[index].split())
    if not text or _NO_BLOCKER.fullmatch(text.lower()):
        return None
    return text


@dataclass(frozen=True)
class StandupChange:
    """The outcome of `/standup at|days|questions|members|on|off|now`: the standup as it is now.

    `changes` maps each setting changed (`time`, `days`, `questions`, `members`, `enabled`,
    `now`) to [old, new] as shown to people; empty when nothing changed (and not `created`).
    `members_unread` is True when the channel's members were to be read and Slack said no.
    """

    standup: StandupConfig
    actor_id: str
    created: bool = False
    changes: dict[str, list[str]] = field(default_factory=dict)
    members_unread: bool = False


@dataclass(frozen=True)
class StandupEntry:
    """One person's answers on a standup day; `blocker` is their blocker answer, if any."""

    user_id: str
    answers: tuple[str, ...]
    answered_at: datetime
    blocker: str | None = None


@dataclass(frozen=True)
class StandupReport:
    """`/standup report`: a day's answers, blockers first, and who was asked but didn't answer
    (`missing`), apart from those away that day (`away`). Who is asked is read as it is now."""

    standup: StandupConfig
    day: date
    today: date
    entries: tuple[StandupEntry, ...]
    missing: tuple[str, ...]
    away: tuple[str, ...]
    holiday: bool = False

    @property
    def is_standup_day(self) -> bool:
        return self.day.weekday() in self.standup.days or self.standup.run_now_on == self.day

    @property
    def blockers(self) -> int:
        return sum(1 for entry in self.entries if entry.blocker)
