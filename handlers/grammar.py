"""Pure command grammar: slash-command text → typed command objects, or a ParseError."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from bot.dates import format_day
from bot.domain import (
    Kind,
    Rag,
)
from bot.errors import DateError, ParseError, UserError
from bot.fields import FIELDS, PERSON_FIELD, FieldType, Value, field_by_key
from bot.services.calendar import ESCALATION_MAX, ESCALATION_MIN, parse_clock
from handlers.digest_grammar import DigestCommand, parse_digest
from handlers.parsing import (
    Token,
    a_or_an,
    check_length,
    clip,
    free_text,
    looks_like_item_id,
    parse_date_run,
    parse_item_number,
    parse_level,
    parse_value,
    tokenize,
)
from handlers.portfolio_grammar import PortfolioCommands, parse_portfolio
from handlers.usage import (
    ITEM_USAGE,
    PMO_USAGE,
    kind_overview,
    pmo_overview,
)

SCOPES: dict[Kind, tuple[str, ...]] = {
    Kind.RISK: ("open", "closed", "all", "mine", "top"),
    Kind.ACTION: ("open", "overdue", "mine", "done", "all"),
    Kind.ISSUE: ("open", "resolved", "all", "mine"),
    Kind.DECISION: ("active", "superseded", "all", "mine"),
}
SUBCOMMAND_ALIASES = {"ls": "list", "new": "add", "log": "add", "view": "show", "get": "show"}
CLOSE_VERBS = {Kind.RISK: "close", Kind.ACTION: "done", Kind.ISSUE: "resolve"}
CLOSE_ALIASES = {"close", "done", "resolve", "complete", "finish"}
RAG_WORDS = {"green": Rag.GREEN, "g": Rag.GREEN, "amber": Rag.AMBER, "a": Rag.AMBER}
RAG_WORDS |= {"yellow": Rag.AMBER, "red": Rag.RED, "r": Rag.RED}
REASON_MAX = 2000
VAGUE_DATES = frozenset(
    {"someday", "asap", "soon", "later", "tbd", "tbc", "whenever", "eventually"}
)
_CHANNEL_REF = re.compile(r"<#(C[A-Z0-9]+)>")
NAME_MAX = 80
PMO_ALIASES = {"reminder": "reminders", "holidays": "holiday", "ooo": "away"}
SWITCH_WORDS = {"on": True, "enable": True, "off": False, "disable": False}
ESCALATION_UNITS = frozenset(
    {"", "day", "days", "working day", "working days", "business day", "business days"}
)
REMOVE_WORDS = frozenset({"remove", "rm", "delete", "del", "drop"})
AWAY_OFF_WORDS = frozenset({"off", "back", "cancel", "clear"})
AWAY_SHOW_WORDS = frozenset({"list", "ls", "show"})
RANGE_WORDS = frozenset({"to", "until", "till", "til", "through", "thru", "-", "–", "—"})
_ESCALATION_NUMBER = re.compile(r"[0-9]{1,4}")


@dataclass(frozen=True)
class Help:
    kind: Kind | None = None


@dataclass(frozen=True)
class AddItem:
    kind: Kind
    values: dict[str, Value]
    project: str | None = None


@dataclass(frozen=True)
class OpenAddForm:
    """`/risk add` with nothing after it: the form, in Slack."""

    kind: Kind
    project: str | None = None


@dataclass(frozen=True)
class ExportItems:
    kind: Kind
    project: str | None = None


@dataclass(frozen=True)
class ListItems:
    kind: Kind
    scope: str
    owner_id: str | None = None
    project: str | None = None
    page: int = 1


@dataclass(frozen=True)
class ShowItem:
    kind: Kind
    number: int
    history: bool = False


@dataclass(frozen=True)
class UpdateItem:
    kind: Kind
    number: int
    values: dict[str, Value]
    verb: str = "updated"


@dataclass(frozen=True)
class CloseItem:
    kind: Kind
    number: int
    note: str | None = None
    occurred: bool = False


@dataclass(frozen=True)
class ReopenItem:
    kind: Kind
    number: int


@dataclass(frozen=True)
class SupersedeDecision:
    number: int
    by_number: int


@dataclass(frozen=True)
class ProjectCommand:
    name: str | None


@dataclass(frozen=True)
class StatusCommand:
    rag: Rag | None = None
    reason: str | None = None
    project: str | None = None


@dataclass(frozen=True)
class RemindersCommand:
    """`/pmo reminders [on|off|time <hh:mm>|escalate <days>]`: with no setting, show them."""

    enabled: bool | None = None
    at: time | None = None
    escalation_days: int | None = None
    project: str | None = None

    @property
    def is_show(self) -> bool:
        return self.enabled is None and self.at is None and self.escalation_days is None


@dataclass(frozen=True)
class AddHoliday:
    day: date
    name: str | None = None
    workspace_wide: bool = False
    project: str | None = None


@dataclass(frozen=True)
class ListHolidays:
    project: str | None = None


@dataclass(frozen=True)
class RemoveHoliday:
    day: date
    workspace_wide: bool = False
    project: str | None = None


@dataclass(frozen=True)
class SetAway:
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class EndAway:
    pass


@dataclass(frozen=True)
class ShowAway:
    pass


ItemCommand = (
    Help
    | OpenAddForm
    | AddItem
    | ExportItems
    | ListItems
    | ShowItem
    | UpdateItem
    | CloseItem
    | ReopenItem
    | SupersedeDecision
)
PmoCommand = (
    Help
    | ProjectCommand
    | StatusCommand
    | PortfolioCommands
    | RemindersCommand
    | AddHoliday
    | ListHolidays
    | RemoveHoliday
    | SetAway
    | EndAway
    | ShowAway
    | DigestCommand
)


@dataclass
class _Args:
    """The tokens after the subcommand, with `project:` and `page:` taken out."""

    raw: str
    tokens: list[Token]
    project: str | None = None
    page: str | None = None
    used: list[str] = field(default_factory=list)


def parse_item_command(kind: Kind, text: str, *, now: datetime) -> ItemCommand:
    """Parse `/risk …`, `/action …`, `/issue …` or `/decision …` text."""
    overview = kind_overview(kind)
    try:
        tokens = tokenize(text)
    except UserError as error:
        raise error.with_usage(overview.usage, overview.example) from None
    if not tokens:
        return Help(kind)
    head = tokens[0]
    word = head.text.lower() if head.is_word else ""
    if word in ("help", "?", "-h", "--help"):
        return Help(kind)
    if head.is_word and looks_like_item_id(word) and len(tokens) == 1:
        show = ITEM_USAGE[kind]["show"]
        try:
            return ShowItem(kind, parse_item_number(word, kind.value, kind.noun))
        except UserError as error:
            raise error.with_usage(show.usage, show.example) from None
    sub = _subcommand(kind, word, head)
    usage = ITEM_USAGE[kind][sub]
    try:
        return _parse_item(kind, sub, _split_args(text, tokens[1:]), now)
    except UserError as error:
        raise error.with_usage(usage.usage, usage.example) from None


def _subcommand(kind: Kind, word: str, head: Token) -> str:
    word = SUBCOMMAND_ALIASES.get(word, word)
    if word in CLOSE_ALIASES and kind in CLOSE_VERBS:
        word = CLOSE_VERBS[kind]
    if word in ITEM_USAGE[kind]:
        return word
    overview = kind_overview(kind)
    close = difflib.get_close_matches(word, list(ITEM_USAGE[kind]), n=1)
    hint = f" Did you mean `{kind.command} {close[0]}`?" if close else ""
    raise ParseError(
        f"“{clip(head.text)}” isn't a {kind.command} command.{hint}",
        usage=overview.usage,
        example=overview.example,
    )


def _split_args(raw: str, tokens: list[Token]) -> _Args:
    args = _Args(raw, [])
    for token in tokens:
        if token.key == "project":
            channel = _CHANNEL_REF.fullmatch(token.text.strip())
            # `project:#apollo` arrives as a channel reference: the project bound to it.
            slug = token.text.strip().lstrip("#").lower()
            args.project = f"#{channel.group(1)}" if channel else slug
        elif token.key == "page":
            args.page = token.text
        else:
            args.tokens.append(token)
    return args


def _parse_item(kind: Kind, sub: str, args: _Args, now: datetime) -> ItemCommand:
    if sub == "add":
        if not args.tokens:
            return OpenAddForm(kind, args.project)
        return AddItem(kind, _add_values(kind, args, now), args.project)
    if sub == "export":
        _no_more(args, sub)
        return ExportItems(kind, args.project)
    if sub == "list":
        return _list(kind, args)
    number = _leading_id(kind, args, sub)
    if sub in ("show", "history"):
        _no_more(args, sub)
        return ShowItem(kind, number, history=sub == "history")
    if sub == "update":
        values, free = _fields(kind, args.tokens, now)
        if free:
            raise ParseError(
                f"`update` takes `field:value` pairs; “{clip(free[0].text)}” isn't one."
            )
        if not values:
            raise ParseError("Say what to change, as `field:value`.")
        return UpdateItem(kind, number, values)
    if sub in ("close", "done", "resolve", "occurred"):
        note = free_text(args.raw, args.tokens) or None
        if note is not None:
            check_length("note", note, REASON_MAX)
        return CloseItem(kind, number, note, occurred=sub == "occurred")
    if sub == "reopen":
        _no_more(args, sub)
        return ReopenItem(kind, number)
    if sub == "assign":
        return UpdateItem(kind, number, {"owner": _one_person(args)}, verb="assigned")
    if sub in ("due", "snooze"):
        verb = "snoozed" if sub == "snooze" else "rescheduled"
        return UpdateItem(kind, number, {"due": _date_words(args, now)}, verb=verb)
    if sub == "supersede":
        return _supersede(number, args)
    raise AssertionError(f"unhandled subcommand {sub}")


def _leading_id(kind: Kind, args: _Args, sub: str) -> int:
    if not args.tokens or not args.tokens[0].is_word:
        raise ParseError(f"`{sub}` needs an id such as `{kind.ref(12)}`.")
    number = parse_item_number(args.tokens[0].text, kind.value, kind.noun)
    args.tokens = args.tokens[1:]
    return number


def _no_more(args: _Args, sub: str) -> None:
    if args.tokens:
        raise ParseError(
            f"`{sub}` takes just an id; I don't know what “{clip(args.tokens[0].text)}” is."
        )


def _one_person(args: _Args) -> str:
    people = [t.user_id for t in args.tokens if t.user_id]
    if len(people) != 1 or len(args.tokens) != 1:
        raise ParseError("Name exactly one person, picked from Slack's @-mention list.")
    return people[0]


def _date_words(args: _Args, now: datetime) -> date | datetime:
    if not args.tokens:
        raise ParseError("Say when, e.g. `friday`, `in 3 days` or `2027-01-15`.")
    words = [Token(t.text, t.start, t.end) for t in args.tokens]
    value, used = parse_date_run(words, now)
    if used != len(words):
        raise DateError(
            f"I read “{' '.join(w.text for w in words[:used])}” as the date but not "
            f"“{clip(' '.join(w.text for w in words[used:]))}”.",
            reason="unparseable",
        )
    return value


def _supersede(old: int, args: _Args) -> SupersedeDecision:
    # The old decision's id was already taken by `_leading_id`; the new one must follow alone.
    if len(args.tokens) != 1 or not args.tokens[0].is_word:
        raise ParseError("`supersede` takes two ids: the old decision, then the one replacing it.")
    new = parse_item_number(args.tokens[0].text, "D", "decision")
    if old == new:
        raise ParseError("A decision can't supersede itself.")
    return SupersedeDecision(old, new)


def _list(kind: Kind, args: _Args) -> ListItems:
    scope, owner = SCOPES[kind][0], None
    for token in args.tokens:
        spec = field_by_key(kind, token.key) if token.key else None
        if token.user_id or (spec and spec.type is FieldType.USER):
            if not token.user_id:
                raise ParseError("Pick the owner from Slack's @-mention list.")
            owner = token.user_id
        elif token.is_word and token.text.lower() in SCOPES[kind]:
            scope = token.text.lower()
        else:
            choices = "|".join(SCOPES[kind])
            raise ParseError(
                f"I can list [{choices}], optionally with `owner:@person`; "
                f"not “{clip(token.text)}”."
            )
    page = 1
    if args.page is not None:
        if not args.page.isdecimal() or not 1 <= int(args.page) <= 10_000:
            raise ParseError("`page:` takes a page number such as `page:2`.")
        page = int(args.page)
    return ListItems(kind, scope, owner, args.project, page)


def _add_values(kind: Kind, args: _Args, now: datetime) -> dict[str, Value]:
    values, free = _fields(kind, args.tokens, now)
    if "due" not in values and any(s.name == "due" for s in FIELDS[kind]):
        due, free = _natural_due(free, now)
        if due is not None:
            values["due"] = due
    person = PERSON_FIELD[kind]
    if person not in values:
        taken, free = _natural_person(free)
        if taken:
            values[person] = taken
    title = free_text(args.raw, free)
    if "title" in values and title:
        raise ParseError(f"The {kind.noun} text is given twice: as words and as a field.")
    title = str(values.get("title", title))
    if not title.strip():
        raise ParseError(f"{a_or_an(kind.noun).capitalize()} needs some text: what is it?")
    values["title"] = check_length(FIELDS[kind][0].label, title, FIELDS[kind][0].max_len)
    return values


def _fields(kind: Kind, tokens: list[Token], now: datetime) -> tuple[dict[str, Value], list[Token]]:
    """`key:value` tokens as typed values; the other tokens are returned as free text."""
    values: dict[str, Value] = {}
    free: list[Token] = []
    i = 0
    while i < len(tokens):
        token, i = tokens[i], i + 1
        if token.key is None:
            free.append(token)
            continue
        spec = field_by_key(kind, token.key)
        if spec is None:
            names = ", ".join(s.name for s in FIELDS[kind])
            raise ParseError(
                f"{a_or_an(kind.noun).capitalize()} has no field `{token.key}`. Fields: {names}."
            )
        if spec.name in values:
            raise ParseError(f"`{spec.name}` is given twice.")
        if spec.type in (FieldType.DAY, FieldType.DUE) and not token.quoted:
            run = [token, *_words_from(tokens, i)]
            when, used = parse_date_run(run, now)
            i += used - 1
            values[spec.name] = (
                when.date() if spec.type is FieldType.DAY and isinstance(when, datetime) else when
            )
        elif spec.type is FieldType.LEVEL and _is_two_word_level(token, tokens, i):
            values[spec.name] = parse_level(spec.name, f"{token.text} {tokens[i].text}")
            i += 1
        else:
            values[spec.name] = parse_value(spec, token, now)
    return values, free


def _words_from(tokens: list[Token], start: int) -> list[Token]:
    words = []
    for token in tokens[start:]:
        if not token.is_word:
            break
        words.append(token)
    return words


def _is_two_word_level(token: Token, tokens: list[Token], i: int) -> bool:
    return (
        token.text.lower() == "very"
        and i < len(tokens)
        and tokens[i].is_word
        and tokens[i].text.lower() in ("high", "low")
    )


def _natural_due(free: list[Token], now: datetime) -> tuple[date | datetime | None, list[Token]]:
    """`due friday`, `due on 15 Jan`, `by eom`: a `by` date must end the text."""
    for i in range(len(free) - 1, -1, -1):
        word = free[i].text.lower() if free[i].is_word else ""
        if word not in ("due", "by"):
            continue
        words = _words_from(free, i + 1)
        if not words:
            continue
        try:
            if word == "by":
                if i + 1 + len(words) != len(free):
                    continue
                when, used = parse_date_run(words, now)
                if used != len(words):
                    continue
            else:
                when, used = parse_date_run(words, now)
        except DateError as error:
            # "due asap" meant a date that isn't one; "due diligence" is prose.
            vague = word == "due" and words[0].text.lower().strip(".!") in VAGUE_DATES
            if error.reason == "unparseable" and not vague:
                continue
            raise
        return when, free[:i] + free[i + 1 + used :]
    return None, free


def _natural_person(free: list[Token]) -> tuple[str | None, list[Token]]:
    """A leading `@bob`, or a trailing `by @bob` / `@bob`, names the owner."""
    if free and free[0].user_id:
        return free[0].user_id, free[1:]
    if free and free[-1].user_id:
        before = free[-2].text.lower() if len(free) > 1 and free[-2].is_word else ""
        if before in ("to", "for", "with", "from", "and", "ask", "tell"):
            return None, free
        cut = 2 if before in ("by", "owner") else 1
        return free[-1].user_id, free[:-cut]
    return None, free


def parse_pmo_command(text: str, *, now: datetime | None = None) -> PmoCommand:
    """Parse `/pmo …` text. `now` (aware, in the person's zone) is what dates are read against:
    the commands that take dates (`holiday add`, `away friday`) need it."""
    try:
        tokens = tokenize(text)
    except UserError as error:
        overview = pmo_overview()
        raise error.with_usage(overview.usage, overview.example) from None
    word = tokens[0].text.lower() if tokens and tokens[0].is_word else ""
    if not tokens or word in ("help", "?"):
        return Help(None)
    word = PMO_ALIASES.get(word, word)
    if word not in PMO_USAGE:
        overview = pmo_overview()
        raise ParseError(
            f"“{clip(tokens[0].text)}” isn't a /pmo command.",
            usage=overview.usage,
            example=overview.example,
        )
    usage = PMO_USAGE[word]
    try:
        return _parse_pmo(word, _split_args(text, tokens[1:]), now)
    except UserError as error:
        raise error.with_usage(usage.usage, usage.example) from None


def _parse_pmo(sub: str, args: _Args, now: datetime | None) -> PmoCommand:
    if sub == "project":
        if args.project:
            raise ParseError("Give the project's name as words: `/pmo project Apollo`.")
        name = free_text(args.raw, args.tokens) or None
        if name is not None:
            check_length("project name", name, NAME_MAX)
            if not any(c.isalnum() for c in name):
                raise ParseError("A project name needs at least one letter or digit.")
        return ProjectCommand(name)
    if sub == "status":
        return _status(args)
    if sub == "portfolio":
        return parse_portfolio(args.raw, args.tokens, args.project)
    if sub == "reminders":
        return _reminders(args)
    if sub == "holiday":
        return _holiday(args, now)
    if sub == "away":
        return _away(args, now)
    if sub == "digest":
        return parse_digest(args.raw, args.tokens, args.project)
    return Help(None)


def _status(args: _Args) -> StatusCommand:
    if not args.tokens:
        return StatusCommand(project=args.project)
    head = args.tokens[0]
    rag = RAG_WORDS.get(head.text.lower()) if head.is_word else None
    if rag is None:
        raise ParseError(f"The status is green, amber or red, not “{clip(head.text)}”.")
    reason = free_text(args.raw, args.tokens[1:]) or None
    if reason is None and rag is not Rag.GREEN:
        raise ParseError(f"Say why the project is {rag.value}, so the team and sponsor know.")
    if reason is not None:
        check_length("reason", reason, REASON_MAX)
    return StatusCommand(rag, reason, args.project)


# -- /pmo reminders, holiday, away ---------------------------------------------------------------


def _reminders(args: _Args) -> RemindersCommand:
    if not args.tokens:
        return RemindersCommand(project=args.project)
    head, rest = args.tokens[0], args.tokens[1:]
    word = head.text.lower() if head.is_word else ""
    if word in SWITCH_WORDS:
        nothing_after(rest, f"reminders {word}")
        return RemindersCommand(enabled=SWITCH_WORDS[word], project=args.project)
    if word in ("time", "at"):
        if not rest:
            raise ParseError("Say at what time, such as `09:30` or `9:30am`.")
        return RemindersCommand(at=parse_clock(free_text(args.raw, rest)), project=args.project)
    if word in ("escalate", "escalation"):
        return RemindersCommand(escalation_days=_escalation_days(rest), project=args.project)
    raise ParseError(
        f"`reminders` takes on, off, `time <hh:mm>` or `escalate <days>`, not “{clip(head.text)}”."
    )


def _escalation_days(tokens: list[Token]) -> int:
    between = f"{ESCALATION_MIN} to {ESCALATION_MAX}"
    head = tokens[0] if tokens else None
    if head is None or not head.is_word or not _ESCALATION_NUMBER.fullmatch(head.text):
        shown = f", not “{clip(head.text)}”" if head is not None else ""
        raise ParseError(
            f"`escalate` takes how many working days overdue an action is raised in the "
            f"channel: {between}{shown}."
        )
    unit = " ".join(t.text.lower() for t in tokens[1:])
    if any(not t.is_word for t in tokens[1:]) or unit not in ESCALATION_UNITS:
        raise ParseError(
            f"`escalate {head.text}` takes nothing more than `days`, not “{clip(unit)}”."
        )
    days = int(head.text)
    if not ESCALATION_MIN <= days <= ESCALATION_MAX:
        raise ParseError(f"Escalate after {between} working days overdue; {days} is out of range.")
    return days


def _holiday(args: _Args, now: datetime | None) -> AddHoliday | ListHolidays | RemoveHoliday:
    if not args.tokens:
        return ListHolidays(args.project)
    head, rest = args.tokens[0], args.tokens[1:]
    word = head.text.lower() if head.is_word else ""
    word = "remove" if word in REMOVE_WORDS else SUBCOMMAND_ALIASES.get(word, word)
    if word == "list":
        nothing_after(rest, "holiday list")
        return ListHolidays(args.project)
    if word not in ("add", "remove"):
        raise ParseError(f"`holiday` takes add, list or remove, not “{clip(head.text)}”.")
    workspace_wide, rest = _take_all(rest)
    if workspace_wide and args.project:
        raise ParseError("`all` means the whole workspace: leave out `project:`.")
    if not rest:
        raise ParseError(f"Say which day, such as `/pmo holiday {word} dec 24`.")
    day, rest = _leading_day(rest, _needed(now), "A holiday")
    if word == "remove":
        if rest:
            raise ParseError(
                f"`holiday remove` takes a date and `all` at most; "
                f"I don't know what “{clip(rest[0].text)}” is."
            )
        return RemoveHoliday(day, workspace_wide, args.project)
    name = free_text(args.raw, rest) or None
    if name is not None:
        check_length("holiday name", name, NAME_MAX)
    return AddHoliday(day, name, workspace_wide, args.project)


def _take_all(tokens: list[Token]) -> tuple[bool, list[Token]]:
    """A lone `all` first or last (the whole workspace), and the tokens without it."""

    def is_all(token: Token) -> bool:
        return token.is_word and token.text.lower() == "all"

    if tokens and is_all(tokens[-1]):
        return True, tokens[:-1]
    if tokens and is_all(tokens[0]):
        return True, tokens[1:]
    return False, tokens


def _leading_day(tokens: list[Token], now: datetime, what: str) -> tuple[date, list[Token]]:
    """The date the tokens start with (its words, as long a run as reads as one), and the rest."""
    words = _words_from(tokens, 0)
    if not words:
        raise ParseError(f"Give the date first, such as `dec 24`, not “{clip(tokens[0].text)}”.")
    value, used = parse_date_run(words, now)
    return _whole_day(value, what), tokens[used:]


def _whole_day(value: date | datetime, what: str) -> date:
    if isinstance(value, datetime):
        raise ParseError(f"{what} is whole days: give the date without a time of day.")
    return value


def _away(args: _Args, now: datetime | None) -> SetAway | EndAway | ShowAway:
    if args.project:
        raise ParseError("Away is about you, in every project: leave out `project:`.")
    tokens = args.tokens
    if not tokens:
        return ShowAway()
    word = tokens[0].text.lower() if tokens[0].is_word else ""
    if word in AWAY_SHOW_WORDS | AWAY_OFF_WORDS:
        nothing_after(tokens[1:], f"away {word}")
        return EndAway() if word in AWAY_OFF_WORDS else ShowAway()
    now = _needed(now)
    split = next(
        (i for i, t in enumerate(tokens) if t.is_word and t.text.lower() in RANGE_WORDS), None
    )
    first_words = tokens if split is None else tokens[:split]
    last_words = [] if split is None else tokens[split + 1 :]
    # `until friday` (nothing before the range word) starts today.
    starts_on = _away_day(first_words, now) if first_words else now.date()
    if split is None:
        return SetAway(starts_on, starts_on)
    if not last_words:
        raise ParseError(f"Say the last day after “{tokens[split].text}”, such as `to friday`.")
    return SetAway(starts_on, _last_away_day(last_words, starts_on, now))


def _away_day(tokens: list[Token], now: datetime) -> date:
    if any(not t.is_word for t in tokens):
        bad = next(t for t in tokens if not t.is_word)
        raise ParseError(
            f"Give days as dates such as `friday` or `2027-01-15`, not “{clip(bad.text)}”."
        )
    return _whole_day(_date_words(_Args("", tokens), now), "Away")


def _last_away_day(tokens: list[Token], starts_on: date, now: datetime) -> date:
    """The last day, read like any date; when that falls before the first day, read from the
    first day instead if that gives a day within the week after it, so `monday to friday` on a
    Thursday is the coming week. Anything else before the first day is refused, naming both."""
    ends_on = _away_day(tokens, now)  # before today: refused as past, which says so
    if ends_on >= starts_on:
        return ends_on
    from_first = datetime.combine(starts_on, time(0), now.tzinfo)
    try:
        later = _away_day(tokens, from_first)
    except DateError:
        later = None
    if later is not None and starts_on <= later < starts_on + timedelta(weeks=1):
        return later
    shown = [format_day(day, today=now.date()) for day in (ends_on, starts_on)]
    raise ParseError(f"The last day, {shown[0]}, is before the first, {shown[1]}.")


def nothing_after(tokens: list[Token], what: str) -> None:
    if tokens:
        raise ParseError(
            f"`{what}` takes nothing more; I don't know what “{clip(tokens[0].text)}” is."
        )


def _needed(now: datetime | None) -> datetime:
    if now is None:
        raise ValueError("reading a date needs `now`, in the person's time zone")
    return now
