"""Pure rendering of `/pmo digest` answers: the settings, a change to them, and the note that a
digest is on its way (posted now, or previewed to the person alone)."""

from __future__ import annotations

from bot.digest_domain import DigestSettings, DigestSettingsChange
from bot.domain import ProjectRef
from handlers.blocks.reply import Reply, as_dicts, context, section
from handlers.blocks.text import Viewer, escape, mention, when

HINT = (
    "`/pmo digest schedule friday 16:00` moves it · `off` stops it · `now` posts it · "
    "`preview` shows it only to you · `mentions on|off` pings owners or names them"
)


def _name(project: ProjectRef) -> str:
    return f"*{escape(project.name)}*"


def _when(settings: DigestSettings) -> str:
    return f"{settings.day_name}s at {settings.at:%H:%M} ({escape(settings.project.timezone)})"


def _owners(settings: DigestSettings) -> str:
    if settings.mentions:
        return "owners are @-mentioned (pinged)"
    return "owners are named without a ping (`mentions on` pings them)"


def render_digest_settings(settings: DigestSettings, viewer: Viewer) -> Reply:
    """`/pmo digest`: when it goes out, whether it pings, and the next one (ephemeral)."""
    project = settings.project
    if settings.enabled:
        state = f"*on*, {_when(settings)}, in <#{project.channel_id}>"
        upcoming = f"• Next: {when(settings.next_at, viewer)}" if settings.next_at else ""
    else:
        state = f"*off* (was {_when(settings)}; `/pmo digest on` resumes it)"
        upcoming = ""
    lines = [f"• Weekly digest: {state}", f"• Mentions: {_owners(settings)}"]
    if upcoming:
        lines.append(upcoming)
    text = f"{_name(project)} — weekly digest\n" + "\n".join(lines)
    fallback = f"{escape(project.name)}: weekly digest {'on' if settings.enabled else 'off'}"
    return Reply(fallback, as_dicts([section(text), context(HINT)]))


def render_digest_change(change: DigestSettingsChange, viewer: Viewer) -> Reply:
    """A changed setting is announced in the channel; an unchanged one answers the caller."""
    settings = change.settings
    name = _name(settings.project)
    if not change.changes:
        state = f"on, {_when(settings)}" if settings.enabled else "off"
        text = (
            f":information_source: Nothing to change: {name}'s digest is already {state}; "
            f"{_owners(settings)}."
        )
        return Reply(text, as_dicts([section(text)]))
    who = mention(change.actor_id)
    if settings.enabled and change.changes.keys() & {"digest", "day", "time"}:
        nxt = f" Next: {when(settings.next_at, viewer)}." if settings.next_at else ""
        line = f":newspaper: {who} set {name}'s weekly digest for *{_when(settings)}*.{nxt}"
    elif "digest" in change.changes:
        line = f":no_entry_sign: {who} turned {name}'s weekly digest *off*."
    else:
        line = ""
    lines = [line] if line else []
    if "mentions" in change.changes:
        verb = "*pings* owners" if settings.mentions else "names owners *without a ping*"
        lines.append(f":bell: {who} set {name}'s weekly digest so it {verb}.")
    text = "\n".join(lines)
    return Reply(text, as_dicts([section(text)]), in_channel=True)


def render_digest_coming(settings: DigestSettings, *, preview: bool) -> Reply:
    """The answer to `/pmo digest now|preview`: the digest itself follows in a moment."""
    name = _name(settings.project)
    if preview:
        text = f":eyes: A preview of {name}'s digest of the last 7 days, only for you:"
    else:
        text = (
            f":newspaper: Posting {name}'s digest of the last 7 days in "
            f"<#{settings.project.channel_id}>; details follow in its thread."
        )
    return Reply(text, as_dicts([section(text)]))
