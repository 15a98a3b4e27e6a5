"""`/pmo`: projects, RAG status, the portfolio, reminder settings, holidays, away, the digest
and help."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.deps import Deps
from bot.domain import Actor
from bot.services import projects, settings
from handlers.blocks.projects import (
    render_help,
    render_project,
    render_status,
    render_status_change,
)
from handlers.blocks.reply import Reply
from handlers.blocks.settings import (
    render_away,
    render_away_change,
    render_holiday_change,
    render_holidays,
    render_reminder_settings,
    render_settings_change,
)
from handlers.blocks.text import Viewer
from handlers.commands.context import (
    actor_from_command,
    answer,
    deps_of,
    local_now,
    viewer_for,
)
from handlers.commands.digest import run_digest_command
from handlers.commands.portfolio import run_portfolio_command
from handlers.digest_grammar import (
    DigestMentions,
    PostDigest,
    ScheduleDigest,
    ShowDigest,
    SwitchDigest,
)
from handlers.grammar import (
    AddHoliday,
    EndAway,
    Help,
    ListHolidays,
    PmoCommand,
    ProjectCommand,
    RemindersCommand,
    RemoveHoliday,
    SetAway,
    ShowAway,
    StatusCommand,
    parse_pmo_command,
)
from handlers.portfolio_grammar import (
    PortfolioCommand,
    SchedulePortfolioDigest,
    ShowPortfolioDigests,
    StopPortfolioDigest,
)
from handlers.usage import help_text


def handle_pmo_command(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    deps = deps_of(context)
    actor = actor_from_command(deps, command)
    viewer = viewer_for(deps, actor)
    parsed = parse_pmo_command(command.get("text") or "", now=local_now(viewer))
    reply = run_pmo_command(deps, actor, parsed, viewer)
    answer(ack, reply)


def run_pmo_command(deps: Deps, actor: Actor, parsed: PmoCommand, viewer: Viewer) -> Reply:
    match parsed:
        case Help():
            return render_help("PMO Bot — everything, briefly", help_text())
        case ProjectCommand(name=name):
            result = projects.bind_project(deps, actor, name)
            return render_project(result.project, result.created, actor.user_id)
        case StatusCommand(rag=None, project=slug):
            return render_status(projects.project_status(deps, actor, slug), viewer)
        case StatusCommand(rag=rag, reason=reason, project=slug) if rag is not None:
            project, entry, previous = projects.set_status(deps, actor, rag, reason, slug)
            return render_status_change(project, entry, previous)
        case (
            PortfolioCommand()
            | ShowPortfolioDigests()
            | SchedulePortfolioDigest()
            | StopPortfolioDigest()
        ):
            return run_portfolio_command(deps, actor, parsed, viewer)
        case RemindersCommand(project=slug) if parsed.is_show:
            return render_reminder_settings(settings.reminder_settings(deps, actor, slug), viewer)
        case RemindersCommand(enabled=enabled, at=at, escalation_days=days, project=slug):
            change = settings.change_reminders(
                deps, actor, slug, enabled=enabled, at=at, escalation_days=days
            )
            return render_settings_change(change, viewer)
        case AddHoliday(day=day, name=name, workspace_wide=everyone, project=slug):
            added = settings.add_holiday(
                deps, actor, day, name, workspace_wide=everyone, project_slug=slug
            )
            return render_holiday_change(added, viewer)
        case ListHolidays(project=slug):
            return render_holidays(settings.list_holidays(deps, actor, slug), viewer)
        case RemoveHoliday(day=day, workspace_wide=everyone, project=slug):
            removed = settings.remove_holiday(
                deps, actor, day, workspace_wide=everyone, project_slug=slug
            )
            return render_holiday_change(removed, viewer)
        case SetAway(starts_on=starts_on, ends_on=ends_on):
            return render_away_change(settings.set_away(deps, actor, starts_on, ends_on), viewer)
        case EndAway():
            return render_away_change(settings.end_away(deps, actor), viewer)
        case ShowAway():
            return render_away(settings.away_status(deps, actor), viewer)
        case ShowDigest() | ScheduleDigest() | SwitchDigest() | DigestMentions() | PostDigest():
            return run_digest_command(deps, actor, parsed, viewer)
        case _:
            raise AssertionError(f"unhandled command {parsed!r}")
