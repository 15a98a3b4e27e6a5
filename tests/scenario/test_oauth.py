"""Many workspaces (OAuth): Add to Slack, each workspace answered and reminded with its own bot
token, rotating tokens refreshed once, uninstall and reinstall; on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import json
import logging
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select, update

from bot.clock import FixedClock
from bot.config import Settings
from bot.deps import Deps, assemble
from bot.domain import Actor, Kind
from bot.scheduler import tick
from bot.services import items, people, projects
from storage.db import Database
from storage.models import (
    Action,
    Project,
    Workspace,
    slack_bots,
    slack_installations,
    slack_oauth_states,
)
from tests.conftest import ALICE, CHANNEL
from tests.scenario.conftest import SECRET, SlackSide, count, reply_text
from tests.support.http import HttpAnswer
from tests.support.signing import event_body, sign
from tests.support.slack_api import FakeSlackWebAPI

CLIENT_ID = "1111.2222"
PUBLIC_URL = "https://pmo.example.com"
ACME, GLOBEX = "T0001", "T0002"
FRIDAY_9_05 = datetime(2026, 11, 20, 9, 5, tzinfo=ZoneInfo("Europe/London"))
MONDAY_9_05 = datetime(2026, 11, 23, 9, 5, tzinfo=ZoneInfo("Europe/London"))
_codes = itertools.count(1)


def oauth_deps(engine: Engine, clock: FixedClock, fake: FakeSlackWebAPI) -> Deps:
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        slack_signing_secret=SECRET,
        slack_client_id=CLIENT_ID,
        slack_client_secret="client-secret",
        slack_api_url=fake.base_url,
        public_url=PUBLIC_URL,
    )
    return assemble(settings, clock, Database(engine))


@pytest.fixture
def app_deps(any_engine: Engine, clock: FixedClock, fake: FakeSlackWebAPI) -> Deps:
    """OAuth mode on SQLite and PostgreSQL; the scenario `slack` fixture serves it."""
    return oauth_deps(any_engine, clock, fake)


def start_install(slack: SlackSide) -> tuple[str, str]:
    """GET /slack/install as a browser: the state in the Add to Slack link, and its cookie."""
    page = slack.get("/slack/install")
    assert page.status == 200
    assert page.headers["content-type"].startswith("text/html")
    link = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page.body.decode())
    assert link is not None, page.body
    found = re.search(r"state=([0-9a-f-]+)", link.group(1))
    assert found is not None
    cookie = page.headers["set-cookie"].split(";")[0]
    assert cookie == f"slack-app-oauth-state={found.group(1)}"
    return found.group(1), cookie


def install(slack: SlackSide, fake: FakeSlackWebAPI, team_id: str, **options: Any) -> HttpAnswer:
    """Add to Slack, approve in Slack, land on the redirect with Slack's code."""
    state, cookie = start_install(slack)
    code = f"code-{next(_codes)}"
    fake.add_install(code, team_id, **options)
    return slack.get(f"/slack/oauth_redirect?code={code}&state={state}", {"Cookie": cookie})


def bot_token(engine: Engine, team_id: str) -> str:
    with engine.connect() as conn:
        token = conn.scalar(select(slack_bots.c.bot_token).where(slack_bots.c.team_id == team_id))
    assert isinstance(token, str)
    return token


def rows(engine: Engine, table: Any, team_id: str | None = None) -> int:
    query = select(func.count()).select_from(table)
    if team_id is not None:
        query = query.where(table.c.team_id == team_id)
    with engine.connect() as conn:
        return conn.scalar(query) or 0


def uninstalled_at(engine: Engine, team_id: str) -> datetime | None:
    with engine.connect() as conn:
        return conn.scalar(select(Workspace.uninstalled_at).where(Workspace.team_id == team_id))


def bearer(call: Any) -> str:
    return str(call.headers.get("authorization", "")).removeprefix("Bearer ")


