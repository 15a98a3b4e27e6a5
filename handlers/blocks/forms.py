"""Pure modals for RAID items — add, edit, log a message — and the reader of what they submit.

Block ids are the field names of `bot.fields` (plus `due_time`, `project` and `kind`), so a
refusal from the reader lands under the input it is about.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    DatePickerElement,
    InputBlock,
    InputInteractiveElement,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
    TimePickerElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.dates import format_day, parse_due
from bot.domain import Item, Kind, ProjectRef
from bot.errors import DateError, ParseError
from bot.fields import FIELDS, NOTE_MAX, SEVERITIES, TITLE_MAX, FieldSpec, FieldType, Value
from handlers.blocks.limits import LABEL_MAX, OPTIONS_MAX, Drawable, fit_view
from handlers.blocks.reply import context, section
from handlers.blocks.text import clip, escape, prefilled_refs, typed_text
from handlers.ids import ADD_VIEW, EDIT_VIEW, KIND_SELECT

ViewDict = dict[str, Any]
State = Mapping[str, Mapping[str, Mapping[str, Any]]]

PROJECT_BLOCK = "project"
KIND_BLOCK = "kind"
DUE_TIME_BLOCK = "due_time"
LINK_MAX = next(s.max_len for s in FIELDS[Kind.RISK] if s.name == "link")

# The inputs of each kind's form, top to bottom; an edit form of an open risk adds its status.
FORM_FIELDS: dict[Kind, tuple[str, ...]] = {
    Kind.RISK: (
        "title",
        "description",
        "category",
        "likelihood",
        "impact",
        "owner",
        "review",
        "mitigation",
    ),
    Kind.ACTION: ("title", "owner", "due"),
    Kind.ISSUE: ("title", "description", "severity", "owner", "due"),
    Kind.DECISION: ("title", "by", "rationale", "alternatives", "review"),
}
EDITABLE_STATUSES = ("open", "mitigating")
TITLE_LABELS = {
    Kind.RISK: "Risk",
    Kind.ACTION: "What needs doing",
    Kind.ISSUE: "Issue",
    Kind.DECISION: "Decision",
}
LABELS = {
    "description": "Description",
    "category": "Category",
    "likelihood": "Likelihood",
    "impact": "Impact",
    "owner": "Owner",
    "by": "Made by",
    "review": "Review on",
    "mitigation": "Mitigation",
    "due": "Due",
    "severity": "Severity",
    "rationale": "Rationale",
    "alternatives": "Alternatives considered",
    "status": "Status",
}
MULTILINE = frozenset({"description", "mitigation", "rationale", "alternatives"})
REQUIRED = frozenset({"title", "owner", "by", "likelihood", "impact", "severity", "status"})
LEVEL_WORDS = {1: "very low", 2: "low", 3: "medium", 4: "high", 5: "very high"}
DEFAULT_LEVEL = 3
DEFAULT_SEVERITY = "medium"
KIND_NAMES = {Kind.ACTION: "Action", Kind.RISK: "Risk", Kind.ISSUE: "Issue"}
KIND_NAMES[Kind.DECISION] = "Decision"
_USER_ID = re.compile(r"[UW][A-Z0-9]+")
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


class FieldError(ParseError):
    """A refusal of one input; `block_id` when it belongs under another input than the field's
    own (a passed due time goes under the time, not the day)."""

    def __init__(self, message: str, block_id: str | None = None):
        super().__init__(message)
        self.block_id = block_id


@dataclass(frozen=True)
class FormMeta:
    """What a modal remembers in its private_metadata: the kind, where it was opened, the
    project and source link of a new item, or the item an edit changes with fingerprints of
    the values the form showed (so only what the person changed is written); and the real
    mentions it was prefilled with, which alone stay mentions when submitted (`typed_text`)."""

    kind: Kind
    channel_id: str
    project: str | None = None
    link: str | None = None
    number: int | None = None
    shown: dict[str, str] = field(default_factory=dict)
    refs: tuple[str, ...] = ()

    def dumps(self) -> str:
        data: dict[str, Any] = {"kind": self.kind.value, "channel": self.channel_id}
        optional = {"project": self.project, "link": self.link, "number": self.number}
        data |= {key: value for key, value in optional.items() if value is not None}
        if self.shown:
            data["shown"] = self.shown
        if self.refs:
            data["refs"] = list(self.refs)
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def loads(cls, text: str | None) -> FormMeta:
        try:
            data = json.loads(text or "")
            meta = cls(
                kind=Kind(data["kind"]),
                channel_id=str(data.get("channel") or ""),
                project=_optional_str(data.get("project")),
                link=_optional_str(data.get("link")),
                number=int(data["number"]) if "number" in data else None,
                shown={str(k): str(v) for k, v in dict(data.get("shown") or {}).items()},
                refs=tuple(str(ref) for ref in data.get("refs") or ()),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ParseError("This form is out of date: close it and open it again.") from None
        return meta

    @property
    def is_edit(self) -> bool:
        return self.number is not None

    @property
    def edited(self) -> int:
        """The number of the item an edit form changes."""
        if self.number is None:
            raise ParseError("This form is out of date: close it and open it again.")
        return self.number


@dataclass(frozen=True)
class Prefill:
    """Values a new form starts with: from a message (with the real mentions it holds, `refs`),
    or carried over when the kind changes (what was typed: no mentions of its own)."""

    title: str = ""
    description: str = ""
    person: str | None = None
    project: str | None = None
    refs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Submission:
    """What a form held: typed values (the grammar's AddItem shape), or errors by block id."""

    values: dict[str, Value]
    errors: dict[str, str]
    project: str | None = None


# -- building ---------------------------------------------------------------------------------


def add_form(kind: Kind, meta: FormMeta, owner_id: str, project: ProjectRef) -> ViewDict:
    """`/risk add` with no text: the kind's form, the owner preset to the caller."""
    note = context(f"Logging in *{escape(project.name)}*")
    blocks = [note, *_inputs(kind, {_person(kind): owner_id}, "UTC")]
    return _modal(ADD_VIEW, f"New {kind.noun}", "Log it", blocks, meta)


def message_form(
    kind: Kind,
    meta: FormMeta,
    owner_id: str,
    prefill: Prefill,
    choices: tuple[ProjectRef, ...],
) -> ViewDict:
    """The "Log as RAID item" form: a kind picker, a project picker when the message's channel
    has no project (`choices`), then the kind's fields prefilled from the message."""
    if meta.project is None and not choices:
        return explanation(
            "There are no projects in this workspace yet. Create one in its channel with "
            "`/pmo project <name>` (for example `/pmo project Apollo`), then log messages there."
        )
    where = "with a link to the message" if meta.link else "(Slack gave no link to the message)"
    blocks: list[Drawable] = [context(f"Logging a message {where}."), _kind_select(kind)]
    if meta.project is None:
        blocks.append(_project_select(choices, prefill.project))
    initial: dict[str, Value | None] = {"title": prefill.title, "description": prefill.description}
    initial[_person(kind)] = prefill.person or owner_id
    blocks += _inputs(kind, initial, "UTC")
    meta = replace(meta, kind=kind, refs=meta.refs or prefill.refs)
    return _modal(ADD_VIEW, "Log as RAID item", "Log it", blocks, meta)


def edit_form(item: Item, channel_id: str, timezone: str) -> ViewDict:
    """The Update button's form, prefilled; dates and times shown in the editor's zone."""
    values = current_values(item)
    names = _names(item.kind, values)
    shown = {name: fingerprint(values.get(name)) for name in names}
    texts = [value for value in values.values() if isinstance(value, str)]
    refs = prefilled_refs(*texts)
    meta = FormMeta(item.kind, channel_id, number=item.number, shown=shown, refs=refs)
    heading = f"*{item.ref}* in *{escape(item.project.name)}* · status _{escape(item.status)}_"
    blocks = [context(heading), *_inputs(item.kind, values, timezone, names, edit=True)]
    return _modal(EDIT_VIEW, f"Edit {item.ref}", "Save", blocks, meta)


def explanation(markdown: str) -> ViewDict:
    """A modal that only explains (nothing to submit): e.g. how to create a project first.
    Never empty: Slack refuses a view without blocks, and a section without text."""
    blocks = fit_view([section(escape(markdown).strip() or "There is nothing more to say here.")])
    view = View(type="modal", title="PMO Bot", close="OK", blocks=blocks)
    return view.to_dict()


def no_project_form(kind: Kind) -> ViewDict:
    return explanation(
        f"This channel has no project yet, so there is nowhere to log {_a(kind.noun)}. "
        "Create one here with `/pmo project <name>` (for example `/pmo project Apollo`), or "
        f"name an existing one: `{kind.command} add project:<slug>`."
    )


def picked_kind(action: Mapping[str, Any]) -> Kind:
    """The kind chosen in the message form's kind picker."""
    value = (action.get("selected_option") or {}).get("value")
    try:
        return Kind(value)
    except ValueError:
        raise ParseError("Pick action, risk, issue or decision.") from None


def prefill_from_message(text: str) -> Prefill:
    """The title is the message on one line, clipped; the whole text goes in the description
    when the title could not hold it as written."""
    title = clip(" ".join(text.split()), TITLE_MAX)
    whole = text.strip()
    description = clip(whole, NOTE_MAX) if title != whole else ""
    return Prefill(title, description, refs=prefilled_refs(title, description))


def prefill_from_state(state: State) -> Prefill:
    """What the person already typed, kept when they switch the kind of a message's form."""
    person = _element(state, "owner").get("selected_user") or _element(state, "by").get(
        "selected_user"
    )
    picked = _element(state, PROJECT_BLOCK).get("selected_option") or {}
    return Prefill(
        title=_element(state, "title").get("value") or "",
        description=_element(state, "description").get("value") or "",
        person=person if isinstance(person, str) else None,
        project=_optional_str(picked.get("value")),
    )


def _modal(
    callback_id: str, title: str, submit: str, blocks: list[Drawable], meta: FormMeta
) -> ViewDict:
    view = View(
        type="modal",
        callback_id=callback_id,
        title=title,
        submit=submit,
        close="Cancel",
        blocks=fit_view(blocks),
        private_metadata=meta.dumps(),
    )
    return view.to_dict()


def _inputs(
    kind: Kind,
    values: Mapping[str, Value | None],
    timezone: str,
    names: tuple[str, ...] | None = None,
    *,
    edit: bool = False,
) -> list[Drawable]:
    blocks: list[Drawable] = []
    for name in names or FORM_FIELDS[kind]:
        spec = _spec(kind, name)
        value = values.get(name)
        # An edit may not empty a date it had: there is no way to store "no date" from here.
        optional = name not in REQUIRED and not (edit and value is not None and _is_date(spec))
        label = TITLE_LABELS[kind] if name == "title" else LABELS[name]
        if spec.type is FieldType.DUE:
            day, at = _local(value, timezone)
            blocks.append(_input(name, label, _date_picker(name, day), optional))
            hint = "Optional, in your own time zone; leave it empty for the whole day."
            picker = TimePickerElement(action_id=DUE_TIME_BLOCK, initial_time=at)
            blocks.append(_input(DUE_TIME_BLOCK, "Due time", picker, True, hint))
            continue
        blocks.append(_input(name, label, _element_for(spec, value), optional))
    return blocks


def _element_for(spec: FieldSpec, value: Value | None) -> InputInteractiveElement:
    name = spec.name
    if spec.type is FieldType.TEXT:
        initial = clip(str(value), spec.max_len) if value else None
        return PlainTextInputElement(
            action_id=name,
            initial_value=initial,
            multiline=name in MULTILINE or None,
            max_length=spec.max_len,
        )
    if spec.type is FieldType.LEVEL:
        level = value if isinstance(value, int) else DEFAULT_LEVEL
        options = [_option(str(n), f"{n} — {word}") for n, word in LEVEL_WORDS.items()]
        return _select(name, options, str(level))
    if spec.type is FieldType.SEVERITY:
        chosen = str(value or DEFAULT_SEVERITY)
        return _select(name, [_option(s, s.capitalize()) for s in SEVERITIES], chosen)
    if spec.type is FieldType.STATUS:
        options = [_option(s, s.capitalize()) for s in EDITABLE_STATUSES]
        return _select(name, options, str(value or EDITABLE_STATUSES[0]))
    if spec.type is FieldType.USER:
        user = value if isinstance(value, str) and _USER_ID.fullmatch(value) else None
        return UserSelectElement(action_id=name, initial_user=user, placeholder="Pick a person")
    day, _ = _local(value, "UTC")
    return _date_picker(name, day)


def _kind_select(kind: Kind) -> InputBlock:
    options = [_option(k.value, name) for k, name in KIND_NAMES.items()]
    select = _select(KIND_SELECT, options, kind.value)
    return InputBlock(block_id=KIND_BLOCK, label="Log as", element=select, dispatch_action=True)


def _project_select(choices: tuple[ProjectRef, ...], chosen: str | None) -> InputBlock:
    options = [_option(p.slug, clip(p.name, LABEL_MAX)) for p in choices[:OPTIONS_MAX]]
    initial = chosen if any(p.slug == chosen for p in choices) else None
    select = _select(PROJECT_BLOCK, options, initial, placeholder="Pick a project")
    return _input(PROJECT_BLOCK, "Project", select, False)


def _input(
    block_id: str,
    label: str,
    element: InputInteractiveElement,
    optional: bool,
    hint: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block_id, label=label, element=element, optional=optional or None, hint=hint
    )


def _select(
    action_id: str, options: list[Option], chosen: str | None, placeholder: str = "Choose"
) -> StaticSelectElement:
    initial = next((o for o in options if o.value == chosen), None)
    return StaticSelectElement(
        action_id=action_id, options=options, initial_option=initial, placeholder=placeholder
    )


def _option(value: str, text: str) -> Option:
    return Option(value=value, label=text)


def _date_picker(name: str, day: date | None) -> DatePickerElement:
    return DatePickerElement(
        action_id=name,
        initial_date=day.isoformat() if day else None,
        placeholder="Pick a day",
    )


def _local(value: Value | None, timezone: str) -> tuple[date | None, str | None]:
    """A date, or a moment as the day and `HH:MM` on the reader's clock."""
    if isinstance(value, datetime):
        local = value.astimezone(ZoneInfo(timezone))
        return local.date(), f"{local.hour:02d}:{local.minute:02d}"
    if isinstance(value, date):
        return value, None
    return None, None


# -- reading a submission ---------------------------------------------------------------------


def parse_submission(meta: FormMeta, state: State, *, now: datetime) -> Submission:
    """The form's values, typed and checked as the command grammar would (`now` is the
    submitter's local time); an edit keeps only what differs from what the form showed."""
    values: dict[str, Value] = {}
    errors: dict[str, str] = {}
    names = tuple(meta.shown) if meta.is_edit else FORM_FIELDS[meta.kind]
    for name in names:
        spec = _spec(meta.kind, name)
        try:
            value = _read(spec, state, now, meta)
        except FieldError as error:
            errors[error.block_id or name] = error.message
            continue
        if value is not None:
            values[name] = value
    project = None
    if PROJECT_BLOCK in state and not meta.is_edit:
        picked = _element(state, PROJECT_BLOCK).get("selected_option") or {}
        project = _optional_str(picked.get("value"))
        if project is None:
            errors[PROJECT_BLOCK] = "Pick the project to log this in."
    if meta.link and not meta.is_edit and len(meta.link) <= LINK_MAX:
        values["link"] = meta.link
    return Submission(values, errors, project)


def _read(spec: FieldSpec, state: State, now: datetime, meta: FormMeta) -> Value | None:
    """One field's typed value; None when it is empty (or, in an edit, unchanged)."""
    element = _element(state, spec.name)
    was = meta.shown.get(spec.name)
    if spec.type in (FieldType.DAY, FieldType.DUE):
        return _read_date(spec, element, _element(state, DUE_TIME_BLOCK), now, was)
    raw = _raw(spec, element)
    if meta.is_edit and fingerprint(raw) == was:
        return None
    if spec.type is FieldType.TEXT:
        text = typed_text(raw or "", meta.refs).strip()
        if spec.name == "title" and not text:
            raise FieldError(f"{_a(meta.kind.noun).capitalize()} needs some text: what is it?")
        if len(text) > spec.max_len:
            raise FieldError(f"That is {len(text):,} characters; the limit is {spec.max_len:,}.")
        # In an edit, emptying a text field clears it; in a new item it is simply not set.
        return text if text or meta.is_edit else None
    if raw is None:
        if spec.name in REQUIRED:
            raise FieldError(_missing(spec, meta.kind))
        return None
    return _checked_choice(spec, raw)


def _raw(spec: FieldSpec, element: Mapping[str, Any]) -> str | None:
    if spec.type is FieldType.TEXT:
        value = element.get("value")
    elif spec.type is FieldType.USER:
        value = element.get("selected_user")
    else:
        value = (element.get("selected_option") or {}).get("value")
    return str(value) if value not in (None, "") else None


def _checked_choice(spec: FieldSpec, raw: str) -> Value:
    if spec.type is FieldType.USER:
        if not _USER_ID.fullmatch(raw):
            raise FieldError("Pick a person from the list.")
        return raw
    if spec.type is FieldType.LEVEL:
        if not (raw.isdecimal() and int(raw) in LEVEL_WORDS):
            raise FieldError("Pick a level from 1 to 5.")
        return int(raw)
    choices = SEVERITIES if spec.type is FieldType.SEVERITY else EDITABLE_STATUSES
    if raw not in choices:
        raise FieldError(f"Pick one of {', '.join(choices)}.")
    return raw


def _read_date(
    spec: FieldSpec,
    element: Mapping[str, Any],
    clock: Mapping[str, Any],
    now: datetime,
    was: str | None,
) -> Value | None:
    picked = element.get("selected_date")
    at = clock.get("selected_time") if spec.type is FieldType.DUE else None
    if not picked:
        if at:
            raise FieldError("Pick a day for this time, or clear the time.", DUE_TIME_BLOCK)
        if was is not None and was != fingerprint(None):
            raise FieldError("Pick a day: a date can't be removed here.")
        return None
    try:
        day = date.fromisoformat(str(picked))
    except ValueError:
        raise FieldError("Pick a day from the calendar.") from None
    moment: date | datetime = day
    if at:
        match = _CLOCK.fullmatch(str(at))
        if match is None:
            raise FieldError("Pick a time from the list.", DUE_TIME_BLOCK)
        moment = datetime.combine(day, time(int(match[1]), int(match[2])), tzinfo=now.tzinfo)
    if was is not None and fingerprint(moment) == was:
        return None  # unchanged, even if it has passed since
    typed = f"{day.isoformat()} {at}" if at else day.isoformat()
    try:
        return parse_due(typed, now=now)
    except DateError as error:
        target = DUE_TIME_BLOCK if at and day == now.date() else None
        shown = format_day(moment, today=now.date())
        if error.reason == "too_far":
            raise FieldError(f"{shown} is more than five years ahead.") from None
        if target is not None:
            raise FieldError(f"{shown} has already passed.", target) from None
        raise FieldError(f"{shown} is in the past.") from None


def _missing(spec: FieldSpec, kind: Kind) -> str:
    if spec.type is FieldType.USER:
        return "Pick who made the decision." if kind is Kind.DECISION else "Pick an owner."
    return f"Pick the {LABELS.get(spec.name, spec.name).lower()}."


# -- items as form values ---------------------------------------------------------------------


def current_values(item: Item) -> dict[str, Value | None]:
    """An item's fields by form name, typed as a submission would type them."""
    return {
        "title": item.title,
        "description": item.description,
        "category": item.category,
        "likelihood": item.likelihood,
        "impact": item.impact,
        "owner": item.owner_id,
        "by": item.owner_id,
        "review": item.review_on,
        "mitigation": item.mitigation,
        "due": item.due,
        "severity": item.severity,
        "rationale": item.rationale,
        "alternatives": item.alternatives,
        "status": item.status,
    }


def fingerprint(value: Value | None) -> str:
    """A short digest of a value (empty text and no value alike), kept in private_metadata."""
    if isinstance(value, datetime):
        text = value.astimezone(UTC).isoformat(timespec="minutes")
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        text = "" if value is None else str(value)
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def _names(kind: Kind, values: Mapping[str, Value | None]) -> tuple[str, ...]:
    if kind is Kind.RISK and values.get("status") in EDITABLE_STATUSES:
        return (*FORM_FIELDS[kind], "status")
    return FORM_FIELDS[kind]


def _spec(kind: Kind, name: str) -> FieldSpec:
    return next(spec for spec in FIELDS[kind] if spec.name == name)


def _is_date(spec: FieldSpec) -> bool:
    return spec.type in (FieldType.DAY, FieldType.DUE)


def _person(kind: Kind) -> str:
    return "by" if kind is Kind.DECISION else "owner"


def _element(state: State, block_id: str) -> Mapping[str, Any]:
    """The state of the one element of an input block (our action ids equal the block ids,
    except the kind picker's)."""
    elements = state.get(block_id) or {}
    return next(iter(elements.values()), None) or {}


def _optional_str(value: object) -> str | None:
    return str(value) if isinstance(value, str | int) and str(value) else None


def _a(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"
