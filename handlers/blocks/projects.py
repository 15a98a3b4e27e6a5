"""Pure rendering of projects, RAG status, the portfolio, help and refusals."""

from __future__ import annotations

from slack_sdk.models.blocks import HeaderBlock

from bot.digest_domain import rag_trend
from bot.domain import PortfolioRow, ProjectRef, ProjectStatus, Rag, ScoreBand, StatusEntry
from bot.errors import UserError
from handlers.blocks.items import score_badge
from handlers.blocks.limits import Drawable
from handlers.blocks.reply import Reply, as_dicts, context, section
from handlers.blocks.text import Viewer, clip, escape, escape_clip, mention, plural, rag_label, when

PORTFOLIO_MAX = 40
PORTFOLIO_TEXT_MAX = 11_000  # Slack refuses a message whose blocks hold over 12,000 characters
RED_AMBER = (Rag.RED, Rag.AMBER)
# The RAG now against 7 days before, in the project digest's words (bot.digest_domain.rag_trend).
TREND = {
    "improving": ":arrow_upper_right:",
    "worsening": ":arrow_lower_right:",
    "steady": ":arrow_right:",
}


def render_project(project: ProjectRef, created: bool, actor_id: str) -> Reply:
    name = escape(project.name)
    if created:
        text = (
            f":tada: {mention(actor_id)} created project *{name}* (`{project.slug}`) "
            "in this channel. "
            "Log the first items with `/risk add …` and `/action add …`; set the RAG with "
            "`/pmo status green`."
        )
        return Reply(text, as_dicts([section(text)]), in_channel=True)
    text = (
        f"This channel is the home of *{name}* (`{project.slug}`). "
        "`/pmo status` shows its RAG; `/risk list` and `/action list` its registers."
    )
    return Reply(text, as_dicts([section(text)]))


def render_status_change(
    project: ProjectRef, entry: StatusEntry, previous: StatusEntry | None
) -> Reply:
    was = f" (was {previous.rag.value})" if previous and previous.rag is not entry.rag else ""
    reason = f": {escape(entry.reason)}" if entry.reason else ""
    text = (
        f"{mention(entry.author_id)} set *{escape(project.name)}* to {rag_label(entry.rag)}"
        f"{was}{reason}"
    )
    return Reply(text, as_dicts([section(text)]), in_channel=True)


def render_status(status: ProjectStatus, viewer: Viewer) -> Reply:
    name = escape(status.project.name)
    if status.current is None:
        hint = "`/pmo status green|amber|red &lt;reason&gt;`"
        text = f"*{name}* has no status yet. Set it with {hint}."
        return Reply(text, as_dicts([section(text)]))
    blocks: list[Drawable] = [section(f"*{name}* is {_entry_line(status.current, viewer)}")]
    if len(status.history) > 1:
        lines = [f"• {_entry_line(entry, viewer)}" for entry in status.history[1:]]
        blocks.append(context("Before that:\n" + "\n".join(lines)))
    return Reply(f"{name}: {status.current.rag.value}", as_dicts(blocks))


def _entry_line(entry: StatusEntry, viewer: Viewer) -> str:
    reason = f" — {escape_clip(entry.reason, 500)}" if entry.reason else ""
    return f"{rag_label(entry.rag)}{reason} ({mention(entry.author_id)}, {when(entry.at, viewer)})"


def render_portfolio(rows: tuple[PortfolioRow, ...]) -> Reply:
    if not rows:
        text = "No projects yet. Create one in its channel with `/pmo project &lt;name&gt;`."
        return Reply(text, as_dicts([section(text)]))
    blocks: list[Drawable] = [HeaderBlock(text=f"Portfolio: {plural(len(rows), 'project')}")]
    blocks += portfolio_blocks(rows)
    return Reply(portfolio_summary(rows, "Portfolio"), as_dicts(blocks))


def portfolio_summary(rows: tuple[PortfolioRow, ...], title: str) -> str:
    red = sum(1 for r in rows if r.status and r.status.rag is Rag.RED)
    return f"{title}: {plural(len(rows), 'project')}, {red} red"


