"""Standup answers: one per member and day, posted under the day's one thread parent.

The parent is created exactly once however many members answer at the same moment: the
`standup_threads` row is claimed first (`INSERT … ON CONFLICT DO NOTHING`, `parent_ts` NULL)
and only the claimer posts. Whoever loses leaves its answer unposted (`posted_ts` NULL) for
`post_pending`, which the scheduler runs every tick. A claim older than CLAIM_TIMEOUT with no
parent was left by a creator that crashed, and is taken over.

Drawing is the Slack adapter's business: the posting functions take a `ThreadRenderer`
(handlers.blocks.standup_thread.THREAD), as the tick takes its renderer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol, overload

from sqlalchemy import Select, and_, bindparam, delete, func, select, tuple_, update
from sqlalchemy.orm import Session

from bot.dates import format_day
from bot.deps import Deps
from bot.domain import STANDUP_QUESTIONS_MAX, ProjectRef, StandupConfig, blocker_answer
from bot.errors import Conflict, NotFound, UserError
from bot.services.pacing import Pacing
from bot.services.scope import project_ref
from bot.services.standup_rows import to_config
from bot.services.submissions import ViewKey, first_submission
from storage.models import Delivery, Standup, StandupAnswer, StandupThread, Workspace
from storage.repositories import projects
from storage.repositories.dialect import upsert

log = logging.getLogger(__name__)

ANSWER_MAX = 2000  # characters per answer
QUESTIONS_MAX = STANDUP_QUESTIONS_MAX  # questions asked (and shown) at most
SOURCES = frozenset({"modal", "dm"})
CLAIM_TIMEOUT = timedelta(minutes=2)  # a parent claim this old with no parent: its creator died
PENDING_AFTER = timedelta(seconds=30)  # younger unposted answers may still be in a listener's hands
PENDING_BATCH = 200  # answers posted per `post_pending` call at most
PROMPT_DAYS = 2  # a plain DM answers a prompt sent this many days back at most
LATE_DAYS = 7  # answers to older standup days are refused: that standup is closed
PROMPT_PREFIX = "standup-prompt"  # delivery keys `standup-prompt:<team>:<standup>:<user>:<day>`
NO_ANSWER = "Answer at least one question."
_NUMBERING = re.compile(r"^\s*\d{1,2}[.)]\s+")

Drawn = tuple[str, list[dict[str, Any]]]  # fallback text, blocks
ThreadKey = tuple[int, date]  # standup id, day


class ThreadRenderer(Protocol):
    """Draws the thread's messages (handlers.blocks.standup_thread.THREAD)."""

    def parent(self, day: date, questions: Sequence[str]) -> Drawn: ...

    def answer(
        self,
        answer_id: int,
        user_id: str,
        questions: Sequence[str],
        answers: Sequence[str],
        blocker: int | None,
    ) -> Drawn: ...


@dataclass(frozen=True)
class AnswerRecord:
    """A stored answer; `replaced` when it took the place of an earlier one for that day."""

    id: int
    standup_id: int
    user_id: str
    day: date
    channel_id: str
    questions: tuple[str, ...]
    answers: tuple[str, ...]
    source: str
    posted_ts: str | None
    replaced: bool


@dataclass(frozen=True)
class AnswerForm:
    """What the answers modal shows: the questions and any answers already given."""

    standup_id: int
    day: date
    channel_id: str
    questions: tuple[str, ...]
    answers: tuple[str, ...]  # one per question, "" where none
    blocker: int | None  # the index of the question about blockers


@dataclass(frozen=True)
class DmAnswer:
    """What a DM to the bot came to. `outcome`: `posted`; `saved` (its thread parent is still
    being created: `post_pending` posts it shortly); `invalid` (see `problems`, as question and
    message); `no_prompt` (nothing to answer: the person gets help); `ignored` (an edit of a
    message that was not an answer, or of an answer to a closed standup)."""

    outcome: str
    channel_id: str | None = None
    day: date | None = None
    problems: tuple[tuple[str, str], ...] = ()
    replaced: bool = False


@dataclass(frozen=True)
class Blocker:
    """A blocker from a posted answer, to be logged as an issue in the channel's project."""

    answer_id: int
    user_id: str
    text: str
    channel_id: str
    day: date
    posted_ts: str | None
    project: ProjectRef | None


