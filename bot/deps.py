"""Long-lived, thread-safe collaborators handed to every listener and use-case."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Engine

from bot.background import Background
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.installations import Installations
from bot.memo import Memo
from bot.page_cache import PageCache
from bot.slack import (
    SEND_WAIT_MAX,
    InstalledGateways,
    SlackGateway,
    SlackGateways,
    WebApiGateway,
    make_send_client,
    make_web_client,
)
from storage.db import REQUEST_BUDGET, Database, make_engine


@dataclass(frozen=True)
class Deps:
    settings: Settings
    clock: Clock
    slack: SlackGateway  # OAuth mode: the requesting workspace's inside a request, else unused
    db: Database
    gateways: SlackGateways | None = None  # OAuth mode: each workspace's own gateway
    installations: Installations | None = None  # OAuth mode: the stored installs and tokens
    memo: Memo = field(default_factory=Memo, compare=False)  # this process's, shared by requests
    background: Background = field(default_factory=Background, compare=False)  # likewise
    pages: PageCache[Any] = field(default_factory=PageCache, compare=False)  # drawn lists
    # Inside a request, `slack` answers within the ack budget (bot.slack.ACK_TIMEOUT, no
    # retries); this is the same workspace's patient gateway, for the work after the answer.
    follow_up: SlackGateway | None = None

    def slack_for(self, team_id: str) -> SlackGateway | None:
        """The gateway that speaks for `team_id`: the one token's (single-workspace mode), or
        the workspace's own bot token's; None when the app is not installed there."""
        return self.slack if self.gateways is None else self.gateways.for_team(team_id)

    def answering(self, quick: SlackGateway, patient: SlackGateway) -> Deps:
        """The deps for one request: Bolt authorized it as the requesting workspace; what is
        asked of Slack before the answer goes through `quick`, what comes after through
        `patient` (see after_answer). Both speak with that workspace's token."""
        return replace(self, slack=quick, gateways=None, follow_up=patient)

    def after_answer(self) -> Deps:
        """The deps for work after the answer (lazy listeners, background look-ups): Slack is
        reached through the patient gateway, which waits out 429s and retries."""
        if self.follow_up is None:
            return self
        return replace(self, slack=self.follow_up, follow_up=None)

    def __deepcopy__(self, memo: dict[int, object]) -> Deps:
        """Bolt deep-copies a request's context for its lazy listeners, which run after the
        answer: they get the deps for that (after_answer), sharing these long-lived,
        thread-safe collaborators (a pool, a client, a clock) rather than copies of them."""
        return self.after_answer()


def build_deps(settings: Settings, *, answering: bool = True) -> Deps:
    """The process's deps: `answering` Slack's requests (serve, Socket Mode), or not (the
    worker, the tick), which decides how long database work waits: see engine_for."""
    engine = engine_for(settings, answering=answering)
    return assemble(settings, SystemClock(), Database(engine))


def engine_for(settings: Settings, *, answering: bool) -> Engine:
    """A process's engine. One that answers people gives a request's database work
    REQUEST_BUDGET (2 s) to get a lock or a connection, so a command that cannot be stored in
    time is told "busy, try again" with nothing stored before Slack gives up on it (3 s) and
    the person retypes. The worker and the tick answer nobody: they wait out long locks."""
    budget = REQUEST_BUDGET if answering else None
    return make_engine(settings.database_url, pool_size=settings.db_pool_size, budget=budget)


def assemble(settings: Settings, clock: Clock, db: Database) -> Deps:
    """The deps for the settings' mode: one bot token, or (OAuth) a token per workspace."""
    token, url = settings.slack_bot_token, settings.slack_api_url
    # A scheduled send waits out 429s for far less than its claim is held (see bot.slack).
    send_wait = min(SEND_WAIT_MAX, settings.claim_stale_seconds / 4)
    gateway = WebApiGateway(make_web_client(token, url), make_send_client(token, url, send_wait))
    if not settings.oauth_enabled:
        return Deps(settings, clock, gateway, db)
    installations = Installations(settings, db, clock)
    gateways = InstalledGateways(installations.bot_token, url, send_wait)
    return Deps(settings, clock, gateway, db, gateways, installations)