def event(slack: SlackSide, team_id: str, payload: dict[str, Any]) -> HttpAnswer:
    data = event_body(payload, team_id=team_id).encode()
    headers = {"Content-Type": "application/json", **sign(data, SECRET, int(time.time()))}
    return slack.request("POST", "/slack/events", data, headers)


def test_add_to_slack_stores_the_install_and_the_team_is_answered_with_its_token(
    slack: SlackSide, fake: FakeSlackWebAPI, any_engine: Engine
) -> None:
    state, cookie = start_install(slack)
    with any_engine.connect() as conn:
        assert conn.scalars(select(slack_oauth_states.c.state)).all() == [state]

    fake.add_install("code-acme", ACME, team_name="Acme")
    done = slack.get(f"/slack/oauth_redirect?code=code-acme&state={state}", {"Cookie": cookie})

    assert done.status == 200, done.body
    assert rows(any_engine, slack_oauth_states) == 0  # a state is good for one install
    assert rows(any_engine, slack_installations, ACME) == 1
    token = bot_token(any_engine, ACME)
    assert fake.team_of(token) == ACME
    exchange = fake.calls_to("oauth.v2.access")[0]
    assert exchange.params["code"] == "code-acme"
    assert exchange.params["redirect_uri"] == PUBLIC_URL + "/slack/oauth_redirect"
    assert exchange.headers["authorization"].startswith("Basic ")  # the client id and secret
    assert uninstalled_at(any_engine, ACME) is None
    assert count(any_engine, Workspace) == 1

    slack.reply("/pmo", "project Apollo", team_id=ACME)
    before = len(fake.calls)
    answer = slack.reply("/risk", "add vendor may slip impact:high", team_id=ACME)
    slack.settle()

    assert "R-1" in reply_text(answer)
    answered_with = {bearer(c) for c in fake.calls[before:]}
    assert "auth.test" in {c.method for c in fake.calls[before:]}
    assert answered_with == {token}
    assert slack.get("/healthz").status == 200


def test_a_bad_or_expired_state_gets_a_friendly_page_and_installs_nothing(
    slack: SlackSide, fake: FakeSlackWebAPI, any_engine: Engine
) -> None:
    fake.add_install("code-1", ACME)
    forged = slack.get(
        "/slack/oauth_redirect?code=code-1&state=forged",
        {"Cookie": "slack-app-oauth-state=forged"},
    )
    state, cookie = start_install(slack)
    with any_engine.begin() as conn:
        past = datetime(2020, 1, 1)  # noqa: DTZ001 (slack-sdk's tables hold naive UTC)
        conn.execute(update(slack_oauth_states).values(expire_at=past))
    expired = slack.get(f"/slack/oauth_redirect?code=code-1&state={state}", {"Cookie": cookie})
    state, _ = start_install(slack)
    no_cookie = slack.get(f"/slack/oauth_redirect?code=code-1&state={state}")

    for page in (forged, expired):
        assert page.status == 401
        assert "expired or was already used" in page.body.decode()
    assert no_cookie.status == 400
    assert "different browser" in no_cookie.body.decode()
    for page in (forged, expired, no_cookie):
        assert page.headers["content-type"].startswith("text/html")
        assert 'href="/slack/install"' in page.body.decode()
        assert "Traceback" not in page.body.decode()
    assert fake.calls_to("oauth.v2.access") == []
    assert rows(any_engine, slack_installations) == 0


def test_one_state_redeemed_by_eight_callbacks_at_once_installs_once(
    slack: SlackSide, fake: FakeSlackWebAPI, any_engine: Engine
) -> None:
    state, cookie = start_install(slack)
    fake.add_install("code-race", ACME)
    start = threading.Barrier(8)

    def redeem(_: int) -> HttpAnswer:
        start.wait()
        return slack.get(f"/slack/oauth_redirect?code=code-race&state={state}", {"Cookie": cookie})

    with ThreadPoolExecutor(max_workers=8) as pool:
        pages = list(pool.map(redeem, range(8)))

    assert sorted(page.status for page in pages) == [200] + [401] * 7
    for page in pages:
        if page.status == 401:
            assert "expired or was already used" in page.body.decode()
    assert len(fake.calls_to("oauth.v2.access")) == 1  # only one callback got past the state
    assert rows(any_engine, slack_installations, ACME) == 1
    assert rows(any_engine, slack_oauth_states) == 0


