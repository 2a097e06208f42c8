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


def render(title: str, panels: list[Panel], hidden: str = "<5") -> bytes:
    """A PNG with one bar chart per panel; call it in a worker thread."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(title, fontsize=14)
    rows = max(1, -(-len(panels) // COLUMNS))
    for index, panel in enumerate(panels):
        axes = figure.add_subplot(rows, COLUMNS, index + 1)
        axes.set_title(panel.title, fontsize=11)
        count = max(1, len(panel.series))
        width = 0.8 / count
        positions = range(len(panel.categories))
        for number, series in enumerate(panel.series):
            offset = (number - (count - 1) / 2) * width
            xs = [position + offset for position in positions]
            heights = [value or 0.0 for value in series.values]
            colour = COLOURS[number % len(COLOURS)]
            axes.bar(xs, heights, width, label=series.label, color=colour)
            for x, value in zip(xs, series.values, strict=True):
                if value is None:
                    axes.annotate(hidden, (x, 0), ha="center", va="bottom", fontsize=8)
        axes.set_xticks(list(positions), panel.labels, rotation=30, ha="right", fontsize=8)
        axes.tick_params(axis="y", labelsize=8)
        if panel.top is not None:
            axes.set_ylim(0, panel.top * 1.3)  # room for the legend above the bars
        else:
            axes.margins(y=0.15)
        if count > 1:
            axes.legend(fontsize=8)
    buffer = io.BytesIO()
    figure.savefig(
        buffer,
        format="png",
        metadata={"Title": title, "Series": json.dumps(series_data(panels), ensure_ascii=False)},
    )
    return buffer.getvalue()
