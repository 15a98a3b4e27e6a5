"""Pure rendering of a channel's standup: its settings, their changes, and a day's report."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import HeaderBlock

from bot.dates import format_day
from bot.domain import WEEKDAYS, StandupChange, StandupConfig, StandupEntry, StandupReport
from handlers.blocks.limits import Drawable
from handlers.blocks.reply import Reply, as_dicts, context, section
from handlers.blocks.text import Viewer, escape, escape_clip, mention, plural, when
from handlers.usage import standup_overview

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MEMBERS_SHOWN = 30  # in the settings and announcements
PEOPLE_SHOWN = 60  # in a report's "not answered" and "away" lines
QUESTION_SHOWN = 160  # escaped; questions are at most 150 characters as typed
ANSWER_SHOWN_MAX = 360  # each answer in a report, escaped, when few people answered
ANSWER_SHOWN_MIN = 60  # ... and when many did
ENTRY_OVERHEAD = 90  # a person's line in a report: mention, time, numbers
ENTRIES_TEXT_MAX = 9_000  # a report's answers in all: Slack takes 12,000 in a message's blocks
ENTRIES_MAX = 40  # sections of answers in a report: Slack takes 50 blocks in a message
SETTINGS_HINT = (
    '`/standup at 09:30 mon,wed,fri` moves it · `/standup questions "…" | "…"` · '
    "`/standup members @a @b` or `channel` · `/standup now` asks everyone now · "
    "`/standup report` shows today's answers · `/standup off` pauses it"
)
UNREAD_NOTE = (
    ":warning: I can't see who is in this channel yet; in a private channel, invite me with "
    "`/invite @PMO Bot`. I'll look again before each standup."
)


# -- words ---------------------------------------------------------------------------------------


def days_label(days: Sequence[int]) -> str:
    """`weekdays`, `every day`, `weekends`, or `Mon, Wed, Fri`."""
    chosen = tuple(sorted(set(days)))
    if chosen == (0, 1, 2, 3, 4):
        return "weekdays"
    if chosen == tuple(range(7)):
        return "every day"
    if chosen == (5, 6):
        return "weekends"
    return ", ".join(DAY_NAMES[day] for day in chosen)


def _stored_days(text: str) -> tuple[int, ...]:
    return tuple(WEEKDAYS.index(day) for day in text.split(",") if day in WEEKDAYS)


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not rest:
        return plural(hours, "hour")
    return f"{hours} h {rest} min" if hours else f"{rest} min"


def _people(user_ids: Sequence[str], shown: int) -> str:
    names = ", ".join(mention(user) for user in user_ids[:shown])
    rest = len(user_ids) - shown
    return names + (f" and {rest} more" if rest > 0 else "")


def members_label(standup: StandupConfig) -> str:
    """Who is asked: the people named, or everyone in the channel (with the last count)."""
    if standup.members_mode == "channel":
        if not standup.members:
            return "everyone in this channel"
        return f"everyone in this channel ({plural(len(standup.members), 'member')} now)"
    if not standup.members:
        return "nobody yet"
    return _people(standup.members, MEMBERS_SHOWN)


def _questions(questions: Sequence[str]) -> str:
    return "\n".join(
        f"{number}. {escape_clip(question, QUESTION_SHOWN)}"
        for number, question in enumerate(questions, start=1)
    )


def _when(standup: StandupConfig) -> str:
    return (
        f"at *{standup.at_time:%H:%M}* in each person's own time zone, "
        f"{_on(days_label(standup.days))}"
    )


def _on(days: str) -> str:
    return days if days in ("weekdays", "every day", "weekends") else f"on {days}"


# -- settings ------------------------------------------------------------------------------------


def render_standup(standup: StandupConfig | None, viewer: Viewer, *, help: bool = False) -> Reply:
    """`/standup`: the channel's standup settings, or how to start one (ephemeral); `help`
    adds every /standup command."""
    if standup is None:
        text = (
            "This channel has no standup yet. Start one with `/standup at 09:30`: each member "
            "is asked by DM at that time in their own time zone, on weekdays, three questions "
            "(what they did, what's next, what's blocking them); the answers gather in a "
            "thread here."
        )
        blocks: list[Drawable] = [section(text)]
    else:
        text = f"Standup: {standup.at_time:%H:%M}, {days_label(standup.days)}"
        blocks = _settings_blocks(standup, viewer)
    if help:
        overview = standup_overview()
        blocks.append(section(f"*/standup — {overview.summary}*\n{escape(overview.usage)}"))
    elif standup is not None:
        blocks.append(context(SETTINGS_HINT))
    return Reply(text, as_dicts(blocks))


def _settings_blocks(standup: StandupConfig, viewer: Viewer) -> list[Drawable]:
    state = "*on*" if standup.enabled else "*paused* (`/standup on` resumes it)"
    lines = [
        f"• When: {_when(standup)}",
        f"• Who: {members_label(standup)}",
        f"• Questions:\n{_questions(standup.questions)}",
        f"• A nudge {_duration(standup.nudge_minutes)} after the prompt to those who haven't "
        f"answered; the summary {_duration(standup.cutoff_minutes)} after it",
    ]
    if standup.run_now_on == viewer.today:
        lines.append("• Today everyone was asked at once, with `/standup now`")
    heading = f":sunrise: *Standup in <#{standup.channel_id}>* — {state}"
    return [section(heading + "\n" + "\n".join(lines))]


# -- changes -------------------------------------------------------------------------------------


def render_standup_change(change: StandupChange, viewer: Viewer) -> Reply:
    """A new or changed standup is announced in the channel; no change answers the caller."""
    standup = change.standup
    who = mention(change.actor_id)
    if change.created:
        return _created(change, who)
    if not change.changes:
        text = (
            f":information_source: Nothing to change: this channel's standup runs "
            f"{_when(standup)}, asking {plural(len(standup.questions), 'question')} of "
            f"{members_label(standup)}."
        )
        blocks = [section(text)]
        if change.members_unread and standup.members_mode == "channel":
            blocks.append(context(UNREAD_NOTE))
        return Reply(text, as_dicts(blocks))
    lines = _change_lines(change, who)
    text = "\n".join(lines)
    blocks = [section(text)]
    if change.members_unread and standup.members_mode == "channel":
        blocks.append(context(UNREAD_NOTE))
    return Reply(text, as_dicts(blocks), in_channel=True)


def _created(change: StandupChange, who: str) -> Reply:
    standup = change.standup
    text = (
        f":sunrise: {who} started a standup for this channel: everyone asked gets a DM "
        f"{_when(standup)}, and the answers gather in a thread here.\n"
        f"*Who:* {members_label(standup)}\n*Questions:*\n{_questions(standup.questions)}"
    )
    blocks = [section(text), context(SETTINGS_HINT)]
    if change.members_unread and standup.members_mode == "channel":
        blocks.append(context(UNREAD_NOTE))
    return Reply(text, as_dicts(blocks), in_channel=True)


def _change_lines(change: StandupChange, who: str) -> list[str]:
    standup, changes = change.standup, change.changes
    paused = "" if standup.enabled else " It is paused: `/standup on` resumes it."
    lines = []
    if "time" in changes:
        old, new = changes["time"]
        lines.append(
            f":alarm_clock: {who} moved this channel's standup from {old} to *{new}*, in each "
            f"person's own time zone, {_on(days_label(standup.days))}.{paused}"
        )
    if "days" in changes:
        old, new = (days_label(_stored_days(days)) for days in changes["days"])
        lines.append(
            f":spiral_calendar_pad: {who} set this channel's standup to run {_on(new)} "
            f"(was {old}).{'' if 'time' in changes else paused}"
        )
    if "questions" in changes:
        lines.append(
            f":memo: {who} changed the standup's questions:\n{_questions(standup.questions)}"
        )
    if "members" in changes:
        lines.append(
            f":busts_in_silhouette: {who} set who is asked in the standup: "
            f"{members_label(standup)}."
        )
    if "enabled" in changes:
        if standup.enabled:
            lines.append(f":arrow_forward: {who} resumed this channel's standup: {_when(standup)}.")
        else:
            lines.append(
                f":double_vertical_bar: {who} paused this channel's standup; its settings are "
                "kept (`/standup on` resumes it)."
            )
    return lines


def render_run_now(change: StandupChange, viewer: Viewer) -> Reply:
    """`/standup now`: announced in the channel; a second time the same day tells the caller."""
    standup = change.standup
    day = format_day(standup.run_now_on or viewer.today, today=viewer.today)
    if not change.changes:
        text = (
            f":information_source: Everyone was already asked for today ({day}) with "
            "`/standup now`; nobody is prompted twice. `/standup report` shows who answered."
        )
        return Reply(text, as_dicts([section(text)]))
    text = (
        f":mega: {mention(change.actor_id)} started today's standup now: prompts are on their "
        f"way by DM to {members_label(standup)}. Answers gather in a thread here."
    )
    return Reply(text, as_dicts([section(text)]), in_channel=True)


# -- report --------------------------------------------------------------------------------------


def render_standup_report(report: StandupReport, viewer: Viewer) -> Reply:
    """`/standup report`: a day's answers, blockers first, and who hasn't answered (ephemeral).

    The questions are listed once and each answer carries its question's number. However many
    people answered, the message stays within Slack's limits: answers are cut shorter the
    more there are, and people beyond the room left are counted, not shown.
    """
    day = format_day(report.day, today=viewer.today)
    asked = len(report.entries) + len(report.missing) + len(report.away)
    blocks: list[Drawable] = [
        HeaderBlock(text=f"Standup — {day}"),
        section(_summary(report, asked) + "\n" + _questions(report.standup.questions)),
    ]
    limit = _answer_limit(report.entries)
    blocker = report.standup.blocker_index()
    used = shown = 0
    for entry in report.entries[:ENTRIES_MAX]:
        text = _entry_text(entry, blocker, limit, viewer)
        used += len(text)
        if used > ENTRIES_TEXT_MAX:
            break
        blocks.append(section(text))
        shown += 1
    if shown < len(report.entries):
        rest = len(report.entries) - shown
        people = "person" if rest == 1 else "people"
        blocks.append(context(f"…and {rest} more {people} answered: too many to show here."))
    if not report.entries:
        nobody = "Nobody has answered yet." if report.day == report.today else "Nobody answered."
        blocks.append(section(nobody))
    if report.missing:
        label = "Not answered yet" if report.day == report.today else "Didn't answer"
        blocks.append(section(f":hourglass: *{label}:* {_people(report.missing, PEOPLE_SHOWN)}"))
    if report.away:
        blocks.append(context(f":palm_tree: Away: {_people(report.away, PEOPLE_SHOWN)}"))
    fallback = f"Standup {day}: {len(report.entries)} of {asked} answered"
    if report.blockers:
        fallback += f", {plural(report.blockers, 'blocker')}"
    return Reply(fallback, as_dicts(blocks))


def _summary(report: StandupReport, asked: int) -> str:
    parts = [f"*{len(report.entries)} of {asked}* answered"]
    if report.blockers:
        parts.append(f":rotating_light: {plural(report.blockers, 'blocker')}")
    if report.away:
        parts.append(f"{len(report.away)} away")
    if report.holiday:
        parts.append("a holiday: nobody was prompted")
    elif not report.is_standup_day:
        parts.append(f"not a standup day (it runs {_on(days_label(report.standup.days))})")
    return " · ".join(parts)


def _answer_limit(entries: Sequence[StandupEntry]) -> int:
    """How much of each answer fits when everyone's answers share the message."""
    answers = sum(max(len(entry.answers), 1) for entry in entries) or 1
    per = (ENTRIES_TEXT_MAX - ENTRY_OVERHEAD * len(entries)) // answers
    return max(ANSWER_SHOWN_MIN, min(ANSWER_SHOWN_MAX, per))


def _entry_text(entry: StandupEntry, blocker: int | None, limit: int, viewer: Viewer) -> str:
    flag = ":rotating_light: " if entry.blocker else ""
    lines = [f"{flag}{mention(entry.user_id)} · {when(entry.answered_at, viewer)}"]
    for index, answer in enumerate(entry.answers):
        shown = escape_clip(answer.strip(), limit) if answer.strip() else "—"
        if index == blocker and entry.blocker:
            shown = f":rotating_light: *Blocker:* {shown}"
        lines.append(f"*{index + 1}.* {shown}")
    return "\n".join(lines)
