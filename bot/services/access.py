"""Private projects: one bound to a private channel is shown, exported and changed only by the
members of that channel. Slack says which channels are private (conversations.info, kept in
`projects.private`) and who is in them (conversations.members, remembered MEMBERS_TTL).

Nothing here waits on Slack inside a transaction: a check that needs Slack raises
AccessPending (the transaction rolls back, nothing is stored) after starting the look-up in the
background; `guarded` use-cases wait for it (ACCESS_WAIT) and run once more.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Hashable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, replace
from datetime import timedelta
from enum import Enum
from functools import wraps
from typing import ParamSpec, Protocol, TypeVar

from bot.deps import Deps
from bot.domain import Actor
from bot.errors import UserError
from storage.db import DatabaseUnavailable
from storage.models import Project
from storage.repositories import projects

log = logging.getLogger(__name__)
# How long a process trusts a channel's member list: someone removed from a private channel
# loses its project within this while (each worker asks Slack again after it).
MEMBERS_TTL = timedelta(minutes=2)
# Whether a channel is private is kept in the database; this only spares re-reading it.
PRIVACY_TTL = timedelta(hours=1)
# Seconds a request waits for Slack to say whether a person may use a private project (the
# answer usually comes in a tenth of that); past it they are asked to try again.
ACCESS_WAIT = 1.0
PRIVACY_PER_PASS = 50  # projects a scheduler pass asks Slack about (conversations.info each)
CHECKING = (
    ":hourglass: That project's channel may be private, and Slack hasn't told me yet whether "
    "you're in it. Nothing was changed; try again in a moment."
)

P = ParamSpec("P")
R = TypeVar("R")


class Guarded(Protocol):
    """What access is decided on: a project's channel and whether it is private (a stored
    Project, or the row a list's one read gives: storage.repositories.versions.Stamped)."""

    @property
    def channel_id(self) -> str: ...
    @property
    def private(self) -> bool | None: ...


class Verdict(Enum):
    ALLOWED = "allowed"
    NOT_MEMBER = "not a member"
    UNREADABLE = "members unreadable"  # a private channel whose members the bot can't read
    UNKNOWN = "unknown"  # Slack has not said yet


class AccessPending(UserError):
    """Slack has not yet said whether the actor may use a project; the look-up is running."""

    def __init__(self, looking: Future[None] | None):
        super().__init__(CHECKING)
        self.looking = looking

    def settled(self, seconds: float) -> bool:
        """Wait up to `seconds` for the look-up; True when it finished (whatever it found)."""
        return _finished(self.looking, seconds)


def guarded(use_case: Callable[P, R]) -> Callable[P, R]:
    """A use-case that checks access: when Slack must be asked first, wait for the answer
    (outside any transaction) and run it again, once."""

    @wraps(use_case)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return use_case(*args, **kwargs)
        except AccessPending as pending:
            if not pending.settled(ACCESS_WAIT):
                raise
        return use_case(*args, **kwargs)

    return run


def require_access(deps: Deps, actor: Actor, project: Project) -> None:
    """Refuse (a UserError saying why) unless `actor` may see and change `project`."""
    verdict = verdict_on(deps, actor, project)
    if verdict is Verdict.ALLOWED:
        return
    if verdict is Verdict.UNKNOWN:
        raise AccessPending(look_up(deps, actor.team_id, [project]))
    where = f"<#{project.channel_id}>"
    if verdict is Verdict.UNREADABLE:
        raise UserError(
            f"`{project.slug}` belongs to the private channel {where}, and I can't see who is "
            f"in it. Invite me there (`/invite @PMO Bot`) and try again; nothing was changed."
        )
    raise UserError(
        f"`{project.slug}` belongs to a private channel you're not in, so only its members "
        f"can see or change it. Ask one of them to add you to {where}; nothing was changed."
    )


def verdict_on(deps: Deps, actor: Actor, project: Guarded) -> Verdict:
    """What is known, without asking Slack, of whether `actor` may use `project`."""
    if actor.channel_id and actor.channel_id == project.channel_id:
        return Verdict.ALLOWED  # asked from the channel itself: Slack showed it to them
    now = deps.clock.now()
    private = _private(deps, actor.team_id, project)
    if private is None:
        return Verdict.UNKNOWN
    if not private:
        return Verdict.ALLOWED
    known = deps.memo.get(_members_key(actor.team_id, project.channel_id), now, MEMBERS_TTL)
    if known is None:
        return Verdict.UNKNOWN
    (members,) = known
    if members is None:
        return Verdict.UNREADABLE
    return Verdict.ALLOWED if actor.user_id in members else Verdict.NOT_MEMBER


def shared_to(deps: Deps, actor: Actor, project: Project) -> str:
    """Where what is read from `project` may be posted for `actor`: the channel they asked in,
    unless the project is private (or not known to be public) and that is not its own channel;
    then their DM with the bot (their user id)."""
    if actor.channel_id == project.channel_id:
        return actor.channel_id
    public = _private(deps, actor.team_id, project) is False
    return actor.channel_id if public else actor.user_id


