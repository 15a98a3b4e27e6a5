"""`/standup`: a channel's standup settings, asking everyone now, and a day's report.

The standup belongs to the channel it is set up in (one per channel per workspace). Each
use-case is one transaction scoped by the actor's workspace; days are the actor's own. The
scheduler (`bot.services.standup_schedule`) prompts, nudges and sums up; the answers are
written by `bot.services.standup_answers`; this module only configures and reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.dates import format_day
from bot.deps import Deps
from bot.domain import (
    DEFAULT_QUESTIONS,
    STANDUP_MEMBERS_MAX,
    STANDUP_QUESTION_MAX_LEN,
    STANDUP_QUESTIONS_MAX,
    Actor,
    StandupChange,
    StandupConfig,
    StandupEntry,
    StandupReport,
    blocker_answer,
)
from bot.errors import NotFound, UserError
from bot.services.scope import workspace_id
from bot.services.settings import local_today
from bot.services.standup_rows import days_text, to_config
from storage.models import Standup, StandupAnswer
from storage.repositories import calendars, projects, workspaces
from storage.repositories.dialect import upsert

QUESTIONS_MAX = STANDUP_QUESTIONS_MAX
QUESTION_MAX_LEN = STANDUP_QUESTION_MAX_LEN
MEMBERS_MAX = STANDUP_MEMBERS_MAX
WEEKDAYS_ONLY = (0, 1, 2, 3, 4)
NUDGE_MINUTES = 120
CUTOFF_MINUTES = 240
LIST, CHANNEL = "list", "channel"

NO_STANDUP = (
    "This channel has no standup yet. Start one with `/standup at 09:30` "
    "(weekdays, at that time in each member's own time zone)."
)
NOT_A_CHANNEL = (
    "A standup belongs to a channel: run `/standup` in the channel whose team it is for, "
    "not in a direct message."
)


def settings(deps: Deps, actor: Actor) -> StandupConfig | None:
    """`/standup`: the channel's standup to show, if it has one (refused in a DM)."""
    _refuse_direct_message(actor)
    return standup_for_channel(deps, actor)


def standup_for_channel(deps: Deps, actor: Actor) -> StandupConfig | None:
    """The standup of the actor's channel, if it has one."""
    with deps.db.read() as session:
        ws = workspaces.find(session, actor.team_id)
        row = _standup(session, ws, actor.channel_id) if ws is not None else None
        return to_config(row, actor.team_id) if row is not None else None


def configure(
    deps: Deps,
    actor: Actor,
    *,
    at: time | None = None,
    days: Sequence[int] | None = None,
    questions: Sequence[str] | None = None,
    members: Sequence[str] | None = None,
    members_mode: str | None = None,
    enabled: bool | None = None,
) -> StandupChange:
    """Create the channel's standup (`at` is needed then) or change its settings.

    A new standup asks the default questions of everyone in the channel on weekdays, in the
    caller's time zone's calendar. `members` (people's ids) sets the list mode; `members_mode`
    `channel` asks the channel's members, read from Slack now and by the scheduler each day.
    A value the standup already has changes nothing (empty `changes`).
    """
    _refuse_direct_message(actor)
    day_set = _check_days(days)
    asked = _check_questions(questions)
    people = _check_members(members, members_mode)
    mode = LIST if people is not None else members_mode
    now = deps.clock.now()
    existing = standup_for_channel(deps, actor)
    if existing is None and at is None:
        raise NotFound(NO_STANDUP)
    # Slack is asked before the transaction, so no lock is held across the network call.
    read: list[str] | None = None
    if mode == CHANNEL or existing is None:
        read = deps.slack.channel_members(actor.channel_id)
    with deps.db.write() as session:
        ws = workspace_id(session, actor, now)
        row = _standup(session, ws, actor.channel_id, lock=True)
        created = False
        if row is None:
            if at is None:
                raise NotFound(NO_STANDUP)
            row, created = _create(session, ws, actor, at, now)
        changes: dict[str, list[str]] = {}
        if at is not None:
            _set(changes, "time", row.at_time, at.strftime("%H:%M"))
            row.at_time = at.strftime("%H:%M")
        if day_set is not None:
            _set(changes, "days", row.days, days_text(day_set))
            row.days = days_text(day_set)
        if asked is not None and list(asked) != list(row.questions):
            changes["questions"] = [str(len(row.questions)), str(len(asked))]
            row.questions = list(asked)
        unread = False
        if mode is not None or created:
            unread = _set_members(row, changes, mode or row.members_mode, people, read, now)
        if enabled is not None and enabled != row.enabled:
            changes["enabled"] = [_on_off(row.enabled), _on_off(enabled)]
            row.enabled = enabled
        if created:
            changes.clear()  # a new standup is announced whole, not as changes
        if changes or created:
            row.updated_at = now
        session.flush()
        config = to_config(row, actor.team_id)
        return StandupChange(config, actor.user_id, created, changes, unread)


