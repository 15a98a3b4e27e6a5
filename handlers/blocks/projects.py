"""Pure rendering of projects, RAG status, the portfolio, help and refusals."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, HeaderBlock

from bot.domain import PortfolioRow, ProjectRef, ProjectStatus, Rag, StatusEntry
from bot.errors import UserError
from handlers.blocks.items import score_badge
from handlers.blocks.reply import Reply, as_dicts, context, section
from handlers.blocks.text import Viewer, clip, escape, mention, plural, rag_label, when

PORTFOLIO_MAX = 40
PORTFOLIO_TEXT_MAX = 11_000  # Slack refuses a message whose blocks hold over 12,000 characters
TREND = {(Rag.RED, Rag.GREEN): ":arrow_upper_right:", (Rag.AMBER, Rag.GREEN): ":arrow_upper_right:"}
TREND |= {
    (Rag.RED, Rag.AMBER): ":arrow_upper_right:",
    (Rag.GREEN, Rag.AMBER): ":arrow_lower_right:",
}
TREND |= {(Rag.GREEN, Rag.RED): ":arrow_lower_right:", (Rag.AMBER, Rag.RED): ":arrow_lower_right:"}


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
    blocks: list[Block] = [section(f"*{name}* is {_entry_line(status.current, viewer)}")]
    if len(status.history) > 1:
        lines = [f"• {_entry_line(entry, viewer)}" for entry in status.history[1:]]
        blocks.append(context("Before that:\n" + "\n".join(lines)))
    return Reply(f"{name}: {status.current.rag.value}", as_dicts(blocks))


def _entry_line(entry: StatusEntry, viewer: Viewer) -> str:
    reason = f" — {escape(clip(entry.reason, 500))}" if entry.reason else ""
    return f"{rag_label(entry.rag)}{reason} ({mention(entry.author_id)}, {when(entry.at, viewer)})"


def render_portfolio(rows: tuple[PortfolioRow, ...]) -> Reply:
    if not rows:
        text = "No projects yet. Create one in its channel with `/pmo project &lt;name&gt;`."
        return Reply(text, as_dicts([section(text)]))
    blocks: list[Block] = [HeaderBlock(text=f"Portfolio: {plural(len(rows), 'project')}")]
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
    red = sum(1 for r in rows if r.status and r.status.rag is Rag.RED)
    return Reply(f"Portfolio: {plural(len(rows), 'project')}, {red} red", as_dicts(blocks))


def _rest_line(rest: tuple[PortfolioRow, ...]) -> str:
    """The projects not shown; the rows come red first, but the rest need not all be green."""
    counts = [
        f"{sum(1 for r in rest if r.status and r.status.rag is rag)} {rag.value}"
        for rag in (Rag.RED, Rag.AMBER)
    ]
    if all(count.startswith("0 ") for count in counts):
        return f"…and {plural(len(rest), 'more project')}, all green or unset."
    return f"…and {plural(len(rest), 'more project')}, of them {' and '.join(counts)}."


def _portfolio_line(row: PortfolioRow) -> str:
    status = rag_label(row.status.rag) if row.status else ":white_circle: *no status*"
    trend = TREND.get((row.previous, row.status.rag), "") if row.status and row.previous else ""
    trend = f" {trend}" if trend else ""
    top = f", top {score_badge(row.top_risk_score)}" if row.top_risk_score else ""
    overdue = f":warning: {row.overdue_actions} overdue" if row.overdue_actions else "0 overdue"
    reason = (
        f"\n_{escape(clip(row.status.reason, 200))}_" if row.status and row.status.reason else ""
    )
    return (
        f"{status}{trend} *{escape(row.project.name)}* <#{row.project.channel_id}> · "
        f"{plural(row.open_risks, 'open risk')}{top} · {overdue} · "
        f"{plural(row.open_issues, 'open issue')}{reason}"
    )


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
