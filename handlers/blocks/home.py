"""Pure rendering of the App Home dashboard and its "see all" modals, within Slack's limits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.domain import (
    DECISIONS,
    OVERDUE,
    PROJECTS,
    RISKS,
    UPCOMING,
    Dashboard,
    Item,
    ProjectStatus,
)
from handlers.blocks.controls import item_controls
from handlers.blocks.items import summary_line
from handlers.blocks.limits import Drawable, fit_view
from handlers.blocks.reply import context, section
from handlers.blocks.text import Viewer, clip, escape_clip, mention, rag_label, when
from handlers.ids import HOME_SEE_ALL

MODAL_ITEMS = 90  # rows in a "see all" modal, leaving room for its intro and its pointer
PACK_MAX = 2800  # characters of lines packed into one section, under limits.TEXT_MAX
NAME_MAX = 80
REASON_MAX = 200


@dataclass(frozen=True)
class _Section:
    name: str  # the "See all" button's value
    title: str  # a header on Home and a modal's title: at most 24 characters with {days}
    noun: str  # one row, and
    nouns: str  # several: "and 3 more overdue actions"
    cap: int  # rows shown on Home
    empty: str  # what an empty section says: what to do, for a newcomer
    rest: str  # where to find what even the modal can't hold
    order: str  # how the modal sorts, for its intro


MINE = "in a project's channel (or anywhere with `project:&lt;slug&gt;`)"
SECTIONS = {
    OVERDUE: _Section(
        OVERDUE,
        "Overdue actions",
        "overdue action",
        "overdue actions",
        8,
        ":tada: Nothing overdue.",
        f"`/action list overdue` {MINE}",
        "the longest overdue first",
    ),
    UPCOMING: _Section(
        UPCOMING,
        "Due in the next {days} days",
        "action due soon",
        "actions due soon",
        8,
        "Nothing due in the next {days} days. Record an action with "
        "`/action add &lt;text&gt; due friday` " + MINE + ".",
        f"`/action list mine` {MINE}",
        "soonest first",
    ),
    RISKS: _Section(
        RISKS,
        "Your open risks",
        "open risk",
        "open risks",
        8,
        "You own no open risks. Log one with `/risk add &lt;title&gt;` " + MINE + ".",
        f"`/risk list mine` {MINE}",
        "highest score first",
    ),
    PROJECTS: _Section(
        PROJECTS,
        "Your projects",
        "project",
        "projects",
        10,
        "You are in no project yet. Create one in its channel with `/pmo project &lt;name&gt;`, "
        "or take on an action there with `/action add`.",
        "`/pmo portfolio`",
        "red first, then amber, no status and green",
    ),
    DECISIONS: _Section(
        DECISIONS,
        "Decisions, last {days} days",
        "decision",
        "decisions",
        8,
        "No decisions in your projects in the last {days} days.",
        f"`/decision list all` {MINE}",
        "newest first",
    ),
}
WELCOME = (
    "Nothing here yet — this tab fills in as you work with PMO Bot. To start:\n"
    "• In your project's channel, create it with `/pmo project &lt;name&gt;` "
    "(for example `/pmo project Apollo`).\n"
    "• Record an action with `/action add &lt;text&gt; due friday`, "
    "and a risk with `/risk add &lt;title&gt; impact:high`.\n"
    "• Set the project's RAG with `/pmo status green`.\n"
    "Your overdue and upcoming actions, your risks, your projects' RAG and their recent "
    "decisions will show here. `/pmo help` lists every command."
)


def render_home(dashboard: Dashboard, viewer: Viewer) -> dict[str, Any]:
    """The person's Home tab (a `views.publish` view): each section capped, "and N more" with
    a See all button, and under 100 blocks however much they own."""
    if dashboard.is_empty:
        blocks: list[Drawable] = [HeaderBlock(text="Welcome to PMO Bot"), section(WELCOME)]
        return _view("home", blocks)
    blocks = [
        HeaderBlock(text="Your PMO dashboard"),
        context(
            f"What {mention(dashboard.user_id)} owns across this workspace's projects, "
            f"as of {when(viewer.now, viewer)}."
        ),
    ]
    for name, rows, total in _sections(dashboard):
        spec = SECTIONS[name]
        shown = rows[: spec.cap]
        blocks.append(DividerBlock())
        title = _days(spec.title, dashboard, name)
        blocks.append(HeaderBlock(text=f"{title} ({total})" if total else title))
        if not shown:
            blocks.append(section(_days(spec.empty, dashboard, name)))
            continue
        blocks.extend(_rows(name, shown, viewer, controls=True))
        if total > len(shown):
            blocks.append(_more(spec, total - len(shown)))
    # The caps keep a full dashboard near 70 blocks; fit_view is only a last line of defence.
    return _view("home", blocks)


def draw_home(dashboard: Dashboard, now: datetime, timezone: str) -> dict[str, Any]:
    """render_home for a reader in `timezone` at `now`: how bot.services.home draws a Home."""
    return render_home(dashboard, Viewer(now, timezone))


def render_see_all(dashboard: Dashboard, name: str, viewer: Viewer) -> dict[str, Any]:
    """A modal listing one section (up to MODAL_ITEMS rows) and where to find the rest."""
    spec = SECTIONS[name]
    rows, total = next((rows, total) for each, rows, total in _sections(dashboard) if each == name)
    shown = rows[:MODAL_ITEMS]
    if not shown:
        blocks: list[Drawable] = [section(_days(spec.empty, dashboard, name))]
        return _view("modal", blocks, title=_days(spec.title, dashboard, name))
    blocks = [context(f"{_count(total, spec)}, {spec.order}.")]
    blocks.extend(_rows(name, shown, viewer, controls=False))
    if total > len(shown):
        rest = total - len(shown)
        blocks.append(context(f"…and {rest} more: {spec.rest} lists them."))
    return _view("modal", blocks, title=_days(spec.title, dashboard, name))


def _sections(
    dashboard: Dashboard,
) -> list[tuple[str, Sequence[Item] | Sequence[ProjectStatus], int]]:
    return [
        (OVERDUE, dashboard.overdue, dashboard.overdue_total),
        (UPCOMING, dashboard.upcoming, dashboard.upcoming_total),
        (RISKS, dashboard.risks, dashboard.risks_total),
        (PROJECTS, dashboard.projects, dashboard.projects_total),
        (DECISIONS, dashboard.decisions, dashboard.decisions_total),
    ]


def _rows(
    name: str,
    rows: Sequence[Item] | Sequence[ProjectStatus],
    viewer: Viewer,
    *,
    controls: bool,
) -> list[Drawable]:
    """Actions and risks one section each, with their buttons on Home; projects and decisions
    as lines packed into few sections, since they have no buttons."""
    if name == PROJECTS:
        lines = [_project_line(row, viewer) for row in rows if isinstance(row, ProjectStatus)]
        return list(_packed(lines)) if controls else [section(line) for line in lines]
    items = [row for row in rows if isinstance(row, Item)]
    line: Callable[[Item, Viewer], str] = _decision_line if name == DECISIONS else _item_line
    if name == DECISIONS and controls:
        return list(_packed([line(item, viewer) for item in items]))
    blocks: list[Drawable] = []
    for item in items:
        blocks.append(section(line(item, viewer)))
        buttons = item_controls(item) if controls else None
        if buttons is not None:
            blocks.append(buttons)
    return blocks


def _item_line(item: Item, viewer: Viewer) -> str:
    return f"{summary_line(item, viewer)} · {escape_clip(item.project.name, NAME_MAX)}"


def _decision_line(item: Item, viewer: Viewer) -> str:
    decided = f" · {when(item.decided_on, viewer)}" if item.decided_on else ""
    return f"• {_item_line(item, viewer)}{decided}"


def _project_line(row: ProjectStatus, viewer: Viewer) -> str:
    project = row.project
    name = f"*{escape_clip(project.name, NAME_MAX)}* <#{project.channel_id}>"
    if row.current is None:
        return f"• :white_circle: *NO STATUS* {name} — set one there with `/pmo status green`"
    entry = row.current
    reason = f" — _{escape_clip(entry.reason, REASON_MAX)}_" if entry.reason else ""
    return f"• {rag_label(entry.rag)} {name}{reason} · {when(entry.at, viewer)}"


def _packed(lines: Sequence[str]) -> list[Drawable]:
    """Lines joined into as few sections as fit, each under Slack's 3,000 characters."""
    blocks: list[Drawable] = []
    chunk: list[str] = []
    for line in (clip(line, PACK_MAX) for line in lines):
        if chunk and sum(len(x) + 1 for x in chunk) + len(line) > PACK_MAX:
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(section("\n".join(chunk)))
    return blocks


def _more(spec: _Section, more: int) -> Drawable:
    text = f"…and {more} more {spec.noun if more == 1 else spec.nouns}."
    return SectionBlock(
        text=MarkdownTextObject(text=text),
        accessory=ButtonElement(text="See all", action_id=HOME_SEE_ALL, value=spec.name),
    )


def _count(count: int, spec: _Section) -> str:
    return f"{count} {spec.noun if count == 1 else spec.nouns}"


def _days(text: str, dashboard: Dashboard, name: str) -> str:
    days = dashboard.recent_days if name == DECISIONS else dashboard.upcoming_days
    return text.replace("{days}", str(days))


def _view(kind: str, blocks: Sequence[Drawable], title: str = "") -> dict[str, Any]:
    rendered = fit_view(blocks)
    view: dict[str, Any] = {"type": kind, "blocks": rendered}
    if kind == "modal":
        view["title"] = {"type": "plain_text", "text": clip(title, 24)}
        view["close"] = {"type": "plain_text", "text": "Close"}
    return view
