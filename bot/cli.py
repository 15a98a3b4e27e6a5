"""`pmo-bot` serve | worker | tick | shell | migrate | manifest | export | import; bare: serve,
or the shell."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING

from dotenv import load_dotenv
from sqlalchemy import Engine

from bot.config import ConfigError, Settings
from bot.logs import configure_logging
from storage.db import make_engine
from storage.schema import SchemaOutOfDate, ensure_current, upgrade

if TYPE_CHECKING:
    pass

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
    configure_logging(settings.log_level, settings.log_format)
    logging.getLogger("slack_sdk").setLevel(logging.INFO)  # at DEBUG it logs message bodies
    if settings.log_level != "DEBUG":  # our own lines say what each pass and migration did
        logging.getLogger("alembic").setLevel(logging.WARNING)
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    command = args.command or ("serve" if settings.has_slack_credentials else "shell")
    try:
        if command == "migrate":
            return _migrate(settings)
        _check_schema(settings)
        if command == "serve":
            return _serve(settings, socket_mode=args.socket_mode)
        if command == "worker":
            return _worker(settings)
        if command == "tick":
            return _tick(settings, args)
        if command in ("export", "import"):
            from bot.bundle_cli import run_bundle_command

            return run_bundle_command(settings, args)
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
    sub.add_parser(
        "worker", help="the scheduler: reminders and escalations, every PMO_TICK_SECONDS"
    )
    tick = sub.add_parser("tick", help="run one scheduler pass now")
    tick.add_argument("--at", help="as if the clock read this ISO time (with an offset)")
    tick.add_argument(
        "--dry-run", action="store_true", help="print what would be sent; send nothing"
    )
    from bot.bundle_cli import add_bundle_commands

    add_bundle_commands(sub)
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

    if args.url is None and os.environ.get("PMO_PUBLIC_URL", "").strip():
        try:  # the address `serve` derives its OAuth redirect URL from
            args.url = _https_url(os.environ["PMO_PUBLIC_URL"])
        except argparse.ArgumentTypeError as error:
            print(f"pmo-bot: PMO_PUBLIC_URL: {error}", file=sys.stderr)
            return 2
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
        where = engine.url.render_as_string(hide_password=True)  # DATABASE_URL may be unset
    print(f"pmo-bot: database schema is up to date ({where})")
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
            # OAuth mode keeps a bot token per workspace in the database instead.
            ("SLACK_BOT_TOKEN", settings.slack_bot_token or settings.oauth_enabled),
            ("SLACK_SIGNING_SECRET", settings.slack_signing_secret),
            ("SLACK_APP_TOKEN", settings.slack_app_token if socket_mode else "not needed"),
        )
        if not value
    ]
    if missing:
        print(
            f"pmo-bot: set {', '.join(missing)} to serve Slack (see .env.example; for many "
            "workspaces, SLACK_CLIENT_ID and SLACK_CLIENT_SECRET instead of SLACK_BOT_TOKEN), "
            "or run `pmo-bot shell` to try it locally.",
            file=sys.stderr,
        )
        return 2
    if socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        from bot.app import create_app
        from bot.deps import build_deps
        from bot.web import warm_up

        app = create_app(warm_up(build_deps(settings)))
        SocketModeHandler(app, settings.slack_app_token).start()  # type: ignore[no-untyped-call]
        return 0
    from bot.web import serve_http

    serve_http(settings)
    return 0


def _shell(settings: Settings, args: argparse.Namespace) -> int:
    from bot.shell import start_shell

    return start_shell(settings, user=args.user, channel=args.channel, timezone=args.tz)


def _worker(settings: Settings) -> int:
    from bot.deps import build_deps
    from bot.scheduler import run_worker

    run_worker(build_deps(settings, answering=False))
    return 0


def _tick(settings: Settings, args: argparse.Namespace) -> int:
    """One pass as if the clock read `--at`; `--dry-run` prints what it would send."""
    from dataclasses import replace

    from bot.clock import ShiftedClock
    from bot.deps import build_deps
    from bot.scheduler import tick

    deps = build_deps(settings, answering=False)
    if args.at:
        try:
            at = datetime.fromisoformat(args.at)
        except ValueError:
            print(f"pmo-bot: --at {args.at!r} is not an ISO time", file=sys.stderr)
            return 2
        if at.tzinfo is None:
            print("pmo-bot: --at needs a zone offset, e.g. 2026-11-23T09:05+00:00", file=sys.stderr)
            return 2
        deps = replace(deps, clock=ShiftedClock(at))
    report = tick(deps, dry_run=args.dry_run)
    for line in report.lines:
        print(line, end="\n\n")
    print(("dry run: " if args.dry_run else "") + report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