def test_opening_the_install_page_sweeps_expired_states(
    slack: SlackSide, any_engine: Engine
) -> None:
    old = [start_install(slack)[0] for _ in range(3)]
    with any_engine.begin() as conn:
        past = datetime(2020, 1, 1)  # noqa: DTZ001 (slack-sdk's tables hold naive UTC)
        conn.execute(
            update(slack_oauth_states)
            .where(slack_oauth_states.c.state.in_(old[:2]))
            .values(expire_at=past)
        )

    state, _ = start_install(slack)

    with any_engine.connect() as conn:
        left = set(conn.scalars(select(slack_oauth_states.c.state)))
    assert left == {old[2], state}  # the expired two are gone; the good one is kept


def seed_overdue_action(deps: Deps, team_id: str) -> None:
    """A project in the team with an action of Alice's due Friday 20 November."""
    actor = Actor(team_id=team_id, user_id=ALICE, channel_id=CHANNEL, timezone="Europe/London")
    projects.bind_project(deps, actor, "Apollo")
    items.add_item(
        deps, actor, Kind.ACTION, {"title": "send contract", "due": date(2026, 11, 20)}, None
    )
    people.remember_profile(deps, actor, ALICE, "alice", "Europe/London")


def reminders_by_team(fake: FakeSlackWebAPI, since: int = 0) -> dict[str, str]:
    """Each team's reminder DM (its key names the team), mapped to the token it was sent with."""
    sent = {}
    for call in fake.calls[since:]:
        if call.method == "chat.postMessage":
            metadata = call.params["metadata"]
            key = json.loads(metadata) if isinstance(metadata, str) else metadata
            team = key["event_payload"]["key"].split(":")[1]
            assert team not in sent, "one reminder per team"
            sent[team] = bearer(call)
    return sent


@pytest.fixture
def two_workspaces(
    slack: SlackSide, fake: FakeSlackWebAPI, app_deps: Deps, clock: FixedClock
) -> Deps:
    for team in (ACME, GLOBEX):
        assert install(slack, fake, team).status == 200
        seed_overdue_action(app_deps, team)
    clock.set(FRIDAY_9_05)
    return app_deps


def test_the_worker_sends_each_workspace_its_reminders_with_its_own_token(
    two_workspaces: Deps, fake: FakeSlackWebAPI, any_engine: Engine
) -> None:
    report = tick(two_workspaces)

    assert report.sent == 2
    assert reminders_by_team(fake) == {
        ACME: bot_token(any_engine, ACME),
        GLOBEX: bot_token(any_engine, GLOBEX),
    }
    assert bot_token(any_engine, ACME) != bot_token(any_engine, GLOBEX)


def test_uninstall_stops_sends_keeps_the_data_and_a_reinstall_resumes(
    two_workspaces: Deps,
    slack: SlackSide,
    fake: FakeSlackWebAPI,
    any_engine: Engine,
    clock: FixedClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    answer = event(slack, GLOBEX, {"type": "app_uninstalled"})

    assert answer.status == 200
    assert rows(any_engine, slack_bots, GLOBEX) == 0
    assert rows(any_engine, slack_installations, GLOBEX) == 0
    assert rows(any_engine, slack_bots, ACME) == 1
    assert uninstalled_at(any_engine, GLOBEX) == FRIDAY_9_05
    assert count(any_engine, Project) == 2  # nothing of Globex's is deleted
    assert count(any_engine, Action) == 2

    with caplog.at_level(logging.INFO, logger="pmo_bot.tick"):
        report = tick(two_workspaces)
        clock.advance(timedelta(minutes=1))
        again = tick(two_workspaces)
    assert (report.sent, report.dropped, again.sent, again.dropped) == (1, 1, 0, 0)
    assert set(reminders_by_team(fake)) == {ACME}
    skipped = [r for r in caplog.records if "T0002" in r.getMessage()]
    assert [r.getMessage().split(":")[0] for r in skipped] == ["skipped reminder"]  # once
    assert "uninstalled" in skipped[0].getMessage()
    assert skipped[0].levelno == logging.INFO
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]

    assert install(slack, fake, GLOBEX).status == 200
    assert uninstalled_at(any_engine, GLOBEX) is None
    since = len(fake.calls)
    clock.set(MONDAY_9_05)  # the next working day: both workspaces are reminded again
    report = tick(two_workspaces)

    assert report.sent == 2
    assert reminders_by_team(fake, since) == {
        ACME: bot_token(any_engine, ACME),
        GLOBEX: bot_token(any_engine, GLOBEX),
    }


