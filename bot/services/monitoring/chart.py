"""The indicators as a picture made for a phone: rendered with matplotlib's Agg canvas (no display, no pyplot
state, safe in a thread) into a PNG that Telegram shows about 390 px wide in a chat.

Everything is laid out in pixels at that scale: the smallest text is 12.5 px high when the picture is 390 px
wide (the bar is 11 px), titles are wrapped to the width, each indicator's name sits on its own line above
its bar, the target is a dark line with its value written under it, the axis of counts has whole numbers
only, and the legend has an entry for every colour used. Shares (percent) come first, then counts.
"""
from __future__ import annotations

import textwrap
import threading
from dataclasses import dataclass
from io import BytesIO

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from bot.i18n import Translator
from bot.services.monitoring.indicators import Card, Indicator

COLORS = {"ok": "#2e9d4f", "pending": "#e0a526", "behind": "#d9534f", "none": "#8c9aa8"}
TARGET_COLOR = "#1f2d3d"
PHONE_PX = 390  # how wide Telegram shows a photo in a phone's chat
WIDTH_PX, DPI = 1080, 120
SCALE = WIDTH_PX / PHONE_PX
SMALL_PX, LABEL_PX, TITLE_PX = 12.5, 13.5, 15.0  # text heights at phone width
CHAR_WIDTH = 0.56  # a Cyrillic character's width in DejaVu Sans, in font heights (for wrapping)
_RENDERING = threading.Lock()  # matplotlib's font and text caches are shared: one render at a time


def _pt(phone_px: float) -> float:
    """Font size in points for text `phone_px` high when the picture is shown PHONE_PX wide."""
    return phone_px * SCALE * 72 / DPI


def _wrap(text: str, phone_px: float, width_px: float, *, bold: bool = False) -> list[str]:
    per_line = max(12, int(width_px / (phone_px * SCALE * (CHAR_WIDTH + (0.07 if bold else 0)))))
    return textwrap.wrap(text, per_line) or [""]


@dataclass(frozen=True)
class Layout:
    """Vertical space in picture pixels."""
    margin: float = 16 * SCALE
    line: float = 1.35  # line height, in font heights
    bar: float = 11 * SCALE

    def text_line(self, phone_px: float) -> float:
        return phone_px * SCALE * self.line

    @property
    def row(self) -> float:
        return self.text_line(LABEL_PX) + self.bar + self.text_line(SMALL_PX) + 6 * SCALE

    @property
    def axis(self) -> float:
        return self.text_line(SMALL_PX) + 6 * SCALE


def _value_text(indicator: Indicator, t: Translator, shares: bool) -> str:
    if shares:
        if indicator.percent is None:
            return t("monitoring.chart.no_data")
        return t("monitoring.chart.share_value", percent=indicator.percent, value=indicator.value,
                 total=indicator.total)
    return str(indicator.value)


def _target_text(indicator: Indicator, t: Translator, shares: bool) -> str:
    return t("monitoring.chart.target_share" if shares else "monitoring.chart.target_count", target=indicator.target)


