"""`/pmo portfolio …`: every project at a glance, and the weekly portfolio digest's channels."""

from __future__ import annotations

from bot.deps import Deps
from bot.domain import Actor
from bot.services import portfolio
from handlers.blocks.portfolio_digest import (
    render_portfolio_digest_change,
    render_portfolio_digests,
)
from handlers.blocks.projects import render_portfolio
from handlers.blocks.reply import Reply
from handlers.blocks.text import Viewer
from handlers.portfolio_grammar import (
    PortfolioCommand,
    PortfolioCommands,
    SchedulePortfolioDigest,
    ShowPortfolioDigests,
    StopPortfolioDigest,
)


def run_portfolio_command(
    deps: Deps, actor: Actor, parsed: PortfolioCommands, viewer: Viewer
) -> Reply:
    match parsed:
        case PortfolioCommand():
            return render_portfolio(portfolio.portfolio_view(deps, actor))
        case ShowPortfolioDigests():
            return render_portfolio_digests(portfolio.portfolio_digests(deps, actor), viewer)
        case SchedulePortfolioDigest(channel_id=channel, day=day, at=at):
            change = portfolio.set_portfolio_digest(deps, actor, channel, day, at)
        case StopPortfolioDigest(channel_id=channel):
            change = portfolio.stop_portfolio_digest(deps, actor, channel)
    return render_portfolio_digest_change(change, viewer)
