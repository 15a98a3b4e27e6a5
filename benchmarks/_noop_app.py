"""The ack-path baseline: a Bolt app whose slash-command listener only acks, served exactly as
`pmo-bot serve` serves the bot (bot.web.run_gunicorn). Run: `python -m benchmarks._noop_app`."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.config import Settings
from bot.slack import make_web_client
from bot.web import run_gunicorn

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment


def build(settings: Settings) -> Callable[..., Any]:
    app = App(
        signing_secret=settings.slack_signing_secret,
        client=make_web_client(settings.slack_bot_token, settings.slack_api_url),
        process_before_response=True,
        logger=logging.getLogger("noop.bolt"),
    )

    @app.command(re.compile(".*"))
    def just_ack(ack: Ack) -> None:
        ack()

    slack = SlackRequestHandler(app)

    def wsgi(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":  # so it is started like the bot
            start_response("200 OK", [("Content-Length", "2")])
            return [b"ok"]
        return slack(environ, start_response)

    return wsgi


def main() -> None:
    settings = Settings.from_env()
    logging.basicConfig(level=settings.log_level)
    logging.getLogger("noop.bolt").setLevel(logging.WARNING)
    run_gunicorn(settings, lambda: build(settings))


if __name__ == "__main__":
    main()
