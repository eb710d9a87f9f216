"""The indicators as a picture: horizontal bars against target lines, rendered with matplotlib's Agg
canvas (no display, no pyplot state, safe in a thread) into PNG bytes for the chat."""
from __future__ import annotations

import threading
from io import BytesIO

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from bot.i18n import Translator
from bot.services.monitoring.indicators import Card, Indicator

COLORS = {"ok": "#2e9d4f", "pending": "#e0a526", "behind": "#d9534f", "none": "#8c9aa8"}
TARGET_COLOR = "#1f2d3d"
WIDTH_IN, DPI = 8.6, 110
_RENDERING = threading.Lock()  # matplotlib's font and text caches are shared: one render at a time


def _label(indicator: Indicator, t: Translator) -> str:
    return t(f"monitoring.chart.{indicator.key}")


def _bars(ax, items: list[Indicator], t: Translator, *, shares: bool) -> None:  # type: ignore[no-untyped-def]
    labels = [_label(i, t) for i in items]
    ys = list(range(len(items)))[::-1]
    if shares:
        values = [float(i.percent or 0) for i in items]
        limit = 100.0
    else:
        values = [float(i.value) for i in items]
        limit = max([1.0, *values, *(float(i.target) for i in items if i.target)]) * 1.15
    ax.barh(ys, values, color=[COLORS[i.status] for i in items], height=0.62, zorder=2)
    for y, item, value in zip(ys, items, values):
        if item.target is not None:
            ax.plot([item.target, item.target], [y - 0.42, y + 0.42], color=TARGET_COLOR, linewidth=2.2, zorder=3)
        if shares:
            text = t("monitoring.chart.share_value", percent=item.percent, value=item.value, total=item.total) \
                if item.percent is not None else t("monitoring.chart.no_data")
        else:
            text = str(item.value)
        inside = shares and value > 78
        ax.text(value - 1.5 if inside else value + limit * 0.012, y, text, va="center",
                ha="right" if inside else "left", fontsize=9, color="white" if inside else "#222222", zorder=4,
                bbox=None if inside else {"facecolor": "white", "edgecolor": "none", "pad": 1.0, "alpha": 0.85})
    ax.set_yticks(ys)
    ax.set_yticklabels(labels, fontsize=10)
    ax.set_xlim(0, 118 if shares else limit)
    if shares:
        ax.set_xticks([0, 25, 50, 75, 100])
        ax.set_xticklabels(["0%", "25%", "50%", "75%", "100%"], fontsize=8)
    else:
        ax.tick_params(axis="x", labelsize=8)
    ax.grid(axis="x", color="#e3e7ec", zorder=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def render_chart(card: Card, t: Translator) -> bytes:
    """PNG bytes of the card's indicators: shares in percent on top, counts below, target lines across.
    Safe to call from worker threads (the chat renders in one, so the event loop keeps serving)."""
    with _RENDERING:
        return _render(card, t)


def _render(card: Card, t: Translator) -> bytes:
    shares = [i for i in card.indicators if i.is_share]
    counts = [i for i in card.indicators if not i.is_share]
    rows = len(shares) + len(counts)
    figure = Figure(figsize=(WIDTH_IN, 1.6 + 0.48 * rows), dpi=DPI)
    FigureCanvasAgg(figure)
    heights = [max(len(shares), 1), max(len(counts), 1)] if counts and shares else [1]
    grid = figure.add_gridspec(len(heights), 1, height_ratios=heights, hspace=0.35)
    if shares:
        _bars(figure.add_subplot(grid[0]), shares, t, shares=True)
    if counts:
        _bars(figure.add_subplot(grid[len(heights) - 1]), counts, t, shares=False)
    who = card.school_name or card.network_name
    figure.suptitle(t("monitoring.chart.title", who=who, date=card.period.today.strftime("%d.%m.%Y"),
                      year=card.period.label), fontsize=11, fontweight="bold")
    legend = [Patch(color=COLORS["ok"], label=t("monitoring.chart.legend_ok")),
              Patch(color=COLORS["pending"], label=t("monitoring.chart.legend_pending")),
              Patch(color=COLORS["behind"], label=t("monitoring.chart.legend_behind")),
              Line2D([0], [0], color=TARGET_COLOR, linewidth=2.2, label=t("monitoring.chart.legend_target"))]
    figure.legend(handles=legend, loc="lower center", ncol=4, fontsize=8, frameon=False)
    figure.subplots_adjust(left=0.3, right=0.97, top=1 - 0.55 / figure.get_figheight(),
                           bottom=0.75 / figure.get_figheight())
    out = BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
