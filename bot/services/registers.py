"""Reading the registers: a page of a list, one item with its links, an item's audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.domain import OPEN_STATUSES, Actor, AuditEntry, Item, ItemPage, Kind, ProjectRef
from bot.errors import NotFound
from bot.services.access import Verdict, guarded, require_access, verdict_on
from bot.services.rows import columns_item, to_item
from bot.services.scope import known_workspace, project_for, project_ref
from storage.models import Decision, Issue, Risk
from storage.repositories import audit, items, versions
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


@dataclass(frozen=True)
class PageStamp:
    """What a register page shows besides its reader's zone and day: the project (access to it
    already granted) and the version of its register when it was read."""

    project: ProjectRef
    project_id: int
    workspace_id: int
    version: int


def page_stamp(deps: Deps, actor: Actor, kind: Kind, project_slug: str | None) -> PageStamp | None:
    """The project a list of `kind` would show and its register's version, in one statement
    on a connection of the pool (no Session). None whenever the full
    path must answer instead, saying why: an unknown workspace or project, a `#channel` name,
    or access Slack has not settled for this person."""
    if project_slug and project_slug.startswith("#"):
        return None
    found = versions.stamp(
        deps.db, actor.team_id, kind.value, channel=actor.channel_id, slug=project_slug
    )
    if found is None or verdict_on(deps, actor, found) is not Verdict.ALLOWED:
        return None
    ref = ProjectRef(found.slug, found.name, found.channel_id, found.timezone)
    return PageStamp(ref, found.id, found.workspace_id, found.version)


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
    stamp: PageStamp | None = None,
) -> ItemPage:
    """A page of the register. With the `stamp` page_stamp gave (its project and version),
    the project is not looked up again, and the page says until when it stays what the
    version says (`changes_at`: the next `due_at` to pass)."""
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
        if stamp is None:
            ws = known_workspace(session, actor)
            project = project_for(deps, session, ws, actor, project_slug)
            project_id, ref = project.id, project_ref(project)
        else:
            ws, project_id, ref = stamp.workspace_id, stamp.project_id, stamp.project
        rows, total = items.page(
            session,
            ws,
            kind.value,
            project_id=project_id,
            statuses=statuses,
            owner_id=owner_id,
            overdue_only=scope == "overdue",
            now=now,
            today=today,
            offset=(page - 1) * size,
            limit=size,
        )
        found = tuple(columns_item(kind, row, ref) for row in rows)
        changes_at = (
            None
            if stamp is None
            else versions.next_due_at(session, ws, kind.value, project_id, now)
        )
    return ItemPage(kind, ref, scope, found, total, page, size, owner_id, changes_at)


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
