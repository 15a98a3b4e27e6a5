"""The one WebClient, behind the narrow gateway the rest of the bot uses to reach Slack."""

from __future__ import annotations

import logging
import threading
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

log = logging.getLogger(__name__)


# Refusals that no retry will cure: the delivery is dropped (and logged) instead.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "restricted_action",
        "restricted_action_read_only_channel",
        "restricted_action_thread_only_channel",
        "restricted_action_non_threadable_channel",
        "ekm_access_denied",
        "team_access_not_granted",
        "user_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "messages_tab_disabled",
        "invalid_blocks",
        "invalid_blocks_format",
        "invalid_metadata_format",
        "invalid_metadata_schema",
        "metadata_too_large",
        "msg_too_long",
        "msg_blocks_too_long",
        "no_text",
        "too_many_attachments",
        "invalid_arguments",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "no_permission",
        "missing_scope",
        "not_allowed_token_type",
        "invalid_thread_ts",
        "thread_reply_not_available",
        "file_uploads_disabled",
        "file_upload_size_restricted",
    }
)
# The bot's token no longer works in that workspace: nothing more will go out there until it
# is reinstalled, whatever is sent.
TOKEN_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}
)
# The channel is closed to the bot (removed, deleted, archived): its project's owner is told.
CHANNEL_GONE_ERRORS = frozenset({"channel_not_found", "not_in_channel", "is_archived"})
# conversations.info's answers for a channel the bot may not see: only a private one hides so.
HIDDEN_CHANNEL_ERRORS = frozenset({"channel_not_found", "not_in_channel", "missing_scope"})
MEMBER_PAGE_SIZE = 1000  # conversations.members' largest page as Slack advises it
MEMBER_PAGES_MAX = 100  # a channel of 100,000 people; a cursor that never ends stops here
HISTORY_PAGE_SIZE = 200  # Slack's advice for conversations.history (its lowest tier gives 15)
HISTORY_PAGES_MAX = 5  # the messages since an interrupted send: a few pages at most
DELIVERY_EVENT = "pmo_delivery"  # message metadata type: marks a scheduled send by its key


@dataclass(frozen=True)
class SendResult:
    ok: bool
    channel: str | None = None
    ts: str | None = None
    error: str | None = None
    # The request may have reached Slack though no answer came back (a timeout, a dropped
    # connection, a 5xx): the message may be posted, so look for it before sending again.
    uncertain: bool = False

    @property
    def retryable(self) -> bool:
        return not self.ok and self.error not in PERMANENT_ERRORS

    @property
    def channel_gone(self) -> bool:
        return not self.ok and self.error in CHANNEL_GONE_ERRORS

    @property
    def token_gone(self) -> bool:
        return not self.ok and self.error in TOKEN_ERRORS


@dataclass(frozen=True)
class SlackUser:
    id: str
    name: str | None
    timezone: str | None


Blocks = list[dict[str, Any]]
View = dict[str, Any]


