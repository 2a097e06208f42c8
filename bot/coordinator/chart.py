"""The impact figures as one PNG: bar charts drawn off-screen with matplotlib's Agg canvas.

matplotlib is imported only here and only when a chart is drawn (it takes a moment and some
memory), and the drawing runs in a worker thread so the bot keeps answering meanwhile. The
numbers drawn are also written into the PNG as a `Series` text chunk (JSON), so a test or an
evaluator can read back exactly what the image shows. A hidden value (fewer than five people)
is drawn as an empty bar marked "<5" and stored as null.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

WIDTH, HEIGHT, DPI = 12.0, 8.0, 100  # 1200 x 800 pixels
COLUMNS = 3
COLOURS = ("#2b6cb0", "#dd6b20")  # before/after and single series stay apart for colour-blind eyes


@dataclass(frozen=True, slots=True)
class Series:
    """One set of bars; `key` is stable (stored in the PNG), `label` is shown."""

    key: str
    label: str
    values: tuple[float | None, ...]  # None: hidden because fewer than five people


@dataclass(frozen=True, slots=True)
class Panel:
    """One small bar chart: categories along the bottom, one bar per series each."""

    key: str
    title: str
    categories: tuple[str, ...]  # stable keys, stored in the PNG
    labels: tuple[str, ...]  # what is written under the bars
    series: tuple[Series, ...]
    top: float | None = None  # a fixed scale (the self-report's 5), else from the data


def series_data(panels: list[Panel]) -> dict[str, dict[str, dict[str, float | None]]]:
    """What the chart shows, by panel, series and category (stored in the PNG)."""
    return {
        panel.key: {
            series.key: dict(zip(panel.categories, series.values, strict=True))
            for series in panel.series
        }
        for panel in panels
    }


def render(
    title: str, panels: list[Panel], hidden: str = "<5", headline: str = "", empty: str = ""
) -> bytes:
    """A PNG with the headline numbers and one bar chart per panel (only panels with data are
    passed in), every bar with its number; call it in a worker thread."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(f"{title}\n{headline}" if headline else title, fontsize=14)
    if not panels:
        figure.text(0.5, 0.5, empty, ha="center", va="center", fontsize=14)
    rows = max(1, -(-len(panels) // COLUMNS))
    for index, panel in enumerate(panels):
        axes = figure.add_subplot(rows, COLUMNS, index + 1)
        _draw(axes, panel, hidden)
    buffer = io.BytesIO()
    figure.savefig(
        buffer,
        format="png",
        metadata={"Title": title, "Series": json.dumps(series_data(panels), ensure_ascii=False)},
    )
    return buffer.getvalue()


def _draw(axes: Any, panel: Panel, hidden: str) -> None:
    """One panel: grouped bars with their numbers on top, "<5" where a value is hidden."""
    axes.set_title(panel.title, fontsize=11)
    count = max(1, len(panel.series))
    width = 0.8 / count
    positions = range(len(panel.categories))
    highest = 0.0
    for number, series in enumerate(panel.series):
        offset = (number - (count - 1) / 2) * width
        xs = [position + offset for position in positions]
        heights = [value or 0.0 for value in series.values]
        highest = max(highest, *heights)
        colour = COLOURS[number % len(COLOURS)]
        bars = axes.bar(xs, heights, width, label=series.label, color=colour)
        axes.bar_label(bars, labels=[_number(v, hidden) for v in series.values], fontsize=8)
    axes.set_xticks(list(positions), panel.labels, rotation=30, ha="right", fontsize=8)
    axes.tick_params(axis="y", labelsize=8)
    if panel.top is not None:  # a fixed scale (1-5): ticks end at its top, a little room
        axes.set_ylim(0, panel.top * 1.2)  # above for the legend and the numbers
        axes.set_yticks(range(int(panel.top) + 1))
    else:  # whole numbers from zero, with room for the numbers on the bars
        axes.set_ylim(0, max(1.0, highest) * 1.2)
        axes.yaxis.get_major_locator().set_params(integer=True)
    if count > 1:
        axes.legend(fontsize=8, loc="upper left", ncols=count)


def _number(value: float | None, hidden: str) -> str:
    """What is written on a bar: the count, a mean with one decimal, or "<5"."""
    if value is None:
        return hidden
    return f"{value:.1f}" if value != int(value) or isinstance(value, float) else str(int(value))
