"""A lean fake Slack Web API for benchmarks, in a process of its own on a loopback port.

Unlike tests/support/slack_api.py it validates nothing (that costs more than the bot's own
work), so the benchmarks time the bot, not the fake. It answers every method `ok`, counts
chat.postMessage by channel and by the delivery key in its metadata, and can refuse one post
in N with 429 + Retry-After. It records each views.publish (arrival on the monotonic clock,
which every process on the machine shares; the user; a digest of the view). GET /_stats reads
the counts, GET /_publishes the publishes; POST /_reset?throttle_every=N sets the refusals and
clears them. Run: `python -m benchmarks._fake_slack PORT`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import sys
import threading
import time
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from benchmarks._common import Process, base_env, get
from tests.support.http import send_json

AUTH_TEST = {"ok": True, "url": "https://acme.slack.com/", "team": "Acme", "team_id": "T0001"}
AUTH_TEST |= {"user": "pmobot", "user_id": "UBOT", "bot_id": "BBOT"}
ZONE = "Europe/London"


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset(0)

    def reset(self, throttle_every: int) -> None:
        with self.lock:
            self.throttle_every = throttle_every
            self.posts = itertools.count(1)
            self.by_key: Counter[str] = Counter()
            self.by_channel: Counter[str] = Counter()
            self.arrivals: defaultdict[str, list[float]] = defaultdict(list)
            self.methods: Counter[str] = Counter()
            self.throttled = 0
            self.publishes: list[tuple[float, str, str]] = []  # (arrival, user, view digest)

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {
                "methods": dict(self.methods),
                "posts_ok": sum(self.by_channel.values()),
                "keys": len(self.by_key),
                "keys_twice": sum(1 for n in self.by_key.values() if n > 1),
                "channels": len(self.by_channel),
                "channels_twice": sum(1 for n in self.by_channel.values() if n > 1),
                "throttled": self.throttled,
                **_pace(self.arrivals),
            }


def _pace(arrivals: dict[str, list[float]]) -> dict[str, float]:
    """How close together posts reached one conversation: the closest two (seconds), and
    the busiest conversation's messages a second (between its first and last post)."""
    closest, busiest = float("inf"), 0.0
    for times in arrivals.values():
        if len(times) < 2:
            continue
        closest = min(closest, *(b - a for a, b in itertools.pairwise(sorted(times))))
        busiest = max(busiest, (len(times) - 1) / max(times[-1] - times[0], 1e-9))
    return {"closest_in_a_conversation": closest, "per_conversation_per_second": busiest}


STATE = _State()


def _params(handler: BaseHTTPRequestHandler, body: bytes) -> dict[str, Any]:
    params: dict[str, Any] = dict(parse_qsl(urlsplit(handler.path).query))
    kind = handler.headers.get("Content-Type", "")
    if body and kind.startswith("application/json"):
        params |= json.loads(body)
    elif body:
        params |= dict(parse_qsl(body.decode()))
    return params


def _answer(method: str, params: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
    if method == "auth.test":
        return 200, {}, AUTH_TEST
    if method == "users.info":
        user = params.get("user", "U0")
        profile = {"display_name": user.lower(), "real_name": user}
        return 200, {}, {"ok": True, "user": {"id": user, "tz": ZONE, "profile": profile}}
    if method == "views.publish":
        view = params.get("view") or {}
        raw = view if isinstance(view, str) else json.dumps(view, sort_keys=True)
        digest = hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()[:12]
        with STATE.lock:
            STATE.publishes.append((time.monotonic(), str(params.get("user_id", "")), digest))
        return 200, {}, {"ok": True, "view": {"id": "V0HOME", "hash": digest}}
    if method == "conversations.open":
        return 200, {}, {"ok": True, "channel": {"id": "D" + str(params.get("users", ""))[1:]}}
    if method != "chat.postMessage":
        return 200, {}, {"ok": True}
    channel = str(params.get("channel", ""))
    metadata = params.get("metadata") or {}
    if isinstance(metadata, str):
        metadata = json.loads(metadata)
    key = str((metadata.get("event_payload") or {}).get("key", ""))
    with STATE.lock:
        serial = next(STATE.posts)
        if STATE.throttle_every and serial % STATE.throttle_every == 0:
            STATE.throttled += 1
            return 429, {"Retry-After": "1"}, {"ok": False, "error": "ratelimited"}
        STATE.by_channel[channel] += 1
        STATE.arrivals[channel].append(time.monotonic())
        if key:
            STATE.by_key[key] += 1
    dm = "D" + channel[1:] if channel.startswith("U") else channel
    return 200, {}, {"ok": True, "channel": dm, "ts": f"{1_800_000_000 + serial}.000100"}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive for clients that want it

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = urlsplit(self.path).path
        if path == "/_stats":
            self._send(200, {}, STATE.stats())
            return
        if path == "/_publishes":
            with STATE.lock:
                publishes = list(STATE.publishes)
            self._send(200, {}, {"publishes": publishes})
            return
        if path == "/_reset":
            every = dict(parse_qsl(urlsplit(self.path).query)).get("throttle_every", "0")
            STATE.reset(int(every))
            self._send(200, {}, {"ok": True})
            return
        method = path.rsplit("/", 1)[-1]
        with STATE.lock:
            STATE.methods[method] += 1
        self._send(*_answer(method, _params(self, body)))

    do_GET = do_POST

    def _send(self, status: int, headers: dict[str, str], payload: dict[str, Any]) -> None:
        send_json(self, status, headers, payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class FakeSlack:
    """The fake as a child process: start(), base_url, stats(), reset(), stop()."""

    def __init__(self, port: int):
        self.root = f"http://127.0.0.1:{port}"
        self.base_url = self.root + "/api/"
        argv = [sys.executable, "-m", "benchmarks._fake_slack", str(port)]
        self.process = Process(argv, base_env())

    def start(self) -> FakeSlack:
        self.process.start().wait_for(self.root + "/_stats")
        return self

    def stats(self) -> dict[str, Any]:
        stats: dict[str, Any] = json.loads(get(self.root + "/_stats"))
        return stats

    def publishes(self) -> list[tuple[float, str, str]]:
        """Every views.publish since the last reset: (arrival, user id, view digest)."""
        found = json.loads(get(self.root + "/_publishes"))["publishes"]
        return [(float(t), str(user), str(digest)) for t, user, digest in found]

    def reset(self, throttle_every: int = 0) -> None:
        get(f"{self.root}/_reset?throttle_every={throttle_every}")

    def stop(self) -> None:
        self.process.stop()


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), _Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