class SlackGateway(Protocol):
    """Everything the bot asks of Slack's Web API. Failures are logged and answered with
    None/False rather than raised: the caller decides what a failed send means."""

    def user_info(self, user_id: str) -> SlackUser | None:
        """The person's profile, or None when Slack can't tell us right now."""
        ...

    def post_message(
        self, channel: str, text: str, blocks: Blocks | None = None, thread_ts: str | None = None
    ) -> str | None:
        """Post to a channel or DM (in a thread when `thread_ts`); the message ts, or None."""
        ...

    def update_message(self, channel: str, ts: str, text: str, blocks: Blocks) -> bool:
        """Replace a message the bot posted (chat.update)."""
        ...

    def open_view(self, trigger_id: str, view: View) -> bool:
        """Open a modal in answer to a trigger (views.open)."""
        ...

    def update_view(self, view_id: str, view: View, hash: str | None = None) -> bool:
        """Replace an open modal (views.update); `hash` refuses to overwrite a newer version."""
        ...

    def publish_home(self, user_id: str, view: View) -> bool:
        """Publish a person's App Home tab (views.publish)."""
        ...

    def permalink(self, channel: str, ts: str) -> str | None:
        """A message's permalink (chat.getPermalink)."""
        ...

    def upload_file(
        self,
        channel: str,
        filename: str,
        content: bytes,
        title: str,
        comment: str,
        thread_ts: str | None = None,
    ) -> bool:
        """Share a file in a channel, or in a thread of it when `thread_ts` (files_upload_v2:
        the external-upload methods)."""
        ...

    def post_ephemeral(
        self, channel: str, user_id: str, text: str, blocks: Blocks | None = None
    ) -> bool:
        """A message in a channel only `user_id` sees (chat.postEphemeral)."""
        ...

    def send(
        self, channel: str, text: str, blocks: Blocks, key: str, thread_ts: str | None = None
    ) -> SendResult:
        """A scheduled send: the message carries `key` in its metadata, so it can be found.
        Only a 429 is retried (after its Retry-After): an answer that never came is left to
        the ledger, which looks for the message before sending again."""
        ...

    def send_file(
        self, channel: str, filename: str, content: bytes, title: str, thread_ts: str | None
    ) -> SendResult:
        """A scheduled file share (a digest's chart), retried like `send`; it is found again
        by its file name in the thread (see sent_since)."""
        ...

    def channel_members(self, channel: str) -> list[str] | None:
        """The user ids of the channel's members, every page (conversations.members; bots
        included), or None when Slack won't say (a private channel the bot isn't in, no such
        channel, Slack unreachable)."""
        ...

    def channel_is_private(self, channel: str) -> bool | None:
        """Whether the channel is closed to the rest of the workspace (conversations.info: a
        private channel, a DM or a group DM; one Slack won't show the bot counts as private),
        or None when Slack can't say now (rate limited, unreachable)."""
        ...

    def sent_since(
        self, channel: str, since: datetime, thread_ts: str | None = None
    ) -> dict[str, SendResult]:
        """What the bot's scheduled sends left in `channel` (a user id means their DM), or in
        the thread of `thread_ts`, since `since`: each message's delivery key (from its
        metadata), and `file:<name>` for each file shared. One read settles every interrupted
        send of that conversation. Raises LookupError when Slack can't say now."""
        ...


class SlackGateways(Protocol):
    """A gateway per workspace (OAuth mode: each speaks with its workspace's own bot token)."""

    def for_team(self, team_id: str) -> SlackGateway | None:
        """The workspace's gateway, or None when the app is not installed there."""
        ...

    def with_token(self, team_id: str, token: str) -> SlackGateway:
        """The workspace's gateway for a token already looked up (Bolt's, for a request)."""
        ...


class InstalledGateways:
    """One gateway per installed workspace. The token is looked up on every call, so a
    refreshed or revoked token is seen at once; a workspace's client is reused while its
    token stays the same."""

    def __init__(
        self, token_for: Callable[[str], str | None], base_url: str, send_wait: float
    ) -> None:
        self._token_for = token_for
        self._base_url = base_url
        self._send_wait = send_wait
        self._lock = threading.Lock()
        self._gateways: dict[str, tuple[str, WebApiGateway]] = {}

    def for_team(self, team_id: str) -> SlackGateway | None:
        token = self._token_for(team_id)
        if token is None:
            with self._lock:
                self._gateways.pop(team_id, None)
            return None
        return self.with_token(team_id, token)

    def with_token(self, team_id: str, token: str) -> SlackGateway:
        """The workspace's gateway for a token already looked up (Bolt's, for a request)."""
        with self._lock:
            cached = self._gateways.get(team_id)
            if cached is None or cached[0] != token:
                gateway = WebApiGateway(
                    make_web_client(token, self._base_url),
                    make_send_client(token, self._base_url, self._send_wait),
                )
                cached = (token, gateway)
                self._gateways[team_id] = cached
            return cached[1]