@dataclass(frozen=True)
class _Post:
    """An answer with what posting it needs."""

    id: int
    user_id: str
    day: date
    answers: tuple[str, ...]
    posted_ts: str | None
    config: StandupConfig
    parent_ts: str | None

    @property
    def thread(self) -> ThreadKey:
        return (self.config.id, self.day)


# -- pure rules ----------------------------------------------------------------------------------


def split_reply(text: str, questions: int) -> list[str]:
    """A DM reply as answers: one non-empty line per question, in order (a leading `1.` or `1)`
    is dropped); lines beyond the last question belong to it. With fewer lines than questions
    the lines can't be told apart, so the whole text answers the first question."""
    lines = [_NUMBERING.sub("", line).strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if questions <= 1 or len(lines) < questions:
        return [text.strip()]
    return [*lines[: questions - 1], "\n".join(lines[questions - 1 :])]


def answer_problems(answers: Sequence[str], questions: int) -> dict[int, str]:
    """What is wrong with these answers, by question index (empty: nothing)."""
    problems: dict[int, str] = {}
    for index, answer in enumerate(answers):
        if index >= questions:
            problems[index] = f"This standup asks {questions} questions only."
        elif len(answer.strip()) > ANSWER_MAX:
            size = len(answer.strip())
            problems[index] = f"That is {size:,} characters; the most is {ANSWER_MAX:,}."
    if not any(answer.strip() for answer in answers):
        problems[0] = NO_ANSWER
    return problems


# -- reading -----------------------------------------------------------------------------------


def answer_form(
    deps: Deps, *, team_id: str, user_id: str, standup_id: int, day: date
) -> AnswerForm:
    """The modal's content for this person's answers to the standup of `day`."""
    with deps.db.read() as session:
        standup = _standup(session, team_id, standup_id)
        _check_may_answer(session, team_id, standup, user_id, day, deps.clock.now())
        config = to_config(standup, team_id)
        given = session.scalar(
            select(StandupAnswer.answers).where(
                StandupAnswer.standup_id == standup_id,
                StandupAnswer.user_id == user_id,
                StandupAnswer.day == day,
            )
        )
    questions = config.questions[:QUESTIONS_MAX]
    answers = tuple((list(given or []) + [""] * len(questions))[: len(questions)])
    return AnswerForm(
        standup_id, day, config.channel_id, questions, answers, _blocker_index(config)
    )


def prompted_standup(deps: Deps, team_id: str, user_id: str, now: datetime) -> ThreadKey | None:
    """The standup and day this person was most recently prompted for (a prompt sent, its day
    at most PROMPT_DAYS before `now`'s date), if that standup still exists."""
    since = now.date() - timedelta(days=PROMPT_DAYS)
    prefix = f"{PROMPT_PREFIX}:{team_id}:"
    with deps.db.read() as session:
        rows = session.execute(
            select(Delivery.key)
            .where(
                Delivery.key.startswith(prefix, autoescape=True),
                Delivery.target == user_id,
                Delivery.status == "sent",
                Delivery.local_day >= since,
            )
            .order_by(Delivery.local_day.desc(), Delivery.sent_at.desc(), Delivery.id.desc())
            .limit(20)
        ).scalars()
        prompts = [key for key in (_prompt_of(row) for row in rows) if key is not None]
        if not prompts:
            return None
        alive = set(
            session.scalars(
                select(Standup.id)
                .join(Workspace, Workspace.id == Standup.workspace_id)
                .where(Standup.id.in_({sid for sid, _ in prompts}), Workspace.team_id == team_id)
            )
        )
    return next((prompt for prompt in prompts if prompt[0] in alive), None)


def blocker_of(deps: Deps, *, team_id: str, answer_id: int) -> Blocker:
    """The blocker in an answer, with the project of the standup's channel (None: none yet)."""
    with deps.db.read() as session:
        found = session.execute(
            select(StandupAnswer, Standup)
            .join(Standup, Standup.id == StandupAnswer.standup_id)
            .join(Workspace, Workspace.id == Standup.workspace_id)
            .where(StandupAnswer.id == answer_id, Workspace.team_id == team_id)
        ).first()
        if found is None:
            raise NotFound("That standup answer no longer exists.")
        answer, standup = found
        text = blocker_answer(to_config(standup, team_id), tuple(answer.answers))
        if text is None:
            raise Conflict("That answer names no blocker any more: it was edited.")
        project = projects.by_channel(session, standup.workspace_id, standup.channel_id)
        return Blocker(
            answer.id,
            answer.user_id,
            text,
            standup.channel_id,
            answer.day,
            answer.posted_ts,
            project_ref(project) if project is not None else None,
        )


# -- storing -----------------------------------------------------------------------------------


@overload
def record_answer(
    deps: Deps,
    *,
    team_id: str,
    user_id: str,
    standup_id: int,
    day: date,
    answers: list[str],
    source: str,
    dm_ts: str | None = None,
) -> AnswerRecord: ...
@overload
def record_answer(
    deps: Deps,
    *,
    team_id: str,
    user_id: str,
    standup_id: int,
    day: date,
    answers: list[str],
    source: str,
    dm_ts: str | None = None,
    view: ViewKey,
) -> AnswerRecord | None: ...
def record_answer(
    deps: Deps,
    *,
    team_id: str,
    user_id: str,
    standup_id: int,
    day: date,
    answers: list[str],
    source: str,
    dm_ts: str | None = None,
    view: ViewKey | None = None,
) -> AnswerRecord | None:
    """Store the person's answers for the standup of `day`, replacing any given before (the
    post, if any, is kept so it can be updated in place). Anyone listed as a member or prompted
    for this standup may answer. From the form (`view`), None when that submission was stored
    already: nothing more is."""
    if source not in SOURCES:
        raise ValueError(f"unknown answer source {source!r}")
    now = deps.clock.now()
    cleaned = [answer.replace("\x00", "").strip() for answer in answers]
    with deps.db.write() as session:
        if not first_submission(session, view, now):
            return None
        standup = _standup(session, team_id, standup_id)
        config = to_config(standup, team_id)
        questions = config.questions[:QUESTIONS_MAX]
        problems = answer_problems(cleaned, len(questions))
        if problems:
            index, message = min(problems.items())
            raise UserError(message if message == NO_ANSWER else _about(questions, index, message))
        _check_may_answer(session, team_id, standup, user_id, day, now)
        padded = cleaned + [""] * (len(questions) - len(cleaned))
        where = (
            StandupAnswer.standup_id == standup_id,
            StandupAnswer.user_id == user_id,
            StandupAnswer.day == day,
        )
        replaced = session.scalar(select(StandupAnswer.id).where(*where)) is not None
        stmt = upsert(session, StandupAnswer).values(
            workspace_id=standup.workspace_id,
            standup_id=standup_id,
            user_id=user_id,
            day=day,
            answers=padded,
            source=source,
            dm_ts=dm_ts,
            posted_ts=None,
            created_at=now,
            updated_at=now,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[StandupAnswer.standup_id, StandupAnswer.user_id, StandupAnswer.day],
            set_={
                "answers": stmt.excluded.answers,
                "source": stmt.excluded.source,
                # An edit in the modal keeps following the DM the answer first came from.
                "dm_ts": func.coalesce(stmt.excluded.dm_ts, StandupAnswer.dm_ts),
                "updated_at": stmt.excluded.updated_at,
            },
        )
        row = session.execute(stmt.returning(StandupAnswer.id, StandupAnswer.posted_ts)).one()
    return AnswerRecord(
        row.id,
        standup_id,
        user_id,
        day,
        config.channel_id,
        questions,
        tuple(padded),
        source,
        row.posted_ts,
        replaced,
    )


# -- posting -----------------------------------------------------------------------------------


def post_answer(deps: Deps, answer_id: int, *, render: ThreadRenderer) -> bool:
    """Post the answer in its day's thread, creating the parent if nobody has (or update the
    post when it was posted before). False when it was left for `post_pending`: the parent is
    being created by someone else, or Slack failed."""
    with deps.db.read() as session:
        found = _load(session, [answer_id])
    if not found:
        return False
    post = found[0]
    if post.posted_ts is not None:
        text, blocks = _draw_answer(render, post)
        slack = deps.slack_for(post.config.team_id)
        return slack is not None and slack.update_message(
            post.config.channel_id, post.posted_ts, text, blocks
        )
    parent = _ensure_parents(deps, found, render).get(post.thread)
    if parent is None:
        return False
    text, blocks = _draw_answer(render, post)
    ts = _post(deps, post.config.team_id, post.config.channel_id, text, blocks, parent)
    if ts is None:
        log.warning("standup answer %s not posted: Slack refused it; retried later", post.id)
        return False
    _record_posted(deps, {post.id: ts})
    return True


def post_pending(
    deps: Deps, older_than: timedelta = PENDING_AFTER, *, render: ThreadRenderer
) -> int:
    """Post every answer still unposted `older_than` after it was last touched (younger ones
    are a listener's business), creating the threads' parents as needed; how many were posted.

    A fixed number of queries, and one Slack call per answer (and per parent created). The
    answers are claimed by touching `updated_at`, so a second worker leaves them alone.
    """
    now = deps.clock.now()
    with deps.db.write() as session:
        ids = list(
            session.scalars(
                select(StandupAnswer.id)
                .where(
                    StandupAnswer.posted_ts.is_(None),
                    StandupAnswer.updated_at < now - older_than,
                    StandupAnswer.workspace_id.not_in(_uninstalled_workspaces()),
                )
                .order_by(StandupAnswer.id)
                .limit(PENDING_BATCH)
            )
        )
        if not ids:
            return 0
        session.execute(
            update(StandupAnswer)
            .where(StandupAnswer.id.in_(ids), StandupAnswer.posted_ts.is_(None))
            .values(updated_at=now)
            .execution_options(synchronize_session=False)
        )
        pending = _load(session, ids)
    pacing = Pacing(deps.clock, deps.settings.send_rate)  # a second a channel, as Slack asks
    parents = _ensure_parents(deps, pending, render, pacing)
    posted: dict[int, str] = {}
    try:
        for post in pending:
            parent = parents.get(post.thread)
            if parent is None:
                continue
            text, blocks = _draw_answer(render, post)
            config = post.config
            ts = _post(deps, config.team_id, config.channel_id, text, blocks, parent, pacing)
            if ts is not None:
                posted[post.id] = ts
    finally:
        _record_posted(deps, posted)
    return len(posted)


# -- use-cases for the DM --------------------------------------------------------------------


def answer_by_dm(
    deps: Deps, *, team_id: str, user_id: str, text: str, dm_ts: str, render: ThreadRenderer
) -> DmAnswer:
    """A plain DM reply: the answers to the person's latest prompt (see `split_reply`)."""
    prompted = prompted_standup(deps, team_id, user_id, deps.clock.now())
    if prompted is None:
        return DmAnswer("no_prompt")
    standup_id, day = prompted
    return _answer_with(deps, team_id, user_id, standup_id, day, text, dm_ts, render)


def edit_by_dm(
    deps: Deps, *, team_id: str, user_id: str, text: str, dm_ts: str, render: ThreadRenderer
) -> DmAnswer:
    """An edited DM: when it was an answer, the answer is replaced and its post updated."""
    with deps.db.read() as session:
        found = session.execute(
            select(StandupAnswer.standup_id, StandupAnswer.day)
            .join(Standup, Standup.id == StandupAnswer.standup_id)
            .join(Workspace, Workspace.id == Standup.workspace_id)
            .where(
                Workspace.team_id == team_id,
                StandupAnswer.user_id == user_id,
                StandupAnswer.dm_ts == dm_ts,
            )
            .order_by(StandupAnswer.day.desc())
            .limit(1)
        ).first()
    if found is None or _closed(found.day, deps.clock.now()):
        return DmAnswer("ignored")
    return _answer_with(deps, team_id, user_id, found.standup_id, found.day, text, dm_ts, render)


def _answer_with(
    deps: Deps,
    team_id: str,
    user_id: str,
    standup_id: int,
    day: date,
    text: str,
    dm_ts: str,
    render: ThreadRenderer,
) -> DmAnswer:
    form = answer_form(deps, team_id=team_id, user_id=user_id, standup_id=standup_id, day=day)
    answers = split_reply(text, len(form.questions))
    problems = answer_problems(answers, len(form.questions))
    if problems:
        listed = tuple(
            (form.questions[i] if i < len(form.questions) else "", message)
            for i, message in sorted(problems.items())
        )
        return DmAnswer("invalid", form.channel_id, day, problems=listed)
    record = record_answer(
        deps,
        team_id=team_id,
        user_id=user_id,
        standup_id=standup_id,
        day=day,
        answers=answers,
        source="dm",
        dm_ts=dm_ts,
    )
    posted = post_answer(deps, record.id, render=render)
    return DmAnswer("posted" if posted else "saved", form.channel_id, day, (), record.replaced)


# -- internals ---------------------------------------------------------------------------------


def _standup(session: Session, team_id: str, standup_id: int) -> Standup:
    standup = session.scalar(
        select(Standup)
        .join(Workspace, Workspace.id == Standup.workspace_id)
        .where(Standup.id == standup_id, Workspace.team_id == team_id)
    )
    if standup is None:
        raise NotFound("That standup no longer exists: it was turned off or removed.")
    return standup


def _check_may_answer(
    session: Session, team_id: str, standup: Standup, user_id: str, day: date, now: datetime
) -> None:
    """Members listed, and anyone prompted for this standup (lenient: lists change)."""
    if _closed(day, now):
        raise UserError(
            f"The standup of {format_day(day)} is closed; answer a more recent prompt instead."
        )
    if user_id in standup.members:
        return
    prefix = f"{PROMPT_PREFIX}:{team_id}:{standup.id}:{user_id}:"
    prompted = session.scalar(
        select(Delivery.id).where(Delivery.key.startswith(prefix, autoescape=True)).limit(1)
    )
    if prompted is None:
        raise UserError(
            f"You are not in <#{standup.channel_id}>'s standup; ask whoever runs it to add you."
        )


def _closed(day: date, now: datetime) -> bool:
    today = now.date()
    return day < today - timedelta(days=LATE_DAYS) or day > today + timedelta(days=1)


def _blocker_index(config: StandupConfig) -> int | None:
    index = config.blocker_index()
    return index if index is not None and index < QUESTIONS_MAX else None


def _about(questions: Sequence[str], index: int, message: str) -> str:
    if index < len(questions):
        return f"“{questions[index]}”: {message}"
    return message


def _prompt_of(key: str) -> ThreadKey | None:
    """`standup-prompt:<team>:<standup id>:<user>:<ISO day>` -> (standup id, day)."""
    parts = key.split(":")
    if len(parts) != 5 or not parts[2].isdecimal():
        return None
    try:
        return int(parts[2]), date.fromisoformat(parts[4])
    except ValueError:
        return None


def _load(session: Session, ids: Iterable[int]) -> list[_Post]:
    """The answers with their standups and their threads' parents, in one query."""
    stmt = (
        select(StandupAnswer, Standup, Workspace.team_id, StandupThread.parent_ts)
        .join(Standup, Standup.id == StandupAnswer.standup_id)
        .join(Workspace, Workspace.id == Standup.workspace_id)
        .outerjoin(
            StandupThread,
            and_(
                StandupThread.standup_id == StandupAnswer.standup_id,
                StandupThread.day == StandupAnswer.day,
            ),
        )
        .where(StandupAnswer.id.in_(list(ids)))
        .order_by(StandupAnswer.id)
    )
    return [
        _Post(
            answer.id,
            answer.user_id,
            answer.day,
            tuple(answer.answers),
            answer.posted_ts,
            to_config(standup, team_id),
            parent_ts,
        )
        for answer, standup, team_id, parent_ts in session.execute(stmt)
    ]


def _ensure_parents(
    deps: Deps, posts: Sequence[_Post], render: ThreadRenderer, pacing: Pacing | None = None
) -> dict[ThreadKey, str]:
    """The parent ts of each post's thread, posting the parents nobody has claimed (or whose
    claim went stale); threads another creator is still posting are left out."""
    wanted = {post.thread: post for post in posts}
    known = {post.thread: post.parent_ts for post in posts if post.parent_ts}
    todo = [key for key in wanted if key not in known]
    if not todo:
        return known
    now = deps.clock.now()
    keys = tuple_(StandupThread.standup_id, StandupThread.day)
    with deps.db.write() as session:
        rows = session.execute(
            select(StandupThread.standup_id, StandupThread.day, StandupThread.parent_ts).where(
                keys.in_(todo)
            )
        )
        existing = {(standup_id, day): ts for standup_id, day, ts in rows}
        known |= {key: ts for key, ts in existing.items() if ts}
        won: set[ThreadKey] = set()
        fresh = [key for key in todo if key not in existing]
        if fresh:
            claim = upsert(session, StandupThread).values(
                [
                    {
                        "standup_id": standup_id,
                        "day": day,
                        "channel_id": wanted[(standup_id, day)].config.channel_id,
                        "parent_ts": None,
                        "claimed_at": now,
                    }
                    for standup_id, day in fresh
                ]
            )
            inserted = session.execute(
                claim.on_conflict_do_nothing().returning(
                    StandupThread.standup_id, StandupThread.day
                )
            )
            won |= set(inserted)
        waiting = [key for key, ts in existing.items() if not ts]
        if waiting:
            taken = session.execute(
                update(StandupThread)
                .where(
                    keys.in_(waiting),
                    StandupThread.parent_ts.is_(None),
                    StandupThread.claimed_at < now - CLAIM_TIMEOUT,
                )
                .values(claimed_at=now)
                .returning(StandupThread.standup_id, StandupThread.day)
                .execution_options(synchronize_session=False)
            )
            won |= set(taken)
    for key in todo:
        if key not in known and key not in won:
            log.info("standup thread %s is being created elsewhere: answers wait", key)
    created: dict[ThreadKey, str | None] = {}
    for key in sorted(won):
        post = wanted[key]
        text, blocks = render.parent(post.day, post.config.questions[:QUESTIONS_MAX])
        config = post.config
        created[key] = _post(deps, config.team_id, config.channel_id, text, blocks, None, pacing)
    _record_parents(deps, created, now)
    return known | {key: ts for key, ts in created.items() if ts}


def _post(
    deps: Deps,
    team_id: str,
    channel: str,
    text: str,
    blocks: list[dict[str, Any]],
    thread_ts: str | None = None,
    pacing: Pacing | None = None,
) -> str | None:
    """Post as the standup's workspace (its own token in OAuth mode); None if it can't be.
    With `pacing` (the worker's catching up), in the channel's turn."""
    slack = deps.slack_for(team_id)
    if slack is None:
        return None
    if pacing is None:
        return slack.post_message(channel, text, blocks, thread_ts=thread_ts)
    with pacing.turn((team_id, channel)):
        return slack.post_message(channel, text, blocks, thread_ts=thread_ts)


def _uninstalled_workspaces() -> Select[int]:
    """Answers of a workspace the app was uninstalled from wait (kept) until a reinstall."""
    return select(Workspace.id).where(Workspace.uninstalled_at.is_not(None))


def _record_parents(deps: Deps, created: Mapping[ThreadKey, str | None], claimed: datetime) -> None:
    """Keep the parents posted; give back the claims whose post failed, for the next try."""
    if not created:
        return
    posted = [{"sid": k[0], "d": k[1], "ts": ts} for k, ts in created.items() if ts]
    failed = [{"sid": k[0], "d": k[1], "claimed": claimed} for k, ts in created.items() if not ts]
    with deps.db.write() as session:
        connection = session.connection()
        if posted:
            connection.execute(
                update(StandupThread)
                .where(
                    StandupThread.standup_id == bindparam("sid"),
                    StandupThread.day == bindparam("d"),
                    StandupThread.parent_ts.is_(None),
                )
                .values(parent_ts=bindparam("ts")),
                posted,
            )
        if failed:
            log.warning("standup thread parents not posted (Slack refused): %s", sorted(created))
            connection.execute(
                delete(StandupThread).where(
                    StandupThread.standup_id == bindparam("sid"),
                    StandupThread.day == bindparam("d"),
                    StandupThread.parent_ts.is_(None),
                    StandupThread.claimed_at == bindparam("claimed"),
                ),
                failed,
            )


def _record_posted(deps: Deps, posted: Mapping[int, str]) -> None:
    if not posted:
        return
    with deps.db.write() as session:
        session.connection().execute(
            update(StandupAnswer)
            .where(StandupAnswer.id == bindparam("answer_id"), StandupAnswer.posted_ts.is_(None))
            .values(posted_ts=bindparam("ts")),
            [{"answer_id": answer_id, "ts": ts} for answer_id, ts in posted.items()],
        )


def _draw_answer(render: ThreadRenderer, post: _Post) -> Drawn:
    """A blocker (as `bot.domain.blocker_answer` tells one: "none", "no", "-"… are not) is
    highlighted, with a button to log it as an issue."""
    questions = post.config.questions[:QUESTIONS_MAX]
    named = blocker_answer(post.config, post.answers) is not None
    blocker = _blocker_index(post.config) if named else None
    return render.answer(post.id, post.user_id, questions, post.answers, blocker)
