"""Slack redelivers an event it thinks we missed (X-Slack-Retry-Num 1–3): the mention is logged
once and answered once, whether the retries come one after another or all at the same moment."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from storage.models import Action, AuditEvent, ProcessedEvent
from tests.conftest import BOB, CHANNEL
from tests.reliability.conftest import mention_request, send_signed
from tests.scenario.conftest import SlackSide, count, stored
from tests.support.slack_api import FakeSlackWebAPI

DELIVERIES = (None, 1, 2, 3)  # the original, then Slack's three retries
TEXT = f"action: <@{BOB}> send the signed contract by friday"


def deliver(slack: SlackSide, retry: int | None) -> int:
    headers = {} if retry is None else {"X-Slack-Retry-Num": str(retry)}
    if retry is not None:
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    return send_signed(slack, mention_request(TEXT, event_id="Ev0RETRIED"), headers=headers).status


@pytest.fixture
def apollo(any_slack: SlackSide) -> SlackSide:
    any_slack.reply("/pmo", "project Apollo")
    return any_slack


def replies(fake: FakeSlackWebAPI) -> list[str]:
    return [
        str(call.params["text"])
        for call in fake.calls_to("chat.postMessage")
        if call.params.get("channel") == CHANNEL and call.params.get("thread_ts")
    ]


def assert_logged_once(engine: Engine, fake: FakeSlackWebAPI) -> None:
    [action] = stored(engine, Action)
    assert (action.number, action.owner_id, action.title) == (1, BOB, "send the signed contract")
    with Session(engine) as session:
        verbs = session.scalars(select(AuditEvent.verb).where(AuditEvent.item_kind == "A")).all()
    assert verbs == ["created"]
    [reply] = replies(fake)
    assert "logged A-1" in reply
    assert count(engine, ProcessedEvent) == 1


def test_four_deliveries_in_turn_log_one_action_and_one_reply(
    apollo: SlackSide, any_engine: Engine, fake: FakeSlackWebAPI
) -> None:
    statuses = [deliver(apollo, retry) for retry in DELIVERIES]
    apollo.settle()

    assert statuses == [200, 200, 200, 200]
    assert_logged_once(any_engine, fake)


def test_four_deliveries_at_once_log_one_action_and_one_reply(
    apollo: SlackSide, any_engine: Engine, fake: FakeSlackWebAPI
) -> None:
    start = threading.Barrier(len(DELIVERIES))

    def at_once(retry: int | None) -> int:
        start.wait()
        return deliver(apollo, retry)

    with ThreadPoolExecutor(max_workers=len(DELIVERIES)) as pool:
        statuses = list(pool.map(at_once, DELIVERIES))
    apollo.settle()

    assert statuses == [200, 200, 200, 200]
    assert_logged_once(any_engine, fake)
