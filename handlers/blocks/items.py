"""Pure rendering of RAID items: announcements, one-line list entries, detail and history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from slack_sdk.models.blocks import DividerBlock

from bot.domain import AuditEntry, Change, Item, ItemPage, Kind, ScoreBand
from bot.presses import HANDED
from handlers.blocks.controls import SHOW_ORIGIN, item_controls, list_origin, read_value
from handlers.blocks.limits import Drawable, fit_message
from handlers.blocks.reply import Reply, as_dicts, context, section
from handlers.blocks.text import Viewer, clip, escape, escape_clip, mention, when
from handlers.ids import CONTROLS_BLOCK, NOTE_BLOCK, controls_block, item_block

LIST_TITLE_MAX = 150
DETAIL_FIELD_MAX = 900
HISTORY_MAX = 30
HISTORY_LINE_MAX = 280
VERB_TEXT = {
    "created": "logged",
    "updated": "updated",
    "assigned": "reassigned",
    "rescheduled": "moved the due date of",
    "snoozed": "snoozed",
    "closed": "closed",
    "done": "completed",
    "resolved": "resolved",
    "occurred": "marked as occurred",
    "reopened": "reopened",
    "superseded": "superseded",
}
VERB_EMOJI = {"created": ":memo:", "done": ":white_check_mark:", "resolved": ":white_check_mark:"}
VERB_EMOJI |= {"closed": ":lock:", "occurred": ":boom:", "reopened": ":leftwards_arrow_with_hook:"}
SCORE_EMOJI = {
    ScoreBand.HIGH: ":red_circle:",
    ScoreBand.MEDIUM: ":large_orange_circle:",
    ScoreBand.LOW: ":large_yellow_circle:",
}
USER_FIELDS = frozenset({"owner", "by"})
DATE_FIELDS = frozenset({"due", "review"})


def score_badge(score: int) -> str:
    return f"{SCORE_EMOJI[ScoreBand.of(score)]} {score}"


def summary_line(item: Item, viewer: Viewer) -> str:
    """`*R-12* Vendor may slip · score 12 · @bob · review Fri 27 Nov` (mrkdwn, escaped)."""
    parts = [f"*{item.ref}* {escape_clip(item.title, LIST_TITLE_MAX)}"]
    if item.kind is Kind.RISK and item.score is not None:
        parts.append(f"{score_badge(item.score)} (L{item.likelihood}×I{item.impact})")
    if item.kind is Kind.ISSUE and item.severity:
        parts.append(item.severity)
    parts.append(("by " if item.kind is Kind.DECISION else "") + mention(item.owner_id))
    if item.due is not None:
        late = " :warning: *overdue*" if item.is_overdue(viewer.now, viewer.today) else ""
        parts.append(f"due {when(item.due, viewer)}{late}")
    if item.review_on is not None and item.is_open:
        parts.append(f"review {when(item.review_on, viewer)}")
    if not item.is_open or (item.kind is Kind.RISK and item.status != "open"):
        parts.append(f"_{item.status}_")
    return " · ".join(parts)


def render_change(change: Change, actor_id: str, viewer: Viewer) -> Reply:
    """The in-channel announcement of a change, so the team sees it."""
    item = change.item
    verb = VERB_TEXT.get(change.verb, change.verb)
    emoji = VERB_EMOJI.get(change.verb, ":pencil2:")
    headline = f"{emoji} {mention(actor_id)} {verb} {summary_line(item, viewer)}"
    blocks: list[Drawable] = [section(headline)]
    details = _change_details(change, viewer)
    if details:
        blocks.append(context(details))
    if change.related is not None:
        blocks.append(section(_related_line(change, viewer)))
    title = escape_clip(item.title, LIST_TITLE_MAX)
    text = f"{mention(actor_id)} {verb} {item.ref}: {title}{_dates(item, viewer)}"
    return Reply(text, as_dicts(blocks), in_channel=True)


def _dates(item: Item, viewer: Viewer) -> str:
    """The resolved due and review dates, echoed so people can check what was understood."""
    parts = []
    if item.due is not None:
        parts.append(f"due {when(item.due, viewer)}")
    if item.review_on is not None and item.is_open:
        parts.append(f"review {when(item.review_on, viewer)}")
    return "".join(f" · {part}" for part in parts)


def _change_details(change: Change, viewer: Viewer) -> str:
    if change.verb == "created":
        item = change.item
        extra = []
        if item.kind is Kind.RISK:
            extra.append(f"likelihood {item.likelihood} × impact {item.impact}")
            if item.mitigation:
                extra.append(f"mitigation: {escape_clip(item.mitigation, 200)}")
        if item.kind in (Kind.ACTION, Kind.ISSUE) and item.due is None:
            extra.append("no due date — set one with `due:&lt;date&gt;`")
        extra.append(f"project *{escape(item.project.name)}*")
        return " · ".join(extra)
    shown = []
    for name, (old, new) in change.changes.items():
        if name == "status" and change.verb != "updated":
            continue
        shown.append(f"{name}: {_value(name, old, viewer)} → {_value(name, new, viewer)}")
    return " · ".join(shown)


def _related_line(change: Change, viewer: Viewer) -> str:
    assert change.related is not None
    if change.verb == "occurred":
        return f":rotating_light: Raised {summary_line(change.related, viewer)}"
    return f":arrow_right: In force now: {summary_line(change.related, viewer)}"


def _value(name: str, raw: str | None, viewer: Viewer) -> str:
    """An audit value for display: people as mentions, dates in the reader's form."""
    if raw is None or raw == "":
        return "—"
    if name in USER_FIELDS:
        return mention(raw)
    if name in DATE_FIELDS:
        try:
            parsed: date | datetime = (
                datetime.fromisoformat(raw) if "T" in raw else date.fromisoformat(raw)
            )
        except ValueError:
            return escape(raw)
        return when(parsed, viewer)
    return "“" + escape_clip(raw, 200) + "”"


