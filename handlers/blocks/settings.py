"""Pure rendering of a project's reminder settings, holidays and people's time away."""

from __future__ import annotations

from datetime import date

from bot.domain import (
    AwayChange,
    AwaySpan,
    AwayStatus,
    HolidayChange,
    HolidayEntry,
    HolidayList,
    ProjectRef,
    ReminderSettings,
    SettingsChange,
)
from handlers.blocks.limits import Drawable
from handlers.blocks.reply import Reply, as_dicts, context, section
from handlers.blocks.text import Viewer, escape, escape_clip, mention, plural, when

HOLIDAY_NAME_SHOWN = 80
SETTINGS_HINT = (
    "Change with `/pmo reminders on|off`, `/pmo reminders time 09:30` or "
    "`/pmo reminders escalate 5`; days off with `/pmo holiday add &lt;date&gt; [name] [all]`."
)
AWAY_HINT = "`/pmo away friday` or `/pmo away monday to friday` sets it; `/pmo away off` ends it."


def _name(project: ProjectRef) -> str:
    return f"*{escape(project.name)}*"


def _day(day: date, viewer: Viewer) -> str:
    return when(day, viewer)


def _weekend_note(day: date) -> str:
    return " It's a weekend day anyway." if day.weekday() >= 5 else ""


# -- reminder settings ---------------------------------------------------------------------------


def render_reminder_settings(settings: ReminderSettings, viewer: Viewer) -> Reply:
    """`/pmo reminders`: the settings and the next holidays (ephemeral)."""
    project = settings.project
    state = "*on*" if settings.enabled else "*off*"
    lines = [
        f"• Owners' daily reminders: {state}, at *{settings.at:%H:%M}* in each owner's own "
        "time zone, on working days (not weekends, holidays or days they're away)",
        f"• Escalation: an action *{plural(settings.escalation_days, 'working day')}* overdue "
        f"is raised once in <#{project.channel_id}>, mentioning its owner",
        f"• Project time zone: {escape(project.timezone)}",
        f"• Upcoming holidays: {_holiday_summary(settings.holidays, viewer)}",
    ]
    text = f"{_name(project)} — reminders and escalation\n" + "\n".join(lines)
    fallback = (
        f"{escape(project.name)}: reminders {'on' if settings.enabled else 'off'} at "
        f"{settings.at:%H:%M}, escalation after {plural(settings.escalation_days, 'working day')}"
    )
    return Reply(fallback, as_dicts([section(text), context(SETTINGS_HINT)]))


def _holiday_summary(listing: HolidayList, viewer: Viewer) -> str:
    if not listing.holidays:
        return "none"
    shown = "; ".join(_holiday_words(h, viewer) for h in listing.holidays)
    rest = listing.total - len(listing.holidays)
    more = f"; …and {rest} more (`/pmo holiday list`)" if rest > 0 else ""
    return shown + more


def render_settings_change(change: SettingsChange, viewer: Viewer) -> Reply:
    """A changed setting is announced in the channel; an unchanged one answers the caller."""
    settings = change.settings
    name = _name(settings.project)
    if not change.changes:
        text = f":information_source: Nothing to change: {name}'s {_current(change)}."
        return Reply(text, as_dicts([section(text)]))
    who = mention(change.actor_id)
    lines = []
    if "reminders" in change.changes:
        if settings.enabled:
            lines.append(
                f":bell: {who} turned owners' daily reminders *on* for {name}: at "
                f"{settings.at:%H:%M} in each owner's time zone, on working days."
            )
        else:
            lines.append(f":no_bell: {who} turned owners' daily reminders *off* for {name}.")
    if "time" in change.changes:
        old, new = change.changes["time"]
        off = "" if settings.enabled else " (they are off: `/pmo reminders on` starts them)"
        lines.append(
            f":alarm_clock: {who} moved {name}'s daily reminders from {old} to *{new}*, "
            f"in each owner's time zone{off}."
        )
    if "escalation" in change.changes:
        old, new = change.changes["escalation"]
        lines.append(
            f":rotating_light: {who} set {name} to raise actions "
            f"*{plural(int(new), 'working day')}* overdue in <#{settings.project.channel_id}> "
            f"(was {old})."
        )
    text = "\n".join(lines)
    return Reply(text, as_dicts([section(text)]), in_channel=True)


def _current(change: SettingsChange) -> str:
    settings = change.settings
    state = "on" if settings.enabled else "off"
    return (
        f"reminders are already {state} at {settings.at:%H:%M}, escalating after "
        f"{plural(settings.escalation_days, 'working day')}"
    )


# -- holidays ------------------------------------------------------------------------------------


def _holiday_words(holiday: HolidayEntry, viewer: Viewer) -> str:
    parts = [_day(holiday.day, viewer)]
    if holiday.name:
        parts.append(f"— {escape_clip(holiday.name, HOLIDAY_NAME_SHOWN)}")
    if holiday.workspace_wide:
        parts.append("_(whole workspace)_")
    return " ".join(parts)


def _whose(holiday: HolidayEntry) -> str:
    return "the whole workspace" if holiday.project is None else _name(holiday.project)


