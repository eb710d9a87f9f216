"""The chart's target lines stand at the targets' values, each labelled with its value right under it, and a
100% target at the axis's end is drawn whole (it was clipped to half its width)."""
from __future__ import annotations

from datetime import datetime, timezone

from bot.i18n import Translator
from bot.services.monitoring.chart import figure_of
from bot.services.monitoring.indicators import Card, Indicator, judged
from bot.services.monitoring.periods import Period

T = Translator("ru")


def test_target_lines_sit_at_their_values_with_their_labels() -> None:
    period = Period.of(None, datetime(2026, 11, 24, 9, tzinfo=timezone.utc))
    items = [Indicator("participation", 30, 60, 75), Indicator("shnor_covered", 3, 4, 100),
             Indicator("active_links", 12, None, 20), Indicator("sessions_month", 9, None, 12)]
    card = Card(1, "Кировский район", period, [judged(i, period.today) for i in items])
    figure = figure_of(card, T)
    figure.canvas.draw()
    lines = {line.get_gid(): line for ax in figure.axes for line in ax.lines
             if (line.get_gid() or "").startswith("target:")}
    assert set(lines) == {f"target:{i.key}" for i in items}
    for item in items:
        line = lines[f"target:{item.key}"]
        assert list(line.get_xdata()) == [item.target, item.target], item.key
        assert not line.get_clip_on(), "drawn whole even at the axis's end"
        ax = line.axes
        label = f"цель {item.target}%" if item.is_share else f"цель {item.target}"
        texts = [text for text in ax.texts if text.get_text() == label]
        assert len(texts) == 1, (item.key, [x.get_text() for x in ax.texts])
        assert texts[0].get_position()[0] == item.target, "the label stands at the line"
        top, bottom = sorted(line.get_ydata())
        assert top < texts[0].get_position()[1] + 1 and texts[0].get_position()[1] >= bottom - 1