def portfolio_blocks(rows: tuple[PortfolioRow, ...]) -> list[Drawable]:
    """One section a project, as many as fit (in number and in text), then a line counting
    the rest: `/pmo portfolio` and the weekly portfolio digest draw the same rows."""
    blocks: list[Drawable] = []
    used = shown = 0
    for row in rows[:PORTFOLIO_MAX]:
        line = _portfolio_line(row)
        used += len(line)
        if used > PORTFOLIO_TEXT_MAX:
            break
        blocks.append(section(line))
        shown += 1
    if shown < len(rows):
        blocks.append(context(_rest_line(rows[shown:])))
    return blocks


def _rest_line(rest: tuple[PortfolioRow, ...]) -> str:
    """The projects not shown, and what they hold: the rows come red first, but the rest
    need not all be green."""
    red, amber = (sum(1 for r in rest if r.status and r.status.rag is rag) for rag in RED_AMBER)
    overdue = sum(r.overdue_actions for r in rest)
    high = sum(r.bands.get(ScoreBand.HIGH, 0) for r in rest)
    state = "all green or unset" if not red + amber else f"of them {red} red and {amber} amber"
    return (
        f"…and {plural(len(rest), 'more project')}, {state}; between them "
        f"{plural(overdue, 'overdue action')} and {plural(high, 'high-score risk')}. "
        "`/pmo status project:&lt;slug&gt;` shows any one."
    )


def _portfolio_line(row: PortfolioRow) -> str:
    status = rag_label(row.status.rag) if row.status else ":white_circle: *no status*"
    trend = rag_trend(row.status.rag if row.status else None, row.week_ago)
    shown_trend = f" {TREND[trend]} _{trend}_" if trend else ""
    overdue = f":warning: {row.overdue_actions} overdue" if row.overdue_actions else "0 overdue"
    reason = (
        f"\n_{escape_clip(row.status.reason, 200)}_" if row.status and row.status.reason else ""
    )
    return (
        f"{status}{shown_trend} *{escape(row.project.name)}* <#{row.project.channel_id}> · "
        f"{_risks(row)} · {overdue} · {plural(row.open_issues, 'open issue')}{reason}"
    )


def _risks(row: PortfolioRow) -> str:
    """`3 open risks (1 high, 1 medium, 1 low; top :red_circle: 20)`."""
    if not row.open_risks:
        return "0 open risks"
    bands = ", ".join(f"{row.bands.get(band, 0)} {band.name.lower()}" for band in ScoreBand)
    top = f"; top {score_badge(row.top_risk_score)}" if row.top_risk_score else ""
    return f"{plural(row.open_risks, 'open risk')} ({bands}{top})"


def render_help(title: str, body: str) -> Reply:
    # Usage lines hold `<title>`, `<date>`: unescaped, Slack reads them as links and drops them.
    text = f"*{escape(title)}*\n{escape(body)}"
    chunks = [section(part) for part in _paragraphs(text)]
    return Reply(f"{title}", as_dicts(chunks))


def render_error(error: UserError) -> Reply:
    """A refusal: what was wrong, the usage line and one example (ephemeral)."""
    lines = [f":warning: {escape(error.message)}"]
    if error.usage:
        lines.append(f"*Usage:* {_code(error.usage)}")
    if error.example:
        lines.append(f"*Example:* `{escape(error.example)}`")
    text = "\n".join(lines)
    return Reply(clip(text, 2900), as_dicts([section(part) for part in _paragraphs(text)]))


def _code(usage: str) -> str:
    if "\n" in usage:
        return "\n" + escape(usage)  # already a list of `commands`, one per line
    return f"`{escape(usage)}`"


def _paragraphs(text: str, limit: int = 2800) -> list[str]:
    parts: list[str] = []
    current = ""
    for paragraph in text.split("\n\n"):
        if current and len(current) + len(paragraph) + 2 > limit:
            parts.append(current)
            current = ""
        current = f"{current}\n\n{paragraph}" if current else paragraph
    if current:
        parts.append(current)
    return parts
