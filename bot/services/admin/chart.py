"""The statistics chart: a PNG of applications by state and the most frequent failure
reasons (matplotlib's Agg canvas, no pyplot state)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from bot.services.admin.stats import Stats


@dataclass(frozen=True)
class ChartText:
    """Titles of the chart, in the admin's language."""

    title: str
    states: str
    reasons: str
    no_data: str


def render_chart(stats: Stats, text: ChartText, fallback: ChartText) -> bytes:
    """A PNG of `stats`: applications by state, and the most frequent failure reasons.

    Blocking (matplotlib): call it with `asyncio.to_thread`.
    """
    states = [(state.value, count) for state, count in stats.by_state.items()]
    return render_counts(states, stats.reasons, text, fallback)


def render_counts(
    states: Sequence[tuple[str, int]],
    reasons: Sequence[tuple[str, int]],
    text: ChartText,
    fallback: ChartText,
) -> bytes:
    """A PNG: counts by state, and the most frequent reasons (most frequent first).

    Blocking (matplotlib, Agg canvas, no pyplot state): call it with `asyncio.to_thread`.
    A title the installed fonts cannot draw (e.g. Chinese without a CJK font) is taken from
    `fallback` instead of being drawn as empty boxes.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    def pick(name: str) -> str:
        wanted: str = getattr(text, name)
        return wanted if _drawable(wanted) else getattr(fallback, name)

    figure = Figure(figsize=(8, 6), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    states_ax, reasons_ax = figure.subplots(2, 1)
    figure.suptitle(pick("title"))
    names = [name for name, _ in states]
    counts = [count for _, count in states]
    colours = ["#9e9e9e", "#64b5f6", "#ffb74d", "#66bb6a", "#e57373", "#bdbdbd"]
    bars = states_ax.bar(names, counts, color=colours[: len(names)])
    states_ax.bar_label(bars)
    states_ax.set_title(pick("states"))
    states_ax.set_ylim(0, max([*counts, 1]) * 1.2)
    top = list(reasons[:8])
    reasons_ax.set_title(pick("reasons"))
    if top:
        labels = [reason for reason, _ in reversed(top)]
        values = [count for _, count in reversed(top)]
        reason_bars = reasons_ax.barh(labels, values, color="#e57373")
        reasons_ax.bar_label(reason_bars)
        reasons_ax.set_xlim(0, max(values) * 1.2)
    else:
        reasons_ax.text(0.5, 0.5, pick("no_data"), ha="center", va="center")
        reasons_ax.set_axis_off()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _drawable(text: str) -> bool:
    """Whether the default font has a glyph for every character of `text`."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    path = font_manager.findfont(font_manager.FontProperties(), fallback_to_default=True)
    charmap = FT2Font(path).get_charmap()
    return all(ord(char) in charmap for char in text if not char.isspace())
