"""The Slack app manifest: every command the app answers, events Slack knows, the scopes they
need and no more; YAML and JSON that carry the same data; `pmo-bot manifest` prints it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from slack_bolt import App, BoltRequest
from slack_bolt.lazy_listener import ThreadLazyListenerRunner

import handlers
from bot import cli
from bot.app import create_app
from bot.deps import Deps
from bot.manifest import (
    BOT_EVENTS,
    BOT_SCOPES,
    COMMAND_DESCRIPTIONS,
    DEFAULT_URL,
    SHORTCUT_NAME,
    base_url,
    build_manifest,
    to_json,
    to_yaml,
)
from handlers.ids import LOG_MESSAGE_SHORTCUT
from tests.conftest import ALICE, CHANNEL, TEAM
from tests.support.signing import event_body, slash_command_body
from tests.support.slack_specs import require_specs

URL = "https://pmo.acme.io"
Headers = dict[str, str | Sequence[str]]
EVENTS_URL = URL + "/slack/events"
# Events newer than the AsyncAPI edition in ../shared/slack-specs (it predates them), with the
# scope Slack's event reference gives for each.
NEWER_EVENTS: dict[str, str | None] = {"app_home_opened": None}
# Events the manifest subscribes to that no listener answers yet (Bolt would answer 404 and
# Slack, after enough failures, turns the subscription off). Shrinks as listeners land.
PENDING_EVENTS: set[str] = set()


@pytest.fixture
def manifest() -> dict[str, Any]:
    return build_manifest(URL)


# -- commands ----------------------------------------------------------------------------------


def test_every_command_is_in_the_manifest_escaped_with_a_description_and_hint(
    manifest: dict[str, Any],
) -> None:
    commands = manifest["features"]["slash_commands"]

    assert [c["command"] for c in commands] == list(handlers.COMMANDS)
    assert set(COMMAND_DESCRIPTIONS) == set(handlers.COMMANDS)
    for command in commands:
        assert command["should_escape"] is True
        assert command["url"] == EVENTS_URL
        # Slack's limits: command 32 characters, description 2,000, usage hint 1,000.
        assert re.fullmatch(r"/[a-z][a-z0-9_-]{0,30}", command["command"])
        assert 0 < len(command["description"]) <= 2000
        assert 0 < len(command["usage_hint"]) <= 1000
        assert command["usage_hint"].endswith("help")
    risk = next(c for c in commands if c["command"] == "/risk")
    assert "export" in risk["usage_hint"].split(" | ")


class RecordingApp:
    """Stands in for Bolt's App in `register`: records the commands, accepts everything else."""

    def __init__(self) -> None:
        self.commands: list[object] = []

    def command(self, command: object, *args: object, **kwargs: object) -> Callable[..., Any]:
        self.commands.append(command)
        return _accept

    def __getattr__(self, name: str) -> Callable[..., Any]:
        return lambda *args, **kwargs: _accept


def _accept(*args: Any, **kwargs: Any) -> Any:
    return args[0] if args else None


def test_register_routes_exactly_the_manifests_commands() -> None:
    """Adding a command to `register` without COMMANDS (and so the manifest) fails here."""
    app = RecordingApp()
    handlers.register(app)  # type: ignore[arg-type]

    # The RAID commands have three listeners each (export, a change, the rest): see register.
    assert sorted(set(map(str, app.commands))) == sorted(handlers.COMMANDS)


def test_the_real_app_answers_every_manifest_command_and_no_other(deps: Deps) -> None:
    app = create_app(deps, offline=True)

    def status(command: str) -> int:
        body = slash_command_body(command, "help", team_id=TEAM, channel_id=CHANNEL)
        headers: Headers = {"content-type": ["application/x-www-form-urlencoded"]}
        return app.dispatch(BoltRequest(body=body, headers=headers)).status

    try:
        for command in build_manifest()["features"]["slash_commands"]:
            assert status(command["command"]) == 200, command["command"]
        assert status("/standup-not-yet") == 404
    finally:
        join_lazy_listeners(app)


def join_lazy_listeners(app: App) -> None:
    runner = app.listener_runner.lazy_listener_runner
    assert isinstance(runner, ThreadLazyListenerRunner)
    runner.executor.shutdown(wait=True)


# -- the rest of the manifest --------------------------------------------------------------------


