"""A person's App Home dashboard across every project of the workspace, in a fixed few queries,
and keeping the Home tabs people have opened up to date: a change marks the Homes it touched
stale in its own transaction, and the worker redraws each stale Home at most once per
HOME_WINDOW (drain_homes), so no Home is drawn on a command's way to its answer."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.domain import (
    DECISIONS,
    OPEN_STATUSES,
    OVERDUE,
    PROJECTS,
    RECENT_DAYS,
    RISKS,
    SECTIONS,
    UPCOMING,
    UPCOMING_DAYS,
    Actor,
    Dashboard,
    Item,
    Kind,
    ProjectStatus,
    Rag,
    StatusEntry,
)
from bot.services.access import hidden_from
from bot.services.people import timezone_of
from bot.services.rows import to_item
from bot.services.scope import project_ref, workspace_id
from bot.slack import SlackGateway, View
from storage.models import Project, StatusUpdate
from storage.repositories import home, homes, workspaces
from storage.repositories.items import ItemRow
from storage.repositories.projects import not_public

log = logging.getLogger(__name__)
HOME_LIMIT = 10  # per section: the Home tab shows fewer and counts the rest
# A Home is drawn at most once in this while, however many changes touch it or opens ask.
HOME_WINDOW = timedelta(seconds=0.5)
# A claimed Home is held this long at most for its publish (the gateway's 10 s timeout and its
# retries), until the publish ends: the window runs from then, so publishes never overlap.
PUBLISH_HOLD = timedelta(seconds=30)
DRAIN_LIMIT = 500  # stale Homes one round takes; the rest wait for the next round
# Homes a round draws at once: each spends much of its time waiting on the database and on
# Slack, so one at a time fell behind 50 changes a second (benchmarks/e2e_latency.py).
HOME_DRAWERS = 4
CLAIM_BATCH = 4 * HOME_DRAWERS  # Homes claimed in one statement, then drawn
Draw = Callable[[Dashboard, datetime, str], View]  # a dashboard, now, the reader's zone
_OPEN = {kind.value: tuple(sorted(statuses)) for kind, statuses in OPEN_STATUSES.items()}


def dashboard(
    deps: Deps,
    actor: Actor,
    *,
    limit: int = HOME_LIMIT,
    sections: Collection[str] = SECTIONS,
) -> Dashboard:
    """`actor`'s dashboard, up to `limit` rows per section; only `sections` are read.

    Dates are the actor's: "overdue" and "the next 14 days" are counted in `actor.timezone`.
    It costs one query per section plus one, however many items and projects there are.
    """
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        raise ValueError(f"unknown Home sections {sorted(unknown)}")
    now = deps.clock.now()
    zone = ZoneInfo(actor.timezone)
    today = now.astimezone(zone).date()
    last_day = today + timedelta(days=UPCOMING_DAYS)
    until = datetime.combine(last_day + timedelta(days=1), time(), zone)
    user = actor.user_id
    board = Dashboard(user)
    with deps.db.read() as session:
        ws = workspaces.find(session, actor.team_id)
        if ws is None:
            return board
        hidden = hidden_from(deps, actor, not_public(session, ws))
        if OVERDUE in sections:
            late, total = home.overdue_actions(
                session, ws, user, now=now, today=today, limit=limit, hidden=hidden
            )
            board = replace(board, overdue=_items(late), overdue_total=total)
        if UPCOMING in sections:
            soon, total = home.upcoming_actions(
                session,
                ws,
                user,
                now=now,
                today=today,
                last_day=last_day,
                until=until,
                limit=limit,
                hidden=hidden,
            )
            board = replace(board, upcoming=_items(soon), upcoming_total=total)
        if RISKS in sections:
            statuses = _OPEN[Kind.RISK.value]
            risks, total = home.owned_risks(
                session, ws, user, statuses=statuses, limit=limit, hidden=hidden
            )
            board = replace(board, risks=_items(risks), risks_total=total)
        if PROJECTS in sections:
            members, total = home.member_projects(
                session, ws, user, open_statuses=_OPEN, limit=limit, hidden=hidden
            )
            projects = tuple(_status(project, update) for project, update in members)
            board = replace(board, projects=projects, projects_total=total)
        if DECISIONS in sections:
            since = today - timedelta(days=RECENT_DAYS)
            decisions, total = home.recent_decisions(
                session, ws, user, open_statuses=_OPEN, since=since, limit=limit, hidden=hidden
            )
            board = replace(board, decisions=_items(decisions), decisions_total=total)
    return board


def _items(rows: Sequence[tuple[ItemRow, Project]]) -> tuple[Item, ...]:
    return tuple(to_item(row, project_ref(project)) for row, project in rows)


def _status(project: Project, update: StatusUpdate | None) -> ProjectStatus:
    current = (
        None
        if update is None
        else StatusEntry(Rag(update.rag), update.reason, update.author_id, update.created_at)
    )
    return ProjectStatus(project_ref(project), current, (current,) if current else ())


def mark_touched(
    session: Session,
    row: ItemRow,
    actor: Actor,
    changes: Mapping[str, Sequence[object]],
    now: datetime,
) -> None:
    """In a change's own transaction (rolled back with it): mark stale the Homes it touched,
    the actor's, the item owner's and, when it changed hands, the previous owner's. Only Homes
    their people have opened are marked; a name merely mentioned in the text is not one."""
    owners = [row.owner_id, *(changes[name][0] for name in ("owner", "by") if name in changes)]
    people = {actor.user_id, *(owner for owner in owners if isinstance(owner, str))}
    homes.mark(session, row.workspace_id, people, now)  # `by:` is a decision's owner


def open_home(deps: Deps, actor: Actor, draw: Draw) -> bool:
    """`actor` opened their Home tab: remember it (changes mark it stale from now on) and draw
    it now, unless it was drawn within HOME_WINDOW (Slack sends an event for every opening);
    True when it was published. A publish that fails is left to the worker's next round."""
    now = deps.clock.now()
    with deps.db.write() as session:
        ws = workspace_id(session, actor, now)
        homes.opened(session, ws, actor.user_id, now)
        claimed = homes.claim(
            session, ws, actor.user_id, now, HOME_WINDOW, PUBLISH_HOLD, stale_only=False
        )
    if not claimed or not _publish(deps, ws, actor, draw):
        return False
    with deps.db.write() as session:
        homes.published(session, [(ws, actor.user_id)], deps.clock.now(), now + PUBLISH_HOLD)
    return True


