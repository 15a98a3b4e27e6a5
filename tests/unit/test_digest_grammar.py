"""`/pmo digest …` grammar: table-driven, with a usage line and an example on every refusal."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.errors import ParseError
from handlers.digest_grammar import (
    DigestMentions,
    PostDigest,
    ScheduleDigest,
    ShowDigest,
    SwitchDigest,
    day_number,
)
from handlers.grammar import parse_pmo_command

NOW = datetime(2026, 11, 19, 15, 0, tzinfo=UTC)

PARSED = [
    ("digest", ShowDigest()),
    ("digest show", ShowDigest()),
    ("DIGEST help", ShowDigest()),
    ("digest project:hermes", ShowDigest("hermes")),
    ("digest schedule friday 16:00", ScheduleDigest(4, time(16, 0))),
    ("digest schedule Fri 4pm", ScheduleDigest(4, time(16, 0))),
    ("digest schedule on mondays at 9:30am", ScheduleDigest(0, time(9, 30))),
    ("digest schedule 08:15 wed", ScheduleDigest(2, time(8, 15))),
    ("digest schedule thurs", ScheduleDigest(3, None)),
    ("digest schedule sunday noon", ScheduleDigest(6, time(12, 0))),
    ("digest friday 17:30", ScheduleDigest(4, time(17, 30))),
    ("digest schedule tue 9:00 project:hermes", ScheduleDigest(1, time(9, 0), "hermes")),
    ("digest off", SwitchDigest(False)),
    ("digest pause", SwitchDigest(False)),
    ("digest on", SwitchDigest(True)),
    ("digest now", PostDigest(False)),
    ("digest preview", PostDigest(True)),
    ("digest preview project:hermes", PostDigest(True, "hermes")),
    ("digest mentions on", DigestMentions(True)),
    ("digest mentions OFF", DigestMentions(False)),
]


@pytest.mark.parametrize(("text", "expected"), PARSED, ids=[t for t, _ in PARSED])
def test_digest_commands_parse(text: str, expected: object) -> None:
    assert parse_pmo_command(text, now=NOW) == expected


REFUSED = [
    ("digest schedule someday 25:00", "“someday” isn't a day of the week"),
    ("digest schedule friday 25:00", "hours go from 0 to 23"),
    ("digest schedule friday 13pm", "the hour goes from 1 to 12"),
    ("digest schedule", "Say when"),
    ("digest schedule fri mon 10:00", "give one day"),
    ("digest schedule 16:00", "isn't a day of the week"),
    ("digest mentions", "takes on or off"),
    ("digest mentions maybe", "takes on or off, not “maybe”"),
    ("digest mentions on please", "takes on or off"),
    ("digest nwo", "Did you mean `/pmo digest now`?"),
    ("digest now please", "`digest now` takes nothing more"),
    ("digest off forever", "`digest off` takes nothing more"),
    ("digest <@U0BOB>", "not “<@U0BOB>”"),
]


@pytest.mark.parametrize(("text", "message"), REFUSED, ids=[t for t, _ in REFUSED])
def test_bad_digest_commands_say_why_with_usage_and_example(text: str, message: str) -> None:
    with pytest.raises(ParseError) as refused:
        parse_pmo_command(text, now=NOW)
    assert message in refused.value.message
    assert refused.value.usage is not None
    assert refused.value.usage.startswith("/pmo digest")
    assert refused.value.example == "/pmo digest schedule friday 16:00"


DAYS = [
    ("mon", 0),
    ("Monday", 0),
    ("tues", 1),
    ("weds", 2),
    ("wednesday", 2),
    ("thu", 3),
    ("thurs", 3),
    ("fridays", 4),
    ("sat", 5),
    ("sun", 6),
    ("fr", None),
    ("t", None),
    ("someday", None),
    ("funday", None),
]


@pytest.mark.parametrize(("word", "number"), DAYS, ids=[w for w, _ in DAYS])
def test_day_names(word: str, number: int | None) -> None:
    assert day_number(word) == number