def test_urls_shortcut_home_and_bot_user(manifest: dict[str, Any]) -> None:
    features, settings = manifest["features"], manifest["settings"]

    assert manifest["display_information"]["name"] == "PMO Bot"
    assert len(manifest["display_information"]["description"]) <= 140  # Slack's limit
    assert features["bot_user"]["display_name"] == "PMO Bot"
    assert features["app_home"]["home_tab_enabled"] is True
    assert features["app_home"]["messages_tab_enabled"] is True
    assert features["shortcuts"] == [
        {
            "name": SHORTCUT_NAME,
            "type": "message",
            "callback_id": LOG_MESSAGE_SHORTCUT,
            "description": features["shortcuts"][0]["description"],
        }
    ]
    assert SHORTCUT_NAME == "Log as RAID item"
    assert len(features["shortcuts"][0]["description"]) <= 150  # Slack's limit
    assert settings["interactivity"] == {"is_enabled": True, "request_url": EVENTS_URL}
    assert settings["event_subscriptions"]["request_url"] == EVENTS_URL
    assert manifest["oauth_config"]["redirect_urls"] == [URL + "/slack/oauth_redirect"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://pmo.acme.io", "https://pmo.acme.io"),
        ("https://pmo.acme.io/", "https://pmo.acme.io"),
        (" https://acme.io:8443/pmo/ ", "https://acme.io:8443/pmo"),
    ],
    ids=["bare", "trailing-slash", "port-and-path"],
)
def test_base_url(given: str, expected: str) -> None:
    assert base_url(given) == expected
    assert build_manifest(given)["settings"]["interactivity"]["request_url"] == (
        expected + "/slack/events"
    )


@pytest.mark.parametrize(
    "given",
    ["http://pmo.acme.io", "pmo.acme.io", "https://", "https://pmo.acme.io/?x=1", "ftp://a.b"],
    ids=["http", "no-scheme", "no-host", "query", "ftp"],
)
def test_base_url_refuses(given: str) -> None:
    with pytest.raises(ValueError, match=r"https|query"):
        base_url(given)


# -- events and scopes -----------------------------------------------------------------------------


def asyncapi_topics() -> dict[str, Any]:
    path = require_specs() / "events-api.asyncapi.json"
    if not path.is_file():
        pytest.skip(f"{path} not found; set PMO_SLACK_SPECS to the folder holding it")
    topics: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["topics"]
    return topics


def test_every_event_exists_in_slacks_spec_and_its_scopes_are_requested(
    manifest: dict[str, Any],
) -> None:
    topics = asyncapi_topics()
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])

    assert events == list(BOT_EVENTS)
    for name in events:
        needed = BOT_EVENTS[name]
        assert needed is None or needed in scopes, f"{name} needs {needed}"
        if name in NEWER_EVENTS:
            assert name.replace("_", ".") not in topics, f"{name} is in the spec now: drop it here"
            assert needed == NEWER_EVENTS[name]
            continue
        topic = name.replace("_", ".")  # the AsyncAPI file names message.im as is, user_change
        assert topic in topics, f"{name} is not a Slack event"  # as user.change
        subscription = topics[topic]["subscribe"]
        assert set(subscription.get("x-scopes-required", [])) <= scopes, name
        assert subscription["externalDocs"]["url"].endswith("/events/" + name)


def test_the_bot_asks_for_no_scope_it_does_not_use(manifest: dict[str, Any]) -> None:
    """Each scope is justified in bot/manifest.py; a new one needs a reason there and here."""
    assert manifest["oauth_config"]["scopes"]["bot"] == list(BOT_SCOPES)
    assert set(BOT_SCOPES) == {
        "commands",  # slash commands, the message shortcut
        "chat:write",  # every message the bot posts or updates
        "users:read",  # users.info time zones; user_change
        "app_mentions:read",  # app_mention
        "files:write",  # the CSV export
        "im:write",  # conversations.open: settle an interrupted reminder
        "im:history",  # conversations.history in a DM: the same; message.im (standup answers)
        "channels:history",  # ... and of an escalation in a public channel
        "groups:history",  # ... or a private one
        "channels:read",  # conversations.members: a public channel's standup asks everyone
        "groups:read",  # ... and a private channel's
    }
    needed_by_events = {scope for scope in BOT_EVENTS.values() if scope}
    assert needed_by_events <= set(BOT_SCOPES)
    assert "user" not in manifest["oauth_config"]["scopes"]  # no user-token scopes at all


