"""The served front: each request is read whole on the event loop (under the body cap, within a
deadline) before a thread runs the WSGI app on it, so a slow or stalled client holds only a
socket, never one of the threads that answer Slack."""

from __future__ import annotations

import asyncio
import io
import logging
import sys
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from bot.inbound import MAX_BODY_BYTES, Refusal, body_length, refused

log = logging.getLogger("pmo_bot.asgi")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
WsgiApp = Callable[..., Iterable[bytes]]

# Slack sends a request whole in well under a second; a body not in by then is a stalled client.
BODY_DEADLINE_SECONDS = 5.0
# Threads per process that run the app on whole requests (the database pool has 15 connections).
APP_THREADS = 8


@dataclass
class _Answer:
    status: int = 500
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""


class BufferedFront:
    """An ASGI application around a WSGI one (see the module's docstring)."""

    def __init__(
        self,
        app: WsgiApp,
        *,
        threads: int = APP_THREADS,
        deadline: float = BODY_DEADLINE_SECONDS,
        cap: int = MAX_BODY_BYTES,
    ):
        self.app = app
        self.deadline = deadline
        self.cap = cap
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="pmo-app")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":  # websockets: nothing of ours speaks them
            return
        headers = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"]]
        body = await self._body(dict(headers).get("content-length"), receive)
        if isinstance(body, Refusal):
            refused(body, scope.get("path", ""))
            await _send(send, _Answer(body.status, [(b"content-length", b"0")]))
            return
        environ = _environ(scope, headers, body)
        answer = await asyncio.get_running_loop().run_in_executor(self.pool, self._run, environ)
        await _send(send, answer)

    async def _body(self, content_length: str | None, receive: Receive) -> bytes | Refusal:
        if content_length is not None:
            length = body_length(content_length)
            if isinstance(length, Refusal):
                return length
        try:
            return await asyncio.wait_for(self._read(receive), self.deadline)
        except TimeoutError:
            return Refusal(408, f"body not received within {self.deadline:g} s")

    async def _read(self, receive: Receive) -> bytes | Refusal:
        chunks, size = list[bytes](), 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return Refusal(400, "client went away before its body was in")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.cap:  # a chunked body with no Content-Length
                return Refusal(413, f"body is over the {self.cap} byte cap")
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _run(self, environ: dict[str, Any]) -> _Answer:
        answer = _Answer()

        def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> Any:
            answer.status = int(status.split(" ", 1)[0])
            answer.headers = [
                (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers
            ]
            return lambda data: None  # the write() of PEP 3333: nothing of ours uses it

        chunks = self.app(environ, start_response)
        try:
            answer.body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        return answer

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.pool.shutdown(wait=True)  # requests being answered finish first
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _send(send: Send, answer: _Answer) -> None:
    headers = answer.headers
    if not any(name == b"content-length" for name, _ in headers):
        headers = [*headers, (b"content-length", str(len(answer.body)).encode())]
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})


def _environ(scope: Scope, headers: list[tuple[str, str]], body: bytes) -> dict[str, Any]:
    """PEP 3333's environ for a request whose body is already in hand."""
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client") or ("", 0)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": scope.get("root_path", ""),
        "PATH_INFO": scope["path"],
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": str(client[0]),
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in headers:
        if name == "content-length":
            continue
        if name == "content-type":
            environ["CONTENT_TYPE"] = value
            continue
        key = "HTTP_" + name.upper().replace("-", "_")
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ
