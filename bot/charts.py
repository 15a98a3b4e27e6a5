"""PNG charts for the weekly digest: the risk heat map and the action trend (`charts` extra)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.domain import ScoreBand

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# 800×600 px: 8×6 inches at 100 dpi.
SIZE_INCHES = (8.0, 6.0)
DPI = 100
# Where the heat map's 5×5 grid sits, as fractions of the figure (left, bottom, width, height);
# fixed rather than tight_layout so every PNG has the same geometry (tests sample cell colours).
HEAT_AXES = (0.2, 0.15, 0.76, 0.66)
GRID_CENTRE = HEAT_AXES[0] + HEAT_AXES[2] / 2
TREND_AXES = (0.09, 0.14, 0.88, 0.7)
LEVELS = ("very low", "low", "medium", "high", "very high")
# The Slack emoji the app shows beside a score (handlers/blocks/items.py), so chart and text agree.
BAND_COLOURS = {ScoreBand.HIGH: "#DD2E44", ScoreBand.MEDIUM: "#F4900C", ScoreBand.LOW: "#FDCB58"}
BAND_TEXT = {ScoreBand.HIGH: "white", ScoreBand.MEDIUM: "#1F1F1F", ScoreBand.LOW: "#1F1F1F"}
BAND_NAMES = {ScoreBand.HIGH: "high (15–25)", ScoreBand.MEDIUM: "medium (8–14)"}
BAND_NAMES[ScoreBand.LOW] = "low (1–7)"
OPENED_COLOUR, DONE_COLOUR = "#4A78C2", "#3A9A5B"
INK, FAINT = "#1F1F1F", "#6B6B6B"
HEAT_TITLE = "Open risks by likelihood × impact"
TREND_TITLE = "Actions opened vs done per week"
UNAVAILABLE = "charts need matplotlib: install the 'charts' extra (pip install 'pmo-bot[charts]')"


def available() -> bool:
    """True when matplotlib can be imported (the `charts` extra is installed)."""
    try:
        _figure()
    except RuntimeError:
        return False
    return True


def risk_heat_map(counts: Mapping[tuple[int, int], int]) -> bytes:
    """A 5×5 heat map: open risks counted by (likelihood, impact), each 1–5; cells by score band.

    Cells missing from `counts` are zero; keys outside 1–5 are a caller's mistake (ValueError)."""
    for likelihood, impact in counts:
        if not (1 <= likelihood <= 5 and 1 <= impact <= 5):
            raise ValueError(f"likelihood and impact run 1–5, not {(likelihood, impact)}")
    fig = _figure()
    ax = fig.add_axes(HEAT_AXES)
    from matplotlib.patches import Rectangle

    # One size for every count, so a cell's number never looks bigger for being longer.
    longest = max((len(_compact(n)) for n in counts.values() if n), default=1)
    size = 20 if longest <= 5 else 16
    for likelihood in range(1, 6):
        for impact in range(1, 6):
            score = likelihood * impact
            band = ScoreBand.of(score)
            corner = (impact - 0.5, likelihood - 0.5)
            colour = BAND_COLOURS[band]
            ax.add_patch(Rectangle(corner, 1, 1, facecolor=colour, edgecolor="white", linewidth=2))
            at = (impact - 0.44, likelihood + 0.42)
            ax.text(*at, str(score), ha="left", va="top", fontsize=8, color=BAND_TEXT[band])
            count = counts.get((likelihood, impact), 0)
            if count:
                label = _compact(count)
                ax.text(
                    impact,
                    likelihood,
                    label,
                    ha="center",
                    va="center",
                    fontsize=size,
                    fontweight="bold",
                    color=BAND_TEXT[band],
                )
    ax.set_xlim(0.5, 5.5)
    ax.set_ylim(0.5, 5.5)
    ax.set_xticks(range(1, 6), [f"{n}\n{word}" for n, word in enumerate(LEVELS, 1)])
    ax.set_yticks(range(1, 6), [f"{word}  {n}" for n, word in enumerate(LEVELS, 1)])
    ax.tick_params(length=0, labelsize=10, labelcolor=INK)
    ax.set_xlabel("Impact", fontsize=12, color=INK, labelpad=8)
    ax.set_ylabel("Likelihood", fontsize=12, color=INK, labelpad=10)
    for spine in ax.spines.values():
        spine.set_visible(False)
    bands = [(BAND_NAMES[band], BAND_COLOURS[band]) for band in ScoreBand]
    _header(fig, HEAT_TITLE, GRID_CENTRE, bands, "score = likelihood × impact")
    return _png(fig)