def run_now(deps: Deps, actor: Actor) -> StandupChange:
    """Ask everyone today, now: the scheduler prompts each member at once on the actor's day,
    once (its delivery keys make a second `/standup now` the same day send nothing more)."""
    _refuse_direct_message(actor)
    today = local_today(deps, actor)
    now = deps.clock.now()
    with deps.db.write() as session:
        ws = workspace_id(session, actor, now)
        row = _standup(session, ws, actor.channel_id, lock=True)
        if row is None:
            raise NotFound(NO_STANDUP)
        if not row.enabled:
            raise UserError("This channel's standup is off: `/standup on` starts it again first.")
        changes: dict[str, list[str]] = {}
        if row.run_now_on != today:
            old = row.run_now_on.isoformat() if row.run_now_on else ""
            changes["now"] = [old, today.isoformat()]
            row.run_now_on = today
            row.updated_at = now
        session.flush()
        return StandupChange(to_config(row, actor.team_id), actor.user_id, changes=changes)


def report(deps: Deps, actor: Actor, day: date) -> StandupReport:
    """The answers given on `day` (a standup day is each member's own date), blockers first,
    and who is asked but has not answered, apart from those away that day."""
    _refuse_direct_message(actor)
    today = local_today(deps, actor)
    if day > today:
        shown = format_day(day, today=today)
        raise UserError(f"{shown} hasn't happened yet: a report is for today or a day before.")
    with deps.db.read() as session:
        ws = workspaces.find(session, actor.team_id)
        row = _standup(session, ws, actor.channel_id) if ws is not None else None
        if ws is None or row is None:
            raise NotFound(NO_STANDUP)
        standup = to_config(row, actor.team_id)
        rows = session.scalars(
            select(StandupAnswer)
            .where(
                StandupAnswer.workspace_id == ws,
                StandupAnswer.standup_id == row.id,
                StandupAnswer.day == day,
            )
            .order_by(StandupAnswer.created_at, StandupAnswer.id)
        ).all()
        answered = {answer.user_id for answer in rows}
        expected = [user for user in dict.fromkeys(standup.members) if user not in answered]
        away = calendars.away_spans(session, ws, expected, day, day)
        project = projects.by_channel(session, ws, actor.channel_id)
        project_id = project.id if project is not None else None
        holiday = bool(calendars.holiday_days(session, ws, project_id, day, day))
    entries = [_entry(standup, answer) for answer in rows]
    entries.sort(key=lambda entry: entry.blocker is None)  # stable: blockers first, then in order
    return StandupReport(
        standup=standup,
        day=day,
        today=today,
        entries=tuple(entries),
        missing=tuple(user for user in expected if user not in away),
        away=tuple(user for user in expected if user in away),
        holiday=holiday,
    )


# -- validation ------------------------------------------------------------------------------------


def _refuse_direct_message(actor: Actor) -> None:
    if actor.channel_id.startswith("D"):
        raise UserError(NOT_A_CHANNEL)


def _check_days(days: Sequence[int] | None) -> tuple[int, ...] | None:
    if days is None:
        return None
    chosen = tuple(sorted(set(days)))
    if not chosen or any(not 0 <= day <= 6 for day in chosen):
        raise UserError("Say on which days, such as `weekdays`, `daily` or `mon,wed,fri`.")
    return chosen


def _check_questions(questions: Sequence[str] | None) -> tuple[str, ...] | None:
    if questions is None:
        return None
    asked = tuple(" ".join(question.split()) for question in questions)
    if not 1 <= len(asked) <= QUESTIONS_MAX:
        raise UserError(f"A standup asks 1 to {QUESTIONS_MAX} questions, not {len(asked)}.")
    for number, question in enumerate(asked, start=1):
        if not question:
            raise UserError(f"Question {number} is empty.")
        if len(question) > QUESTION_MAX_LEN:
            raise UserError(
                f"Question {number} is {len(question)} characters; the most is {QUESTION_MAX_LEN}."
            )
    return asked


