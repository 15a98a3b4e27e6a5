"""Errors whose message is meant for the person who typed the command."""

from __future__ import annotations


class UserError(Exception):
    """Something the person can fix: shown to them, never logged as a failure.

    ``usage`` and ``example`` are appended to the reply so every refusal teaches the right form.
    """

    def __init__(self, message: str, *, usage: str | None = None, example: str | None = None):
        super().__init__(message)
        self.message = message
        self.usage = usage
        self.example = example

    def with_usage(self, usage: str, example: str) -> UserError:
        """The same error, completed with a command's usage line and example when it has none."""
        if self.usage is None:
            self.usage = usage
        if self.example is None:
            self.example = example
        return self


class ParseError(UserError):
    """The command text could not be understood."""


class DateError(UserError):
    """A due or review date was refused.

    ``reason`` is ``"unparseable"`` (not a date at all), ``"past"`` or ``"too_far"``; the grammar
    uses it to tell a natural ``by friday`` from prose that merely contains the word "by".
    """

    def __init__(self, message: str, *, reason: str):
        super().__init__(message)
        self.reason = reason


class NotFound(UserError):
    """The id or project named does not exist in this workspace."""


class Conflict(UserError):
    """The change does not fit the item's current state (closing a closed risk, ...)."""


class Unavailable(Exception):
    """A dependency (the database) is briefly out of reach; the person should retry shortly."""
