"""Pure grammar of `/pmo portfolio …`: the view alone, or its weekly digest to a channel
(`digest #channel <day> <time>`, `digest`, `digest off [#channel]`); a ParseError otherwise
(`/pmo`'s grammar adds the usage line and example)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from bot.errors import ParseError
from bot.services.calendar import parse_clock
from handlers.digest_grammar import SHOW_WORDS, day_number, nothing_after, weekly_schedule
from handlers.parsing import Token, clip, free_text

CHANNEL = re.compile(r"<#(C[A-Z0-9]+)>")
STOP_WORDS = frozenset({"off", "stop", "disable", "remove", "pause"})
FILLER = frozenset({"in", "to", "into", "on", "every", "each", "at"})
EXAMPLE = "/pmo portfolio digest #pmo-office friday 16:00"


@dataclass(frozen=True)
class PortfolioCommand:
    """`/pmo portfolio`: every project's RAG, trend, risks, overdue actions and issues."""


@dataclass(frozen=True)
class ShowPortfolioDigests:
    """`/pmo portfolio digest`: where and when the workspace's weekly portfolios go."""


@dataclass(frozen=True)
class SchedulePortfolioDigest:
    """`/pmo portfolio digest #channel [<day>] [<hh:mm>]`: None keeps what is set (or the
    default, Friday 16:00, for a new one); the time is the caller's."""

    channel_id: str
    day: int | None = None
    at: time | None = None


@dataclass(frozen=True)
class StopPortfolioDigest:
    """`/pmo portfolio digest off [#channel]`."""

    channel_id: str | None = None


PortfolioCommands = (
    PortfolioCommand | ShowPortfolioDigests | SchedulePortfolioDigest | StopPortfolioDigest
)


def parse_portfolio(raw: str, tokens: list[Token], project: str | None) -> PortfolioCommands:
    """`tokens` are those after `portfolio` (with `project:` taken out), `raw` the text."""
    if project is not None:
        raise ParseError("The portfolio covers every project: leave out `project:`.")
    if not tokens:
        return PortfolioCommand()
    head, rest = tokens[0], tokens[1:]
    if not (head.is_word and head.text.lower() == "digest"):
        raise ParseError(
            f"`portfolio` takes `digest …` or nothing more; I don't know what "
            f"“{clip(head.text)}” is."
        )
    if not rest:
        return ShowPortfolioDigests()
    word = rest[0].text.lower() if rest[0].is_word else ""
    if word in SHOW_WORDS:
        nothing_after(rest[1:], f"portfolio digest {word}")
        return ShowPortfolioDigests()
    if word in STOP_WORDS:
        channels, others = _channels(rest[1:])
        nothing_after(others, f"portfolio digest {word}")
        if len(channels) > 1:
            raise ParseError("Stop one channel's digest at a time: name one channel.")
        return StopPortfolioDigest(channels[0] if channels else None)
    channels, others = _channels(rest)
    if not channels:
        raise ParseError(
            "Say which channel the weekly portfolio goes to, as a channel link: "
            "type `#` and pick the channel."
        )
    if len(channels) > 1:
        raise ParseError("The portfolio digest goes to one channel: name one, such as #pmo-office.")
    day, at = _when(raw, [t for t in others if not (t.is_word and t.text.lower() in FILLER)])
    return SchedulePortfolioDigest(channels[0], day, at)


def _channels(tokens: list[Token]) -> tuple[list[str], list[Token]]:
    """The channel ids linked among `tokens`, and the other tokens. A bare `#name` (not the
    link Slack sends when a channel is picked) is refused: its id can't be known from it."""
    channels: list[str] = []
    others: list[Token] = []
    for token in tokens:
        found = CHANNEL.fullmatch(token.text) if token.is_word else None
        if found:
            channels.append(found.group(1))
        elif token.is_word and token.text.startswith("#"):
            raise ParseError(
                f"“{clip(token.text)}” isn't a channel link: type `#` and pick the channel from "
                "Slack's list, so it turns into a link."
            )
        else:
            others.append(token)
    return channels, others


def _when(raw: str, tokens: list[Token]) -> tuple[int | None, time | None]:
    """A day and a time, a time alone (the day kept), or nothing (both kept)."""
    if not tokens:
        return None, None
    no_day = not any(t.is_word and day_number(t.text) is not None for t in tokens)
    text = free_text(raw, tokens)
    if no_day and any(char.isdigit() for char in text):
        return None, parse_clock(text)  # `16:00` keeps the day; `25:00` hears why not
    return weekly_schedule(raw, tokens)
