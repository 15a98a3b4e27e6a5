"""A project's week seeded in bulk (one statement per table) for the digest's tests and benchmark:
`risks` and `actions` of every state spread over three weeks, a few issues and decisions, the RAG
history, owners with names and zones, and a standup that ran."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from bot.domain import DEFAULT_QUESTIONS
from storage.db import Database
from storage.models import (
    Action,
    Decision,
    Delivery,
    Issue,
    Project,
    Risk,
    Standup,
    StandupAnswer,
    StatusUpdate,
    UserProfile,
    Workspace,
)

OWNERS = {
    "U0BOB": ("bob", "America/New_York"),
    "U0CAROL": ("carol <!channel>", "Europe/London"),
    "U0DAN": ("dan", "Asia/Tokyo"),
    "U0EVE": ("eve", "Pacific/Auckland"),
}
HOSTILE = "<!channel> & <https://evil.example|click> " + "x" * 250


def seed_project(
    db: Database,
    *,
    team: str,
    now: datetime,
    risks: int,
    actions: int,
    issues: int = 6,
    decisions: int = 4,
    title: str = "item",
    mentions: bool = False,
) -> int:
    """A workspace `team` with project Apollo in #C0APOLLO (Europe/London); its id.

    Item n's fields cycle with n, so any two sizes have every state: risks opened this week,
    closed this week and open; actions done this week, overdue, due next week and later.
    """
    people = list(OWNERS)
    with db.write() as session:
        session.execute(insert(Workspace).values(team_id=team, created_at=now))
        ws = session.scalar(select(Workspace.id).where(Workspace.team_id == team))
        session.execute(
            insert(Project).values(
                workspace_id=ws,
                slug="apollo",
                name="Apollo",
                channel_id="C0APOLLO",
                timezone="Europe/London",
                created_by="U0ALICE",
                created_at=now - timedelta(days=60),
                digest_mentions=mentions,
            )
        )
        pid = session.scalar(select(Project.id).where(Project.workspace_id == ws))
        assert ws is not None
        assert pid is not None

        def common(n: int, created: datetime) -> dict[str, Any]:
            return {
                "workspace_id": ws,
                "project_id": pid,
                "number": n,
                "owner_id": people[n % len(people)],
                "created_by": "U0ALICE",
                "created_at": created,
                "updated_at": created,
                "title": f"{title} {n}",
            }

        session.execute(
            insert(UserProfile),
            [
                {"workspace_id": ws, "user_id": u, "name": n, "timezone": z, "fetched_at": now}
                for u, (n, z) in OWNERS.items()
            ],
        )
        if risks:
            session.execute(insert(Risk), [_risk(common, n, now) for n in range(1, risks + 1)])
        if actions:
            rows = [_action(common, n, now) for n in range(1, actions + 1)]
            session.execute(insert(Action), rows)
        if issues:
            session.execute(insert(Issue), [_issue(common, n, now) for n in range(1, issues + 1)])
        if decisions:
            rows = [
                {
                    **common(n, now - timedelta(days=n % 10)),
                    "decided_on": now.date(),
                    "status": "active",
                }
                for n in range(1, decisions + 1)
            ]
            session.execute(insert(Decision), rows)
        session.execute(
            insert(StatusUpdate),
            [
                {
                    "workspace_id": ws,
                    "project_id": pid,
                    "rag": rag,
                    "reason": reason,
                    "author_id": "U0ALICE",
                    "created_at": now - timedelta(days=days),
                }
                for rag, reason, days in (
                    ("red", "supplier collapsed", 20),
                    ("amber", "vendor late", 10),
                    ("green", "second supplier signed", 2),
                )
            ],
        )
        _standup(session, ws, team, now)
    return pid


def _risk(common: Any, n: int, now: datetime) -> dict[str, Any]:
    created = now - timedelta(days=1 + n % 20, hours=n % 7)  # about a third in the last week
    closed = n % 5 == 0
    return {
        **common(n, created),
        "likelihood": 1 + n % 5,
        "impact": 1 + (n // 5) % 5,
        "status": "closed" if closed else ("mitigating" if n % 7 == 0 else "open"),
        "closed_at": now - timedelta(days=n % 10) if closed else None,
    }


def _action(common: Any, n: int, now: datetime) -> dict[str, Any]:
    created = now - timedelta(days=1 + n % 20)
    done = n % 4 == 0
    due = now.date() + timedelta(days=(n % 17) - 8)  # from 8 days ago to 8 days ahead
    return {
        **common(n, created),
        "status": "done" if done else "open",
        "due_on": due,
        "done_at": now - timedelta(days=n % 12) if done else None,
    }


def _issue(common: Any, n: int, now: datetime) -> dict[str, Any]:
    resolved = n % 3 == 0
    return {
        **common(n, now - timedelta(days=1 + n % 20)),
        "severity": ("low", "medium", "high", "critical")[n % 4],
        "status": "resolved" if resolved else "open",
        "resolved_at": now - timedelta(days=n % 10) if resolved else None,
    }


def _standup(session: Any, ws: int, team: str, now: datetime) -> None:
    """#C0APOLLO's standup: bob and carol prompted the last five days; bob answered four."""
    session.execute(
        insert(Standup).values(
            workspace_id=ws,
            channel_id="C0APOLLO",
            enabled=True,
            at_time="09:30",
            days="mon,tue,wed,thu,fri",
            questions=list(DEFAULT_QUESTIONS),
            members_mode="list",
            members=["U0BOB", "U0CAROL"],
            nudge_minutes=120,
            cutoff_minutes=240,
            timezone="Europe/London",
            created_by="U0ALICE",
            created_at=now,
            updated_at=now,
        )
    )
    standup_id = session.scalar(select(Standup.id).where(Standup.workspace_id == ws))
    days = [now.date() - timedelta(days=back) for back in range(5)]
    session.execute(
        insert(Delivery),
        [
            {
                "workspace_id": ws,
                "key": f"standup-prompt:{team}:{standup_id}:{user}:{day.isoformat()}",
                "kind": "standup-prompt",
                "target": user,
                "local_day": day,
                "status": "sent",
                "attempts": 1,
                "sent_at": now,
                "created_at": now,
            }
            for user in ("U0BOB", "U0CAROL")
            for day in days
        ],
    )
    session.execute(
        insert(StandupAnswer),
        [
            {
                "workspace_id": ws,
                "standup_id": standup_id,
                "user_id": "U0BOB",
                "day": day,
                "answers": ["a", "b", "none"],
                "source": "dm",
                "created_at": now,
                "updated_at": now,
            }
            for day in days[:4]
        ],
    )
