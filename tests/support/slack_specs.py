"""Validate what the bot sends to Slack against Slack's published specs (../shared/slack-specs)."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

REPO_ROOT = Path(__file__).resolve().parents[2]

SURFACE_MAX_BLOCKS = {"message": 50, "modal": 100, "home": 100}
MAX_MESSAGE_TEXT = 12_000  # all text fields of a message's blocks together
MAX_HEADER_TEXT = 150
MAX_SECTION_TEXT = 3_000

# Methods newer than the October 2020 OpenAPI edition, with their required parameters.
ALLOWED_NEWER_METHODS: dict[str, tuple[str, ...]] = {
    "files.getUploadURLExternal": ("filename", "length"),
    "files.completeUploadExternal": ("files",),
}
MESSAGE_METHODS = {"chat.postMessage", "chat.postEphemeral", "chat.scheduleMessage", "chat.update"}
VIEW_SURFACE_BY_METHOD = {"views.open": "modal", "views.push": "modal", "views.publish": "home"}


# -- locating and loading the specs ------------------------------------------------------------


def specs_dir() -> Path:
    """Where the specs should be: $PMO_SLACK_SPECS, else <repo root>/../shared/slack-specs."""
    configured = os.environ.get("PMO_SLACK_SPECS")
    return Path(configured) if configured else REPO_ROOT.parent / "shared" / "slack-specs"


SPEC_FILES = ("web-api.openapi.json", "block-kit.schema.json", "event-wrapper.schema.json")


def specs_available() -> bool:
    """Whether the spec files are here; fakes validate only then (CI insists that they are)."""
    return all((specs_dir() / name).is_file() for name in SPEC_FILES)


def require_specs() -> Path:
    """Return the specs folder, or skip the calling test when it (or a spec file) is missing."""
    folder = specs_dir()
    if not specs_available():
        pytest.skip(f"Slack specs not found at {folder}; set PMO_SLACK_SPECS")
    return folder


def load_spec(name: str) -> Any:
    """One spec file, parsed: e.g. load_spec("web-api.openapi.json"); skips if absent."""
    return _load_json(require_specs() / name)


@functools.cache
def _load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@functools.cache
def _block_kit_registry(folder: Path) -> tuple[str, Registry[Any]]:
    schema = _load_json(folder / "block-kit.schema.json")
    resource = DRAFT202012.create_resource(schema)
    return schema["$id"], Registry().with_resource(schema["$id"], resource)


@functools.cache
def _block_kit_validator(folder: Path, definition: str) -> Any:
    """A compiled draft 2020-12 validator for one $defs entry of the Block Kit schema."""
    schema_id, registry = _block_kit_registry(folder)
    return Draft202012Validator({"$ref": f"{schema_id}#/$defs/{definition}"}, registry=registry)


@functools.cache
def _block_definitions(folder: Path) -> dict[str, str]:
    """Block type (e.g. "section") -> its $defs name (e.g. "section_block")."""
    defs = _load_json(folder / "block-kit.schema.json")["$defs"]
    names = [ref["$ref"].rsplit("/", 1)[-1] for ref in defs["block"]["oneOf"]]
    return {defs[name]["properties"]["type"]["const"]: name for name in names}


# -- Block Kit ---------------------------------------------------------------------------------


def _causes(error: Any) -> list[Any]:
    """The errors worth showing for one schema error: for a failed oneOf/anyOf, those of the
    branch that was probably meant (its "type" matched, fewest errors), not the whole union."""
    if not error.context:
        return [error]
    branches: dict[Any, list[Any]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)

    def mismatch(branch: list[Any]) -> tuple[bool, int]:
        wrong_type = any(
            e.validator == "const" and list(e.relative_path) == ["type"] for e in branch
        )
        return wrong_type, len(branch)

    ranked = sorted(branches.values(), key=mismatch)
    best = [b for b in ranked if mismatch(b) == mismatch(ranked[0])]
    if mismatch(best[0])[0] or (len(best) > 1 and len(best[0]) > 1):
        return [error]  # no branch stands out: report the union failure itself
    return [cause for branch in best[:3] for sub in branch for cause in _causes(sub)]


def _describe(error: Any) -> str:
    path = "".join(f".{p}" if isinstance(p, str) else f"[{p}]" for p in error.absolute_path)
    kind = error.instance.get("type") if isinstance(error.instance, dict) else None
    if error.validator in ("maxLength", "minLength") and isinstance(error.instance, str):
        limit = "max" if error.validator == "maxLength" else "min"
        message = f"{len(error.instance)} chars ({limit} {error.validator_value})"
    elif error.validator in ("oneOf", "anyOf") and isinstance(kind, str):
        message = f"type {kind!r} is not allowed here (or the object does not fit it)"
    else:
        message = error.message if len(error.message) <= 200 else error.message[:197] + "..."
    return f"{path}: {message}"


# Blocks already found valid, by their JSON and definition: a Home tab redrawn after each change
# repeats most of its blocks, and validating them again is most of a long test's time.
_VALID_BLOCKS: set[tuple[str, str]] = set()


def _schema_problems(
    instance: Any, definition: str, where: str, *, in_view: bool = False
) -> list[str]:
    key = (json.dumps(instance, sort_keys=True), definition)
    if not in_view and key in _VALID_BLOCKS:
        return []
    problems = _uncached_schema_problems(instance, definition, where, in_view=in_view)
    if not in_view and not problems:
        _VALID_BLOCKS.add(key)
    return problems


def _uncached_schema_problems(
    instance: Any, definition: str, where: str, *, in_view: bool = False
) -> list[str]:
    validator = _block_kit_validator(require_specs(), definition)
    problems = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
        path = list(error.absolute_path)
        if in_view and path[:1] == ["blocks"] and (len(path) > 1 or error.validator == "maxItems"):
            continue  # the view's blocks are checked one by one, with readable messages
        causes = [_describe(cause) for cause in _causes(error)]
        if len(causes) == 1:
            problems.append(where + causes[0])
        else:
            problems.append(f"{where}: " + " or ".join(c.removeprefix(": ") for c in causes))
    return problems


def _texts(node: Any) -> list[str]:
    """Every string stored under a "text" key, recursively."""
    if isinstance(node, Mapping):
        own = [node["text"]] if isinstance(node.get("text"), str) else []
        return own + [t for value in node.values() for t in _texts(value)]
    if isinstance(node, list):
        return [t for item in node for t in _texts(item)]
    return []


def message_text_chars(blocks: Any) -> int:
    """Characters of text in a message's blocks as Slack counts them toward its 12,000."""
    return sum(len(t) for t in _texts(blocks))


