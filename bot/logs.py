"""Structured logs: one line a record (logfmt, or JSON with LOG_FORMAT=json) carrying the
request's context (workspace, command, request id) from a contextvar, in every thread."""

from __future__ import annotations

import contextvars
import hashlib
import json
import logging
import re
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

T = TypeVar("T")
Fields = Mapping[str, str | int | float | bool | None]

_CONTEXT: contextvars.ContextVar[dict[str, str]] = contextvars.ContextVar("pmo_log_context")
# Attributes every LogRecord has; anything else set through `extra=` is a field of the line.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
FORMATS = ("logfmt", "json")


def current() -> dict[str, str]:
    return dict(_CONTEXT.get({}))


@contextmanager
def log_context(**fields: str | None) -> Iterator[None]:
    """Add fields to every line logged in this block (and in work it hands to `ContextExecutor`)."""
    merged = current() | {name: value for name, value in fields.items() if value}
    token = _CONTEXT.set(merged)
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def bind(**fields: str | None) -> None:
    """Set this request's fields for the rest of the enclosing `log_context` (Bolt's middleware
    cannot wrap its listeners, so it sets and the WSGI layer's block resets). Every field is
    replaced, so nothing lingers from an earlier request on the same thread (Socket Mode)."""
    _CONTEXT.set({name: value for name, value in fields.items() if value})


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


def slack_request_id(stamp: str | None, signature: str | None) -> str:
    """A short hash of Slack's timestamp and signature (the same for every line of a request,
    whichever layer logs it), or a fresh id when the request is unsigned."""
    if not (stamp and signature):
        return new_request_id()
    return hashlib.sha256(f"{stamp}:{signature}".encode()).hexdigest()[:16]


class ContextFilter(logging.Filter):
    """Copies the current context onto each record, for the formatters to print."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.pmo_context = _CONTEXT.get({})
        return True


class LogfmtFormatter(logging.Formatter):
    """`ts=… level=info logger=… msg="…" team=T1 command="/risk add" request_id=…`."""

    def format(self, record: logging.LogRecord) -> str:
        return " ".join(f"{key}={_logfmt_value(value)}" for key, value in _fields(self, record))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(dict(_fields(self, record)), ensure_ascii=False, default=str)


def _fields(formatter: logging.Formatter, record: logging.LogRecord) -> Iterator[tuple[str, Any]]:
    stamp = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
    yield "ts", stamp.replace("+00:00", "Z")
    yield "level", record.levelname.lower()
    yield "logger", record.name
    yield "msg", record.getMessage()
    yield from getattr(record, "pmo_context", {}).items()
    for key, value in vars(record).items():
        if key not in _STANDARD and key != "pmo_context":
            yield key, value
    if record.exc_info:
        yield "exc", formatter.formatException(record.exc_info)


# A value printed bare: printable, and no space, quote, `=` or backslash (else it is quoted).
_BARE = re.compile(r'[^ "=\\]+')


def _logfmt_value(value: object) -> str:
    if value is None:
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if _BARE.fullmatch(text) and text.isprintable():
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + escaped.replace("\r", "\\r").replace("\t", "\\t") + '"'


def make_formatter(kind: str) -> logging.Formatter:
    return JsonFormatter() if kind == "json" else LogfmtFormatter()


def configure_logging(level: str, kind: str = "logfmt") -> logging.Handler:
    """One stderr handler on the root logger, formatted and carrying the context; idempotent."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "pmo_handler", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    install(handler, kind)
    root.addHandler(handler)
    root.setLevel(level)
    return handler


def install(handler: logging.Handler, kind: str = "logfmt") -> None:
    """Our format and context on a handler (ours, a test's, or gunicorn's)."""
    handler.setFormatter(make_formatter(kind))
    if not any(isinstance(f, ContextFilter) for f in handler.filters):
        handler.addFilter(ContextFilter())
    handler.pmo_handler = True  # type: ignore[attr-defined]


class ContextExecutor(Executor):
    """Runs tasks on `inner` inside a copy of the submitter's context, so Bolt's lazy
    listeners log with the request that started them."""

    def __init__(self, inner: Executor):
        self.inner = inner

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        context = contextvars.copy_context()
        return self.inner.submit(context.run, fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.inner.shutdown(wait=wait, cancel_futures=cancel_futures)
