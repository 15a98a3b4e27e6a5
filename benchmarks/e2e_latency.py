"""End to end under an open-loop load: `pmo-bot serve` (2 asyncio workers) and a running
`pmo-bot worker` redrawing App Homes, with 500 people who have opened their Home, sent 50 signed
commands a second on a fixed schedule (risk and action adds, lists, Done presses), then a burst
of 100 changes by 20 people.

Run from the repository root: `python -m benchmarks.e2e_latency [--pg URL] [--seconds N]
[--rate N]`. SQLite always; PostgreSQL too when --pg or PMO_TEST_DATABASE_URL names a server (in
a scratch database beside it). Exits 0 when, on every database: the acks' overall p99, timed
from each request's planned send, is under 50 ms and none failed; the p99 from a change's answer
to the next views.publish of each opened Home it touched (as the fake Slack saw it arrive) is at
most 1 s, and none waited over 5 s; in the burst no Home was published twice within HOME_WINDOW
and each of the 20 was published after their last change.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from benchmarks._common import (
    SECRET,
    Process,
    app_env,
    databases,
    loopback_port,
    percentile,
    run_cli,
    serve,
    summary,
)
from benchmarks._fake_slack import ZONE, FakeSlack
from benchmarks._load import Answer, fixed_rate, http_request, run_open_loop
from bot.services.home import HOME_WINDOW
from handlers.blocks.controls import list_origin
from handlers.ids import DONE, controls_block
from tests.support.signing import event_body, interaction_body, sign, slash_command_body

PATH = "/slack/events"
TEAM = "T0001"
PEOPLE = 500
PROJECTS = ("Apollo", "Gemini", "Mercury", "Artemis")
SEED_RISKS = 100  # so `/risk list` pages through a register
# The load's mix, as shares of its requests.
MIX = {"risk add": 0.2, "action add": 0.3, "risk list": 0.15, "action list": 0.15, "done": 0.2}
CONNECTIONS = 32
SETUP_RATE = 100.0  # requests a second while setting up (open loop too)
MAX_ACK_P99_MS = 50.0
MAX_FRESH_P99_S = 1.0
NO_PUBLISH_S = 5.0  # a touched Home not published this long after the change: a failure
QUIET_S = 2.0  # no publish for this long: the worker has drawn every stale Home
BURST_PEOPLE = 20
BURST_EACH = 5
WINDOW_S = HOME_WINDOW.total_seconds()
_REF = re.compile(rb"logged (A-\d+)")


def person(n: int) -> str:
    return f"U0P{n:04d}"


def channel(project: str) -> str:
    return "C0" + project.upper()


@dataclass(frozen=True)
class Planned:
    """One request of a run: its kind, and the people whose opened Home it should touch."""

    kind: str
    request: bytes
    touches: frozenset[str] = frozenset()
    actor: str = ""


@dataclass(frozen=True)
class Seeded:
    """An open action made in setup, for a Done press in the load."""

    project: str
    ref: str
    owner: str
    due: date


@dataclass
class Report:
    label: str
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def say(self, line: str) -> None:
        self.lines.append(f"{self.label} {line}")
        print(self.lines[-1], flush=True)

    def fail(self, why: str) -> None:
        self.failures.append(f"{self.label} {why}")


class Bot:
    """Signed requests, as Slack sends them, to one served bot."""

    def __init__(self, port: int, response_url: str):
        self.port = port
        self.response_url = response_url

    def _signed(self, body: bytes, kind: str) -> bytes:
        headers = {"Content-Type": kind} | sign(body, SECRET, int(time.time()))
        return http_request(self.port, PATH, body, headers)

    def command(self, command: str, text: str, user: str, project: str) -> bytes:
        body = slash_command_body(
            command,
            text,
            team_id=TEAM,
            user_id=user,
            user_name=user.lower(),
            channel_id=channel(project),
            channel_name=project.lower(),
            response_url=self.response_url,
        )
        return self._signed(body.encode(), "application/x-www-form-urlencoded")

    def home_opened(self, user: str) -> bytes:
        event = {"type": "app_home_opened", "user": user, "channel": "D" + user[1:], "tab": "home"}
        return self._signed(event_body(event, team_id=TEAM).encode(), "application/json")

    def done(self, user: str, item: Seeded) -> bytes:
        """A press of Done under the action in a page of `/action list` (an ephemeral message,
        which Slack does not send back: the bot redraws the page through the response URL)."""
        origin = list_origin("open", None, item.project.lower(), 1)
        value = f"{item.ref} {origin} due={item.due.isoformat()} owner={item.owner}"
        action = {
            "action_id": DONE,
            "block_id": controls_block(value.replace(" ", "|")),
            "type": "button",
            "value": value,
            "action_ts": f"{time.time():.6f}",
        }
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM, "domain": "acme"},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM},
            "api_app_id": "A0PMOBOT",
            "token": "legacy",
            "trigger_id": "1.2.3",
            "channel": {"id": channel(item.project)},
            "container": {
                "type": "message",
                "channel_id": channel(item.project),
                "message_ts": "1700000000.000100",
                "is_ephemeral": True,
            },
            "response_url": self.response_url,
            "actions": [action],
        }
        body = interaction_body(payload).encode()
        return self._signed(body, "application/x-www-form-urlencoded")


def run(bot: Bot, planned: Sequence[Planned], rate: float) -> list[Answer]:
    schedule = fixed_rate([p.request for p in planned], rate)
    return run_open_loop(bot.port, schedule, connections=CONNECTIONS)


def failed(answers: Sequence[Answer]) -> Counter[int]:
    return Counter(answer.status for answer in answers if answer.status != 200)


def setup_run(bot: Bot, what: str, planned: Sequence[Planned]) -> list[Answer]:
    answers = run(bot, planned, SETUP_RATE)
    bad = failed(answers)
    if bad:
        raise RuntimeError(f"setup ({what}): {sum(bad.values())} failed {dict(bad)}")
    return answers


def wait_quiet(fake: FakeSlack, at_least: int = 0, limit: float = 60.0) -> int:
    """Until `at_least` Homes were published and none more for QUIET_S: how many there were."""
    deadline = time.monotonic() + limit
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = len(fake.publishes())
        if count != last:
            last, since = count, time.monotonic()
        elif count >= at_least and time.monotonic() - since >= QUIET_S:
            return count
        time.sleep(0.2)
    raise RuntimeError(f"Home publishes did not settle within {limit:g}s ({last} so far)")


def set_up(bot: Bot, fake: FakeSlack, rng: random.Random, presses: int) -> list[Seeded]:
    """The workspace: the projects, the seeded risks and actions (before anyone opened their
    Home, so they mark nothing), then the 500 people opening their Home once each."""
    people = [person(n) for n in range(1, PEOPLE + 1)]
    lead = people[0]
    projects = [Planned("project", bot.command("/pmo", f"project {p}", lead, p)) for p in PROJECTS]
    setup_run(bot, "projects", projects)
    risks = [
        Planned("risk", bot.command("/risk", f"add Seeded risk {n} impact:medium", lead, p))
        for n, p in enumerate(rng.choices(PROJECTS, k=SEED_RISKS))
    ]
    setup_run(bot, "risks", risks)
    due = datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=7)  # the fake's zone
    wanted: list[tuple[str, str]] = []
    actions = []
    for n in range(presses):
        project, owner = rng.choice(PROJECTS), rng.choice(people)
        text = f"add <@{owner}|{owner.lower()}> seeded task {n} due {due.isoformat()}"
        wanted.append((project, owner))
        actions.append(Planned("action", bot.command("/action", text, rng.choice(people), project)))
    seeded = []
    for (project, owner), answer in zip(wanted, setup_run(bot, "actions", actions), strict=True):
        found = _REF.search(answer.body)
        if found is None:
            raise RuntimeError(f"no action ref in {answer.body[:300]!r}")
        seeded.append(Seeded(project, found.group(1).decode(), owner, due))
    fake.reset()
    setup_run(bot, "Home opens", [Planned("open", bot.home_opened(p)) for p in people])
    wait_quiet(fake, at_least=PEOPLE)
    opened = {user for _, user, _ in fake.publishes()}
    if opened != set(people):
        raise RuntimeError(f"{PEOPLE - len(opened & set(people))} Homes not published when opened")
    return seeded


def plan_load(bot: Bot, rng: random.Random, total: int, seeded: list[Seeded]) -> list[Planned]:
    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=total)
    people = [person(n) for n in range(1, PEOPLE + 1)]
    presses = iter(seeded)
    planned = []
    for n, kind in enumerate(kinds):
        actor, project = rng.choice(people), rng.choice(PROJECTS)
        if kind == "risk add":
            text = f"add Load risk {n} may slip impact:high likelihood:3"
            request = bot.command("/risk", text, actor, project)
            planned.append(Planned(kind, request, frozenset({actor})))
        elif kind == "action add":
            owner = rng.choice([p for p in people if p != actor])
            text = f"add <@{owner}|{owner.lower()}> send the load report {n} due friday"
            request = bot.command("/action", text, actor, project)
            planned.append(Planned(kind, request, frozenset({actor, owner})))
        elif kind == "done":
            item = next(presses)
            planned.append(Planned(kind, bot.done(actor, item), frozenset({actor, item.owner})))
        else:
            command = "/risk" if kind == "risk list" else "/action"
            planned.append(Planned(kind, bot.command(command, "list", actor, project)))
    return planned


def by_user(publishes: Sequence[tuple[float, str, str]]) -> dict[str, list[float]]:
    found: defaultdict[str, list[float]] = defaultdict(list)
    for arrival, user, _ in publishes:
        found[user].append(arrival)
    return {user: sorted(times) for user, times in found.items()}


def report_acks(report: Report, planned: Sequence[Planned], answers: Sequence[Answer]) -> None:
    kinds: defaultdict[str, list[float]] = defaultdict(list)
    for plan, answer in zip(planned, answers, strict=True):
        if answer.status == 200:
            kinds[plan.kind].append(answer.latency)
    overall = [latency for latencies in kinds.values() for latency in latencies]
    for kind in MIX:
        if kinds[kind]:
            latencies = kinds[kind]
            report.say(
                f"ack {kind}: p50 {_ms(latencies, 0.5)}, p99 {_ms(latencies, 0.99)} "
                f"({len(latencies)})"
            )
    p99 = percentile(overall, 0.99) * 1000
    lag = max(answer.sent - answer.planned for answer in answers) * 1000
    report.say(
        f"ack overall: p50 {_ms(overall, 0.5)}, p99 {p99:.1f} ms, max {_ms(overall, 1.0)} "
        f"({len(answers)} requests, {sum(failed(answers).values())} failed; latest send "
        f"{lag:.0f} ms after its planned time) (bar: p99 < {MAX_ACK_P99_MS:g} ms, none failed)"
    )
    if not p99 < MAX_ACK_P99_MS:
        report.fail(f"ack p99 {p99:.0f} ms")
    if failed(answers):
        report.fail(f"acks failed {dict(failed(answers))}")


def _ms(values: Sequence[float], fraction: float) -> str:
    return f"{percentile(values, fraction) * 1000:.1f} ms"


def report_freshness(
    report: Report,
    planned: Sequence[Planned],
    answers: Sequence[Answer],
    publishes: dict[str, list[float]],
) -> None:
    """From each change's answer to the next publish of each Home it touched. A Home published
    after the request was sent but before its answer arrived, and not again, was drawn after
    the change committed (its mark would have made it stale again otherwise): it counts as 0."""
    waits: list[float] = []
    early = missing = 0
    for plan, answer in zip(planned, answers, strict=True):
        if answer.status != 200:
            continue
        for user in plan.touches:
            times = publishes.get(user, [])
            after = bisect.bisect_right(times, answer.answered)
            if after < len(times) and times[after] - answer.answered <= NO_PUBLISH_S:
                waits.append(times[after] - answer.answered)
            elif after > 0 and times[after - 1] > answer.sent:
                waits.append(0.0)
                early += 1
            else:
                missing += 1
    p99 = percentile(waits, 0.99)
    report.say(
        f"Home freshness: p50 {percentile(waits, 0.5):.2f} s, p99 {p99:.2f} s, max "
        f"{percentile(waits, 1.0):.2f} s over {len(waits) + missing} touched Homes "
        f"({early} published before the answer arrived, {missing} not within "
        f"{NO_PUBLISH_S:g} s) (bar: p99 <= {MAX_FRESH_P99_S:g} s, none missing)"
    )
    if not p99 <= MAX_FRESH_P99_S:
        report.fail(f"Home freshness p99 {p99:.2f} s")
    if missing:
        report.fail(f"{missing} touched Homes not published within {NO_PUBLISH_S:g} s")


def burst(report: Report, bot: Bot, fake: FakeSlack, rng: random.Random) -> None:
    """100 changes by 20 people, 5 each, sent at once over the pool; then each Home's
    publishes from the burst's start until the worker is quiet again."""
    people = rng.sample([person(n) for n in range(1, PEOPLE + 1)], BURST_PEOPLE)
    planned = []
    for round_ in range(BURST_EACH):
        for actor in people:
            project = rng.choice(PROJECTS)
            if round_ % 2:
                text = f"add <@{actor}|{actor.lower()}> burst task {round_} due friday"
                request = bot.command("/action", text, actor, project)
            else:
                text = f"add Burst risk {round_} impact:low"
                request = bot.command("/risk", text, actor, project)
            planned.append(Planned("burst", request, frozenset({actor}), actor))
    wait_quiet(fake)
    fake.reset()
    answers = run(bot, planned, 0)
    start = min(answer.sent for answer in answers)
    end = max(answer.answered for answer in answers)
    time.sleep(NO_PUBLISH_S)
    wait_quiet(fake)
    publishes = by_user(fake.publishes())
    last: dict[str, float] = {}
    for plan, answer in zip(planned, answers, strict=True):
        last[plan.actor] = max(last.get(plan.actor, 0.0), answer.answered)
    closest, unpublished, counts = float("inf"), [], []
    for actor in people:
        times = [t for t in publishes.get(actor, []) if t >= start]
        counts.append(len(times))
        gaps = [b - a for a, b in itertools.pairwise(times)]
        closest = min([closest, *gaps])
        if not any(t > last[actor] for t in times):
            unpublished.append(actor)
    strangers = sorted(set(publishes) - set(people))
    gap = "none (one each)" if closest == float("inf") else f"{closest:.2f} s"
    report.say(
        f"burst: {len(answers)} changes by {BURST_PEOPLE} people answered in "
        f"{(end - start) * 1000:.0f} ms ({sum(failed(answers).values())} failed); publishes a "
        f"person {min(counts)}-{max(counts)}, closest two of one person {gap} "
        f"(bar: >= {WINDOW_S:g} s), {len(unpublished)} not published after their last change "
        f"(bar: 0), {len(strangers)} others' Homes published"
    )
    if closest < WINDOW_S:
        report.fail(f"burst: a Home published twice within {closest:.2f} s")
    if unpublished:
        report.fail(f"burst: {len(unpublished)} Homes not published after the last change")
    if failed(answers):
        report.fail(f"burst acks failed {dict(failed(answers))}")


