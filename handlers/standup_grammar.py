"""Pure grammar of `/standup`: command text → typed standup commands, or a ParseError."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.dates import format_day
from bot.domain import (
    DEFAULT_QUESTIONS,
    STANDUP_MEMBERS_MAX,
    STANDUP_QUESTION_MAX_LEN,
    STANDUP_QUESTIONS_MAX,
)
from bot.errors import ParseError, UserError
from bot.services.calendar import parse_clock
from handlers.grammar import nothing_after
from handlers.parsing import (
    QUOTES,
    Token,
    check_length,
    clean_text,
    clip,
    tokenize,
)
from handlers.usage import (
    STANDUP_USAGE,
    standup_overview,
)

STANDUP_ALIASES = {
    "time": "at",
    "question": "questions",
    "member": "members",
    "people": "members",
    "who": "members",
    "day": "days",
    "pause": "off",
    "disable": "off",
    "resume": "on",
    "enable": "on",
}
STANDUP_SHOW_WORDS = frozenset({"show", "settings", "status", "config"})
HELP_WORDS = frozenset({"help", "?", "-h", "--help"})
DAY_NUMBERS = {"mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "weds": 2}
DAY_NUMBERS |= {"wednesday": 2, "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4}
DAY_NUMBERS |= {"friday": 4, "sat": 5, "saturday": 5, "sun": 6, "sunday": 6}
DAY_GROUPS: dict[str, tuple[int, ...]] = {
    "weekdays": (0, 1, 2, 3, 4),
    "weekday": (0, 1, 2, 3, 4),
    "workdays": (0, 1, 2, 3, 4),
    "daily": (0, 1, 2, 3, 4, 5, 6),
    "everyday": (0, 1, 2, 3, 4, 5, 6),
    "weekends": (5, 6),
    "weekend": (5, 6),
}
DAYS_HINT = "Say `weekdays`, `daily`, or days such as `mon,wed,fri` or `mon-thu`."
_DAY_FILLER = frozenset({"on", "every", "and", "&"})
_DAY_SPLIT = re.compile(r"[\s,;/+]+")
_DAY_RANGE = re.compile(r"([a-z]+)[-–—]([a-z]+)")
_AM_PM = frozenset({"am", "pm", "a.m.", "p.m.", "a.m", "p.m"})
CHANNEL_WORDS = frozenset({"channel", "everyone", "all", "@channel", "@here", "@everyone"})
DEFAULT_WORDS = frozenset({"default", "defaults", "reset"})
_QUESTION_CLOSERS = frozenset('"”“')
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}")
REPORT_HINT = "Say `today`, `yesterday`, a weekday such as `monday` (the last one) or `2026-11-20`."


@dataclass(frozen=True)
class ShowStandup:
    """`/standup` alone (the settings) or `/standup help` (the settings and the commands)."""

    help: bool = False


@dataclass(frozen=True)
class ScheduleStandup:
    """`/standup at <hh:mm> [days]` or `/standup days <days>`: None keeps what is set."""

    at: time | None = None
    days: tuple[int, ...] | None = None


@dataclass(frozen=True)
class SetStandupQuestions:
    questions: tuple[str, ...]


@dataclass(frozen=True)
class SetStandupMembers:
    """Named people (`members`), or everyone in the channel (`channel`)."""

    members: tuple[str, ...] = ()
    channel: bool = False


@dataclass(frozen=True)
class SwitchStandup:
    enabled: bool


@dataclass(frozen=True)
class RunStandupNow:
    pass


@dataclass(frozen=True)
class ReportStandup:
    day: date


StandupCommand = (
    ShowStandup
    | ScheduleStandup
    | SetStandupQuestions
    | SetStandupMembers
    | SwitchStandup
    | RunStandupNow
    | ReportStandup
)


def standup_subcommand(parsed: StandupCommand) -> str:
    """The STANDUP_USAGE entry a command comes from: what a refusal of it teaches."""
    match parsed:
        case ScheduleStandup(at=None):
            return "days"
        case ScheduleStandup():
            return "at"
        case SetStandupQuestions():
            return "questions"
        case SetStandupMembers():
            return "members"
        case SwitchStandup(enabled=enabled):
            return "on" if enabled else "off"
        case RunStandupNow():
            return "now"
        case ReportStandup():
            return "report"
    return "help"


def parse_standup_command(text: str, *, now: datetime) -> StandupCommand:
    """Parse `/standup …` text; `now` (aware, in the person's zone) dates `report` days."""
    overview = standup_overview()
    try:
        tokens = tokenize(text)
    except UserError as error:
        raise error.with_usage(overview.usage, overview.example) from None
    word = tokens[0].text.lower() if tokens and tokens[0].is_word else ""
    if not tokens or word in STANDUP_SHOW_WORDS:
        if len(tokens) > 1:
            raise ParseError(
                f"`{word}` takes nothing more; I don't know what “{clip(tokens[1].text)}” is.",
                usage=overview.usage,
                example=overview.example,
            )
        return ShowStandup()
    if word in HELP_WORDS:
        return ShowStandup(help=True)
    word = STANDUP_ALIASES.get(word, word)
    if word not in STANDUP_USAGE:
        close = difflib.get_close_matches(word, list(STANDUP_USAGE), n=1)
        hint = f" Did you mean `/standup {close[0]}`?" if close else ""
        raise ParseError(
            f"“{clip(tokens[0].text)}” isn't a /standup command.{hint}",
            usage=overview.usage,
            example=overview.example,
        )
    usage = STANDUP_USAGE[word]
    try:
        return _parse_standup(word, text, tokens, now)
    except UserError as error:
        raise error.with_usage(usage.usage, usage.example) from None


def _parse_standup(sub: str, text: str, tokens: list[Token], now: datetime) -> StandupCommand:
    rest = tokens[1:]
    if sub == "at":
        return _standup_at(rest)
    if sub == "days":
        if not rest:
            raise ParseError(f"Say on which days. {DAYS_HINT}")
        return ScheduleStandup(days=_standup_days(rest))
    if sub == "questions":
        return SetStandupQuestions(_standup_questions(text[tokens[0].end :]))
    if sub == "members":
        return _standup_members(rest)
    if sub == "report":
        return ReportStandup(_report_day(rest, now))
    nothing_after(rest, sub)
    if sub in ("on", "off"):
        return SwitchStandup(enabled=sub == "on")
    if sub == "now":
        return RunStandupNow()
    return ShowStandup(help=True)


def _standup_at(tokens: list[Token]) -> ScheduleStandup:
    if not tokens:
        raise ParseError("Say at what time, such as `09:30` or `9:30am`.")
    if not tokens[0].is_word:
        raise ParseError(f"Give the time first, such as `09:30`, not “{clip(tokens[0].text)}”.")
    used = 1
    if len(tokens) > 1 and tokens[1].is_word and tokens[1].text.lower() in _AM_PM:
        used = 2  # `9:30 am`
    at = parse_clock(" ".join(t.text for t in tokens[:used]))
    rest = tokens[used:]
    return ScheduleStandup(at=at, days=_standup_days(rest) if rest else None)


def _standup_days(tokens: list[Token]) -> tuple[int, ...]:
    """`weekdays`, `daily`, `mon,wed,fri`, `mon wed and fri`, `mon-thu`, `on tuesdays`."""
    bad = next((t for t in tokens if not t.is_word), None)
    if bad is not None:
        raise ParseError(f"“{clip(bad.text)}” isn't a day. {DAYS_HINT}")
    words = " ".join(t.text for t in tokens).lower().replace("every day", "daily")
    chosen: set[int] = set()
    for piece in _DAY_SPLIT.split(words):
        if not piece or piece in _DAY_FILLER:
            continue
        if piece in DAY_GROUPS:
            chosen.update(DAY_GROUPS[piece])
            continue
        span = _DAY_RANGE.fullmatch(piece)
        if span is not None:
            first, last = _day_number(span.group(1)), _day_number(span.group(2))
            chosen.update((first + i) % 7 for i in range((last - first) % 7 + 1))
            continue
        chosen.add(_day_number(piece))
    if not chosen:
        raise ParseError(f"Say on which days. {DAYS_HINT}")
    return tuple(sorted(chosen))


def _day_number(word: str) -> int:
    number = DAY_NUMBERS.get(word, DAY_NUMBERS.get(word.removesuffix("s")))
    if number is None:
        raise ParseError(f"“{clip(word)}” isn't a day. {DAYS_HINT}")
    return number


def _standup_questions(raw: str) -> tuple[str, ...]:
    """`"…" | "…"`: split on `|` outside quotes and Slack's `<@U…|name>`; quotes optional."""
    if not raw.strip():
        raise ParseError(
            f"Give 1 to {STANDUP_QUESTIONS_MAX} questions separated by `|`, or `default`."
        )
    if raw.strip().lower() in DEFAULT_WORDS:
        return DEFAULT_QUESTIONS
    questions = tuple(_question(part) for part in _split_bars(raw))
    if len(questions) > STANDUP_QUESTIONS_MAX:
        raise ParseError(
            f"That's {len(questions)} questions; a standup asks at most {STANDUP_QUESTIONS_MAX}."
        )
    for number, question in enumerate(questions, start=1):
        if not question:
            raise ParseError(
                f"Question {number} is empty: put one question between each pair of `|`."
            )
        check_length(f"question {number}", question, STANDUP_QUESTION_MAX_LEN)
    seen = [q.lower() for q in questions]
    twice = next((q for i, q in enumerate(questions) if seen.index(q.lower()) != i), None)
    if twice is not None:
        raise ParseError(f"“{clip(twice)}” is asked twice.")
    return questions


def _split_bars(raw: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    in_ref = in_quote = False
    for char in raw:
        if in_quote:
            in_quote = char not in _QUESTION_CLOSERS
        elif char == "<":
            in_ref = True
        elif char == ">":
            in_ref = False
        elif char in QUOTES and not in_ref:
            in_quote = True
        elif char == "|" and not in_ref:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    if in_quote:
        raise ParseError('A quote is left open: close each question with `"`.')
    parts.append("".join(current))
    return parts


def _question(part: str) -> str:
    text = part.strip()
    if len(text) >= 2 and text[0] in QUOTES and text[-1] in QUOTES:
        text = text[1:-1]
    return " ".join(clean_text(text).split())


def _standup_members(tokens: list[Token]) -> SetStandupMembers:
    if not tokens:
        raise ParseError(
            "Say who is asked: @-mention the people, or `channel` for everyone in this channel."
        )
    if len(tokens) == 1 and tokens[0].text.lower() in CHANNEL_WORDS and not tokens[0].quoted:
        return SetStandupMembers(channel=True)
    people: list[str] = []
    for token in tokens:
        if token.user_id:
            people.append(token.user_id)
        elif token.text.lower() in CHANNEL_WORDS:
            raise ParseError("Name people, or say `channel` alone for everyone in this channel.")
        elif token.text.startswith("@"):
            raise ParseError(
                f"I can't ask a user group such as “{clip(token.text)}”: name the people, or "
                "use `channel` for everyone in this channel."
            )
        else:
            raise ParseError(
                f"“{clip(token.text)}” isn't a person: pick people from Slack's @-mention "
                "list so their names turn into mentions."
            )
    unique = tuple(dict.fromkeys(people))
    if len(unique) > STANDUP_MEMBERS_MAX:
        raise ParseError(
            f"That's {len(unique)} people; a list holds at most {STANDUP_MEMBERS_MAX}. "
            "For a bigger team use `/standup members channel`."
        )
    return SetStandupMembers(members=unique)


def _report_day(tokens: list[Token], now: datetime) -> date:
    """`today` (the default), `yesterday`, `2026-11-20`, a weekday (its last occurrence, today
    included), `last monday` (before today). Days to come are refused."""
    today = now.date()
    bad = next((t for t in tokens if not t.is_word), None)
    if bad is not None:
        raise ParseError(f"“{clip(bad.text)}” isn't a day. {REPORT_HINT}")
    words = [t.text.lower().rstrip(".,!") for t in tokens]
    if words and words[0] in ("on", "for"):
        words = words[1:]
    phrase = " ".join(words)
    if phrase in ("", "today"):
        return today
    if phrase == "yesterday":
        return today - timedelta(days=1)
    if phrase == "tomorrow":
        raise ParseError("Tomorrow hasn't happened yet: a report is for today or a day before.")
    if _ISO_DAY.fullmatch(phrase):
        try:
            day = date.fromisoformat("-".join(f"{int(p):02d}" for p in phrase.split("-")))
        except ValueError:
            raise ParseError(f"“{clip(phrase)}” isn't a real date.") from None
        if day > today:
            raise ParseError(
                f"{format_day(day, today=today)} hasn't happened yet: a report is for today or "
                "a day before."
            )
        return day
    strictly_before = len(words) == 2 and words[0] == "last"
    name = words[-1] if strictly_before or len(words) == 1 else ""
    number = DAY_NUMBERS.get(name)
    if number is None:
        raise ParseError(f"I can't tell which day “{clip(phrase)}” is. {REPORT_HINT}")
    back = (today.weekday() - number) % 7
    if back == 0 and strictly_before:
        back = 7
    return today - timedelta(days=back)