def test_subscribed_events_are_answered_or_known_to_be_pending(deps: Deps) -> None:
    """Slack disables a subscription that keeps failing: each event needs a listener."""
    app = create_app(deps, offline=True)
    samples: dict[str, dict[str, Any]] = {
        "app_mention": {"type": "app_mention", "user": ALICE, "text": "<@UPMOBOT> hi"},
        "app_home_opened": {"type": "app_home_opened", "user": ALICE, "tab": "home"},
        "user_change": {"type": "user_change", "user": {"id": ALICE, "tz": "Europe/Paris"}},
        "message.im": {"type": "message", "user": ALICE, "text": "hi", "channel_type": "im"},
        "app_uninstalled": {"type": "app_uninstalled"},
        "tokens_revoked": {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}},
    }
    assert set(samples) == set(BOT_EVENTS)

    def answered(event: dict[str, Any]) -> bool:
        full = {"channel": "D0ALICE", "ts": "1700000000.000100", "event_ts": "1", **event}
        body = event_body(full, team_id=TEAM)
        headers: Headers = {"content-type": ["application/json"]}
        return app.dispatch(BoltRequest(body=body, headers=headers)).status != 404

    try:
        handled = {name for name, event in samples.items() if answered(event)}
    finally:
        join_lazy_listeners(app)
    assert handled | PENDING_EVENTS == set(BOT_EVENTS)
    assert not handled & PENDING_EVENTS, "now answered: remove from PENDING_EVENTS"


# -- YAML and JSON ---------------------------------------------------------------------------------


def parse_yaml(text: str) -> Any:
    """Read back exactly the YAML subset `to_yaml` writes (block maps and lists; plain,
    double-quoted, boolean and integer scalars; `{}` and `[]`), failing on anything else."""
    lines = [(len(line) - len(line.lstrip(" ")), line.strip()) for line in text.splitlines()]
    assert all(content for _, content in lines), "no blank lines"
    value, end = _node(lines, 0, 0)
    assert end == len(lines), f"unread from line {end + 1}"
    return value


Lines = list[tuple[int, str]]


def _node(lines: Lines, i: int, indent: int) -> tuple[Any, int]:
    assert lines[i][0] == indent, f"line {i + 1}: indent {lines[i][0]}, expected {indent}"
    if lines[i][1].startswith("- "):
        return _list(lines, i, indent)
    return _map(lines, i, indent)


def _map(lines: Lines, i: int, indent: int) -> tuple[dict[str, Any], int]:
    result: dict[str, Any] = {}
    while i < len(lines) and lines[i][0] == indent and not lines[i][1].startswith("- "):
        key, rest = _entry(lines[i][1])
        assert key not in result, f"line {i + 1}: {key!r} twice"
        if rest is None:
            assert i + 1 < len(lines), f"line {i + 1}: no value"
            assert lines[i + 1][0] > indent, f"line {i + 1}: no value"
            result[key], i = _node(lines, i + 1, lines[i + 1][0])
        else:
            result[key], i = _scalar(rest), i + 1
    assert i == len(lines) or lines[i][0] < indent, f"line {i + 1}: stray indentation"
    return result, i


def _list(lines: Lines, i: int, indent: int) -> tuple[list[Any], int]:
    result: list[Any] = []
    while i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("- "):
        content = lines[i][1][2:]
        if content.startswith("- ") or _is_entry(content):
            # `- key: value` opens a map (or `- - x` a list) at the item's own column.
            item, used = _node([(indent + 2, content), *lines[i + 1 :]], 0, indent + 2)
            result.append(item)
            i += used
        else:
            result.append(_scalar(content))
            i += 1
    assert i == len(lines) or lines[i][0] < indent, f"line {i + 1}: stray indentation"
    return result, i


def _is_entry(content: str) -> bool:
    try:
        _entry(content)
    except AssertionError:
        return False
    return True


def _entry(line: str) -> tuple[str, str | None]:
    """`key: value` → (key, "value"); `key:` → (key, None)."""
    if line.startswith('"'):
        key, end = json.JSONDecoder().raw_decode(line)
        after = line[end:]
    else:
        cut = line.find(": ")
        cut = cut if cut >= 0 else (len(line) - 1 if line.endswith(":") else -1)
        assert cut > 0, f"not a map entry: {line!r}"
        key, after = line[:cut], line[cut:]
    assert after == ":" or after.startswith(": "), f"not a map entry: {line!r}"
    return key, (after[2:] if after != ":" else None)


