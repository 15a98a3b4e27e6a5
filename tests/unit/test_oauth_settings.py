"""OAuth mode's settings: when it is on, which scopes and redirect URL the install asks for,
and the manifest's redirect URL from PMO_PUBLIC_URL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot import cli
from bot.app import oauth_settings
from bot.clock import FixedClock
from bot.config import Settings
from bot.installations import Installations
from bot.manifest import BOT_SCOPES
from storage.db import Database

BASE = {"SLACK_SIGNING_SECRET": "s", "SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c"}


def test_client_id_and_secret_turn_oauth_on_without_a_bot_token() -> None:
    settings = Settings.from_env(BASE)

    assert settings.oauth_enabled
    assert settings.has_slack_credentials
    assert settings.slack_bot_token is None
    assert settings.redirect_uri is None  # Slack then uses the app's one redirect URL


def test_without_client_credentials_the_single_token_mode_is_unchanged() -> None:
    single = Settings.from_env({"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1"})
    half = Settings.from_env({"SLACK_SIGNING_SECRET": "s", "SLACK_CLIENT_ID": "1.2"})

    assert not single.oauth_enabled
    assert single.has_slack_credentials
    assert not half.oauth_enabled
    assert not half.has_slack_credentials


def test_scopes_and_redirect_url_come_from_the_environment() -> None:
    settings = Settings.from_env(
        BASE | {"SLACK_SCOPES": "commands, chat:write", "PMO_PUBLIC_URL": "https://pmo.acme.io/"}
    )
    explicit = Settings.from_env(
        BASE | {"PMO_PUBLIC_URL": "https://a.io", "SLACK_REDIRECT_URI": "https://b.io/cb"}
    )

    assert settings.slack_scopes == ("commands", "chat:write")
    assert settings.redirect_uri == "https://pmo.acme.io/slack/oauth_redirect"
    assert explicit.redirect_uri == "https://b.io/cb"


def test_the_install_asks_for_the_manifests_bot_scopes_unless_told_otherwise(
    sqlite_engine: Engine, clock: FixedClock
) -> None:
    db = Database(sqlite_engine)
    default = Settings.from_env(BASE)
    chosen = Settings.from_env(BASE | {"SLACK_SCOPES": "commands,chat:write"})

    asked = oauth_settings(default, Installations(default, db, clock))
    narrowed = oauth_settings(chosen, Installations(chosen, db, clock))

    assert asked.scopes == list(BOT_SCOPES)
    assert narrowed.scopes == ["commands", "chat:write"]
    assert asked.user_scopes == []
    assert (asked.install_path, asked.redirect_uri_path) == (
        "/slack/install",
        "/slack/oauth_redirect",
    )


def test_the_manifest_takes_its_urls_from_pmo_public_url(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.setenv("PMO_PUBLIC_URL", "https://pmo.acme.io")
    assert cli.main(["manifest", "--format", "json"]) == 0
    manifest = json.loads(capsys.readouterr().out)

    assert manifest["oauth_config"]["redirect_urls"] == ["https://pmo.acme.io/slack/oauth_redirect"]
    assert manifest["settings"]["event_subscriptions"]["request_url"] == (
        "https://pmo.acme.io/slack/events"
    )

    monkeypatch.setenv("PMO_PUBLIC_URL", "http://insecure.example")
    assert cli.main(["manifest"]) == 2
    assert "PMO_PUBLIC_URL" in capsys.readouterr().err
