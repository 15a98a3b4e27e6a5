"""A hundred people changing the same few risks at once, through the real app: no update is lost
and the audit trail tells the whole story in order (replaying it gives the stored values)."""

from __future__ import annotations

import itertools
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.services.rows import read_field
from storage.models import AuditEvent, Risk
from tests.conftest import ALICE, BOB
from tests.scenario.conftest import SlackSide

COMMANDS = 100
HOT = (1, 2, 3)  # R-1…R-3: everyone works on these
LEVELS = ("very low", "low", "medium", "high", "very high", "2", "4")


def mixed_commands() -> list[str]:
    """Adds, impact/likelihood updates, closes and reopens, interleaved on the hot risks."""
    texts: list[str] = []
    levels = itertools.cycle(LEVELS)
    for n in range(COMMANDS):
        ref = f"R-{HOT[n % len(HOT)]}"
        match n % 5:
            case 0:
                texts.append(f"add concurrent risk {n}")
            case 1:
                texts.append(f'update {ref} impact:"{next(levels)}"')
            case 2:
                texts.append(f'update {ref} likelihood:"{next(levels)}" impact:"{next(levels)}"')
            case 3:
                texts.append(f"close {ref} done with it")
            case _:
                texts.append(f"reopen {ref}")
    return texts


def stored_value(risk: Risk, name: str) -> str | None:
    """A field as the audit trail names it: the status and closing note are not form fields."""
    if name in ("status", "close reason"):
        value: str | None = getattr(risk, name.replace(" ", "_"))
        return value
    return read_field(risk, name)


def test_a_hundred_concurrent_changes_lose_nothing_and_audit_everything(
    any_slack: SlackSide, any_engine: Engine
) -> None:
    any_slack.reply("/pmo", "project Apollo")
    for n in HOT:
        any_slack.reply("/risk", f"add hot risk {n}")
    texts = mixed_commands()
    start = threading.Barrier(20)

    def run(job: tuple[int, str]) -> dict[str, object]:
        n, text = job
        if n < 20:
            start.wait()  # the first twenty leave together, the rest follow as threads free up
        return any_slack.reply("/risk", text, user_id=(ALICE, BOB)[n % 2])

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(run, enumerate(texts)))
    any_slack.settle()

    changed: dict[int, int] = defaultdict(int)  # successful changes per hot risk
    for text, answer in zip(texts, answers, strict=True):
        if answer["response_type"] == "in_channel" and not text.startswith("add"):
            changed[int(text.split()[1][2:])] += 1
        elif answer["response_type"] != "in_channel":
            assert not text.startswith("add"), answer  # only a conflicting change is refused
            assert "already" in str(answer["text"]) or "Nothing to change" in str(answer["text"])
    assert sum(changed.values()) > 30  # the races really happened on changes that stuck

    with Session(any_engine) as session:
        risks = {risk.number: risk for risk in session.scalars(select(Risk))}
        trail = session.scalars(
            select(AuditEvent).where(AuditEvent.item_kind == "R").order_by(AuditEvent.id)
        ).all()
    adds = sum(1 for text in texts if text.startswith("add"))
    assert sorted(risks) == list(range(1, len(HOT) + adds + 1))  # every add, no holes
    events: dict[int, list[AuditEvent]] = defaultdict(list)
    for audit in trail:
        events[audit.item_number].append(audit)
    for number, risk in risks.items():
        created, *changes = events[number]
        assert created.verb == "created"
        assert len(changes) == changed.get(number, 0)  # one audit event per change that stuck
        state: dict[str, str | None] = {"status": "open"}
        state |= {name: new for name, (_, new) in created.changes.items()}
        previous = created
        for audit in changes:
            assert audit.id > previous.id
            assert audit.at >= previous.at
            for name, (old, new) in audit.changes.items():
                assert state.get(name) == old, (number, audit.verb, name)  # no lost update
                state[name] = new
            previous = audit
        for name, value in state.items():
            assert stored_value(risk, name) == value, (number, name)
