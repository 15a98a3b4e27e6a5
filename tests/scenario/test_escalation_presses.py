"""A press on one action's button in a project's batched escalation, through the real app: it
acts on that action only, and the message is redrawn with every other action and its buttons."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from bot.clock import FixedClock
from bot.deps import Deps
from bot.services.tick import run_tick
from handlers import ids
from handlers.blocks.reminders import render_due
from storage.models import Action
from tests.conftest import CHANNEL
from tests.scenario.conftest import SlackSide, stored
from tests.scenario.test_controls_and_mentions import press
from tests.support.slack_api import FakeSlackWebAPI

THURSDAY_AFTER = datetime(2026, 11, 26, 9, 5, tzinfo=ZoneInfo("Europe/London"))


def decoded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def buttons(blocks: list[dict[str, Any]]) -> dict[str, str]:
    """Each controls block's Done value, by the ref it acts on."""
    return {
        b["elements"][0]["value"].split()[0]: b["elements"][0]["value"]
        for b in blocks
        if str(b.get("block_id", "")).startswith(ids.CONTROLS_BLOCK)
    }


def test_done_on_one_action_of_a_batched_escalation_redraws_it_keeping_the_others(
    slack: SlackSide,
    fake: FakeSlackWebAPI,
    app_deps: Deps,
    clock: FixedClock,
    sqlite_engine: Engine,
) -> None:
    slack.reply("/pmo", "project Apollo")
    for title in ("send contract", "book venue", "sign off budget"):
        slack.reply("/action", f"add {title} due 2026-11-23")
    clock.set(THURSDAY_AFTER)  # three working days after Monday 23rd
    run_tick(app_deps, render_due, worker="w1")
    [post] = [c for c in fake.calls_to("chat.postMessage") if c.params.get("channel") == CHANNEL]
    blocks = decoded(post.params["blocks"])
    assert list(buttons(blocks)) == ["A-1", "A-2", "A-3"]
    message = {"type": "message", "ts": "1700000000.000100", "text": "late", "blocks": blocks}

    press(slack, fake, ids.DONE, buttons(blocks)["A-2"], message=message)

    assert [a.status for a in sorted(stored(sqlite_engine, Action), key=lambda a: a.number)] == [
        "open",
        "done",
        "open",
    ]
    [update] = fake.calls_to("chat.update")
    redrawn = decoded(update.params["blocks"])
    assert buttons(redrawn) == {ref: buttons(blocks)[ref] for ref in ("A-1", "A-3")}
    kept = [b for b in blocks if b.get("block_id") not in (ids.item_block("A-2"),)]
    kept = [b for b in kept if not str(b.get("block_id", "")).startswith(ids.controls_block("A-2"))]
    assert all(block in redrawn for block in kept)  # every other line and button as it was
    [line] = [b for b in redrawn if b.get("block_id") == ids.item_block("A-2")]
    assert "_done_" in line["text"]["text"]
    note = redrawn[redrawn.index(line) + 1]
    assert note["type"] == "context"
    assert "A-2" in note["elements"][0]["text"]
