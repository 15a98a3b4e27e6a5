"""The digest's messages: inside Block Kit's limits for any project size, "…and N more" with the
command that lists the rest, hostile text escaped, owners pinged only when the project allows."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.deps import Deps
from bot.digest_domain import Digest, Listed
from bot.services.digest_content import compose
from handlers.blocks.digest import PARTS, digest_parts, item_line, render_part
from handlers.blocks.text import plural
from storage.models import Project
from tests.support.digest_seed import HOSTILE, seed_project
from tests.support.slack_specs import (
    MAX_MESSAGE_TEXT,
    MAX_SECTION_TEXT,
    specs_available,
    validate_message_payload,
)


def digest_of(deps: Deps, **seed: object) -> Digest:
    now = deps.clock.now()
    seed_project(deps.db, team="T0001", now=now, **seed)  # type: ignore[arg-type]
    with deps.db.read() as session:
        return compose(session, session.scalars(select(Project)).one(), "T0001", now)


def rendered(digest: Digest) -> dict[str, tuple[str, list[dict[str, object]]]]:
    return {part: render_part(digest, part) for part in digest_parts(digest)}


def all_text(drawn: tuple[str, list[dict[str, object]]]) -> str:
    return drawn[0] + json.dumps(drawn[1], ensure_ascii=False)


@pytest.fixture
def huge(deps: Deps) -> Digest:
    """5,000 risks and 5,000 actions with the longest, nastiest titles a register can hold."""
    return digest_of(deps, risks=5000, actions=5000, issues=300, decisions=300, title=HOSTILE)


def test_every_message_of_a_huge_digest_fits_block_kit(huge: Digest) -> None:
    messages = rendered(huge)
    assert list(messages) == ["parent", "risks", "actions", "issues", "standup"]
    for part, (text, blocks) in messages.items():
        assert text.strip(), part
        assert len(blocks) <= 50, part
        for block in blocks:
            body = block.get("text")
            if isinstance(body, dict):
                assert len(str(body["text"])) <= MAX_SECTION_TEXT, part
        texts = sum(len(t) for t in _texts(blocks))
        assert texts <= MAX_MESSAGE_TEXT, (part, texts)
        if specs_available():
            validate_message_payload({"text": text, "blocks": blocks})


def _texts(node: object) -> list[str]:
    if isinstance(node, dict):
        own = [node["text"]] if isinstance(node.get("text"), str) else []
        return own + [t for value in node.values() for t in _texts(value)]
    if isinstance(node, list):
        return [t for item in node for t in _texts(item)]
    return []


def test_long_sections_say_how_many_more_and_where_to_see_them(huge: Digest) -> None:
    messages = rendered(huge)
    risks, actions, issues = (all_text(messages[p]) for p in ("risks", "actions", "issues"))
    more_risks = huge.top_risks.total - len(huge.top_risks.items)
    assert f"…and {more_risks} more: `/risk list`" in risks
    assert "`/risk list all`" in risks
    assert "`/risk list closed`" in risks
    first = huge.overdue[0]
    assert f"…and {first.count - len(first.items)} more: `/action list overdue`" in actions
    assert "`/action list done`" in actions
    assert "`/action list open`" in actions
    assert "`/issue list open`" in issues
    assert "`/decision list`" in issues
    assert f"({huge.top_risks.total})" in risks


def test_hostile_titles_and_names_are_escaped_and_owners_not_pinged_by_default(
    huge: Digest,
) -> None:
    for part, drawn in rendered(huge).items():
        text = all_text(drawn)
        assert "<!channel>" not in text, part
        assert "<https://" not in text, part
        assert "<@" not in text, part  # mentions are off: names, not pings
    assert "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;" in all_text(
        rendered(huge)["risks"]
    )
    assert "carol &lt;!channel&gt;" in all_text(rendered(huge)["actions"])  # a hostile name


def test_owners_past_the_first_few_are_counted(huge: Digest) -> None:
    few = replace(huge, overdue=huge.overdue[:2])
    actions = all_text(render_part(few, "actions"))
    rest = huge.overdue_total - sum(load.count for load in huge.overdue[:2])
    others = plural(huge.overdue_owners - 2, "other owner")
    assert f"…and {rest} more overdue with {others}: `/action list overdue`" in actions


def test_with_mentions_on_owners_are_pinged(deps: Deps) -> None:
    digest = digest_of(deps, risks=12, actions=12, mentions=True)
    actions = all_text(rendered(digest)["actions"])
    assert "<@U0BOB>" in actions
    assert "<@U0CAROL>" in actions
    quiet = replace(digest, mentions=False)
    assert "<@" not in all_text(rendered(quiet)["actions"])
    assert "bob" in all_text(rendered(quiet)["actions"])


def test_an_unknown_name_falls_back_to_the_id(deps: Deps) -> None:
    digest = digest_of(deps, risks=3, actions=3)
    nameless = replace(digest, names={})
    top = digest.top_risks.items[0]
    line = item_line(nameless, top)
    assert top.owner_id is not None
    assert top.owner_id in line
    assert "<@" not in line


def test_the_parent_carries_the_headline_figures(deps: Deps) -> None:
    digest = digest_of(deps, risks=40, actions=40)
    text, blocks = render_part(digest, "parent")
    shown = all_text((text, blocks))
    assert blocks[0]["type"] == "header"
    assert "GREEN" in shown
    assert "last week" in shown
    assert "_improving_" in shown
    assert f"{digest.risks_opened.total} opened, {digest.risks_closed.total} closed" in shown
    assert f"{digest.overdue_total} overdue" in shown
    assert "4 of 10 prompts answered (40%)" in shown  # the seeded standup
    assert "Details in the thread" in shown


def test_empty_sections_say_none(deps: Deps) -> None:
    digest = digest_of(deps, risks=0, actions=0, issues=0, decisions=0)
    empty = replace(digest, standup=None, rag=None, last_week=None, risks_opened=Listed())
    messages = {part: all_text(render_part(empty, part)) for part in PARTS}
    assert "*Opened this week*: none" in messages["risks"]
    assert "*Overdue*: none" in messages["actions"]
    assert "No RAG status yet" in messages["parent"]
    assert "no prompts went out this week" in messages["standup"]
    assert "standup" not in digest_parts(empty)
    assert empty.ends_at - empty.starts_at == timedelta(days=7)
    assert isinstance(empty.ends_at, datetime)
