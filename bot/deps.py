"""Long-lived, thread-safe collaborators handed to every listener and use-case."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.slack import SlackGateway, WebApiGateway, make_web_client
from storage.db import Database, make_engine


@dataclass(frozen=True)
class Deps:
    settings: Settings
    clock: Clock
    slack: SlackGateway
    db: Database

    def __deepcopy__(self, memo: dict[int, object]) -> Deps:
        """Shared, never copied: Bolt deep-copies a request's context for its lazy listeners,
        and these are long-lived, thread-safe collaborators (a pool, a client, a clock)."""
        return self


def build_deps(settings: Settings) -> Deps:
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    client = make_web_client(settings.slack_bot_token, settings.slack_api_url)
    return Deps(settings, SystemClock(), WebApiGateway(client), Database(engine))
