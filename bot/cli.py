"""`pmo-bot` serve | shell | migrate; bare `pmo-bot` serves Slack if configured, else the shell."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from dotenv import load_dotenv
from sqlalchemy import Engine

from bot.config import ConfigError, Settings
from storage.db import make_engine
from storage.schema import SchemaOutOfDate, ensure_current, upgrade

if TYPE_CHECKING:
    from bot.shell import Shell

log = logging.getLogger("pmo_bot")


def main(argv: Sequence[str] | None = None) -> int:
    load_dotenv(os.path.join(os.getcwd(), ".env"), override=False)
    args = _parser().parse_args(argv)
    if args.command == "manifest":
        return _manifest(args)  # needs no settings, database or Slack
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        print(f"pmo-bot: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if settings.log_level != "DEBUG":
        logging.getLogger("alembic").setLevel(logging.WARNING)
    command = args.command or ("serve" if settings.has_slack_credentials else "shell")
    try:
        if command == "migrate":
            return _migrate(settings)
        _check_schema(settings)
        if command == "serve":
            return _serve(settings, socket_mode=args.socket_mode)
        return _shell(settings, args)
    except SchemaOutOfDate as error:
        print(f"pmo-bot: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pmo-bot",
        description="PMO Bot: the RAID log and RAG status in Slack. With no command it serves "
        "Slack when SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set, else opens the shell.",
    )
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser(
        "serve", help="answer Slack over HTTP (POST /slack/events, GET /healthz)"
    )
    serve.add_argument(
        "--socket-mode", action="store_true", help="use Socket Mode (SLACK_APP_TOKEN)"
    )
    shell = sub.add_parser("shell", help="a local terminal: type slash commands, read the replies")
    shell.add_argument("--user", default="alice", help="who you are (default: alice)")
    shell.add_argument("--channel", default="general", help="where you are (default: general)")
    shell.add_argument("--tz", default=None, help="everyone's time zone (default: $TZ or UTC)")
    sub.add_parser("migrate", help="apply database migrations (Alembic)")
    manifest = sub.add_parser("manifest", help="print the Slack app manifest (api.slack.com/apps)")
    manifest.add_argument("--format", choices=("yaml", "json"), default="yaml")
    manifest.add_argument(
        "--url",
        type=_https_url,
        default=None,
        help="the app's public address, e.g. https://pmo.example.com (default: a placeholder)",
    )
    parser.set_defaults(socket_mode=False, user="alice", channel="general", tz=None)
    return parser


def _https_url(text: str) -> str:
    from bot.manifest import base_url

    try:
        return base_url(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _manifest(args: argparse.Namespace) -> int:
    from bot.manifest import DEFAULT_URL, build_manifest, to_json, to_yaml

    if args.url is None:
        print(
            f"pmo-bot: no --url given, so the request URLs use {DEFAULT_URL}; "
            "replace it with the address Slack reaches this app at.",
            file=sys.stderr,
        )
    manifest = build_manifest(args.url or DEFAULT_URL)
    sys.stdout.write(to_json(manifest) if args.format == "json" else to_yaml(manifest))
    return 0


def _migrate(settings: Settings) -> int:
    with _engine(settings) as engine:
        upgrade(engine)
    print("pmo-bot: database schema is up to date")
    return 0


def _check_schema(settings: Settings) -> None:
    with _engine(settings) as engine:
        ensure_current(engine)


@contextmanager
def _engine(settings: Settings) -> Iterator[Engine]:
    """A short-lived engine for schema work, disposed before the servers fork."""
    engine = make_engine(settings.database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def _serve(settings: Settings, *, socket_mode: bool) -> int:
    missing = [
        name
        for name, value in (
            ("SLACK_BOT_TOKEN", settings.slack_bot_token),
            ("SLACK_SIGNING_SECRET", settings.slack_signing_secret),
            ("SLACK_APP_TOKEN", settings.slack_app_token if socket_mode else "not needed"),
        )
        if not value
    ]
    if missing:
        print(
            f"pmo-bot: set {', '.join(missing)} to serve Slack (see .env.example), "
            "or run `pmo-bot shell` to try it locally.",
            file=sys.stderr,
        )
        return 2
    if socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        from bot.app import create_app
        from bot.deps import build_deps

        app = create_app(build_deps(settings))
        SocketModeHandler(app, settings.slack_app_token).start()  # type: ignore[no-untyped-call]
        return 0
    from bot.web import serve_http

    serve_http(settings)
    return 0


def _shell(settings: Settings, args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from bot.clock import SystemClock
    from bot.deps import Deps
    from bot.shell import SHELL_HELP, Shell, ShellGateway
    from storage.db import Database

    zone = args.tz or os.environ.get("TZ") or "UTC"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        print(
            f"pmo-bot: unknown time zone {zone!r}; use a name such as Europe/London",
            file=sys.stderr,
        )
        return 2
    gateway = ShellGateway(zone)
    deps = Deps(settings, SystemClock(), gateway, Database(make_engine(settings.database_url)))
    shell = Shell(deps, gateway, args.user.lstrip("@").lower(), args.channel.lstrip("#").lower())
    interactive = sys.stdin.isatty()
    if interactive:
        print(
            f"PMO Bot shell on {settings.database_url} "
            f"as {shell.user} in #{shell.channel} ({zone})."
        )
        print(SHELL_HELP)
        shell.run(_prompted(shell), sys.stdout, echo=False)
    else:
        shell.run(sys.stdin, sys.stdout, echo=True)
    return 0


def _prompted(shell: Shell) -> Iterator[str]:
    while True:
        try:
            yield input(f"{shell.user}@#{shell.channel}> ")
        except EOFError:
            print()
            return


if __name__ == "__main__":
    sys.exit(main())
