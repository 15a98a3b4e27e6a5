"""End to end through the pure layers: hostile text is stored as typed and can never ping or
disguise a link when shown again, while real mentions still work."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain import (
    AuditEntry,
    Change,
    Item,
    ItemPage,
    Kind,
    PortfolioRow,
    ProjectRef,
    ProjectStatus,
    Rag,
    StatusEntry,
)
from bot.errors import UserError
from handlers.blocks.items import render_change, render_item, render_page
from handlers.blocks.projects import (
    render_error,
    render_portfolio,
    render_project,
    render_status,
    render_status_change,
)
from handlers.blocks.reply import Reply
from handlers.blocks.text import REFS_KEPT_MAX, Viewer, escape, prefilled_refs, typed_text
from handlers.grammar import (
    AddItem,
    CloseItem,
    ProjectCommand,
    StatusCommand,
    parse_item_command,
    parse_pmo_command,
)
from handlers.parsing import clean_text
from tests.support.slack_specs import validate_message_payload

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 19, 15, 0, tzinfo=LONDON)  # Thursday
VIEWER = Viewer(NOW, "Europe/London")
APOLLO = ProjectRef("apollo", "Apollo", "C0APOLLO")

# Control sequences that would ping people or hide where a link goes (`<!date^…>` is ours).
BROADCAST = re.compile(r"<!(?!date\^)")
LINK = re.compile(r"<(?:https?|mailto|ftp):", re.IGNORECASE)

# (id, text as Slack sends it, the title as the person typed it, mentions that must survive)
HOSTILE: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("typed-channel", "&lt;!channel&gt; deploy tonight", "<!channel> deploy tonight", ()),
    ("typed-here", "deploy &lt;!here&gt; now", "deploy <!here> now", ()),
    ("typed-everyone", "&lt;!everyone&gt; read this", "<!everyone> read this", ()),
    (
        "typed-subteam",
        "ask &lt;!subteam^S0ALL|@all&gt; first",
        "ask <!subteam^S0ALL|@all> first",
        (),
    ),
    # Typed out, a mention is stored with a word joiner after `<`: it looks as typed, inert.
    ("typed-user-mention", "ask &lt;@U999&gt; about it", "ask <\u2060@U999> about it", ()),
    (
        "typed-labelled-mention",
        "ask &lt;@U999|the boss&gt; about it",
        "ask <@U999|the boss> about it",
        (),
    ),
    (
        "typed-link",
        "see &lt;http://evil|google.com&gt; for the plan",
        "see <http://evil|google.com> for the plan",
        (),
    ),
    (
        "typed-mailto",
        "mail &lt;mailto:evil@x.io|ceo@acme.com&gt; now",
        "mail <mailto:evil@x.io|ceo@acme.com> now",
        (),
    ),
    ("ampersands", "R&amp;D &amp; QA budget", "R&D & QA budget", ()),
    ("typed-entity", "write &amp;lt; not &amp;amp;", "write &lt; not &amp;", ()),
    ("arrows", "plan -&gt; build &lt;- test", "plan -> build <- test", ()),
    ("real-channel-broadcast", "<!channel> deploy tonight", "@channel deploy tonight", ()),
    ("real-here-broadcast", "deploy <!here> now", "deploy @here now", ()),
    ("real-group-mention", "ask <!subteam^S0ALL|@all> first", "ask @all first", ()),
    (
        "real-disguised-link",
        "see <http://evil|google.com> for the plan",
        "see google.com (http://evil) for the plan",
        (),
    ),
    ("real-auto-link", "see <http://google.com|google.com>", "see google.com", ()),
    (
        "real-mention-kept",
        "pair <@U0BOB|bob> with <@U0CAROL|carol> on it",
        "pair <@U0BOB> with <@U0CAROL> on it",
        ("<@U0BOB>", "<@U0CAROL>"),
    ),
    ("real-channel-kept", "move to <#C0OPS|ops> now", "move to <#C0OPS> now", ("<#C0OPS>",)),
    (
        "everything-at-once",
        "ping <@U0BOB|bob> re &lt;!channel&gt; <!here> &lt;@U999&gt; &amp; "
        "&lt;http://evil|google.com&gt; <http://evil|google.com>",
        "ping <@U0BOB> re <!channel> @here <\u2060@U999> & <http://evil|google.com> "
        "google.com (http://evil)",
        ("<@U0BOB>",),
    ),
]


def shown(reply: Reply) -> list[str]:
    """Every piece of mrkdwn the reply sends: the fallback and each block's text."""
    found = [reply.text]
    for block in reply.blocks:
        if "text" in block:
            found.append(block["text"]["text"])
        for element in block.get("elements", []):
            text = element.get("text")
            if text is not None:
                found.append(text["text"] if isinstance(text, dict) else text)
    return found


