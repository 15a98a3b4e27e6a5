"""The log formats and the request context: one line a record, fields carried across threads."""

from __future__ import annotations

import json
import logging
import shlex
import sys
from concurrent.futures import ThreadPoolExecutor

from bot.logs import (
    ContextExecutor,
    ContextFilter,
    JsonFormatter,
    LogfmtFormatter,
    bind,
    current,
    log_context,
    slack_request_id,
)
from handlers.log_fields import describe


def record(message: str, *, exc: bool = False, **extra: object) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError("boom")
        except ValueError:
            exc_info = sys.exc_info()
    made = logging.LogRecord("pmo_bot.test", logging.WARNING, __file__, 1, message, (), exc_info)
    for key, value in extra.items():
        setattr(made, key, value)
    return made


def test_logfmt_quotes_what_needs_it_and_stays_on_one_line() -> None:
    with log_context(team="T1", command="/risk add", request_id="abc"):
        line = record('said "hi"\nthere', exc=True, count=3, ok=True, nothing=None)
        ContextFilter().filter(line)
        text = LogfmtFormatter().format(line)

    assert "\n" not in text
    pairs = dict(pair.split("=", 1) for pair in shlex.split(text))
    assert pairs["msg"] == 'said "hi"\\nthere'  # the newline written as \n
    assert (pairs["team"], pairs["command"], pairs["request_id"]) == ("T1", "/risk add", "abc")
    assert (pairs["count"], pairs["ok"], pairs["nothing"], pairs["level"]) == (
        "3",
        "true",
        "",
        "warning",
    )
    assert "ValueError: boom" in pairs["exc"]


def test_json_lines_carry_the_same_fields() -> None:
    line = record("pass", sent=2)
    line.pmo_context = {"team": "T1"}

    parsed = json.loads(JsonFormatter().format(line))

    assert (parsed["msg"], parsed["sent"], parsed["team"], parsed["logger"]) == (
        "pass",
        2,
        "T1",
        "pmo_bot.test",
    )


def test_bind_replaces_every_field_and_the_block_restores_them() -> None:
    with log_context(request_id="outer"):
        bind(request_id="r1", team="T1", command="/risk add")
        bind(request_id="r2", event="app_mention")  # the next request on this thread
        assert current() == {"request_id": "r2", "event": "app_mention"}
    assert current() == {}


def test_work_handed_to_another_thread_keeps_the_context() -> None:
    with ThreadPoolExecutor(max_workers=1) as pool, log_context(team="T9", request_id="x"):
        seen = ContextExecutor(pool).submit(current).result()
    assert seen == {"team": "T9", "request_id": "x"}


def test_request_ids_follow_the_signature_or_are_fresh() -> None:
    assert slack_request_id("1", "v0=a") == slack_request_id("1", "v0=a")
    assert slack_request_id("1", "v0=a") != slack_request_id("1", "v0=b")
    assert slack_request_id(None, None) != slack_request_id(None, None)


def test_describe_names_commands_events_and_actions_never_text() -> None:
    command = {"team_id": "T1", "command": "/risk", "text": "add Secret merger plans"}
    event = {"team_id": "T1", "type": "event_callback", "event": {"type": "app_mention"}}
    button = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "actions": [{"action_id": "item_done"}],
    }
    view = {"type": "view_submission", "team": {"id": "T1"}, "view": {"callback_id": "raid_add"}}

    assert describe(command)["command"] == "/risk add"
    assert describe(command | {"text": "Secret plans"})["command"] == "/risk"
    assert describe(event)["event"] == "app_mention"
    assert describe(button) | {"enterprise": None} == {
        "team": "T1",
        "enterprise": None,
        "action": "block_actions:item_done",
    }
    assert describe(view)["action"] == "view_submission:raid_add"
