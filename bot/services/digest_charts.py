"""The digest's charts, when the optional `charts` extra is installed: the glue to `bot.charts`.

`bot.charts` (matplotlib) is imported only here and only when asked, so the bot runs, and the
digest goes out complete in text, without it.
"""

from __future__ import annotations

import importlib
import logging
from types import ModuleType

from bot.digest_domain import ChartFile, Digest

log = logging.getLogger(__name__)
HEAT_MAP = "risk-heat-map.png"
TREND = "action-trend.png"
CHART_FILES = (HEAT_MAP, TREND)  # in the order they are posted in the digest's thread


def charts_module() -> ModuleType | None:
    """`bot.charts` when it is installed and can draw, else None."""
    try:
        charts = importlib.import_module("bot.charts")
    except ImportError:
        return None
    return charts if bool(charts.available()) else None


def charts_available() -> bool:
    return charts_module() is not None


def digest_charts(digest: Digest) -> list[ChartFile]:
    """The risk heat map and the action trend as PNG files, or none without the charts extra."""
    charts = charts_module()
    if charts is None:
        return []
    heat_map = bytes(charts.risk_heat_map(dict(digest.heat_map)))
    trend = bytes(charts.action_trend(list(digest.action_trend)))
    name = digest.project.name
    return [
        ChartFile(HEAT_MAP, heat_map, f"{name}: open risks by likelihood and impact"),
        ChartFile(TREND, trend, f"{name}: actions opened and done, last 8 weeks"),
    ]