def assert_harmless(reply: Reply, survivors: tuple[str, ...] = ()) -> None:
    validate_message_payload(reply.payload())
    everything = "\n".join(shown(reply))
    assert not BROADCAST.search(everything), everything
    assert not LINK.search(everything), everything
    for survivor in survivors:
        assert survivor in everything
    # Only real mentions ping: the author and owner the bot names, and those really mentioned.
    pinged = set(re.findall(r"<@[A-Z0-9]+>", everything))
    assert pinged <= {"<@U0ALICE>", "<@U0BOB>", *survivors}, everything


def risk_titled(title: str) -> Item:
    return Item(
        kind=Kind.RISK,
        number=12,
        project=APOLLO,
        title=title,
        status="open",
        owner_id="U0BOB",
        created_by="U0ALICE",
        created_at=NOW,
        updated_at=NOW,
        likelihood=3,
        impact=4,
    )


@pytest.mark.parametrize(
    ("sent", "typed", "survivors"), [c[1:] for c in HOSTILE], ids=[c[0] for c in HOSTILE]
)
def test_titles_are_stored_as_typed_and_rendered_harmless(
    sent: str, typed: str, survivors: tuple[str, ...]
) -> None:
    parsed = parse_item_command(Kind.RISK, f"add {sent} impact:high", now=NOW)

    assert parsed == AddItem(Kind.RISK, {"impact": 4, "title": typed})
    item = risk_titled(typed)
    for reply in (
        render_change(Change(item, "created"), "U0ALICE", VIEWER),
        render_item(item, VIEWER),
        render_page(ItemPage(Kind.RISK, APOLLO, "open", (item,), 1, 1, 20), VIEWER),
    ):
        assert_harmless(reply, survivors)


@pytest.mark.parametrize(
    ("sent", "typed", "survivors"), [c[1:] for c in HOSTILE], ids=[c[0] for c in HOSTILE]
)
def test_every_free_text_field_is_rendered_harmless(
    sent: str, typed: str, survivors: tuple[str, ...]
) -> None:
    item = replace(
        risk_titled(typed),
        description=typed,
        category=typed,
        mitigation=typed,
        note=typed,
        rationale=typed,
        alternatives=typed,
        source_link=typed,
        project=replace(APOLLO, name=typed),
    )
    trail = (AuditEntry("updated", "U0ALICE", NOW, {"title": [typed, typed]}),)
    change = Change(item, "updated", {"mitigation": [typed, typed]}, related=item)
    status = StatusEntry(Rag.RED, typed, "U0ALICE", NOW)

    for reply in (
        render_item(item, VIEWER),
        render_item(item, VIEWER, trail),
        render_change(change, "U0ALICE", VIEWER),
        render_change(Change(item, "created"), "U0ALICE", VIEWER),
        render_status(ProjectStatus(item.project, status, (status, status)), VIEWER),
        render_status_change(item.project, status, None),
        render_project(item.project, True, "U0ALICE"),
        render_portfolio((PortfolioRow(item.project, status, Rag.GREEN, 1, 12, 1, 1),)),
    ):
        assert_harmless(reply, survivors)


def test_the_same_text_comes_through_a_close_note_and_a_status_reason() -> None:
    sent = "&lt;!channel&gt; R&amp;D done, see <http://evil|google.com> <@U0BOB|bob>"
    typed = "<!channel> R&D done, see google.com (http://evil) <@U0BOB>"

    assert parse_item_command(Kind.ACTION, f"done A-7 {sent}", now=NOW) == CloseItem(
        Kind.ACTION, 7, typed
    )
    assert parse_pmo_command(f"status red {sent}") == StatusCommand(Rag.RED, typed)
    rendered = render_status_change(APOLLO, StatusEntry(Rag.RED, typed, "U0ALICE", NOW), None)
    assert_harmless(rendered, ("<@U0BOB>",))
    assert "&lt;!channel&gt; R&amp;D done" in rendered.text