def render_holidays(listing: HolidayList, viewer: Viewer) -> Reply:
    """`/pmo holiday list`: upcoming holidays, soonest first (ephemeral)."""
    whose = _name(listing.project) if listing.project else "this workspace"
    if not listing.holidays:
        text = (
            f"No upcoming holidays for {whose}. Add one with "
            "`/pmo holiday add &lt;date&gt; [name]` (`all` for the whole workspace)."
        )
        return Reply(text, as_dicts([section(text)]))
    lines = [f"• {_holiday_words(h, viewer)}" for h in listing.holidays]
    blocks: list[Drawable] = [
        section(f":palm_tree: *Upcoming holidays* for {whose}\n" + "\n".join(lines))
    ]
    rest = listing.total - len(listing.holidays)
    notes = []
    if rest > 0:
        notes.append(f"…and {plural(rest, 'more holiday')} after these.")
    if listing.project is None:
        notes.append("This channel has no project: only the workspace's holidays are shown.")
    notes.append("Nobody is prompted or pinged on these days.")
    blocks.append(context(" ".join(notes)))
    fallback = f"Upcoming holidays: {plural(listing.total, 'day')}"
    return Reply(fallback, as_dicts(blocks))


def render_holiday_change(change: HolidayChange, viewer: Viewer) -> Reply:
    """Added or removed: announced in the channel. Already there: told to the caller only."""
    holiday = change.holiday
    day = _day(holiday.day, viewer)
    if change.verb == "exists":
        existing = change.existing or holiday
        named = f" ({escape_clip(existing.name, HOLIDAY_NAME_SHOWN)})" if existing.name else ""
        text = (
            f":information_source: {day} is already a holiday for {_whose(existing)}{named}; "
            "nothing changed."
        )
        return Reply(text, as_dicts([section(text)]))
    named = f" ({escape_clip(holiday.name, HOLIDAY_NAME_SHOWN)})" if holiday.name else ""
    who = mention(change.actor_id)
    if change.verb == "removed":
        text = (
            f":spiral_calendar_pad: {who} made {day} an ordinary day again for "
            f"{_whose(holiday)}{named}."
        )
    else:
        text = (
            f":palm_tree: {who} made {day} a holiday for {_whose(holiday)}{named}: nobody is "
            f"prompted or pinged that day.{_weekend_note(holiday.day)}"
        )
    return Reply(text, as_dicts([section(text)]), in_channel=True)


# -- away ----------------------------------------------------------------------------------------


def _span(span: AwaySpan, viewer: Viewer) -> str:
    if span.starts_on == span.ends_on:
        return _day(span.starts_on, viewer)
    return f"{_day(span.starts_on, viewer)} – {_day(span.ends_on, viewer)}"


def _span_line(span: AwaySpan, status: AwayStatus, viewer: Viewer) -> str:
    if span.starts_on <= status.today:
        return f"now, until {_day(span.ends_on, viewer)} inclusive"
    return f"{_span(span, viewer)} ({plural(span.days, 'day')})"


def render_away(status: AwayStatus, viewer: Viewer) -> Reply:
    """`/pmo away`: the caller's current and upcoming time away (ephemeral)."""
    if not status.periods:
        text = f"You have no time away set. {AWAY_HINT}"
        return Reply(text, as_dicts([section(text)]))
    return Reply(_away_text(status, viewer), as_dicts(_away_blocks(status, viewer)))


def _away_text(status: AwayStatus, viewer: Viewer) -> str:
    current = status.current
    if current is not None:
        return f"You're away until {_day(current.ends_on, viewer)}"
    return f"Your time away: {plural(status.total, 'period')}"


def _away_blocks(status: AwayStatus, viewer: Viewer) -> list[Drawable]:
    lines = [f"• {_span_line(span, status, viewer)}" for span in status.periods]
    rest = status.total - len(status.periods)
    if rest > 0:
        lines.append(f"…and {plural(rest, 'more period')}")
    return [
        section(":desert_island: *Your time away*\n" + "\n".join(lines)),
        context(f"No reminders, prompts or pings on these days. {AWAY_HINT}"),
    ]


def render_away_change(change: AwayChange, viewer: Viewer) -> Reply:
    """Time away set or ended: only the caller sees it."""
    status = change.status
    if change.verb in ("added", "merged", "covered") and change.span is not None:
        span = f"{_span(change.span, viewer)} ({plural(change.span.days, 'day')})"
        if change.verb == "covered":
            text = f":information_source: You're already away then: {span}. Nothing changed."
        elif change.verb == "merged":
            text = (
                f":desert_island: You're away {span}, joined with the time away you had "
                "already set: no reminders, prompts or pings then."
            )
        else:
            text = f":desert_island: You're away {span}: no reminders, prompts or pings then."
    elif change.verb == "ended":
        parts = []
        if change.cut:
            parts.append("your current time away is over")
        if change.cancelled:
            parts.append(f"{plural(change.cancelled, 'upcoming period')} cancelled")
        text = ":wave: Welcome back: " + " and ".join(parts) + "."
    else:
        text = f"You had no current or upcoming time away; nothing changed. {AWAY_HINT}"
    blocks: list[Drawable] = [section(text)]
    if status.periods and change.verb != "ended":
        others = "; ".join(_span_line(span, status, viewer) for span in status.periods)
        more = status.total - len(status.periods)
        tail = f"; …and {more} more" if more > 0 else ""
        blocks.append(context(f"All your time away: {others}{tail}. `/pmo away off` ends it."))
    return Reply(text, as_dicts(blocks))
