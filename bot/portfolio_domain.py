"""Domain values of the weekly portfolio digest: where and when it goes out, and changes to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time

from bot.digest_domain import DAY_NAMES

DEFAULT_DAY = 4  # Friday
DEFAULT_TIME = time(16, 0)


@dataclass(frozen=True)
class PortfolioDigestSettings:
    """One channel's weekly portfolio: weekday (Monday 0) and time in `timezone` (that of
    whoever set it), who set it, and when it next goes out."""

    channel_id: str
    day: int
    at: time
    timezone: str
    created_by: str
    next_at: datetime

    @property
    def day_name(self) -> str:
        return DAY_NAMES[self.day]


@dataclass(frozen=True)
class PortfolioDigestChange:
    """The outcome of `/pmo portfolio digest #channel …` or `… off`: the digest as it is now
    (or as it was, when `stopped`); `changes` maps `day`, `time`, `zone` to [old, new]."""

    settings: PortfolioDigestSettings
    actor_id: str
    created: bool = False
    stopped: bool = False
    changes: dict[str, list[str]] = field(default_factory=dict)