def _check_members(members: Sequence[str] | None, mode: str | None) -> tuple[str, ...] | None:
    if mode not in (None, LIST, CHANNEL):
        raise ValueError(f"members_mode is {LIST!r} or {CHANNEL!r}, not {mode!r}")
    if members is None:
        if mode == LIST:
            raise UserError("Name the people to ask, as @-mentions.")
        return None
    if mode == CHANNEL:
        raise UserError("Name people, or ask the whole channel: not both.")
    people = tuple(dict.fromkeys(members))
    if not people:
        raise UserError("Name the people to ask, as @-mentions, or say `channel`.")
    if len(people) > MEMBERS_MAX:
        raise UserError(
            f"That's {len(people)} people; a list holds at most {MEMBERS_MAX}. "
            "For a bigger team, ask the whole channel: `/standup members channel`."
        )
    return people


# -- rows ------------------------------------------------------------------------------------------


def _standup(session: Session, ws: int, channel_id: str, *, lock: bool = False) -> Standup | None:
    stmt = select(Standup).where(Standup.workspace_id == ws, Standup.channel_id == channel_id)
    # PostgreSQL locks the row until the change commits; SQLite's write transaction already
    # holds the database lock (SQLAlchemy leaves FOR UPDATE out there).
    return session.scalar(stmt.with_for_update() if lock else stmt)


def _create(
    session: Session, ws: int, actor: Actor, at: time, now: datetime
) -> tuple[Standup, bool]:
    """Insert the channel's standup unless someone just did; the row, and whether it is ours."""
    values = {
        "workspace_id": ws,
        "channel_id": actor.channel_id,
        "enabled": True,
        "at_time": at.strftime("%H:%M"),
        "days": days_text(WEEKDAYS_ONLY),
        "questions": list(DEFAULT_QUESTIONS),
        "members_mode": CHANNEL,
        "members": [],
        "members_read_on": None,
        "nudge_minutes": NUDGE_MINUTES,
        "cutoff_minutes": CUTOFF_MINUTES,
        "timezone": actor.timezone,
        "run_now_on": None,
        "created_by": actor.user_id,
        "created_at": now,
        "updated_at": now,
    }
    inserted = session.scalar(
        upsert(session, Standup).values(values).on_conflict_do_nothing().returning(Standup.id)
    )
    row = _standup(session, ws, actor.channel_id, lock=True)
    assert row is not None
    return row, inserted is not None


def _set_members(
    row: Standup,
    changes: dict[str, list[str]],
    mode: str,
    people: tuple[str, ...] | None,
    read: list[str] | None,
    now: datetime,
) -> bool:
    """Set who is asked; True when the channel's members were wanted but could not be read."""
    before = _members_words(row.members_mode, row.members)
    if mode == LIST:
        assert people is not None
        row.members_mode, row.members, row.members_read_on = LIST, list(people), None
        _set(changes, "members", before, _members_words(LIST, people))
        return False
    changed = row.members_mode != CHANNEL
    row.members_mode = CHANNEL
    if read is not None:
        row.members = list(dict.fromkeys(read))
        row.members_read_on = now.astimezone(ZoneInfo(row.timezone)).date()
    elif changed:
        row.members, row.members_read_on = [], None  # never read: the scheduler reads them
    if changed:
        changes["members"] = [before, _members_words(CHANNEL, row.members)]
    return read is None


def _members_words(mode: str, members: Sequence[str]) -> str:
    if mode == CHANNEL:
        return "everyone in the channel"
    return ", ".join(f"<@{user}>" for user in members)


def _set(changes: dict[str, list[str]], name: str, old: str, new: str) -> None:
    if old != new:
        changes[name] = [old, new]


def _on_off(enabled: bool) -> str:
    return "on" if enabled else "off"


def _entry(standup: StandupConfig, row: StandupAnswer) -> StandupEntry:
    answers = tuple(str(answer) for answer in row.answers)
    return StandupEntry(row.user_id, answers, row.created_at, blocker_answer(standup, answers))