def render_page(page: ItemPage, viewer: Viewer) -> Reply:
    """An ephemeral register page: one line per item, then where the rest are."""
    label = "" if page.scope in ("open", "active") else f" ({page.scope})"
    owner = f" owned by {mention(page.owner_id)}" if page.owner_id else ""
    title = f"*{page.kind.noun.capitalize()}s{label}* in *{escape(page.project.name)}*{owner}"
    if not page.items:
        empty = f"{title}: none. Add one with `{page.kind.command} add …`."
        if page.total:
            where = f"{page.total} in {page.pages} pages"
            empty = f"{title}: page {page.page} is past the end ({where})."
        return Reply(empty, as_dicts([section(empty)]))
    blocks: list[Drawable] = [section(f"{title} — {page.total} in all")]
    origin = list_origin(page.scope, page.owner_id, page.project.slug, page.page)
    for item in page.items:
        blocks.append(section(summary_line(item, viewer), block_id=item_block(item.ref)))
        controls = item_controls(item, origin)
        if controls is not None:
            blocks.append(controls)
    shown_to = (page.page - 1) * page.page_size + len(page.items)
    if shown_to < page.total:
        more = page.total - shown_to
        owner = f" owner:{mention(page.owner_id)}" if page.owner_id and page.scope != "mine" else ""
        where = f" project:{page.project.slug}"
        hint = (
            f"`{page.kind.command} list all{where}`"
            if page.scope == "top"
            else f"`{page.kind.command} list {page.scope}{owner}{where} page:{page.page + 1}`"
        )
        blocks.append(context(f"…and {more} more. Next: {hint}"))
    text = f"{page.kind.noun.capitalize()}s in {escape(page.project.name)}: {page.total}"
    return Reply(text, as_dicts(blocks))


def render_item(item: Item, viewer: Viewer, history: tuple[AuditEntry, ...] = ()) -> Reply:
    """One item in full (ephemeral); with `history`, its audit trail instead of the details."""
    blocks: list[Drawable] = [section(summary_line(item, viewer), block_id=item_block(item.ref))]
    controls = item_controls(item, SHOW_ORIGIN) if not history else None
    if controls is not None:
        blocks.append(controls)
    if not history:
        blocks.extend(
            section(f"*{label}:* {value}") for label, value in _detail_fields(item, viewer)
        )
    blocks.append(
        context(
            f"Project *{escape(item.project.name)}* · logged by {mention(item.created_by)} "
            f"{when(item.created_at, viewer)} · status _{item.status}_"
        )
    )
    if history:
        blocks.append(DividerBlock())
        blocks.extend(_history_blocks(history, viewer))
    return Reply(f"{item.ref}: {escape_clip(item.title, LIST_TITLE_MAX)}", as_dicts(blocks))