# Seconds a Web API call made before the answer may take (views.open, a permalink, Bolt's
# auth.test): Slack waits 3 s for the answer, and trigger ids die with it. Such calls are
# not retried either (a 429's Retry-After is often longer than that): they fail at once,
# and the answer says so or does without.
ACK_TIMEOUT = 2.0


def make_web_client(
    token: str | None, base_url: str, *, timeout: float = 10, retries: bool = True
) -> WebClient:
    """A WebClient that waits out 429s (Retry-After) and retries dropped connections; with
    `retries=False` (the answering client: see make_ack_client), one attempt only."""
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,  # type: ignore[arg-type]  # urllib takes any number of seconds
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=1),
        ]
        if retries
        else [],
    )


# Longest a scheduled send waits out 429s (their Retry-After, added up): far inside the time
# its claim is held for (PMO_CLAIM_STALE_SECONDS), so no other worker takes it over meanwhile.
SEND_WAIT_MAX = 60.0


class RateLimitRetry(RateLimitErrorRetryHandler):
    """Retries a 429 after its Retry-After while the waits add up to at most `max_wait`
    seconds; a longer one fails at once (the ledger tries again later)."""

    def __init__(self, max_wait: float, max_retry_count: int = 3):
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        values = state.custom_values if state.custom_values is not None else {}
        header = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), [])
        try:
            wait = float(header[0]) if header else 1.0
        except ValueError:
            wait = 1.0
        waited = float(values.get("waited", 0.0)) + wait
        if waited > self.max_wait:
            return False
        state.custom_values = values | {"waited": waited}
        return True


def make_send_client(
    token: str | None, base_url: str, max_wait: float = SEND_WAIT_MAX, *, timeout: float = 10
) -> WebClient:
    """The client of scheduled sends: 429s waited out (up to `max_wait` s in all), nothing
    else retried: a post whose answer was a 5xx, a timeout or a reset may have reached Slack,
    and only the ledger decides to send again."""
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,  # type: ignore[arg-type]  # urllib takes any number of seconds
        retry_handlers=[RateLimitRetry(max_wait)],
    )


def make_ack_client(token: str | None, base_url: str) -> WebClient:
    """The client for calls made before the answer: ACK_TIMEOUT, no retries."""
    return make_web_client(token, base_url, timeout=ACK_TIMEOUT, retries=False)