def _block_problems(blocks: Any, surface: str) -> list[str]:
    if surface not in SURFACE_MAX_BLOCKS:
        raise ValueError(f"unknown surface {surface!r}; use one of {sorted(SURFACE_MAX_BLOCKS)}")
    if not isinstance(blocks, list):
        return [f"blocks must be a list, got {type(blocks).__name__}"]
    problems = []
    if len(blocks) > SURFACE_MAX_BLOCKS[surface]:
        limit = SURFACE_MAX_BLOCKS[surface]
        problems.append(f"{len(blocks)} blocks; a {surface} allows at most {limit}")
    definitions = _block_definitions(require_specs())
    for i, block in enumerate(blocks):
        kind = block.get("type") if isinstance(block, Mapping) else None
        where = f"blocks[{i}]"
        if kind not in definitions:
            problems.append(f"{where}: unknown block type {kind!r}")
            continue
        schema_problems = _schema_problems(block, definitions[kind], f"{where} ({kind})")
        problems += schema_problems
        text = None if schema_problems else block.get("text")  # a safety net behind the schema
        text = text.get("text") if isinstance(text, Mapping) else None
        if kind == "header" and isinstance(text, str) and len(text) > MAX_HEADER_TEXT:
            problems.append(f"{where}: header text is {len(text)} chars (max {MAX_HEADER_TEXT})")
        if kind == "section" and isinstance(text, str) and len(text) > MAX_SECTION_TEXT:
            problems.append(f"{where}: section text is {len(text)} chars (max {MAX_SECTION_TEXT})")
    total = message_text_chars(blocks)
    if surface == "message" and total > MAX_MESSAGE_TEXT:
        problems.append(f"message blocks hold {total} chars of text (max {MAX_MESSAGE_TEXT})")
    return problems


def _fail(problems: list[str], what: str) -> None:
    if problems:
        shown = problems[:20] + (
            [f"... and {len(problems) - 20} more"] if len(problems) > 20 else []
        )
        raise AssertionError(f"{what} breaks Slack's spec:\n  - " + "\n  - ".join(shown))


def validate_blocks(blocks: list[dict[str, Any]], surface: str = "message") -> None:
    """Raise AssertionError unless every block fits the Block Kit schema and the surface's limits.

    surface is "message" (50 blocks, 12,000 chars of text in all), "modal" or "home" (100 blocks).
    An empty list passes (chat.update uses it to clear a message's blocks).
    """
    _fail(_block_problems(blocks, surface), f"{surface} blocks")


def _decode(value: Any) -> Any:
    """Web API form bodies carry blocks/views as JSON strings; JSON bodies carry them as objects."""
    if isinstance(value, str | bytes):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


