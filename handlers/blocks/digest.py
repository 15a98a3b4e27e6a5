"""Pure rendering of the weekly digest: a short parent with the headline figures, then one thread
reply per area (risks, actions, issues and decisions, standup).

Every message stays inside Block Kit's limits however large the project: lists show their first
few, then "…and N more" with the command that lists the rest. Owners are pinged only when the
project asked for it (`/pmo digest mentions on`); otherwise they are named in plain text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk.models.blocks import HeaderBlock

from bot.dates import format_day
from bot.digest_domain import ACTIONS, ISSUES, PARENT, RISKS, STANDUP, Digest, Listed, Turnout
from bot.domain import DigestDue, Item, Kind
from handlers.blocks.items import score_badge
from handlers.blocks.limits import Drawable
from handlers.blocks.reply import as_dicts, context, section
from handlers.blocks.text import Viewer, clip, escape, escape_clip, plural, rag_label, when

TITLE_MAX = 100
NAME_MAX = 40
REASON_MAX = 600
HEADER_MAX = 150
Drawn = tuple[str, list[dict[str, Any]]]


def digest_parts(digest: Digest) -> list[str]:
    """The messages of a digest posted at once (`/pmo digest now`): the parent, then replies."""
    parts = [PARENT, RISKS, ACTIONS, ISSUES]
    return parts + ([STANDUP] if digest.standup is not None else [])


def render_digest_due(due: DigestDue) -> Drawn:
    """A scheduled part of the digest (the tick's renderer); a chart is described, not drawn."""
    if due.chart is not None:
        return f"Chart: {escape(due.chart.title)} ({due.chart.filename})", []
    return render_part(due.digest, due.part)


def render_part(digest: Digest, part: str) -> Drawn:
    return PARTS[part](digest)


def _viewer(digest: Digest) -> Viewer:
    return Viewer(digest.ends_at, digest.project.timezone)


def who(digest: Digest, user_id: str | None) -> str:
    """An owner: a ping when the project allows it, else their cached name as plain text."""
    if user_id is None:
        return "_no owner_"
    if digest.mentions:
        return f"<@{user_id}>"
    return escape_clip(digest.name(user_id), NAME_MAX)


def item_line(digest: Digest, item: Item, *, owner: bool = True) -> str:
    """`• *R-12* Vendor may slip · :red_circle: 20 · Bob · due Fri 27 Nov`."""
    parts = [f"*{item.ref}* {escape_clip(item.title, TITLE_MAX)}"]
    if item.kind is Kind.RISK and item.score is not None:
        parts.append(score_badge(item.score))
    if item.kind is Kind.ISSUE and item.severity:
        parts.append(escape(item.severity))
    if owner:
        parts.append(("by " if item.kind is Kind.DECISION else "") + who(digest, item.owner_id))
    if item.kind in (Kind.ACTION, Kind.ISSUE) and item.due is not None and item.is_open:
        parts.append(f"due {when(item.due, _viewer(digest))}")
    return "• " + " · ".join(parts)


def _listing(digest: Digest, title: str, listed: Listed, more_command: str) -> Drawable:
    if not listed.total:
        return section(f"*{title}*: none")
    lines = [f"*{title}* ({listed.total})"]
    lines += [item_line(digest, item) for item in listed.items]
    if listed.more:
        lines.append(f"…and {listed.more} more: `{more_command}`")
    return section("\n".join(lines))


def _week(digest: Digest) -> str:
    return f"the 7 days to {format_day(digest.local_day)}"


def _project(digest: Digest) -> str:
    return f"*{escape(digest.project.name)}*"


# -- the parent ------------------------------------------------------------------------------------


def _rag_lines(digest: Digest) -> list[str]:
    if digest.rag is None:
        return ["No RAG status yet: set one with `/pmo status green|amber|red &lt;reason&gt;`."]
    line = f"Status {rag_label(digest.rag.rag)}"
    if digest.last_week is not None:
        line += f" · last week {rag_label(digest.last_week.rag)} · _{digest.trend}_"
    else:
        line += " · no status a week ago"
    lines = [line]
    if digest.rag.reason:
        lines.append(f"> {escape_clip(' '.join(digest.rag.reason.split()), REASON_MAX)}")
    return lines


def _figures(digest: Digest) -> list[str]:
    risks, top = digest.top_risks, digest.top_score
    lines = [
        f"• *Risks*: {digest.risks_opened.total} opened, {digest.risks_closed.total} closed "
        f"· {risks.total} open" + (f", top score {top}" if top is not None else ""),
        f"• *Actions*: {digest.actions_done.total} done · {digest.overdue_total} overdue "
        f"· {digest.due_next_week.total} due next week",
        f"• *Issues*: {digest.issues_opened.total} opened, {digest.issues_resolved.total} "
        f"resolved · {digest.issues_open} open",
        f"• *Decisions*: {digest.decisions.total} logged",
    ]
    if digest.standup is not None:
        lines.append(f"• *Standup*: {_turnout(digest.standup.overall)}")
    return lines


def _turnout(turnout: Turnout) -> str:
    shown = f"{turnout.answered} of {plural(turnout.prompted, 'prompt')} answered"
    if turnout.prompted:
        shown += f" ({round(100 * min(turnout.answered, turnout.prompted) / turnout.prompted)}%)"
    return shown


def render_parent(digest: Digest) -> Drawn:
    header = clip(f"Weekly digest: {digest.project.name}", HEADER_MAX)
    intro = f"{_project(digest)} · {_week(digest)}"
    blocks: list[Drawable] = [
        HeaderBlock(text=header),
        section("\n".join([intro, *_rag_lines(digest)])),
        section("\n".join(_figures(digest))),
        context("Details in the thread. `/pmo digest` shows or changes when this goes out."),
    ]
    rag = digest.rag.rag.value.upper() if digest.rag is not None else "no status"
    text = (
        f"Weekly digest for {escape(digest.project.name)}: {rag} · "
        f"{plural(digest.risks_opened.total, 'risk')} opened · "
        f"{digest.overdue_total} actions overdue"
    )
    return text, as_dicts(blocks)


# -- the replies -----------------------------------------------------------------------------------


def _reply(digest: Digest, what: str, title: str, *listings: tuple[str, Listed, str]) -> Drawn:
    blocks = [section(title), *(_listing(digest, *listing) for listing in listings)]
    return f"{what} in {escape(digest.project.name)} this week", as_dicts(blocks)


def render_risks(digest: Digest) -> Drawn:
    title = (
        f":warning: *Risks* — {digest.risks_opened.total} opened and "
        f"{digest.risks_closed.total} closed this week; {digest.top_risks.total} open"
    )
    return _reply(
        digest,
        "Risks",
        title,
        ("Opened this week", digest.risks_opened, "/risk list all"),
        ("Closed this week", digest.risks_closed, "/risk list closed"),
        ("Top open risks by score", digest.top_risks, "/risk list"),
    )


def render_actions(digest: Digest) -> Drawn:
    title = (
        f":white_check_mark: *Actions* — {digest.actions_opened} opened and "
        f"{digest.actions_done.total} done this week; {digest.overdue_total} overdue, "
        f"{digest.due_next_week.total} due next week"
    )
    blocks: list[Drawable] = [section(title)]
    blocks.append(_listing(digest, "Done this week", digest.actions_done, "/action list done"))
    blocks += _overdue(digest)
    blocks.append(_listing(digest, "Due next week", digest.due_next_week, "/action list open"))
    return f"Actions in {escape(digest.project.name)} this week", as_dicts(blocks)


def _overdue(digest: Digest) -> list[Drawable]:
    if not digest.overdue_total:
        return [section("*Overdue*: none")]
    blocks: list[Drawable] = [section(f"*Overdue, by owner* ({digest.overdue_total})")]
    for load in digest.overdue:
        lines = [f"{who(digest, load.owner_id)} — {load.count} overdue"]
        lines += ["   " + item_line(digest, item, owner=False) for item in load.items]
        if load.count > len(load.items):
            lines.append(f"   …and {load.count - len(load.items)} more: `/action list overdue`")
        blocks.append(section("\n".join(lines)))
    shown = sum(load.count for load in digest.overdue)
    if shown < digest.overdue_total:
        others = digest.overdue_owners - len(digest.overdue)
        rest = digest.overdue_total - shown
        blocks.append(
            context(
                f"…and {rest} more overdue with {plural(others, 'other owner')}: "
                "`/action list overdue`"
            )
        )
    return blocks


def render_issues(digest: Digest) -> Drawn:
    title = (
        f":rotating_light: *Issues* — {digest.issues_opened.total} opened and "
        f"{digest.issues_resolved.total} resolved this week; {digest.issues_open} open"
    )
    return _reply(
        digest,
        "Issues and decisions",
        title,
        ("Opened this week", digest.issues_opened, "/issue list open"),
        ("Resolved this week", digest.issues_resolved, "/issue list resolved"),
        (":scales: Decisions logged this week", digest.decisions, "/decision list"),
    )


def render_standup(digest: Digest) -> Drawn:
    week = digest.standup
    if week is None:
        text = ":speech_balloon: *Standup* — no prompts went out this week."
        return text, as_dicts([section(text)])
    title = (
        f":speech_balloon: *Standup* — {_turnout(week.overall)} this week, "
        f"across {plural(week.members, 'member')}"
    )
    lines = [f"• {who(digest, t.user_id)}: {_turnout(t)}" for t in week.people]
    blocks = [section(title), section("\n".join(lines))]
    if week.members > len(week.people):
        more = week.members - len(week.people)
        blocks.append(
            context(f"…and {more} more: `/standup report &lt;day&gt;` shows a day's answers")
        )
    return f"Standup turnout in {escape(digest.project.name)} this week", as_dicts(blocks)


PARTS: dict[str, Callable[[Digest], Drawn]] = {
    PARENT: render_parent,
    RISKS: render_risks,
    ACTIONS: render_actions,
    ISSUES: render_issues,
    STANDUP: render_standup,
}
