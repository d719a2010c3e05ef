"""The registrations chart of /stats: bars per day, the cumulative total as a line.

matplotlib is imported inside the functions: it takes about half a second to import, which the
bot should not pay at start-up for a chart an organizer asks for now and then. Rendering is
CPU-bound, so the async entry point runs it in a worker thread. matplotlib is not thread-safe
(rcParams, the font cache are global): one chart at a time, with the object-oriented API and the
Agg canvas, never pyplot."""

from __future__ import annotations

import asyncio
import io
import math
import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from bot.services.reports.stats import DayCount

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WIDTH_IN, HEIGHT_IN, DPI = 10, 5, 150  # 1500 x 750 pixels: sharp on a phone, small to send
MAX_DAY_TICKS = 15
MIN_DAY_SLOTS = 7
BAR_COLOR = "#4C72B0"
LINE_COLOR = "#DD8452"
NUMBERED_DAYS = 31  # up to this many days each bar carries its number and the line its dots

_RENDERING = threading.Lock()

# Tried in this order for each character: DejaVu Sans (shipped with matplotlib) covers Latin
# and Cyrillic; Chinese needs a CJK font installed on the server (e.g. Debian's
# fonts-noto-cjk or fonts-wqy-zenhei).
FONT_FAMILIES = (
    "DejaVu Sans",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
)


@dataclass(frozen=True)
class ChartLabels:
    """The words on the chart, in the organizer's language."""

    per_day: str  # the bars, and the left axis
    cumulative: str  # the line, and the right axis
    dates: str  # the horizontal axis
    date_format: str  # strftime pattern of a day under its bar; digits only, any font has them


async def registrations_chart(days: Sequence[DayCount], labels: ChartLabels) -> bytes:
    return await asyncio.to_thread(render_registrations_chart, days, labels)


def render_registrations_chart(days: Sequence[DayCount], labels: ChartLabels) -> bytes:
    """A PNG. Words no installed font can draw are left out rather than drawn as empty boxes:
    the caption of the photo, drawn by the Telegram app, says what the bars and the line are."""
    with _RENDERING:
        families = available_font_families()
        words = (labels.per_day, labels.cumulative, labels.dates)
        drawable = all(can_draw(text, families) for text in words)
        return _render(days, labels, families, drawable)


def _render(
    days: Sequence[DayCount], labels: ChartLabels, families: Sequence[str], words: bool
) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with _font_context(families):
        figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
        FigureCanvasAgg(figure)
        _draw(figure, days, labels, words)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _draw(figure: Figure, days: Sequence[DayCount], labels: ChartLabels, words: bool) -> None:
    bars_axes = figure.add_subplot()
    line_axes = bars_axes.twinx()
    positions = list(range(len(days)))
    numbered = len(days) <= NUMBERED_DAYS
    bars = bars_axes.bar(positions, [d.count for d in days], color=BAR_COLOR, label=labels.per_day)
    (line,) = line_axes.plot(
        positions,
        [d.cumulative for d in days],
        color=LINE_COLOR,
        linewidth=2.5,
        marker="o" if numbered else None,
        label=labels.cumulative,
    )
    if numbered:
        bars_axes.bar_label(bars, fmt="%d", padding=2, fontsize=8)
    _day_ticks(bars_axes, days, labels.date_format)
    _count_axes(bars_axes, line_axes, days)
    if words:
        bars_axes.set_ylabel(labels.per_day, color=BAR_COLOR)
        line_axes.set_ylabel(labels.cumulative, color=LINE_COLOR)
        bars_axes.set_xlabel(labels.dates)
        # Above the plot, so that it never hides a bar.
        figure.legend(handles=[bars, line], loc="outside upper center", ncols=2, frameon=False)


def _count_axes(bars_axes: Axes, line_axes: Axes, days: Sequence[DayCount]) -> None:
    """Whole numbers from zero, each scale in its series' colour so one can tell them apart
    even without the words."""
    from matplotlib.ticker import MaxNLocator

    for axes, color in ((bars_axes, BAR_COLOR), (line_axes, LINE_COLOR)):
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.tick_params(axis="y", colors=color)
    # Headroom above the tallest bar and the last point, for their labels and markers.
    bars_axes.set_ylim(0, max(d.count for d in days) * 1.15 + 1)
    line_axes.set_ylim(0, days[-1].cumulative * 1.08 + 1)
    bars_axes.grid(axis="y", alpha=0.3)


def _day_ticks(axes: Axes, days: Sequence[DayCount], date_format: str) -> None:
    """A label under every day while they fit, under every n-th day after that."""
    step = max(1, math.ceil(len(days) / MAX_DAY_TICKS))
    ticks = list(range(0, len(days), step))
    axes.set_xticks(ticks, [days[i].day.strftime(date_format) for i in ticks], rotation=45)
    # At least a week's width, centred: one or two days would otherwise be drawn as a wall.
    half_width = max(len(days), MIN_DAY_SLOTS) / 2
    centre = (len(days) - 1) / 2
    axes.set_xlim(centre - half_width, centre + half_width)


def _font_context(families: Sequence[str]) -> AbstractContextManager[Any]:
    from matplotlib import rc_context

    return rc_context({"font.family": list(families), "font.size": 11})


@lru_cache(maxsize=1)
def available_font_families() -> tuple[str, ...]:
    from matplotlib import font_manager

    found = []
    for family in FONT_FAMILIES:
        try:
            font_manager.findfont(family, fallback_to_default=False)
        except ValueError:
            continue
        found.append(family)
    return tuple(found)


@lru_cache(maxsize=64)
def can_draw(text: str, families: tuple[str, ...]) -> bool:
    needed = {ord(char) for char in text if not char.isspace()}
    return needed <= _covered_characters(families)


@lru_cache(maxsize=4)
def _covered_characters(families: tuple[str, ...]) -> frozenset[int]:
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    covered: set[int] = set()
    for family in families:
        path = font_manager.findfont(family, fallback_to_default=False)
        covered.update(FT2Font(path).get_charmap())
    return frozenset(covered)
