"""`/risk export` and kin: the ack says the CSV is coming; a lazy listener builds and shares it.

Slack wants the ack within 3 s and a large register takes longer to build and upload, so the
command listener only counts the items (one query) and answers at once; `upload_export` runs
after the ack in Bolt's lazy-listener thread.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_bolt import BoltContext, Respond

from bot.deps import Deps
from bot.domain import Actor, Kind
from bot.errors import UserError
from bot.services import export
from handlers.blocks.reply import Reply
from handlers.blocks.text import escape, plural
from handlers.commands.context import actor_from_command, deps_of, first_word_is
from handlers.grammar import ExportItems, parse_item_command

log = logging.getLogger(__name__)


def start_export(deps: Deps, actor: Actor, kind: Kind, project_slug: str | None) -> Reply:
    """The ack: which project, how many items, and that the file follows.

    Ephemeral: the file itself is shared in the channel with a comment naming who asked, so
    an in-channel "preparing…" would only say the same thing twice.
    """
    size = export.export_size(deps, actor, kind, project_slug)
    name = escape(size.project.name)
    if size.rows == 0:
        return Reply(f"*{name}* has no {kind.noun}s yet, so there is nothing to export.")
    where = "here" if size.to == actor.channel_id else "in our direct message"
    why = "" if size.to == actor.channel_id else f" (*{name}* is private to its channel)"
    return Reply(
        f"Preparing the CSV of {plural(size.rows, kind.noun)} for *{name}*; "
        f"it will appear {where} in a moment{why}."
    )


def upload_export(command: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """Lazy listener on the RAID commands: build the CSV and share it where it was asked for.

    Bolt runs it after every `/risk …` ack, so it does nothing unless the text is an export.
    Bolt's error handler does not reach lazy listeners (it would log one line and the person
    would wait for ever), hence the handling here.
    """
    kind = Kind.of_command(command["command"])
    deps = deps_of(context)
    wanted = export_request(kind, command.get("text") or "", deps.clock.now())
    if wanted is None:
        return
    team = command.get("team_id", "")
    try:
        actor = actor_from_command(deps, command)
        exported = export.export_csv(deps, actor, kind, wanted.project)
    except UserError as error:
        # The ack ran the same checks a moment ago and has told the person.
        log.info("%s export not built: %s", kind.command, error)
        return
    except Exception:
        log.exception("%s export failed for team %s", kind.command, team)
        respond(
            text=f":face_with_head_bandage: I couldn't build the CSV: something went wrong on my "
            f"side. Try `{kind.command} export` again in a moment.",
            response_type="ephemeral",
            replace_original=False,
        )
        return
    try:
        if exported.rows == 0:
            return  # emptied since the ack, which already said there was nothing
        comment = (
            f"{escape(exported.title)}: {plural(exported.rows, kind.noun)}, "
            f"exported by <@{actor.user_id}>."
        )
        # Slack's SDK sends a file from memory: the rows never were, only the finished bytes.
        shared = deps.slack.upload_file(
            exported.to, exported.filename, exported.content, exported.title, comment
        )
    finally:
        exported.discard()
    if not shared:
        respond(
            text=f":warning: I couldn't share the CSV here: Slack refused the upload. If I'm not "
            "a member of this channel, invite me (`/invite @PMO Bot`) and run "
            f"`{kind.command} export` again.",
            response_type="ephemeral",
            replace_original=False,
        )


asks_export = first_word_is("export")


def export_request(kind: Kind, text: str, now: datetime) -> ExportItems | None:
    """The export this command text asks for, or None: a cheap look at the first word first,
    since the lazy listener sees every command; bad export text was answered by the ack."""
    words = text.split(maxsplit=1)
    if not words or words[0].lower() != "export":
        return None
    try:
        parsed = parse_item_command(kind, text, now=now)
    except UserError:
        return None
    return parsed if isinstance(parsed, ExportItems) else None