class WebApiGateway:
    """`client` for everything but scheduled sends, which go through `sending` (429s only
    retried; by default a client like `client` made so)."""

    def __init__(self, client: WebClient, sending: WebClient | None = None):
        self.client = client
        self._sending = sending

    @property
    def sending(self) -> WebClient:
        if self._sending is None:  # made when first needed: a request's gateway never sends
            client = self.client
            self._sending = make_send_client(client.token, client.base_url, timeout=client.timeout)
        return self._sending

    def user_info(self, user_id: str) -> SlackUser | None:
        try:
            response = self.client.users_info(user=user_id)
        except (SlackApiError, OSError) as error:
            log.warning("users.info failed for %s: %s", user_id, error)
            return None
        user: dict[str, Any] = response.get("user") or {}
        profile: dict[str, Any] = user.get("profile") or {}
        name = profile.get("display_name") or user.get("real_name") or user.get("name")
        return SlackUser(user_id, name or None, user.get("tz") or None)

    def post_message(
        self, channel: str, text: str, blocks: Blocks | None = None, thread_ts: str | None = None
    ) -> str | None:
        try:
            response = self.client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, thread_ts=thread_ts
            )
        except (SlackApiError, OSError) as error:
            log.warning("chat.postMessage to %s failed: %s", channel, error)
            return None
        ts = response.get("ts")
        return str(ts) if ts else None

    def update_message(self, channel: str, ts: str, text: str, blocks: Blocks) -> bool:
        return self._ok(
            "chat.update",
            lambda: self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks),
        )

    def open_view(self, trigger_id: str, view: View) -> bool:
        return self._ok(
            "views.open", lambda: self.client.views_open(trigger_id=trigger_id, view=view)
        )

    def update_view(self, view_id: str, view: View, hash: str | None = None) -> bool:
        return self._ok(
            "views.update",
            lambda: self.client.views_update(view_id=view_id, view=view, hash=hash),
        )

    def publish_home(self, user_id: str, view: View) -> bool:
        return self._ok(
            "views.publish", lambda: self.client.views_publish(user_id=user_id, view=view)
        )

    def permalink(self, channel: str, ts: str) -> str | None:
        try:
            response = self.client.chat_getPermalink(channel=channel, message_ts=ts)
        except (SlackApiError, OSError) as error:
            log.warning("chat.getPermalink for %s/%s failed: %s", channel, ts, error)
            return None
        link = response.get("permalink")
        return str(link) if link else None

    def upload_file(
        self,
        channel: str,
        filename: str,
        content: bytes,
        title: str,
        comment: str,
        thread_ts: str | None = None,
    ) -> bool:
        return self._ok(
            "files_upload_v2",
            lambda: self.client.files_upload_v2(
                channel=self._conversation(channel),
                filename=filename,
                content=content,
                title=title,
                initial_comment=comment,
                thread_ts=thread_ts,
            ),
        )

    def post_ephemeral(
        self, channel: str, user_id: str, text: str, blocks: Blocks | None = None
    ) -> bool:
        return self._ok(
            "chat.postEphemeral",
            lambda: self.client.chat_postEphemeral(
                channel=channel, user=user_id, text=text, blocks=blocks
            ),
        )

    def send(
        self, channel: str, text: str, blocks: Blocks, key: str, thread_ts: str | None = None
    ) -> SendResult:
        metadata = {"event_type": DELIVERY_EVENT, "event_payload": {"key": key}}
        try:
            response = self.sending.chat_postMessage(
                channel=channel, text=text, blocks=blocks, metadata=metadata, thread_ts=thread_ts
            )
        except Exception as error:  # every failure is an outcome for the ledger
            return _failed(f"send {key} to {channel}", error)
        return SendResult(ok=True, channel=response.get("channel"), ts=response.get("ts"))

    def send_file(
        self, channel: str, filename: str, content: bytes, title: str, thread_ts: str | None
    ) -> SendResult:
        where = f"upload {filename} to {channel}"
        try:  # nothing is shared until the last step: a failure before it is a sure one
            conversation = self._conversation(channel, self.sending)
            ticket = self.sending.files_getUploadURLExternal(filename=filename, length=len(content))
            url, file_id = ticket.get("upload_url"), ticket.get("file_id")
            if not url or not file_id:
                return _refused(where, "no_upload_url")
            request = urllib.request.Request(str(url), data=content, method="POST")
            with urllib.request.urlopen(request, timeout=30) as answer:  # Slack's
                answer.read()
        except Exception as error:
            return replace(_failed(where, error), uncertain=False)
        try:
            self.sending.files_completeUploadExternal(
                files=[{"id": file_id, "title": title}],
                channel_id=conversation,
                thread_ts=thread_ts,
            )
        except Exception as error:
            return _failed(where, error)
        return SendResult(ok=True, channel=conversation)

    def channel_members(self, channel: str) -> list[str] | None:
        members: list[str] = []
        cursor: str | None = None
        try:
            for _ in range(MEMBER_PAGES_MAX):
                response = self.client.conversations_members(
                    channel=channel, limit=MEMBER_PAGE_SIZE, cursor=cursor
                )
                members += [str(member) for member in response.get("members") or []]
                cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor:
                    break
            else:
                log.warning("conversations.members for %s: stopped after %d", channel, len(members))
        except (SlackApiError, OSError) as error:
            log.warning("conversations.members for %s failed: %s", channel, error)
            return None
        return list(dict.fromkeys(members))

    def channel_is_private(self, channel: str) -> bool | None:
        try:
            info = self.client.conversations_info(channel=channel).get("channel") or {}
        except SlackApiError as error:
            code = error.response.get("error") if error.response is not None else None
            if code in HIDDEN_CHANNEL_ERRORS:
                return True  # a public channel is visible to the bot: this one is not public
            log.warning("conversations.info for %s failed: %s", channel, error)
            return None
        except OSError as error:
            log.warning("conversations.info for %s failed: %r", channel, error)
            return None
        return any(bool(info.get(flag)) for flag in ("is_private", "is_im", "is_mpim", "is_group"))

    def sent_since(
        self, channel: str, since: datetime, thread_ts: str | None = None
    ) -> dict[str, SendResult]:
        found: dict[str, SendResult] = {}
        cursor: str | None = None
        try:
            channel = self._conversation(channel, self.sending)
            for _ in range(HISTORY_PAGES_MAX):
                oldest = f"{since.timestamp():.6f}"
                read: Callable[..., Any] = self.sending.conversations_history
                where: dict[str, Any] = {"channel": channel, "oldest": oldest, "cursor": cursor}
                if thread_ts:  # a thread's replies are not in the channel's history
                    read, where = self.sending.conversations_replies, where | {"ts": thread_ts}
                page = read(include_all_metadata=True, limit=HISTORY_PAGE_SIZE, **where)
                for message in page.get("messages") or []:
                    for marker in _markers(message):
                        found[marker] = SendResult(ok=True, channel=channel, ts=message.get("ts"))
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor:
                    break
        except Exception as error:  # Slack can't say now: asked again later
            raise LookupError(f"cannot read {channel}'s history: {error}") from error
        return found

    def _conversation(self, channel: str, client: WebClient | None = None) -> str:
        """A conversation id for `channel`; a user id (U…, W…) means their DM with the bot,
        opened (conversations.open) for the calls that take only conversation ids."""
        if not channel.startswith(("U", "W")):
            return channel
        opened = (client or self.client).conversations_open(users=channel)
        return str((opened.get("channel") or {}).get("id") or channel)

    def _ok(self, method: str, call: Callable[[], object]) -> bool:
        try:
            call()
        except Exception as error:  # a refusal, no answer, or a broken one (an upload's)
            log.warning("%s failed: %s", method, error)
            return False
        return True


