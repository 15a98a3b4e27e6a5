"""What each RAID kind records: the fields people may set, their types, names and limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from bot.domain import Kind

TITLE_MAX = 300
NOTE_MAX = 2000
SHORT_MAX = 80


class FieldType(Enum):
    TEXT = "text"
    LEVEL = "level"  # 1–5, or words such as `high`
    SEVERITY = "severity"
    USER = "user"
    DAY = "day"  # a date; a time of day, if given, is dropped
    DUE = "due"  # a date, or a date and time
    STATUS = "status"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: FieldType
    label: str
    aliases: tuple[str, ...] = ()
    max_len: int = NOTE_MAX
    choices: tuple[str, ...] = ()


SEVERITIES = ("low", "medium", "high", "critical")

_OWNER = FieldSpec("owner", FieldType.USER, "owner", ("o", "assignee", "who"))
_DESCRIPTION = FieldSpec("description", FieldType.TEXT, "description", ("desc", "details"))
_LINK = FieldSpec("link", FieldType.TEXT, "source", ("source", "source_link"), max_len=500)

FIELDS: dict[Kind, tuple[FieldSpec, ...]] = {
    Kind.RISK: (
        FieldSpec("title", FieldType.TEXT, "title", max_len=TITLE_MAX),
        _DESCRIPTION,
        FieldSpec("category", FieldType.TEXT, "category", ("cat",), max_len=SHORT_MAX),
        FieldSpec("likelihood", FieldType.LEVEL, "likelihood", ("l", "prob", "probability")),
        FieldSpec("impact", FieldType.LEVEL, "impact", ("i",)),
        _OWNER,
        FieldSpec("mitigation", FieldType.TEXT, "mitigation", ("mit", "plan")),
        FieldSpec("review", FieldType.DAY, "review", ("review_on", "review_date")),
        FieldSpec("status", FieldType.STATUS, "status", choices=("open", "mitigating", "closed")),
        _LINK,
    ),
    Kind.ACTION: (
        FieldSpec("title", FieldType.TEXT, "text", ("text",), max_len=TITLE_MAX),
        _OWNER,
        FieldSpec("due", FieldType.DUE, "due", ("by", "due_on", "deadline")),
        _LINK,
    ),
    Kind.ISSUE: (
        FieldSpec("title", FieldType.TEXT, "title", max_len=TITLE_MAX),
        _DESCRIPTION,
        FieldSpec(
            "severity", FieldType.SEVERITY, "severity", ("sev", "priority"), choices=SEVERITIES
        ),
        _OWNER,
        FieldSpec("due", FieldType.DUE, "due", ("by", "due_on", "deadline")),
        FieldSpec("resolution", FieldType.TEXT, "resolution", ("fix",)),
        FieldSpec("status", FieldType.STATUS, "status", choices=("open", "resolved")),
        _LINK,
    ),
    Kind.DECISION: (
        FieldSpec("title", FieldType.TEXT, "decision", ("decision",), max_len=TITLE_MAX),
        FieldSpec("by", FieldType.USER, "made by", ("owner", "made_by", "decider")),
        FieldSpec("rationale", FieldType.TEXT, "rationale", ("why", "reason")),
        FieldSpec("alternatives", FieldType.TEXT, "alternatives", ("alts", "options")),
        FieldSpec("review", FieldType.DAY, "review", ("review_on", "review_date")),
        _LINK,
    ),
}

# The field a bare `@person` fills when no key names it.
PERSON_FIELD: dict[Kind, str] = {
    Kind.RISK: "owner",
    Kind.ACTION: "owner",
    Kind.ISSUE: "owner",
    Kind.DECISION: "by",
}


def field_by_key(kind: Kind, key: str) -> FieldSpec | None:
    """The field a `key:` names, by name or alias, in any case."""
    key = key.lower()
    for spec in FIELDS[kind]:
        if key == spec.name or key in spec.aliases:
            return spec
    return None


Value = str | int | date | datetime