def test_a_project_name_is_stored_as_typed() -> None:
    assert parse_pmo_command("project &lt;!here&gt; R&amp;D") == ProjectCommand("<!here> R&D")


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        (Kind.RISK, "&lt;!channel&gt;"),
        (Kind.ACTION, "add x due:&lt;!here&gt;"),
        (Kind.ISSUE, "show &lt;http://evil|google.com&gt;"),
        (Kind.DECISION, "add x by:&lt;!channel&gt;"),
        (Kind.RISK, "add x foo:&lt;!here&gt;"),
        (Kind.ACTION, 'add "<!channel> &lt;!here&gt; open'),
    ],
    ids=["as-subcommand", "as-date", "as-id", "as-person", "as-key-value", "in-open-quote"],
)
def test_refusals_quoting_hostile_text_are_harmless(kind: Kind, text: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_item_command(kind, text, now=NOW)

    assert_harmless(render_error(caught.value))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a & b", "a &amp; b"),
        ("<!channel>", "&lt;!channel&gt;"),
        ("<!here|here>", "&lt;!here|here&gt;"),
        ("<http://evil|google.com>", "&lt;http://evil|google.com&gt;"),
        ("<@U0BOB>", "<@U0BOB>"),
        ("<@W0ERIN>", "<@W0ERIN>"),
        ("<#C0OPS>", "<#C0OPS>"),
        ("<@U0BOB|bob>", "&lt;@U0BOB|bob&gt;"),
        ("<@u0bob>", "&lt;@u0bob&gt;"),
        ("<#C0OPS|ops>", "&lt;#C0OPS|ops&gt;"),
        ("<<@U0BOB>>", "&lt;<@U0BOB>&gt;"),
        ("&amp;", "&amp;amp;"),
    ],
    ids=[
        "ampersand",
        "broadcast",
        "broadcast-label",
        "link",
        "mention",
        "enterprise-mention",
        "channel",
        "mention-with-label",
        "lowercase-mention",
        "channel-with-label",
        "nested",
        "entity",
    ],
)
def test_escape(text: str, expected: str) -> None:
    assert escape(text) == expected


J = "\u2060"  # the word joiner that keeps a typed-out mention inert


@pytest.mark.parametrize(
    ("typed", "kept", "stored"),
    [
        ("ask <@U0BOB>", (), f"ask <{J}@U0BOB>"),
        ("ask <@W0ERIN>", (), f"ask <{J}@W0ERIN>"),
        ("move to <#C0OPS>", (), f"move to <{J}#C0OPS>"),
        ("<!channel> <!here>", (), "<!channel> <!here>"),
        ("see <http://evil|google.com>", (), "see <http://evil|google.com>"),
        ("ask <@U0BOB|the boss>", (), "ask <@U0BOB|the boss>"),
        ("a\x00b", (), "ab"),
        ("<@U0BOB> and <@U0EVE>", ("@U0BOB",), f"<@U0BOB> and <{J}@U0EVE>"),
        ("<#C0OPS> <@U0BOB>", ("#C0OPS",), f"<#C0OPS> <{J}@U0BOB>"),
    ],
    ids=[
        "mention",
        "enterprise-mention",
        "channel",
        "broadcasts",
        "link",
        "labelled-mention",
        "nul",
        "prefilled-mention-kept",
        "prefilled-channel-kept",
    ],
)
def test_form_text_is_stored_as_command_text_is(
    typed: str, kept: tuple[str, ...], stored: str
) -> None:
    """A form's plain-text input arrives as typed (a command's arrives escaped, `&lt;@U1&gt;`):
    stored the same either way, and harmless wherever it is shown."""
    assert typed_text(typed, kept) == stored
    if not kept:
        command_text = typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert clean_text(command_text) == stored
    reply = render_change(Change(risk_titled(stored), "created"), "U0ALICE", VIEWER)
    assert_harmless(reply, tuple(f"<{ref}>" for ref in kept))


def test_prefilled_refs_are_the_real_mentions_once_each_and_capped() -> None:
    text = f"<@U0BOB> <#C0OPS> <@U0BOB> <{J}@U0EVE> <@U0BOB|bob> <!here>"
    assert prefilled_refs(text, None, "<@W0ERIN>") == ("@U0BOB", "#C0OPS", "@W0ERIN")
    many = " ".join(f"<@U{n:04d}>" for n in range(REFS_KEPT_MAX + 5))
    assert len(prefilled_refs(many)) == REFS_KEPT_MAX