def _markers(message: dict[str, Any]) -> list[str]:
    """What identifies a message as a scheduled send: its delivery key, its files' names."""
    metadata = message.get("metadata") or {}
    markers = []
    if metadata.get("event_type") == DELIVERY_EVENT:
        key = (metadata.get("event_payload") or {}).get("key")
        if key:
            markers.append(str(key))
    markers += [f"file:{f.get('name')}" for f in message.get("files") or [] if f.get("name")]
    return markers


def _failed(what: str, error: Exception) -> SendResult:
    """A scheduled send that raised: refused by Slack (sure, unless a 5xx), or unanswered —
    a timeout, a reset, a broken answer — so it may have been posted all the same."""
    if isinstance(error, SlackApiError):
        status = error.response.status_code
        code = str(error.response.get("error") or status)
        log.warning("%s refused: %s (HTTP %s)", what, code, status)
        return SendResult(ok=False, error=code, uncertain=status >= 500)
    log.warning("%s failed: %r", what, error)
    never_arrived = isinstance(getattr(error, "reason", error), ConnectionRefusedError)
    return SendResult(ok=False, error=type(error).__name__, uncertain=not never_arrived)


def _refused(what: str, code: str) -> SendResult:
    log.warning("%s refused: %s", what, code)
    return SendResult(ok=False, error=code)
