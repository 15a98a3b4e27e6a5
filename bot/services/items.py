"""RAID item use-cases: add, update, close, reopen, supersede — each one transaction, audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import overload
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.domain import OPEN_STATUSES, Actor, Change, Item, Kind
from bot.errors import Conflict, NotFound
from bot.fields import Value
from bot.services import home
from bot.services.access import guarded, require_access
from bot.services.rows import (
    CLOSED_STATUS,
    KIND_OF,
    display,
    new_row,
    set_closed_stamp,
    set_note,
    snapshot,
    to_item,
    write_field,
)
from bot.services.scope import project_for, project_ref, workspace_id
from bot.services.submissions import ViewKey, first_submission
from storage.models import Decision, Issue, Project, Risk
from storage.repositories import audit, items, workspaces
from storage.repositories.items import ItemRow

DEFAULT_LEVEL = 3
DEFAULT_SEVERITY = "medium"
# An occurred risk becomes an issue as severe as its impact.
IMPACT_SEVERITY = {1: "low", 2: "low", 3: "medium", 4: "high", 5: "critical"}
Changes = dict[str, list[str | None]]
Guard = Callable[[Item], None]  # sees the item as locked for a change; raises to refuse it


@overload
def add_item(
    deps: Deps, actor: Actor, kind: Kind, values: dict[str, Value], project_slug: str | None
) -> Change: ...
@overload
def add_item(
    deps: Deps,
    actor: Actor,
    kind: Kind,
    values: dict[str, Value],
    project_slug: str | None,
    *,
    view: ViewKey,
) -> Change | None: ...
@guarded
def add_item(
    deps: Deps,
    actor: Actor,
    kind: Kind,
    values: dict[str, Value],
    project_slug: str | None,
    *,
    view: ViewKey | None = None,
) -> Change | None:
    """Log a new item in the actor's project; the owner defaults to the actor. From a form
    (`view`), None when that submission was stored already: nothing more is."""
    now = deps.clock.now()
    with deps.db.write() as session:
        if not first_submission(session, view, now):
            return None
        ws = workspace_id(session, actor, now)
        project = project_for(deps, session, ws, actor, project_slug)
        row = _new_row(ws, project, kind, actor, now)
        for name, value in values.items():
            write_field(row, name, value, now)
        changes = snapshot(row)
        home.mark_touched(session, row, actor, changes, now)
        # The numbering lock (PostgreSQL: the counter row of this workspace and kind, held to
        # the commit) is taken last, so only the inserts wait behind it; both are prebuilt
        # Core statements, the row never entering the session's unit of work.
        row.number = workspaces.next_number(session, ws, kind.value)
        items.insert_new(session, kind.value, row)
        _record(session, row, "created", actor, now, changes, homes_marked=True)
        return Change(to_item(row, project_ref(project)), "created", changes)


def _new_row(ws: int, project: Project, kind: Kind, actor: Actor, now: datetime) -> ItemRow:
    """A new item in memory, not yet numbered, with the defaults of its kind."""
    columns: dict[str, object] = {
        "workspace_id": ws,
        "project_id": project.id,
        "owner_id": actor.user_id,
        "created_by": actor.user_id,
        "created_at": now,
        "updated_at": now,
    }
    if kind is Kind.RISK:
        columns |= {"likelihood": DEFAULT_LEVEL, "impact": DEFAULT_LEVEL}
    elif kind is Kind.ISSUE:
        columns["severity"] = DEFAULT_SEVERITY
    elif kind is Kind.DECISION:
        columns["decided_on"] = now.astimezone(ZoneInfo(actor.timezone)).date()
    return new_row(kind, **columns)


@overload
def update_item(
    deps: Deps,
    actor: Actor,
    kind: Kind,
    number: int,
    values: dict[str, Value],
    verb: str,
    *,
    guard: Guard | None = None,
) -> Change: ...
@overload
def update_item(
    deps: Deps,
    actor: Actor,
    kind: Kind,
    number: int,
    values: dict[str, Value],
    verb: str,
    *,
    guard: Guard | None = None,
    view: ViewKey,
) -> Change | None: ...
@guarded
def update_item(
    deps: Deps,
    actor: Actor,
    kind: Kind,
    number: int,
    values: dict[str, Value],
    verb: str,
    *,
    guard: Guard | None = None,
    view: ViewKey | None = None,
) -> Change | None:
    """Change an item's fields. `guard` sees the item as locked, before anything is written,
    and raises to refuse; from a form (`view`), None when that submission was stored already."""
    now = deps.clock.now()
    with deps.db.write() as session:
        if not first_submission(session, view, now):
            return None
        row, project = _locked(deps, session, actor, kind, number, now)
        if verb in ("snoozed", "rescheduled", "assigned") and row.status not in OPEN_STATUSES[kind]:
            raise Conflict(f"{kind.ref(number)} is {row.status}; reopen it first.")
        if guard is not None:
            guard(to_item(row, project_ref(project)))
        changes: Changes = {}
        for name, value in values.items():
            changes |= write_field(row, name, value, now)
        if not changes:
            raise Conflict(f"Nothing to change: {kind.ref(number)} already has those values.")
        row.updated_at = now
        _audit(session, row, verb, actor, now, changes)
        return Change(to_item(row, project_ref(project)), verb, changes)


@guarded
def close_item(
    deps: Deps, actor: Actor, kind: Kind, number: int, note: str | None, *, occurred: bool = False
) -> Change:
    """Close a risk, finish an action or resolve an issue; `occurred` also raises an issue."""
    now = deps.clock.now()
    with deps.db.write() as session:
        row, project = _locked(deps, session, actor, kind, number, now)
        if row.status not in OPEN_STATUSES[kind]:
            raise Conflict(f"{kind.ref(number)} is already {row.status}; nothing to do.")
        status = "occurred" if occurred else CLOSED_STATUS[kind]
        changes: Changes = {"status": [row.status, status]}
        row.status, row.updated_at = status, now
        set_closed_stamp(row, now)
        changes |= set_note(row, note)
        related = None
        if occurred:
            assert isinstance(row, Risk)
            issue = _issue_from(session, row, project, actor, now)
            changes["issue"] = [None, Kind.ISSUE.ref(issue.number)]
            related = to_item(issue, project_ref(project), (row_ref(row),))
        _audit(session, row, status, actor, now, changes)
        return Change(to_item(row, project_ref(project)), status, changes, related)


def _issue_from(
    session: Session, risk: Risk, project: Project, actor: Actor, now: datetime
) -> Issue:
    issue = new_row(
        Kind.ISSUE,
        workspace_id=risk.workspace_id,
        project_id=project.id,
        number=workspaces.next_number(session, risk.workspace_id, Kind.ISSUE.value),
        title=risk.title,
        description=risk.close_reason or risk.description,
        severity=IMPACT_SEVERITY[risk.impact],
        owner_id=risk.owner_id,
        risk_id=risk.id,
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    assert isinstance(issue, Issue)
    session.add(issue)
    session.flush()
    changes: Changes = {"title": [None, issue.title], "from": [None, row_ref(risk)]}
    changes["severity"] = [None, issue.severity]
    _audit(session, issue, "created", actor, now, changes)
    return issue


@guarded
def reopen_item(deps: Deps, actor: Actor, kind: Kind, number: int) -> Change:
    now = deps.clock.now()
    with deps.db.write() as session:
        row, project = _locked(deps, session, actor, kind, number, now)
        if row.status in OPEN_STATUSES[kind]:
            raise Conflict(f"{kind.ref(number)} is already {row.status}.")
        if isinstance(row, Decision):
            raise Conflict(f"{kind.ref(number)} was superseded; log a new decision instead.")
        changes: Changes = {"status": [row.status, "open"]}
        row.status, row.updated_at = "open", now
        set_closed_stamp(row, now)
        _audit(session, row, "reopened", actor, now, changes)
        return Change(to_item(row, project_ref(project)), "reopened", changes)


@guarded
def supersede_decision(deps: Deps, actor: Actor, number: int, by_number: int) -> Change:
    if number == by_number:
        raise Conflict("A decision can't supersede itself.")
    now = deps.clock.now()
    with deps.db.write() as session:
        old, project = _locked(deps, session, actor, Kind.DECISION, number, now)
        new, _ = _locked(deps, session, actor, Kind.DECISION, by_number, now)
        assert isinstance(old, Decision)
        assert isinstance(new, Decision)
        if old.status != "active":
            raise Conflict(f"{row_ref(old)} is already {old.status}.")
        if new.status != "active":
            raise Conflict(f"{row_ref(new)} is itself superseded; pick the decision in force.")
        old.status, old.superseded_by_id, old.updated_at = "superseded", new.id, now
        changes: Changes = {"status": ["active", "superseded"], "by": [None, row_ref(new)]}
        _audit(session, old, "superseded", actor, now, changes)
        ref = project_ref(project)
        return Change(to_item(old, ref, (row_ref(new),)), "superseded", changes, to_item(new, ref))


def _locked(
    deps: Deps, session: Session, actor: Actor, kind: Kind, number: int, now: datetime
) -> tuple[ItemRow, Project]:
    ws = workspace_id(session, actor, now)
    found = items.get(session, ws, kind.value, number, for_update=True)
    if found is None:
        raise NotFound(f"There is no {kind.ref(number)} in this workspace.")
    require_access(deps, actor, found[1])
    return found


def _audit(
    session: Session, row: ItemRow, verb: str, actor: Actor, now: datetime, changes: Changes
) -> None:
    session.flush()  # the row's changes go first: the audit row is inserted at once
    _record(session, row, verb, actor, now, changes)


def _record(
    session: Session,
    row: ItemRow,
    verb: str,
    actor: Actor,
    now: datetime,
    changes: Changes,
    *,
    homes_marked: bool = False,
) -> None:
    """The change's audit row, and the Homes it touched marked stale (unless already)."""
    audit.record(
        session,
        workspace_id=row.workspace_id,
        project_id=row.project_id,
        kind=row_ref(row)[0],
        number=row.number,
        verb=verb,
        actor_id=actor.user_id,
        actor_team=actor.external_team,
        at=now,
        changes={name: [display(old), display(new)] for name, (old, new) in changes.items()},
    )
    if not homes_marked:
        home.mark_touched(session, row, actor, changes, now)


def row_ref(row: ItemRow) -> str:
    return KIND_OF[type(row)].ref(row.number)
