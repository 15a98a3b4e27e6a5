"""`/pmo portfolio …` grammar: table-driven, with a usage line and an example on every refusal
and nothing parsed from it."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.errors import ParseError
from handlers.grammar import parse_pmo_command
from handlers.portfolio_grammar import (
    PortfolioCommand,
    SchedulePortfolioDigest,
    ShowPortfolioDigests,
    StopPortfolioDigest,
)

NOW = datetime(2026, 11, 19, 15, 0, tzinfo=UTC)
PMO = "<#C0PMO|pmo-office>"  # what Slack sends for a channel picked from its list

PARSED = [
    ("view", "portfolio", PortfolioCommand()),
    ("view-upper", "PORTFOLIO", PortfolioCommand()),
    ("show", "portfolio digest", ShowPortfolioDigests()),
    ("show-word", "portfolio digest settings", ShowPortfolioDigests()),
    ("defaults", f"portfolio digest {PMO}", SchedulePortfolioDigest("C0PMO")),
    (
        "day-time",
        f"portfolio digest {PMO} friday 16:00",
        SchedulePortfolioDigest("C0PMO", 4, time(16, 0)),
    ),
    (
        "channel-last",
        f"portfolio digest monday 9:30am in {PMO}",
        SchedulePortfolioDigest("C0PMO", 0, time(9, 30)),
    ),
    ("day-only", f"portfolio digest {PMO} thurs", SchedulePortfolioDigest("C0PMO", 3)),
    (
        "time-only",
        f"portfolio digest {PMO} at 8:15",
        SchedulePortfolioDigest("C0PMO", None, time(8, 15)),
    ),
    ("no-name", "portfolio digest <#C0PMO> fri", SchedulePortfolioDigest("C0PMO", 4)),
    ("off", "portfolio digest off", StopPortfolioDigest()),
    ("off-channel", f"portfolio digest off {PMO}", StopPortfolioDigest("C0PMO")),
    ("stop-channel", f"portfolio digest stop {PMO}", StopPortfolioDigest("C0PMO")),
]


@pytest.mark.parametrize(("text", "expected"), [p[1:] for p in PARSED], ids=[p[0] for p in PARSED])
def test_portfolio_commands_parse(text: str, expected: object) -> None:
    assert parse_pmo_command(text, now=NOW) == expected


REFUSED = [
    ("extra-word", "portfolio now", "takes `digest …` or nothing more"),
    ("no-channel", "portfolio digest friday 16:00", "Say which channel"),
    (
        "bare-hash",
        "portfolio digest #pmo-office friday 16:00",
        "“#pmo-office” isn't a channel link",
    ),
    ("bare-hash-off", "portfolio digest off #pmo-office", "isn't a channel link"),
    ("someday", f"portfolio digest {PMO} someday", "“someday” isn't a day of the week"),
    ("25:00", f"portfolio digest {PMO} friday 25:00", "hours go from 0 to 23"),
    ("25:00-alone", f"portfolio digest {PMO} 25:00", "hours go from 0 to 23"),
    ("two-days", f"portfolio digest {PMO} fri mon", "give one day"),
    ("two-channels", f"portfolio digest {PMO} <#C0TWO|two> fri", "one channel"),
    ("off-extra", f"portfolio digest off {PMO} please", "takes nothing more"),
    ("off-two", f"portfolio digest off {PMO} <#C0TWO|two>", "one channel's digest at a time"),
    ("project-key", "portfolio digest project:apollo", "leave out `project:`"),
    ("user-not-channel", "portfolio digest <@U0BOB|bob> fri", "Say which channel"),
]


@pytest.mark.parametrize(("text", "message"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_bad_portfolio_commands_get_usage_and_an_example(text: str, message: str) -> None:
    with pytest.raises(ParseError) as raised:
        parse_pmo_command(text, now=NOW)

    assert message in raised.value.message
    assert raised.value.usage is not None
    assert raised.value.usage.startswith("/pmo portfolio [digest")
    assert raised.value.example == "/pmo portfolio digest #pmo-office friday 16:00"