def test_revoked_bot_token_ends_the_install_but_revoked_user_tokens_do_not(
    two_workspaces: Deps, slack: SlackSide, any_engine: Engine
) -> None:
    users_only = {"type": "tokens_revoked", "tokens": {"oauth": [ALICE], "bot": []}}
    assert event(slack, ACME, users_only).status == 200
    assert rows(any_engine, slack_bots, ACME) == 1
    assert uninstalled_at(any_engine, ACME) is None

    bot = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}}
    assert event(slack, ACME, bot).status == 200
    assert rows(any_engine, slack_bots, ACME) == 0
    assert uninstalled_at(any_engine, ACME) is not None
    assert two_workspaces.slack_for(ACME) is None
    assert two_workspaces.slack_for(GLOBEX) is not None


def refreshes(fake: FakeSlackWebAPI) -> list[Any]:
    return [
        call
        for call in fake.calls_to("oauth.v2.access")
        if call.params.get("grant_type") == "refresh_token"
    ]


def test_a_rotating_token_is_refreshed_once_however_many_ask_at_once(
    slack: SlackSide, fake: FakeSlackWebAPI, app_deps: Deps, any_engine: Engine
) -> None:
    # Slack's clock: the token expires in a minute, well inside the refresh window.
    assert install(slack, fake, ACME, rotating=True, expires_in=60).status == 200
    old = bot_token(any_engine, ACME)
    fake.slow_down("oauth.v2.access", 0.3)  # callers not held back by the lock would overlap
    start = threading.Barrier(8)

    installations = app_deps.installations
    assert installations is not None

    def ask(_: int) -> str | None:
        start.wait()
        return installations.bot_token(ACME)

    with ThreadPoolExecutor(max_workers=8) as pool:
        tokens = set(pool.map(ask, range(8)))

    assert len(refreshes(fake)) == 1
    (token,) = tokens
    assert token is not None
    assert token != old
    assert fake.team_of(token) == ACME
    assert bot_token(any_engine, ACME) == token
    with any_engine.connect() as conn:
        expires = conn.scalar(select(slack_installations.c.bot_token_expires_at))
        assert conn.scalar(select(slack_installations.c.bot_token)) == token
    assert expires is not None
    assert expires.replace(tzinfo=UTC) > datetime.now(UTC) + timedelta(hours=11)


def test_bolt_authorizes_a_request_with_the_refreshed_token(
    slack: SlackSide, fake: FakeSlackWebAPI, any_engine: Engine
) -> None:
    assert install(slack, fake, ACME, rotating=True, expires_in=60).status == 200
    old = bot_token(any_engine, ACME)
    before = len(fake.calls)

    answer = slack.reply("/pmo", "project Apollo", team_id=ACME)
    slack.reply("/pmo", "status", team_id=ACME)

    assert "Apollo" in reply_text(answer)
    assert len(refreshes(fake)) == 1
    new = bot_token(any_engine, ACME)
    assert new != old
    used = {bearer(c) for c in fake.calls[before:] if c.method != "oauth.v2.access"}
    assert used == {new}