def _detail_fields(item: Item, viewer: Viewer) -> list[tuple[str, str]]:
    def long(text: str | None) -> str | None:
        return escape_clip(text, DETAIL_FIELD_MAX) if text else None

    links = ", ".join(item.links)
    fields: list[tuple[str, str | None]] = [
        ("Description", long(item.description)),
        ("Category", long(item.category)),
        ("Mitigation", long(item.mitigation)),
        ("Rationale", long(item.rationale)),
        ("Alternatives considered", long(item.alternatives)),
        ("Decided on", when(item.decided_on, viewer) if item.decided_on else None),
        ("Closing note", long(item.note)),
        ("Closed", when(item.closed_at, viewer) if item.closed_at else None),
        ("Source", long(item.source_link)),
        (_links_label(item), links or None),
    ]
    return [(label, value) for label, value in fields if value]


def _links_label(item: Item) -> str:
    return {
        Kind.RISK: "Raised as",
        Kind.ISSUE: "From risk",
        Kind.DECISION: "Superseded by",
        Kind.ACTION: "Linked",
    }[item.kind]


def _history_blocks(history: tuple[AuditEntry, ...], viewer: Viewer) -> list[Drawable]:
    lines = []
    for entry in history[-HISTORY_MAX:]:
        changes = "; ".join(
            f"{name}: {_value(name, old, viewer)} → {_value(name, new, viewer)}"
            for name, (old, new) in entry.changes.items()
        )
        who = mention(entry.actor_id)
        if entry.actor_team:
            who += f" (from their own workspace {escape(entry.actor_team)})"
        lines.append(f"• {when(entry.at, viewer)} {who} *{entry.verb}* {changes}")
    blocks: list[Drawable] = []
    if len(history) > HISTORY_MAX:
        blocks.append(context(f"Showing the last {HISTORY_MAX} of {len(history)} changes."))
    chunk: list[str] = []
    for line in lines:
        if sum(len(x) + 1 for x in chunk) + len(line) > 2800:
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(clip(line, HISTORY_LINE_MAX))
    if chunk:
        blocks.append(section("\n".join(chunk)))
    return blocks


def control_note(
    item: Item,
    verb: str,
    actor_id: str,
    viewer: Viewer,
    refusal: str | None = None,
    *,
    already: str | None = None,
) -> dict[str, Any]:
    """The line under a message after someone pressed a control: who did what, or why not
    (`already`: the item had moved on from what the press was drawn for, e.g. a replay)."""
    if already is not None:
        text = f":information_source: {_moved_on(item, already, viewer)} Nothing changed."
    elif refusal is not None:
        text = f":information_source: {escape(refusal)} Nothing changed."
    else:
        detail = ""
        if verb == "snoozed" and item.due is not None:
            detail = f" to {when(item.due, viewer)}"
        elif verb == "assigned":
            detail = f" to {mention(item.owner_id)}"
        emoji = VERB_EMOJI.get(verb, ":pencil2:")
        text = f"{emoji} {mention(actor_id)} {VERB_TEXT.get(verb, verb)} {item.ref}{detail}"
    return context(text, block_id=NOTE_BLOCK)


def _moved_on(item: Item, already: str, viewer: Viewer) -> str:
    if already == HANDED:
        return f"{item.ref} is already with {mention(item.owner_id)}."
    now = f"it is due {when(item.due, viewer)}" if item.due is not None else "it has no due date"
    return f"{item.ref} was already moved: {now}."


def patch_item_blocks(
    blocks: list[dict[str, Any]], item: Item, viewer: Viewer, note: dict[str, Any]
) -> list[dict[str, Any]]:
    """A message's blocks with one item's line and controls redrawn and the note beneath,
    in place of the last press's note: a message pressed a hundred times keeps one."""
    patched: list[dict[str, Any]] = []
    for block in blocks:
        block_id = str(block.get("block_id", ""))
        if block_id == NOTE_BLOCK:
            continue
        if block_id == item_block(item.ref):
            patched.append(section(summary_line(item, viewer), block_id=block_id))
            patched.append(note)
        elif block_id == controls_block(item.ref) or block_id.startswith(
            controls_block(item.ref) + "|"  # not A-12's controls when A-1's were pressed
        ):
            # Redrawn with the item as it is now: the same press again then changes nothing.
            drawn_as = read_value(block_id.removeprefix(CONTROLS_BLOCK).replace("|", " "))
            controls = item_controls(item, drawn_as.origin)
            if controls is not None:
                patched.append(controls)
        else:
            patched.append(block)
    return fit_message(patched)