def action_trend(weeks: Sequence[tuple[date, int, int]]) -> bytes:
    """Grouped bars of actions opened and done per week: (week's Monday, opened, done), oldest
    first. An empty sequence, or weeks with nothing in them, draw an empty chart with a note."""
    fig = _figure()
    ax = fig.add_axes(TREND_AXES)
    from matplotlib.ticker import MaxNLocator

    positions = range(len(weeks))
    opened = [w[1] for w in weeks]
    done = [w[2] for w in weeks]
    width = 0.38
    ax.bar([x - width / 2 for x in positions], opened, width, color=OPENED_COLOUR)
    ax.bar([x + width / 2 for x in positions], done, width, color=DONE_COLOUR)
    ax.set_xticks(list(positions), _week_labels([w[0] for w in weeks]))
    ax.set_xlim(-0.6, max(len(weeks), 1) - 0.4)
    ax.set_ylim(0, max([*opened, *done, 4]) * 1.12)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax.yaxis.set_major_formatter(lambda value, _pos: _compact(round(value)))
    ax.tick_params(labelsize=10, labelcolor=INK, color=FAINT)
    ax.set_xlabel("Week starting", fontsize=12, color=INK, labelpad=8)
    ax.set_ylabel("Actions", fontsize=12, color=INK, labelpad=8)
    ax.grid(axis="y", color="#DDDDDD", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    # Keys drawn from the colours, not the bars: with no weeks there are no bars to take them from.
    _header(fig, TREND_TITLE, 0.5, [("opened", OPENED_COLOUR), ("done", DONE_COLOUR)])
    if not weeks:
        _note(ax, "no actions yet")
    elif not any(opened) and not any(done):
        _note(ax, "no actions opened or done in these weeks")
    return _png(fig)


def _figure() -> Figure:
    """A fresh figure on its own Agg canvas: no pyplot, so no global state and safe in threads."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as error:
        raise RuntimeError(UNAVAILABLE) from error
    fig = Figure(figsize=SIZE_INCHES, dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    # No "Software" (matplotlib's version) in the file: the same data give the same bytes.
    metadata: dict[str, Any] = {"Software": None}
    fig.savefig(buffer, format="png", dpi=DPI, metadata=metadata)
    fig.clear()
    return buffer.getvalue()


def _header(
    fig: Figure, title: str, x: float, keys: Sequence[tuple[str, str]], about: str | None = None
) -> None:
    """The bold title, and under it one row of colour keys (label, colour), centred on `x`."""
    from matplotlib.patches import Patch

    fig.suptitle(title, x=x, y=0.965, fontsize=16, fontweight="bold", color=INK)
    fig.legend(
        handles=[Patch(facecolor=colour, label=label) for label, colour in keys],
        loc="upper center",
        bbox_to_anchor=(x, 0.915),
        ncols=len(keys),
        frameon=False,
        fontsize=10.5,
        title=about,
        title_fontsize=10,
    )


def _compact(count: int) -> str:
    """Counts as people read them, short enough for a cell: 7, 5,000, 12,345, 250k, 3.4M."""
    if count < 100_000:
        return f"{count:,}"
    if count < 999_500:
        return f"{count / 1000:.0f}k"
    return f"{count / 1_000_000:.1f}M"


def _week_labels(mondays: Sequence[date]) -> list[str]:
    """`12 Oct`; the year goes under the first week and under the first week of a new year."""
    labels = []
    for index, monday in enumerate(mondays):
        label = f"{monday.day} {monday:%b}"
        if index == 0 or monday.year != mondays[index - 1].year:
            label += f"\n{monday.year}"
        labels.append(label)
    return labels


def _note(ax: Axes, text: str) -> None:
    ax.text(
        0.5,
        0.5,
        text,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=14,
        color=FAINT,
        fontstyle="italic",
    )
