"""An HTTP answer as the tests read it, whether it came from a server process or WSGI in-process."""

from __future__ import annotations

import json
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict[str, Any]:
        payload = json.loads(self.body)
        assert isinstance(payload, dict)
        return payload


def send_json(
    request: BaseHTTPRequestHandler, status: int, headers: dict[str, str], payload: Any
) -> None:
    """Answer a fake server's request with `payload` as JSON (and any extra headers)."""
    data = json.dumps(payload).encode()
    request.send_response(status)
    for key, value in {"Content-Type": "application/json", **headers}.items():
        request.send_header(key, value)
    request.send_header("Content-Length", str(len(data)))
    request.end_headers()
    request.wfile.write(data)
