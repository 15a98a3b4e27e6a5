"""When something breaks on our side, Slack still gets a 200 and the person a short answer."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

import pytest
from sqlalchemy import Engine, event

from bot.services import items, registers
from storage.db import DatabaseUnavailable
from storage.models import AuditEvent, Risk
from tests.scenario.conftest import SlackSide, count, reply_text


def test_an_unexpected_exception_is_logged_and_answered_with_an_apology(
    slack: SlackSide,
    sqlite_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    slack.reply("/pmo", "project Apollo")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the flux capacitor is disconnected")

    monkeypatch.setattr(items, "add_item", broken)

    with caplog.at_level(logging.ERROR):
        response = slack.command("/risk", "add Vendor may slip")

    assert response.status == 200
    answer = response.json()
    assert answer["response_type"] == "ephemeral"
    text = reply_text(answer)
    assert "went wrong" in text
    assert "flux capacitor" not in text
    assert "RuntimeError" not in text
    assert len(answer["text"]) < 200
    [failure] = [r for r in caplog.records if r.exc_info and r.levelno >= logging.ERROR]
    assert failure.exc_info is not None
    assert failure.exc_info[0] is RuntimeError
    assert "/risk" in failure.getMessage()
    assert "Traceback" in caplog.text
    assert count(sqlite_engine, Risk) == 0


def test_a_busy_database_asks_to_try_again_in_a_moment(
    slack: SlackSide, sqlite_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    slack.reply("/pmo", "project Apollo")  # Alice's profile is cached: only the insert will fail

    def locked(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            raise sqlite3.OperationalError("database is locked")

    event.listen(sqlite_engine, "before_cursor_execute", locked)
    try:
        with caplog.at_level(logging.WARNING):
            response = slack.command("/risk", "add Vendor may slip")
    finally:
        event.remove(sqlite_engine, "before_cursor_execute", locked)

    assert response.status == 200
    answer = response.json()
    assert answer["response_type"] == "ephemeral"
    assert "try again in a moment" in reply_text(answer).lower()
    assert "nothing was saved" in reply_text(answer)
    assert any("database unavailable" in r.getMessage() for r in caplog.records)
    assert count(sqlite_engine, Risk) == 0
    assert count(sqlite_engine, AuditEvent) == 0

    # Once the database is back, the same command works.
    assert "R-1" in slack.reply("/risk", "add Vendor may slip")["text"]


def test_a_database_that_cannot_be_reached_for_a_read_asks_to_try_again(
    slack: SlackSide, monkeypatch: pytest.MonkeyPatch
) -> None:
    slack.reply("/pmo", "project Apollo")

    def unreachable(*args: Any, **kwargs: Any) -> Any:
        raise DatabaseUnavailable("could not connect to server")

    monkeypatch.setattr(registers, "list_items", unreachable)

    answer = slack.reply("/risk", "list")

    assert answer["response_type"] == "ephemeral"
    assert "try again in a moment" in reply_text(answer).lower()


def test_a_repeated_list_whose_one_read_fails_asks_to_try_again(
    slack: SlackSide, sqlite_engine: Engine
) -> None:
    """A kept page is checked by one raw read of its register's version
    (storage.db.Database.first): when that read fails, the person is asked to try again."""
    slack.reply("/pmo", "project Apollo")
    slack.reply("/risk", "add Vendor may slip")
    assert "Vendor may slip" in reply_text(slack.reply("/risk", "list"))

    def locked(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "register_versions" in statement:
            raise sqlite3.OperationalError("database is locked")

    event.listen(sqlite_engine, "before_cursor_execute", locked)
    try:
        refused = reply_text(slack.reply("/risk", "list"))
    finally:
        event.remove(sqlite_engine, "before_cursor_execute", locked)

    assert "try again in a moment" in refused.lower()
    assert "Vendor may slip" in reply_text(slack.reply("/risk", "list"))
