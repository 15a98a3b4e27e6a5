"""Structured logs: every line of a signed request names its workspace, command word and request
id (in the lazy listener's thread too), never the person's text; a scheduler pass logs counts."""

from __future__ import annotations

import io
import json
import logging
import shlex
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FixedClock
from bot.deps import Deps
from bot.domain import Actor, Kind
from bot.logs import install
from bot.scheduler import tick
from bot.services import items, projects
from tests.conftest import TEAM
from tests.scenario.conftest import SlackSide
from tests.support.slack_api import FakeSlackWebAPI

HOSTILE = 'Vendor <!channel> may "slip", badly\nsecret-word'


class Captured:
    def __init__(self, kind: str) -> None:
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        install(self.handler, kind)
        self.kind = kind

    def raw(self) -> list[str]:
        return self.stream.getvalue().splitlines()

    def records(self) -> list[dict[str, Any]]:
        if self.kind == "json":
            return [json.loads(line) for line in self.raw()]
        return [dict(pair.split("=", 1) for pair in shlex.split(line)) for line in self.raw()]


def capture(kind: str) -> Iterator[Captured]:
    captured = Captured(kind)
    root = logging.getLogger()
    level = root.level
    root.addHandler(captured.handler)
    root.setLevel(logging.INFO)
    try:
        yield captured
    finally:
        root.removeHandler(captured.handler)
        root.setLevel(level)


@pytest.fixture
def logfmt() -> Iterator[Captured]:
    yield from capture("logfmt")


@pytest.fixture
def json_lines() -> Iterator[Captured]:
    yield from capture("json")


@pytest.mark.parametrize("kind", ["logfmt", "json"])
def test_every_line_of_a_command_names_team_command_and_one_request_id(
    slack: SlackSide, fake: FakeSlackWebAPI, kind: str, request: pytest.FixtureRequest
) -> None:
    slack.reply("/pmo", "project Apollo")
    slack.reply("/risk", f"add {HOSTILE} impact:high")
    slack.settle()
    # The CSV's upload after the answer fails, so the lazy listener (another thread) logs.
    fake.fail_next("files.getUploadURLExternal", 5, error="not_in_channel")
    captured: Captured = request.getfixturevalue("json_lines" if kind == "json" else "logfmt")

    slack.reply("/risk", "export")
    slack.settle()

    lines = captured.records()
    assert len(lines) >= 2, captured.raw()
    assert {line["team"] for line in lines} == {TEAM}
    assert {line["command"] for line in lines} == {"/risk export"}
    assert len({line["request_id"] for line in lines}) == 1
    assert any(line["msg"] == "slack request" and line["status"] == "200" for line in lines)
    assert any("not_in_channel" in line["msg"] for line in lines)  # from the lazy thread
    assert len(captured.raw()) == len(lines)  # one record, one line
    text = captured.stream.getvalue()
    assert "secret-word" not in text
    assert "Vendor" not in text
    assert str(slack.web.deps.settings.slack_signing_secret) not in text


def test_a_first_word_that_is_not_a_subcommand_is_not_logged(
    slack: SlackSide, logfmt: Captured
) -> None:
    slack.reply("/risk", "confidential-merger plans")

    [line] = logfmt.records()
    assert line["command"] == "/risk"
    assert "confidential" not in logfmt.stream.getvalue()


def test_requests_get_their_own_ids(slack: SlackSide, logfmt: Captured) -> None:
    slack.reply("/pmo", "help")
    slack.reply("/risk", "help", timestamp=None)

    ids = [line["request_id"] for line in logfmt.records() if line["msg"] == "slack request"]
    assert len(set(ids)) == len(ids) == 2


def test_a_scheduler_pass_logs_one_line_with_its_counts(
    deps: Deps, alice: Actor, clock: FixedClock, logfmt: Captured
) -> None:
    projects.bind_project(deps, alice, "Apollo")
    due: dict[str, Any] = {"title": HOSTILE, "due": date(2026, 11, 23)}
    items.add_item(deps, alice, Kind.ACTION, due, None)
    clock.set(datetime(2026, 11, 23, 9, 5, tzinfo=ZoneInfo("Europe/London")))

    tick(deps)
    tick(deps)

    passes = [line for line in logfmt.records() if line["msg"] == "scheduler pass done"]
    assert [(p["sent"], p["skipped"], p["failed"], p["dropped"]) for p in passes] == [
        ("1", "0", "0", "0"),
        ("0", "1", "0", "0"),
    ]
    assert passes[0]["sent_reminder"] == "1"
    assert all(int(p["duration_ms"]) >= 0 for p in passes)
    assert "secret-word" not in logfmt.stream.getvalue()
