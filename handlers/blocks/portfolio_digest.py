"""Pure rendering of the weekly portfolio digest: the message posted in its channel (the rows
of `/pmo portfolio` under a dated header), and the answers of `/pmo portfolio digest …`."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import HeaderBlock

from bot.dates import format_day
from bot.domain import PortfolioDue
from bot.portfolio_domain import PortfolioDigestChange, PortfolioDigestSettings
from handlers.blocks.limits import Drawable
from handlers.blocks.projects import portfolio_blocks, portfolio_summary
from handlers.blocks.reply import Reply, as_dicts, context, section
from handlers.blocks.text import Viewer, escape, mention, plural, when

SHOWN_MAX = 40  # digests listed by `/pmo portfolio digest`; one per channel, so rarely many
POINTER = (
    "`/pmo portfolio` shows this any time · `/pmo portfolio digest` shows or changes where "
    "and when it goes out"
)
HINT = (
    "`/pmo portfolio digest #channel friday 16:00` posts it weekly there (your time zone) · "
    "`/pmo portfolio digest off #channel` stops it"
)


PRIVATE = "a private project is shown only to its own channel's members."


def render_portfolio_due(due: PortfolioDue) -> tuple[str, list[dict[str, Any]]]:
    """The weekly portfolio posted in its channel (the tick's renderer)."""
    title = f"Weekly portfolio — {format_day(due.local_day)}"
    blocks: list[Drawable] = [HeaderBlock(text=title), *portfolio_blocks(due.rows)]
    if due.left_out:
        blocks.append(context(f"{plural(due.left_out, 'private project')} left out: {PRIVATE}"))
    blocks.append(context(POINTER))
    return portfolio_summary(due.rows, title), as_dicts(blocks)


def _when(settings: PortfolioDigestSettings) -> str:
    return f"{settings.day_name}s at {settings.at:%H:%M} ({escape(settings.timezone)})"


def render_portfolio_digests(digests: tuple[PortfolioDigestSettings, ...], viewer: Viewer) -> Reply:
    """`/pmo portfolio digest`: where and when each weekly portfolio goes (ephemeral)."""
    if not digests:
        text = "No weekly portfolio digest is set in this workspace yet."
        return Reply(text, as_dicts([section(text), context(HINT)]))
    lines = [
        f"• <#{d.channel_id}> — {_when(d)}, set by {mention(d.created_by)}; "
        f"next {when(d.next_at, viewer)}"
        for d in digests[:SHOWN_MAX]
    ]
    if len(digests) > SHOWN_MAX:
        lines.append(f"…and {len(digests) - SHOWN_MAX} more channels")
    text = "*Weekly portfolio digest*\n" + "\n".join(lines)
    fallback = f"Weekly portfolio digest: {len(digests)} channel(s)"
    return Reply(fallback, as_dicts([section(text), context(HINT)]))


def render_portfolio_digest_change(change: PortfolioDigestChange, viewer: Viewer) -> Reply:
    """A new, moved or stopped digest is announced in the channel; no change answers the
    caller alone."""
    settings, who = change.settings, mention(change.actor_id)
    where = f"<#{settings.channel_id}>"
    if change.stopped:
        text = f":no_entry_sign: {who} stopped the weekly portfolio digest in {where}."
        return Reply(text, as_dicts([section(text)]), in_channel=True)
    if not (change.created or change.changes):
        text = (
            f":information_source: Nothing to change: the portfolio already goes to {where} "
            f"on {_when(settings)}."
        )
        return Reply(text, as_dicts([section(text)]))
    verb = "will post" if change.created else "moved"
    text = (
        f":newspaper: {who} {verb} the weekly portfolio in {where}: *{_when(settings)}*. "
        f"Next: {when(settings.next_at, viewer)}."
    )
    note = "If I'm not in that channel yet, invite me there (`/invite @PMO Bot`)."
    return Reply(text, as_dicts([section(text), context(note)]), in_channel=True)
