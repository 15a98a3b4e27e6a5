"""Settings, read once from the environment (and a `.env` file when present)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from storage.db import DEFAULT_URL

DEFAULT_API_URL = "https://slack.com/api/"
INSTALL_PATH = "/slack/install"
OAUTH_REDIRECT_PATH = "/slack/oauth_redirect"


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_URL
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_scopes: tuple[str, ...] | None = None  # None: the manifest's bot scopes
    slack_redirect_uri: str | None = None
    public_url: str | None = None  # where Slack reaches the app, e.g. https://pmo.example.com
    slack_api_url: str = DEFAULT_API_URL
    port: int = 3000
    web_concurrency: int = 2
    tick_seconds: int = 60
    log_level: str = "INFO"
    log_format: str = "logfmt"  # or "json": one JSON object a line
    db_pool_size: int = 5
    send_rate: int = 20  # scheduled messages a second, at most, per workspace and worker
    # A scheduled send claimed this long ago and not renewed was left by a stopped worker.
    claim_stale_seconds: int = 600
    # conversations.history/replies reads a minute per workspace when settling interrupted
    # sends (Tier 3: 50; 1 for an app held to Slack's lowest history tier).
    history_per_minute: int = 50

    @property
    def oauth_enabled(self) -> bool:
        """Multi-workspace mode: installs by OAuth, a bot token per workspace in the database."""
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def has_slack_credentials(self) -> bool:
        token = self.slack_bot_token or self.oauth_enabled
        return bool(token and self.slack_signing_secret)

    @property
    def redirect_uri(self) -> str | None:
        """The OAuth redirect URL: SLACK_REDIRECT_URI, else derived from PMO_PUBLIC_URL; None
        lets Slack use the app's one configured redirect URL."""
        if self.slack_redirect_uri:
            return self.slack_redirect_uri
        if self.public_url:
            return self.public_url.rstrip("/") + OAUTH_REDIRECT_PATH
        return None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def text(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        api_url = text("SLACK_API_URL") or DEFAULT_API_URL
        return cls(
            database_url=_normalise_db_url(text("DATABASE_URL") or DEFAULT_URL),
            slack_bot_token=text("SLACK_BOT_TOKEN"),
            slack_signing_secret=text("SLACK_SIGNING_SECRET"),
            slack_app_token=text("SLACK_APP_TOKEN"),
            slack_client_id=text("SLACK_CLIENT_ID"),
            slack_client_secret=text("SLACK_CLIENT_SECRET"),
            slack_scopes=_scopes(text("SLACK_SCOPES")),
            slack_redirect_uri=text("SLACK_REDIRECT_URI"),
            public_url=text("PMO_PUBLIC_URL"),
            slack_api_url=api_url if api_url.endswith("/") else api_url + "/",
            port=_int(env, "PORT", 3000, 1, 65535),
            web_concurrency=_int(env, "WEB_CONCURRENCY", 2, 1, 64),
            tick_seconds=_int(env, "PMO_TICK_SECONDS", 60, 1, 3600),
            log_level=(text("LOG_LEVEL") or "INFO").upper(),
            log_format=_choice(env, "LOG_FORMAT", ("logfmt", "json")),
            db_pool_size=_int(env, "PMO_DB_POOL_SIZE", 5, 1, 100),
            send_rate=_int(env, "PMO_SEND_RATE", 20, 0, 1000),
            claim_stale_seconds=_int(env, "PMO_CLAIM_STALE_SECONDS", 600, 1, 86400),
            history_per_minute=_int(env, "PMO_HISTORY_PER_MINUTE", 50, 1, 1000),
        )


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ConfigError(f"{name} must be a whole number from {low} to {high}, not {raw!r}")
    return int(raw)


def _scopes(raw: str | None) -> tuple[str, ...] | None:
    """`SLACK_SCOPES=commands,chat:write,…` (commas or spaces between)."""
    scopes = tuple(scope for scope in (raw or "").replace(",", " ").split() if scope)
    return scopes or None


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    raw = env.get(name, "").strip().lower() or choices[0]
    if raw not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return raw


def _normalise_db_url(url: str) -> str:
    """Heroku-style `postgres://` URLs use the psycopg 3 driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
