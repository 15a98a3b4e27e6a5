"""`/standup`: set up this channel's standup, ask everyone now, and read a day's answers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.deps import Deps
from bot.domain import Actor
from bot.errors import UserError
from bot.services import standups
from handlers.blocks.reply import Reply
from handlers.blocks.standup_settings import (
    render_run_now,
    render_standup,
    render_standup_change,
    render_standup_report,
)
from handlers.blocks.text import Viewer
from handlers.commands.context import (
    actor_from_command,
    answer,
    deps_of,
    local_now,
    viewer_for,
)
from handlers.standup_grammar import (
    ReportStandup,
    RunStandupNow,
    ScheduleStandup,
    SetStandupMembers,
    SetStandupQuestions,
    ShowStandup,
    StandupCommand,
    SwitchStandup,
    parse_standup_command,
    standup_subcommand,
)
from handlers.usage import STANDUP_USAGE


def handle_standup_command(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    deps = deps_of(context)
    actor = actor_from_command(deps, command)
    viewer = viewer_for(deps, actor)
    parsed = parse_standup_command(command.get("text") or "", now=local_now(viewer))
    with teaching(parsed):
        reply = run_standup_command(deps, actor, parsed, viewer)
    answer(ack, reply)


def run_standup_command(deps: Deps, actor: Actor, parsed: StandupCommand, viewer: Viewer) -> Reply:
    """One service call for the parsed command, rendered."""
    match parsed:
        case ShowStandup(help=help):
            return render_standup(standups.settings(deps, actor), viewer, help=help)
        case ScheduleStandup(at=at, days=days):
            change = standups.configure(deps, actor, at=at, days=days)
        case SetStandupQuestions(questions=questions):
            change = standups.configure(deps, actor, questions=questions)
        case SetStandupMembers(channel=True):
            change = standups.configure(deps, actor, members_mode="channel")
        case SetStandupMembers(members=members):
            change = standups.configure(deps, actor, members=members)
        case SwitchStandup(enabled=enabled):
            change = standups.configure(deps, actor, enabled=enabled)
        case RunStandupNow():
            return render_run_now(standups.run_now(deps, actor), viewer)
        case ReportStandup(day=day):
            return render_standup_report(standups.report(deps, actor, day), viewer)
        case _:
            raise AssertionError(f"unhandled command {parsed!r}")
    return render_standup_change(change, viewer)


@contextmanager
def teaching(parsed: StandupCommand) -> Iterator[None]:
    """A refusal from the service teaches the subcommand's usage, as the grammar's do."""
    try:
        yield
    except UserError as error:
        usage = STANDUP_USAGE[standup_subcommand(parsed)]
        raise error.with_usage(usage.usage, usage.example) from None
