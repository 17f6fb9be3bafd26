"""The plots of ``kiosk report``, each returned as a ``data:`` URI (PNG) for the HTML.

matplotlib is imported inside each function (``Figure`` objects, the Agg renderer, no pyplot
state, no display); its bundled DejaVu Sans draws the Vietnamese labels. Numbers on the plots
are written as in the tables (:func:`kiosk.measure.report_words.fmt_num`: ``2,5`` in
Vietnamese), and axes that count (visits, answers) have whole-number ticks only.
"""

from __future__ import annotations

import base64
import io
from datetime import date
from typing import Any

from kiosk.measure.report_words import WORDS, fmt_num, fmt_s
from kiosk.measure.visit_figures import HOWS, Figures
from models import Rating

HOW_COLOURS = {"auto": "#1b7f3b", "keypad": "#2f6fb5", "card": "#c98a12", "enrolled": "#8a8f98"}
RATING_COLOURS = {
    Rating.VERY_SATISFIED: "#1b7f3b",
    Rating.SATISFIED: "#7cbf4a",
    Rating.UNSATISFIED: "#e0a020",
    Rating.VERY_UNSATISFIED: "#c0392b",
}


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _numbers(axis: Any, lang: str, *, counts: bool) -> None:
    """Write ``axis``'s tick labels in ``lang``'s number format; ``counts``: whole-number ticks only."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    if counts:
        axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(
        FuncFormatter(lambda value, _pos: fmt_num(value, lang, 0 if counts or float(value).is_integer() else 1))
    )


def _uri(fig: Any) -> str:
    """A matplotlib figure as a ``data:`` URI (PNG, base64)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def plot_days(days: list[tuple[date, Figures]], lang: str) -> str:
    """Visits per day, stacked by how the citizen was identified."""
    w = WORDS[lang]
    fig = _figure(10, 3.4)
    ax = fig.subplots()
    labels = [d.strftime("%d/%m") for d, _ in days]
    bottom = [0] * len(days)
    for how in HOWS:
        values = [f.by_how[how] for _, f in days]
        ax.bar(labels, values, bottom=bottom, color=HOW_COLOURS[how], label=w[f"how_{how}"], width=0.6)
        bottom = [b + v for b, v in zip(bottom, values)]
    ax.set_ylabel(w["axis_visits"])
    _numbers(ax.yaxis, lang, counts=True)
    ax.legend(loc="upper left", fontsize=8, ncols=4, frameon=False)
    ax.set_ylim(0, max(bottom, default=1) * 1.25 + 1)
    ax.set_xlim(-0.7, max(len(days), 7) - 0.3)  # a short period keeps narrow bars
    ax.spines[["top", "right"]].set_visible(False)
    return _uri(fig)


def plot_confirm(total: Figures, lang: str) -> str:
    """Left: the share identified each way; right: seconds to confirmation, with median and P90."""
    w = WORDS[lang]
    fig = _figure(10, 3.4)
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.4])
    shares = [100 * (total.share(h) or 0.0) for h in HOWS]
    left.barh([w[f"how_{h}"] for h in HOWS][::-1], shares[::-1], color=[HOW_COLOURS[h] for h in HOWS][::-1])
    for y, value in enumerate(shares[::-1]):
        left.text(value + 1, y, fmt_num(value, lang, 1) + "%", va="center", fontsize=9)
    left.set_xlim(0, 115)
    left.set_xlabel("%")
    _numbers(left.xaxis, lang, counts=False)
    left.spines[["top", "right"]].set_visible(False)
    if total.confirm_s:
        top = max(total.confirm_s)
        right.hist(total.confirm_s, bins=min(30, max(5, len(total.confirm_s) // 2)), color="#2f6fb5", alpha=0.85)
        for mark, style, name in (
            (total.confirm_median_s, "--", w["median"]),
            (total.confirm_p90_s, ":", w["p90"]),
        ):
            if mark is not None:
                right.axvline(mark, color="black", linestyle=style, linewidth=1.2, label=f"{name} {fmt_s(mark, lang)}")
        right.set_xlim(0, top * 1.1 + 0.5)
        right.legend(fontsize=8, frameon=False)
    right.set_xlabel(w["axis_seconds"])
    right.set_ylabel(w["axis_count"])
    _numbers(right.xaxis, lang, counts=False)
    _numbers(right.yaxis, lang, counts=True)
    right.spines[["top", "right"]].set_visible(False)
    return _uri(fig)


def plot_ratings(total: Figures, lang: str) -> str:
    """The four answers, counted."""
    w = WORDS[lang]
    fig = _figure(10, 2.6)
    ax = fig.subplots()
    answers = list(Rating)
    counts = [total.ratings[r] for r in answers]
    ax.barh([w[r.value] for r in answers][::-1], counts[::-1], color=[RATING_COLOURS[r] for r in answers][::-1])
    for y, value in enumerate(counts[::-1]):
        ax.text(value + 0.2, y, fmt_num(value, lang), va="center", fontsize=9)
    ax.set_xlabel(w["axis_answers"])
    _numbers(ax.xaxis, lang, counts=True)
    ax.set_xlim(0, max(counts, default=1) * 1.15 + 1)
    ax.spines[["top", "right"]].set_visible(False)
    return _uri(fig)


def plot_counters(counters: list[tuple[str, Figures]], lang: str) -> str:
    """Each counter's satisfaction rate (ranked order) beside the 99% target."""
    w = WORDS[lang]
    fig = _figure(10, 0.6 + 0.45 * len(counters))
    ax = fig.subplots()
    names = [name for name, _ in counters][::-1]
    rates = [100 * (f.satisfaction or 0.0) for _, f in counters][::-1]
    ax.barh(names, rates, color=["#1b7f3b" if r >= 99 else "#e0a020" for r in rates])
    ax.axvline(99, color="#c0392b", linestyle="--", linewidth=1, label=w["target"])
    ax.set_xlim(0, 105)
    ax.set_xlabel(w["axis_satisfaction"])
    _numbers(ax.xaxis, lang, counts=False)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    return _uri(fig)
