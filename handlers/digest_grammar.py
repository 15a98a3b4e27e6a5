"""Pure grammar of `/pmo digest …`: the words after `digest` → typed digest commands, or a
ParseError (`/pmo`'s grammar adds the usage line and example)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import time

from bot.digest_domain import DAY_NAMES
from bot.errors import ParseError
from bot.services.calendar import parse_clock
from handlers.parsing import Token, clip, free_text

SHOW_WORDS = frozenset({"show", "settings", "status", "help", "?"})
SCHEDULE_WORDS = frozenset({"schedule", "at", "every", "day", "time", "move"})
SWITCHES = {"on": True, "enable": True, "resume": True, "off": False, "disable": False}
SWITCHES |= {"pause": False, "stop": False}
POST_WORDS = {"now": False, "post": False, "send": False, "preview": True, "test": True}
MENTION_WORDS = frozenset({"mentions", "mention", "pings", "ping"})
SUBCOMMANDS = ("schedule", "on", "off", "now", "preview", "mentions")
DAY_FILLER = frozenset({"on", "every", "each"})
DAY_ALIASES = {"weds": 2, "thur": 3, "thurs": 3, "tues": 1}
DAY_HINT = "Say a day of the week, such as `friday` or `fri`."


@dataclass(frozen=True)
class ShowDigest:
    """`/pmo digest` alone: the project's digest settings."""

    project: str | None = None


@dataclass(frozen=True)
class ScheduleDigest:
    """`/pmo digest schedule <day> [<hh:mm>]`: `at` None keeps the time set."""

    day: int
    at: time | None = None
    project: str | None = None


@dataclass(frozen=True)
class SwitchDigest:
    enabled: bool
    project: str | None = None


@dataclass(frozen=True)
class DigestMentions:
    """`/pmo digest mentions on|off`: ping owners, or name them in plain text."""

    enabled: bool
    project: str | None = None


@dataclass(frozen=True)
class PostDigest:
    """`/pmo digest now` (in the channel) or `preview` (only to the person asking)."""

    preview: bool = False
    project: str | None = None


DigestCommand = ShowDigest | ScheduleDigest | SwitchDigest | DigestMentions | PostDigest


def parse_digest(raw: str, tokens: list[Token], project: str | None) -> DigestCommand:
    """`tokens` are those after `digest` (with `project:` taken out), `raw` the command text."""
    if not tokens:
        return ShowDigest(project)
    head, rest = tokens[0], tokens[1:]
    word = head.text.lower() if head.is_word else ""
    if word in SHOW_WORDS:
        nothing_after(rest, f"digest {word}")
        return ShowDigest(project)
    if word in SCHEDULE_WORDS:
        day, at = weekly_schedule(raw, rest)
        return ScheduleDigest(day, at, project)
    if day_number(word) is not None:  # `/pmo digest friday 16:00`
        day, at = weekly_schedule(raw, tokens)
        return ScheduleDigest(day, at, project)
    if word in SWITCHES:
        nothing_after(rest, f"digest {word}")
        return SwitchDigest(SWITCHES[word], project)
    if word in POST_WORDS:
        nothing_after(rest, f"digest {word}")
        return PostDigest(POST_WORDS[word], project)
    if word in MENTION_WORDS:
        return DigestMentions(_switch(rest), project)
    close = difflib.get_close_matches(word, SUBCOMMANDS, n=1)
    hint = f" Did you mean `/pmo digest {close[0]}`?" if close else ""
    raise ParseError(
        f"`digest` takes schedule, on, off, now, preview or mentions, not “{clip(head.text)}”."
        + hint
    )


def day_number(word: str) -> int | None:
    """Monday 0 … Sunday 6 for a day's name or its start (`fri`, `thurs`, `fridays`)."""
    word = word.lower().strip(".,")
    if word in DAY_ALIASES:
        return DAY_ALIASES[word]
    for candidate in (word, word.removesuffix("s")):
        if len(candidate) >= 3:
            for number, name in enumerate(DAY_NAMES):
                if name.lower().startswith(candidate):
                    return number
    return None


def weekly_schedule(raw: str, tokens: list[Token]) -> tuple[int, time | None]:
    """The day (one, anywhere) and the time (the other words, if any)."""
    words = [t for t in tokens if not (t.is_word and t.text.lower() in DAY_FILLER)]
    if not words:
        raise ParseError("Say when: a day of the week and a time, such as `friday 16:00`.")
    days = [(t, day_number(t.text)) for t in words if t.is_word]
    found = [(t, number) for t, number in days if number is not None]
    if not found:
        raise ParseError(f"“{clip(words[0].text)}” isn't a day of the week. {DAY_HINT}")
    if len(found) > 1:
        raise ParseError("The digest goes out once a week: give one day, such as `friday`.")
    day_token, day = found[0]
    rest = [t for t in words if t is not day_token]
    if not rest:
        return day, None
    return day, parse_clock(free_text(raw, rest))


def _switch(tokens: list[Token]) -> bool:
    word = tokens[0].text.lower() if tokens and tokens[0].is_word else ""
    if word not in ("on", "off") or len(tokens) > 1:
        shown = (
            f", not “{clip(tokens[-1].text if word in ('on', 'off') else tokens[0].text)}”"
            if tokens
            else ""
        )
        raise ParseError(f"`digest mentions` takes on or off{shown}.")
    return word == "on"


def nothing_after(tokens: list[Token], what: str) -> None:
    if tokens:
        raise ParseError(
            f"`{what}` takes nothing more; I don't know what “{clip(tokens[0].text)}” is."
        )
