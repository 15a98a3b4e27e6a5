"""A small workspace of projects for the portfolio's tests, built through the services: RAG
histories over two weeks, open and closed risks of every score band, actions late or not
depending on their owner's zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select

from bot.clock import FixedClock
from bot.deps import Deps
from bot.domain import Actor, Kind, Rag
from bot.services import items, projects
from storage.models import UserProfile, Workspace

TEAM = "T0001"
ALICE, BOB, DAN = "U0ALICE", "U0BOB", "U0DAN"
# Friday 27 Nov 2026, 23:30 UTC: still Friday in London and New York, Saturday in Tokyo.
NOW = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)
SEEDED = NOW - timedelta(days=12)  # everything is made before the RAG history starts
ZONES = {BOB: "America/New_York", DAN: "Asia/Tokyo"}


@dataclass(frozen=True)
class Seeded:
    actors: dict[str, Actor]  # by project name


def actor(channel: str) -> Actor:
    return Actor(TEAM, ALICE, channel, timezone="Europe/London")


def add(deps: Deps, who: Actor, kind: Kind, **values: object) -> None:
    items.add_item(deps, who, kind, dict(values), None)  # type: ignore[arg-type]


def seed_portfolio(deps: Deps, clock: FixedClock, name: str = "Apollo") -> Seeded:
    """Apollo (`name`), Ares, Hermes, Nova and Zeus, at NOW:

    - Apollo: red now, green 7 days ago (worsening); risks 20, 16, 9, 4 open and a 25 closed;
      overdue: a day-only due of Friday owned by Dan (Saturday in Tokyo), one of Thursday
      owned by Bob; not overdue: Friday's owned by Bob (still Friday in New York) and by
      Alice, whose zone is unknown (the project's, London: still Friday).
    - Ares: red since 10 days ago (steady), nothing overdue.
    - Hermes: amber for 2 days only (no trend); Nova: no status.
    - Zeus: red 8 days ago, amber 3 days ago, green now: improving against 7 days ago
      though its previous entry was amber.
    """
    clock.set(SEEDED)
    made = {n: actor(f"C0{n.upper()[:6]}") for n in (name, "Ares", "Hermes", "Nova", "Zeus")}
    for project_name, who in made.items():
        projects.bind_project(deps, who, project_name)
    apollo = made[name]
    for likelihood, impact in ((5, 4), (4, 4), (3, 3), (2, 2), (5, 5)):
        add(
            deps,
            apollo,
            Kind.RISK,
            title=f"risk {likelihood}x{impact}",
            likelihood=likelihood,
            impact=impact,
        )
    items.close_item(deps, apollo, Kind.RISK, 5, None)
    friday, thursday = date(2026, 11, 27), date(2026, 11, 26)
    for owner, due in ((DAN, friday), (BOB, thursday), (BOB, friday), (ALICE, friday)):
        add(deps, apollo, Kind.ACTION, title=f"{owner} {due}", owner=owner, due=due)
    add(deps, apollo, Kind.ISSUE, title="contract unsigned")
    with deps.db.write() as session:
        ws = session.scalar(select(Workspace.id).where(Workspace.team_id == TEAM))
        rows = [
            {"workspace_id": ws, "user_id": u, "name": u, "timezone": z, "fetched_at": SEEDED}
            for u, z in ZONES.items()
        ]
        session.execute(insert(UserProfile), rows)
    history = [
        (10, "Ares", Rag.RED, "budget"),
        (9, name, Rag.GREEN, None),
        (8, "Zeus", Rag.RED, "vendor"),
        (3, "Zeus", Rag.AMBER, "recovering"),
        (2, "Hermes", Rag.AMBER, "staffing"),
        (1, name, Rag.RED, "vendor late"),
        (0.5, "Zeus", Rag.GREEN, None),
    ]
    for days_ago, project_name, rag, reason in history:
        clock.set(NOW - timedelta(days=days_ago))
        projects.set_status(deps, made[project_name], rag, reason, None)
    clock.set(NOW)
    return Seeded(made)
