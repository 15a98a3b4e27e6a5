"""Reading the registers: a page of a list, one item with its links, an item's audit trail."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.domain import OPEN_STATUSES, Actor, AuditEntry, Item, ItemPage, Kind, ProjectRef
from bot.errors import NotFound
from bot.services.access import guarded, require_access
from bot.services.rows import columns_item, to_item
from bot.services.scope import known_workspace, project_for, project_ref
from storage.models import Decision, Issue, Risk
from storage.repositories import audit, items
from storage.repositories.items import ItemRow

PAGE_SIZE = 20
TOP_SIZE = 10
SCOPE_STATUSES: dict[str, tuple[str, ...]] = {
    "closed": ("closed", "occurred"),
    "done": ("done",),
    "resolved": ("resolved",),
    "superseded": ("superseded",),
    "active": ("active",),
}


@guarded
def list_items(
    deps: Deps,
    actor: Actor,
    kind: Kind,
    scope: str,
    *,
    owner_id: str | None = None,
    project_slug: str | None = None,
    page: int = 1,
) -> ItemPage:
    now = deps.clock.now()
    today = now.astimezone(ZoneInfo(actor.timezone)).date()
    statuses: tuple[str, ...] | None = tuple(OPEN_STATUSES[kind])
    if scope in SCOPE_STATUSES:
        statuses = SCOPE_STATUSES[scope]
    elif scope == "all":
        statuses = None
    if scope == "mine" and owner_id is None:
        owner_id = actor.user_id
    size = TOP_SIZE if scope == "top" else PAGE_SIZE
    page = 1 if scope == "top" else page
    with deps.db.read() as session:
        ws = known_workspace(session, actor)
        project = project_for(deps, session, ws, actor, project_slug)
        rows, total = items.page(
            session,
            ws,
            kind.value,
            project_id=project.id,
            statuses=statuses,
            owner_id=owner_id,
            overdue_only=scope == "overdue",
            now=now,
            today=today,
            offset=(page - 1) * size,
            limit=size,
        )
        ref = project_ref(project)
        found = tuple(columns_item(kind, row, ref) for row in rows)
    return ItemPage(kind, ref, scope, found, total, page, size, owner_id)


@guarded
def show_item(deps: Deps, actor: Actor, kind: Kind, number: int) -> Item:
    with deps.db.read() as session:
        row, ref = _find(deps, session, actor, kind, number)
        return to_item(row, ref, _links(session, row))


@guarded
def item_history(
    deps: Deps, actor: Actor, kind: Kind, number: int
) -> tuple[Item, tuple[AuditEntry, ...]]:
    with deps.db.read() as session:
        row, ref = _find(deps, session, actor, kind, number)
        events = audit.trail(session, row.workspace_id, kind.value, number)
        entries = tuple(
            AuditEntry(e.verb, e.actor_id, e.at, dict(e.changes), e.actor_team) for e in events
        )
        return to_item(row, ref, _links(session, row)), entries


def _find(
    deps: Deps, session: Session, actor: Actor, kind: Kind, number: int
) -> tuple[ItemRow, ProjectRef]:
    found = items.get(session, known_workspace(session, actor), kind.value, number)
    if found is None:
        raise NotFound(f"There is no {kind.ref(number)} in this workspace.")
    row, project = found
    require_access(deps, actor, project)
    return row, project_ref(project)


def _links(session: Session, row: ItemRow) -> tuple[str, ...]:
    """Refs of linked items: a risk's issues, an issue's risk, a decision's successor."""
    if isinstance(row, Risk):
        return tuple(
            Kind.ISSUE.ref(i.number)
            for i in items.issues_from_risk(session, row.workspace_id, row.id)
        )
    if isinstance(row, Issue) and row.risk_id is not None:
        risks = items.by_ids(session, row.workspace_id, "R", [row.risk_id])
        return tuple(Kind.RISK.ref(r.number) for r in risks.values())
    if isinstance(row, Decision) and row.superseded_by_id is not None:
        later = items.by_ids(session, row.workspace_id, "D", [row.superseded_by_id])
        return tuple(Kind.DECISION.ref(d.number) for d in later.values())
    return ()
