"""OAuth mode: slack-sdk's installation and state stores on our database, and each workspace's
bot token, refreshed once before it expires however many threads and processes ask at once."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from slack_sdk.errors import SlackTokenRotationError
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.slack import make_web_client
from storage.db import Database, DatabaseUnavailable, writes_first
from storage.models import Base, slack_bots, slack_installations
from storage.repositories import installations as stored
from storage.repositories import workspaces

log = logging.getLogger("pmo_bot.installations")
REFRESH_MINUTES = 120  # refresh a rotating token this long before it expires (Bolt's default)
STATE_SECONDS = 600  # how long an install link's state is good for
# Expired states deleted per install link issued: more than one, so a backlog (an old table,
# a burst of links) drains; bounded, so opening the install page stays one quick statement.
SWEEP_STATES = 100
# Tokens expire on Slack's clock, the wall clock: not the injected business clock, which
# `pmo-bot tick --at` moves (slack-sdk's TokenRotator reads the wall clock too).
WALL_CLOCK = SystemClock()


class Installations(SQLAlchemyInstallationStore):
    """slack-sdk's SQLAlchemy installation store, on our tables and engine, that never hands out
    a bot token about to expire: `find_bot` (Bolt's authorize, with bot_only) and `bot_token`
    (the worker) refresh it first, one refresher per team at a time."""

    def __init__(self, settings: Settings, db: Database, clock: Clock) -> None:
        if not (settings.slack_client_id and settings.slack_client_secret):
            raise ValueError("OAuth mode needs SLACK_CLIENT_ID and SLACK_CLIENT_SECRET")
        super().__init__(client_id=settings.slack_client_id, engine=db.engine, logger=log)
        # The tables migration 0006 made, instead of the store's private copies.
        self.metadata = Base.metadata
        self.bots = slack_bots
        self.installations = slack_installations
        self.db = db
        self.clock = clock
        self.rotator = TokenRotator(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            client=make_web_client(None, settings.slack_api_url),
        )
        self.states = OAuthStates(db)

    def save(self, installation: Installation) -> None:
        """An install or reinstall: keep the tokens and make the workspace live (again)."""
        with writes_first():  # slack-sdk reads, then writes, in each of its transactions
            super().save(installation)
        if installation.team_id is None:  # an org-wide install: not offered (no org deploy)
            return
        with self.db.write() as session:
            workspaces.set_installed(
                session,
                installation.team_id,
                installation.enterprise_id,
                self.clock.now(),
                installed=True,
            )
        log.info("installed in workspace %s (%s)", installation.team_id, installation.team_name)

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        bot = super().find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        if bot is None or bot.team_id is None or not expiring(bot):
            return bot
        return self._refresh(bot.team_id) or bot

    def bot_token(self, team_id: str) -> str | None:
        """The workspace's bot token, refreshed if about to expire; None when the app is not
        installed there (or the refresh failed: the caller tries again later)."""
        with self.db.read() as session:
            row = stored.latest_bot(session, self.client_id, team_id)
        if row is None:
            return None
        bot: Bot | None = self.build_bot_entity(row)
        if bot is not None and expiring(bot):
            try:
                bot = self._refresh(team_id)
            except SlackTokenRotationError as error:
                log.warning("cannot refresh the bot token of %s: %s", team_id, error)
                return None
        return bot.bot_token if bot is not None else None

    def _refresh(self, team_id: str) -> Bot | None:
        """Rotate the team's bot token under its lock, re-reading it first: whoever waited for
        the lock finds the token already refreshed and uses it."""
        with self.db.write() as session:
            stored.lock_team(session, self.client_id, team_id)
            row = stored.latest_bot(session, self.client_id, team_id)
            if row is None:
                return None
            bot = self.build_bot_entity(row)
            if not expiring(bot):
                return bot
            refreshed = self.rotator.perform_bot_token_rotation(
                bot=bot, minutes_before_expiration=REFRESH_MINUTES
            )
            if refreshed is None or refreshed.bot_token_expires_at is None:
                return bot
            expires = datetime.fromtimestamp(refreshed.bot_token_expires_at, UTC)
            stored.save_refreshed(
                session,
                self.client_id,
                team_id,
                old_token=str(bot.bot_token),
                token=str(refreshed.bot_token),
                refresh_token=refreshed.bot_refresh_token,
                expires_at=expires.replace(tzinfo=None),  # naive UTC, as slack-sdk stores it
            )
        log.info("refreshed the bot token of %s (expires %s)", team_id, expires.isoformat())
        return refreshed

    def forget(
        self, team_id: str, enterprise_id: str | None, *, users: tuple[str, ...] = ()
    ) -> None:
        """Delete the stored tokens: the given users' (when `users`), else all of the team's."""
        with writes_first():
            if users:
                for user_id in users:
                    self.delete_installation(
                        enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
                    )
                return
            self.delete_all(enterprise_id=enterprise_id, team_id=team_id)


class OAuthStates(OAuthStateStore):
    """The install link's `state` (slack-sdk's table, our engine): issued by GET /slack/install,
    redeemed once by the OAuth callback however many callbacks bring it at once, good for
    STATE_SECONDS. Each issue also sweeps expired states, so the table holds about one row
    per install link opened in the last STATE_SECONDS."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.expiration_seconds = STATE_SECONDS

    @property
    def logger(self) -> logging.Logger:
        return log

    def issue(self, *args: Any, **kwargs: Any) -> str:
        state = str(uuid4())
        now = _naive_utc(WALL_CLOCK.now())
        with self.db.write() as session:
            stored.sweep_states(session, now, SWEEP_STATES)
            stored.add_state(session, state, now + timedelta(seconds=self.expiration_seconds))
        return state

    def consume(self, state: str) -> bool:
        try:
            with self.db.write() as session:
                return stored.consume_state(session, state, _naive_utc(WALL_CLOCK.now()))
        except DatabaseUnavailable as error:  # Bolt shows its "link expired" page: start again
            log.warning("cannot check an install link's state: %s", error)
            return False


def _naive_utc(moment: datetime) -> datetime:
    """slack-sdk's tables keep naive UTC."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def expiring(bot: Bot) -> bool:
    """A rotating token (it has a refresh token and an expiry) within REFRESH_MINUTES of it."""
    expires_at: Any = bot.bot_token_expires_at
    if bot.bot_refresh_token is None or expires_at is None:
        return False
    return bool(expires_at <= WALL_CLOCK.now().timestamp() + REFRESH_MINUTES * 60)