def drain_homes(deps: Deps, draw: Draw, *, limit: int = DRAIN_LIMIT) -> int:
    """One round of redrawing stale Homes, each through its workspace's gateway: how many
    were published. They are claimed CLAIM_BATCH at a time, in one statement, just before
    they are drawn (HOME_DRAWERS at once), so two workers never publish the same one and the
    worker's writes stay few beside the requests' (one SQLite file is one writer at a time).
    One that fails to publish is stale again for a later round."""
    with deps.db.read() as session:
        due = homes.stale(session, deps.clock.now(), HOME_WINDOW, limit)
    gateways: dict[str, SlackGateway | None] = {}
    jobs: dict[tuple[int, str], tuple[Actor, SlackGateway]] = {}
    for ws, team_id, user_id in due:
        if team_id not in gateways:
            gateways[team_id] = deps.slack_for(team_id)
        gateway = gateways[team_id]
        if gateway is not None:  # no token for the workspace now: stale until one is had
            jobs[(ws, user_id)] = (Actor(team_id=team_id, user_id=user_id, channel_id=""), gateway)

    def redraw(home: tuple[int, str]) -> bool:
        actor, gateway = jobs[home]
        return _publish(replace(deps, slack=gateway, gateways=None), home[0], actor, draw)

    published = 0
    order = list(jobs)
    done: list[tuple[int, str]] = []  # published, their window not yet started in the ledger
    ended = held_until = deps.clock.now()
    with ThreadPoolExecutor(HOME_DRAWERS, "pmo-home") as pool:
        for start in range(0, len(order), CLAIM_BATCH):
            with deps.db.write() as session:  # one write a batch: the last one's end, this claim
                homes.published(session, done, ended, held_until)
                batch = order[start : start + CLAIM_BATCH]
                now = deps.clock.now()
                held_until = now + PUBLISH_HOLD
                taken = homes.claim_many(session, batch, now, HOME_WINDOW, PUBLISH_HOLD)
            # others were taken by another worker, or drawn a moment ago
            drawn = [home for home in batch if home in taken]
            done = [home for home, ok in zip(drawn, pool.map(redraw, drawn), strict=True) if ok]
            ended = deps.clock.now()  # the last answer of the batch: its window runs from here
            published += len(done)
    if done:
        with deps.db.write() as session:
            homes.published(session, done, ended, held_until)
    return published


def _publish(deps: Deps, ws: int, actor: Actor, draw: Draw) -> bool:
    """Draw and publish a claimed Home; when that fails, it is stale again (and logged)."""
    try:
        actor = replace(actor, timezone=timezone_of(deps, actor))
        board = dashboard(deps, actor)
        view = draw(board, deps.clock.now(), actor.timezone)
        published = deps.slack.publish_home(actor.user_id, view)
        if not published:
            log.warning("Home tab of %s in %s was not published", actor.user_id, actor.team_id)
    except Exception:
        log.exception("drawing the Home tab of %s in %s failed", actor.user_id, actor.team_id)
        published = False
    if not published:
        with deps.db.write() as session:
            homes.unclaim(session, ws, actor.user_id, deps.clock.now())
    return published
