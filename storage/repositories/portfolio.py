"""The portfolio's reads, each one statement for every project of a workspace (RAG at a time,
open risks by score band), and the weekly portfolio digests' settings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import PortfolioDigest, Risk, StatusUpdate, Workspace
from storage.repositories.digests import OPEN_RISK


def statuses_at(session: Session, ws: int, at: datetime) -> dict[int, StatusUpdate]:
    """Each project's RAG as it stood at `at` (its latest update up to then), in one query."""
    rank = (
        func.row_number()
        .over(
            partition_by=StatusUpdate.project_id,
            order_by=(StatusUpdate.created_at.desc(), StatusUpdate.id.desc()),
        )
        .label("rank")
    )
    ranked = (
        select(StatusUpdate.id, rank)
        .where(StatusUpdate.workspace_id == ws, StatusUpdate.created_at <= at)
        .subquery()
    )
    stmt = (
        select(StatusUpdate).join(ranked, ranked.c.id == StatusUpdate.id).where(ranked.c.rank == 1)
    )
    return {update.project_id: update for update in session.scalars(stmt)}


def open_risk_scores(session: Session, ws: int) -> list[tuple[int, int, int]]:
    """(project id, score, open risks with that score), in one query; at most 25 rows a
    project, which the service sorts into score bands (bot.domain.ScoreBand)."""
    score = Risk.likelihood * Risk.impact
    stmt = (
        select(Risk.project_id, score, func.count())
        .where(Risk.workspace_id == ws, Risk.status.in_(OPEN_RISK))
        .group_by(Risk.project_id, score)
    )
    return [(row[0], row[1], row[2]) for row in session.execute(stmt)]


def digests_of(session: Session, ws: int) -> Sequence[PortfolioDigest]:
    stmt = (
        select(PortfolioDigest)
        .where(PortfolioDigest.workspace_id == ws)
        .order_by(PortfolioDigest.created_at, PortfolioDigest.id)
    )
    return session.scalars(stmt).all()


def digest_in(session: Session, ws: int, channel_id: str) -> PortfolioDigest | None:
    return session.scalar(
        select(PortfolioDigest).where(
            PortfolioDigest.workspace_id == ws, PortfolioDigest.channel_id == channel_id
        )
    )


def all_digests(session: Session) -> Sequence[tuple[PortfolioDigest, str]]:
    """Every portfolio digest with its workspace's team id (what the scheduler delivers)."""
    stmt = select(PortfolioDigest, Workspace.team_id).join(
        Workspace, Workspace.id == PortfolioDigest.workspace_id
    )
    return [(row[0], row[1]) for row in session.execute(stmt)]