def worker(url: str, fake: FakeSlack) -> Process:
    """`pmo-bot worker`, redrawing stale Homes every HOMES_SECONDS (its tick is left at the
    default, once a minute)."""
    env = app_env(url, fake.base_url, loopback_port())
    process = Process([sys.executable, "-m", "bot.cli", "worker"], env).start()
    deadline = time.monotonic() + 30
    while "a pass every" not in process.log():
        if process.process is not None and process.process.poll() is not None:
            raise RuntimeError(f"pmo-bot worker exited:\n{process.log()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"pmo-bot worker did not start:\n{process.log()}")
        time.sleep(0.1)
    return process


def measure(label: str, url: str, fake: FakeSlack, args: argparse.Namespace) -> Report:
    report = Report(label)
    rng = random.Random(args.seed)
    total = round(args.rate * args.seconds)
    run_cli("migrate", env=app_env(url, fake.base_url, 3000))
    fake.reset()
    server, root = serve(url, fake.base_url)
    processes = [server]
    try:
        processes.append(worker(url, fake))
        bot = Bot(int(root.rsplit(":", 1)[1]), fake.root + "/response/e2e")
        presses = round(total * MIX["done"] * 1.3) + 20  # the draw may give more than the share
        began = time.monotonic()
        seeded = set_up(bot, fake, rng, presses)
        report.say(
            f"setup: {len(PROJECTS)} projects, {SEED_RISKS} risks, {len(seeded)} actions, "
            f"{PEOPLE} Homes opened and published, in {time.monotonic() - began:.1f} s"
        )
        planned = plan_load(bot, rng, total, seeded)
        fake.reset()
        answers = run(bot, planned, args.rate)
        time.sleep(NO_PUBLISH_S + 0.5)
        publishes = fake.publishes()
        changes = sum(1 for plan in planned if plan.touches)
        kinds = Counter(plan.kind for plan in planned)
        # A Done that changed its action tells the project's channel; one that did not
        # (the action was not found, or already done) would measure nothing.
        announced = fake.stats()["methods"].get("chat.postMessage", 0)
        report.say(
            f"load: {len(answers)} requests at {args.rate:g}/s for {args.seconds:g} s "
            f"({dict(kinds)}), {changes} changes, {len(publishes)} Home publishes, "
            f"{announced} Done announcements"
        )
        if announced != kinds["done"]:
            report.fail(f"{kinds['done']} Done presses, {announced} announced")
        report_acks(report, planned, answers)
        report_freshness(report, planned, answers, by_user(publishes))
        burst(report, bot, fake, rng)
        for process in processes:
            if "Traceback" in process.log():
                report.fail(f"{process.argv[-1]} logged a traceback")
                print(process.log()[-3000:])
    finally:
        for process in reversed(processes):
            process.stop()
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="a PostgreSQL URL (default: $PMO_TEST_DATABASE_URL)")
    parser.add_argument("--seconds", type=float, default=20.0, help="the timed load (20)")
    parser.add_argument("--rate", type=float, default=50.0, help="requests a second (50)")
    parser.add_argument("--seed", type=int, default=7, help="of the random draws (7)")
    args = parser.parse_args(argv)

    print(
        f"open loop: {args.rate:g} requests/s for {args.seconds:g} s over {CONNECTIONS} "
        f"keep-alive connections from {PEOPLE} people, against `pmo-bot serve` (2 asyncio "
        f"workers) and `pmo-bot worker`; then a burst of {BURST_PEOPLE * BURST_EACH} changes"
    )
    fake = FakeSlack(loopback_port()).start()
    failures: list[str] = []
    try:
        with databases(args.pg, "e2e") as found:
            for label, url in found:
                failures += measure(label, url, fake, args).failures
    finally:
        fake.stop()
    return summary(failures)


if __name__ == "__main__":
    sys.exit(main())
