"""Block Kit builders to dicts, as slack_sdk's `to_dict()` draws them, at a fifth of the cost.

slack_sdk validates each object by listing every attribute with `dir()` on every call; that was
most of a `/risk list`'s time (benchmarks/ack_path.py). Here each class's validators are found
once, then run on every object as before, so an invalid block still raises
SlackObjectFormationError; objects whose class draws itself differently keep their own
`to_dict()`. tests/unit/test_serialize.py holds the output equal to slack_sdk's.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from slack_sdk.models.basic_objects import EMPTY_ALLOWED_TYPE_AND_PROPERTY_LIST, JsonObject

_EMPTY_ALLOWED = frozenset((e["type"], e["property"]) for e in EMPTY_ALLOWED_TYPE_AND_PROPERTY_LIST)


def block_dicts(blocks: Sequence[JsonObject | dict[str, Any]]) -> list[dict[str, Any]]:
    """Each builder as its dict (dicts already drawn pass through)."""
    return [block if isinstance(block, dict) else block_dict(block) for block in blocks]


def block_dict(obj: JsonObject) -> dict[str, Any]:
    """`obj.to_dict()`, validated the same way."""
    if type(obj).to_dict is not JsonObject.to_dict:
        drawn: dict[str, Any] = obj.to_dict()
        return drawn
    for name in _validators(type(obj)):
        getattr(obj, name)()
    kind = getattr(obj, "type", None)
    drawn = {}
    for key in sorted(obj.attributes):
        value = obj.get_object_attribute(key)
        if value is None:
            continue
        if hasattr(value, "__len__") and not len(value) and (kind, key) not in _EMPTY_ALLOWED:
            continue
        drawn[key] = _plain(value)
    return drawn


def _plain(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, JsonObject):
        return block_dict(value)
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return {key: _plain(v) for key, v in to_dict().items()}
    return value


@cache
def _validators(cls: type[JsonObject]) -> tuple[str, ...]:
    """The names of the class's validating methods (slack_sdk marks them `.validator`)."""
    return tuple(
        name
        for name in dir(cls)
        if not name.startswith("__")
        and callable(method := getattr(cls, name, None))
        and hasattr(method, "validator")
    )
