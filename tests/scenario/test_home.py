"""App Home through the real app: a signed app_home_opened publishes the person's dashboard, See
all opens a modal, and a change leaves the opened Home tabs it touches to the worker's next
round of redraws."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

from bot.clock import FixedClock
from bot.deps import Deps
from bot.scheduler import redraw_homes
from bot.services.home import HOME_WINDOW
from handlers import ids
from tests.conftest import ALICE, BOB, TEAM
from tests.scenario.conftest import SlackSide
from tests.support.http import HttpAnswer
from tests.support.signing import event_body, interaction_body, sign
from tests.support.slack_api import Call, FakeSlackWebAPI
from tests.support.slack_specs import validate_blocks

ALICE_DM = "D0ALICE"


def post(slack: SlackSide, body: str, content_type: str) -> HttpAnswer:
    data = body.encode()
    headers = {"Content-Type": content_type, **sign(data, slack.secret, int(time.time()))}
    answer = slack.request("POST", "/slack/events", data, headers)
    assert answer.status == 200, answer.body
    return answer


def open_home(slack: SlackSide, user: str = ALICE, tab: str = "home") -> HttpAnswer:
    """What Slack sends when someone opens a tab of the app (Home, Messages or About)."""
    event = {"type": "app_home_opened", "user": user, "channel": ALICE_DM, "tab": tab}
    return post(slack, event_body(event), "application/json")


def see_all(slack: SlackSide, section: str, trigger_id: str = "9.8.7") -> HttpAnswer:
    """A press of a section's See all button on Alice's Home tab (no channel, no response_url)."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "acme"},
        "user": {"id": ALICE, "team_id": TEAM},
        "api_app_id": "A0PMOBOT",
        "token": "legacy",
        "trigger_id": trigger_id,
        "container": {"type": "view", "view_id": "V0HOME"},
        "view": {"id": "V0HOME", "type": "home", "team_id": TEAM, "blocks": []},
        "actions": [
            {
                "action_id": ids.HOME_SEE_ALL,
                "block_id": "more",
                "type": "button",
                "value": section,
                "action_ts": "1700000001.000200",
            }
        ],
    }
    return post(slack, interaction_body(payload), "application/x-www-form-urlencoded")


def view_of(call: Call) -> dict[str, Any]:
    view = call.params["view"]
    return dict(json.loads(view) if isinstance(view, str) else view)


def texts(view: dict[str, Any]) -> str:
    found = []
    for block in view["blocks"]:
        if isinstance(block.get("text"), dict):
            found.append(block["text"]["text"])
        found += [e["text"] for e in block.get("elements", []) if isinstance(e.get("text"), str)]
    return "\n".join(found)


def test_opening_home_publishes_the_dashboard_and_see_all_opens_the_rest(
    slack: SlackSide, fake: FakeSlackWebAPI, clock: FixedClock
) -> None:
    slack.reply("/pmo", "project Apollo")
    for n in range(1, 13):
        slack.reply("/action", f"add task number {n} due tomorrow")
    # Typed, not a real broadcast: Slack sends it escaped and the title keeps `<!channel>`.
    slack.reply("/risk", "add &lt;!channel&gt; vendor may slip impact:high")
    slack.reply("/action", "add <@U0BOB|bob> bob's own task due tomorrow")
    clock.advance(timedelta(days=3))  # Sunday: all twelve of Alice's are late
    slack.settle()
    published = len(fake.calls_to("views.publish"))  # none: nobody had opened their Home yet

    open_home(slack)

    [call] = fake.calls_to("views.publish")[published:]
    assert call.params["user_id"] == ALICE
    home = view_of(call)
    assert home["type"] == "home"
    validate_blocks(home["blocks"], surface="home")
    shown = texts(home)
    assert "Overdue actions (12)" in shown
    assert "*A-1* task number 1" in shown
    assert "…and 4 more overdue actions." in shown
    assert "bob's own task" not in shown
    assert "&lt;!channel&gt; vendor may slip" in shown
    assert "<!channel>" not in json.dumps(home)
    buttons = [b["accessory"]["value"] for b in home["blocks"] if "accessory" in b]
    assert buttons == ["overdue"]

    see_all(slack, "overdue")

    [opened] = fake.calls_to("views.open")
    assert opened.params["trigger_id"] == "9.8.7"
    modal = view_of(opened)
    assert modal["title"]["text"] == "Overdue actions"
    listed = texts(modal)
    assert all(f"*A-{n}* task number {n}" in listed for n in range(1, 13))
    assert "12 overdue actions, the longest overdue first." in listed


def test_other_tabs_and_unknown_sections_do_nothing(
    slack: SlackSide, fake: FakeSlackWebAPI
) -> None:
    open_home(slack, tab="messages")
    see_all(slack, "<everything>")
    assert fake.calls_to("views.publish") == []
    assert fake.calls_to("views.open") == []


def test_a_newcomer_gets_a_welcome(slack: SlackSide, fake: FakeSlackWebAPI) -> None:
    open_home(slack, user=BOB)
    [call] = fake.calls_to("views.publish")
    assert call.params["user_id"] == BOB
    assert "`/pmo project &lt;name&gt;`" in texts(view_of(call))


def test_a_change_redraws_the_opened_homes_it_touched_in_the_workers_next_round(
    slack: SlackSide, fake: FakeSlackWebAPI, app_deps: Deps, clock: FixedClock
) -> None:
    slack.reply("/pmo", "project Apollo")
    open_home(slack)
    open_home(slack, user=BOB)
    clock.advance(HOME_WINDOW)
    opened = len(fake.calls_to("views.publish"))
    slack.reply("/risk", "list")  # reading changes nothing: no Home is stale
    slack.reply("/risk", "update R-9 impact:high")  # refused: nothing changed, nothing stale
    assert redraw_homes(app_deps) == 0

    slack.reply("/risk", "add vendor may slip, ask <@U0BOB|bob> impact:high")
    slack.settle()
    assert len(fake.calls_to("views.publish")) == opened  # the answer drew no Home
    assert redraw_homes(app_deps) == 1  # Alice's: Bob is named in the title, not the owner
    clock.advance(HOME_WINDOW)
    slack.reply("/risk", "close R-1 vendor delivered")
    assert redraw_homes(app_deps) == 1
    clock.advance(HOME_WINDOW)
    slack.reply("/action", "add <@U0BOB|bob> send the contract due tomorrow")
    assert redraw_homes(app_deps) == 2  # Alice's, who logged it, and Bob's, who owns it

    before, after, *_ = (view_of(call) for call in fake.calls_to("views.publish")[opened:])
    assert "*R-1* vendor may slip" in texts(before)
    assert "R-1" not in texts(after)
    assert "You own no open risks." in texts(after)
    published = [call.params["user_id"] for call in fake.calls_to("views.publish")[opened:]]
    assert sorted(published) == [ALICE, ALICE, ALICE, BOB]
    bobs = view_of(fake.calls_to("views.publish")[-1 if published[-1] == BOB else -2])
    assert "send the contract" in texts(bobs)
    assert redraw_homes(app_deps) == 0