# -- messages ----------------------------------------------------------------------------------


def _message_problems(payload: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    blocks = _decode(payload.get("blocks"))
    text = payload.get("text")
    if text is not None and not isinstance(text, str):
        problems.append(f"text must be a string, got {type(text).__name__}")
    if blocks and not (isinstance(text, str) and text.strip()):
        problems.append("blocks without a non-empty top-level text (the notification fallback)")
    has_content = text or blocks or payload.get("attachments") or payload.get("delete_original")
    if not has_content:
        problems.append("message has no text, blocks or attachments")
    response_type = payload.get("response_type")
    if response_type is not None and response_type not in ("ephemeral", "in_channel"):
        problems.append(f"response_type {response_type!r} is not 'ephemeral' or 'in_channel'")
    if blocks is not None:
        problems += _block_problems(blocks, "message")
    return problems


def validate_message_payload(payload: Mapping[str, Any]) -> None:
    """Raise AssertionError unless a chat message / slash-command response body is valid.

    Checks: some content; a non-empty text fallback whenever there are blocks; response_type in
    {"ephemeral", "in_channel"}; the blocks themselves (surface "message").
    """
    _fail(_message_problems(payload), "message payload")


# -- Web API calls -----------------------------------------------------------------------------


def _required_params(method: str) -> tuple[str, ...] | None:
    """Required parameters of a method (token excluded), or None when Slack has no such method."""
    if method in ALLOWED_NEWER_METHODS:
        return ALLOWED_NEWER_METHODS[method]
    path = load_spec("web-api.openapi.json")["paths"].get(f"/{method}")
    if path is None:
        return None
    parameters = [p for op in path.values() for p in op.get("parameters", [])]
    return tuple(p["name"] for p in parameters if p.get("required") and p["name"] != "token")


def is_web_api_method(method: str) -> bool:
    """Whether Slack has this Web API method (per web-api.openapi.json or the allow-list)."""
    return _required_params(method) is not None


def _view_problems(method: str, raw_view: Any) -> list[str]:
    view = _decode(raw_view)
    kind = view.get("type") if isinstance(view, Mapping) else None
    if kind not in ("modal", "home"):
        return [f"view type must be 'modal' or 'home', got {kind!r}"]
    expected = VIEW_SURFACE_BY_METHOD.get(method, kind)
    problems = [f"needs a {expected} view, got {kind!r}"] if kind != expected else []
    # The view with one stand-in block (so "no blocks" is still caught): its own blocks are
    # checked one by one below, with readable messages.
    blocks = view.get("blocks")
    shell = (
        {**view, "blocks": [{"type": "divider"}]} if isinstance(blocks, list) and blocks else view
    )
    problems += _schema_problems(shell, f"{kind}_view", "view", in_view=True)
    return problems + _block_problems(view.get("blocks", []), kind)


def web_api_call_problems(method: str, params: Mapping[str, Any]) -> list[str]:
    """Like validate_web_api_call, but returns the problems instead of raising."""
    required = _required_params(method)
    if required is None:
        return [f"{method}: no such Web API method in web-api.openapi.json (nor the allow-list)"]
    missing = [name for name in required if params.get(name) in (None, "")]
    problems = [f"{method}: missing required parameter {name!r}" for name in missing]
    if method in MESSAGE_METHODS:
        problems += [f"{method}: {p}" for p in _message_problems(params)]
    elif params.get("blocks") is not None:
        problems += [
            f"{method}: {p}" for p in _block_problems(_decode(params["blocks"]), "message")
        ]
    if params.get("view") is not None:
        problems += [f"{method}: {p}" for p in _view_problems(method, params["view"])]
    return problems


def validate_web_api_call(method: str, params: Mapping[str, Any]) -> None:
    """Raise AssertionError unless `method` exists and `params` carry its required fields.

    Also validates `blocks` (surface "message"; for chat.* message methods the whole message) and
    `view` (as a modal or home view, matching the method). Values may be JSON strings or objects.
    """
    _fail(web_api_call_problems(method, params), f"Web API call {method}")


# -- Events API --------------------------------------------------------------------------------


@functools.cache
def _event_validator(folder: Path) -> Any:
    return Draft7Validator(_load_json(folder / "event-wrapper.schema.json"))


def validate_event_envelope(envelope: Mapping[str, Any]) -> None:
    """Raise AssertionError unless an Events API body fits event-wrapper.schema.json."""
    validator = _event_validator(require_specs())
    errors = ["envelope" + _describe(e) for e in validator.iter_errors(envelope)]
    _fail(errors, "event envelope")
