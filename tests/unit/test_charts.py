"""The digest's PNG charts: size, determinism, band colours, odd inputs, and no matplotlib."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from matplotlib.image import imread

from bot import charts
from bot.domain import ScoreBand

REPO_ROOT = Path(__file__).resolve().parents[2]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WIDTH, HEIGHT = 800, 600
ALL_CELLS = [(likelihood, impact) for likelihood in range(1, 6) for impact in range(1, 6)]
MONDAY = date(2026, 10, 12)


def pixels(png: bytes) -> np.ndarray:
    """RGB floats 0–1, rows top to bottom."""
    assert png.startswith(PNG_SIGNATURE)
    image = imread(io.BytesIO(png), format="png")
    return np.asarray(image[:, :, :3])


def cell_pixel(likelihood: int, impact: int, dx: float = 0.0, dy: float = 0.0) -> tuple[int, int]:
    """(row, column) of a point in a cell; dx, dy in cell widths from its centre, dy upwards."""
    left, bottom, width, height = charts.HEAT_AXES
    x = left + width * (impact - 0.5 + dx) / 5
    y = bottom + height * (likelihood - 0.5 + dy) / 5
    return round((1 - y) * HEIGHT), round(x * WIDTH)


def same_colour(pixel: np.ndarray, colour: str) -> bool:
    return bool(np.abs(pixel - np.array(to_rgb(colour))).max() <= 1.5 / 255)


def weeks(*pairs: tuple[int, int]) -> list[tuple[date, int, int]]:
    return [(MONDAY + timedelta(weeks=i), o, d) for i, (o, d) in enumerate(pairs)]


def test_charts_are_available_with_the_test_extra() -> None:
    assert charts.available()


@pytest.mark.parametrize(
    "png",
    [
        pytest.param(lambda: charts.risk_heat_map({(3, 4): 2}), id="heat"),
        pytest.param(lambda: charts.risk_heat_map({}), id="heat-empty"),
        pytest.param(lambda: charts.risk_heat_map(dict.fromkeys(ALL_CELLS, 5000)), id="heat-huge"),
        pytest.param(lambda: charts.action_trend(weeks((3, 1), (0, 4))), id="trend"),
        pytest.param(lambda: charts.action_trend([]), id="trend-empty"),
        pytest.param(lambda: charts.action_trend(weeks(*[(0, 0)] * 8)), id="trend-zero"),
        pytest.param(lambda: charts.action_trend(weeks((5000, 4000), (10**7, 0))), id="trend-huge"),
    ],
)
def test_every_chart_is_an_800_by_600_png(png: Callable[[], bytes]) -> None:
    assert pixels(png()).shape == (HEIGHT, WIDTH, 3)


def test_same_data_give_the_same_bytes_and_carry_no_version() -> None:
    heat = {(1, 1): 2, (5, 5): 1}
    assert charts.risk_heat_map(heat) == charts.risk_heat_map(dict(heat))
    trend = weeks((3, 1), (4, 4))
    assert charts.action_trend(trend) == charts.action_trend(list(trend))
    assert b"matplotlib" not in charts.risk_heat_map(heat)
    assert b"matplotlib" not in charts.action_trend(trend)


def test_different_data_give_different_pictures() -> None:
    assert charts.risk_heat_map({(2, 2): 1}) != charts.risk_heat_map({(2, 2): 2})
    assert charts.risk_heat_map({(2, 2): 1}) != charts.risk_heat_map({(2, 3): 1})
    assert charts.action_trend(weeks((3, 1))) != charts.action_trend(weeks((3, 2)))
    assert charts.action_trend(weeks((3, 1))) != charts.action_trend([])


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (1, ScoreBand.LOW),
        (7, ScoreBand.LOW),
        (8, ScoreBand.MEDIUM),
        (14, ScoreBand.MEDIUM),
        (15, ScoreBand.HIGH),
        (25, ScoreBand.HIGH),
    ],
    ids=str,
)
def test_score_bands(score: int, band: ScoreBand) -> None:
    assert ScoreBand.of(score) is band


def test_each_cell_is_coloured_by_its_score_band_and_empty_cells_are_blank() -> None:
    image = pixels(charts.risk_heat_map({}))
    expected = {
        (1, 1): "#FDCB58",
        (2, 3): "#FDCB58",
        (1, 5): "#FDCB58",
        (2, 4): "#F4900C",
        (3, 3): "#F4900C",
        (2, 5): "#F4900C",
        (3, 5): "#DD2E44",
        (4, 4): "#DD2E44",
        (5, 5): "#DD2E44",
    }
    for likelihood, impact in ALL_CELLS:
        band = ScoreBand.of(likelihood * impact)
        colour = charts.BAND_COLOURS[band]
        assert expected.get((likelihood, impact), colour) == colour
        top, left = cell_pixel(likelihood, impact, -0.3, 0.3)
        bottom, right = cell_pixel(likelihood, impact, 0.3, -0.3)
        middle = image[top:bottom, left:right].reshape(-1, 3)
        assert all(same_colour(pixel, colour) for pixel in middle), (likelihood, impact)


def test_zero_counts_are_left_blank() -> None:
    assert charts.risk_heat_map(dict.fromkeys(ALL_CELLS, 0)) == charts.risk_heat_map({})


def test_counts_are_written_in_their_cells_and_not_elsewhere() -> None:
    image = pixels(charts.risk_heat_map({(4, 2): 3}))
    blank = pixels(charts.risk_heat_map({}))
    written = np.argwhere(np.abs(image - blank).max(axis=2) > 0.1)
    top, left = cell_pixel(4, 2, -0.5, 0.5)
    bottom, right = cell_pixel(4, 2, 0.5, -0.5)
    assert len(written) > 50  # a bold "3" at 20 pt
    assert all(top < row < bottom and left < column < right for row, column in written)
    band = charts.BAND_COLOURS[ScoreBand.of(8)]
    assert same_colour(image[cell_pixel(4, 2, 0.3, -0.3)], band)


@pytest.mark.parametrize("count", [5000, 99_999, 999_499, 5_000_000], ids=str)
def test_huge_counts_stay_inside_their_cells(count: int) -> None:
    image = pixels(charts.risk_heat_map(dict.fromkeys(ALL_CELLS, count)))
    for likelihood in range(1, 6):
        for impact in range(1, 5):
            # The white line between two cells, at the height of their counts.
            gap = image[cell_pixel(likelihood, impact, 0.5, 0.0)]
            assert same_colour(gap, "white"), (count, likelihood, impact, gap)


@pytest.mark.parametrize(
    ("count", "label"),
    [
        (0, "0"),
        (7, "7"),
        (5000, "5,000"),
        (99_999, "99,999"),
        (100_000, "100k"),
        (999_499, "999k"),
        (999_500, "1.0M"),
        (3_400_000, "3.4M"),
    ],
    ids=str,
)
def test_compact_counts(count: int, label: str) -> None:
    assert charts._compact(count) == label


def test_cells_outside_one_to_five_are_refused() -> None:
    with pytest.raises(ValueError, match="1–5"):
        charts.risk_heat_map({(0, 3): 1})
    with pytest.raises(ValueError, match="1–5"):
        charts.risk_heat_map({(3, 6): 1})


def test_trend_bars_follow_the_numbers() -> None:
    def area(png: bytes, colour: str) -> int:
        rgb = np.array(to_rgb(colour))
        return int((np.abs(pixels(png) - rgb).max(axis=2) <= 1.5 / 255).sum())

    more_opened = charts.action_trend(weeks((8, 2), (8, 2)))
    more_done = charts.action_trend(weeks((2, 8), (2, 8)))
    assert area(more_opened, charts.OPENED_COLOUR) > 3 * area(more_opened, charts.DONE_COLOUR)
    assert area(more_done, charts.DONE_COLOUR) > 3 * area(more_done, charts.OPENED_COLOUR)


def test_empty_trends_draw_a_note_not_bars() -> None:
    empty, zero = charts.action_trend([]), charts.action_trend(weeks(*[(0, 0)] * 8))
    some = charts.action_trend(weeks(*[(0, 0)] * 7, (0, 1)))
    assert len({empty, zero, some}) == 3


def test_week_labels_name_the_year_where_it_starts_and_changes() -> None:
    mondays = [date(2026, 12, 21), date(2026, 12, 28), date(2027, 1, 4), date(2027, 1, 11)]
    assert charts._week_labels(mondays) == ["21 Dec\n2026", "28 Dec", "4 Jan\n2027", "11 Jan"]


def test_without_matplotlib_the_module_imports_and_says_what_to_install() -> None:
    script = textwrap.dedent(
        """
        import sys
        sys.modules["matplotlib"] = None  # as if the charts extra were not installed
        from bot import charts
        assert not charts.available()
        for draw, arg in ((charts.risk_heat_map, {}), (charts.action_trend, [])):
            try:
                draw(arg)
            except RuntimeError as error:
                print(error)
            else:
                raise AssertionError("drew without matplotlib")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [charts.UNAVAILABLE] * 2
    assert "pip install 'pmo-bot[charts]'" in charts.UNAVAILABLE