def _group(figure: Figure, items: list[Indicator], t: Translator, *, shares: bool, top: float, height: float,
           layout: Layout) -> None:
    """One block of rows (shares or counts) in an axes `height` px tall whose top is at `top` px."""
    width, fig_height = figure.get_figwidth() * DPI, figure.get_figheight() * DPI
    left = layout.margin
    right = width - layout.margin * 1.6  # room for «100%» under the axis's end
    ax = figure.add_axes((left / width, (fig_height - top - height) / fig_height, (right - left) / width,
                          height / fig_height))
    n = len(items)
    row = layout.row
    if shares:
        limit = 100.0
    else:
        limit = max([1.0, *(float(i.value) for i in items), *(float(i.target) for i in items if i.target)]) * 1.25
    ax.set_xlim(0, limit)
    ax.set_ylim(n * row, 0)  # y in pixels from the top of the block
    small, label = _pt(SMALL_PX), _pt(LABEL_PX)
    for index, item in enumerate(items):
        y0 = index * row
        label_y = y0 + layout.text_line(LABEL_PX) * 0.85
        bar_y = y0 + layout.text_line(LABEL_PX) + layout.bar / 2
        # The name on the left and the value on the right of one line above the bar: nothing crosses the bar.
        ax.text(0, label_y, t(f"monitoring.chart.{item.key}"), fontsize=label, ha="left", va="baseline",
                color="#1b1f24")
        ax.text(limit, label_y, _value_text(item, t, shares), fontsize=label, ha="right", va="baseline",
                color="#1b1f24", fontweight="bold")
        value = float(item.percent or 0) if shares else float(item.value)
        ax.barh([bar_y], [value], height=layout.bar, color=COLORS[item.status], zorder=2)
        ax.barh([bar_y], [limit], height=layout.bar, color="#eef1f4", zorder=1)
        if item.target is not None:
            x = float(item.target)
            # Not clipped: a 100% target sits on the axis's end and was drawn half as wide as the others.
            ax.plot([x, x], [bar_y - layout.bar * 0.7, bar_y + layout.bar * 0.85], color=TARGET_COLOR,
                    linewidth=2.5 * SCALE / 2, zorder=3, clip_on=False, gid=f"target:{item.key}")
            anchor = "right" if x > limit * 0.8 else "left" if x < limit * 0.2 else "center"
            ax.text(x, bar_y + layout.bar * 0.9, _target_text(item, t, shares), fontsize=small, ha=anchor,
                    va="top", color=TARGET_COLOR, zorder=4)
    ax.set_yticks([])
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    if shares:
        ax.set_xticks([0, 25, 50, 75, 100])
        ax.set_xticklabels(["0%", "25%", "50%", "75%", "100%"])
    else:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))  # counts are whole numbers
    ax.tick_params(axis="x", labelsize=small, length=0, pad=4 * SCALE / 2, colors="#3a4149")
    ax.grid(axis="x", color="#d5dbe1", zorder=0)


def figure_of(card: Card, t: Translator) -> Figure:
    """The chart as a matplotlib Figure (the tests measure its texts)."""
    layout = Layout()
    shares = [i for i in card.indicators if i.is_share]
    counts = [i for i in card.indicators if not i.is_share]
    width = WIDTH_PX - 2 * layout.margin
    who = card.school_name or card.network_name
    title = _wrap(t("monitoring.chart.title", who=who, date=card.period.today.strftime("%d.%m.%Y"),
                    year=card.period.label), TITLE_PX, width, bold=True)
    used = sorted({i.status for i in card.indicators}, key=list(COLORS).index)
    legend_items = [Patch(color=COLORS[s], label=t(f"monitoring.chart.legend_{s}")) for s in used]
    if any(i.target is not None for i in card.indicators):
        legend_items.append(Line2D([0], [0], color=TARGET_COLOR, linewidth=3, label=t("monitoring.chart.legend_target")))
    legend_rows = -(-len(legend_items) // 2)
    title_h = layout.text_line(TITLE_PX) * len(title)
    blocks = [(group, flag) for group, flag in ((shares, True), (counts, False)) if group]
    body = sum(layout.row * len(group) + layout.axis for group, _ in blocks) + layout.margin * (len(blocks) - 1)
    legend_h = layout.text_line(SMALL_PX) * 1.25 * legend_rows
    height = layout.margin + title_h + layout.margin + body + layout.margin + legend_h + layout.margin
    figure = Figure(figsize=(WIDTH_PX / DPI, height / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    figure.text(layout.margin / WIDTH_PX, 1 - layout.margin / height, "\n".join(title), fontsize=_pt(TITLE_PX),
                fontweight="bold", ha="left", va="top", linespacing=1.2, color="#1b1f24")
    top = layout.margin + title_h + layout.margin
    for group, flag in blocks:
        rows_h = layout.row * len(group)
        _group(figure, group, t, shares=flag, top=top, height=rows_h, layout=layout)
        top += rows_h + layout.axis + layout.margin
    figure.legend(handles=legend_items, loc="lower left", ncol=2, fontsize=_pt(SMALL_PX), frameon=False,
                  bbox_to_anchor=(layout.margin / WIDTH_PX, layout.margin / height), borderaxespad=0,
                  handlelength=1.4, columnspacing=1.2)
    return figure


def render_chart(card: Card, t: Translator) -> bytes:
    """PNG bytes of the card's indicators. Safe to call from worker threads (the chat renders in one, so the
    event loop keeps serving)."""
    with _RENDERING:
        figure = figure_of(card, t)
        out = BytesIO()
        figure.savefig(out, format="png")
        return out.getvalue()