def _scalar(text: str) -> Any:
    if text.startswith('"'):
        return json.loads(text)
    if text in ("true", "false"):
        return text == "true"
    if text in ("{}", "[]"):
        return {} if text == "{}" else []
    if re.fullmatch(r"-?[0-9]+", text):
        return int(text)
    return text


def test_yaml_and_json_carry_the_same_data(manifest: dict[str, Any]) -> None:
    yaml_text, json_text = to_yaml(manifest), to_json(manifest)

    assert json.loads(json_text) == manifest
    assert parse_yaml(yaml_text) == manifest
    assert yaml_text.startswith("display_information:\n  name: PMO Bot\n")
    assert "  - command: /risk\n" in yaml_text
    assert "      should_escape: true\n" in yaml_text


def test_yaml_reads_back_the_same_with_pyyaml(manifest: dict[str, Any]) -> None:
    import yaml  # a test extra: the app itself writes YAML without it

    assert yaml.safe_load(to_yaml(manifest)) == manifest
    assert yaml.safe_load(to_yaml(TRICKY)) == TRICKY


QUOTED = [
    "",
    " leading space",
    "trailing space ",
    "yes",
    "No",
    "on",
    "OFF",
    "true",
    "null",
    "~",
    "y",
    "123",
    "-1",
    "0x1F",
    "1.5",
    "2026-11-22",
    "12:30",
    "a: b",
    "key:",
    "# comment",
    "a #b",
    "- item",
    "-",
    "? question",
    "@user",
    "`tick`",
    "*alias",
    "&anchor",
    "!tag",
    "%directive",
    "|literal",
    ">folded",
    "'single'",
    '"double"',
    "[flow]",
    "{flow}",
    "line\nbreak",
    "tab\there",
    "back\\slash",
    "bell\x07",
    "del\x7f",
    "next\x85line",
    "line\u2028separator",
    "bom\ufeff",
    "emoji 🚚 and umlaut ä",
]
PLAIN = ["PMO Bot", "/risk", "https://pmo.acme.io/slack/events", "chat:write", "log_raid_item"]
TRICKY: dict[str, Any] = {
    "values": QUOTED + PLAIN,
    "yes": {"nested": [{"a": 1, "b": [True, False, 0, -3]}, [], {}, [["x", "y"], "z"]]},
    "a: b": "",
    "empty": {},
}


@pytest.mark.parametrize("text", QUOTED, ids=[f"q{i}" for i in range(len(QUOTED))])
def test_yaml_quotes_strings_a_yaml_reader_could_misread(text: str) -> None:
    line = to_yaml({"k": text})
    assert line.startswith('k: "')
    assert not re.search("[\x7f-\x9f\u2028\u2029\ufeff]", line), "escaped, not raw"
    assert parse_yaml(line) == {"k": text}


@pytest.mark.parametrize("text", PLAIN)
def test_yaml_leaves_safe_strings_plain(text: str) -> None:
    assert to_yaml({"k": text}) == f"k: {text}\n"


def test_yaml_nests_lists_and_maps_and_reads_back() -> None:
    assert parse_yaml(to_yaml(TRICKY)) == TRICKY
    assert to_yaml({"a": [{"b": 1, "c": [2]}, []]}) == "a:\n  - b: 1\n    c:\n      - 2\n  - []\n"


def test_yaml_refuses_what_it_cannot_write() -> None:
    with pytest.raises(TypeError, match="float"):
        to_yaml({"ratio": 1.5})
    with pytest.raises(TypeError, match="keys"):
        to_yaml({1: "one"})  # type: ignore[dict-item]


# -- the command line ------------------------------------------------------------------------------


def test_cli_prints_the_manifest_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["manifest", "--format", "json", "--url", URL + "/"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == build_manifest(URL)
    assert err == ""


def test_cli_prints_yaml_by_default_and_warns_of_the_placeholder(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["manifest"]) == 0
    out, err = capsys.readouterr()
    assert parse_yaml(out) == build_manifest(DEFAULT_URL)
    assert f"no --url given, so the request URLs use {DEFAULT_URL}" in err


def test_cli_refuses_a_plain_http_url(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["manifest", "--url", "http://pmo.acme.io"])
    assert exited.value.code == 2
    assert "not an https:// address" in capsys.readouterr().err
