"""A whole register streamed for export: rows in batches, linked refs in one query per kind."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple, cast

from sqlalchemy import ColumnElement, and_, func, null, select
from sqlalchemy.orm import Session, aliased

from storage.models import Decision, Issue, Risk, UserProfile
from storage.repositories.items import MODELS, ItemRow

BATCH = 500


class ExportRow(NamedTuple):
    """One item with what the export shows beside it, all from the one streamed query."""

    item: ItemRow
    owner_name: str | None  # the owner's (decider's) cached Slack name, when we have one
    linked_number: int | None  # an issue's risk, a decision's successor


def count(session: Session, workspace_id: int, kind: str, project_id: int) -> int:
    model = MODELS[kind]
    stmt = (
        select(func.count())
        .select_from(model)
        .where(model.workspace_id == workspace_id, model.project_id == project_id)
    )
    return session.scalar(stmt) or 0


def stream(
    session: Session, workspace_id: int, kind: str, project_id: int, *, batch: int = BATCH
) -> Iterator[ExportRow]:
    """Every item of the project's register, by number, fetched `batch` rows at a time.

    One statement whatever the size: the owner's name and the linked item's number come by
    outer joins, so nothing is looked up per row.
    """
    model = MODELS[kind]
    owner = aliased(UserProfile)
    joins: list[tuple[Any, ColumnElement[bool]]] = [
        (owner, and_(owner.workspace_id == model.workspace_id, owner.user_id == model.owner_id))
    ]
    linked: Any = null()
    if kind == "I":
        risk = aliased(Risk)
        linked = risk.number
        joins.append((risk, risk.id == Issue.risk_id))
    elif kind == "D":
        later = aliased(Decision)
        linked = later.number
        joins.append((later, later.id == Decision.superseded_by_id))
    stmt = select(model, owner.name, linked)
    for target, on in joins:
        stmt = stmt.outerjoin(target, on)
    stmt = (
        stmt.where(model.workspace_id == workspace_id, model.project_id == project_id)
        .order_by(model.number)
        .execution_options(yield_per=batch)
    )
    for row in session.execute(stmt):
        yield ExportRow(cast(ItemRow, row[0]), row[1], row[2])


def issues_by_risk(session: Session, workspace_id: int, project_id: int) -> dict[int, list[int]]:
    """Risk id → the numbers of the issues raised from it, for one project's risks."""
    stmt = (
        select(Issue.risk_id, Issue.number)
        .join(Risk, Risk.id == Issue.risk_id)
        .where(Risk.workspace_id == workspace_id, Risk.project_id == project_id)
        .order_by(Issue.number)
    )
    found: dict[int, list[int]] = {}
    for risk_id, number in session.execute(stmt):
        if risk_id is not None:  # always, given the join; the column itself is nullable
            found.setdefault(risk_id, []).append(number)
    return found
