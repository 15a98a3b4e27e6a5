"""The composition root for Slack: a Bolt App wired to our deps and the handlers' routes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any, TypeVar

from slack_bolt import App, BoltContext, BoltRequest
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.oauth.callback_options import CallbackOptions
from slack_bolt.oauth.oauth_settings import OAuthSettings

import handlers
from bot.config import INSTALL_PATH, OAUTH_REDIRECT_PATH, Settings
from bot.deps import Deps
from bot.installations import REFRESH_MINUTES, STATE_SECONDS, Installations
from bot.logs import ContextExecutor
from bot.manifest import BOT_SCOPES
from bot.slack import WebApiGateway, make_ack_client
from handlers.install_pages import install_failed, install_succeeded
from handlers.log_fields import bind_log_fields

T = TypeVar("T")


def create_app(
    deps: Deps, *, offline: bool = False, listener_executor: Executor | None = None
) -> App:
    """The Bolt app. `offline` (the shell) skips Slack's auth.test and request signatures;
    `listener_executor` runs lazy listeners (default: Bolt's thread pool; the shell's: inline)."""
    settings = deps.settings
    if offline:
        app = App(
            signing_secret="offline",
            authorize=_offline_authorize,
            request_verification_enabled=False,
            process_before_response=True,
            listener_executor=ContextExecutor(listener_executor or InlineExecutor()),
        )
    elif deps.installations is not None:
        app = App(
            signing_secret=settings.slack_signing_secret,
            client=make_ack_client(None, settings.slack_api_url),
            oauth_settings=oauth_settings(deps.settings, deps.installations),
            installation_store_bot_only=True,
            process_before_response=True,
            logger=_bolt_logger(),
            listener_executor=ContextExecutor(
                listener_executor or ThreadPoolExecutor(max_workers=10)
            ),
        )
    else:
        app = App(
            signing_secret=settings.slack_signing_secret,
            client=make_ack_client(settings.slack_bot_token, settings.slack_api_url),
            process_before_response=True,
            logger=_bolt_logger(),
            # Bolt's default pool, or the caller's; lazy listeners keep the request's log context.
            listener_executor=ContextExecutor(
                listener_executor or ThreadPoolExecutor(max_workers=10)
            ),
        )
    app.use(_prepare(deps, offline=offline))
    handlers.register(app)
    return app


class InlineExecutor(Executor):
    """Runs each task at once, in the caller's thread: the shell prints follow-ups in order."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # handed to the caller through the future
            future.set_exception(error)
        return future


class _NoTokenNotice(logging.Filter):
    """Bolt notes that SLACK_BOT_TOKEN is unused when a client is given: ours carries it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "will be unused" not in record.getMessage()


def _bolt_logger() -> logging.Logger:
    """Bolt's base logger: quiet below WARNING whatever LOG_LEVEL says, since at INFO Bolt logs
    whole request bodies (people's text) when a signature fails, and at DEBUG every body."""
    logger = logging.getLogger("pmo_bot.bolt")
    logger.setLevel(logging.WARNING)
    if not logger.filters:
        logger.addFilter(_NoTokenNotice())
    return logger


def oauth_settings(settings: Settings, installations: Installations) -> OAuthSettings:
    """Bolt's OAuth flow at /slack/install and /slack/oauth_redirect, on our stores. Bolt's own
    token rotation is on (client id and secret) but finds nothing to do: the store's find_bot
    has already refreshed an expiring token, under the team's lock."""
    assert settings.slack_client_id is not None
    assert settings.slack_client_secret is not None
    return OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(settings.slack_scopes or BOT_SCOPES),
        user_scopes=[],
        redirect_uri=settings.redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=OAUTH_REDIRECT_PATH,
        callback_options=CallbackOptions(success=install_succeeded, failure=install_failed),
        installation_store=installations,
        installation_store_bot_only=True,
        token_rotation_expiration_minutes=REFRESH_MINUTES,
        state_store=installations.states,
        state_expiration_seconds=STATE_SECONDS,
        logger=_bolt_logger(),
    )


Middleware = Callable[[dict[str, Any], BoltRequest, BoltContext, Callable[[], None]], None]


def _prepare(deps: Deps, *, offline: bool) -> Middleware:
    """The one middleware of ours (Bolt builds the arguments of each, a cost every request
    pays): the request's log fields (handlers.log_fields), then its deps. Bolt's client for
    the request (a copy of the app's, from make_ack_client: ACK_TIMEOUT, no retries) carries
    the requesting workspace's token; what the listener asks of Slack before answering goes
    through it, and the work after the answer through the patient gateway of the same
    workspace. Offline (the shell), the deps' own gateway answers everything."""

    def prepare(
        body: dict[str, Any], request: BoltRequest, context: BoltContext, next: Callable[[], None]
    ) -> None:
        bind_log_fields(body, request.headers)
        client = context.client
        if offline or client is None or not client.token:
            context["deps"] = deps
        elif deps.gateways is not None:
            # OAuth mode: Bolt authorized this request from the installation store.
            team = context.team_id or context.enterprise_id or ""
            patient = deps.gateways.with_token(team, client.token)
            context["deps"] = deps.answering(WebApiGateway(client), patient)
        else:
            context["deps"] = deps.answering(WebApiGateway(client), deps.slack)
        next()

    return prepare


def _offline_authorize(
    enterprise_id: str | None, team_id: str | None, **_: object
) -> AuthorizeResult:
    return AuthorizeResult(
        enterprise_id=enterprise_id,
        team_id=team_id,
        bot_token="xoxb-offline",
        bot_user_id="UPMOBOT",
        bot_id="BPMOBOT",
    )
