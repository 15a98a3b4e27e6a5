"""`/pmo digest …`: the weekly digest's settings, and a digest posted now or previewed.

`now` and `preview` are answered at once with a note; the digest itself is composed and posted
after the answer (a Bolt lazy listener), since it takes several Web API calls: the parent, then
its replies in the parent's thread (`now`), or each as a message only the person sees
(`preview`).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_bolt import BoltContext, Respond

from bot.deps import Deps
from bot.domain import Actor
from bot.errors import UserError
from bot.services import digest as digests
from bot.services.digest_charts import digest_charts
from handlers.blocks.digest import digest_parts, render_part
from handlers.blocks.digest_settings import (
    render_digest_change,
    render_digest_coming,
    render_digest_settings,
)
from handlers.blocks.reply import Reply
from handlers.blocks.text import Viewer
from handlers.commands.context import actor_from_command, deps_of, first_word_is
from handlers.digest_grammar import (
    DigestCommand,
    DigestMentions,
    PostDigest,
    ScheduleDigest,
    ShowDigest,
    SwitchDigest,
)
from handlers.grammar import parse_pmo_command

log = logging.getLogger(__name__)


def run_digest_command(deps: Deps, actor: Actor, parsed: DigestCommand, viewer: Viewer) -> Reply:
    match parsed:
        case ShowDigest(project=slug):
            return render_digest_settings(digests.digest_settings(deps, actor, slug), viewer)
        case ScheduleDigest(day=day, at=at, project=slug):
            change = digests.change_digest(deps, actor, slug, day=day, at=at)
        case SwitchDigest(enabled=enabled, project=slug):
            change = digests.change_digest(deps, actor, slug, enabled=enabled)
        case DigestMentions(enabled=enabled, project=slug):
            change = digests.change_digest(deps, actor, slug, mentions=enabled)
        case PostDigest(preview=preview, project=slug):
            settings = digests.digest_settings(deps, actor, slug)
            return render_digest_coming(settings, preview=preview)
    return render_digest_change(change, viewer)


def post_digest(command: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """Lazy listener on `/pmo`: compose the digest and post it (or preview it) after the answer.

    Bolt runs it after `/pmo digest …` answers (see `asks_digest`), so it does nothing unless
    the text asks for a digest now; the answer already told the person about bad text or a
    missing project.
    """
    deps = deps_of(context)
    wanted = digest_request(command.get("text") or "", deps.clock.now())
    if wanted is None:
        return
    try:
        actor = actor_from_command(deps, command)
        digest = digests.digest_now(deps, actor, wanted.project)
    except UserError as error:
        log.info("digest not composed: %s", error)
        return
    except Exception:
        log.exception("digest failed for team %s", command.get("team_id", ""))
        respond(
            text=":face_with_head_bandage: I couldn't put the digest together: something went "
            "wrong on my side. Try `/pmo digest now` again in a moment.",
            response_type="ephemeral",
            replace_original=False,
        )
        return
    messages = [render_part(digest, part) for part in digest_parts(digest)]
    if wanted.preview:
        for text, blocks in messages:
            deps.slack.post_ephemeral(actor.channel_id, actor.user_id, text, blocks)
        return
    channel = digest.project.channel_id
    parent_text, parent_blocks = messages[0]
    ts = deps.slack.post_message(channel, parent_text, parent_blocks)
    if ts is None:
        respond(
            text=f":warning: I couldn't post the digest in <#{channel}>: Slack refused. If I'm "
            "not a member of that channel, invite me (`/invite @PMO Bot`) and try again.",
            response_type="ephemeral",
            replace_original=False,
        )
        return
    for text, blocks in messages[1:]:
        deps.slack.post_message(channel, text, blocks, thread_ts=ts)
    for chart in digest_charts(digest):
        deps.slack.upload_file(
            channel, chart.filename, chart.content, chart.title, chart.title, thread_ts=ts
        )


asks_digest = first_word_is("digest")


def digest_request(text: str, now: datetime) -> PostDigest | None:
    """The digest this `/pmo` text asks to post now, or None (a cheap look at the first word
    first, since the lazy listener sees every `/pmo` command)."""
    words = text.split(maxsplit=1)
    if not words or words[0].lower() != "digest":
        return None
    try:
        parsed = parse_pmo_command(text, now=now)
    except UserError:
        return None
    return parsed if isinstance(parsed, PostDigest) else None
