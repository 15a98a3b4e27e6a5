"""`/pmo`: projects, RAG status, the portfolio and help."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.deps import Deps
from bot.domain import Actor
from bot.services import projects
from handlers.blocks.projects import (
    render_help,
    render_portfolio,
    render_project,
    render_status,
    render_status_change,
)
from handlers.blocks.reply import Reply
from handlers.blocks.text import Viewer
from handlers.commands.context import actor_from_command, deps_of, viewer_for
from handlers.grammar import (
    Help,
    PmoCommand,
    PortfolioCommand,
    ProjectCommand,
    StatusCommand,
    parse_pmo_command,
)
from handlers.usage import help_text


def handle_pmo_command(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    deps = deps_of(context)
    parsed = parse_pmo_command(command.get("text") or "")
    actor = actor_from_command(deps, command)
    reply = run_pmo_command(deps, actor, parsed, viewer_for(deps, actor))
    ack(**reply.payload())


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
        case PortfolioCommand():
            return render_portfolio(projects.portfolio(deps, actor))
        case _:
            raise AssertionError(f"unhandled command {parsed!r}")
