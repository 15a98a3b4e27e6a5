"""`/risk export` through the real app: an immediate ephemeral ack, then the CSV uploaded by a
lazy listener (files_upload_v2) to the fake Slack, or the person told why it couldn't be."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from bot.services import export
from tests.conftest import ALICE, CHANNEL
from tests.scenario.conftest import SECRET, SlackSide
from tests.support.signing import sign, slash_command_body
from tests.support.slack_api import Call, FakeSlackWebAPI
from tests.support.slack_specs import specs_available, validate_message_payload

BOM = b"\xef\xbb\xbf"
WAIT_SECONDS = 10.0
SLACK_ACK_SECONDS = 3.0


def wait_for(condition: Callable[[], bool], what: str) -> None:
    """Poll until `condition()` holds: lazy listeners run on Bolt's threads, after the ack."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {WAIT_SECONDS:.0f}s waiting for {what}")
        threading.Event().wait(0.01)


def command(
    slack: SlackSide, fake: FakeSlackWebAPI, name: str, text: str
) -> tuple[dict[str, Any], float]:
    """A signed slash command whose response_url is the fake's: the JSON ack and its delay."""
    body = slash_command_body(name, text, response_url=fake.new_response_url()).encode()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        **sign(body, SECRET, int(time.time())),
    }
    started = time.monotonic()
    response = slack.request("POST", "/slack/events", body, headers)
    elapsed = time.monotonic() - started
    assert response.status == 200, response.body
    payload = response.json()
    if specs_available():
        validate_message_payload(payload)
    return payload, elapsed


def uploads_finished(fake: FakeSlackWebAPI) -> list[Call]:
    return fake.calls_to("files.completeUploadExternal")


@pytest.fixture
def apollo(slack: SlackSide) -> SlackSide:
    assert slack.reply("/pmo", "project Apollo")["response_type"] == "in_channel"
    slack.reply("/risk", "add Vendor may slip impact:high likelihood:4")
    slack.reply("/risk", 'add "=1+1" impact:5')
    slack.reply("/risk", "add Zulieferer – Verzögerung 🚚")
    return slack


def test_export_acks_at_once_then_uploads_the_csv(apollo: SlackSide, fake: FakeSlackWebAPI) -> None:
    release = threading.Event()

    def held_upload_url(call: Call) -> dict[str, Any]:
        # Slack is slow today: the upload can't start until the test has seen the ack.
        release.wait(WAIT_SECONDS)
        return {"ok": True, "file_id": "F0EXPORT", "upload_url": f"{fake.root_url}/upload/F0EXPORT"}

    fake.set_response("files.getUploadURLExternal", held_upload_url)
    try:
        ack, elapsed = command(apollo, fake, "/risk", "export")
        assert ack == {
            "response_type": "ephemeral",
            "text": "Preparing the CSV of 3 risks for *Apollo*; it will appear here in a moment.",
        }
        assert elapsed < SLACK_ACK_SECONDS
        assert not uploads_finished(fake)  # the ack did not wait for the upload
    finally:
        release.set()

    wait_for(lambda: bool(uploads_finished(fake)), "files.completeUploadExternal")
    [asked] = fake.calls_to("files.getUploadURLExternal")
    [completed] = uploads_finished(fake)
    content = fake.uploads["F0EXPORT"]
    assert asked.params["filename"] == "apollo-risks-2026-11-19.csv"
    assert int(asked.params["length"]) == len(content)
    assert completed.params["channel_id"] == CHANNEL
    assert completed.params["initial_comment"] == (
        f"Apollo risk register (19 Nov 2026): 3 risks, exported by <@{ALICE}>."
    )
    files = completed.params["files"]
    files = json.loads(files) if isinstance(files, str) else files
    assert files == [{"id": "F0EXPORT", "title": "Apollo risk register (19 Nov 2026)"}]

    assert content.startswith(BOM)
    rows = list(csv.DictReader(io.StringIO(content[len(BOM) :].decode(), newline="")))
    assert [(r["ref"], r["title"], r["score"]) for r in rows] == [
        ("R-1", "Vendor may slip", "16"),
        ("R-2", "'=1+1", "15"),
        ("R-3", "Zulieferer – Verzögerung 🚚", "9"),
    ]
    assert not fake.responses  # nothing more to tell the person


def test_a_refused_upload_tells_the_person_what_to_do(
    apollo: SlackSide, fake: FakeSlackWebAPI
) -> None:
    fake.fail_next("files.completeUploadExternal", error="not_in_channel")

    ack, _ = command(apollo, fake, "/risk", "export")

    assert ack["response_type"] == "ephemeral"
    assert ack["text"].startswith("Preparing the CSV of 3 risks")
    wait_for(lambda: bool(fake.responses), "the lazy listener's reply to the response_url")
    [told] = fake.responses
    assert told.payload["response_type"] == "ephemeral"
    assert "couldn't share the CSV here" in told.payload["text"]
    assert "`/invite @PMO Bot`" in told.payload["text"]
    assert "`/risk export`" in told.payload["text"]
    assert [c.failed for c in uploads_finished(fake)] == [True]


def test_other_commands_and_empty_registers_upload_nothing(
    apollo: SlackSide, fake: FakeSlackWebAPI
) -> None:
    listed, _ = command(apollo, fake, "/risk", "list")
    empty, _ = command(apollo, fake, "/issue", "export")
    unknown, _ = command(apollo, fake, "/action", "export project:zeus")
    apollo.settle()

    assert listed["response_type"] == "ephemeral"
    assert empty == {
        "response_type": "ephemeral",
        "text": "*Apollo* has no issues yet, so there is nothing to export.",
    }
    assert "no project `zeus`" in unknown["text"]
    assert not fake.calls_to("files.getUploadURLExternal")
    assert not fake.responses  # the acks said it all; the lazy listeners add nothing


def test_a_failure_while_building_is_logged_and_the_person_told(
    apollo: SlackSide,
    fake: FakeSlackWebAPI,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(export, "export_csv", broken)

    ack, _ = command(apollo, fake, "/risk", "export")

    assert ack["text"].startswith("Preparing the CSV of 3 risks")
    wait_for(lambda: bool(fake.responses), "the apology on the response_url")
    [told] = fake.responses
    assert told.payload["response_type"] == "ephemeral"
    assert "couldn't build the CSV" in told.payload["text"]
    assert "disk on fire" not in told.payload["text"]
    assert any(r.exc_info and "disk on fire" in str(r.exc_info[1]) for r in caplog.records)
    assert not fake.calls_to("files.getUploadURLExternal")