def hidden_from(deps: Deps, actor: Actor, candidates: Collection[Project]) -> set[int]:
    """The ids of the `candidates` that `actor` may not see, for a listing: what Slack has not
    yet said is asked (waiting ACCESS_WAIT for all of it) and, if still unknown, hidden."""
    unknown = [p for p in candidates if verdict_on(deps, actor, p) is Verdict.UNKNOWN]
    if unknown:  # one look-up for the lot (the background runs a few jobs at once, not dozens)
        key = ("listing", actor.team_id, actor.user_id)
        _finished(look_up(deps, actor.team_id, unknown, key), ACCESS_WAIT)
    return {p.id for p in candidates if verdict_on(deps, actor, p) is not Verdict.ALLOWED}


def learn_now(deps: Deps, team_id: str, project: Project) -> None:
    """Ask Slack about a project just bound, waiting up to ACCESS_WAIT (outside any
    transaction): what it does not say by then is asked again at first need."""
    _finished(look_up(deps, team_id, [project]), ACCESS_WAIT)


def look_up(
    deps: Deps, team_id: str, about: Sequence[Project], key: Hashable | None = None
) -> Future[None] | None:
    """Ask Slack, in the background, about the projects' channels (by the patient client
    speaking for `team_id`; one look-up per `key` at a time, by default the one channel's);
    None when the background is full or the app is not installed there (asked next time)."""
    later = deps.after_answer()
    gateway = later.slack_for(team_id)
    if gateway is None:
        return None
    later = replace(later, slack=gateway, gateways=None)
    refs = [Known(p.id, p.channel_id, p.slug, p.private) for p in about]
    key = key or ("access", team_id, about[0].channel_id)
    return deps.background.once(key, lambda: learn(later, team_id, refs))


def settle_privacy(
    deps: Deps, limit: int = PRIVACY_PER_PASS, *, record: bool = True
) -> dict[int, bool]:
    """A scheduler pass asks Slack about up to `limit` projects whose privacy is unknown (bound
    before it was kept, or Slack did not answer at the time), so a scheduled portfolio knows
    which projects to leave out: what Slack said, by project id, stored unless not `record`.
    The first it can't answer for ends the pass's asking (Slack is struggling: the next pass
    asks again)."""
    with deps.db.read() as session:
        unknown = projects.privacy_unknown(session, limit)
    answers: dict[int, bool] = {}
    for team_id, project in unknown:
        gateway = deps.slack_for(team_id)
        if gateway is None:
            continue
        private = gateway.channel_is_private(project.channel_id)
        if private is None:
            log.warning(
                "Slack did not say whether %s is private: asked again next pass", project.slug
            )
            break
        answers[project.id] = private
    if answers and record:
        with deps.db.write() as session:
            projects.record_privacy(session, answers)
    return answers


@dataclass(frozen=True)
class Known:
    """What a look-up starts from: a project's channel and whether it is known to be private."""

    project_id: int
    channel: str
    slug: str
    private: bool | None


def learn(deps: Deps, team_id: str, about: Sequence[Known]) -> None:
    """Ask Slack whether each channel is private (when not known) and, for the private ones,
    who is in them; remember both (the privacy stored in one transaction). Runs in the
    background: failures are logged here, since nobody else sees them."""
    answers: dict[int, bool] = {}
    try:
        for known in about:
            private = known.private
            if private is None:
                private = deps.slack.channel_is_private(known.channel)
                if private is None:
                    log.warning("Slack did not say whether %s is private", known.channel)
                    continue
                deps.memo.put(_privacy_key(team_id, known.channel), private, deps.clock.now())
                answers[known.project_id] = private
            if private:
                found = deps.slack.channel_members(known.channel)
                readable = None if found is None else frozenset(found)
                deps.memo.put(_members_key(team_id, known.channel), (readable,), deps.clock.now())
        if answers:
            with deps.db.write() as session:
                projects.record_privacy(session, answers)
    except DatabaseUnavailable as error:  # remembered in this process; stored at the next ask
        log.warning("could not store which channels are private: %s", error)
    except Exception:
        log.exception("looking up who may use %s failed", ", ".join(k.slug for k in about))


def _finished(looking: Future[None] | None, seconds: float) -> bool:
    """Wait up to `seconds` for a look-up (None: none started); True when it finished,
    whatever it found."""
    if looking is None:
        return False
    try:
        looking.result(timeout=seconds)
    except FutureTimeout:
        return False
    except Exception:  # the look-up logs its own failure; the check then says "try again"
        return True
    return True


def _private(deps: Deps, team_id: str, project: Guarded) -> bool | None:
    """Whether the project's channel is private, as stored or (not yet stored) remembered."""
    if project.private is not None:
        return project.private
    key = _privacy_key(team_id, project.channel_id)
    found: bool | None = deps.memo.get(key, deps.clock.now(), PRIVACY_TTL)
    return found


def _privacy_key(team_id: str, channel: str) -> tuple[str, str, str]:
    return ("privacy", team_id, channel)


def _members_key(team_id: str, channel: str) -> tuple[str, str, str]:
    return ("members", team_id, channel)
